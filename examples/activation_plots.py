"""ReLU, sigmoid and tanh with their derivatives (d2l 4.1), the derivatives
taken by autograd; saves activation_plots.png."""
import fastnn as torch

from _common import args

a = args(__doc__)
x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
curves = {}
for name, fn in (("relu", torch.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh)):
    y = fn(x)
    y.backward(torch.ones_like(x), retain_graph=True)
    curves[name] = y.detach().numpy().copy()
    curves[f"grad of {name}"] = x.grad.numpy().copy()
    x.grad.zero_()
    print(f"{name}: at x = 0 value {fn(torch.tensor([0.0])).item():.3f}, max slope "
          f"{curves[f'grad of {name}'].max():.3f}")
try:
    from fastnn import plot
    plot.plot_functions(x.detach().numpy(), curves, f"{a.out}/activation_plots.png")
    print(f"saved {a.out}/activation_plots.png")
except ImportError:
    print("matplotlib not installed: no plot")
