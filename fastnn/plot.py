"""fastnn.plot: the chapters' figures with matplotlib, imported only when a
function here is called, on the non-interactive Agg backend unless a display
backend is already in use (headless machines need nothing).

plot_history draws train loss, train accuracy and test accuracy per epoch as
d2l's Animator does; plot_functions draws curves such as activations and
their derivatives; show_images draws a grid of images with titles (the
prediction grid). Each saves a PNG when given `path` and returns the figure.
"""
import numpy as np


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("fastnn.plot needs matplotlib: pip install 'fastnn[plot]' "
                          "(or pip install matplotlib)") from None
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            import matplotlib.pyplot as plt  # noqa: F401  (a backend is already chosen)
        except Exception:
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _finish(fig, path, dpi):
    if path is not None:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return fig


def plot_history(history, path=None, title=None, dpi=100):
    """Train loss, train accuracy and test (validation) accuracy per epoch."""
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


def plot_functions(x, curves, path=None, xlabel="x", ylabel=None, title=None, dpi=100):
    """One line per entry of `curves` (label -> values over x)."""
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


def show_images(images, labels=None, nrows=None, ncols=8, path=None, scale=1.5, dpi=100):
    """A grid of grayscale images (N×H×W) with optional titles."""
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
