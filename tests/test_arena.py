"""The parameter arena (fastnn.arena): a model's parameters and gradients in
one span each, .grad semantics as PyTorch's on top of reused buffers, and
optimizers updating a whole group in one kernel call with the same bits as
parameter by parameter."""
import numpy as np
import pytest

import fastnn as fnn
from fastnn import arena, nn, optim
from fastnn.nn import functional as F

DTYPES = [np.float32, np.float64]


def mlp(dtype=np.float32, sizes=(7, 5, 3)):
    fnn.manual_seed(11)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b, dtype=dtype), nn.Tanh()]
    return nn.Sequential(*layers[:-1])


def backward_once(net, rng, scale=1.0):
    """Backward of scale·Σ net(x) for one x per test (rng is the test's own,
    seeded: drawn afresh each call from a copy of its state)."""
    r = np.random.default_rng(1234)
    x = fnn.tensor(r.standard_normal((6, net[0].in_features)).astype(net[0].weight.dtype))
    (net(x) * scale).sum().backward()


def test_parameters_form_one_span_and_gradients_land_in_its_twin(rng):
    net = mlp()
    params = list(net.parameters())
    where = arena.span([p.numpy() for p in params])
    assert where is not None
    chunk, start, stop = where
    assert stop - start >= sum(p.numel() for p in params)
    backward_once(net, rng)
    for p in params:
        assert p.grad.numpy().base is chunk.grad.base and p.grad.numpy() is p._grad_home()
        # each value and gradient starts on a cache line (a vector load never straddles two)
        assert p.numpy().ctypes.data % arena.ALIGN_BYTES == 0
        assert p.grad.numpy().ctypes.data % arena.ALIGN_BYTES == 0
    addresses = [p.grad.numpy().ctypes.data for p in params]
    net.zero_grad()
    assert all(p.grad is None for p in params)           # set_to_none, as PyTorch
    backward_once(net, rng)
    assert [p.grad.numpy().ctypes.data for p in params] == addresses   # no new buffers


def test_gradients_are_right_in_the_arena(rng):
    """The first backward fills the homes, the second adds into them."""
    net = mlp(np.float64)
    x = fnn.tensor(rng.standard_normal((4, 7)))
    net(x).sum().backward()
    first = [p.grad.numpy().copy() for p in net.parameters()]
    net(x).sum().backward()
    for p, g in zip(net.parameters(), first):
        np.testing.assert_allclose(p.grad.numpy(), 2 * g, rtol=1e-12)
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())


@pytest.mark.parametrize("drop", ["zero_grad", "by hand"])
def test_a_kept_grad_keeps_its_values(rng, drop):
    net = mlp(np.float64)
    backward_once(net, rng)
    w = net[0].weight
    kept = w.grad
    values = kept.numpy().copy()
    if drop == "zero_grad":
        net.zero_grad()                  # gives the kept tensor a copy: the home stays in use
    else:
        w.grad = None                    # the engine sees the home held and uses a new array
    backward_once(net, rng, scale=3.0)
    np.testing.assert_array_equal(kept.numpy(), values)
    np.testing.assert_allclose(w.grad.numpy(), 3 * values, rtol=1e-12)
    assert (w.grad.numpy() is w._grad_home()) == (drop == "zero_grad")


def test_a_kept_grad_array_keeps_its_values(rng):
    net = mlp(np.float64)
    backward_once(net, rng)
    b = net[0].bias
    arr = b.grad.numpy()
    values = arr.copy()
    net.zero_grad()
    backward_once(net, rng, scale=2.0)
    np.testing.assert_array_equal(arr, values)           # not overwritten
    np.testing.assert_allclose(b.grad.numpy(), 2 * values, rtol=1e-12)
    del arr
    net.zero_grad()
    backward_once(net, rng)
    assert b.grad.numpy() is b._grad_home()               # released: the home again


def test_data_assignment_copies_or_moves_out(rng):
    net = mlp()
    w = net[0].weight
    address = w.numpy().ctypes.data
    new = rng.standard_normal(w.shape).astype(np.float32)
    w.data = fnn.tensor(new)
    assert w.numpy().ctypes.data == address                # copied into its place
    np.testing.assert_array_equal(w.numpy(), new)
    assert arena.span([p.numpy() for p in net.parameters()]) is not None
    w.data = fnn.zeros(2, 7)                               # another shape: out of the arena
    assert w.shape == (2, 7) and w._grad_home() is None
    assert arena.span([p.numpy() for p in net.parameters()]) is None


