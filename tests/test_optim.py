"""fastnn.optim: every optimizer and option combination against a plain
numpy reference of PyTorch's documented single-tensor formulas (always) and
against torch.optim (where installed); schedules epoch by epoch; state dict
round trips; bad input."""
import copy
import itertools
import math

import numpy as np
import pytest

import fastnn as fnn
from fastnn import nn, optim
from fastnn.optim import lr_scheduler

from conftest import optim_reference

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def grid(**axes):
    keys = list(axes)
    return [dict(zip(keys, v)) for v in itertools.product(*axes.values())]


CONFIGS = (
    [("SGD", dict(lr=0.05, **c)) for c in grid(momentum=[0, 0.9], dampening=[0, 0.2],
                                                weight_decay=[0, 0.01], maximize=[False, True])]
    + [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=wd)) for wd in (0, 0.01)]
    + [(k, dict(lr=0.01, **c)) for k in ("Adam", "AdamW")
       for c in grid(weight_decay=[0, 0.1], amsgrad=[False, True], maximize=[False, True],
                     betas=[(0.9, 0.999), (0.5, 0.9)])]
    + [("Adagrad", dict(lr=0.1, **c)) for c in grid(lr_decay=[0, 0.01], weight_decay=[0, 0.1],
                                                    initial_accumulator_value=[0, 0.5],
                                                    maximize=[False, True])]
    + [("RMSprop", dict(lr=0.01, **c)) for c in grid(momentum=[0, 0.9], centered=[False, True],
                                                     weight_decay=[0, 0.1], alpha=[0.99, 0.8])]
)
IDS = [f"{k}-" + "-".join(f"{a}={b}" for a, b in kw.items() if a != "lr") for k, kw in CONFIGS]


def run_fastnn(kind, kw, p0, grads, dtype=np.float64):
    p = nn.Parameter(fnn.tensor(p0.astype(dtype)))
    opt = getattr(optim, kind)([p], **kw)
    for g in grads:
        p.grad = fnn.tensor(g.astype(dtype))
        opt.step()
    return p.numpy()


@pytest.mark.parametrize("kind,kw", CONFIGS, ids=IDS)
def test_matches_numpy_reference_float64(rng, kind, kw):
    p0 = rng.standard_normal((6, 7))
    grads = [rng.standard_normal((6, 7)) for _ in range(50)]
    np.testing.assert_allclose(run_fastnn(kind, kw, p0, grads), optim_reference(kind, kw, p0, grads),
                               rtol=1e-12, atol=1e-14)


@needs_torch
@pytest.mark.parametrize("kind,kw", CONFIGS, ids=IDS)
def test_matches_torch_float64_and_float32(rng, kind, kw):
    p0 = rng.standard_normal((6, 7))
    grads = [rng.standard_normal((6, 7)) for _ in range(50)]
    for dtype, tol in ((np.float64, dict(rtol=1e-12, atol=1e-14)), (np.float32, dict(rtol=2e-4, atol=2e-5))):
        tp = torch.nn.Parameter(torch.tensor(p0.astype(dtype)))
        topt = getattr(torch.optim, kind)([tp], foreach=False, **kw)
        for g in grads:
            tp.grad = torch.tensor(g.astype(dtype))
            topt.step()
        np.testing.assert_allclose(run_fastnn(kind, kw, p0, grads, dtype), tp.detach().numpy(), **tol)


def test_param_groups_options_and_writable_lr(rng):
    w = nn.Parameter(fnn.ones(3))
    b = nn.Parameter(fnn.ones(3))
    opt = optim.SGD([{"params": [w], "weight_decay": 0.5}, {"params": [b]}], lr=0.1)
    assert opt.param_groups[0]["weight_decay"] == 0.5 and opt.param_groups[1]["weight_decay"] == 0
    w.grad, b.grad = fnn.zeros(3), fnn.zeros(3)
    opt.step()
    np.testing.assert_allclose(w.numpy(), 1 - 0.1 * 0.5)   # decay on the weights only
    np.testing.assert_allclose(b.numpy(), 1.0)
    opt.param_groups[1]["lr"] = 1.0
    b.grad = fnn.ones(3)
    opt.step()
    np.testing.assert_allclose(b.numpy(), 0.0)
    c = nn.Parameter(fnn.ones(2))
    opt.add_param_group({"params": c, "lr": 0.5})
    assert opt.param_groups[2]["lr"] == 0.5 and opt.param_groups[2]["momentum"] == 0
    opt.zero_grad()
    assert w.grad is None
    w.grad = fnn.ones(3)
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and not w.grad.numpy().any()


