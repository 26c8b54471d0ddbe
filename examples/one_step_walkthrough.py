"""One training step shown in full: a 1→2→1 ReLU net, MSE, SGD lr 0.01;
prints the parameters, output, loss, gradients, updated parameters and the
new loss."""
import fastnn as torch
from fastnn import nn, optim

from _common import args

a = args(__doc__)
torch.manual_seed(a.seed)
net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
with torch.no_grad():
    net[0].weight.copy_(torch.tensor([[0.5], [-0.3]]))
    net[0].bias.copy_(torch.tensor([0.1, 0.2]))
    net[2].weight.copy_(torch.tensor([[0.7, -0.4]]))
    net[2].bias.copy_(torch.tensor([0.05]))
x, y = torch.tensor([[2.0]]), torch.tensor([[1.0]])
loss_fn = nn.MSELoss()
opt = optim.SGD(net.parameters(), lr=0.01)

print("parameters before the step:")
for name, p in net.named_parameters():
    print(f"  {name} = {p.data.tolist()}")
out = net(x)
loss = loss_fn(out, y)
print(f"output {out.item():.6f}, loss {loss.item():.6f}")
opt.zero_grad()
loss.backward()
print("gradients:")
for name, p in net.named_parameters():
    print(f"  d loss / d {name} = {p.grad.tolist()}")
opt.step()
print("parameters after the step:")
for name, p in net.named_parameters():
    print(f"  {name} = {p.data.tolist()}")
new_loss = loss_fn(net(x), y).item()
print(f"new loss {new_loss:.6f} (was {loss.item():.6f}): decreased = {new_loss < loss.item()}")
