"""Any fastnn Module as a scikit-learn estimator (in the manner of skorch).

``NeuralNetClassifier(module, criterion=..., optimizer=..., lr=..., ...)``
trains ``module`` with mini-batches; parameters routed by prefix reach the
parts it builds: ``module__hidden=(64,)`` goes to the module's constructor,
``criterion__label_smoothing=0.1`` to the loss's, ``optimizer__momentum=0.9``
to the optimizer's, so ``GridSearchCV`` can search architectures and
optimizer settings. Decided here (see docs):

- ``module`` is a Module class (built at each fit with the routed arguments;
  ``in_features`` and ``out_features``, when its constructor takes them and
  they are not given, come from the data) or a Module instance (copied at
  each fit: its weights are the start of every fit).
- No internal validation split unless ``train_split`` is a fraction; the
  default (None) trains on all the data, as GridSearchCV expects.
- ``random_state`` seeds the initialisation, the shuffles and dropout; fastnn's
  own generator is put back as it was after each fit, so a fit has no effect
  on the caller's random numbers. Fits are bitwise the same for any thread
  count.
- The module computes in float64 when the input is float64 (it is converted
  with ``double()`` when built), else in its own dtype (float32 for fastnn's
  layers); the data are cast to it. Each step is fastnn's compiled step (one C call) when the
  model can be planned, else the eager step; sample weights take the eager
  step, with the loss Σ w·loss(row) / Σ w of each batch (a constant weight is
  no weight).
- The classifier's default loss is CrossEntropyLoss on the module's logits;
  predict_proba is their softmax (exp for NLLLoss, whose inputs are
  log-probabilities; the output itself for any other loss).
"""
from __future__ import annotations

import copy
import inspect
import weakref
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._mlp import _float64_input, _pad_small
from .. import _C, compile_step, default_generator, manual_seed, nn, no_grad, optim
from .. import compile as _compile
from .. import tensor as _tensor

_ROUTED = ("module", "criterion", "optimizer")
_PREDICT_ROWS = 8192
# compiled steps and forwards, one per estimator, outside its __dict__
_STEPS: "weakref.WeakKeyDictionary[Any, Tuple[Tuple[int, ...], Any]]" = weakref.WeakKeyDictionary()
_FORWARDS: "weakref.WeakKeyDictionary[Any, Tuple[int, Any]]" = weakref.WeakKeyDictionary()


class MLPModule(nn.Module):
    """in_features → hidden layers → out_features: Linear, activation and
    optional Dropout per hidden layer, a Linear output (logits).

    Parameters
    ----------
    in_features, out_features : int
        Filled in from the data by the NeuralNet estimators.
    hidden : tuple of int, default (100,)
    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default 'relu'
    dropout : float, default 0.0
        The probability of a Dropout after each hidden activation (none at 0).
    """

    def __init__(self, in_features: int, out_features: int, hidden: Tuple[int, ...] = (100,),
                 activation: str = "relu", dropout: float = 0.0) -> None:
        super().__init__()
        acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}
        if activation not in acts:
            raise ValueError(f"activation must be one of {sorted(acts)}, got {activation!r}")
        layers: List[nn.Module] = []
        width = in_features
        for h in tuple(hidden):
            layers += [nn.Linear(width, int(h)), acts[activation]()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = int(h)
        layers.append(nn.Linear(width, out_features))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Any) -> Any:
        return self.net(x)


