"""scikit-learn's MLPClassifier and MLPRegressor, trained by fastnn's kernels.

The estimators are scikit-learn's own classes (sklearn.neural_network): the
constructor, the parameter checks, the label handling, the stopping rule and
the fitted attributes are theirs. fastnn replaces the arithmetic: each
mini-batch step (forward, loss, backward and the optimizer's update) is one
call of a step plan (fastnn.plan's StepPlan), L-BFGS's loss and gradient one
plan call over the data, and a prediction one plan call.

The algorithm is scikit-learn's, with its random draws in its order: the
Glorot-uniform initialisation, the shuffles and the early-stopping split come
from the same RandomState, so a fit in float64 follows scikit-learn's fit to
rounding. The loss of a batch of n rows with sample weights w (1 without) is
scikit-learn's, Σ w·loss(row) / Σ w plus alpha·Σ‖W‖² / (2·Σ w), and its
gradient is scikit-learn's (the output's delta times w / Σ w). SGD's velocity
v = momentum·v − lr·g is PyTorch's buffer b scaled by −lr (the buffer is
rescaled when the learning rate changes); scikit-learn's Adam,
lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε), is PyTorch's with ε/√(1−β₂ᵗ) at step t.

Decided here (see docs): the computation is in float64 when the input is
float64 and in float32 otherwise (integers, float32, float16); sparse input
is accepted and densified one batch at a time; the log-loss is computed from
the logits, so it is not clipped at the dtype's eps as scikit-learn clips the
probabilities (the two differ only when a probability is below ~1e-7).
"""
from __future__ import annotations

import math
import warnings
import weakref
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import scipy.optimize
import scipy.special
import scipy.sparse as sp
from sklearn import neural_network as _sk
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _C

_COL = {name: j for j, name in enumerate(_C.HYPER_COLUMNS)}
_ALL = _C.PHASE_FORWARD | _C.PHASE_LOSS | _C.PHASE_BACKWARD | _C.PHASE_UPDATE
_GRAD = _C.PHASE_FORWARD | _C.PHASE_LOSS | _C.PHASE_BACKWARD
_HIDDEN = {"identity": None, "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_LOSS = {"softmax": "cross_entropy", "logistic": "bce_with_logits", "identity": "mse",
         "exp": "poisson_nll"}
_PREDICT_ROWS = 8192          # rows per inference call (bounds the workspace)

# inference plans, one per estimator, outside its __dict__ (predict must not
# change the estimator, and a plan is never pickled)
_INFERENCE: "weakref.WeakKeyDictionary[Any, Tuple[Tuple[int, ...], Any, np.dtype[Any]]]" = \
    weakref.WeakKeyDictionary()


def _float64_input(X: Any) -> bool:
    """True when the data the user passed is float64 (then so is the fit)."""
    dt = getattr(X, "dtype", None)
    if dt is None and hasattr(X, "dtypes"):              # a DataFrame
        try:
            return all(np.dtype(d) == np.float64 for d in X.dtypes)
        except TypeError:
            return False
    if dt is None:
        try:
            dt = np.asarray(X).dtype
        except (TypeError, ValueError):
            return False
    try:
        return np.dtype(dt) == np.float64
    except TypeError:
        return False


def _weights(coefs: List[np.ndarray], dtype: np.dtype) -> List[np.ndarray]:
    """Each coef (n_in, n_out) as a Fortran-ordered array of dtype: its .T is
    the C-contiguous (n_out, n_in) weight the kernels take (the same array
    when it already is one)."""
    return [np.asarray(c, dtype=dtype, order="F") for c in coefs]


def _layers(est: Any, W: List[np.ndarray], b: List[np.ndarray],
            grads: Optional[List[Tuple[np.ndarray, np.ndarray]]]) -> List[Dict[str, Any]]:
    last = len(W) - 1
    out = []
    for i, (w, bias) in enumerate(zip(W, b)):
        spec: Dict[str, Any] = {"kind": "linear", "weight": w.T, "bias": bias,
                                "activation": None if i == last else _HIDDEN[est.activation]}
        if grads is not None:
            spec["grad_weight"], spec["grad_bias"] = grads[i]
        out.append(spec)
    return out


