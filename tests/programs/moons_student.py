"""A student's moons script: make_moons written with NumPy, a 2-20-3-1 MLP, BCEWithLogitsLoss,
Adam, full-batch training with the accuracy printed as f"{acc:.4f}" every 10 epochs, then a
prediction grid. float32: compared over 40 steps to float32 tolerance."""
import numpy as np
import torch
import torch.nn as nn


def make_moons(n_samples=200, noise=0.15, seed=0):
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                   np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5])])
    y = np.hstack([np.zeros(n_out), np.ones(n_in)])
    X += rng.normal(scale=noise, size=X.shape)
    return X, y


X_np, y_np = make_moons()
X = torch.tensor(X_np, dtype=torch.float32)
y = torch.tensor(y_np, dtype=torch.float32).unsqueeze(1)

model = nn.Sequential(
    nn.Linear(2, 20),
    nn.ReLU(),
    nn.Linear(20, 3),
    nn.ReLU(),
    nn.Linear(3, 1),
)
rng = np.random.default_rng(42)
with torch.no_grad():  # same starting point in every framework
    for layer in model:
        if isinstance(layer, nn.Linear):
            fan_in = layer.weight.shape[1]
            bound = 1 / np.sqrt(fan_in)
            layer.weight.copy_(torch.from_numpy(
                rng.uniform(-bound, bound, tuple(layer.weight.shape)).astype(np.float32)))
            layer.bias.copy_(torch.from_numpy(
                rng.uniform(-bound, bound, tuple(layer.bias.shape)).astype(np.float32)))

criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
losses, accuracies = [], []
for epoch in range(40):
    optimizer.zero_grad()
    logits = model(X)
    loss = criterion(logits, y)
    loss.backward()
    optimizer.step()
    preds = (torch.sigmoid(logits) > 0.5).float()
    acc = (preds == y).float().mean().item()
    losses.append(loss.item())
    accuracies.append(acc)
    if epoch % 10 == 0 or epoch == 39:
        print(f"Epoch {epoch:3d} | loss {loss.item():.4f} | acc {acc:.4f}")

model.eval()
with torch.no_grad():
    xx, yy = np.meshgrid(np.linspace(-1.5, 2.5, 5), np.linspace(-1, 1.5, 4))
    grid = torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32)
    probs = torch.sigmoid(model(grid)).numpy().reshape(xx.shape)
    final_acc = ((model(X) > 0).float() == y).float().mean().item()
print(f"final accuracy: {final_acc:.4f}")
RESULTS = {"losses": losses, "accuracies": accuracies, "grid_probabilities": probs.tolist(),
           "final_accuracy": final_acc, "learned": final_acc > 0.8}
COMPARE = {"rtol": 1e-5, "atol": 1e-6}
