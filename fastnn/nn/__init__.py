"""fastnn.nn: modules, losses, functional, init, utils and parallel
(DistributedDataParallel), with PyTorch's names and arguments."""
from . import functional, init, parallel, utils
from .layers import (GELU, Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU,
                     Sequential, Sigmoid, Softmax, Softplus, Tanh)
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss
from .module import Module, Parameter

__all__ = ["Module", "Parameter", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU",
           "Softplus", "Softmax", "LogSoftmax", "Identity", "Flatten", "Dropout", "Sequential",
           "MSELoss", "L1Loss", "HuberLoss", "CrossEntropyLoss", "BCEWithLogitsLoss",
           "functional", "init", "parallel", "utils"]