class _NeuralNet(BaseEstimator):
    """What the classifier and the regressor share: parameters routed by
    prefix, the training loop and the forward."""

    def __init__(self, module: Any = MLPModule, criterion: Any = None,
                 optimizer: Any = optim.SGD, *, lr: float = 0.01, max_epochs: int = 10,
                 batch_size: int = 128, shuffle: bool = True,
                 train_split: Optional[float] = None, warm_start: bool = False,
                 random_state: Any = None, compile: bool = True, verbose: int = 0,
                 **kwargs: Any) -> None:
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.train_split = train_split
        self.warm_start = warm_start
        self.random_state = random_state
        self.compile = compile
        self.verbose = verbose
        for key, value in kwargs.items():      # checked at fit, as every parameter
            setattr(self, key, value)

    # -- parameters -------------------------------------------------------
    def _extra_items(self) -> Dict[str, Any]:
        """The keyword arguments beyond the signature's (the routed ones)."""
        names = set(self._get_param_names())
        return {k: v for k, v in vars(self).items()
                if k not in names and not k.startswith("_") and not k.endswith("_")}

    def _routed_items(self) -> Dict[str, Any]:
        return {k: v for k, v in self._extra_items().items()
                if "__" in k and k.split("__", 1)[0] in _ROUTED}

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        params: Dict[str, Any] = super().get_params(deep=False)
        params.update(self._extra_items())
        return params

    def set_params(self, **params: Any) -> "_NeuralNet":
        own = {}
        for key, value in params.items():
            if "__" in key and key.split("__", 1)[0] in _ROUTED:
                setattr(self, key, value)
            else:
                own[key] = value
        if own:
            super().set_params(**own)
        return self

    def _routed(self, prefix: str) -> Dict[str, Any]:
        n = len(prefix) + 2
        return {k[n:]: v for k, v in self._routed_items().items() if k.startswith(prefix + "__")}

    # -- validation -------------------------------------------------------
    def _check_params(self) -> None:
        for key in self._extra_items():
            if "__" not in key or key.split("__", 1)[0] not in _ROUTED:
                raise TypeError(f"{type(self).__name__} got an unexpected keyword argument "
                                f"{key!r} (routed arguments start with module__, criterion__ "
                                f"or optimizer__)")
        for name in ("max_epochs", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        if not isinstance(self.lr, (int, float, np.floating)) or not self.lr > 0:
            raise ValueError(f"lr must be a float > 0, got {self.lr!r}")
        if self.train_split is not None and not 0 < self.train_split < 1:
            raise ValueError(f"train_split must be None or a fraction in (0, 1), "
                             f"got {self.train_split!r}")

    # -- building ---------------------------------------------------------
    def _build(self, n_in: int, n_out: int, dtype: np.dtype) -> None:
        m = self.module
        kw = self._routed("module")
        if isinstance(m, nn.Module):
            if kw:
                raise ValueError("module__ arguments need module to be a Module class, "
                                 "not an instance")
            self.module_ = copy.deepcopy(m)
        elif isinstance(m, type) and issubclass(m, nn.Module):
            sig = inspect.signature(m)
            if "in_features" in sig.parameters and "in_features" not in kw:
                kw["in_features"] = n_in
            if "out_features" in sig.parameters and "out_features" not in kw:
                kw["out_features"] = n_out
            self.module_ = m(**kw)
        else:
            raise ValueError(f"module must be a fastnn Module class or instance, got {m!r}")
        if dtype == np.float64:
            self.module_.double()
        crit = self.criterion if self.criterion is not None else self._default_criterion
        self.criterion_ = crit(**self._routed("criterion"))
        self.optimizer_ = self.optimizer(self.module_.parameters(), lr=self.lr,
                                         **self._routed("optimizer"))

    def _dtype(self) -> np.dtype:
        for p in self.module_.parameters():
            return np.dtype(p.dtype)
        return np.dtype(np.float32)

    # -- training ---------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any, epochs: int, reset: bool,
             classes: Any = None) -> "_NeuralNet":
        self._check_params()
        wide = _float64_input(X)
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32),
                             multi_output=not self._classifier, y_numeric=not self._classifier)
        if X.dtype == np.float64 and not wide:
            X = X.astype(np.float32)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            if np.all(sample_weight == sample_weight[0]) and sample_weight[0] > 0:
                sample_weight = None              # a constant weight is no weight
        target = self._targets(y, reset, classes)
        saved = default_generator().bit_generator.state
        try:
            if reset:
                rs = check_random_state(self.random_state)
                self._shuffle_rng = np.random.RandomState(rs.randint(2**31 - 1))
                manual_seed(int(rs.randint(2**31 - 1)))
                self._build(X.shape[1], self._n_out, np.dtype(X.dtype))
                self.history_: List[Dict[str, Any]] = []
                self.n_iter_ = 0
            else:
                default_generator().bit_generator.state = self._fastnn_rng  # type: ignore[has-type]
            self._epochs(np.ascontiguousarray(X, dtype=self._dtype()), target, sample_weight,
                         epochs)
            self._fastnn_rng = default_generator().bit_generator.state
        finally:
            default_generator().bit_generator.state = saved
        return self

    def _step(self) -> Any:
        key = (id(self.module_), id(self.criterion_), id(self.optimizer_))
        entry = _STEPS.get(self)
        if entry is None or entry[0] != key:
            entry = _STEPS[self] = (key, compile_step(self.module_, self.criterion_,
                                                      self.optimizer_, warn=False))
        return entry[1]

    def _weighted_step(self, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray) -> float:
        crit = self.criterion_
        reduction = getattr(crit, "reduction", None)
        if reduction is None:
            raise ValueError("sample_weight needs a loss with a reduction argument")
        self.optimizer_.zero_grad()
        out = self.module_(_tensor(xb))
        crit.reduction = "none"
        try:
            rows = crit(out, _tensor(yb))
        finally:
            crit.reduction = reduction
        if rows.ndim > 1:
            rows = rows.reshape(rows.shape[0], -1).mean(dim=1)
        loss = (rows * _tensor(wb.astype(xb.dtype))).sum() / float(wb.sum())
        loss.backward()
        self.optimizer_.step()
        return float(loss.item())

    def _epochs(self, X: np.ndarray, target: np.ndarray, sw: Optional[np.ndarray],
                epochs: int) -> None:
        Xv: Any = None
        yv: Any = None
        if self.train_split is not None:
            strat = target if self._classifier else None
            parts = train_test_split(X, target, *(() if sw is None else (sw,)),
                                     test_size=self.train_split, stratify=strat,
                                     random_state=self._shuffle_rng)
            X, Xv, target, yv = parts[:4]
            if sw is not None:
                sw = parts[4]
        n = X.shape[0]
        bs = min(int(self.batch_size), n)
        step = self._step() if self.compile and sw is None else None
        self.module_.train()
        for _ in range(epochs):
            order = self._shuffle_rng.permutation(n) if self.shuffle else np.arange(n)
            total = 0.0
            for s in range(0, n, bs):
                idx = order[s:s + bs]
                xb, yb = X[idx], target[idx]
                try:
                    if sw is not None:
                        loss = self._weighted_step(xb, yb, sw[idx])
                    elif step is not None:
                        loss = float(step(xb, yb).item())
                    else:
                        self.optimizer_.zero_grad()
                        out = self.criterion_(self.module_(_tensor(xb)), _tensor(yb))
                        out.backward()
                        self.optimizer_.step()
                        loss = float(out.item())
                except FloatingPointError as e:      # the compiled step's check
                    loss = float("nan")
                    cause: Optional[BaseException] = e
                else:
                    cause = None
                if not np.isfinite(loss):
                    raise ValueError(f"the training loss is not finite in epoch "
                                     f"{self.n_iter_ + 1}: scale the input or lower lr") from cause
                total += loss * len(idx)
            self.n_iter_ += 1
            record: Dict[str, Any] = {"epoch": self.n_iter_, "train_loss": total / n}
            if Xv is not None:
                with no_grad():
                    self.module_.eval()
                    record["valid_loss"] = float(self.criterion_(
                        self.module_(_tensor(Xv)), _tensor(yv)).item())
                    self.module_.train()
            self.history_.append(record)
            if self.verbose:
                print(", ".join(f"{k} {v:.6g}" if isinstance(v, float) else f"{k} {v}"
                                for k, v in record.items()))

    # -- the forward ------------------------------------------------------
    def _forward(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        X = np.ascontiguousarray(X, dtype=self._dtype())
        entry = _FORWARDS.get(self)
        if entry is None or entry[0] != id(self.module_):
            entry = _FORWARDS[self] = (id(self.module_), _compile(self.module_))
        fwd = entry[1]
        self.module_.eval()
        outs = []
        with no_grad():
            for s in range(0, X.shape[0], _PREDICT_ROWS):
                xb = X[s:s + _PREDICT_ROWS]
                m = xb.shape[0]
                out = fwd(_pad_small(xb))      # a row's output the same bits in any batch
                outs.append(np.asarray(getattr(out, "numpy", lambda: out)())[:m])
        return np.concatenate(outs).reshape(X.shape[0], -1)


class NeuralNetClassifier(ClassifierMixin, _NeuralNet):
    """A fastnn Module as a scikit-learn classifier.

    Parameters
    ----------
    module : Module class or instance, default MLPModule
        Its output is one logit per class (out_features = number of classes).
    criterion : loss class, default nn.CrossEntropyLoss
    optimizer : optimizer class, default optim.SGD
    lr : float, default 0.01
    max_epochs : int, default 10
    batch_size : int, default 128
    shuffle : bool, default True
    train_split : float or None, default None
        A fraction held out (stratified) for the validation loss in history_.
    warm_start : bool, default False
    random_state : int, RandomState or None
    compile : bool, default True
        Train with fastnn.compile_step (one C call per step) when possible.
    verbose : int, default 0
    **kwargs
        ``module__*``, ``criterion__*``, ``optimizer__*`` arguments.

    Attributes
    ----------
    classes_, n_features_in_, module_, criterion_, optimizer_, history_, n_iter_
    """

    _classifier = True
    _default_criterion = nn.CrossEntropyLoss

    def _targets(self, y: Any, reset: bool, classes: Any) -> np.ndarray:
        check_classification_targets(y)
        if reset:
            self.classes_ = np.asarray(classes) if classes is not None else unique_labels(y)
        elif not set(np.unique(y)) <= set(self.classes_):
            raise ValueError(f"y holds labels not in classes_ {self.classes_}")
        self._n_out = len(self.classes_)
        return np.asarray(np.searchsorted(self.classes_, y), dtype=np.int64)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "NeuralNetClassifier":
        """Train for max_epochs (from scratch unless warm_start)."""
        reset = not (self.warm_start and hasattr(self, "module_"))
        return self._fit(X, y, sample_weight, self.max_epochs, reset)

    def partial_fit(self, X: Any, y: Any, classes: Any = None,
                    sample_weight: Any = None) -> "NeuralNetClassifier":
        """One epoch over (X, y); classes is needed on the first call when y
        may lack some."""
        return self._fit(X, y, sample_weight, 1, not hasattr(self, "module_"), classes)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n_samples, n_classes) probabilities."""
        out = self._forward(X)
        if isinstance(self.criterion_, nn.CrossEntropyLoss):
            return np.asarray(_C.softmax(out))
        if type(self.criterion_).__name__ == "NLLLoss":
            return np.asarray(np.exp(out))
        return np.asarray(out)

    def predict(self, X: Any) -> np.ndarray:
        """The class of each row's largest output."""
        check_is_fitted(self)
        return np.asarray(self.classes_.take(_C.argmax(self.predict_proba(X))))


