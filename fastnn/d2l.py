"""fastnn.d2l: the helpers the "Dive into Deep Learning" chapters call from
``d2l.torch``, with d2l's names and signatures, so that a chapter's
``from d2l import torch as d2l`` becomes ``from fastnn import d2l`` and the
rest of its code runs unchanged. Written for fastnn (d2l's behaviour, this
project's code).

Data: ``synthetic_data``, ``load_array``, ``load_data_fashion_mnist``
(offline: the files Debian's dataset-fashion-mnist installs, or root= /
$FASTNN_DATA; never a download), ``get_fashion_mnist_labels``,
``get_dataloader_workers``. Models and training: ``linreg``,
``squared_loss``, ``sgd``, ``Accumulator``, ``accuracy``,
``evaluate_accuracy``, ``train_epoch_ch3``, ``train_ch3``, ``predict_ch3``,
``evaluate_loss``, ``Timer``. Plots (matplotlib, imported on first use):
``Animator``, ``plot``, ``set_figsize``, ``set_axes``, ``use_svg_display``,
``show_images``, and ``d2l.plt`` (matplotlib.pyplot).

Decided where d2l leans on a notebook: without a display, ``Animator``
saves its figure as a PNG after each ``add`` (``animator.png`` in the current
folder unless ``path=`` says otherwise, or ``$FASTNN_D2L_FIGURES`` names a
folder), ``predict_ch3`` saves ``predict_ch3.png`` beside it, and
``use_svg_display`` does nothing outside a notebook. ``train_ch3`` keeps d2l's
sanity checks on the final epoch (train loss < 0.5, accuracies > 0.7).
``load_data_fashion_mnist(resize=)`` resizes bilinearly once, up front (not
torchvision's antialiased resize: values differ in the last bits).

Added to d2l's signatures (keywords after d2l's parameters): ``train_ch3``
returns the epochs' figures as a ``fastnn.train.History`` (loss, accuracy,
val_accuracy, lr, seconds; d2l returns None) and takes ``scheduler=`` (stepped
after each epoch); its final-epoch sanity checks (train loss < 0.5,
accuracies > 0.7) warn instead of raising, so a short run keeps its model.
``load_data_fashion_mnist`` takes ``root=`` and ``n_train=``/``n_test=`` (the
first images only, for quick runs).

The tensor library: the helpers make their tensors and loaders with fastnn
unless ``use(torch)`` hands them PyTorch; then the same chapter code runs on
PyTorch with these helpers, without the d2l package (how the examples are
run beside PyTorch).

Types: the helpers take and give the tensors, models and loaders of the
library in use (fastnn's, or PyTorch's after ``use(torch)``), so their
annotations say ``Any`` where such an object goes in or out.
"""
from __future__ import annotations

import atexit
import importlib
import os
import time
import types
import warnings
import weakref
from typing import (TYPE_CHECKING, Any, Callable, Iterable, Optional, Sequence, SupportsFloat,
                    Union)

import numpy as np

from . import data, datasets
from .train import History

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["use", "synthetic_data", "linreg", "squared_loss", "sgd", "load_array",
           "load_data_fashion_mnist", "get_fashion_mnist_labels", "get_dataloader_workers",
           "Accumulator", "accuracy", "evaluate_accuracy", "train_epoch_ch3", "train_ch3",
           "predict_ch3", "evaluate_loss", "Animator", "Timer", "plot", "set_figsize",
           "set_axes", "use_svg_display", "show_images"]


def __getattr__(name: str) -> Any:
    if name == "plt":             # d2l.plt: matplotlib.pyplot, loaded on first use
        from .plot import _pyplot
        return _pyplot()
    raise AttributeError(f"module 'fastnn.d2l' has no attribute {name!r}")


# ---- the tensor library ---------------------------------------------------------------

_library: Optional[types.ModuleType] = None        # set by use(); None: fastnn


