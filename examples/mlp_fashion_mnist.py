"""The MLP on Fashion-MNIST (d2l 4.2 and 4.3): 784-256-10, ReLU, weights
N(0, 0.01), cross-entropy, SGD lr 0.1, batch 256, 10 epochs; from scratch
(parameters, relu, the net as a function) and concise (nn.Sequential); the
curves and a prediction grid (d2l.predict_ch3) are saved."""
import fastnn as torch
from fastnn import d2l
from fastnn import nn, optim

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
batch_size, lr = 256, 0.1
num_epochs = 10 if not a.quick else 2
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, n_train=a.n_train, n_test=a.n_test)

# ---- from scratch
num_inputs, num_outputs, num_hiddens = 784, 10, 256
W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * 0.01)
b1 = nn.Parameter(torch.zeros(num_hiddens))
W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * 0.01)
b2 = nn.Parameter(torch.zeros(num_outputs))
params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)
    return H @ W2 + b2


loss = nn.CrossEntropyLoss(reduction="none")
updater = optim.SGD(params, lr=lr)
for epoch in range(num_epochs):
    for X, y in train_iter:
        l = loss(net(X), y)
        updater.zero_grad()
        l.mean().backward()
        updater.step()
    correct = sum(int((net(X).argmax(1) == y).sum()) for X, y in test_iter)
    total = sum(len(y) for _, y in test_iter)
    print(f"[scratch] epoch {epoch + 1}: test acc {correct / total:.4f}")
scratch_acc = correct / total

# ---- concise
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if type(m) == nn.Linear else None)
history = d2l.train_ch3(net, train_iter, test_iter, nn.CrossEntropyLoss(), num_epochs,
                    optim.SGD(net.parameters(), lr=lr))
for e, (l, acc, vacc) in enumerate(zip(history["loss"], history["accuracy"], history["val_accuracy"])):
    print(f"[concise] epoch {e + 1}: train loss {l:.4f}, train acc {acc:.4f}, test acc {vacc:.4f}")
print(f"test accuracy: scratch {scratch_acc:.4f}, concise {history['val_accuracy'][-1]:.4f}")

# the prediction grid: d2l's predict_ch3 saves predict_ch3.png in --out
preds = d2l.predict_ch3(net, test_iter, n=8)
_, y = next(iter(test_iter))
trues = d2l.get_fashion_mnist_labels(y[:4])
print("first predictions:", ", ".join(f"{t}->{p}" for t, p in zip(trues, preds)))
try:
    from fastnn import plot
    plot.plot_history(history, f"{a.out}/mlp_curves.png", title="MLP 784-256-10")
    print(f"saved {a.out}/mlp_curves.png and {a.out}/predict_ch3.png")
except ImportError:
    print("matplotlib not installed: no plots")
