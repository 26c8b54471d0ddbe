"""fastnn.nn: modules, the fused Linear+activation path, losses, init,
clipping, state dicts and saving; against finite differences in float64 and
against PyTorch where it is installed; the chapters' code ported."""
import os
from collections import OrderedDict

import numpy as np
import pytest

import fastnn as fnn
from fastnn import nn
from fastnn.nn import functional as F

from conftest import CountingC

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

ACTS = {"relu": (nn.ReLU, "ReLU"), "leaky": (lambda: nn.LeakyReLU(0.1), None),
        "sigmoid": (nn.Sigmoid, "Sigmoid"), "tanh": (nn.Tanh, "Tanh"),
        "gelu": (nn.GELU, "GELU"), "identity": (nn.Identity, "Identity")}


def torch_act(name):
    if name == "leaky":
        return torch.nn.LeakyReLU(0.1)
    return getattr(torch.nn, ACTS[name][1])()


def build_pair(sizes, act, dtype=np.float32, dropout=False):
    """The same MLP in fastnn and PyTorch with the same initial weights."""
    layers, tlayers = [], []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = nn.Linear(a, b, dtype=dtype)
        tl = torch.nn.Linear(a, b).to(torch.float64 if dtype == np.float64 else torch.float32)
        with torch.no_grad():
            tl.weight.copy_(torch.from_numpy(lin.weight.numpy()))
            tl.bias.copy_(torch.from_numpy(lin.bias.numpy()))
        layers.append(lin)
        tlayers.append(tl)
        if i < len(sizes) - 2:
            layers.append(ACTS[act][0]())
            tlayers.append(torch_act(act))
    return nn.Sequential(*layers), torch.nn.Sequential(*tlayers)


LOSSES = ["mse", "l1", "huber", "cross_entropy", "bce"]


