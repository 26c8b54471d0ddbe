"""fastnn.train: the training loop the chapters take from d2l, as functions.

fit(model, loss_fn, optimizer, train_data, epochs, ...) trains for whole
epochs over a DataLoader (or anything yielding (X, y) batches), with a
progress bar, per-epoch metrics on the training and validation data, an
optional lr schedule, callbacks, checkpoints and resuming; it returns a
History. evaluate, predict and predict_proba run a model in eval mode under
no_grad. A NaN or Inf loss stops training with an error naming the epoch
and step instead of leaving a NaN model.
"""
from __future__ import annotations

import copy
import math
import os
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, Sized, Union, cast

import numpy as np

from . import _C, distributed
from .autograd import no_grad
from .data import DataLoader, DistributedSampler
from .plan import CompiledStep, NonFiniteLoss
from .serialization import load, save
from .tensor import Tensor, default_generator

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .nn.module import Module
    from .optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
    from .optim.optimizer import Optimizer

    #: A loss function: a Module such as nn.CrossEntropyLoss, or a function of (output, target).
    _LossFn = Callable[[Any, Any], Tensor]
    #: What fit steps once per epoch.
    _Scheduler = Union[LRScheduler, ReduceLROnPlateau]
    #: Batches of (X, y): a DataLoader, or any iterable of pairs.
    _Batches = Iterable[Any]

METRICS = ("accuracy", "qmean")


class History:
    """Per-epoch records of a training run, as Keras's History.

    history.epochs is a list of dicts (loss, metrics, val_loss, val
    metrics, lr, seconds, samples_per_s); history['loss'] is one of those as
    a list, as Keras's history.history.

    Parameters
    ----------
    epochs : iterable of dict, optional
        The records to start from (one dict per epoch).

    Attributes
    ----------
    epochs : list of dict
        One record per epoch: names to numbers (``epoch``, ``loss``,
        ``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``, ``seconds``,
        ``samples_per_s``, ...).

    Examples
    --------
    >>> h = History([{"loss": 0.9, "accuracy": 0.6}, {"loss": 0.5, "accuracy": 0.8}])
    >>> h["loss"], len(h)
    ([0.9, 0.5], 2)
    """

    def __init__(self, epochs: Optional[Iterable[dict[str, Any]]] = None) -> None:
        self.epochs = list(epochs or [])

    def __getitem__(self, key: str) -> list[Any]:
        """One figure over the epochs (None for an epoch without it)."""
        return [e.get(key) for e in self.epochs]

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def history(self) -> dict[str, list[Any]]:
        """Every figure as a list over the epochs, as Keras's history.history."""
        keys = list(self.epochs[0]) if self.epochs else []
        return {k: self[k] for k in keys}

    def __repr__(self) -> str:
        return f"History({len(self.epochs)} epochs, last: {self.epochs[-1] if self.epochs else {}})"


