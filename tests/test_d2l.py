"""fastnn.d2l: d2l.torch's helpers with d2l's signatures, and two chapters'
code run with only their imports changed. Fashion-MNIST is stood in for by
small IDX files written here (no download, no installed data needed)."""
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import fastnn as fnn
from fastnn import d2l, datasets
from fastnn.demo import synthetic_images

HERE = os.path.dirname(os.path.abspath(__file__))

# d2l.torch's signatures (d2l 1.0), the parameter names in order
D2L_SIGNATURES = {
    "synthetic_data": ["w", "b", "num_examples"], "linreg": ["X", "w", "b"],
    "squared_loss": ["y_hat", "y"], "sgd": ["params", "lr", "batch_size"],
    "load_array": ["data_arrays", "batch_size", "is_train"],
    "load_data_fashion_mnist": ["batch_size", "resize"],
    "get_fashion_mnist_labels": ["labels"], "accuracy": ["y_hat", "y"],
    "evaluate_accuracy": ["net", "data_iter"],
    "train_epoch_ch3": ["net", "train_iter", "loss", "updater"],
    "train_ch3": ["net", "train_iter", "test_iter", "loss", "num_epochs", "updater"],
    "predict_ch3": ["net", "test_iter", "n"], "evaluate_loss": ["net", "data_iter", "loss"],
    "plot": ["X", "Y", "xlabel", "ylabel", "legend", "xlim", "ylim", "xscale", "yscale", "fmts",
             "figsize", "axes"],
    "set_figsize": ["figsize"], "use_svg_display": [],
    "set_axes": ["axes", "xlabel", "ylabel", "xlim", "ylim", "xscale", "yscale", "legend"],
    "show_images": ["imgs", "num_rows", "num_cols", "titles", "scale"],
    "Accumulator": ["n"], "Timer": [],
    "Animator": ["xlabel", "ylabel", "legend", "xlim", "ylim", "xscale", "yscale", "fmts",
                 "nrows", "ncols", "figsize"],
}


@pytest.mark.parametrize("name", sorted(D2L_SIGNATURES))
def test_signatures_are_d2ls(name):
    """d2l's parameters first, in d2l's order (fastnn may add keywords after)."""
    params = list(inspect.signature(getattr(d2l, name)).parameters)
    want = D2L_SIGNATURES[name]
    assert params[:len(want)] == want, params


@pytest.fixture
def fashion(tmp_path, monkeypatch):
    folder = tmp_path / "fashion"
    folder.mkdir()
    datasets.save_fashion_mnist(str(folder), *synthetic_images(3000, 500))
    monkeypatch.setenv("FASTNN_DATA", str(folder))
    monkeypatch.setenv("FASTNN_D2L_FIGURES", str(tmp_path))
    return tmp_path


def test_linear_regression_helpers():
    fnn.manual_seed(0)
    w, b = fnn.tensor([2.0, -3.4]), 4.2
    X, y = d2l.synthetic_data(w, b, 1000)
    assert X.shape == (1000, 2) and y.shape == (1000, 1)
    resid = y.numpy()[:, 0] - (X.numpy() @ np.array([2.0, -3.4]) + 4.2)
    assert 0.005 < resid.std() < 0.02                       # the noise is N(0, 0.01²)
    np.testing.assert_allclose(d2l.linreg(X, w, b).numpy(), X.numpy() @ w.numpy() + b, rtol=1e-6)
    l = d2l.squared_loss(fnn.tensor([[1.0], [3.0]]), fnn.tensor([2.0, 1.0]))
    assert l.numpy().ravel().tolist() == [0.5, 2.0]
    p = fnn.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()                                # grad 2p = [2, 4]
    d2l.sgd([p], lr=0.5, batch_size=2)
    assert p.numpy().tolist() == [0.5, 1.0] and p.grad.numpy().tolist() == [0.0, 0.0]
    batches = list(d2l.load_array((X, y), 10, is_train=False))
    assert len(batches) == 100 and np.array_equal(batches[0][0].numpy(), X.numpy()[:10])


def test_accumulator_accuracy_timer():
    acc = d2l.Accumulator(2)
    acc.add(1, 2.5)
    acc.add(fnn.tensor(2.0), 1)
    assert acc[0] == 3.0 and acc[1] == 3.5
    acc.reset()
    assert acc.data == [0.0, 0.0]
    y_hat = fnn.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert d2l.accuracy(y_hat, fnn.tensor([1, 1, 1])) == 2.0
    t = d2l.Timer()
    t.stop()
    t.start()
    t.stop()
    assert len(t.times) == 2 and t.sum() >= 0 and t.avg() >= 0 and len(t.cumsum()) == 2