def loss_pair(name, reduction):
    if name == "mse":
        return nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction)
    if name == "l1":
        return nn.L1Loss(reduction=reduction), torch.nn.L1Loss(reduction=reduction)
    if name == "huber":
        return nn.HuberLoss(reduction=reduction, delta=0.5), torch.nn.HuberLoss(reduction=reduction, delta=0.5)
    if name == "cross_entropy":
        return (nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.05),
                torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.05))
    return nn.BCEWithLogitsLoss(reduction=reduction), torch.nn.BCEWithLogitsLoss(reduction=reduction)


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss_name", LOSSES)
@pytest.mark.parametrize("act", list(ACTS))
def test_sequential_matches_torch(rng, act, loss_name, reduction):
    """Forward, loss and every parameter gradient, float32 tolerance."""
    fnn.manual_seed(int(rng.integers(1 << 30)))
    net, tnet = build_pair([7, 9, 8, 4], act)
    x = rng.standard_normal((13, 7)).astype(np.float32)
    if loss_name == "cross_entropy":
        y = rng.integers(0, 4, 13)
        ty = torch.from_numpy(y)
    else:
        y = (rng.random((13, 4)) if loss_name == "bce" else rng.standard_normal((13, 4))).astype(np.float32)
        ty = torch.from_numpy(y)
    lf, tlf = loss_pair(loss_name, reduction)
    out = net(fnn.from_numpy(x))
    loss = lf(out, fnn.from_numpy(y))
    tout = tnet(torch.from_numpy(x))
    tloss = tlf(tout, ty)
    loss.backward(fnn.ones_like(loss) if reduction == "none" else None)
    tloss.backward(torch.ones_like(tloss))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(loss.numpy(), tloss.detach().numpy(), rtol=1e-5, atol=1e-5)
    for (name, p), tp in zip(net.named_parameters(), tnet.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


class UserNet(nn.Module):
    """A user-defined Module whose forward calls its layers, as in the chapters."""

    def __init__(self, dropout=0.0):
        super().__init__()
        self.lin1 = nn.Linear(6, 10)
        self.lin2 = nn.Linear(10, 3)
        self.relu = nn.ReLU()
        self.dropout = dropout

    def forward(self, X):
        h = self.relu(self.lin1(X))
        if self.training and self.dropout > 0:
            h = F.dropout(h, self.dropout)
        return self.lin2(h)


@needs_torch
def test_user_module_matches_torch(rng):
    net = UserNet()
    tl1, tl2 = torch.nn.Linear(6, 10), torch.nn.Linear(10, 3)
    with torch.no_grad():
        for t, f in ((tl1, net.lin1), (tl2, net.lin2)):
            t.weight.copy_(torch.from_numpy(f.weight.numpy()))
            t.bias.copy_(torch.from_numpy(f.bias.numpy()))
    x = rng.standard_normal((5, 6)).astype(np.float32)
    y = rng.integers(0, 3, 5)
    loss = nn.CrossEntropyLoss()(net(fnn.from_numpy(x)), fnn.from_numpy(y))
    loss.backward()
    tloss = torch.nn.functional.cross_entropy(tl2(torch.relu(tl1(torch.from_numpy(x)))), torch.from_numpy(y))
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
    np.testing.assert_allclose(net.lin1.weight.grad.numpy(), tl1.weight.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(net.lin2.bias.grad.numpy(), tl2.bias.grad.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("act", ["relu", "leaky", "sigmoid", "tanh", "gelu"])
def test_fused_sequential_gradients_match_finite_differences(rng, act):
    """float64: a Sequential (fused Linear+activation) against central differences."""
    fnn.manual_seed(1)
    layers = [nn.Linear(3, 4, dtype=fnn.float64), ACTS[act][0](), nn.Linear(4, 2, dtype=fnn.float64)]
    net = nn.Sequential(*layers)
    x = fnn.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    y = fnn.tensor(rng.standard_normal((5, 2)))
    loss = nn.MSELoss()(net(x), y)
    loss.backward()
    params = list(net.parameters()) + [x]
    for p in params:
        num = np.zeros_like(p.numpy())
        for i in np.ndindex(p.shape):
            old = p.numpy()[i]
            p.numpy()[i] = old + 1e-6
            hi = nn.MSELoss()(net(x), y).item()
            p.numpy()[i] = old - 1e-6
            lo = nn.MSELoss()(net(x), y).item()
            p.numpy()[i] = old
            num[i] = (hi - lo) / 2e-6
        np.testing.assert_allclose(p.grad.numpy(), num, rtol=1e-5, atol=1e-8)


def test_fused_equals_unfused(rng):
    fnn.manual_seed(5)
    net = nn.Sequential(nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 3))
    x = fnn.tensor(rng.standard_normal((4, 8)).astype(np.float32))
    fused = net(x)
    unfused = net[2](net[1](net[0](x)))
    np.testing.assert_allclose(fused.numpy(), unfused.numpy(), rtol=1e-6, atol=1e-6)


class ScaledLinear(nn.Linear):
    """A Linear subclass with its own forward: must not be fused."""

    def forward(self, input):
        return super().forward(input) * 2.0


class TaggedLinear(nn.Linear):
    """A Linear subclass that keeps Linear's forward: fused like Linear."""
    tag = "mine"


@pytest.mark.parametrize("linear_cls, fused", [(nn.Linear, True), (TaggedLinear, True),
                                               (ScaledLinear, False)])
def test_fusion_is_one_kernel_call_and_one_node(rng, monkeypatch, linear_cls, fused):
    fnn.manual_seed(3)
    net = nn.Sequential(linear_cls(5, 4), nn.ReLU())
    counter = CountingC(F._C)
    monkeypatch.setattr(F, "_C", counter)
    relu_calls = []
    monkeypatch.setattr(nn.ReLU, "forward", lambda self, x: relu_calls.append(1) or F.relu(x))
    x = fnn.tensor(rng.standard_normal((3, 5)).astype(np.float32), requires_grad=True)
    y = net(x)
    W, b = net[0].weight.numpy(), net[0].bias.numpy()
    z = x.numpy() @ W.T + b
    if fused:
        assert counter.calls == {"linear": 1} and relu_calls == []
        node = y.grad_fn
        assert node.name == "LinearBackward" and node.act == "relu" and node.inputs[0] is x
        np.testing.assert_allclose(y.numpy(), np.maximum(z, 0), rtol=1e-6, atol=1e-6)
    else:
        assert relu_calls == [1] and y.grad_fn.name != "LinearBackward"
        np.testing.assert_allclose(y.numpy(), np.maximum(2 * z, 0), rtol=1e-6, atol=1e-6)
    y.sum().backward()
    if fused:       # one backward kernel call, into the parameters' homes in the arena
        assert counter.calls == {"linear": 1, "linear_backward_into": 1}
    assert x.grad is not None and net[0].weight.grad is not None


def test_fusion_plan_follows_changes_to_the_sequential(rng):
    fnn.manual_seed(4)
    net = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
    x = fnn.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    assert net(x).numpy().min() >= 0
    net[1] = nn.Identity()              # the plan is rebuilt: no ReLU any more
    W, b = net[0].weight.numpy(), net[0].bias.numpy()
    np.testing.assert_allclose(net(x).numpy(), x.numpy() @ W.T + b, rtol=1e-6, atol=1e-6)


def test_module_registration_and_traversal():
    net = UserNet()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["lin1.weight", "lin1.bias", "lin2.weight", "lin2.bias"]
    assert len(list(net.children())) == 3 and len(list(net.modules())) == 4
    assert net.lin1.weight.shape == (10, 6)
    net.eval()
    assert not net.training and not net.lin1.training
    net.train()
    assert net.lin2.training
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "UserNet"
    net.double()
    assert net.lin1.weight.dtype == fnn.float64
    net.float()
    assert net.lin1.weight.dtype == fnn.float32
    assert "Linear(in_features=6, out_features=10, bias=True)" in repr(net)


def test_sequential_forms():
    a = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    b = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU()), ("out", nn.Linear(3, 1))]))
    c = nn.Sequential()
    c.add_module("hidden", nn.Linear(2, 3))
    c.append(nn.ReLU())
    assert len(a) == 3 and len(b) == 3 and len(c) == 2
    assert isinstance(a[0], nn.Linear) and isinstance(a[-1], nn.Linear)
    assert isinstance(a[:2], nn.Sequential) and len(a[:2]) == 2
    assert b.hidden is b[0]
    assert [type(m).__name__ for m in a] == ["Linear", "ReLU", "Linear"]
    assert list(b.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    with pytest.raises(IndexError):
        a[3]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.Linear(2, 2), "relu")