class _Sums:
    """Running sums of the loss and the metrics over an epoch's batches."""

    def __init__(self, metrics: tuple[str, ...]) -> None:
        self.metrics = metrics
        self.n = 0
        self.loss = 0.0
        self.correct = 0
        self.log_p = 0.0

    def add(self, out: Tensor, y: Any, loss_value: float, correct: Optional[int] = None) -> None:
        """Add a batch: its outputs, targets and mean loss (and, when the
        compiled step counted them, its correct predictions)."""
        n = out.shape[0] if out.ndim else 1
        self.n += n
        self.loss += loss_value * n
        if not self.metrics:
            return
        o, t = out._data, y._data if isinstance(y, Tensor) else np.asarray(y)
        if "accuracy" in self.metrics:
            if correct is not None:
                self.correct += correct
            elif o.ndim == 2 and o.shape[1] > 1 and t.dtype.kind in "iu":
                self.correct += _C.count_correct(o, t)
            else:   # a single logit per sample: positive means class 1
                self.correct += int(np.sum((o.reshape(-1) > 0) == (t.reshape(-1) > 0.5)))
        if "qmean" in self.metrics and o.ndim == 2 and t.dtype.kind in "iu":
            total, _ = _C.softmax_cross_entropy(o, t, reduction="sum", need_grad=False)
            self.log_p -= float(total)

    def reduce_across_ranks(self) -> None:
        """Sum every rank's sums (under fastnn.distributed with more than one
        rank), so each rank reports the metrics of the whole epoch."""
        if not (distributed.is_initialized() and distributed.get_world_size() > 1):
            return
        sums = np.array([self.n, self.loss, self.correct, self.log_p], dtype=np.float64)
        distributed.all_reduce(sums)
        self.n, self.correct = int(sums[0]), int(sums[2])
        self.loss, self.log_p = float(sums[1]), float(sums[3])

    def result(self, prefix: str = "") -> dict[str, float]:
        out = {f"{prefix}loss": self.loss / max(self.n, 1)}
        if "accuracy" in self.metrics:
            out[f"{prefix}accuracy"] = self.correct / max(self.n, 1)
        if "qmean" in self.metrics:
            out[f"{prefix}qmean"] = math.exp(self.log_p / max(self.n, 1))
        return out


def _check_metrics(metrics: Optional[Iterable[str]]) -> tuple[str, ...]:
    metrics = tuple(metrics or ())
    for m in metrics:
        if m not in METRICS:
            raise ValueError(f"unknown metric {m!r}; fastnn has {METRICS}")
    return metrics


def evaluate(model: Module, loss_fn: _LossFn, data: _Batches,
             metrics: Optional[Iterable[str]] = ("accuracy",)) -> dict[str, float]:
    """Mean loss and metrics of model over data (batches of (X, y)).

    Runs in eval mode under no_grad; the model's mode is restored
    afterwards. A DataLoader with a DistributedSampler gives each rank its
    share: the sums are then added across the ranks.

    Parameters
    ----------
    model : Module
        Maps a batch X to outputs: (B, classes) logits for accuracy (or one
        logit per sample, positive meaning class 1).
    loss_fn : callable
        ``loss_fn(output, y)`` gives the batch's mean loss (a one-element Tensor).
    data : DataLoader or iterable of (X, y)
        The batches; y int64 class labels (B,) for accuracy and qmean.
    metrics : iterable of str
        Any of ``"accuracy"`` (the fraction of correct predictions) and
        ``"qmean"`` (the geometric mean of the probability given to the true
        class).

    Returns
    -------
    dict
        ``{"loss": mean loss, "accuracy": ..., "qmean": ...}``, floats
        weighted by batch size.

    Raises
    ------
    ValueError
        When a metric is unknown.
    """
    metrics = _check_metrics(metrics)
    was_training = model.training
    model.eval()
    sums = _Sums(metrics)
    try:
        with no_grad():
            for X, y in data:
                out = model(X)
                sums.add(out, y, float(loss_fn(out, y).item()))
    finally:
        model.train(was_training)
    if isinstance(getattr(data, "sampler", None), DistributedSampler):
        sums.reduce_across_ranks()         # each rank saw its share: the whole set's figures
    return sums.result()


def predict(model: Module, data: Union[Tensor, NDArray[Any], Iterable[Any]],
            batch_size: int = 1024) -> NDArray[Any]:
    """The model's outputs for X (an array, a tensor, or batches) as one array.

    Runs in eval mode under no_grad; the model's mode is restored afterwards.

    Parameters
    ----------
    model : Module
        Maps a batch of inputs to outputs.
    data : Tensor, numpy.ndarray or iterable of batches
        Inputs of shape (N, ...), cut into batches of batch_size; or batches
        (X, or tuples whose first entry is X, such as a DataLoader's (X, y)).
    batch_size : int
        Rows per batch when data is an array or Tensor.

    Returns
    -------
    numpy.ndarray
        The outputs of all batches concatenated, shape (N, ...) in the
        model's output dtype; empty (shape (0,)) without batches.
    """
    was_training = model.training
    model.eval()
    outs = []
    try:
        with no_grad():
            batches = data if not isinstance(data, (np.ndarray, Tensor)) else \
                DataLoader(data, batch_size=batch_size)
            for b in batches:
                X = b[0] if isinstance(b, tuple) else b
                outs.append(model(X).numpy())
    finally:
        model.train(was_training)
    return np.concatenate(outs) if outs else np.empty(0)


