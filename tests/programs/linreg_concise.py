"""d2l's concise linear regression: TensorDataset + DataLoader(shuffle=True), nn.Sequential,
`net[0].weight.data.normal_(0, 0.01)`, nn.MSELoss, optim.SGD. float32. The initial weights and
the shuffling come from the framework's own generator, so only the fit is compared."""
import numpy as np
import torch
from torch import nn
from torch.utils import data

torch.manual_seed(0)
rng = np.random.default_rng(1)
true_w, true_b = np.array([2, -3.4]), 4.2
X = rng.normal(0, 1, (1000, 2))
y = X @ true_w + true_b + rng.normal(0, 0.01, 1000)
features = torch.tensor(X, dtype=torch.float32)
labels = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)


def load_array(data_arrays, batch_size, is_train=True):
    """A PyTorch data iterator."""
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)


batch_size = 10
data_iter = load_array((features, labels), batch_size)
first_X, first_y = next(iter(data_iter))

net = nn.Sequential(nn.Linear(2, 1))
net[0].weight.data.normal_(0, 0.01)
net[0].bias.data.fill_(0)
loss = nn.MSELoss()
trainer = torch.optim.SGD(net.parameters(), lr=0.03)

epoch_losses = []
for epoch in range(3):
    for X_batch, y_batch in data_iter:
        l = loss(net(X_batch), y_batch)
        trainer.zero_grad()
        l.backward()
        trainer.step()
    l = loss(net(features), labels)
    epoch_losses.append(l.item())
    print(f'epoch {epoch + 1}, loss {l:f}')

w = net[0].weight.data
b = net[0].bias.data
w_error = true_w - w.reshape(true_w.shape).numpy()
b_error = true_b - b.item()
print('error in estimating w:', w_error)
print('error in estimating b:', b_error)
RESULTS = {"epoch_losses": epoch_losses,
           "batch_shapes": [tuple(first_X.shape), tuple(first_y.shape)],
           "batch_count": len(data_iter), "weight_shape": tuple(w.shape),
           "dtype": str(w.dtype).split(".")[-1],
           "w_close": bool(np.abs(w_error).max() < 5e-3), "b_close": abs(b_error) < 5e-3,
           "converged": epoch_losses[-1] < 2e-4}
COMPARE = {"unseeded": ["epoch_losses"], "printed": False}
