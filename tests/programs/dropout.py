"""d2l's dropout chapter: dropout_layer from scratch with a `(torch.rand(X.shape) > dropout)
.float()` mask, a Net(nn.Module) applying it only while training, then the concise version with
nn.Dropout; eval mode turns dropout off. The masks come from each framework's own generator:
the training losses are compared as properties, the eval-mode outputs exactly."""
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
rng = np.random.default_rng(5)


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:  # everything is dropped
        return torch.zeros_like(X)
    if dropout == 0:  # everything is kept
        return X
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
half = dropout_layer(X, 0.5)
print(X)
print(dropout_layer(X, 0.))
print(dropout_layer(X, 1.))
big = dropout_layer(torch.ones(100, 100), 0.3)
RESULTS = {"p0_is_identity": bool((dropout_layer(X, 0.) == X).all()),
           "p1_is_zero": bool((dropout_layer(X, 1.) == 0).all()),
           "half_is_zero_or_doubled": bool(((half == 0) | (half == 2 * X)).all()),
           "kept_fraction_near_0.7": abs((big > 0).float().mean().item() - 0.7) < 0.03,
           "mean_preserved": abs(big.mean().item() - 1.0) < 0.05}

num_inputs, num_outputs, num_hiddens1, num_hiddens2 = 10, 3, 16, 16
dropout1, dropout2 = 0.2, 0.5


class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, is_training=True):
        super(Net, self).__init__()
        self.num_inputs = num_inputs
        self.training = is_training
        self.lin1 = nn.Linear(num_inputs, num_hiddens1)
        self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
        self.lin3 = nn.Linear(num_hiddens2, num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
        if self.training == True:  # dropout only while training
            H1 = dropout_layer(H1, dropout1)
        H2 = self.relu(self.lin2(H1))
        if self.training == True:
            H2 = dropout_layer(H2, dropout2)
        return self.lin3(H2)


def init_from_numpy(module):
    if isinstance(module, nn.Linear):
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(
                rng.normal(0, 0.3, tuple(module.weight.shape)).astype(np.float32)))
            module.bias.fill_(0.01)


features = torch.tensor(rng.normal(0, 1, (64, num_inputs)), dtype=torch.float32)
labels = torch.tensor(rng.integers(0, num_outputs, 64))
scratch = Net(num_inputs, num_outputs, num_hiddens1, num_hiddens2)
concise = nn.Sequential(nn.Flatten(), nn.Linear(num_inputs, num_hiddens1), nn.ReLU(),
                        nn.Dropout(dropout1), nn.Linear(num_hiddens1, num_hiddens2), nn.ReLU(),
                        nn.Dropout(dropout2), nn.Linear(num_hiddens2, num_outputs))
for net in (scratch, concise):
    net.apply(init_from_numpy)
    eval_before = None
    net.eval()
    with torch.no_grad():
        eval_before = net(features)
    net.train()
    trainer = torch.optim.SGD(net.parameters(), lr=0.5)
    loss = nn.CrossEntropyLoss()
    losses = []
    for step in range(30):
        trainer.zero_grad()
        l = loss(net(features), labels)
        l.backward()
        trainer.step()
        losses.append(l.item())
    net.eval()
    with torch.no_grad():
        repeat = net(features)
    name = type(net).__name__
    RESULTS[f"{name}_eval_before"] = eval_before.numpy().tolist()
    RESULTS[f"{name}_losses"] = losses
    RESULTS[f"{name}_eval_deterministic"] = bool((net(features) == repeat).all())
    RESULTS[f"{name}_loss_decreased"] = np.mean(losses[-5:]) < losses[0]
COMPARE = {"rtol": 1e-5, "atol": 1e-6, "unseeded": ["Net_losses", "Sequential_losses"]}
