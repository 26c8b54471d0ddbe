"""fastnn.plot writes PNG files of the expected size, headless."""
import struct

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="matplotlib is not installed")

from fastnn import plot  # noqa: E402
from fastnn.train import History  # noqa: E402


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", head[16:24])


def test_plot_history(tmp_path):
    h = History([{"loss": 1.0 / (e + 1), "accuracy": 0.5 + e / 20, "val_accuracy": 0.5 + e / 25}
                 for e in range(10)])
    path = str(tmp_path / "history.png")
    plot.plot_history(h, path)
    w, hgt = png_size(path)
    assert 300 < w < 600 and 200 < hgt < 450


def test_plot_functions_and_images(tmp_path):
    x = np.linspace(-8, 8, 101)
    p1 = str(tmp_path / "f.png")
    plot.plot_functions(x, {"relu": np.maximum(x, 0), "sigmoid": 1 / (1 + np.exp(-x))}, p1)
    assert png_size(p1)[0] > 200
    p2 = str(tmp_path / "grid.png")
    imgs = np.random.default_rng(0).integers(0, 256, (18, 28, 28))
    plot.show_images(imgs, [f"c{i}" for i in range(18)], ncols=9, path=p2)
    w, h = png_size(p2)
    assert w > h > 100
