"""The 4-layer net 3→5→5→3→1 with ReLU on y = x0² + 2·x1 − 0.5·x2 + noise
(800 train / 200 test); prints the layers' weight and bias shapes and values
and the test loss."""
import numpy as np

import fastnn as torch
from fastnn import nn, optim
from fastnn.data import DataLoader

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, (1000, 3)).astype(np.float32)
y = (X[:, 0] ** 2 + 2 * X[:, 1] - 0.5 * X[:, 2] + rng.normal(0, 0.05, 1000)).astype(np.float32)
Xtr, ytr, Xte, yte = X[:800], y[:800, None], X[800:], y[800:, None]

net = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(),
                    nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 1))
loss_fn = nn.MSELoss()
opt = optim.Adam(net.parameters(), lr=0.01)
loader = DataLoader((Xtr, ytr), batch_size=32, shuffle=True, seed=a.seed)
epochs = 100 if not a.quick else 40
for epoch in range(epochs):
    for xb, yb in loader:
        l = loss_fn(net(xb), yb)
        opt.zero_grad()
        l.backward()
        opt.step()
    if (epoch + 1) % (epochs // 4) == 0:
        with torch.no_grad():
            print(f"epoch {epoch + 1}: train loss {loss_fn(net(torch.from_numpy(Xtr)), torch.from_numpy(ytr)).item():.4f}")
for name, p in net.named_parameters():
    print(f"{name}: shape {tuple(p.shape)}\n{np.round(p.data.numpy(), 3)}")
with torch.no_grad():
    test = loss_fn(net(torch.from_numpy(Xte)), torch.from_numpy(yte)).item()
print(f"test loss {test:.4f} (the target's variance is {float(np.var(yte)):.4f})")