def test_state_dict_round_trip_and_errors(tmp_path):
    net = UserNet()
    other = UserNet()
    other.load_state_dict(net.state_dict())
    np.testing.assert_array_equal(other.lin1.weight.numpy(), net.lin1.weight.numpy())
    sd = net.state_dict()
    bad = OrderedDict(sd)
    del bad["lin1.bias"]
    bad["extra.weight"] = np.zeros(3)
    with pytest.raises(KeyError, match="missing keys: 'lin1.bias'.*unexpected keys: 'extra.weight'"):
        other.load_state_dict(bad)
    missing, unexpected = other.load_state_dict(bad, strict=False)
    assert missing == ["lin1.bias"] and unexpected == ["extra.weight"]
    wrong = OrderedDict(sd)
    wrong["lin2.weight"] = np.zeros((4, 10), np.float32)
    before = other.lin1.weight.numpy().copy()
    with pytest.raises(ValueError, match=r"size mismatch for lin2.weight"):
        other.load_state_dict(wrong)
    np.testing.assert_array_equal(other.lin1.weight.numpy(), before)   # nothing half-loaded
    path = os.path.join(tmp_path, "net.npz")
    fnn.save(net.state_dict(), path)
    third = UserNet()
    third.load_state_dict(fnn.load(path))
    np.testing.assert_array_equal(third.lin2.bias.numpy(), net.lin2.bias.numpy())
    assert [f for f in os.listdir(tmp_path) if f.startswith(".fastnn-save")] == []


def test_save_is_atomic_and_load_runs_no_code(tmp_path):
    path = os.path.join(tmp_path, "ckpt.npz")
    fnn.save({"a": fnn.ones(3)}, path)
    with pytest.raises(TypeError, match="cannot store"):
        fnn.save({"a": fnn.zeros(3), "f": print}, path)
    np.testing.assert_array_equal(fnn.load(path)["a"].numpy(), np.ones(3))  # old file intact
    evil = os.path.join(tmp_path, "evil.npz")
    np.savez(evil, obj=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="not a fastnn save file"):
        fnn.load(evil)
    nested = {"model": {"w": fnn.ones(2)}, "epoch": 3, "betas": (0.9, 0.999), "best": float("inf"),
              "state": {0: {"step": 5, "exp_avg": np.arange(3.0)}}, "name": "adam", "none": None}
    fnn.save(nested, path)
    back = fnn.load(path)
    assert back["epoch"] == 3 and back["model"]["w"].shape == (2,)
    assert back["betas"] == (0.9, 0.999) and back["best"] == float("inf") and back["none"] is None
    assert back["state"][0]["step"] == 5 and back["name"] == "adam"
    np.testing.assert_array_equal(back["state"][0]["exp_avg"].numpy(), np.arange(3.0))


