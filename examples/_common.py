"""What the examples share, in the role d2l's helpers play in the chapters:
the command line (--quick, --seed, --out), the Fashion-MNIST loaders,
train_ch3 and predict_ch3.

The helpers follow the library the script calls `torch`: a script with
`import fastnn as torch` gets fastnn loaders and fastnn.train.fit;
the same script with `import torch` (see pytorch_version) gets PyTorch's
DataLoader and a plain PyTorch loop doing the same work. That is how the
examples run unchanged under PyTorch, for the tests and for the timing
beside PyTorch in bench/examples.py."""
import argparse
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def args(description, extra=None):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help="small sizes and few epochs (for CI)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the weights, the batches and the data draws")
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="folder for the plots")
    if extra:
        extra(ap)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    return a


def uses_pytorch():
    """True when the name `torch` in the running script is PyTorch itself
    (`import torch`), False when it is fastnn (`import fastnn as torch`)."""
    lib = getattr(sys.modules.get("__main__"), "torch", None)
    return getattr(lib, "__name__", "") == "torch"


def fashion_mnist(quick, batch_size=256, seed=0):
    """d2l.load_data_fashion_mnist: (train_iter, test_iter), images scaled to
    [0, 1] float32, the training batches shuffled. Without the data set
    installed, synthetic images of the same shape (said on stdout). --quick
    keeps 6000 training and 2000 test images."""
    from fastnn import datasets
    try:
        (X, y), (Xt, yt) = datasets.load_fashion_mnist()
    except datasets.DatasetNotFoundError as e:
        from fastnn.demo import synthetic_images
        print(f"note: {str(e).split(':')[0]}; using synthetic images of the same shape")
        (X, y), (Xt, yt) = synthetic_images(12000 if quick else 60000, 2000 if quick else 10000)
    if quick:
        X, y, Xt, yt = X[:6000], y[:6000], Xt[:2000], yt[:2000]
    if uses_pytorch():
        # what torchvision's ToTensor gives: float32 N x 1 x 28 x 28 in [0, 1]
        import torch
        from torch.utils.data import DataLoader, TensorDataset
        as_images = lambda a: torch.from_numpy(a.reshape(-1, 1, 28, 28).astype("float32") / 255)  # noqa: E731
        return (DataLoader(TensorDataset(as_images(X), torch.from_numpy(y)), batch_size, shuffle=True),
                DataLoader(TensorDataset(as_images(Xt), torch.from_numpy(yt)), 1024))
    from fastnn.data import DataLoader
    return (DataLoader((X, y), batch_size=batch_size, shuffle=True, seed=seed),
            DataLoader((Xt, yt), batch_size=1024))


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater, scheduler=None):
    """d2l.train_ch3: train for num_epochs and return a fastnn.train.History
    with the mean training loss, training accuracy, test accuracy, learning
    rate and seconds of each epoch. On fastnn this is fastnn.train.fit; on
    PyTorch the chapter's loop, recording the same figures."""
    from fastnn import train
    if not uses_pytorch():
        return train.fit(net, loss, updater, train_iter, num_epochs, val_data=test_iter,
                         scheduler=scheduler, progress=False)
    import torch
    epochs = []
    for _ in range(num_epochs):
        start = time.perf_counter()
        lr = updater.param_groups[0]["lr"]
        net.train()
        total_loss, correct, n = 0.0, 0, 0
        for X, y in train_iter:
            y_hat = net(X)
            l = loss(y_hat, y)
            updater.zero_grad()
            l.mean().backward()
            updater.step()
            total_loss += float(l.sum()) if l.ndim else float(l) * len(y)
            correct += int((y_hat.argmax(1) == y).sum())
            n += len(y)
        if scheduler is not None:
            scheduler.step()
        epochs.append({"loss": total_loss / n, "accuracy": correct / n,
                       "val_accuracy": evaluate_accuracy(net, test_iter), "lr": lr,
                       "seconds": time.perf_counter() - start})
    return train.History(epochs)


def evaluate_accuracy(net, data_iter):
    """d2l.evaluate_accuracy_gpu on the CPU: the fraction of data_iter
    classified right, with the net in eval mode."""
    torch = sys.modules["torch"] if uses_pytorch() else __import__("fastnn")
    net.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for X, y in data_iter:
            correct += int((net(X).argmax(1) == y).sum())
            n += len(y)
    return correct / n


def predict_ch3(net, X):
    """The predicted class of each row of X (a numpy int64 array)."""
    torch = sys.modules["torch"] if uses_pytorch() else __import__("fastnn")
    net.eval()
    with torch.no_grad():
        return net(X).argmax(1).numpy()


def get_fashion_mnist_labels(labels):
    """d2l.get_fashion_mnist_labels: the class names of integer labels."""
    from fastnn.datasets import get_fashion_mnist_labels as names
    return names(labels)


def pytorch_version(script, folder):
    """Write `script` with its fastnn imports switched back to PyTorch (the
    port's only change: `import fastnn as torch` -> `import torch`, `from
    fastnn[.x] import` -> `from torch[.x] import`) into folder, beside a copy
    of this file, and return its path."""
    import shutil
    with open(script) as f:
        src = f.read().splitlines()
    switch = re.compile(r"^(import|from) fastnn\b")
    lines = [switch.sub(lambda m: f"{m.group(1)} torch", l).replace("import torch as torch", "import torch")
             for l in src]
    shutil.copy(os.path.join(HERE, "_common.py"), folder)
    path = os.path.join(folder, "torch_" + os.path.basename(script))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path
