"""K-fold model selection (d2l 4.4): 5-fold cross-validation chooses the
polynomial degree (number of features) for the polynomial data; the chosen
model is then scored on the held-out test set."""
import numpy as np

import fastnn as torch
from fastnn import nn, optim
from fastnn.data import DataLoader, KFold
from fastnn.datasets import polynomial_data

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
_, _, feats, labels = polynomial_data(seed=a.seed + 1)
X_all, y_all = feats[:100], labels[:100]
X_test, y_test = feats[100:], labels[100:]
epochs = 200 if not a.quick else 80


def fit_and_score(Xtr, ytr, Xva, yva):
    net = nn.Linear(Xtr.shape[1], 1, bias=False)
    opt = optim.SGD(net.parameters(), lr=0.01)
    loader = DataLoader((Xtr, ytr.reshape(-1, 1)), batch_size=10, shuffle=True, seed=a.seed)
    loss = nn.MSELoss()
    for _ in range(epochs):
        for xb, yb in loader:
            l = loss(net(xb), yb)
            opt.zero_grad()
            l.backward()
            opt.step()
    with torch.no_grad():
        return loss(net(torch.from_numpy(Xva)), torch.from_numpy(yva.reshape(-1, 1))).item()


scores = {}
for k in (1, 2, 3, 4, 6, 10, 20):
    folds = [fit_and_score(X_all[tr, :k], y_all[tr], X_all[va, :k], y_all[va])
             for tr, va in KFold(n_splits=5, shuffle=True, seed=a.seed).split(X_all)]
    scores[k] = float(np.mean(folds))
    print(f"{k:2d} features: mean validation loss over 5 folds {scores[k]:.4f}")
best = min(scores, key=scores.get)
test = fit_and_score(X_all[:, :best], y_all, X_test[:, :best], y_test)
print(f"chosen number of features: {best}; its test loss {test:.4f}")
