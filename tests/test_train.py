"""fastnn.train: fit on a separable problem, the NaN stop, resume to the
same weights bit for bit, callbacks, evaluate / predict."""
import os

import numpy as np
import pytest

import fastnn as fnn
from fastnn import data, nn, optim, train
from fastnn.optim import lr_scheduler


def blobs(n=240, seed=0):
    """Three well separated clusters in 2-D."""
    rng = np.random.default_rng(seed)
    centers = np.array([[4.0, 0.0], [-4.0, 0.0], [0.0, 4.0]])
    y = rng.integers(0, 3, n)
    X = (centers[y] + rng.normal(0, 0.5, (n, 2))).astype(np.float32)
    return X, y


def model(seed=0, dropout=0.0):
    fnn.manual_seed(seed)
    layers = [nn.Linear(2, 16), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(16, 3))
    return nn.Sequential(*layers)


def test_fit_reaches_full_accuracy_and_reports_history():
    X, y = blobs()
    net = model()
    opt = optim.SGD(net.parameters(), lr=0.1)
    tr = data.DataLoader((X, y), batch_size=32, shuffle=True, seed=1)
    h = train.fit(net, nn.CrossEntropyLoss(), opt, tr, 15, val_data=data.DataLoader((X, y), batch_size=64),
                  metrics=("accuracy", "qmean"), progress=False)
    assert len(h) == 15
    assert h["accuracy"][-1] == 1.0 and h["val_accuracy"][-1] == 1.0
    assert h["loss"][-1] < h["loss"][0]
    assert 0.9 < h["val_qmean"][-1] <= 1.0
    for key in ("lr", "seconds", "samples_per_s", "val_loss"):
        assert key in h.epochs[0]
    res = train.evaluate(net, nn.CrossEntropyLoss(), data.DataLoader((X, y), batch_size=100))
    assert res["accuracy"] == 1.0
    proba = train.predict_proba(net, X)
    assert proba.shape == (240, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert (proba.argmax(1) == y).all()
    assert net.training                               # evaluate put the mode back


def test_nan_loss_stops_with_epoch_and_step():
    X, y = blobs()
    net = model()
    opt = optim.SGD(net.parameters(), lr=1e30)
    with pytest.raises(FloatingPointError, match=r"at epoch 1, step \d+"):
        train.fit(net, nn.CrossEntropyLoss(), opt, data.DataLoader((X, y), batch_size=16), 3,
                  progress=False)


def run(tmp, epochs, resume=None, save_every=False):
    X, y = blobs(seed=3)
    net = model(seed=4, dropout=0.2)
    opt = optim.Adam(net.parameters(), lr=0.01)
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    tr = data.DataLoader((X, y), batch_size=32, shuffle=True, seed=5)
    cbs = [train.ModelCheckpoint(os.path.join(tmp, "ckpt-{epoch}.npz"))] if save_every else []
    h = train.fit(net, nn.CrossEntropyLoss(), opt, tr, epochs, scheduler=sched, callbacks=cbs,
                  progress=False, resume=resume)
    return net, h


def test_resume_gives_the_same_weights_bit_for_bit(tmp_path):
    tmp = str(tmp_path)
    straight, h_full = run(tmp, 6, save_every=True)
    resumed, h_res = run(tmp, 6, resume=os.path.join(tmp, "ckpt-3.npz"))
    for (name, a), b in zip(straight.named_parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert h_res["loss"] == h_full["loss"]
    assert [f for f in os.listdir(tmp) if f.startswith(".fastnn-save")] == []


def test_early_stopping_and_best_checkpoint(tmp_path):
    X, y = blobs()
    net = model()
    opt = optim.SGD(net.parameters(), lr=0.0)        # nothing improves
    es = train.EarlyStopping(monitor="loss", patience=2)
    best = os.path.join(str(tmp_path), "best.npz")
    ck = train.ModelCheckpoint(best, monitor="loss", save_best_only=True)
    h = train.fit(net, nn.CrossEntropyLoss(), opt, data.DataLoader((X, y), batch_size=32), 20,
                  callbacks=[es, ck], progress=False)
    assert len(h) == 3 and es.stopped_epoch == 2
    assert os.path.exists(best)
    with pytest.raises(ValueError, match="unknown metric"):
        train.fit(net, nn.CrossEntropyLoss(), opt, [], 1, metrics=("f1",), progress=False)


def test_progress_bar_runs(capsys):
    X, y = blobs(n=64)
    net = model()
    train.fit(net, nn.CrossEntropyLoss(), optim.SGD(net.parameters(), lr=0.1),
              data.DataLoader((X, y), batch_size=16), 1, progress=True)
    assert "epoch 1/1" in capsys.readouterr().out


@pytest.mark.slow
def test_demo_command_runs(tmp_path):
    """python -m fastnn demo: one epoch, on Fashion-MNIST if installed, else on
    the synthetic stand-in; prints the test accuracy and writes the curves."""
    import subprocess
    import sys
    out = str(tmp_path / "demo.png")
    r = subprocess.run([sys.executable, "-m", "fastnn", "demo", "--epochs", "1", "--no-progress",
                        "--out", out], capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "test accuracy after 1 epochs" in r.stdout
    assert os.path.exists(out)
