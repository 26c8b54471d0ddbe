"""Concise linear regression (d2l 3.3): nn.Sequential(nn.Linear(2, 1)) in its
three forms (positional, add_module, OrderedDict), nn.MSELoss, optim.SGD."""
from collections import OrderedDict

import fastnn as torch
from fastnn import nn, optim
from fastnn.data import DataLoader, TensorDataset
from fastnn.datasets import synthetic_linear

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
true_w, true_b = torch.tensor([2, -3.4]), 4.2
features, labels = synthetic_linear(true_w, true_b, 1000, noise=0.01, seed=a.seed)
data_iter = DataLoader(TensorDataset(features, labels), batch_size=10, shuffle=True, seed=a.seed)

forms = {
    "positional": lambda: nn.Sequential(nn.Linear(2, 1)),
    "add_module": lambda: (lambda s: (s.add_module("linear", nn.Linear(2, 1)), s)[1])(nn.Sequential()),
    "OrderedDict": lambda: nn.Sequential(OrderedDict([("linear", nn.Linear(2, 1))])),
}
for name, make in forms.items():
    net = make()
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    loss = nn.MSELoss()
    trainer = optim.SGD(net.parameters(), lr=0.03)
    for epoch in range(3):
        for X, y in data_iter:
            l = loss(net(X), y)
            trainer.zero_grad()
            l.backward()
            trainer.step()
        l = loss(net(features), labels)
        print(f"[{name}] epoch {epoch + 1}, loss {l.item():f}")
    w = net[0].weight.data
    b = net[0].bias.data
    w_err = float(abs(true_w - w.reshape(true_w.shape)).max())
    b_err = abs(true_b - b.item())
    print(f"[{name}] max |w - w_true| = {w_err:.5f}, |b - b_true| = {b_err:.5f}")
