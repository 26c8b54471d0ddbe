"""Weight decay (d2l 4.5) on high-dimensional linear regression (200 inputs,
20 training samples): from scratch with l2_penalty and concise with
weight_decay on the weight's parameter group only; λ = 0 over-fits, λ > 0
shrinks ‖w‖ and the test loss."""
import fastnn as torch
from fastnn import nn, optim
from fastnn.data import DataLoader
from fastnn.datasets import high_dim_linear

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
(train_X, train_y), (test_X, test_y) = high_dim_linear(seed=a.seed)
num_inputs, batch_size = 200, 5
train_iter = DataLoader((train_X, train_y), batch_size=batch_size, shuffle=True, seed=a.seed)
num_epochs = 100 if not a.quick else 50


def evaluate_loss(net, X, y):
    with torch.no_grad():
        return float(((net(X) - y) ** 2 / 2).mean())


def l2_penalty(w):
    return torch.sum(w ** 2) / 2


def train_scratch(lambd):
    w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    net = lambda X: torch.matmul(X, w) + b        # noqa: E731
    for epoch in range(num_epochs):
        for X, y in train_iter:
            l = (net(X) - y) ** 2 / 2 + lambd * l2_penalty(w)
            l.sum().backward()
            with torch.no_grad():
                for p in (w, b):
                    p -= 0.003 * p.grad / batch_size
                    p.grad.zero_()
    norm = float(w.norm())
    print(f"[scratch] lambda={lambd}: L2 norm of w {norm:.4f}, train loss "
          f"{evaluate_loss(net, train_X, train_y):.4f}, test loss {evaluate_loss(net, test_X, test_y):.4f}")
    return norm, evaluate_loss(net, test_X, test_y)


def train_concise(wd):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    for param in net.parameters():
        param.data.normal_()
    trainer = optim.SGD([{"params": net[0].weight, "weight_decay": wd},
                         {"params": net[0].bias}], lr=0.003)
    loss = nn.MSELoss(reduction="none")
    for epoch in range(num_epochs):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
    norm = float(net[0].weight.norm())
    print(f"[concise] weight_decay={wd}: L2 norm of w {norm:.4f}, test loss "
          f"{evaluate_loss(net, test_X, test_y):.4f}")
    return norm, evaluate_loss(net, test_X, test_y)


n0, t0 = train_scratch(0)
n3, t3 = train_scratch(3)
c0, _ = train_concise(0)
c3, _ = train_concise(3)
print(f"weight decay shrinks ||w||: scratch {n0:.3f} -> {n3:.3f}, concise {c0:.3f} -> {c3:.3f}")
