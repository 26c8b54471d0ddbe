"""Perceptron vs MLP on XOR (d2l 4.1): the perceptron's update-on-mistakes
rule never separates XOR; a 2-8-2 ReLU MLP learns it."""
import fastnn as torch
from fastnn import nn, optim
from fastnn.datasets import xor

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
X, y = xor()
print("XOR inputs:\n", X, "\nlabels:", y)

# the perceptron: w, b updated only on mistakes (labels in {-1, +1})
w, b = torch.zeros(2), 0.0
signs = y.float() * 2 - 1
for epoch in range(100):
    mistakes = 0
    for xi, yi in zip(X, signs):
        if float(yi * (xi @ w + b)) <= 0:
            w, b = w + yi * xi, b + float(yi)
            mistakes += 1
    if mistakes == 0:
        break
pred = ((X @ w + b) > 0).long()
perceptron_acc = float((pred == y).float().mean())
print(f"perceptron after {epoch + 1} epochs: w={w.tolist()}, b={b}, accuracy {perceptron_acc:.2f}")

net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
opt = optim.Adam(net.parameters(), lr=0.05)
loss_fn = nn.CrossEntropyLoss()
for step in range(300 if not a.quick else 200):
    l = loss_fn(net(X), y)
    opt.zero_grad()
    l.backward()
    opt.step()
mlp_acc = float((net(X).argmax(1) == y).float().mean())
print(f"MLP 2-8-2: loss {l.item():.4f}, accuracy {mlp_acc:.2f}")
print(f"XOR solved by the MLP: {mlp_acc == 1.0}; by the perceptron: {perceptron_acc == 1.0}")
