"""Optimiser comparison on one task (d2l 11 in brief): SGD, SGD with
momentum, Adagrad, RMSprop and Adam training the same MLP from the same
initial weights on the same batches; prints the final losses and saves the
curves."""
import copy

import fastnn as torch
from fastnn import d2l
from fastnn import nn, optim

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
train_iter, test_iter = d2l.load_data_fashion_mnist(256, n_train=a.n_train, n_test=a.n_test)
epochs = 5 if not a.quick else 2
base = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
start = copy.deepcopy(base.state_dict())
choices = {
    "SGD lr 0.1": lambda p: optim.SGD(p, lr=0.1),
    "momentum 0.9": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.05),
    "RMSprop": lambda p: optim.RMSprop(p, lr=0.001),
    "Adam": lambda p: optim.Adam(p, lr=0.001),
}
loss_fn = nn.CrossEntropyLoss()
curves = {}
for name, make in choices.items():
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    net.load_state_dict(start)
    opt = make(net.parameters())
    losses = []
    for epoch in range(epochs):
        for X, y in train_iter:
            l = loss_fn(net(X), y)
            opt.zero_grad()
            l.backward()
            opt.step()
            losses.append(l.item())
    curves[name] = losses
    print(f"{name:13s}: final batch loss {sum(losses[-10:]) / 10:.4f}")
try:
    from fastnn import plot
    import numpy as np
    n = min(len(v) for v in curves.values())
    smooth = {k: np.convolve(v[:n], np.ones(10) / 10, mode="valid") for k, v in curves.items()}
    plot.plot_functions(np.arange(len(next(iter(smooth.values())))), smooth,
                        f"{a.out}/optimizer_comparison.png", xlabel="step", ylabel="loss")
    print(f"saved {a.out}/optimizer_comparison.png")
except ImportError:
    pass
