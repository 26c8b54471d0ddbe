"""fastnn.train: the training loop the chapters take from d2l, as functions.

fit(model, loss_fn, optimizer, train_data, epochs, ...) trains for whole
epochs over a DataLoader (or anything yielding (X, y) batches), with a
progress bar, per-epoch metrics on the training and validation data, an
optional lr schedule, callbacks, checkpoints and resuming; it returns a
History. evaluate, predict and predict_proba run a model in eval mode under
no_grad. A NaN or Inf loss stops training with an error naming the epoch
and step instead of leaving a NaN model.
"""
import copy
import math
import os
import time

import numpy as np

from . import _C, distributed
from .autograd import no_grad
from .data import DataLoader, DistributedSampler
from .serialization import load, save
from .tensor import Tensor, default_generator

METRICS = ("accuracy", "qmean")


class History:
    """Per-epoch records: history.epochs is a list of dicts (loss, metrics,
    val_loss, val metrics, lr, seconds, samples_per_s); history['loss'] is
    one of those as a list, as Keras's history.history."""

    def __init__(self, epochs=None):
        self.epochs = list(epochs or [])

    def __getitem__(self, key):
        return [e.get(key) for e in self.epochs]

    def __len__(self):
        return len(self.epochs)

    @property
    def history(self):
        keys = list(self.epochs[0]) if self.epochs else []
        return {k: self[k] for k in keys}

    def __repr__(self):
        return f"History({len(self.epochs)} epochs, last: {self.epochs[-1] if self.epochs else {}})"


class _Sums:
    """Running sums of the loss and the metrics over an epoch's batches."""

    def __init__(self, metrics):
        self.metrics = metrics
        self.n = 0
        self.loss = 0.0
        self.correct = 0
        self.log_p = 0.0

    def add(self, out, y, loss_value):
        n = out.shape[0] if out.ndim else 1
        self.n += n
        self.loss += loss_value * n
        if not self.metrics:
            return
        o, t = out._data, y._data if isinstance(y, Tensor) else np.asarray(y)
        if "accuracy" in self.metrics:
            if o.ndim == 2 and o.shape[1] > 1 and t.dtype.kind in "iu":
                self.correct += _C.count_correct(o, t)
            else:   # a single logit per sample: positive means class 1
                self.correct += int(np.sum((o.reshape(-1) > 0) == (t.reshape(-1) > 0.5)))
        if "qmean" in self.metrics and o.ndim == 2 and t.dtype.kind in "iu":
            total, _ = _C.softmax_cross_entropy(o, t, reduction="sum", need_grad=False)
            self.log_p -= float(total)

    def reduce_across_ranks(self):
        """Sum every rank's sums (under fastnn.distributed with more than one
        rank), so each rank reports the metrics of the whole epoch."""
        if not (distributed.is_initialized() and distributed.get_world_size() > 1):
            return
        sums = np.array([self.n, self.loss, self.correct, self.log_p], dtype=np.float64)
        distributed.all_reduce(sums)
        self.n, self.correct = int(sums[0]), int(sums[2])
        self.loss, self.log_p = float(sums[1]), float(sums[3])

    def result(self, prefix=""):
        out = {f"{prefix}loss": self.loss / max(self.n, 1)}
        if "accuracy" in self.metrics:
            out[f"{prefix}accuracy"] = self.correct / max(self.n, 1)
        if "qmean" in self.metrics:
            out[f"{prefix}qmean"] = math.exp(self.log_p / max(self.n, 1))
        return out


def _check_metrics(metrics):
    metrics = tuple(metrics or ())
    for m in metrics:
        if m not in METRICS:
            raise ValueError(f"unknown metric {m!r}; fastnn has {METRICS}")
    return metrics


def evaluate(model, loss_fn, data, metrics=("accuracy",)):
    """Mean loss and metrics of model over data (batches of (X, y)), in eval
    mode under no_grad; the model's mode is restored afterwards. A DataLoader
    with a DistributedSampler gives each rank its share: the sums are then
    added across the ranks."""
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


def predict(model, data, batch_size=1024):
    """The model's outputs for X (an array, a tensor, or batches) as one array."""
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


def predict_proba(model, data, batch_size=1024):
    """softmax of the model's outputs: class probabilities per row."""
    return _C.softmax(predict(model, data, batch_size).astype(np.float32, copy=False))


# ---- callbacks ------------------------------------------------------------------