@pytest.mark.parametrize("kind,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("Adagrad", dict(lr=0.1)), ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True))])
def test_state_dict_round_trip_resumes_bit_exactly(rng, kind, kw):
    p0 = rng.standard_normal((4, 5)).astype(np.float32)
    grads = [rng.standard_normal((4, 5)).astype(np.float32) for _ in range(40)]
    straight = run_fastnn(kind, kw, p0, grads, np.float32)
    p = nn.Parameter(fnn.tensor(p0))
    opt = getattr(optim, kind)([p], **kw)
    for g in grads[:20]:
        p.grad = fnn.tensor(g)
        opt.step()
    saved_state = copy.deepcopy(opt.state_dict())
    saved_param = p.numpy().copy()
    q = nn.Parameter(fnn.tensor(saved_param))
    opt2 = getattr(optim, kind)([q], **kw)
    opt2.load_state_dict(saved_state)
    for g in grads[20:]:
        q.grad = fnn.tensor(g)
        opt2.step()
    np.testing.assert_array_equal(q.numpy(), straight)


def test_trains_a_model():
    fnn.manual_seed(0)
    X = fnn.randn(64, 4)
    y = X @ fnn.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1
    net = nn.Linear(4, 1)
    opt = optim.Adam(net.parameters(), lr=0.05)
    loss_fn = nn.MSELoss()
    for _ in range(300):
        opt.zero_grad()
        loss = loss_fn(net(X), y)
        loss.backward()
        opt.step()
    assert loss.item() < 1e-3


BAD = [
    (lambda p: optim.SGD([p], lr=-0.1), ValueError, "Invalid learning rate"),
    (lambda p: optim.SGD([p], lr=0.1, weight_decay=-1), ValueError, "Invalid weight_decay"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires"),
    (lambda p: optim.Adam([p], eps=-1e-8), ValueError, "Invalid epsilon"),
    (lambda p: optim.Adam([p], betas=(1.0, 0.999)), ValueError, "Invalid beta parameter at index 0"),
    (lambda p: optim.AdamW([p], betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1"),
    (lambda p: optim.Adagrad([p], lr_decay=-1), ValueError, "Invalid lr_decay"),
    (lambda p: optim.RMSprop([p], lr=float("nan")), ValueError, "Invalid learning rate"),
    (lambda p: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda p: optim.SGD(p, lr=0.1), TypeError, "should be an iterable"),
    (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), ValueError, "more than one parameter group"),
    (lambda p: optim.SGD([p, p], lr=0.1), ValueError, "more than one parameter group"),
    (lambda p: optim.SGD([p.numpy()], lr=0.1), TypeError, "can only optimize Tensors"),
]


@pytest.mark.parametrize("make,exc,pattern", BAD)
def test_bad_input(make, exc, pattern):
    p = nn.Parameter(fnn.ones(3))
    with pytest.raises(exc, match=pattern):
        make(p)


def test_nan_gradient_check():
    q = nn.Parameter(fnn.ones(2))
    p = nn.Parameter(fnn.ones(3))
    opt = optim.SGD([q, p], lr=0.1, check_finite=True)
    q.grad = fnn.ones(2)
    p.grad = fnn.tensor([1.0, float("nan"), 0.0])
    with pytest.raises(FloatingPointError, match="NaN or Inf"):
        opt.step()
    np.testing.assert_array_equal(q.numpy(), 1.0)          # nothing was applied
    np.testing.assert_array_equal(p.numpy(), 1.0)


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.95 ** e + 0.1 * (e % 3))),
]


@needs_torch
@pytest.mark.parametrize("name,kw", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedules_match_torch(name, kw):
    p = nn.Parameter(fnn.ones(2))
    tp = torch.nn.Parameter(torch.ones(2))
    opt = optim.SGD([p], lr=0.5)
    topt = torch.optim.SGD([tp], lr=0.5)
    s = getattr(lr_scheduler, name)(opt, **kw)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    for epoch in range(25):
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-14), epoch
        opt.step()
        topt.step()
        s.step()
        ts.step()


