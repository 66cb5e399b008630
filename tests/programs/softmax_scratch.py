"""d2l's softmax regression from scratch on a synthetic 3-class problem: softmax by exp and
sum(1, keepdim=True), cross-entropy by fancy indexing y_hat[range(n), y], an Accumulator, accuracy
by argmax and .type(y.dtype), a hand-written SGD updater. float64."""
import random

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
random.seed(1)
rng = np.random.default_rng(2)
num_inputs, num_outputs, n = 4, 3, 300
centers = rng.normal(0, 2, (num_outputs, num_inputs))
y_np = rng.integers(0, num_outputs, n)
features = torch.from_numpy(centers[y_np] + rng.normal(0, 1, (n, num_inputs)))
labels = torch.from_numpy(y_np)

W = torch.tensor(rng.normal(0, 0.01, (num_inputs, num_outputs)), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # broadcasting


def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return - torch.log(y_hat[range(len(y_hat)), y])


def accuracy(y_hat, y):
    """The number of correct predictions."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


class Accumulator:
    """Sums over n variables."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def data_iter(batch_size):
    indices = list(range(n))
    random.shuffle(indices)
    for i in range(0, n, batch_size):
        batch = torch.tensor(indices[i: i + batch_size])
        yield features[batch], labels[batch]


def updater(batch_size, lr=0.1):
    with torch.no_grad():
        for param in (W, b):
            param -= lr * param.grad / batch_size
            param.grad.zero_()


X_demo = torch.from_numpy(rng.normal(0, 1, (2, 5)))
X_prob = softmax(X_demo)
y_hat_demo = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
y_demo = torch.tensor([0, 2])
RESULTS = {"softmax_rows": X_prob.sum(1).tolist(), "picked": y_hat_demo[[0, 1], y_demo].tolist(),
           "ce_demo": cross_entropy(y_hat_demo, y_demo).tolist(),
           "accuracy_demo": accuracy(y_hat_demo, y_demo) / len(y_demo)}

history = []
for epoch in range(5):
    metric = Accumulator(3)  # loss sum, correct predictions, examples
    for X, y in data_iter(32):
        y_hat = net(X)
        l = cross_entropy(y_hat, y)
        l.sum().backward()
        updater(X.shape[0])
        metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
    history.append((metric[0] / metric[2], metric[1] / metric[2]))
    print(f"epoch {epoch + 1}, loss {history[-1][0]:.4f}, train acc {history[-1][1]:.4f}")

with torch.no_grad():
    final_accuracy = accuracy(net(features), labels) / n
print(f"accuracy {final_accuracy:.4f}")
RESULTS.update(history=history, W=W.detach().numpy().tolist(), b=b.detach().numpy().tolist(),
               final_accuracy=final_accuracy, learned=final_accuracy > 0.8)
