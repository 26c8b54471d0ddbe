"""fastnn.save / fastnn.load with .safetensors paths: the format round-trips
in fastnn, goes both ways with PyTorch's safetensors functions, is written
atomically, and refuses what it cannot hold."""
import os
import sys

import numpy as np
import pytest

import fastnn as fnn
from fastnn import nn

pytest.importorskip("safetensors", reason="the safetensors package is not installed "
                                          "(pip install safetensors)")


def mlp(seed, dtype=None):
    fnn.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7, dtype=dtype), nn.ReLU(), nn.Linear(7, 3, dtype=dtype))


@pytest.mark.parametrize("dtype", [fnn.float32, fnn.float64])
def test_state_dict_round_trip(tmp_path, dtype):
    a, b = mlp(0, dtype), mlp(1, dtype)
    path = str(tmp_path / "w.safetensors")
    fnn.save(a.state_dict(), path)
    loaded = fnn.load(path)
    assert sorted(loaded) == sorted(a.state_dict())
    b.load_state_dict(loaded)
    for (k, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert va.dtype == vb.dtype and np.array_equal(va.numpy(), vb.numpy()), k


def test_both_ways_with_pytorch(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    from safetensors.torch import load_file, save_file
    ours = mlp(2)
    path = str(tmp_path / "from_fastnn.safetensors")
    fnn.save(ours.state_dict(), path)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    theirs.load_state_dict(load_file(path))
    for k, v in ours.state_dict().items():                  # the same bits
        assert np.array_equal(theirs.state_dict()[k].numpy(), v.numpy()), k
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    with torch.no_grad(), fnn.no_grad():                   # sums in another order: 1e-6
        np.testing.assert_allclose(theirs(torch.from_numpy(x)).numpy(), ours(fnn.tensor(x)).numpy(),
                                   rtol=1e-6, atol=1e-6)
    # and back: PyTorch's file into a fresh fastnn model
    torch.manual_seed(3)
    other = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    path2 = str(tmp_path / "from_torch.safetensors")
    save_file(other.state_dict(), path2)
    model = mlp(4)
    model.load_state_dict(fnn.load(path2))
    for k, v in other.state_dict().items():
        assert np.array_equal(model.state_dict()[k].numpy(), v.numpy()), k
    with torch.no_grad(), fnn.no_grad():
        np.testing.assert_allclose(model(fnn.tensor(x)).numpy(), other(torch.from_numpy(x)).numpy(),
                                   rtol=1e-6, atol=1e-6)


def test_what_safetensors_cannot_hold_is_refused(tmp_path):
    path = str(tmp_path / "c.safetensors")
    opt = fnn.optim.SGD(mlp(0).parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match="npz"):
        fnn.save({"model": mlp(0).state_dict(), "epoch": 3}, path)
    with pytest.raises(TypeError, match="state dict"):
        fnn.save([fnn.zeros(2)], path)
    with pytest.raises(TypeError, match="must be a str"):
        fnn.save({1: fnn.zeros(2)}, path)
    with pytest.raises(TypeError):
        fnn.save(opt.state_dict(), path)
    assert not os.path.exists(path)


def test_an_interrupted_or_refused_save_keeps_the_previous_file(tmp_path):
    path = str(tmp_path / "w.safetensors")
    fnn.save(mlp(0).state_dict(), path)
    before = open(path, "rb").read()
    with pytest.raises(TypeError):
        fnn.save({"w": "text"}, path)
    assert open(path, "rb").read() == before
    assert [n for n in os.listdir(tmp_path)] == ["w.safetensors"]     # no temporary left


def test_damaged_files_raise_value_error_naming_them(tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(ValueError, match="bad.safetensors"):
        fnn.load(str(path))
    fnn.save(mlp(0).state_dict(), str(path))
    path.write_bytes(path.read_bytes()[:-10])                          # truncated
    with pytest.raises(ValueError, match="bad.safetensors"):
        fnn.load(str(path))
    with pytest.raises(FileNotFoundError):
        fnn.load(str(tmp_path / "missing.safetensors"))


def test_npz_stays_the_default(tmp_path):
    path = str(tmp_path / "w.pt")
    fnn.save(mlp(0).state_dict(), path)
    assert open(path, "rb").read(4) == b"PK\x03\x04"


def test_without_the_package_the_error_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r'pip install safetensors \(the extra "safetensors" '):
        fnn.save(mlp(0).state_dict(), str(tmp_path / "w.safetensors"))