def use(library: types.ModuleType) -> types.ModuleType:
    """Make the helpers work with ``library``: the ``fastnn`` module (the default) or ``torch``.

    ``torch`` is PyTorch itself. The tensors and loaders they create, and the
    ``no_grad``, ``nn.Module`` and ``optim.Optimizer`` they use, come from
    it. Returns the library used before.

    Parameters
    ----------
    library : module
        ``fastnn`` or ``torch``.

    Returns
    -------
    module
        The library the helpers used before.

    Raises
    ------
    TypeError
        When library is not a module with ``nn``, ``optim``, ``no_grad``,
        ``utils`` and ``from_numpy``.
    """
    if not isinstance(library, types.ModuleType) or not all(
            hasattr(library, name) for name in ("nn", "optim", "no_grad", "utils", "from_numpy")):
        raise TypeError(f"library must be the fastnn or torch module, got {library!r}")
    global _library
    before, _library = _torch(), library
    return before


def _torch() -> types.ModuleType:
    """The tensor library the helpers use (fastnn unless use() said otherwise)."""
    return _library if _library is not None else importlib.import_module(__package__)


def _uses_fastnn() -> bool:
    return _library is None or _library.__name__ == __package__


# ---- linear regression -------------------------------------------------------------

def synthetic_data(w: Any, b: float, num_examples: int) -> tuple[Any, Any]:
    """y = Xw + b + noise, as d2l's: X from N(0, 1), noise N(0, 0.01²).

    X (num_examples, len(w)) from N(0, 1), noise N(0, 0.01²); returns (X, y)
    with y shaped (num_examples, 1).

    Parameters
    ----------
    w : Tensor or list of float
        The true weights, d of them (their dtype is X's).
    b : float
        The true bias.
    num_examples : int
        The number of samples n.

    Returns
    -------
    (X, y)
        Tensors of shape (n, d) and (n, 1).
    """
    torch = _torch()
    w = w if isinstance(w, torch.Tensor) else torch.tensor(w)
    X = torch.normal(0, 1, (num_examples, len(w)), dtype=w.dtype)
    y = torch.matmul(X, w) + b
    y = y + torch.normal(0, 0.01, y.shape, dtype=w.dtype)
    return X, y.reshape((-1, 1))


def linreg(X: Any, w: Any, b: Any) -> Any:
    """The linear regression model Xw + b.

    Parameters
    ----------
    X : Tensor
        Inputs (n, d).
    w : Tensor
        Weights (d, 1) or (d,).
    b : Tensor or float
        Bias.

    Returns
    -------
    Tensor
        Xw + b: (n, 1) (or (n,) for weights (d,)).
    """
    return _torch().matmul(X, w) + b


def squared_loss(y_hat: Any, y: Any) -> Any:
    """(ŷ − y)² / 2, elementwise (y reshaped like ŷ).

    Parameters
    ----------
    y_hat : Tensor
        Predictions, any shape.
    y : Tensor
        Targets, as many elements.

    Returns
    -------
    Tensor
        The shape of y_hat.
    """
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params: Iterable[Any], lr: float, batch_size: int) -> None:
    """Minibatch SGD on the parameters' gradients, which it then zeroes.

    ``param -= lr * param.grad / batch_size`` under no_grad, for each one.

    Parameters
    ----------
    params : iterable of Tensor
        Leaf tensors with gradients.
    lr : float
        The learning rate.
    batch_size : int
        The divisor of the gradients (they are sums over the batch).
    """
    with _torch().no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def load_array(data_arrays: Sequence[Any], batch_size: int, is_train: bool = True) -> Any:
    """A DataLoader over the tensors in data_arrays (shuffled when is_train).

    Parameters
    ----------
    data_arrays : sequence of Tensor
        Tensors sharing their first dimension, e.g. (X, y).
    batch_size : int
        Samples per batch.
    is_train : bool
        Shuffle every epoch.

    Returns
    -------
    DataLoader
        The library's: batches are tuples of one Tensor per array.
    """
    utils = _torch().utils.data
    return utils.DataLoader(utils.TensorDataset(*data_arrays), batch_size, shuffle=is_train)


# ---- Fashion-MNIST ------------------------------------------------------------------

def get_dataloader_workers() -> int:
    """d2l's number of loader processes: 0.

    fastnn's loader gathers a batch in one kernel call in this process, so 0.
    """
    return 0