class NeuralNetRegressor(RegressorMixin, _NeuralNet):
    """A fastnn Module as a scikit-learn regressor (one output per target).

    Parameters
    ----------
    module : Module class or instance, default MLPModule
        Its output has one column per target (out_features = n_targets).
    criterion : loss class, default nn.MSELoss
    optimizer : optimizer class, default optim.SGD
    lr, max_epochs, batch_size, shuffle, train_split, warm_start, random_state, compile, verbose
        As NeuralNetClassifier's (train_split is not stratified here).
    **kwargs
        ``module__*``, ``criterion__*``, ``optimizer__*`` arguments.

    Attributes
    ----------
    n_features_in_, module_, criterion_, optimizer_, history_, n_iter_
    """

    _classifier = False
    _default_criterion = nn.MSELoss

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _targets(self, y: Any, reset: bool, classes: Any) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        if reset:
            self._y_1d = y.ndim == 1
        Y = np.asarray(y.reshape(y.shape[0], -1))
        self._n_out = Y.shape[1]
        return Y

    def _epochs(self, X: np.ndarray, target: np.ndarray, sw: Optional[np.ndarray],
                epochs: int) -> None:
        super()._epochs(X, target.astype(X.dtype, copy=False), sw, epochs)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "NeuralNetRegressor":
        """Train for max_epochs (from scratch unless warm_start)."""
        reset = not (self.warm_start and hasattr(self, "module_"))
        return self._fit(X, y, sample_weight, self.max_epochs, reset)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> "NeuralNetRegressor":
        """One epoch over (X, y)."""
        return self._fit(X, y, sample_weight, 1, not hasattr(self, "module_"))

    def predict(self, X: Any) -> np.ndarray:
        """(n_samples,) or (n_samples, n_targets), as y was at fit."""
        out = self._forward(X)
        return np.asarray(out.ravel() if self._y_1d else out)
