"""Softmax regression on Fashion-MNIST (d2l 3.6 and 3.7), from scratch
(softmax, cross_entropy by indexing y_hat[range(n), y], a hand-written sgd)
and concise (nn.Flatten + nn.Linear, nn.CrossEntropyLoss, optim.SGD,
d2l's train_ch3)."""
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
num_inputs, num_outputs = 784, 10
W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = torch.exp(X - X.max(1, keepdim=True).values)     # stable: subtract the row max
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])


def accuracy(y_hat, y):
    cmp = y_hat.argmax(axis=1).type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def updater(batch_size):
    with torch.no_grad():
        for param in (W, b):
            param -= lr * param.grad / batch_size
            param.grad.zero_()


for epoch in range(num_epochs):
    total_loss, total_acc, n = 0.0, 0.0, 0
    for X, y in train_iter:
        y_hat = net(X)
        l = cross_entropy(y_hat, y)
        l.sum().backward()
        updater(X.shape[0])
        total_loss += float(l.sum())
        total_acc += accuracy(y_hat, y)
        n += y.numel()
    test_acc = sum(accuracy(net(X), y) for X, y in test_iter) / sum(y.numel() for _, y in test_iter)
    print(f"[scratch] epoch {epoch + 1}: loss {total_loss / n:.4f}, train acc {total_acc / n:.4f}, "
          f"test acc {test_acc:.4f}")
scratch_acc = test_acc

# ---- concise
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if type(m) == nn.Linear else None)
history = d2l.train_ch3(net, train_iter, test_iter, nn.CrossEntropyLoss(), num_epochs,
                    optim.SGD(net.parameters(), lr=lr))
for e, (l, acc, vacc) in enumerate(zip(history["loss"], history["accuracy"], history["val_accuracy"])):
    print(f"[concise] epoch {e + 1}: loss {l:.4f}, train acc {acc:.4f}, test acc {vacc:.4f}")
print(f"test accuracy: scratch {scratch_acc:.4f}, concise {history['val_accuracy'][-1]:.4f}")
try:
    from fastnn import plot
    plot.plot_history(history, f"{a.out}/softmax_regression.png", title="softmax regression")
except ImportError:
    pass
