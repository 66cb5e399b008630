"""The pytorch/examples MNIST script's pattern on small synthetic digit images: a Net with two
convolutions, max pooling, two dropouts and two fully connected layers ending in log_softmax;
train() logging every log_interval batches, test() with nll_loss(reduction='sum') and
pred.eq(target.view_as(pred)); Adadelta with StepLR(step_size=1, gamma=0.7); the state_dict
saved with torch.save and loaded into a fresh Net. Dropout masks and shuffling come from each
framework's own generator: the training losses are compared as properties only, everything
computed in eval mode from the shared initial weights exactly."""
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch, log):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args["log_interval"] == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
            log.append(loss.item())


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return test_loss, correct


def synthetic_digits(rng, n):
    """12x12 images: one of ten random black-and-white templates, blurred by noise; the label is its index."""
    templates = (rng.uniform(0, 1, (10, 1, 12, 12)) > 0.5).astype(np.float64)
    labels = rng.integers(0, 10, n)
    images = templates[labels] + rng.normal(0, 0.3, (n, 1, 12, 12))
    return (torch.tensor(images, dtype=torch.float32), torch.tensor(labels))


def init_from_numpy(model, rng):
    """Re-initialize every parameter from NumPy (uniform in +-1/sqrt(fan_in), as PyTorch does)."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            fan_in = np.prod(param.shape[1:]) if param.dim() > 1 else param.shape[0]
            bound = 1 / np.sqrt(fan_in)
            param.copy_(torch.from_numpy(
                rng.uniform(-bound, bound, tuple(param.shape)).astype(np.float32)))


def main():
    args = {"batch_size": 32, "test_batch_size": 100, "epochs": 3, "lr": 1.0, "gamma": 0.7,
            "log_interval": 4, "seed": 1}
    use_cuda = torch.cuda.is_available()
    torch.manual_seed(args["seed"])
    device = torch.device("cuda" if use_cuda else "cpu")
    train_kwargs = {'batch_size': args["batch_size"], 'shuffle': True}
    test_kwargs = {'batch_size': args["test_batch_size"]}

    rng = np.random.default_rng(args["seed"])
    images, labels = synthetic_digits(rng, 600)
    dataset1 = TensorDataset(images[:400], labels[:400])
    dataset2 = TensorDataset(images[400:], labels[400:])
    train_loader = DataLoader(dataset1, **train_kwargs)
    test_loader = DataLoader(dataset2, **test_kwargs)

    model = Net().to(device)
    init_from_numpy(model, rng)
    initial = test(model, device, test_loader)
    optimizer = optim.Adadelta(model.parameters(), lr=args["lr"])
    scheduler = StepLR(optimizer, step_size=1, gamma=args["gamma"])
    log, tests, lrs = [], [], []
    for epoch in range(1, args["epochs"] + 1):
        train(args, model, device, train_loader, optimizer, epoch, log)
        tests.append(test(model, device, test_loader))
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    reloaded = Net()
    reloaded.load_state_dict(torch.load(buffer))
    return {"initial_test": initial, "lrs": lrs, "log": log, "tests": tests,
            "log_count": len(log), "learned": tests[-1][1] > initial[1] + 60,
            "reloaded_matches": test(reloaded, device, test_loader) == tests[-1],
            "state_dict_keys": sorted(model.state_dict().keys())}


RESULTS = main()
COMPARE = {"rtol": 1e-5, "atol": 1e-6, "unseeded": ["log", "tests"], "printed": False}
