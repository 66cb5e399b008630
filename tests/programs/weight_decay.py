"""d2l's weight decay chapter on its high-dimensional linear regression (20 examples, 200
inputs): an L2 penalty `torch.sum(w.pow(2)) / 2` added to the loss from scratch, then the
concise version with `weight_decay` in one of SGD's param groups. float64."""
import random

import numpy as np
import torch
from torch import nn
from torch.utils import data

torch.set_default_dtype(torch.float64)
random.seed(2)
rng = np.random.default_rng(6)
n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5
true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05


def synthetic_data(w, b, num_examples):
    X = torch.from_numpy(rng.normal(0, 1, (num_examples, len(w))))
    y = torch.matmul(X, w) + b
    y += torch.from_numpy(rng.normal(0, 0.01, tuple(y.shape)))
    return X, y.reshape((-1, 1))


train_features, train_labels = synthetic_data(true_w, true_b, n_train)
test_features, test_labels = synthetic_data(true_w, true_b, n_test)
initial_w = rng.normal(0, 1, (num_inputs, 1))


def train_iter():
    indices = list(range(n_train))
    random.shuffle(indices)
    for i in range(0, n_train, batch_size):
        batch = torch.tensor(indices[i: i + batch_size])
        yield train_features[batch], train_labels[batch]


def init_params():
    w = torch.tensor(initial_w, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [w, b]


def l2_penalty(w):
    return torch.sum(w.pow(2)) / 2


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train(lambd, num_epochs=20, lr=0.003):
    w, b = init_params()
    test_losses = []
    for epoch in range(num_epochs):
        for X, y in train_iter():
            # the L2 penalty term is added; broadcasting makes l2_penalty(w) a batch_size vector
            l = squared_loss(linreg(X, w, b), y) + lambd * l2_penalty(w)
            l.sum().backward()
            sgd([w, b], lr, batch_size)
        with torch.no_grad():
            test_losses.append(squared_loss(linreg(test_features, w, b), test_labels).mean().item())
    print(f'L2 norm of w: {torch.norm(w).item():.4f}')
    return test_losses, torch.norm(w).item()


def train_concise(wd, num_epochs=20, lr=0.003):
    net = nn.Sequential(nn.Linear(num_inputs, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(initial_w.T))
        net[0].bias.zero_()
    loss = nn.MSELoss(reduction='none')
    # the bias does not decay
    trainer = torch.optim.SGD([{"params": net[0].weight, 'weight_decay': wd},
                               {"params": net[0].bias}], lr=lr)
    loader = data.DataLoader(data.TensorDataset(train_features, train_labels), batch_size)
    test_losses = []
    for epoch in range(num_epochs):
        for X, y in loader:
            trainer.zero_grad()
            l = loss(net(X), y)
            l.mean().backward()
            trainer.step()
        with torch.no_grad():
            test_losses.append(loss(net(test_features), test_labels).mean().item())
    print(f'L2 norm of w: {net[0].weight.norm().item():.4f}')
    return test_losses, net[0].weight.norm().item()


RESULTS = {}
for lambd in (0, 3):
    RESULTS[f"scratch_lambda_{lambd}"] = train(lambd)
for wd in (0, 3):
    RESULTS[f"concise_wd_{wd}"] = train_concise(wd)
RESULTS["decay_shrinks_w"] = RESULTS["scratch_lambda_3"][1] < RESULTS["scratch_lambda_0"][1]
