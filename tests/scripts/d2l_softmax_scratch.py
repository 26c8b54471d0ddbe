# The softmax-regression-from-scratch chapter's code, as its notes run it with
# PyTorch and d2l (only the notebook's display import is left out). The test
# runs it with its imports changed to fastnn's.
import torch
from d2l import torch as d2l

batch_size = 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)

num_inputs = 784
num_outputs = 10

W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # The broadcasting mechanism is applied here


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


print(d2l.accuracy(net(next(iter(test_iter))[0]), next(iter(test_iter))[1]) >= 0)
print(d2l.evaluate_accuracy(net, test_iter) < 0.5)

lr = 0.1


def updater(batch_size):
    return d2l.sgd([W, b], lr, batch_size)


num_epochs = 10
d2l.train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs, updater)
d2l.predict_ch3(net, test_iter)
print(f"test accuracy {d2l.evaluate_accuracy(net, test_iter):.3f}")