@needs_torch
def test_torch_state_dict_loads(rng):
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    net.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    x = rng.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(net(fnn.from_numpy(x)).numpy(),
                               tnet(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_linear_default_init_bounds():
    fnn.manual_seed(0)
    lin = nn.Linear(400, 50)
    bound = 1 / np.sqrt(400)
    assert np.abs(lin.weight.numpy()).max() <= bound
    assert np.abs(lin.weight.numpy()).max() > 0.9 * bound
    assert lin.weight.requires_grad and lin.bias.shape == (50,)


def test_init_functions():
    fnn.manual_seed(0)
    w = nn.Parameter(fnn.zeros(300, 200))
    nn.init.normal_(w, 0, 0.01)
    assert abs(w.numpy().std() - 0.01) < 5e-4
    nn.init.xavier_uniform_(w)
    assert abs(np.abs(w.numpy()).max() - np.sqrt(6 / 500)) < 1e-3
    nn.init.xavier_normal_(w)
    assert abs(w.numpy().std() - np.sqrt(2 / 500)) < 2e-3
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - np.sqrt(2 / 200)) < 3e-3
    nn.init.kaiming_uniform_(w, a=np.sqrt(5))
    assert np.abs(w.numpy()).max() <= 1 / np.sqrt(200) + 1e-7
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    nn.init.zeros_(w)
    nn.init.ones_(w)
    assert (w.numpy() == 1).all()
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(np.sqrt(2 / 1.04))


def test_clip_grad():
    p = nn.Parameter(fnn.zeros(4))
    q = nn.Parameter(fnn.zeros(3))
    p.grad = fnn.tensor([3.0, 0, 0, 0])
    q.grad = fnn.tensor([0.0, 4, 0])
    total = nn.utils.clip_grad_norm_([p, q], 1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0, 0, 0], rtol=1e-5)
    nn.utils.clip_grad_value_([p, q], 0.5)
    assert q.grad.numpy().max() == pytest.approx(0.5)


def test_dropout_module_train_and_eval():
    fnn.manual_seed(0)
    d = nn.Dropout(0.5)
    x = fnn.ones(10000)
    y = d(x)
    kept = (y.numpy() != 0).mean()
    assert 0.45 < kept < 0.55 and set(np.unique(y.numpy())) <= {0.0, 2.0}
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_bad_input_errors():
    lin = nn.Linear(4, 3)
    with pytest.raises(ValueError, match="input has 5 features"):
        lin(fnn.ones(2, 5))
    with pytest.raises(TypeError, match="dtype"):
        lin(fnn.ones(2, 4, dtype=fnn.float64))
    with pytest.raises(ValueError, match=r"target\[1\] = 7 is out of range"):
        nn.CrossEntropyLoss()(fnn.ones(2, 3), fnn.tensor([0, 7]))
    with pytest.raises(TypeError, match="class indices must be integers"):
        nn.CrossEntropyLoss()(fnn.ones(2, 3), fnn.tensor([0.0, 1.0]))

    class Bad(nn.Module):
        def forward(self, x):
            return x.numpy()

    with pytest.raises(TypeError, match="must return a fastnn.Tensor"):
        Bad()(fnn.ones(2))

    class NoInit(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="super"):
        NoInit()


def test_chapter_linear_regression_from_scratch():
    """d2l 3.2: synthetic data, requires_grad, hand-written sgd, 3 epochs."""
    fnn.manual_seed(42)
    true_w, true_b = fnn.tensor([2, -3.4]), 4.2
    X = fnn.normal(0, 1, (1000, 2))
    y = X @ true_w + true_b + fnn.normal(0, 0.01, (1000,))
    y = y.reshape((-1, 1))
    w = fnn.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = fnn.zeros(1, requires_grad=True)

    def linreg(X, w, b):
        return fnn.matmul(X, w) + b

    def squared_loss(y_hat, y):
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    def sgd(params, lr, batch_size):
        with fnn.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    idx = np.arange(1000)
    for epoch in range(3):
        np.random.default_rng(epoch).shuffle(idx)
        for i in range(0, 1000, 10):
            j = fnn.tensor(idx[i:i + 10])
            l = squared_loss(linreg(X[j], w, b), y[j])
            l.sum().backward()
            sgd([w, b], 0.03, 10)
    assert np.abs(w.detach().numpy().ravel() - true_w.numpy()).max() < 0.01
    assert abs(b.item() - true_b) < 0.01


