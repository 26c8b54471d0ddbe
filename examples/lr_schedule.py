"""The learning-rate advice of the softmax chapter: start high and halve every
10 epochs (StepLR(step_size=10, gamma=0.5)), beside a constant rate."""
import fastnn as torch
from fastnn import d2l
from fastnn import nn, optim
from fastnn.optim import lr_scheduler

from _common import args

a = args(__doc__)
epochs = 30 if not a.quick else 4
step = 10 if not a.quick else 2
train_iter, test_iter = d2l.load_data_fashion_mnist(256, n_train=a.n_train, n_test=a.n_test)
for name, use_schedule in (("constant lr 0.1", False), ("start 0.4, halve every step", True)):
    torch.manual_seed(a.seed)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    opt = optim.SGD(net.parameters(), lr=0.4 if use_schedule else 0.1)
    sched = lr_scheduler.StepLR(opt, step_size=step, gamma=0.5) if use_schedule else None
    h = d2l.train_ch3(net, train_iter, test_iter, nn.CrossEntropyLoss(), epochs, opt, scheduler=sched)
    print(f"{name:28s}: lr per epoch {[round(v, 4) for v in h['lr']]}")
    print(f"{name:28s}: final train loss {h['loss'][-1]:.4f}, test acc {h['val_accuracy'][-1]:.4f}")
