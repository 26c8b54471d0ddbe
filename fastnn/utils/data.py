"""fastnn.utils.data: the names of torch.utils.data, so that
``from torch.utils.data import DataLoader, TensorDataset`` ports by changing
``torch`` to ``fastnn``. They are fastnn.data's classes and functions."""
from ..data import (DataLoader, Dataset, DistributedSampler, Subset, TensorDataset,
                    random_split)

__all__ = ["DataLoader", "Dataset", "DistributedSampler", "Subset", "TensorDataset",
           "random_split"]
