"""fastnn.utils: PyTorch's ``torch.utils`` names (``fastnn.utils.data``)."""
from . import data

__all__ = ["data"]