def get_fashion_mnist_labels(labels: Any) -> list[str]:
    """Text labels of Fashion-MNIST class numbers.

    Parameters
    ----------
    labels : Tensor, array or list of int
        Class numbers in [0, 10) (a fastnn or PyTorch tensor, any shape).

    Returns
    -------
    list of str
        One name per label.
    """
    if hasattr(labels, "numpy"):                    # a fastnn or PyTorch tensor
        labels = labels.numpy()
    return datasets.get_fashion_mnist_labels(labels)


def _resize(images: NDArray[np.uint8], size: Any) -> NDArray[np.uint8]:    # int or (h, w)
    """Bilinear resize of uint8 images (N, H, W) to (N, h, w), rounded back
    to uint8 (pixel centres aligned, as image libraries do)."""
    h, w = (size, size) if np.isscalar(size) else tuple(size)
    n, H, W = images.shape
    out = np.empty((n, h, w), np.uint8)
    ys = np.clip((np.arange(h) + 0.5) * H / h - 0.5, 0, H - 1)
    xs = np.clip((np.arange(w) + 0.5) * W / w - 0.5, 0, W - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, H - 1), np.minimum(x0 + 1, W - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    for start in range(0, n, 4096):
        im = images[start:start + 4096].astype(np.float32)
        top = im[:, y0][:, :, x0] * (1 - fx) + im[:, y0][:, :, x1] * fx
        bottom = im[:, y1][:, :, x0] * (1 - fx) + im[:, y1][:, :, x1] * fx
        out[start:start + 4096] = np.clip(np.rint(top * (1 - fy) + bottom * fy), 0, 255)
    return out


def load_data_fashion_mnist(batch_size: int, resize: Optional[Union[int, tuple[int, int]]] = None,
                            root: Optional[Union[str, os.PathLike[str]]] = None, *,
                            n_train: Optional[int] = None,
                            n_test: Optional[int] = None) -> tuple[Any, Any]:
    """(train_iter, test_iter) over Fashion-MNIST, as d2l's (offline).

    Images (B, 1, 28, 28) float32 in [0, 1] (or resize × resize), int64
    labels; the training batches shuffled. Reads the files on disk (see
    fastnn.datasets): raises DatasetNotFoundError saying how to install
    them. n_train, n_test: keep only the first images of each part (quick
    runs). ``resize`` resizes bilinearly once, up front (not torchvision's
    antialiased resize: values differ in the last bits).

    Parameters
    ----------
    batch_size : int
        Samples per batch.
    resize : int or (int, int), optional
        The images' new size (h = w for an int).
    root : str or os.PathLike, optional
        fastnn's own: the folder of the four IDX files (else $FASTNN_DATA,
        then the Debian package's folder).
    n_train, n_test : int, optional
        fastnn's own: keep only the first images of each part.

    Returns
    -------
    (train_iter, test_iter)
        DataLoaders of the library in use; batches (X, y): float32 (B, 1,
        28, 28) (or (B, 1, h, w)) in [0, 1], int64 (B,).

    Raises
    ------
    DatasetNotFoundError
        When the files are not on disk (says how to install them).
    ValueError
        When n_train or n_test is not a positive int, or a file is damaged.
    """
    for name, v in (("n_train", n_train), ("n_test", n_test)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise ValueError(f"{name} must be a positive int or None, got {v!r}")
    (X, y), (Xt, yt) = datasets.load_fashion_mnist(root)
    X, y, Xt, yt = X[:n_train], y[:n_train], Xt[:n_test], yt[:n_test]
    if resize is not None:
        X, Xt = _resize(X, resize), _resize(Xt, resize)
    X, Xt = X.reshape(X.shape[0], 1, *X.shape[1:]), Xt.reshape(Xt.shape[0], 1, *Xt.shape[1:])
    if _uses_fastnn():                  # fastnn's loader keeps the bytes and scales per batch
        return (data.DataLoader((X, y), batch_size, shuffle=True),
                data.DataLoader((Xt, yt), batch_size, shuffle=False))
    torch = _torch()
    sets = [torch.utils.data.TensorDataset(torch.from_numpy(a.astype(np.float32) / 255),
                                           torch.from_numpy(b.astype(np.int64)))
            for a, b in ((X, y), (Xt, yt))]
    return (torch.utils.data.DataLoader(sets[0], batch_size, shuffle=True),
            torch.utils.data.DataLoader(sets[1], batch_size, shuffle=False))


# ---- softmax regression: training and evaluation ------------------------------------

class Accumulator:
    """Sums over n variables.

    Parameters
    ----------
    n : int
        The number of sums.
    """

    def __init__(self, n: int) -> None:
        self.data = [0.0] * n

    def add(self, *args: SupportsFloat) -> None:
        """Add one value (a number or one-element tensor) to each sum, in order."""
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self) -> None:
        """Every sum back to 0."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx: int) -> float:
        return self.data[idx]


def accuracy(y_hat: Any, y: Any) -> float:
    """The number of correct predictions (class scores → argmax).

    Parameters
    ----------
    y_hat : Tensor
        Class scores (n, classes), or predicted classes (n,).
    y : Tensor
        True classes (n,), int64.

    Returns
    -------
    float
        The count of correct predictions (not a fraction).
    """
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net: Callable[[Any], Any], data_iter: Iterable[Any]) -> float:
    """The accuracy of net over a dataset.

    A Module is put in eval mode first (and left so); runs under no_grad.

    Parameters
    ----------
    net : Module or callable
        Maps X to class scores (n, classes).
    data_iter : iterable of (X, y)
        The batches.

    Returns
    -------
    float
        The fraction of correct predictions.
    """
    torch = _torch()
    if isinstance(net, torch.nn.Module):
        net.eval()
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def train_epoch_ch3(net: Callable[[Any], Any], train_iter: Iterable[Any],
                    loss: Callable[[Any, Any], Any],
                    updater: Union[Any, Callable[[int], None]]) -> tuple[float, float]:
    """One epoch; returns (mean training loss, training accuracy).

    updater: an Optimizer (the loss's mean is backpropagated) or a function
    of the batch size (its sum is, as in the from-scratch code). loss may
    return one value per sample (reduction="none", as the chapters use) or
    their mean.

    Parameters
    ----------
    net : Module or callable
        Maps X to class scores; a Module is put in train mode.
    train_iter : iterable of (X, y)
        The batches.
    loss : callable
        ``loss(y_hat, y)``: per-sample losses (n,) or their mean.
    updater : Optimizer or callable
        An Optimizer of the library in use, or ``updater(batch_size)``.

    Returns
    -------
    (float, float)
        The mean training loss and the training accuracy (a fraction).
    """
    torch = _torch()
    if isinstance(net, torch.nn.Module):
        net.train()
    metric = Accumulator(3)
    step = None
    if _uses_fastnn() and isinstance(net, torch.nn.Module) and \
            isinstance(updater, torch.optim.Optimizer):
        # fastnn: each step in one C call when it can be planned (the same bits)
        step = torch.plan.CompiledStep(net, loss, updater, check_finite=False, warn=False,
                                       backward_of="mean")
    for X, y in train_iter:
        if step is not None:
            l = step(X, y)                                     # noqa: E741  (d2l's name)
            correct = step.correct
            acc = float(correct) if correct is not None else accuracy(step.output, y)
        else:
            y_hat = net(X)
            l = loss(y_hat, y)                                 # noqa: E741  (d2l's name)
            if isinstance(updater, torch.optim.Optimizer):
                updater.zero_grad()
                l.mean().backward()
                updater.step()
            else:
                l.sum().backward()
                updater(X.shape[0])
            acc = accuracy(y_hat, y)
        loss_sum = float(l.sum()) if len(l.shape) else float(l) * y.numel()
        metric.add(loss_sum, acc, y.numel())
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net: Callable[[Any], Any], train_iter: Iterable[Any], test_iter: Iterable[Any],
              loss: Callable[[Any, Any], Any], num_epochs: int,
              updater: Union[Any, Callable[[int], None]], *,
              scheduler: Optional[Any] = None) -> History:
    """Train for num_epochs, drawing train loss, train and test accuracy in an Animator.

    Returns a fastnn.train.History of the epochs (loss, accuracy,
    val_accuracy, lr, seconds); scheduler, if given, is stepped after each
    epoch. Warns when the final epoch misses d2l's sanity bounds (train loss
    < 0.5, accuracies > 0.7). Without a display the figure is saved as
    ``animator.png`` (see Animator).

    Parameters
    ----------
    net : Module or callable
        Maps X to class scores (n, classes).
    train_iter, test_iter : iterable of (X, y)
        The training and test batches.
    loss : callable
        ``loss(y_hat, y)``: per-sample losses or their mean.
    num_epochs : int
        The number of epochs.
    updater : Optimizer or callable
        An Optimizer, or ``updater(batch_size)`` (see train_epoch_ch3).
    scheduler : LRScheduler, optional
        fastnn's own: stepped after each epoch.

    Returns
    -------
    History
        One record per epoch: loss, accuracy, val_accuracy (the test
        accuracy), lr (the Optimizer's first group's; None for a function),
        seconds. (d2l returns None.)

    Warns
    -----
    UserWarning
        When the final epoch misses d2l's bounds (d2l asserts them).
    """
    animator = Animator(xlabel="epoch", xlim=[1, num_epochs], ylim=[0.3, 0.9],
                        legend=["train loss", "train acc", "test acc"])
    epochs: list[dict[str, Any]] = []
    for epoch in range(num_epochs):
        start = time.perf_counter()
        groups = getattr(updater, "param_groups", None)
        lr = groups[0]["lr"] if groups else None
        train_metrics = train_epoch_ch3(net, train_iter, loss, updater)
        test_acc = evaluate_accuracy(net, test_iter)
        if scheduler is not None:
            scheduler.step()
        animator.add(epoch + 1, train_metrics + (test_acc,))
        epochs.append({"loss": train_metrics[0], "accuracy": train_metrics[1],
                       "val_accuracy": test_acc, "lr": lr, "seconds": time.perf_counter() - start})
    if epochs:
        last = epochs[-1]
        if not (last["loss"] < 0.5 and 0.7 < last["accuracy"] <= 1 and 0.7 < test_acc <= 1):
            warnings.warn(f"train_ch3: the final epoch (train loss {last['loss']:.3f}, train acc "
                          f"{last['accuracy']:.3f}, test acc {test_acc:.3f}) misses d2l's sanity "
                          f"bounds (loss < 0.5, accuracies > 0.7)", stacklevel=2)
    return History(epochs)


def predict_ch3(net: Callable[[Any], Any], test_iter: Iterable[Any], n: int = 6) -> list[str]:
    """Predict the first n images of the test set; show them with true and predicted labels.

    The figure is saved as ``predict_ch3.png`` (in $FASTNN_D2L_FIGURES when
    set).

    Parameters
    ----------
    net : Module or callable
        Maps images to class scores.
    test_iter : iterable of (X, y)
        Its first batch is used: square images (B, 1, s, s) or (B, s·s).
    n : int
        The number of images shown.

    Returns
    -------
    list of str
        The predicted labels of the n images.
    """
    for X, y in test_iter:
        break
    trues = get_fashion_mnist_labels(y)
    preds = get_fashion_mnist_labels(net(X).argmax(axis=1))
    titles = [true + "\n" + pred for true, pred in zip(trues, preds)]
    side = int(round((X[0].numel()) ** 0.5))
    axes = show_images(X[0:n].reshape((n, side, side)), 1, n, titles=titles[0:n])
    if len(axes):
        axes[0].figure.savefig(_figure_path("predict_ch3.png"), bbox_inches="tight")
    return preds[:n]


def evaluate_loss(net: Callable[[Any], Any], data_iter: Iterable[Any],
                  loss: Callable[[Any, Any], Any]) -> float:
    """The mean loss of net over a dataset.

    Runs under no_grad; y is reshaped like the output.

    Parameters
    ----------
    net : Module or callable
        Maps X to outputs.
    data_iter : iterable of (X, y)
        The batches.
    loss : callable
        ``loss(out, y)``: per-element losses (reduction="none").

    Returns
    -------
    float
        The mean over all elements.
    """
    metric = Accumulator(2)
    with _torch().no_grad():
        for X, y in data_iter:
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)                                   # noqa: E741
            metric.add(float(l.sum()), l.numel())
    return metric[0] / metric[1]


class Timer:
    """Record running times (started on creation)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        """Start the timer."""
        self.tik = time.time()

    def stop(self) -> float:
        """Stop the timer, record the time and return it (seconds)."""
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def avg(self) -> float:
        """The mean of the recorded times."""
        return sum(self.times) / len(self.times)

    def sum(self) -> float:
        """The total of the recorded times."""
        return sum(self.times)

    def cumsum(self) -> list[float]:
        """The running totals of the recorded times."""
        totals: list[float] = np.array(self.times).cumsum().tolist()
        return totals


# ---- plots ------------------------------------------------------------------------------

def _plt() -> Any:
    from .plot import _pyplot
    return _pyplot()


def _figure_path(name: str) -> str:
    folder = os.environ.get("FASTNN_D2L_FIGURES")
    return os.path.join(folder, name) if folder else name


def use_svg_display() -> None:
    """SVG figures in a Jupyter notebook; nothing elsewhere."""
    try:
        from matplotlib_inline import backend_inline
        backend_inline.set_matplotlib_formats("svg")
    except ImportError:
        pass


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """The default size of new figures.

    Parameters
    ----------
    figsize : (float, float)
        Width and height in inches.
    """
    use_svg_display()
    _plt().rcParams["figure.figsize"] = figsize


def set_axes(axes: Any, xlabel: Optional[str], ylabel: Optional[str],
             xlim: Optional[Sequence[float]], ylim: Optional[Sequence[float]], xscale: str,
             yscale: str, legend: Optional[Sequence[str]]) -> None:
    """Labels, limits, scales and legend of matplotlib axes.

    Parameters
    ----------
    axes : matplotlib.axes.Axes
        The axes to set.
    xlabel, ylabel : str or None
        The axes' labels.
    xlim, ylim : (float, float) or None
        The axes' limits.
    xscale, yscale : str
        "linear", "log", ...
    legend : list of str or None
        The curves' names.
    """
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _plain(v: Any) -> Any:
    return v.detach().numpy() if hasattr(v, "detach") and hasattr(v, "numpy") else v


def plot(X: Any, Y: Any = None, xlabel: Optional[str] = None, ylabel: Optional[str] = None,
         legend: Optional[Sequence[str]] = None, xlim: Optional[Sequence[float]] = None,
         ylim: Optional[Sequence[float]] = None, xscale: str = "linear",
         yscale: str = "linear", fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
         figsize: tuple[float, float] = (3.5, 2.5), axes: Any = None) -> Any:
    """Plot one or several curves (lists of values or tensors) on axes.

    The current axes by default.

    Parameters
    ----------
    X : list, array or Tensor, or a list of them
        The x values (one curve's, or one per curve); the y values when Y is None.
    Y : list, array or Tensor, or a list of them, optional
        The y values, one curve's or one per curve.
    xlabel, ylabel : str, optional
        The axes' labels.
    legend : list of str, optional
        The curves' names.
    xlim, ylim : (float, float), optional
        The axes' limits.
    xscale, yscale : str
        "linear", "log", ...
    fmts : sequence of str
        The curves' matplotlib formats, in turn.
    figsize : (float, float)
        The figure's size in inches.
    axes : matplotlib.axes.Axes, optional
        Where to draw (default the current axes).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if legend is None:
        legend = []
    set_figsize(figsize)
    axes = axes if axes else _plt().gca()

    def has_one_axis(X: Any) -> bool:
        return (hasattr(X, "ndim") and X.ndim == 1 or isinstance(X, list)
                and not hasattr(X[0], "__len__"))

    X, Y = _plain(X), _plain(Y) if Y is not None else None
    if has_one_axis(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif has_one_axis(Y):
        Y = [Y]
    Y = [_plain(y) for y in Y]
    X = [_plain(x) for x in X]
    if len(X) != len(Y):
        X = X * len(Y)
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes


class Animator:
    """Curves drawn point by point during training (d2l's live plot).

    With no display it saves the figure to ``path`` (default animator.png,
    in $FASTNN_D2L_FIGURES when set): at the first add, then at most once
    a second (drawing and saving take ~0.2 s, as long as a short epoch),
    always at a point that reaches the end of ``xlim`` (the last epoch of
    d2l's training loops), at ``save()``, and when the program ends.

    Parameters
    ----------
    xlabel, ylabel : str, optional
        The axes' labels.
    legend : list of str, optional
        The curves' names.
    xlim, ylim : (float, float), optional
        The axes' limits.
    xscale, yscale : str
        "linear", "log", ...
    fmts : sequence of str
        The curves' matplotlib formats, in turn.
    nrows, ncols : int
        The grid of axes (the curves are drawn on the first).
    figsize : (float, float)
        The figure's size in inches.
    path : str, optional
        fastnn's own: the PNG written.
    """

    SAVE_EVERY_S = 1.0          # seconds between two saves while points arrive

    X: Optional[list[list[float]]]
    Y: Optional[list[list[float]]]

    def __init__(self, xlabel: Optional[str] = None, ylabel: Optional[str] = None,
                 legend: Optional[Sequence[str]] = None, xlim: Optional[Sequence[float]] = None,
                 ylim: Optional[Sequence[float]] = None, xscale: str = "linear",
                 yscale: str = "linear", fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
                 nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (3.5, 2.5),
                 path: Optional[str] = None) -> None:
        if legend is None:
            legend = []
        use_svg_display()
        plt = _plt()
        self.fig, self.axes = plt.subplots(nrows, ncols, figsize=figsize)
        if nrows * ncols == 1:
            self.axes = [self.axes]
        self.config_axes: Callable[[], None] = lambda: set_axes(
            self.axes[0], xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
        self.X, self.Y, self.fmts = None, None, fmts
        self.path = path or _figure_path("animator.png")
        self.x_end = float(xlim[1]) if xlim is not None else None
        self.saved_at: Optional[float] = None
        self.pending = False
        _animators.add(self)

    def add(self, x: Any, y: Any) -> None:
        """Add one point to each curve (y a number or one value per curve).

        Then redraw and save the figure to ``path`` when it is time (see
        the class).

        Parameters
        ----------
        x : float or sequence of float
            The x of the points (one for all curves, or one per curve).
        y : float or sequence of float
            One value per curve (None skips that curve's point).
        """
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if not self.X:
            self.X = [[] for _ in range(n)]
        if not self.Y:
            self.Y = [[] for _ in range(n)]
        reaches_end = False
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(float(a))
                self.Y[i].append(float(b))
                reaches_end = reaches_end or (self.x_end is not None and float(a) >= self.x_end)
        self.pending = True
        if (self.saved_at is None or reaches_end
                or time.perf_counter() - self.saved_at >= self.SAVE_EVERY_S):
            self.save()

    def save(self) -> None:
        """Draw the curves and write the figure to ``path`` now."""
        self.axes[0].cla()
        for x, y, fmt in zip(self.X or [], self.Y or [], self.fmts):
            self.axes[0].plot(x, y, fmt)
        self.config_axes()
        self.fig.savefig(self.path, bbox_inches="tight")
        self.saved_at, self.pending = time.perf_counter(), False


_animators: "weakref.WeakSet[Animator]" = weakref.WeakSet()


@atexit.register
def _save_pending_animators() -> None:
    """At exit, write the figures that have points not saved yet."""
    for animator in list(_animators):
        if animator.pending:
            animator.save()


def show_images(imgs: Any, num_rows: int, num_cols: int,
                titles: Optional[Sequence[str]] = None, scale: float = 1.5) -> NDArray[Any]:
    """A grid of images with optional titles; returns the axes.

    Parameters
    ----------
    imgs : Tensor, array or list of images
        Images (N, H, W) (or (N, H, W, C)), fastnn or PyTorch tensors or arrays.
    num_rows, num_cols : int
        The grid.
    titles : list of str, optional
        One title per image.
    scale : float
        Inches per image.

    Returns
    -------
    numpy.ndarray
        The matplotlib axes, flattened (num_rows · num_cols,).
    """
    plt = _plt()
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize)
    axes = np.asarray(axes).flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        ax.imshow(_plain(img))
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    return axes
