"""The Linear chain (csrc/linear_chain.c, _C.linear_chain_forward/backward,
nn.functional.linear_chain, and nn.Sequential running its runs of Linear
layers through it): against a float64 numpy reference, bit for bit against
the same layers run one by one, across thread counts, and with every way the
backward engine hands gradient buffers to a node."""
import numpy as np
import pytest

import fastnn as fnn
from fastnn import _C, nn, ops
from fastnn.nn import functional as F

from conftest import CountingC, act_grad_from_output, act_ref

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-11, atol=1e-12)}
# (batch, feature counts): 1x1 layers, odd sizes, widths that are not
# multiples of any vector width, one sample, a batch of 64
CHAINS = [(1, [1, 1, 1]), (3, [3, 5, 5, 3, 1]), (7, [17, 15, 33, 2]), (1, [784, 256, 10]),
          (64, [100, 65, 10]), (13, [29, 31, 23, 19, 7, 3])]
ACTS = [None, "relu", "leaky_relu", "sigmoid", "tanh"]


def chain_data(rng, M, dims, dtype, with_bias=True):
    x = rng.standard_normal((M, dims[0])).astype(dtype)
    ws = [(rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i])).astype(dtype)
          for i in range(len(dims) - 1)]
    bs = [rng.standard_normal(dims[i + 1]).astype(dtype) if with_bias and i % 2 == 0 else None
          for i in range(len(dims) - 1)]
    acts = [ACTS[(i + len(dims)) % len(ACTS)] for i in range(len(dims) - 1)]
    slopes = [0.01 * (i + 1) for i in range(len(dims) - 1)]
    return x, ws, bs, acts, slopes


def run_chain(x, ws, bs, acts, slopes, g, betas=None, gws=None, gbs=None):
    M = x.shape[0]
    ys = [np.empty((M, w.shape[0]), x.dtype) for w in ws]
    _C.linear_chain_forward(x, ws, bs, acts, slopes, ys)
    gws = [np.zeros_like(w) for w in ws] if gws is None else gws
    gbs = [np.zeros(w.shape[0], x.dtype) for w in ws] if gbs is None else gbs
    gx = np.empty_like(x)
    _C.linear_chain_backward(g, x, ws, ys, acts, slopes, betas or [False] * len(ws), gws, gbs, gx)
    return ys, gws, gbs, gx


def run_layers(x, ws, bs, acts, slopes, g, betas=None, gws=None, gbs=None):
    """The same arithmetic through the single-layer kernels, one call each."""
    xs, h = [], x
    for w, b, a, s in zip(ws, bs, acts, slopes):
        xs.append(h)
        h = ops.linear(h, w, b, activation=a, negative_slope=s)
        xs[-1] = (xs[-1], h)
    ys = [y for _, y in xs]
    gws = [np.zeros_like(w) for w in ws] if gws is None else gws
    gbs = [np.zeros(w.shape[0], x.dtype) for w in ws] if gbs is None else gbs
    grad = g
    for l in reversed(range(len(ws))):
        grad = _C.linear_backward_into(grad, xs[l][0], ws[l], ys[l], acts[l], slopes[l], True,
                                       gws[l], gbs[l], bool(betas and betas[l]))
    return ys, gws, gbs, grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("M, dims", CHAINS)
