"""The examples' command line (--quick, --seed, --out) and the port back to
PyTorch. The chapters' helpers (loaders, train_ch3, predict_ch3, ...) come
from fastnn.d2l, as they come from d2l.torch in the chapters.

pytorch_version writes a script with its imports switched back to PyTorch
and to the d2l package; beside it, a stand-in d2l/torch.py that is fastnn.d2l
working on PyTorch (fastnn.d2l.use(torch)), so the original runs without
the d2l package. That is how the tests and bench/examples run each example
unchanged under PyTorch."""
import argparse
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))

QUICK_FASHION_MNIST = {"n_train": 6000, "n_test": 2000}


def args(description, extra=None):
    """The parsed command line. With --quick, a.n_train and a.n_test keep the
    first 6000 training and 2000 test images (else None: all of them). The
    d2l helpers' figures (animator.png, predict_ch3.png) go to --out."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--quick", action="store_true", help="small sizes and few epochs (for CI)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the weights, the batches and the data draws")
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="folder for the plots")
    if extra:
        extra(ap)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    os.environ["FASTNN_D2L_FIGURES"] = a.out
    for name, n in QUICK_FASHION_MNIST.items():
        setattr(a, name, n if a.quick else None)
    return a


D2L_ON_PYTORCH = '''"""d2l.torch for this folder: fastnn.d2l's helpers on PyTorch."""
import torch
from fastnn import d2l as _d2l
from fastnn.d2l import *  # noqa: F401,F403
_d2l.use(torch)
__getattr__ = _d2l.__getattr__
'''


def pytorch_version(script, folder):
    """Write `script` with its fastnn imports switched back (the port's only
    change: `import fastnn as torch` -> `import torch`, `from fastnn import
    d2l` -> `from d2l import torch as d2l`, `from fastnn[.x] import` ->
    `from torch[.x] import`) into folder, beside a copy of this file and the
    stand-in d2l package, and return its path."""
    import shutil
    with open(script) as f:
        src = f.read().splitlines()
    switch = re.compile(r"^(import|from) fastnn\b")
    lines = ["from d2l import torch as d2l" if l == "from fastnn import d2l" else
             switch.sub(lambda m: f"{m.group(1)} torch", l).replace("import torch as torch", "import torch")
             for l in src]
    shutil.copy(os.path.join(HERE, "_common.py"), folder)
    os.makedirs(os.path.join(folder, "d2l"), exist_ok=True)
    with open(os.path.join(folder, "d2l", "__init__.py"), "w"):
        pass
    with open(os.path.join(folder, "d2l", "torch.py"), "w") as f:
        f.write(D2L_ON_PYTORCH)
    path = os.path.join(folder, "torch_" + os.path.basename(script))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path
