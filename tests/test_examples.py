"""Every example runs with --quick and its output shows the claim it makes.

The scripts live in the source checkout's examples/ folder: against an
installed package, with tests/ copied elsewhere, this module skips."""
import os
import re
import subprocess
import sys

import pytest

from conftest import EXAMPLES_DIR as EXAMPLES
from fastnn import datasets
from fastnn.demo import synthetic_images

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(EXAMPLES is None, reason="the example scripts are part of the source "
                                                "checkout (examples/ beside tests/), not of the package"),
]


@pytest.fixture(scope="module", autouse=True)
def fashion_mnist():
    """Fashion-MNIST for the examples: the installed files where they are,
    else stand-in files of the same shape (6000 + 2000 prototype images,
    what --quick reads) through $FASTNN_DATA, for this module's runs."""
    before = os.environ.get("FASTNN_DATA")
    try:
        yield datasets.fashion_mnist_dir()
    except datasets.DatasetNotFoundError:
        import tempfile
        with tempfile.TemporaryDirectory(prefix="fastnn-fashion-") as folder:
            datasets.save_fashion_mnist(folder, *synthetic_images(6000, 2000))
            os.environ["FASTNN_DATA"] = folder
            try:
                yield folder
            finally:
                if before is None:
                    del os.environ["FASTNN_DATA"]
                else:
                    os.environ["FASTNN_DATA"] = before


def run(name, tmp_path, *extra):
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), "--quick", "--out", str(tmp_path)]
                       + list(extra), cwd=EXAMPLES, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def numbers(pattern, text):
    return [float(v) for v in re.findall(pattern, text)]


def test_linear_regression_scratch(tmp_path):
    out = run("linear_regression_scratch.py", tmp_path)
    w_err, b_err = [float(v) for v in re.findall(r"max \|w - w_true\| = ([\d.]+), \|b - b_true\| = ([\d.]+)", out)[0]]
    assert w_err < 0.05 and b_err < 0.05


def test_linear_regression_concise_three_forms(tmp_path):
    out = run("linear_regression_concise.py", tmp_path)
    errs = re.findall(r"\[(\w+)\] max \|w - w_true\| = ([\d.]+), \|b - b_true\| = ([\d.]+)", out)
    assert [e[0] for e in errs] == ["positional", "add_module", "OrderedDict"]
    assert all(float(w) < 0.05 and float(b) < 0.05 for _, w, b in errs)


def test_seed_flag_reproduces_a_run(tmp_path):
    """--seed picks the weights, batches and data draws: the same seed prints
    the same figures, another seed others."""
    first = run("mlp_fashion_mnist.py", tmp_path, "--seed", "3")
    assert run("mlp_fashion_mnist.py", tmp_path, "--seed", "3") == first
    assert run("mlp_fashion_mnist.py", tmp_path, "--seed", "4") != first


def test_xor(tmp_path):
    out = run("xor_perceptron_vs_mlp.py", tmp_path)
    assert "XOR solved by the MLP: True; by the perceptron: False" in out


def test_polynomial_fits(tmp_path):
    out = run("polynomial_regression.py", tmp_path)
    test_losses = numbers(r"final train loss [\d.]+, test loss ([\d.]+)", out)
    good, under, over = test_losses
    assert over > good and under > good
    w = numbers(r"-?\d+\.\d+", out.split("--- good fit")[1].split("final")[0])
    assert max(abs(a - b) for a, b in zip(w[0:4], [5, 1.2, -3.4, 5.6])) < 0.5
    assert os.path.exists(os.path.join(str(tmp_path), "polynomial_regression.png"))


def test_weight_decay_shrinks_norm(tmp_path):
    out = run("weight_decay.py", tmp_path)
    s0, s3, c0, c3 = [float(v) for v in re.findall(r"scratch ([\d.]+) -> ([\d.]+), concise ([\d.]+) -> ([\d.]+)", out)[0]]
    assert s3 < s0 and c3 < c0


def test_one_step_walkthrough(tmp_path):
    out = run("one_step_walkthrough.py", tmp_path)
    assert "gradients:" in out and "decreased = True" in out


def test_net_3_5_5_3_1(tmp_path):
    out = run("net_3_5_5_3_1.py", tmp_path)
    test_loss, variance = [float(v) for v in
                           re.findall(r"test loss ([\d.]+) \(the target's variance is ([\d.]+)\)", out)[0]]
    assert test_loss < 0.2 * variance
    assert "0.weight: shape (5, 3)" in out and "6.bias: shape (1,)" in out


def test_activation_plots(tmp_path):
    out = run("activation_plots.py", tmp_path)
    assert "sigmoid: at x = 0 value 0.500, max slope 0.250" in out
    assert os.path.exists(os.path.join(str(tmp_path), "activation_plots.png"))


def check_softmax_regression(out, tmp_path):
    scratch, concise = [float(v) for v in re.findall(r"test accuracy: scratch ([\d.]+), concise ([\d.]+)", out)[0]]
    assert scratch > 0.5 and concise > 0.5          # 10 classes: chance is 0.1


def check_mlp_fashion_mnist(out, tmp_path):
    scratch, concise = [float(v) for v in re.findall(r"test accuracy: scratch ([\d.]+), concise ([\d.]+)", out)[0]]
    assert scratch > 0.3 and concise > 0.3
    assert os.path.exists(os.path.join(str(tmp_path), "predict_ch3.png"))


def check_dropout(out, tmp_path):
    assert "[0., 0., 0., 0., 0., 0., 0., 0.]" in out              # p = 1 zeros everything
    accs = [float(v) for v in re.findall(r"test acc ([\d.]+)", out)]
    assert len(accs) == 2 and min(accs) > 0.15