def _inference_plan(est: Any, cached: bool = True) -> Tuple[Any, np.dtype]:
    """The forward plan of est's layers: one per estimator while its coefs_
    and intercepts_ are the same arrays, else (or with cached=False) made for
    this call."""
    arrays = est.coefs_ + est.intercepts_
    key = tuple(map(id, arrays))
    entry = _INFERENCE.get(est)
    if cached and entry is not None and entry[0] == key:
        return entry[1], entry[2]
    dtype = est.coefs_[0].dtype
    if dtype != np.float32:
        dtype = np.dtype(np.float64)
    W = _weights(est.coefs_, dtype)
    b = [np.ascontiguousarray(v, dtype=dtype) for v in est.intercepts_]
    plan = _C.StepPlan(dtype, W[0].shape[0], _layers(est, W, b, None), None, None, [], [])
    if cached and all(a is c for a, c in zip(W + b, arrays)):
        _INFERENCE[est] = (key, plan, dtype)     # views of the fitted arrays: reusable
    return plan, dtype


def _fast_input(est: Any, X: Any) -> bool:
    """True when X needs none of validate_data's work: a 2-d float ndarray
    of the fitted width, finite, and the fit saw no feature names."""
    return (type(X) is np.ndarray and X.ndim == 2 and X.shape[0] >= 1 and
            X.dtype in (np.float32, np.float64) and X.shape[1] == est.n_features_in_ and
            not hasattr(est, "feature_names_in_") and bool(np.isfinite(X).all()))


def _pad_small(x: np.ndarray) -> np.ndarray:
    """x, or x (rows, n) padded with zero rows to GEMM_SMALL_M + 1 rows when
    it has no more than GEMM_SMALL_M: the GEMM computes that few rows by its
    row-by-row path, whose last bits may differ from a bigger call's, so a
    padded batch makes a row predict the same bits in any batch."""
    m = x.shape[0]
    if m > _C.GEMM_SMALL_M:
        return x
    padded = np.zeros((_C.GEMM_SMALL_M + 1, x.shape[1]), dtype=x.dtype)
    padded[:m] = x
    return padded


def _run_forward(est: Any, plan: Any, x: np.ndarray, out: np.ndarray) -> None:
    if plan.run(x, None, None, None, None, 0, None, _C.PHASE_FORWARD, out=out) == _C.PLAN_BUSY:
        # another thread is predicting with it: a plan of this call's own
        _inference_plan(est, cached=False)[0].run(x, None, None, None, None, 0, None,
                                                  _C.PHASE_FORWARD, out=out)


def _forward(est: Any, X: Any) -> np.ndarray:
    """The output layer's activations for X (n, n_features): one plan call
    per _PREDICT_ROWS rows, then the output activation."""
    plan, dtype = _inference_plan(est)
    n = X.shape[0]
    out = np.empty((n, plan.out_features), dtype=dtype)
    for s in range(0, n, _PREDICT_ROWS):
        xb = X[s:s + _PREDICT_ROWS]
        xb = xb.toarray() if sp.issparse(xb) else xb
        xb = np.ascontiguousarray(xb, dtype=dtype)
        m = xb.shape[0]
        xp = _pad_small(xb)
        if xp is xb:
            _run_forward(est, plan, xb, out[s:s + m])
        else:
            res = np.empty((xp.shape[0], plan.out_features), dtype=dtype)
            _run_forward(est, plan, xp, res)
            out[s:s + m] = res[:m]
    act = est.out_activation_
    if act == "softmax":
        _C.softmax(out, out=out)
    elif act == "logistic":
        _C.sigmoid_(out)
    elif act == "exp":
        np.exp(out, out=out)
    return out


