"""Dropout (d2l 4.6): dropout_layer from scratch checked with p = 0, 0.5 and
1, then the MLP 784-256-256-10 with dropout 0.2 and 0.5 after each hidden
ReLU, SGD lr 0.5, from scratch (a Net class) and concise (nn.Dropout)."""
import fastnn as torch
from fastnn import d2l
from fastnn import nn, optim

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    if dropout == 0:
        return X
    mask = (torch.rand(*X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
print(X)
print(dropout_layer(X, 0.))
print(dropout_layer(X, 0.5))
print(dropout_layer(X, 1.))

num_inputs, num_outputs, num_hiddens1, num_hiddens2 = 784, 10, 256, 256
dropout1, dropout2 = 0.2, 0.5


class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
        super(Net, self).__init__()
        self.num_inputs = num_inputs
        self.training = is_training
        self.lin1 = nn.Linear(num_inputs, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if self.training:
            H1 = dropout_layer(H1, dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, dropout2)
        return self.lin3(H2)


num_epochs = 10 if not a.quick else 2
lr, batch_size = 0.5, 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, n_train=a.n_train, n_test=a.n_test)
loss = nn.CrossEntropyLoss()
results = {}
for name, net in (("scratch", Net(num_inputs, num_outputs, num_hiddens1, num_hiddens2)),
                  ("concise", nn.Sequential(nn.Flatten(), nn.Linear(784, num_hiddens1), nn.ReLU(),
                                            nn.Dropout(dropout1), nn.Linear(num_hiddens1, num_hiddens2),
                                            nn.ReLU(), nn.Dropout(dropout2), nn.Linear(num_hiddens2, 10)))):
    net.apply(lambda m: nn.init.normal_(m.weight, std=0.01) if type(m) == nn.Linear else None)
    h = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, optim.SGD(net.parameters(), lr=lr))
    results[name] = h
    print(f"[{name}] train loss {h['loss'][-1]:.4f}, train acc {h['accuracy'][-1]:.4f}, "
          f"test acc {h['val_accuracy'][-1]:.4f}")
    try:
        from fastnn import plot
        plot.plot_history(h, f"{a.out}/dropout_{name}.png", title=f"dropout MLP ({name})")
    except ImportError:
        pass