def check_optimizer_comparison(out, tmp_path):
    losses = dict(re.findall(r"^(.+?)\s*: final batch loss ([\d.]+)", out, re.M))
    assert set(losses) == {"SGD lr 0.1", "momentum 0.9", "Adagrad", "RMSprop", "Adam"}
    assert all(float(v) < 2.3 for v in losses.values())        # all below the untrained log(10)
    assert os.path.exists(os.path.join(str(tmp_path), "optimizer_comparison.png"))


def check_lr_schedule(out, tmp_path):
    assert "lr per epoch [0.4, 0.4, 0.2, 0.2]" in out
    accs = [float(v) for v in re.findall(r"test acc ([\d.]+)", out)]
    assert len(accs) == 2 and min(accs) > 0.5


FASHION_MNIST_CHECKS = {
    "softmax_regression.py": check_softmax_regression,
    "mlp_fashion_mnist.py": check_mlp_fashion_mnist,
    "dropout.py": check_dropout,
    "optimizer_comparison.py": check_optimizer_comparison,
    "lr_schedule.py": check_lr_schedule,
}


@pytest.mark.parametrize("name", sorted(FASHION_MNIST_CHECKS))
def test_fashion_mnist_example(tmp_path, name):
    FASHION_MNIST_CHECKS[name](run(name, tmp_path), tmp_path)


def test_kfold_model_selection(tmp_path):
    out = run("kfold_model_selection.py", tmp_path)
    scores = {int(k): float(v) for k, v in re.findall(r"(\d+) features: mean validation loss over 5 folds ([\d.]+)", out)}
    best = int(re.search(r"chosen number of features: (\d+)", out).group(1))
    assert best == min(scores, key=scores.get)
    assert scores[1] > scores[best] and 3 <= best <= 6     # under-fitting models are not chosen


def _search_scores(out):
    return {(int(h), float(al)): float(v) for h, al, v in re.findall(
        r"hidden +(\d+), alpha ([\d.e+-]+): mean validation accuracy over \d folds ([\d.]+)", out)}


def test_sklearn_model_selection_the_same_on_dask(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn is not installed")
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    serial = run("sklearn_model_selection.py", tmp_path)
    scores = _search_scores(serial)
    chosen = re.search(r"chosen: hidden (\d+), alpha ([\d.e+-]+)", serial)
    assert len(scores) == 4
    assert (int(chosen.group(1)), float(chosen.group(2))) == max(scores, key=scores.get)
    dask = run("sklearn_model_selection.py", tmp_path, "--backend", "dask")
    assert _search_scores(dask) == scores          # the same fits, bit for bit
    assert re.search(r"chosen: .*", dask).group(0) == re.search(r"chosen: .*", serial).group(0)


def test_ray_tune_example(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn is not installed")
    pytest.importorskip("ray.tune", reason="the ray extra is not installed")
    out = run("ray_tune_mlp.py", tmp_path)
    scores = _search_scores(out)
    chosen = re.search(r"chosen: hidden (\d+), alpha ([\d.e+-]+); test accuracy ([\d.]+)", out)
    assert len(scores) == 4
    assert (int(chosen.group(1)), float(chosen.group(2))) == max(scores, key=scores.get)
    assert float(chosen.group(3)) > 0.5


def test_initialization_gradient_norms(tmp_path):
    out = run("initialization.py", tmp_path)
    first = {(a, i): float(n) for a, i, n in
             re.findall(r"^(\w+)\s+(N\(0, 0\.01\)|Xavier|He)\s+grad norm, first layer ([\d.e+-]+)", out, re.M)}
    assert first[("relu", "He")] > 1e3 * first[("relu", "N(0, 0.01)")]   # small weights vanish
    assert first[("relu", "Xavier")] > first[("sigmoid", "Xavier")]


def run_under_pytorch(name, tmp_path):
    """The example with its fastnn imports switched back to PyTorch (the
    port's only change), run with --quick; its stdout."""
    pytest.importorskip("torch", reason="PyTorch is not installed")
    sys.path.insert(0, EXAMPLES)
    try:
        from _common import pytorch_version
    finally:
        sys.path.remove(EXAMPLES)
    path = pytorch_version(os.path.join(EXAMPLES, name), str(tmp_path))
    r = subprocess.run([sys.executable, path, "--quick", "--out", str(tmp_path)], cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


@pytest.mark.parametrize("name", sorted(FASHION_MNIST_CHECKS))
def test_fashion_mnist_example_runs_unchanged_under_pytorch(tmp_path, name):
    """The same script on PyTorch (the original) makes the same claims."""
    FASHION_MNIST_CHECKS[name](run_under_pytorch(name, tmp_path), tmp_path)


@pytest.mark.parametrize("name", ["linear_regression_scratch.py", "one_step_walkthrough.py"])
def test_same_code_runs_under_pytorch(tmp_path, name):
    """Only the imports differ: the original PyTorch code runs and agrees."""
    theirs = run_under_pytorch(name, tmp_path)
    ours = run(name, tmp_path)
    if name == "one_step_walkthrough.py":
        pick = lambda out: [float(v) for v in re.findall(r"new loss ([\d.]+) \(was ([\d.]+)\)", out)[0]]  # noqa: E731
        assert pick(theirs) == pytest.approx(pick(ours), rel=1e-5)
    else:
        w_err = float(re.findall(r"max \|w - w_true\| = ([\d.]+)", theirs)[0])
        assert w_err < 0.05