@needs_torch
def test_reduce_on_plateau_matches_torch():
    p = nn.Parameter(fnn.ones(2))
    tp = torch.nn.Parameter(torch.ones(2))
    opt, topt = optim.SGD([p], lr=1.0), torch.optim.SGD([tp], lr=1.0)
    kw = dict(mode="min", factor=0.5, patience=2, cooldown=1, min_lr=0.01)
    s = lr_scheduler.ReduceLROnPlateau(opt, **kw)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    metrics = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 2.99999, 3, 3, 3, 3, 3, 3, 3, 3]
    for m in metrics:
        s.step(m)
        ts.step(m)
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr())


def test_schedule_state_dict_round_trip():
    p = nn.Parameter(fnn.ones(2))
    opt = optim.SGD([p], lr=1.0)
    s = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(3):
        s.step()
    state = s.state_dict()
    opt2 = optim.SGD([p], lr=1.0)
    s2 = lr_scheduler.StepLR(opt2, step_size=2, gamma=0.1)
    s2.load_state_dict(state)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    s.step()
    s2.step()
    assert s.get_last_lr() == s2.get_last_lr()


def test_bitwise_same_for_any_thread_count_and_simd_path(restore_threads, rng):
    from fastnn import _C
    from conftest import SIMD_PATHS
    p0 = rng.standard_normal(300_001).astype(np.float32)
    grads = [rng.standard_normal(300_001).astype(np.float32) for _ in range(4)]
    results = []
    before = _C.get_simd()
    try:
        for path in SIMD_PATHS:
            _C.set_simd(path)
            for n in (1, 2):
                fnn.set_num_threads(n)
                for kind, kw in (("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
                                 ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True))):
                    results.append((kind, run_fastnn(kind, kw, p0, grads, np.float32)))
    finally:
        _C.set_simd(before)
    for kind in ("Adam", "RMSprop"):
        runs = [r for k, r in results if k == kind]
        for r in runs[1:]:
            np.testing.assert_array_equal(runs[0], r)


def test_step_runs_the_closure_with_gradients_on():
    """As torch.optim: step(closure) evaluates the closure with autograd
    recording (it calls backward) and returns its loss."""
    fnn.manual_seed(2)
    m = nn.Linear(3, 1)
    opt = optim.SGD(m.parameters(), lr=0.1)
    x, y = fnn.randn(8, 3), fnn.randn(8, 1)

    def closure():
        opt.zero_grad()
        loss = ((m(x) - y) ** 2).mean()
        loss.backward()
        return loss

    w0 = m.weight.numpy().copy()
    with fnn.no_grad():                       # even when the caller has recording off
        first = opt.step(closure)
    second = opt.step(closure)
    assert float(second) < float(first)
    assert not np.array_equal(m.weight.numpy(), w0)


@pytest.mark.parametrize("kind,kw", [("Adam", {"betas": (0.9, 0.999)}), ("Adam", {"betas": (0.9, 0.5)}),
                                     ("RMSprop", {"centered": True, "alpha": 0.5}),
                                     ("RMSprop", {"alpha": 0.99})])
def test_float32_overflow_at_huge_weight_decay_as_pytorch(kind, kw):
    """weight_decay = 2**64 pushes g² past float32's range: the second moment
    is formed as PyTorch's addcmul forms it ((1 - β)·g first, then ·g), and a
    centered RMSprop's sq - ga² stays inf instead of inf - inf = NaN, so the
    parameters come out as PyTorch's (to float32 rounding: sums in another
    order elsewhere in the step)."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    rng = np.random.default_rng(0)
    p0 = (rng.standard_normal((7, 9)) * 3).astype(np.float32)
    g = rng.standard_normal((7, 9)).astype(np.float32)
    opts = dict(kw, lr=0.1, weight_decay=2.0 ** 64)
    p = nn.Parameter(fnn.tensor(p0.copy()))
    opt = getattr(optim, kind)([p], **opts)
    p.grad = fnn.tensor(g)
    opt.step()
    q = torch.nn.Parameter(torch.tensor(p0.copy()))
    topt = getattr(torch.optim, kind)([q], **opts)
    q.grad = torch.tensor(g)
    topt.step()
    assert not np.isnan(p.numpy()).any()
    np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_an_option_beyond_any_float_is_refused():
    p = nn.Parameter(fnn.zeros(2))
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        optim.Adagrad([p], lr=0.1, initial_accumulator_value=10 ** 400)
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([p], lr=10 ** 400)