class Callback:
    """Hooks called by fit; set `stop_training = True` on the trainer to stop."""

    def on_train_begin(self, trainer):
        pass

    def on_epoch_end(self, trainer, epoch, logs):
        pass


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by min_delta for `patience` epochs;
    optionally put back the best weights."""

    def __init__(self, monitor="val_loss", patience=3, min_delta=0.0, mode="auto",
                 restore_best_weights=False):
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        if mode == "auto":
            mode = "max" if "acc" in monitor or "qmean" in monitor else "min"
        self.mode = mode
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, trainer):
        self.best = -math.inf if self.mode == "max" else math.inf
        self.wait = 0
        self.best_state = None
        self.stopped_epoch = None

    def on_epoch_end(self, trainer, epoch, logs):
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
    """Save a full checkpoint (model, optimizer, scheduler, RNG, epoch) to
    `path` after every epoch, or only when `monitor` improves with
    save_best_only. `path` may contain {epoch}."""

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto"):
        self.path, self.monitor, self.save_best_only = path, monitor, save_best_only
        if mode == "auto":
            mode = "max" if "acc" in monitor or "qmean" in monitor else "min"
        self.mode = mode
        self.best = -math.inf if mode == "max" else math.inf

    def on_epoch_end(self, trainer, epoch, logs):
        if self.save_best_only:
            v = logs.get(self.monitor)
            if v is None or not (v > self.best if self.mode == "max" else v < self.best):
                return
            self.best = v
        trainer.save_checkpoint(self.path.format(epoch=epoch + 1))


# ---- checkpoints -------------------------------------------------------------------

def _rng_state(gen):
    return copy.deepcopy(gen.bit_generator.state)


def _set_rng_state(gen, state):
    gen.bit_generator.state = _plain(state)


def _plain(obj):
    """Loaded JSON-ish values back to what numpy's bit generators take."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, Tensor):
        return obj.numpy()
    return obj


class Trainer:
    """The state of one fit run (model, optimizer, scheduler, data, epoch)."""

    def __init__(self, model, loss_fn, optimizer, train_data, scheduler):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.train_data, self.scheduler = train_data, scheduler
        self.epoch = 0
        self.history = History()
        self.stop_training = False

    def _data_generator(self):
        return getattr(self.train_data, "_gen", None)

    def checkpoint(self):
        ckpt = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "epoch": self.epoch, "rng": _rng_state(default_generator()),
                "history": self.history.epochs}
        if self.scheduler is not None:
            ckpt["scheduler"] = self.scheduler.state_dict()
        gen = self._data_generator()
        if gen is not None:
            ckpt["data_rng"] = _rng_state(gen)
        return ckpt

    def save_checkpoint(self, path):
        """Write the checkpoint (on rank 0 only under fastnn.distributed: the
        ranks hold the same state)."""
        if _rank() == 0:
            save(self.checkpoint(), path)

    def restore(self, path):
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


def _rank():
    return distributed.get_rank() if distributed.is_initialized() else 0


def _set_epoch(loader, epoch):
    """Tell a DataLoader's sampler (DistributedSampler) which epoch starts."""
    set_epoch = getattr(getattr(loader, "sampler", None), "set_epoch", None)
    if callable(set_epoch):
        set_epoch(epoch)


def fit(model, loss_fn, optimizer, train_data, epochs, val_data=None, scheduler=None,
        metrics=("accuracy",), callbacks=(), progress=True, resume=None):
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
    rank 0 shows progress, prints and writes checkpoints."""
    metrics = _check_metrics(metrics)
    progress = progress and _rank() == 0
    trainer = Trainer(model, loss_fn, optimizer, train_data, scheduler)
    if resume is not None:
        if not os.path.exists(resume):
            raise FileNotFoundError(f"resume={resume!r}: no such checkpoint")
        trainer.restore(resume)
    for cb in callbacks:
        cb.on_train_begin(trainer)
    bar_factory = None
    if progress:
        from tqdm.auto import tqdm as bar_factory
    while trainer.epoch < epochs and not trainer.stop_training:
        epoch = trainer.epoch
        model.train()
        _set_epoch(train_data, epoch)
        sums = _Sums(metrics)
        start = time.perf_counter()
        batches = train_data
        bar = None
        if bar_factory is not None:
            total = len(train_data) if hasattr(train_data, "__len__") else None
            bar = bar_factory(train_data, total=total, desc=f"epoch {epoch + 1}/{epochs}",
                              leave=False, unit="batch")
            batches = bar
        for step, (X, y) in enumerate(batches):
            out = model(X)
            loss = loss_fn(out, y)
            value = float(loss.item())
            if not math.isfinite(value):
                if bar is not None:
                    bar.close()
                raise FloatingPointError(f"loss is {value} at epoch {epoch + 1}, step {step + 1}: "
                                         "training stopped (lower the learning rate, or check "
                                         "the data)")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sums.add(out, y, value)
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
                scheduler.step(logs.get("val_loss", logs["loss"]))
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
