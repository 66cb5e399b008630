"""d2l's MLP from scratch: nn.Parameter weights (here drawn with NumPy and scaled by 0.01), a
hand-written relu as torch.max(X, zeros_like(X)), X.reshape((-1, num_inputs)), H@W2 + b2,
nn.CrossEntropyLoss(reduction='none') and optim.SGD over the parameter list. float32, a few
steps: compared to float32 tolerance."""
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(4)
num_inputs, num_hiddens, num_outputs, n = 16, 32, 5, 200
templates = rng.normal(0, 1, (num_outputs, 4, 4))
y_np = rng.integers(0, num_outputs, n)
images = torch.tensor(templates[y_np] + rng.normal(0, 1, (n, 4, 4)), dtype=torch.float32)
labels = torch.tensor(y_np)


def parameter(*shape, scale=0.01):
    return nn.Parameter(torch.from_numpy(rng.normal(size=shape).astype(np.float32)) * scale)


W1 = parameter(num_inputs, num_hiddens, scale=0.3)
b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
W2 = parameter(num_hiddens, num_outputs, scale=0.3)
b2 = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))
params = [W1, b1, W2, b2]


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def net(X):
    X = X.reshape((-1, num_inputs))
    H = relu(X @ W1 + b1)  # "@" is matrix multiplication
    return (H @ W2 + b2)


loss = nn.CrossEntropyLoss(reduction='none')
updater = torch.optim.SGD(params, lr=0.1)
losses = []
for step in range(10):
    batch = slice(20 * step, 20 * step + 20)
    l = loss(net(images[batch]), labels[batch])
    updater.zero_grad()
    l.mean().backward()
    updater.step()
    losses.append(l.mean().item())
    print(f"step {step}: loss {losses[-1]:.4f}")

with torch.no_grad():
    accuracy = (net(images).argmax(1) == labels).float().mean().item()
RESULTS = {"losses": losses, "accuracy": accuracy, "W1_grad": W1.grad.numpy().tolist(),
           "b2": b2.detach().numpy().tolist(), "grad_dtype": str(W1.grad.dtype)[-7:],
           "is_parameter": isinstance(W1, nn.Parameter) and W1.requires_grad}
COMPARE = {"rtol": 1e-5, "atol": 1e-6}
