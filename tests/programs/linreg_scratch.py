"""d2l's linear regression from scratch: synthetic data, data_iter, squared loss, minibatch SGD
written by hand under torch.no_grad(), `.data` to read the estimates. float64."""
import random

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
random.seed(0)
rng = np.random.default_rng(0)


def synthetic_data(w, b, num_examples):
    """y = Xw + b + noise."""
    X = torch.from_numpy(rng.normal(0, 1, (num_examples, len(w))))
    y = torch.matmul(X, w) + b
    y += torch.from_numpy(rng.normal(0, 0.01, tuple(y.shape)))
    return X, y.reshape((-1, 1))


true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 1000)
print('features:', features[0].tolist(), '\nlabel:', labels[0].item())


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)  # the examples are read at random, in no particular order
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


w = torch.tensor(rng.normal(0, 0.01, (2, 1)), requires_grad=True)
b = torch.zeros(1, requires_grad=True)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


lr, num_epochs, batch_size = 0.03, 3, 10
net, loss = linreg, squared_loss
step_losses, epoch_losses = [], []
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = loss(net(X, w, b), y)
        l.sum().backward()
        sgd([w, b], lr, batch_size)
        step_losses.append(l.sum().item())
    with torch.no_grad():
        train_l = loss(net(features, w, b), labels)
        epoch_losses.append(float(train_l.mean()))
        print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')

print(f'error in estimating w: {(true_w - w.reshape(true_w.shape)).tolist()}')
print(f'error in estimating b: {true_b - b.item()}')
RESULTS = {"step_losses": step_losses, "epoch_losses": epoch_losses,
           "w": w.data.numpy().ravel().tolist(), "b": b.data.item(),
           "w_dtype": str(w.dtype).split(".")[-1], "converged": epoch_losses[-1] < 1e-3}
