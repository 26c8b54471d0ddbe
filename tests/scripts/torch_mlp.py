"""A plain PyTorch MLP script, as a learner writes it after the chapters:
data utilities, a model, SGD with momentum and a schedule, gradient
clipping, evaluation under no_grad, and a state_dict saved and loaded. The
test runs it as written (where PyTorch is installed) and with only its
imports changed to fastnn's, and compares what it prints.

    python torch_mlp.py OUTPUT_FOLDER
"""
import os
import sys

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
rng = np.random.default_rng(0)
centers = rng.normal(0, 0.8, (4, 8))
labels = rng.integers(0, 4, 2000)
features = centers[labels] + rng.normal(0, 1, (2000, 8))
X = torch.FloatTensor(features)
y = torch.LongTensor(labels)
train_set, test_set = random_split(TensorDataset(X, y), [1600, 400])
train_iter = DataLoader(train_set, batch_size=64, shuffle=True)
test_iter = DataLoader(test_set, batch_size=200)

net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 4))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)


def accuracy(loader):
    net.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for Xb, yb in loader:
            correct += (net(Xb).argmax(dim=1) == yb).sum().item()
            total += yb.shape[0]
    net.train()
    return correct / total


for epoch in range(6):
    total_loss, batches = 0.0, 0
    for Xb, yb in train_iter:
        optimizer.zero_grad()
        loss = loss_fn(net(Xb), yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=5.0)
        optimizer.step()
        total_loss += loss.item()
        batches += 1
    scheduler.step()
    print(f"epoch {epoch + 1} loss {total_loss / batches:.4f} lr {scheduler.get_last_lr()[0]:.4f}")

acc = accuracy(test_iter)
print(f"test accuracy {acc:.3f}")
path = os.path.join(sys.argv[1], "mlp.pt")
torch.save(net.state_dict(), path)
copy = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 4))
copy.load_state_dict(torch.load(path))
copy.eval()
net.eval()
with torch.no_grad():
    same = torch.equal(copy(X[:5]), net(X[:5]))
print(f"reloaded model agrees: {same}")
print(f"weights: {sum(p.numel() for p in net.parameters())}")
