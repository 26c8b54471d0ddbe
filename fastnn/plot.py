"""fastnn.plot: the chapters' figures with matplotlib, imported only when a
function here is called, on the non-interactive Agg backend unless a display
backend is already in use (headless machines need nothing).

plot_history draws train loss, train accuracy and test accuracy per epoch as
d2l's Animator does; plot_functions draws curves such as activations and
their derivatives; show_images draws a grid of images with titles (the
prediction grid). Each saves a PNG when given `path` and returns the figure.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

import numpy as np

from . import _dist

if TYPE_CHECKING:
    import os

    from numpy.typing import ArrayLike

    from .train import History

    _Path = Union[str, "os.PathLike[str]"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(f"fastnn.plot needs matplotlib: pip install matplotlib "
                          f"({_dist.extra_hint('plot')})") from None
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            import matplotlib.pyplot as plt  # noqa: F401  (a backend is already chosen)
        except Exception:
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _finish(fig: Any, path: Optional[_Path], dpi: float) -> Any:
    if path is not None:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return fig


def plot_history(history: History, path: Optional[_Path] = None, title: Optional[str] = None,
                 dpi: float = 100) -> Any:
    """Train loss, train accuracy and test (validation) accuracy per epoch.

    As d2l's Animator draws them; a curve whose figure some epoch lacks is
    left out.

    Parameters
    ----------
    history : History
        What fastnn.train.fit returned (its ``loss``, ``accuracy`` and
        ``val_accuracy``).
    path : str or os.PathLike, optional
        Save the figure there as a PNG.
    title : str, optional
        The figure's title.
    dpi : float
        The PNG's resolution.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Raises
    ------
    ImportError
        Without matplotlib (says how to install it).
    """
    plt = _pyplot()
    epochs = np.arange(1, len(history) + 1)
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    for key, label, style in (("loss", "train loss", "-"), ("accuracy", "train acc", "m--"),
                              ("val_accuracy", "test acc", "g-.")):
        values = history[key] if len(history) else []
        if values and all(v is not None for v in values):
            ax.plot(epochs, values, style, label=label)
    ax.set_xlabel("epoch")
    ax.set_xlim(1, max(len(history), 2))     # one epoch: still a range, not a point
    ax.grid(True)
    ax.legend()
    if title:
        ax.set_title(title)
    return _finish(fig, path, dpi)


def plot_functions(x: ArrayLike, curves: Mapping[str, ArrayLike], path: Optional[_Path] = None,
                   xlabel: str = "x", ylabel: Optional[str] = None, title: Optional[str] = None,
                   dpi: float = 100) -> Any:
    """One line per entry of `curves` (label -> values over x).

    Parameters
    ----------
    x : array_like
        The x values, n of them (flattened).
    curves : dict
        Label to y values (n of them, flattened): an activation and its
        derivative, for instance.
    path : str or os.PathLike, optional
        Save the figure there as a PNG.
    xlabel : str
        The x axis's label.
    ylabel, title : str, optional
        The y axis's label and the title.
    dpi : float
        The PNG's resolution.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Raises
    ------
    ImportError
        Without matplotlib.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    xs = np.asarray(x).ravel()
    for label, ys in curves.items():
        ax.plot(xs, np.asarray(ys).ravel(), label=label)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True)
    ax.legend()
    return _finish(fig, path, dpi)


def show_images(images: ArrayLike, labels: Optional[Sequence[object]] = None,
                nrows: Optional[int] = None, ncols: int = 8, path: Optional[_Path] = None,
                scale: float = 1.5, dpi: float = 100) -> Any:
    """A grid of grayscale images (N×H×W) with optional titles.

    Parameters
    ----------
    images : array_like
        N images (N, H, W) (any shape whose last two dimensions are H, W),
        or one (H, W); any dtype matplotlib shows in gray.
    labels : sequence, optional
        One title per image (shown with str()).
    nrows : int, optional
        Rows of the grid (default: as many as the images need).
    ncols : int
        Columns of the grid (at most N).
    path : str or os.PathLike, optional
        Save the figure there as a PNG.
    scale : float
        Inches per image.
    dpi : float
        The PNG's resolution.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Raises
    ------
    ImportError
        Without matplotlib.
    """
    plt = _pyplot()
    imgs = np.asarray(images)
    if imgs.ndim == 2:
        imgs = imgs[None]
    n = imgs.shape[0]
    ncols = min(ncols, n)
    nrows = nrows or -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * scale, nrows * scale * 1.15), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(imgs[i].reshape(imgs.shape[-2], imgs.shape[-1]), cmap="gray")
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=8)
    return _finish(fig, path, dpi)
