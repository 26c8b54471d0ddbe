"""The recording hook of fastnn.plan.

While fastnn.plan records what one forward (and its loss) runs, ``active[0]``
holds its recorder; otherwise it is None and the ops below pay one check. The
ops that report themselves (see fastnn.plan.Recorder for what each reports):
fastnn.tensor_ops' relu, sigmoid, tanh, reshape (flatten and view go through
it); fastnn.nn.functional's linear, leaky_relu, gelu, softplus, dropout, the
in-place forms of the activations, and the losses; nn.Sequential, whose
forward the recorder runs layer by layer as Sequential fuses them.

This module imports nothing from fastnn, so the lowest layers can import it.
"""
from __future__ import annotations

from typing import Any, List

#: The recorder of the forward being planned, or None.
active: List[Any] = [None]
