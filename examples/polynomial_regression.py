"""Polynomial regression: good fit (4 features), under-fit (2), over-fit (all
20) on y = 5 + 1.2x − 3.4x²/2! + 5.6x³/3! + ε (d2l 4.4); prints the learned
weights and plots train/test loss."""
import numpy as np

import fastnn as torch
from fastnn import nn, optim
from fastnn.data import DataLoader
from fastnn.datasets import polynomial_data

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
true_w, features, poly_features, labels = polynomial_data(seed=a.seed)
n_train = 100


def evaluate_loss(net, X, y, loss):
    with torch.no_grad():
        return float(loss(net(X), y.reshape(-1, 1)).mean())


def train(train_features, test_features, train_labels, test_labels, num_epochs):
    loss = nn.MSELoss(reduction="none")
    net = nn.Sequential(nn.Linear(train_features.shape[-1], 1, bias=False))
    batch_size = min(10, train_labels.shape[0])
    train_iter = DataLoader((train_features, train_labels.reshape(-1, 1)), batch_size=batch_size,
                            shuffle=True, seed=a.seed)
    trainer = optim.SGD(net.parameters(), lr=0.01)
    Xtr, ytr = torch.from_numpy(train_features), torch.from_numpy(train_labels)
    Xte, yte = torch.from_numpy(test_features), torch.from_numpy(test_labels)
    curve = []
    for epoch in range(num_epochs):
        for X, y in train_iter:
            l = loss(net(X), y)
            trainer.zero_grad()
            l.mean().backward()
            trainer.step()
        if epoch == 0 or (epoch + 1) % 20 == 0:
            curve.append((epoch + 1, evaluate_loss(net, Xtr, ytr, loss), evaluate_loss(net, Xte, yte, loss)))
    print("weight:", np.round(net[0].weight.data.numpy(), 3))
    return curve


epochs = 400
results = {}
for name, k, e in (("good fit (4 features)", 4, epochs), ("under-fit (2 features)", 2, epochs),
                   ("over-fit (20 features)", 20, 1500)):
    print(f"--- {name}")
    curve = train(poly_features[:n_train, :k], poly_features[n_train:, :k],
                  labels[:n_train], labels[n_train:], e)
    results[name] = curve
    print(f"final train loss {curve[-1][1]:.4f}, test loss {curve[-1][2]:.4f}")

try:
    from fastnn import plot
    plt = plot._pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(11, 3))
    for ax, (name, curve) in zip(axes, results.items()):
        ep, tr, te = zip(*curve)
        ax.semilogy(ep, tr, label="train")
        ax.semilogy(ep, te, "--", label="test")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("epoch")
        ax.legend()
    fig.savefig(f"{a.out}/polynomial_regression.png", dpi=80, bbox_inches="tight")
except ImportError:
    print("matplotlib not installed: no plot")