def test_chain_against_float64_reference(rng, threads, dtype, M, dims):
    x, ws, bs, acts, slopes = chain_data(rng, M, dims, dtype)
    g = rng.standard_normal((M, dims[-1])).astype(dtype)
    ys, gws, gbs, gx = run_chain(x, ws, bs, acts, slopes, g)
    # float64 reference: forward, then backward through act' taken from the outputs
    X = x.astype(np.float64)
    refs, h = [], X
    for w, b, a, s in zip(ws, bs, acts, slopes):
        z = h @ w.astype(np.float64).T + (0 if b is None else b.astype(np.float64))
        refs.append((h, act_ref(z, a, s)))
        h = refs[-1][1]
    for y, (_, r) in zip(ys, refs):
        np.testing.assert_allclose(y, r, **TOL[dtype])
    G = g.astype(np.float64)
    for l in reversed(range(len(ws))):
        xin, yout = refs[l]
        dz = G * act_grad_from_output(yout, acts[l], slopes[l])
        np.testing.assert_allclose(gws[l], dz.T @ xin, **TOL[dtype])
        np.testing.assert_allclose(gbs[l], dz.sum(axis=0), **TOL[dtype])
        G = dz @ ws[l].astype(np.float64)
    np.testing.assert_allclose(gx, G, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("M, dims", CHAINS)
def test_chain_is_bitwise_the_layers_one_by_one(rng, threads, dtype, M, dims):
    x, ws, bs, acts, slopes = chain_data(rng, M, dims, dtype)
    g = rng.standard_normal((M, dims[-1])).astype(dtype)
    betas = [l % 2 == 1 for l in range(len(ws))]          # some layers add into their buffers
    start_w = [rng.standard_normal(w.shape).astype(dtype) for w in ws]
    start_b = [rng.standard_normal(w.shape[0]).astype(dtype) for w in ws]
    got = run_chain(x, ws, bs, acts, slopes, g, betas, [a.copy() for a in start_w],
                    [a.copy() for a in start_b])
    want = run_layers(x, ws, bs, acts, slopes, g, betas, [a.copy() for a in start_w],
                      [a.copy() for a in start_b])
    for a, b in zip(got[0] + got[1] + got[2] + [got[3]], want[0] + want[1] + want[2] + [want[3]]):
        assert np.array_equal(a, b)


def test_chain_bits_do_not_depend_on_the_thread_count(rng, restore_threads):
    x, ws, bs, acts, slopes = chain_data(rng, 96, [130, 257, 65, 10], np.float32)
    g = rng.standard_normal((96, 10)).astype(np.float32)
    fnn.set_num_threads(1)
    one = run_chain(x, ws, bs, acts, slopes, g)
    fnn.set_num_threads(2)
    two = run_chain(x, ws, bs, acts, slopes, g)
    for a, b in zip(one[0] + one[1] + one[2] + [one[3]], two[0] + two[1] + two[2] + [two[3]]):
        assert np.array_equal(a, b)


def test_chain_bindings_refuse_operands_that_do_not_chain(rng):
    x, ws, bs, acts, slopes = chain_data(rng, 4, [5, 6, 3], np.float32)
    ys = [np.empty((4, 6), np.float32), np.empty((4, 3), np.float32)]
    bad_w = [ws[0], ws[1][:, :5].copy()]
    with pytest.raises(ValueError, match="weight 1"):
        _C.linear_chain_forward(x, bad_w, bs, acts, slopes, ys)
    with pytest.raises(ValueError, match="weight 0"):               # float64 x, float32 weights
        _C.linear_chain_forward(x.astype(np.float64), ws, bs, acts, slopes, ys)
    with pytest.raises(ValueError, match="x must be"):
        _C.linear_chain_forward(np.asfortranarray(x), ws, bs, acts, slopes, ys)
    with pytest.raises(ValueError, match="output 1"):
        _C.linear_chain_forward(x, ws, bs, acts, slopes, [ys[0], np.empty((4, 4), np.float32)])
    with pytest.raises(ValueError, match="bias 0"):
        _C.linear_chain_forward(x, ws, [np.zeros(5, np.float32), None], acts, slopes, ys)
    with pytest.raises(ValueError, match="activation"):
        _C.linear_chain_forward(x, ws, bs, ["softmax", None], slopes, ys)
    with pytest.raises(ValueError, match="slope"):
        _C.linear_chain_forward(x, ws, bs, ["leaky_relu", None], [-0.1, 0.0], ys)
    _C.linear_chain_forward(x, ws, bs, acts, slopes, ys)
    g = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="grad_weight 0"):
        _C.linear_chain_backward(g, x, ws, ys, acts, slopes, [0, 0], [ws[1], ws[1]],
                                 [np.zeros(6, np.float32), np.zeros(3, np.float32)], None)
    with pytest.raises(ValueError, match="grad_out"):
        _C.linear_chain_backward(g[:, :2], x, ws, ys, acts, slopes, [0, 0],
                                 [np.zeros_like(w) for w in ws],
                                 [np.zeros(6, np.float32), np.zeros(3, np.float32)], None)


