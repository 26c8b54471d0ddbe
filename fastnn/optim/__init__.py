"""fastnn.optim: SGD, Adam, AdamW, Adagrad, RMSprop with PyTorch's names,
arguments and formulas; lr_scheduler."""
from . import lr_scheduler
from .optimizer import Optimizer
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "lr_scheduler"]
