"""Source text 003's optimizer section with torch.optim: the trajectory of a leaf tensor
x = torch.tensor([-5., -2.], requires_grad=True) minimizing 0.1 x1^2 + 2 x2^2 under SGD,
SGD with momentum and Nesterov, Adagrad, RMSprop, Adam and AdamW, printed as the text prints it,
with a StepLR schedule on one of them. float64."""
import torch

torch.set_default_dtype(torch.float64)


def f_2d(x):
    return 0.1 * x[0] ** 2 + 2 * x[1] ** 2


def trajectory(make_optimizer, steps=20, schedule=None):
    x = torch.tensor([-5., -2.], requires_grad=True)
    optimizer = make_optimizer([x])
    scheduler = schedule(optimizer) if schedule else None
    points = [x.tolist()]
    for i in range(steps):
        optimizer.zero_grad()
        loss = f_2d(x)
        loss.backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        points.append(x.detach().tolist())
    print(f'epoch {i + 1}, x1: {x[0].item():f}, x2: {x[1].item():f}, '
          f'lr {optimizer.param_groups[0]["lr"]:.4g}')
    return points


optim = torch.optim
RESULTS = {
    "sgd": trajectory(lambda p: optim.SGD(p, lr=0.4)),
    "momentum": trajectory(lambda p: optim.SGD(p, lr=0.3, momentum=0.5)),
    "nesterov": trajectory(lambda p: optim.SGD(p, lr=0.3, momentum=0.5, nesterov=True)),
    "adagrad": trajectory(lambda p: optim.Adagrad(p, lr=2)),
    "rmsprop": trajectory(lambda p: optim.RMSprop(p, lr=0.4, alpha=0.9, eps=1e-6)),
    "adam": trajectory(lambda p: optim.Adam(p, lr=0.16), steps=50),
    "adamw": trajectory(lambda p: optim.AdamW(p, lr=0.16, weight_decay=0.1), steps=50),
    "sgd_steplr": trajectory(lambda p: optim.SGD(p, lr=0.4),
                             schedule=lambda o: optim.lr_scheduler.StepLR(o, 5, gamma=0.5)),
}
