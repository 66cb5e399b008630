"""d2l's concise softmax regression: nn.Sequential(nn.Flatten(), nn.Linear), net.apply(init)
re-initializing each nn.Linear (here from NumPy, so both frameworks start alike),
nn.CrossEntropyLoss(reduction='none'), optim.SGD, a DataLoader over TensorDataset. float64."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)
side, num_classes, n = 3, 4, 400
templates = rng.normal(0, 1, (num_classes, 1, side, side))
y_np = rng.integers(0, num_classes, n)
images = torch.from_numpy(templates[y_np] + rng.normal(0, 0.8, (n, 1, side, side)))
targets = torch.from_numpy(y_np)
train_iter = DataLoader(TensorDataset(images[:300], targets[:300]), batch_size=25)
test_iter = DataLoader(TensorDataset(images[300:], targets[300:]), batch_size=50,
                       shuffle=False)

net = nn.Sequential(nn.Flatten(), nn.Linear(side * side, num_classes))


def init_weights(m):
    if type(m) == nn.Linear:
        m.weight.data.copy_(torch.from_numpy(rng.normal(0, 0.01, tuple(m.weight.shape))))
        nn.init.zeros_(m.bias)


net.apply(init_weights)
loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.1)


def evaluate_accuracy(net, data_iter):
    net.eval()
    correct = total = 0
    with torch.no_grad():
        for X, y in data_iter:
            correct += (net(X).argmax(dim=1) == y).sum().item()
            total += y.numel()
    return correct / total


losses = []
for epoch in range(4):
    net.train()
    for X, y in train_iter:
        l = loss(net(X), y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        losses.append(l.mean().item())
    test_acc = evaluate_accuracy(net, test_iter)
    print(f"epoch {epoch + 1}: loss {losses[-1]:.4f}, test acc {test_acc:.3f}")

RESULTS = {"losses": losses, "test_acc": test_acc,
           "weight": net[1].weight.detach().numpy().tolist(),
           "bias": net[1].bias.detach().numpy().tolist(),
           "per_example_loss_shape": tuple(l.shape)}