def test_chapter_concise_mlp_and_dropout_net(rng):
    """d2l 5.2/5.6: nn.Sequential MLP with init_weights, and the dropout Net class, train a few steps."""
    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    net.apply(init_weights)
    X = fnn.tensor(rng.random((64, 1, 28, 28)).astype(np.float32))
    y = fnn.tensor(rng.integers(0, 10, 64))
    loss = nn.CrossEntropyLoss(reduction="none")
    first = None
    for _ in range(30):
        l = loss(net(X), y)
        net.zero_grad()
        l.mean().backward()
        with fnn.no_grad():
            for p in net.parameters():
                p -= 0.1 * p.grad
        first = l.mean().item() if first is None else first
    assert loss(net(X), y).mean().item() < first

    class Net(nn.Module):
        def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
            super().__init__()
            self.num_inputs = num_inputs
            self.training = is_training
            self.lin1 = nn.Linear(num_inputs, num_hiddens1)
            self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
            self.lin3 = nn.Linear(num_hiddens2, num_outputs)
            self.relu = nn.ReLU()

        def forward(self, X):
            H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
            if self.training:
                H1 = F.dropout(H1, 0.2)
            H2 = self.relu(self.lin2(H1))
            if self.training:
                H2 = F.dropout(H2, 0.5)
            return self.lin3(H2)

    dnet = Net(784, 10, 256, 256)
    out = dnet(X)
    assert out.shape == (64, 10)
    nn.CrossEntropyLoss()(out, y).backward()
    assert dnet.lin1.weight.grad is not None


LOSS_MODULES = {
    "mse": lambda r: nn.MSELoss(reduction=r),
    "l1": lambda r: nn.L1Loss(reduction=r),
    "huber": lambda r: nn.HuberLoss(reduction=r, delta=0.7),
    "cross_entropy": lambda r: nn.CrossEntropyLoss(reduction=r, label_smoothing=0.1,
                                                   weight=fnn.tensor([0.5, 1.0, 2.0], dtype=fnn.float64)),
    "bce": lambda r: nn.BCEWithLogitsLoss(reduction=r, pos_weight=fnn.tensor([1.5, 1.0, 0.5], dtype=fnn.float64)),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(LOSS_MODULES))
def test_loss_modules_match_finite_differences(rng, name, reduction):
    x = rng.standard_normal((4, 3))
    if name == "cross_entropy":
        y = fnn.tensor([0, 2, 1, 2])
    elif name == "bce":
        y = fnn.tensor(rng.random((4, 3)))
    else:
        y = fnn.tensor(rng.standard_normal((4, 3)))
    lf = LOSS_MODULES[name](reduction)
    weights = rng.standard_normal(4 if name == "cross_entropy" else (4, 3))

    def scalar(t):
        out = lf(t, y)
        return (out * fnn.tensor(weights)).sum() if reduction == "none" else out

    t = fnn.tensor(x, requires_grad=True)
    scalar(t).backward()
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[i] += 1e-6
        lo[i] -= 1e-6
        num[i] = (scalar(fnn.tensor(hi)).item() - scalar(fnn.tensor(lo)).item()) / 2e-6
    np.testing.assert_allclose(t.grad.numpy(), num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "gelu", "softplus", "leaky_relu"])
def test_functional_ops_match_finite_differences(rng, name):
    fn = {"softmax": lambda t: F.softmax(t, dim=1), "log_softmax": lambda t: F.log_softmax(t, dim=0),
          "gelu": F.gelu, "softplus": lambda t: F.softplus(t, beta=2.0),
          "leaky_relu": lambda t: F.leaky_relu(t, -0.2)}[name]
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((3, 4))
    t = fnn.tensor(x, requires_grad=True)
    (fn(t) * fnn.tensor(w)).sum().backward()
    num = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[i] += 1e-6
        lo[i] -= 1e-6
        num[i] = ((fn(fnn.tensor(hi)) * fnn.tensor(w)).sum().item()
                  - (fn(fnn.tensor(lo)) * fnn.tensor(w)).sum().item()) / 2e-6
    np.testing.assert_allclose(t.grad.numpy(), num, rtol=1e-6, atol=1e-8)


def test_dropout_gradient_is_its_mask(rng):
    fnn.manual_seed(11)
    x = fnn.tensor(rng.uniform(1, 2, (50, 40)), requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    kept = y.numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7)
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / 0.7)