# ---- nn: Sequential runs its Linear layers as one chain ---------------------------

def mlp(dtype=np.float32, seed=0):
    fnn.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 9, dtype=dtype), nn.ReLU(),
                         nn.Linear(9, 7, dtype=dtype), nn.Tanh(),
                         nn.Linear(7, 5, bias=False, dtype=dtype), nn.LeakyReLU(0.1),
                         nn.Linear(5, 3, dtype=dtype))


def layer_by_layer(net, x):
    """The forward nn.Sequential made before chains: one fused linear() per
    Linear(+activation) pair."""
    for m, act in [(net[1], "relu"), (net[3], "tanh"), (net[5], "leaky_relu"), (net[7], None)]:
        x = F.linear(x, m.weight, m.bias, activation=act, negative_slope=0.1)
    return x


def test_sequential_runs_its_linear_layers_as_one_call_and_one_node(rng, monkeypatch):
    net = mlp()
    counter = CountingC(F._C)
    monkeypatch.setattr(F, "_C", counter)
    x = fnn.tensor(rng.standard_normal((6, 3, 4)).astype(np.float32), requires_grad=True)
    y = net(x)
    assert counter.calls == {"linear_chain_forward": 1}
    node = y.grad_fn
    assert node.name == "LinearChainBackward" and len(node.inputs) == 1 + 2 * 4
    assert node.inputs[6] is None                      # the Linear without bias
    y.sum().backward()
    assert counter.calls == {"linear_chain_forward": 1, "linear_chain_backward": 1}
    with fnn.no_grad():
        out = net(x)
    assert counter.calls["linear_chain_forward"] == 2 and out.grad_fn is None
    np.testing.assert_array_equal(out.numpy(), y.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_sequential_chain_is_bitwise_the_layers_one_by_one(rng, threads, dtype):
    x = rng.standard_normal((6, 12)).astype(dtype)
    nets = [mlp(dtype), mlp(dtype)]
    inputs = [fnn.tensor(x, requires_grad=True) for _ in nets]
    target = fnn.tensor(rng.standard_normal((6, 3)).astype(dtype))
    for step in range(2):          # the second backward adds into the gradients
        outs = [nets[0](inputs[0]), layer_by_layer(nets[1], inputs[1])]
        assert outs[0].grad_fn.name == "LinearChainBackward"
        assert outs[1].grad_fn.name == "LinearBackward"
        np.testing.assert_array_equal(outs[0].numpy(), outs[1].numpy())
        for out in outs:
            nn.MSELoss()(out, target).backward()
    for p, q in zip(nets[0].parameters(), nets[1].parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    np.testing.assert_array_equal(inputs[0].grad.numpy(), inputs[1].grad.numpy())


def test_chain_gradient_buffers_in_every_state(rng):
    """A .grad the user holds (a new array), a frozen weight with a trainable
    bias, a layer without bias, and a second backward: the same bits as the
    layers one by one."""
    x = rng.standard_normal((5, 12)).astype(np.float32)
    nets = [mlp(seed=7), mlp(seed=7)]
    held = []
    for net in nets:
        net[3].weight.requires_grad_(False)
    for step in range(3):
        for net, run in zip(nets, (lambda n, t: n(t), layer_by_layer)):
            out = run(net, fnn.tensor(x))
            (out * out).sum().backward()
            if step == 0:
                held.append(net[1].weight.grad)       # kept: the next step must not change it
        if step == 1:
            for net in nets:
                net.zero_grad()
    for p, q in zip(nets[0].parameters(), nets[1].parameters()):
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert nets[0][3].weight.grad is None
    np.testing.assert_array_equal(held[0].numpy(), held[1].numpy())
    assert held[0] is not nets[0][1].weight.grad


def test_a_weight_used_twice_runs_layer_by_layer(rng):
    fnn.manual_seed(2)
    net = nn.Sequential(nn.Linear(4, 4, dtype=fnn.float64), nn.ReLU(), nn.Linear(4, 4, dtype=fnn.float64))
    net[2].weight = net[0].weight                     # tied: its gradient is the sum of two
    x = fnn.tensor(rng.standard_normal((3, 4)), dtype=fnn.float64)
    y = net(x)
    assert y.grad_fn.name == "LinearBackward"
    y.sum().backward()
    W, b0, b2 = (a.numpy() for a in (net[0].weight, net[0].bias, net[2].bias))
    X = x.numpy()
    h = np.maximum(X @ W.T + b0, 0)
    dz = (np.ones((3, 4)) @ W) * (h > 0)
    np.testing.assert_allclose(net[0].weight.grad.numpy(), np.ones((3, 4)).T @ h + dz.T @ X,
                               rtol=1e-12)


def test_input_the_chain_cannot_take_runs_layer_by_layer(rng):
    body = mlp(np.float64)[1:]                        # the Linear layers, no Flatten
    x = fnn.tensor(rng.standard_normal((2, 3, 12)), dtype=fnn.float64)
    y = body(x)                                        # not 2-D: linear() per layer
    assert y.shape == (2, 3, 3) and y.grad_fn.name == "LinearBackward"
    np.testing.assert_allclose(y.numpy()[1], body(fnn.tensor(x.numpy()[1])).numpy(), rtol=1e-12,
                               atol=1e-15)
    with pytest.raises(ValueError, match="input has 11 features"):
        body(fnn.tensor(rng.standard_normal((2, 11)), dtype=fnn.float64))


def test_hidden_outputs_are_reused_only_when_nothing_holds_them(rng):
    net = mlp(np.float64)
    x = fnn.tensor(rng.standard_normal((4, 12)), dtype=fnn.float64)
    y = net(x)
    kept = y.grad_fn.ys[0]                             # something still holds this one
    others = [id(a) for a in y.grad_fn.ys[1:-1]]       # ids only: holding them would keep them
    before = kept.copy()
    y.sum().backward()                                 # release: the others go back to the pool
    y2 = net(x)
    again = y2.grad_fn.ys[:-1]
    assert all(a is not kept for a in again)
    assert sorted(id(a) for a in again[1:]) == sorted(others)
    np.testing.assert_array_equal(kept, before)
    np.testing.assert_array_equal(y2.numpy(), y.numpy())
    y2.sum().backward()


def test_functional_linear_chain(rng):
    net = mlp(np.float64)
    x = fnn.tensor(rng.standard_normal((5, 12)), dtype=fnn.float64)
    lins = [net[1], net[3], net[5], net[7]]
    args = ([m.weight for m in lins], [m.bias for m in lins], ["relu", "tanh", "leaky_relu", None],
            [0.01, 0.01, 0.1, 0.01])
    y = F.linear_chain(x, *args)
    assert y.grad_fn.name == "LinearChainBackward"
    np.testing.assert_array_equal(y.numpy(), net(x).numpy())
    w = nn.Parameter(fnn.tensor(rng.standard_normal((3, 3)), dtype=fnn.float64))
    tied = F.linear_chain(y, [w, w], [None, None], [None, None], [0, 0])
    assert tied.grad_fn.name == "LinearBackward"          # a weight used twice: layer by layer
