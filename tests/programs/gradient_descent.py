"""The gradient-descent section of source text 003: 1-D GD on x**2 at three learning rates, on
the non-convex x*cos(c x) with c = torch.tensor(0.15*np.pi) (x becomes a 0-d tensor and is
printed with f'{x:f}'), the curve torch.arange(-n, n, 0.01) iterated element by element, 2-D
GD, momentum, AdaGrad and RMSProp written by hand, and the contour grid from torch.meshgrid."""
import math

import numpy as np
import torch

RESULTS = {}


def f(x):
    return x ** 2


def f_grad(x):
    return 2 * x


def gd(eta, f_grad):
    x = 10.0
    results = [x]
    for i in range(10):
        x -= eta * f_grad(x)
        results.append(float(x))
    print(f'epoch 10,x:{x:f}')
    return results


def curve(results, f):
    """What show_trace plots: f over torch.arange(-n, n, 0.01) and at every iterate."""
    n = max(abs(min(results)), abs(max(results)))
    f_line = torch.arange(-n, n, 0.01)
    return [len(f_line), float(sum(f(x) for x in f_line[:50])), [float(f(x)) for x in results]]


for eta in (0.2, 0.05, 1.1):
    RESULTS[f"gd_{eta}"] = gd(eta, f_grad)
RESULTS["curve_0.2"] = curve(RESULTS["gd_0.2"], f)

c = torch.tensor(0.15 * np.pi)


def f(x):  # noqa: F811 (the text redefines f and f_grad for the non-convex case)
    return x * torch.cos(c * x)


def f_grad(x):
    return torch.cos(c * x) - c * x * torch.sin(c * x)


RESULTS["gd_nonconvex"] = gd(2, f_grad)
RESULTS["curve_nonconvex"] = curve(RESULTS["gd_nonconvex"], f)


def train_2d(trainer, steps=20, f_grad=None):
    x1, x2, s1, s2 = -5, -2, 0, 0
    results = [(x1, x2)]
    for i in range(steps):
        if f_grad:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2, f_grad)
        else:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        results.append((x1, x2))
    print(f'epoch {i + 1}, x1: {float(x1):f}, x2: {float(x2):f}')
    return results


def contour(f):
    x1, x2 = torch.meshgrid(torch.arange(-5.5, 1.0, 0.1), torch.arange(-3.0, 1.0, 0.1),
                            indexing='ij')
    values = f(x1, x2)
    return [tuple(x1.shape), values.sum().item(), values[3, 7].item(), x2[0, :3].tolist()]


def f_2d(x1, x2):
    return x1 ** 2 + 2 * x2 ** 2


def f_2d_grad(x1, x2):
    return (2 * x1, 4 * x2)


def gd_2d(x1, x2, s1, s2, f_grad):
    g1, g2 = f_grad(x1, x2)
    return (x1 - eta * g1, x2 - eta * g2, 0, 0)


eta = 0.1
RESULTS["gd_2d"] = train_2d(gd_2d, f_grad=f_2d_grad)
RESULTS["contour"] = contour(f_2d)


def f_2d(x1, x2):  # noqa: F811 (the flatter function of the momentum section)
    return 0.1 * x1 ** 2 + 2 * x2 ** 2


def momentum_2d(x1, x2, v1, v2):
    v1 = beta * v1 + 0.2 * x1
    v2 = beta * v2 + 4 * x2
    return x1 - eta * v1, x2 - eta * v2, v1, v2


def adagrad_2d(x1, x2, s1, s2):
    eps = 1e-6
    g1, g2 = 0.2 * x1, 4 * x2
    s1 += g1 ** 2
    s2 += g2 ** 2
    x1 -= eta / math.sqrt(s1 + eps) * g1
    x2 -= eta / math.sqrt(s2 + eps) * g2
    return x1, x2, s1, s2


def rmsprop_2d(x1, x2, s1, s2):
    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
    s1 = gamma * s1 + (1 - gamma) * g1 ** 2
    s2 = gamma * s2 + (1 - gamma) * g2 ** 2
    x1 -= eta / math.sqrt(s1 + eps) * g1
    x2 -= eta / math.sqrt(s2 + eps) * g2
    return x1, x2, s1, s2


for eta, beta in ((0.6, 0.5), (0.6, 0.25)):
    RESULTS[f"momentum_{beta}"] = train_2d(momentum_2d)
for eta in (0.4, 2):
    RESULTS[f"adagrad_{eta}"] = train_2d(adagrad_2d)
eta, gamma = 0.4, 0.9
RESULTS["rmsprop"] = train_2d(rmsprop_2d)
RESULTS["contour_flat"] = contour(f_2d)
COMPARE = {"rtol": 1.3e-6, "atol": 1e-5}  # the non-convex run is in float32 (torch.tensor(c))