class _Batches:
    """What one fit feeds the plan: X and its targets in the kernels' form,
    and the per-row scale of the loss (sample weights over their sum)."""

    def __init__(self, est: Any, X: Any, y: np.ndarray, sample_weight: Optional[np.ndarray],
                 dtype: np.dtype) -> None:
        self.X, self.dtype = X, dtype
        self.kind = _LOSS[est.out_activation_]
        self.k = y.shape[1]
        self.sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
        self.labels: Any = None
        self.y: Any = None
        if self.kind == "cross_entropy":
            self.labels = np.ascontiguousarray(np.argmax(y, axis=1), dtype=np.int64)
            self.onehot = np.eye(self.k, dtype=dtype)
        else:
            self.y = np.ascontiguousarray(y, dtype=dtype)
        # poisson: the loss's terms that do not depend on the model,
        # Σ_k xlogy(y, y) − y per row (scikit-learn's half deviance)
        self.const: Any = None
        if self.kind == "poisson_nll":
            yy = self.y.astype(np.float64)
            self.const = (scipy.special.xlogy(yy, yy) - yy).sum(axis=1)
        self._unit: Dict[int, np.ndarray] = {}

    def rows(self, idx: Any) -> np.ndarray:
        xb = self.X[idx]
        if sp.issparse(xb):
            xb = xb.toarray()
        return np.ascontiguousarray(xb, dtype=self.dtype)

    def args(self, idx: Any, n: int) -> Tuple[Any, Any, Any, float, float]:
        """(labels, target, weight, sw_sum, loss_const) for the rows idx."""
        sw = None if self.sw is None else self.sw[idx]
        sw_sum = float(n) if sw is None else float(sw.sum())
        if self.kind == "cross_entropy":
            lab = self.labels[idx]
            if sw is None:
                return np.ascontiguousarray(lab), None, None, sw_sum, 0.0
            # weighted rows: probabilities n·w/Σw on the label (mean over n rows)
            q = self.onehot[lab] * (sw * (n / sw_sum))[:, None].astype(self.dtype)
            return None, np.ascontiguousarray(q, dtype=self.dtype), None, sw_sum, 0.0
        half = 0.5 if self.kind == "mse" else 1.0
        if sw is None:
            w = self._unit.get(n)
            if w is None:
                w = self._unit[n] = np.full((n, self.k), half / n, dtype=self.dtype)
        else:
            w = np.repeat((sw * (half / sw_sum)).astype(self.dtype)[:, None], self.k, axis=1)
        target = np.ascontiguousarray(self.y[idx])
        const = 0.0
        if self.const is not None:
            c = self.const[idx]
            const = float(c.sum() if sw is None else (sw * c).sum()) / sw_sum
        return None, target, w, sw_sum, const

    def loss(self, plan_loss: float) -> float:
        """The plan's reduced loss as scikit-learn reports it."""
        return plan_loss / self.k if self.kind == "mse" else plan_loss


class _Solver:
    """The state of SGD or Adam between batches and between partial_fit
    calls: the optimizer's buffers (pickled) and the step plan (not)."""

    def __init__(self, est: Any, W: List[np.ndarray], b: List[np.ndarray]) -> None:
        self.kind = est.solver
        self.lr_schedule = est.learning_rate
        self.learning_rate_init = self.learning_rate = float(est.learning_rate_init)
        self.momentum, self.nesterov = float(est.momentum), bool(est.nesterovs_momentum)
        self.power_t = float(est.power_t)
        self.beta_1, self.beta_2, self.epsilon = float(est.beta_1), float(est.beta_2), \
            float(est.epsilon)
        self.t = 0
        self.state: List[List[Optional[np.ndarray]]] = []
        # one row per update segment, in the plan's layout: each W (out, in), each b
        for p in [w.T for w in W] + list(b):
            if self.kind == "adam":
                self.state.append([np.zeros_like(p), np.zeros_like(p)])
            else:
                self.state.append([np.zeros_like(p) if self.momentum > 0 else None, None])
        self.buf_lr = self.learning_rate     # the lr the SGD buffers are scaled for
        self.plan: Any = None
        self.key: Tuple[Any, ...] = ()

    def __getstate__(self) -> Dict[str, Any]:
        d = self.__dict__.copy()
        d["plan"], d["key"] = None, ()
        return d

    def step_plan(self, est: Any, W: List[np.ndarray], b: List[np.ndarray], kind: str) -> Any:
        key = (W[0].dtype, kind, tuple(id(a) for a in W + b))
        if self.plan is not None and self.key == key:
            return self.plan
        dtype = W[0].dtype
        grads = [(np.empty_like(w.T), np.empty_like(v)) for w, v in zip(W, b)]
        params = [w.T for w in W] + list(b)
        gparams = [g[0] for g in grads] + [g[1] for g in grads]
        for s in self.state:                  # a fit in another dtype than the last
            for j, a in enumerate(s):
                if a is not None and a.dtype != dtype:
                    s[j] = a.astype(dtype)
        updates = [(p, g, s[0], s[1], None) for p, g, s in zip(params, gparams, self.state)]
        loss = {"kind": kind, "reduction": "mean" if kind == "cross_entropy" else "sum"}
        self.plan = _C.StepPlan(dtype, W[0].shape[0], _layers(est, W, b, grads), loss,
                                self.kind, updates, [])
        self.key = key
        self.ncoef = len(W)
        h = self.plan.hyper
        h[:, _COL["step"]] = 1
        if self.kind == "adam":
            h[:, _COL["beta1"]], h[:, _COL["beta2"]] = self.beta_1, self.beta_2
        else:
            h[:, _COL["momentum"]] = self.momentum
            h[:, _COL["nesterov"]] = float(self.nesterov and self.momentum > 0)
        self.rows_for = -1.0
        return self.plan

    def before_step(self, alpha: float, sw_sum: float) -> None:
        """Write this step's arguments into the plan's rows."""
        h = self.plan.hyper
        if sw_sum != self.rows_for:           # the L2 term alpha·W / Σw on the coefs
            h[:self.ncoef, _COL["weight_decay"]] = alpha / sw_sum
            self.rows_for = sw_sum
        if self.kind == "adam":
            self.t += 1
            h[:, _COL["lr"]] = self.learning_rate
            h[:, _COL["step"]] = self.t
            h[:, _COL["eps"]] = self.epsilon / math.sqrt(1.0 - self.beta_2 ** self.t)
        else:
            if self.buf_lr != self.learning_rate:     # v = −lr·b across a change of lr
                for s in self.state:
                    if s[0] is not None:
                        s[0] *= s[0].dtype.type(self.buf_lr / self.learning_rate)
                self.buf_lr = self.learning_rate
            h[:, _COL["lr"]] = self.learning_rate

    def iteration_ends(self, time_step: int) -> None:
        if self.kind == "sgd" and self.lr_schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg: str, verbose: bool) -> bool:
        if self.kind != "sgd" or self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False