def predict_proba(model: Module, data: Union[Tensor, NDArray[Any], Iterable[Any]],
                  batch_size: int = 1024) -> NDArray[Any]:
    """softmax of the model's outputs: class probabilities per row.

    Parameters
    ----------
    model : Module
        Maps a batch of inputs to class scores (N, classes).
    data : Tensor, numpy.ndarray or iterable of batches
        As predict takes it.
    batch_size : int
        Rows per batch when data is an array or Tensor.

    Returns
    -------
    numpy.ndarray
        float32 (float64 outputs stay float64), shape (N, classes); each row sums to 1.
    """
    return _C.softmax(predict(model, data, batch_size).astype(np.float32, copy=False))


# ---- callbacks ------------------------------------------------------------------

class Callback:
    """Hooks called by fit; set `stop_training = True` on the trainer to stop."""

    def on_train_begin(self, trainer: Trainer) -> None:
        """Called once, before the first epoch (after resuming from a checkpoint).

        Parameters
        ----------
        trainer : Trainer
            The run's state (model, optimizer, epoch, history).
        """

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Mapping[str, float]) -> None:
        """Called after each epoch, once its figures are in the history.

        Parameters
        ----------
        trainer : Trainer
            The run's state; set ``trainer.stop_training = True`` to stop.
        epoch : int
            The epoch just finished, counted from 0.
        logs : dict
            The epoch's figures, as recorded in the History.
        """


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by min_delta for `patience` epochs.

    Optionally put back the best weights.

    Parameters
    ----------
    monitor : str
        The figure watched (a key of fit's logs: ``val_loss``, ``val_accuracy``, ...).
    patience : int
        The number of epochs without improvement before stopping.
    min_delta : float
        How much better than the best a value must be to count as an improvement.
    mode : {"auto", "min", "max"}
        Whether the figure improves by going down or up; "auto": up for
        accuracy and qmean figures (names containing "acc" or "qmean"), down
        otherwise.
    restore_best_weights : bool
        When stopping, load the model's weights of the best epoch back.

    Attributes
    ----------
    best : float
        The best value so far.
    stopped_epoch : int or None
        The epoch (from 0) at which training was stopped, if it was.

    Raises
    ------
    KeyError
        (at the end of an epoch) When fit does not report ``monitor``.
    """

    best: float
    wait: int
    best_state: Optional[dict[str, NDArray[Any]]]
    stopped_epoch: Optional[int]

    def __init__(self, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False) -> None:
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        if mode == "auto":
            mode = "max" if "acc" in monitor or "qmean" in monitor else "min"
        self.mode = mode
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, trainer: Trainer) -> None:
        """Start afresh: no best value, no epoch waited."""
        self.best = -math.inf if self.mode == "max" else math.inf
        self.wait = 0
        self.best_state = None
        self.stopped_epoch = None

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Mapping[str, float]) -> None:
        """Compare the monitored figure with the best; stop after `patience` bad epochs."""
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, which fit does not report "
                           f"(it has {sorted(logs)})")
        v = logs[self.monitor]
        better = v > self.best + self.min_delta if self.mode == "max" else v < self.best - self.min_delta
        if better:
            self.best, self.wait = v, 0
            if self.restore_best_weights:
                self.best_state = {k: t.numpy().copy() for k, t in trainer.model.state_dict().items()}
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True
                self.stopped_epoch = epoch
                if self.restore_best_weights and self.best_state is not None:
                    trainer.model.load_state_dict(self.best_state)


class ModelCheckpoint(Callback):
    """Save a full checkpoint (model, optimizer, scheduler, RNG, epoch) after every epoch.

    Written to `path` after every epoch, or only when `monitor` improves
    with save_best_only. `path` may contain {epoch}. Under
    fastnn.distributed only rank 0 writes. ``fit(resume=path)`` continues
    from such a file.

    Parameters
    ----------
    path : str
        The file (``.npz`` format whatever its extension); ``{epoch}`` is
        replaced by the epoch's number, counted from 1.
    monitor : str
        The figure that decides with save_best_only.
    save_best_only : bool
        Write only when ``monitor`` improves on the best so far.
    mode : {"auto", "min", "max"}
        Whether the figure improves by going down or up; "auto": up for
        accuracy and qmean figures, down otherwise.
    """

    def __init__(self, path: str, monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "auto") -> None:
        self.path, self.monitor, self.save_best_only = path, monitor, save_best_only
        if mode == "auto":
            mode = "max" if "acc" in monitor or "qmean" in monitor else "min"
        self.mode = mode
        self.best = -math.inf if mode == "max" else math.inf

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Mapping[str, float]) -> None:
        """Write the checkpoint (with save_best_only, if the figure improved)."""
        if self.save_best_only:
            v = logs.get(self.monitor)
            if v is None or not (v > self.best if self.mode == "max" else v < self.best):
                return
            self.best = v
        trainer.save_checkpoint(self.path.format(epoch=epoch + 1))


# ---- checkpoints -------------------------------------------------------------------

def _rng_state(gen: np.random.Generator) -> Mapping[str, Any]:
    return copy.deepcopy(gen.bit_generator.state)


def _set_rng_state(gen: np.random.Generator, state: Mapping[str, Any]) -> None:
    gen.bit_generator.state = _plain(state)


def _plain(obj: Any) -> Any:
    """Loaded JSON-ish values back to what numpy's bit generators take."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, Tensor):
        return obj.numpy()
    return obj


class Trainer:
    """The state of one fit run (model, optimizer, scheduler, data, epoch).

    Callbacks receive it; fit makes it.

    Parameters
    ----------
    model : Module
        The model trained.
    loss_fn : callable
        ``loss_fn(output, y)``: the batch's mean loss.
    optimizer : Optimizer
        Steps the model's parameters.
    train_data : DataLoader or iterable of (X, y)
        The training batches (a DataLoader's shuffling generator is saved
        in checkpoints).
    scheduler : LRScheduler or ReduceLROnPlateau, optional
        The learning-rate schedule.

    Attributes
    ----------
    epoch : int
        The number of epochs done.
    history : History
        Their records.
    stop_training : bool
        Set it to True (from a callback) to stop after the current epoch.
    """

    def __init__(self, model: Module, loss_fn: _LossFn, optimizer: Optimizer,
                 train_data: _Batches, scheduler: Optional[_Scheduler]) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.train_data, self.scheduler = train_data, scheduler
        self.epoch = 0
        self.history = History()
        self.stop_training = False

    def _data_generator(self) -> Optional[np.random.Generator]:
        gen: Optional[np.random.Generator] = getattr(self.train_data, "_gen", None)
        return gen

    def checkpoint(self) -> dict[str, Any]:
        """The run's full state, as ModelCheckpoint saves it.

        Returns
        -------
        dict
            ``model`` and ``optimizer`` (their state dicts), ``epoch``,
            ``rng`` (fastnn's generator state), ``history`` (the epochs'
            records), and ``scheduler`` and ``data_rng`` (the DataLoader's
            shuffling generator) when there are.
        """
        ckpt = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "epoch": self.epoch, "rng": _rng_state(default_generator()),
                "history": self.history.epochs}
        if self.scheduler is not None:
            ckpt["scheduler"] = self.scheduler.state_dict()
        gen = self._data_generator()
        if gen is not None:
            ckpt["data_rng"] = _rng_state(gen)
        return ckpt

    def save_checkpoint(self, path: Union[str, os.PathLike[str]]) -> None:
        """Write the checkpoint (on rank 0 only under fastnn.distributed).

        Only rank 0 writes: the ranks hold the same state.

        Parameters
        ----------
        path : str or os.PathLike
            The file, written atomically with fastnn.save (.npz).
        """
        if _rank() == 0:
            save(self.checkpoint(), path)

    def restore(self, path: Union[str, os.PathLike[str]]) -> None:
        """Put back the state of a checkpoint that save_checkpoint wrote.

        Parameters
        ----------
        path : str or os.PathLike
            The checkpoint file.
        """
        ckpt = load(path)
        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        if self.scheduler is not None and "scheduler" in ckpt:
            self.scheduler.load_state_dict(dict(ckpt["scheduler"]))
        _set_rng_state(default_generator(), ckpt["rng"])
        gen = self._data_generator()
        if gen is not None and "data_rng" in ckpt:
            _set_rng_state(gen, ckpt["data_rng"])
        self.epoch = int(ckpt["epoch"])
        self.history = History([dict(e) for e in ckpt.get("history", [])])


