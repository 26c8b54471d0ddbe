"""Numerical stability and initialisation (d2l 4.8): per-layer gradient
norms of a deep sigmoid net and a deep ReLU net under N(0, 0.01), Xavier and
He initialisation; small weights make the gradients vanish layer by layer."""
import numpy as np

import fastnn as torch
from fastnn import nn

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
depth, width = (10, 128) if not a.quick else (8, 64)
X = torch.randn(64, width)
y = torch.randint(0, 10, (64,))
inits = {"N(0, 0.01)": lambda w: nn.init.normal_(w, 0, 0.01),
         "Xavier": nn.init.xavier_uniform_,
         "He": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")}
rows = {}
for act_name, act in (("sigmoid", nn.Sigmoid), ("relu", nn.ReLU)):
    for init_name, init in inits.items():
        layers = []
        for _ in range(depth):
            layers += [nn.Linear(width, width), act()]
        layers.append(nn.Linear(width, 10))
        net = nn.Sequential(*layers)
        for m in net:
            if isinstance(m, nn.Linear):
                init(m.weight)
                nn.init.zeros_(m.bias)
        nn.CrossEntropyLoss()(net(X), y).backward()
        norms = [float(m.weight.grad.norm()) for m in net if isinstance(m, nn.Linear)]
        rows[(act_name, init_name)] = norms
        print(f"{act_name:7s} {init_name:10s} grad norm, first layer {norms[0]:.2e}, "
              f"last layer {norms[-1]:.2e}, ratio {norms[0] / max(norms[-1], 1e-30):.2e}")
try:
    from fastnn import plot
    curves = {f"{k[0]}, {k[1]}": np.log10(np.maximum(v, 1e-30)) for k, v in rows.items()}
    plot.plot_functions(np.arange(1, depth + 2), curves, f"{a.out}/initialization.png",
                        xlabel="layer", ylabel="log10 gradient norm")
except ImportError:
    pass
