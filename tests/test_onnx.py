"""fastnn.onnx.export: every exportable layer, written, checked by
onnx.checker and run in onnxruntime against fastnn's own output at a batch
size other than the example's; user Modules whose forward is a chain; the
errors that name what cannot be exported."""
import sys

import numpy as np
import pytest

import fastnn as fnn
from fastnn import nn

onnx = pytest.importorskip("onnx", reason="the onnx package is not installed (pip install onnx)")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
from fastnn import onnx as fonnx  # noqa: E402


def run_onnx(path, x):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def round_trip(model, shape, tmp_path, batch=7, opset=None, atol=1e-5):
    """Export with a batch of 3, run a batch of `batch` in onnxruntime and
    in fastnn (eval mode); the two outputs agree to atol (float32)."""
    rng = np.random.default_rng(0)
    example = rng.standard_normal((3,) + shape).astype(np.float32)
    path = tmp_path / "model.onnx"
    fonnx.export(model, fnn.tensor(example), str(path), opset=opset)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    model.eval()
    with fnn.no_grad():
        want = model(fnn.tensor(x)).numpy()
    got = run_onnx(path, x)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=atol, rtol=1e-5)
    return onnx.load(str(path))


ACTIVATIONS = {
    "ReLU": nn.ReLU(), "LeakyReLU": nn.LeakyReLU(0.2), "LeakyReLU-neg": nn.LeakyReLU(-0.3),
    "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "GELU": nn.GELU(), "GELU-tanh": nn.GELU("tanh"),
    "Softplus": nn.Softplus(), "Softplus-beta": nn.Softplus(beta=2.0, threshold=3.0),
    "Softmax": nn.Softmax(dim=1), "LogSoftmax": nn.LogSoftmax(dim=-1), "Softmax-None": nn.Softmax(),
    "Identity": nn.Identity(), "Dropout": nn.Dropout(0.5),
}


@pytest.mark.parametrize("opset", [13, 17, 20])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_layer_runs_in_onnxruntime(name, opset, tmp_path):
    fnn.manual_seed(1)
    model = nn.Sequential(nn.Linear(5, 6), ACTIVATIONS[name], nn.Linear(6, 4))
    round_trip(model, (5,), tmp_path, opset=opset)


def test_the_chapters_mlp_with_flatten_and_dropout(tmp_path):
    fnn.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(256, 10))
    proto = round_trip(model, (1, 28, 28), tmp_path, batch=11)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [1, 28, 28]
    ops = [n.op_type for n in proto.graph.node]
    assert ops == ["Flatten", "Gemm", "Relu", "Gemm", "Identity"]


def test_export_keeps_the_training_mode_and_the_output(tmp_path):
    fnn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    model.train()
    fonnx.export(model, fnn.randn(2, 4), str(tmp_path / "m.onnx"))
    assert model.training and model[1].training


def test_flatten_of_inner_dims_and_linear_on_three_dims(tmp_path):
    fnn.manual_seed(2)
    model = nn.Sequential(nn.Flatten(2, 3), nn.Linear(12, 5), nn.Tanh(), nn.Linear(5, 2, bias=False))
    proto = round_trip(model, (3, 4, 3), tmp_path)
    assert "MatMul" in [n.op_type for n in proto.graph.node]


class Chain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(6, 8), nn.GELU(), nn.Linear(8, 3)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(3, 3))

    def forward(self, x):
        return self.head(self.fc2(self.act(self.fc1(x))))


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.fc(self.act(self.fc(x)))       # the same layer twice


def test_user_modules_whose_forward_is_a_chain(tmp_path):
    fnn.manual_seed(3)
    round_trip(Chain(), (6,), tmp_path)
    proto = round_trip(nn.Sequential(Shared(), nn.Softmax(dim=1)), (4,), tmp_path)
    assert len([i for i in proto.graph.initializer if i.name.endswith("weight")]) == 1


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 3), nn.Linear(3, 3)

    def forward(self, x):
        return self.fc2(self.fc1(x) * 2)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(x) + x


class Custom(nn.Module):
    def forward(self, x):
        return x * 3


def test_what_cannot_be_exported_is_named(tmp_path):
    path = str(tmp_path / "m.onnx")
    x = fnn.randn(2, 3)
    with pytest.raises(ValueError, match=r"'1' \(Scaled\).*'1.fc2'"):
        fonnx.export(nn.Sequential(nn.Identity(), Scaled()), x, path)
    with pytest.raises(ValueError, match=r"Residual.*arithmetic after layer 'fc'"):
        fonnx.export(Residual(), x, path)
    with pytest.raises(ValueError, match=r"layer '2' \(Custom\)"):
        fonnx.export(nn.Sequential(nn.Linear(3, 3), nn.ReLU(), Custom()), x, path)
    with pytest.raises(ValueError, match=r"layer '0' \(MSELoss\)"):
        fonnx.export(nn.Sequential(nn.MSELoss()), x, path)
    with pytest.raises(TypeError, match="model must be"):
        fonnx.export(lambda t: t, x, path)
    with pytest.raises(TypeError, match="example_input"):
        fonnx.export(nn.Linear(3, 3), fnn.tensor([[1, 2, 3]]), path)
    with pytest.raises(ValueError, match="opset"):
        fonnx.export(nn.Linear(3, 3), x, path, opset=9)
    with pytest.raises(ValueError, match="input_names"):
        fonnx.export(nn.Linear(3, 3), x, path, input_names="x")
    assert not (tmp_path / "m.onnx").exists()


def test_names_fixed_batch_and_float64(tmp_path):
    fnn.manual_seed(4)
    model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
    path = str(tmp_path / "m.onnx")
    x = np.random.default_rng(5).standard_normal((4, 3)).astype(np.float32)
    fonnx.export(model, x, path, input_names=["features"], output_names=["probs"],
                 dynamic_batch=False)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["features"]
    assert [o.name for o in sess.get_outputs()] == ["probs"] and sess.get_inputs()[0].shape == [4, 3]
    with pytest.raises(Exception):                     # the batch size is fixed in the file
        sess.run(None, {"features": x[:2]})
    model64 = nn.Sequential(nn.Linear(3, 2, dtype=fnn.float64), nn.ReLU())
    fonnx.export(model64, fnn.randn(2, 3, dtype=fnn.float64), path)
    x64 = np.random.default_rng(6).standard_normal((5, 3))
    with fnn.no_grad():
        np.testing.assert_allclose(run_onnx(path, x64), model64(fnn.tensor(x64)).numpy(), atol=1e-12)


def test_without_the_onnx_package_the_error_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install onnx \(the extra "onnx" of '):
        fonnx.export(nn.Linear(2, 2), fnn.randn(1, 2), str(tmp_path / "m.onnx"))