def _rank() -> int:
    return distributed.get_rank() if distributed.is_initialized() else 0


def _set_epoch(loader: object, epoch: int) -> None:
    """Tell a DataLoader's sampler (DistributedSampler) which epoch starts."""
    set_epoch = getattr(getattr(loader, "sampler", None), "set_epoch", None)
    if callable(set_epoch):
        set_epoch(epoch)


def fit(model: Module, loss_fn: _LossFn, optimizer: Optimizer, train_data: _Batches,
        epochs: int, val_data: Optional[_Batches] = None,
        scheduler: Optional[_Scheduler] = None,
        metrics: Optional[Iterable[str]] = ("accuracy",), callbacks: Iterable[Callback] = (),
        progress: bool = True,
        resume: Optional[Union[str, os.PathLike[str]]] = None,
        compile: bool = True) -> History:  # noqa: A002 - torch.compile's word
    """Train `model` for `epochs` epochs and return a History.

    train_data / val_data: DataLoaders or iterables of (X, y) batches.
    scheduler: stepped once per epoch (ReduceLROnPlateau gets the validation
    loss, or the training loss without validation data). metrics: any of
    'accuracy', 'qmean'. callbacks: EarlyStopping, ModelCheckpoint or other
    Callback objects. resume: a checkpoint written by ModelCheckpoint; the
    run continues from its epoch to the same weights, bit for bit, as an
    uninterrupted run. progress: show a tqdm bar per epoch.

    Under fastnn.distributed (several ranks, the model wrapped in
    DistributedDataParallel, the data in a DistributedSampler): every rank
    trains on its share; the epoch's metrics are summed across the ranks, so
    all report the same History; the sampler's epoch is set each epoch; only
    rank 0 shows progress, prints and writes checkpoints.

    Parameters
    ----------
    model : Module
        Maps a batch X to outputs; trained in train mode.
    loss_fn : callable
        ``loss_fn(output, y)`` gives the batch's mean loss, a one-element
        Tensor (e.g. ``nn.CrossEntropyLoss()``).
    optimizer : Optimizer
        Zeroed, then stepped after each batch's backward.
    train_data : DataLoader or iterable of (X, y)
        The training batches, run through once per epoch; X as the model
        takes it, y its targets (int64 class labels (B,) for the metrics).
    epochs : int
        The number of epochs to reach (counting those of a resumed checkpoint).
    val_data : DataLoader or iterable of (X, y), optional
        Evaluated after each epoch (its figures prefixed with ``val_``).
    scheduler : LRScheduler or ReduceLROnPlateau, optional
        Stepped once per epoch, after the evaluation.
    metrics : iterable of str
        Any of ``"accuracy"`` and ``"qmean"``.
    callbacks : iterable of Callback
        Called at the start and after every epoch.
    progress : bool
        A tqdm bar per epoch and a line of figures per epoch (rank 0 only).
    resume : str or os.PathLike, optional
        A checkpoint written by ModelCheckpoint (or Trainer.save_checkpoint).
    compile : bool
        Run each step as one C call (``fastnn.compile_step``) when the model,
        loss and optimizer can be planned; the bits are the eager step's.
        False: the eager loop. ``History`` is the same either way.

    Returns
    -------
    History
        One record per epoch: ``epoch``, ``loss``, the metrics, ``val_loss``
        and the val metrics (with val_data), ``lr`` (the first group's, during
        the epoch), ``seconds`` and ``samples_per_s``.

    Raises
    ------
    FloatingPointError
        When a batch's loss is NaN or Inf (names the epoch and step).
    FileNotFoundError
        When resume names no file.
    ValueError
        When a metric is unknown.
    """
    metrics = _check_metrics(metrics)
    progress = progress and _rank() == 0
    trainer = Trainer(model, loss_fn, optimizer, train_data, scheduler)
    if resume is not None:
        if not os.path.exists(resume):
            raise FileNotFoundError(f"resume={resume!r}: no such checkpoint")
        trainer.restore(resume)
    for cb in callbacks:
        cb.on_train_begin(trainer)
    stepper = CompiledStep(model, loss_fn, optimizer, warn=False) if compile else None
    bar_factory: Optional[Callable[..., Any]] = None
    if progress:
        from tqdm.auto import tqdm  # type: ignore[import-untyped, unused-ignore]
        bar_factory = tqdm
    while trainer.epoch < epochs and not trainer.stop_training:
        epoch = trainer.epoch
        model.train()
        _set_epoch(train_data, epoch)
        sums = _Sums(metrics)
        start = time.perf_counter()
        batches = train_data
        bar = None
        if bar_factory is not None:
            total = len(cast(Sized, train_data)) if hasattr(train_data, "__len__") else None
            bar = bar_factory(train_data, total=total, desc=f"epoch {epoch + 1}/{epochs}",
                              leave=False, unit="batch")
            batches = bar
        for step, (X, y) in enumerate(batches):
            try:
                if stepper is not None:         # zero_grad, forward, backward, step: one call
                    value = float(stepper(X, y).item())
                    sums.add(cast(Tensor, stepper.output), y, value, stepper.correct)
                else:
                    out = model(X)
                    loss = loss_fn(out, y)
                    value = float(loss.item())
                    if not math.isfinite(value):
                        raise NonFiniteLoss(value)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    sums.add(out, y, value)
            except NonFiniteLoss as e:
                if bar is not None:
                    bar.close()
                raise FloatingPointError(f"loss is {e.value} at epoch {epoch + 1}, step "
                                         f"{step + 1}: training stopped (lower the learning "
                                         "rate, or check the data)") from None
            if bar is not None and step % 20 == 0:
                dt = time.perf_counter() - start
                bar.set_postfix(loss=f"{sums.loss / max(sums.n, 1):.4f}",
                                samples_s=f"{sums.n / max(dt, 1e-9):.0f}")
        if bar is not None:
            bar.close()
        seconds = time.perf_counter() - start
        sums.reduce_across_ranks()
        logs = {"epoch": epoch + 1, **sums.result()}
        if val_data is not None:
            logs.update({f"val_{k}": v for k, v in evaluate(model, loss_fn, val_data, metrics).items()})
        logs["lr"] = optimizer.param_groups[0]["lr"]
        logs["seconds"] = seconds
        logs["samples_per_s"] = sums.n / max(seconds, 1e-9)
        if scheduler is not None:
            if hasattr(scheduler, "patience"):       # ReduceLROnPlateau
                cast("ReduceLROnPlateau", scheduler).step(logs.get("val_loss", logs["loss"]))
            else:
                scheduler.step()
        trainer.history.epochs.append(logs)
        trainer.epoch = epoch + 1
        if progress:
            shown = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in logs.items() if k not in ("epoch",))
            print(f"epoch {epoch + 1}/{epochs}: {shown}")
        for cb in callbacks:
            cb.on_epoch_end(trainer, epoch, logs)
    return trainer.history