def _nonfinite(it: int) -> ValueError:
    return ValueError(
        f"Solver produced a non-finite loss in iteration {it}. The input data may contain "
        "large values and need to be preprocessed, or learning_rate_init may be too large.")


class _FastnnMLP:
    """What fastnn changes in scikit-learn's BaseMultilayerPerceptron (its
    methods take self as Any: the attributes they use are scikit-learn's)."""

    def _validate_input(self: Any, X: Any, y: Any, incremental: bool, reset: bool) -> Any:
        wide = _float64_input(X)
        X, y = super()._validate_input(X, y, incremental, reset)  # type: ignore[misc]
        if X.dtype != np.float64 or wide:
            return X, y
        return X.astype(np.float32), y

    def _forward_pass_fast(self: Any, X: Any, check_input: bool = True) -> np.ndarray:
        if check_input and not _fast_input(self, X):
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        return _forward(self, X)

    def _params(self: Any, dtype: np.dtype) -> Tuple[List[np.ndarray], List[np.ndarray]]:
        """coefs_ and intercepts_ in the kernels' layout (set back on self)."""
        self.coefs_ = _weights(self.coefs_, dtype)
        self.intercepts_ = [np.ascontiguousarray(v, dtype=dtype) for v in self.intercepts_]
        return self.coefs_, self.intercepts_

    def _fit_stochastic(self: Any, X: Any, y: np.ndarray, sample_weight: Any, activations: Any,
                        deltas: Any, coef_grads: Any, intercept_grads: Any, layer_units: Any,
                        incremental: bool) -> None:
        dtype = np.dtype(X.dtype)
        W, b = self._params(dtype)
        if not incremental or not isinstance(getattr(self, "_optimizer", None), _Solver):
            self._optimizer = _Solver(self, W, b)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        X_val = y_val = sw_val = None
        sw_train = sample_weight
        if early_stopping:
            stratify = y if (is_classifier(self) and self.n_outputs_ == 1) else None
            arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
            parts = train_test_split(*arrays, random_state=self._random_state,
                                     test_size=self.validation_fraction, stratify=stratify)
            X, X_val, y, y_val = parts[:4]
            if sample_weight is not None:
                sw_train, sw_val = parts[4], parts[5]
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase "
                                 "'validation_fraction' or the size of your dataset.")
            if is_classifier(self):
                y_val = self._label_binarizer.inverse_transform(y_val)
        n_samples = X.shape[0]
        sample_idx = np.arange(n_samples, dtype=int)
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn("Got `batch_size` less than 1 or larger than "
                              "sample size. It is going to be clipped")
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        data = _Batches(self, X, y, sw_train, dtype)
        opt = self._optimizer
        plan = opt.step_plan(self, W, b, data.kind)
        alpha = float(self.alpha)
        try:
            self.n_iter_ = 0
            for it in range(self.max_iter):
                if self.shuffle:
                    # sklearn.utils.shuffle(sample_idx, random_state=...)'s draw, without
                    # its checks (the same permutation from the same RandomState)
                    order = np.arange(n_samples)
                    self._random_state.shuffle(order)
                    sample_idx = sample_idx[order]
                accumulated = 0.0
                for start in range(0, n_samples, batch_size):
                    stop = min(start + batch_size, n_samples)
                    idx = sample_idx[start:stop] if self.shuffle else slice(start, stop)
                    n = stop - start
                    xb = data.rows(idx)
                    labels, target, weight, sw_sum, const = data.args(idx, n)
                    l2 = _C.sum_squares(W) if alpha else 0.0
                    opt.before_step(alpha, sw_sum)
                    st = plan.run(xb, labels, target, weight, None, 0, None, _ALL)
                    if st == _C.PLAN_NONFINITE:
                        raise _nonfinite(self.n_iter_ + 1)
                    if st == _C.PLAN_BUSY:
                        raise RuntimeError("this estimator is being fitted in another thread")
                    batch_loss = data.loss(plan.loss) + const + 0.5 * alpha * l2 / sw_sum
                    accumulated += batch_loss * n
                self.n_iter_ += 1
                self.loss_ = accumulated / n_samples
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
                self._update_no_improvement_count(early_stopping, X_val, y_val, sw_val)
                opt.iteration_ends(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    if early_stopping:
                        msg = ("Validation score did not improve more than tol=%f for %d "
                               "consecutive epochs." % (self.tol, self.n_iter_no_change))
                    else:
                        msg = ("Training loss did not improve more than tol=%f for %d "
                               "consecutive epochs." % (self.tol, self.n_iter_no_change))
                    if opt.trigger_stopping(msg, self.verbose):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn("Stochastic Optimizer: Maximum iterations (%d) reached and "
                                  "the optimization hasn't converged yet." % self.max_iter,
                                  ConvergenceWarning)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        if early_stopping:
            self.coefs_ = _weights(self._best_coefs, dtype)
            self.intercepts_ = [np.ascontiguousarray(v) for v in self._best_intercepts]

    def _fit_lbfgs(self: Any, X: Any, y: np.ndarray, sample_weight: Any, activations: Any,
                   deltas: Any, coef_grads: Any, intercept_grads: Any, layer_units: Any) -> None:
        dtype = np.dtype(X.dtype)
        W, b = self._params(dtype)
        data = _Batches(self, X, y, sample_weight, dtype)
        n = X.shape[0]
        everything = slice(0, n)
        xb = data.rows(everything)
        labels, target, weight, sw_sum, const = data.args(everything, n)
        grads = [(np.empty_like(w.T), np.empty_like(v)) for w, v in zip(W, b)]
        kind = data.kind
        loss_spec = {"kind": kind, "reduction": "mean" if kind == "cross_entropy" else "sum"}
        plan = _C.StepPlan(dtype, W[0].shape[0], _layers(self, W, b, grads), loss_spec, None,
                           [], [])
        # the packing of scikit-learn's _pack: every coef (n_in, n_out) row
        # by row, then every intercept
        sizes = [w.size for w in W] + [v.size for v in b]
        bounds = np.cumsum([0] + sizes)
        alpha = float(self.alpha)
        flat_grad = np.empty(bounds[-1], dtype=np.float64)

        def loss_grad(x: np.ndarray) -> Tuple[float, np.ndarray]:
            for i, w in enumerate(W):
                w[...] = x[bounds[i]:bounds[i + 1]].reshape(w.shape)
            for j, v in enumerate(b):
                i = len(W) + j
                v[...] = x[bounds[i]:bounds[i + 1]]
            st = plan.run(xb, labels, target, weight, None, 0, None, _GRAD)
            if st == _C.PLAN_NONFINITE:
                return math.inf, np.zeros_like(x)
            l2 = _C.sum_squares(W) if alpha else 0.0
            loss = data.loss(plan.loss) + const + 0.5 * alpha * l2 / sw_sum
            for i, (w, (dW, db)) in enumerate(zip(W, grads)):
                g = flat_grad[bounds[i]:bounds[i + 1]].reshape(w.shape)
                g[...] = dW.T
                if alpha:
                    g += (alpha / sw_sum) * w
                j = len(W) + i
                flat_grad[bounds[j]:bounds[j + 1]] = db
            return loss, flat_grad.copy()

        x0 = np.concatenate([w.ravel() for w in W] + [v.ravel() for v in b])
        options: Dict[str, Any] = {"maxfun": self.max_fun, "maxiter": self.max_iter,
                                   "gtol": self.tol}
        try:
            from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
            options.update(_get_additional_lbfgs_options_dict(
                "iprint", 1 if (self.verbose is True or self.verbose >= 1) else -1))
        except ImportError:
            pass
        res = scipy.optimize.minimize(loss_grad, x0, method="L-BFGS-B", jac=True,
                                      options=options)
        self.n_iter_ = _check_optimize_result("lbfgs", res, self.max_iter)
        self.loss_ = res.fun
        loss_grad(res.x)                      # leave the parameters at the solution


def _doc(first: str, theirs: Optional[str]) -> str:
    """fastnn's first lines, then scikit-learn's docstring of the same
    estimator from its second paragraph on (parameters, attributes, notes)."""
    rest = (theirs or "").split("\n\n", 1)
    return (first + "\n\n    The same constructor, parameters, fitted attributes and methods as\n"
            "    scikit-learn's estimator of this name, and its results; fastnn's kernels\n"
            "    do the arithmetic (see fastnn.sklearn). scikit-learn's documentation:\n\n"
            + (rest[1] if len(rest) > 1 else ""))


class MLPClassifier(_FastnnMLP, _sk.MLPClassifier):
    __doc__ = _doc("Multi-layer perceptron classifier, trained and evaluated by fastnn.",
                   _sk.MLPClassifier.__doc__)

    # scikit-learn's signature, spelled out (names, order and defaults)
    def __init__(self, hidden_layer_sizes: Any = (100,), activation: str = "relu", *,
                 solver: str = "adam", alpha: float = 0.0001,
                 batch_size: Any = "auto", learning_rate: str = "constant",
                 learning_rate_init: float = 0.001, power_t: float = 0.5, max_iter: int = 200,
                 shuffle: bool = True, random_state: Any = None, tol: float = 0.0001,
                 verbose: Any = False, warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-08, n_iter_no_change: int = 10,
                 max_fun: int = 15000) -> None:
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            solver=solver, alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun)

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        if self._label_binarizer.y_type_ not in ("multiclass", "binary") or \
                len(self.classes_) < 2:
            return np.asarray(super().predict(X))
        y = self._forward_pass_fast(X)
        if self._label_binarizer.y_type_ == "multiclass":
            return np.asarray(self.classes_.take(_C.argmax(y)))
        return np.asarray(self.classes_.take((y[:, 0] > 0.5).astype(np.intp)))


class MLPRegressor(_FastnnMLP, _sk.MLPRegressor):
    __doc__ = _doc("Multi-layer perceptron regressor, trained and evaluated by fastnn.",
                   _sk.MLPRegressor.__doc__)

    # scikit-learn's signature, spelled out (names, order and defaults)
    def __init__(self, loss: str = "squared_error", hidden_layer_sizes: Any = (100,),
                 activation: str = "relu", *,
                 solver: str = "adam", alpha: float = 0.0001,
                 batch_size: Any = "auto", learning_rate: str = "constant",
                 learning_rate_init: float = 0.001, power_t: float = 0.5, max_iter: int = 200,
                 shuffle: bool = True, random_state: Any = None, tol: float = 0.0001,
                 verbose: Any = False, warm_start: bool = False, momentum: float = 0.9,
                 nesterovs_momentum: bool = True, early_stopping: bool = False,
                 validation_fraction: float = 0.1, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-08, n_iter_no_change: int = 10,
                 max_fun: int = 15000) -> None:
        super().__init__(
            loss=loss, hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            solver=solver, alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun)