def test_fashion_mnist_loaders(fashion):
    train_iter, test_iter = d2l.load_data_fashion_mnist(64)
    X, y = next(iter(train_iter))
    assert X.shape == (64, 1, 28, 28) and X.dtype == fnn.float32 and y.dtype == fnn.int64
    assert 0.0 <= X.numpy().min() and X.numpy().max() <= 1.0
    assert sum(len(yb) for _, yb in test_iter) == 500
    X2, _ = next(iter(d2l.load_data_fashion_mnist(8, resize=64)[1]))
    assert X2.shape == (8, 1, 64, 64)
    assert d2l.get_fashion_mnist_labels(fnn.tensor([0, 9])) == ["t-shirt", "ankle boot"]


def test_missing_data_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FASTNN_DATA", str(tmp_path))
    monkeypatch.setattr(datasets, "DEFAULT_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(datasets.DatasetNotFoundError, match="dataset-fashion-mnist"):
        d2l.load_data_fashion_mnist(256)


def test_training_helpers_and_plots(fashion):
    pytest.importorskip("matplotlib", reason="the Animator draws with matplotlib")
    fnn.manual_seed(0)
    net = fnn.nn.Sequential(fnn.nn.Flatten(), fnn.nn.Linear(784, 10))
    train_iter, test_iter = d2l.load_data_fashion_mnist(256)
    loss = fnn.nn.CrossEntropyLoss(reduction="none")
    before = d2l.evaluate_accuracy(net, test_iter)
    d2l.train_ch3(net, train_iter, test_iter, loss, 10, fnn.optim.SGD(net.parameters(), lr=0.1))
    after = d2l.evaluate_accuracy(net, test_iter)
    assert after > 0.7 and after > before
    X, y = d2l.synthetic_data(fnn.tensor([2.0, -3.4]), 4.2, 100)
    reg = fnn.nn.Linear(2, 1)
    want = float(((reg(X) - y) ** 2).mean().item())
    got = d2l.evaluate_loss(reg, d2l.load_array((X, y), 30), fnn.nn.MSELoss(reduction="none"))
    assert abs(got - want) < 1e-5 * max(1.0, want)           # the mean over every sample
    assert os.path.getsize(fashion / "animator.png") > 1000
    preds = d2l.predict_ch3(net, test_iter)
    assert len(preds) == 6 and os.path.getsize(fashion / "predict_ch3.png") > 1000


def _ported(source):
    swap = {"import torch": "import fastnn as torch", "from torch import nn": "from fastnn import nn",
            "from d2l import torch as d2l": "from fastnn import d2l"}
    return "\n".join(swap.get(line, line) for line in source.splitlines()) + "\n"


@pytest.mark.slow
@pytest.mark.parametrize("script", ["d2l_softmax_scratch.py", "d2l_mlp_concise.py"])
def test_a_chapters_code_runs_with_its_imports_changed(script, fashion):
    pytest.importorskip("matplotlib", reason="the chapters draw with matplotlib")
    with open(os.path.join(HERE, "scripts", script)) as f:
        source = f.read()
    ported = _ported(source)
    changed = [a for a, b in zip(source.splitlines(), ported.splitlines()) if a != b]
    assert changed and all("import" in line for line in changed)      # imports only
    path = fashion / script
    path.write_text(ported)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         timeout=600, cwd=str(fashion), env=dict(os.environ))
    assert out.returncode == 0, out.stderr[-3000:]
    acc = float(out.stdout.split("test accuracy ")[1].split()[0])
    assert acc > 0.7                                           # ten classes: chance is 0.1
    assert os.path.getsize(fashion / "animator.png") > 1000


D2L_ON_PYTORCH = '''"""d2l.torch for this folder: fastnn.d2l's helpers on PyTorch."""
import torch
from fastnn import d2l as _d2l
from fastnn.d2l import *  # noqa: F401,F403
_d2l.use(torch)
__getattr__ = _d2l.__getattr__
'''