def test_module_to_rebuilds_the_span():
    net = mlp(np.float32)
    net.double()
    params = list(net.parameters())
    assert all(p.dtype == fnn.float64 for p in params)
    assert arena.span([p.numpy() for p in params]) is not None


def test_a_parameter_copies_its_data():
    t = fnn.ones(3)
    p = nn.Parameter(t)
    p.data[0] = 5.0
    assert t[0].item() == 1.0 and p[0].item() == 5.0


# ---- optimizers: one call over the span, the same bits as per parameter -----------

OPTIMIZERS = [
    ("sgd", lambda ps: optim.SGD(ps, lr=0.1)),
    ("sgd-momentum-wd", lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.1,
                                             weight_decay=1e-2)),
    ("sgd-nesterov-max", lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True,
                                              maximize=True)),
    ("adam", lambda ps: optim.Adam(ps, lr=1e-2)),
    ("adam-amsgrad-wd", lambda ps: optim.Adam(ps, lr=1e-2, weight_decay=1e-2, amsgrad=True)),
    ("adamw", lambda ps: optim.AdamW(ps, lr=1e-2)),
    ("adagrad", lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=1e-3,
                                         initial_accumulator_value=0.1)),
    ("rmsprop-centered-momentum", lambda ps: optim.RMSprop(ps, lr=1e-2, momentum=0.9,
                                                           centered=True, weight_decay=1e-3)),
]


class CountSteps:
    def __init__(self, real):
        self.real, self.sizes = real, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def optim_step(self, kind, param, *args, **kwargs):
        self.sizes.append(param.size)
        return self.real.optim_step(kind, param, *args, **kwargs)


def twin_models(dtype):
    """The same MLP twice: as Parameters in the arena, and as plain leaf
    tensors holding copies (which optimizers update one by one)."""
    net = mlp(dtype)
    params = list(net.parameters())
    plain = [fnn.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    return net, params, plain


def forward(ps, x):
    h = x
    for i in range(0, len(ps), 2):
        h = F.linear(h, ps[i], ps[i + 1], activation="tanh" if i + 2 < len(ps) else None)
    return h


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name, make", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_one_call_per_group_bitwise_as_per_parameter(rng, monkeypatch, dtype, threads, name, make):
    import fastnn.optim.optimizer as optimizer_module
    counter = CountSteps(optimizer_module._C)
    monkeypatch.setattr(optimizer_module, "_C", counter)
    old = fnn.get_num_threads()
    fnn.set_num_threads(threads)
    try:
        net, params, plain = twin_models(dtype)
        opt_a, opt_b = make(params), make(plain)
        for step in range(3):
            x = fnn.tensor(rng.standard_normal((5, 7)).astype(dtype))
            for ps, opt in ((params, opt_a), (plain, opt_b)):
                opt.zero_grad()
                (forward(ps, x) ** 2).sum().backward()
            counter.sizes.clear()
            opt_a.step()
            assert len(counter.sizes) == 1                   # the whole group at once
            counter.sizes.clear()
            opt_b.step()
            assert len(counter.sizes) == len(plain)          # one by one
            for p, q in zip(params, plain):
                np.testing.assert_array_equal(p.numpy(), q.numpy())
        sa, sb = opt_a.state_dict(), opt_b.state_dict()
        assert sa["state"].keys() == sb["state"].keys()
        for k in sa["state"]:
            for name_ in sa["state"][k]:
                np.testing.assert_array_equal(sa["state"][k][name_], sb["state"][k][name_])
    finally:
        fnn.set_num_threads(old)


@pytest.mark.parametrize("name, make", OPTIMIZERS[2:5], ids=[o[0] for o in OPTIMIZERS[2:5]])
def test_falls_back_and_rejoins(rng, name, make):
    """A step where one parameter has no gradient goes parameter by
    parameter (the gradient-less one untouched, as PyTorch); the state
    carries into later one-call steps, through load_state_dict too."""
    net, params, plain = twin_models(np.float64)
    opt_a, opt_b = make(params), make(plain)
    for step in range(4):
        x = fnn.tensor(rng.standard_normal((5, 7)))
        for ps, opt in ((params, opt_a), (plain, opt_b)):
            opt.zero_grad()
            (forward(ps, x) ** 2).sum().backward()
            if step == 1:
                ps[1].grad = None                            # this step, no gradient for one
        opt_a.step()
        opt_b.step()
        if step == 2:
            opt_a.load_state_dict(opt_a.state_dict())
        for p, q in zip(params, plain):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
