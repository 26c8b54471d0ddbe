"""fastnn.ops against PyTorch's CPU kernels and autograd (skipped without torch)."""
import numpy as np
import pytest

from fastnn import ops

from conftest import ACTIVATIONS, DTYPES

torch = pytest.importorskip("torch", reason="PyTorch is not installed: parity tests skipped")
F = torch.nn.functional

TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-11, atol=1e-12)}


def torch_act(z, activation, slope=0.01):
    return {None: lambda t: t, "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
            "leaky_relu": lambda t: F.leaky_relu(t, slope)}[activation](z)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("M,K,N", [(1, 784, 256), (7, 13, 5), (64, 784, 256), (33, 100, 10)])
def test_linear_forward_and_backward_match_torch(simd, rng, M, K, N, activation, dtype):
    x = rng.standard_normal((M, K)).astype(dtype)
    w = (rng.standard_normal((N, K)) / np.sqrt(K)).astype(dtype)
    b = rng.standard_normal(N).astype(dtype)
    g = rng.standard_normal((M, N)).astype(dtype)

    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch_act(F.linear(tx, tw, tb), activation)
    ty.backward(torch.from_numpy(g))

    y = ops.linear(x, w, b, activation=activation)
    gx, gw, gb = ops.linear_backward(g, x, w, saved=y, activation=activation)
    np.testing.assert_allclose(y, ty.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(gx, tx.grad.numpy(), **TOL[dtype])
    np.testing.assert_allclose(gw, tw.grad.numpy(), **TOL[dtype])
    np.testing.assert_allclose(gb, tb.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_matmul_matches_torch(simd, rng, ta, tb, dtype):
    a = rng.standard_normal((31, 47)).astype(dtype)
    b = rng.standard_normal((47, 29) if not ta else (31, 29)).astype(dtype)
    if tb:
        b = np.ascontiguousarray(b.T)
    ta_, tb_ = torch.from_numpy(a), torch.from_numpy(b)
    want = (ta_.T if ta else ta_) @ (tb_.T if tb else tb_)
    got = ops.matmul(a, b, transpose_a=ta, transpose_b=tb)
    np.testing.assert_allclose(got, want.numpy(), **TOL[dtype])