@pytest.mark.slow
@pytest.mark.parametrize("script", ["d2l_softmax_scratch.py", "d2l_mlp_concise.py"])
def test_the_chapters_pytorch_code_runs_on_these_helpers(script, fashion):
    """The chapter's code, unchanged, on PyTorch with fastnn.d2l standing in
    for the d2l package (use(torch)): the helpers do d2l's work there too."""
    pytest.importorskip("torch", reason="PyTorch is not installed")
    pytest.importorskip("matplotlib", reason="the chapters draw with matplotlib")
    (fashion / "d2l").mkdir()
    (fashion / "d2l" / "__init__.py").write_text("")
    (fashion / "d2l" / "torch.py").write_text(D2L_ON_PYTORCH)
    with open(os.path.join(HERE, "scripts", script)) as f:
        (fashion / script).write_text(f.read())
    out = subprocess.run([sys.executable, script], capture_output=True, text=True,
                         timeout=600, cwd=str(fashion), env=dict(os.environ))
    assert out.returncode == 0, out.stderr[-3000:]
    assert float(out.stdout.split("test accuracy ")[1].split()[0]) > 0.7
    assert os.path.getsize(fashion / "animator.png") > 1000


def test_use_switches_the_tensor_library(fashion):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    with pytest.raises(TypeError, match="library"):
        d2l.use(np)
    assert d2l.use(torch) is fnn
    try:
        X, y = next(iter(d2l.load_data_fashion_mnist(16, n_train=40, n_test=20)[0]))
        assert isinstance(X, torch.Tensor) and X.shape == (16, 1, 28, 28) and y.dtype == torch.int64
        Xs, ys = d2l.synthetic_data(torch.tensor([2.0, -3.4]), 4.2, 10)
        assert isinstance(Xs, torch.Tensor) and ys.shape == (10, 1)
        net = torch.nn.Linear(2, 1)
        assert 0 <= d2l.evaluate_loss(net, d2l.load_array((Xs, ys), 5), torch.nn.MSELoss(reduction="none"))
    finally:
        assert d2l.use(fnn) is torch
    X, _ = next(iter(d2l.load_data_fashion_mnist(16, n_train=40)[0]))
    assert isinstance(X, fnn.Tensor)
    with pytest.raises(ValueError, match="n_train"):
        d2l.load_data_fashion_mnist(16, n_train=0)


def test_train_ch3_returns_the_epochs_and_warns_short_of_d2ls_bounds(fashion):
    pytest.importorskip("matplotlib", reason="the Animator draws with matplotlib")
    fnn.manual_seed(0)
    net = fnn.nn.Sequential(fnn.nn.Flatten(), fnn.nn.Linear(784, 10))
    train_iter, test_iter = d2l.load_data_fashion_mnist(256, n_train=512, n_test=256)
    opt = fnn.optim.SGD(net.parameters(), lr=0.1)
    sched = fnn.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    with pytest.warns(UserWarning, match="sanity bounds"):    # two small epochs cannot reach them
        h = d2l.train_ch3(net, train_iter, test_iter, fnn.nn.CrossEntropyLoss(), 2, opt,
                          scheduler=sched)
    assert h["lr"] == [0.1, 0.05] and len(h["loss"]) == 2
    assert h["val_accuracy"][-1] == d2l.evaluate_accuracy(net, test_iter)
    # a mean-reduced loss is counted per sample, as reduction="none" is
    fnn.manual_seed(1)
    Xb, yb = next(iter(train_iter))
    loss_none = float(fnn.nn.CrossEntropyLoss(reduction="none")(net(Xb), yb).mean())
    one = d2l.load_array((Xb, yb), 256, is_train=False)
    got = d2l.train_epoch_ch3(net, one, fnn.nn.CrossEntropyLoss(), lambda n: None)
    assert abs(got[0] - loss_none) < 1e-6


def test_animator_saves_first_then_at_most_once_a_second_the_end_and_at_exit(tmp_path):
    """Drawing a PNG costs about as much as a short epoch: the Animator saves
    its first point, then only when a second has passed, at the end of
    xlim, at save() and when the program ends."""
    pytest.importorskip("matplotlib", reason="the Animator draws with matplotlib")
    script = tmp_path / "anim.py"
    png = tmp_path / "a.png"
    script.write_text(f"""
import os
from fastnn import d2l
a = d2l.Animator(xlim=[1, 4], path={str(png)!r})
a.SAVE_EVERY_S = 3600
a.add(1, (0.5, 0.6))
assert os.path.exists({str(png)!r}) and not a.pending
os.unlink({str(png)!r})
a.add(2, (0.4, 0.7))
assert not os.path.exists({str(png)!r}) and a.pending     # within the second: not drawn
a.add(4, (0.3, 0.8))
assert os.path.exists({str(png)!r}) and not a.pending     # the end of xlim
os.unlink({str(png)!r})
a.add(3, (0.2, 0.9))                                       # before the end: pending
assert a.pending and not os.path.exists({str(png)!r})
print("pending at exit")
""")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "pending at exit" in out.stdout, out.stderr[-2000:]
    assert png.stat().st_size > 1000                       # written when the program ended
