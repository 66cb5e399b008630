"""The loss section of source text 003: L1Loss and MSELoss with their gradients, NLLLoss after
LogSoftmax(1) with index targets (and its RuntimeError for one-hot float targets),
CrossEntropyLoss with index and with probability targets, BCELoss after a sigmoid and
BCEWithLogitsLoss on the same logits; values printed with f"{loss:.4f}". float32."""
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(7)


def leaf(*shape):
    return torch.tensor(rng.normal(size=shape), dtype=torch.float32, requires_grad=True)


RESULTS = {}
input = leaf(3, 5)
target = torch.tensor(rng.normal(size=(3, 5)), dtype=torch.float32)
for name, loss in (("l1", nn.L1Loss()), ("mse", nn.MSELoss()),
                   ("mse_sum", nn.MSELoss(reduction='sum'))):
    input.grad = None
    output = loss(input, target)
    output.backward()
    print(f"{name}: {output:.4f}")
    RESULTS[name] = (output.item(), input.grad.numpy().tolist())

logsoftmax = torch.nn.LogSoftmax(1)
lossFun = torch.nn.NLLLoss()
scores = torch.tensor(rng.uniform(size=(3, 5)), dtype=torch.float32, requires_grad=True)
label = torch.tensor([1, 0, 4])
nll = lossFun(logsoftmax(scores), label)
nll.backward()
print(f"nll: {nll:.4f}")
RESULTS["nll"] = (nll.item(), scores.grad.numpy().tolist())
onehot_label = torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0],
                             [1.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 1.0]])
try:
    lossFun(logsoftmax(scores), onehot_label)
    RESULTS["nll_onehot_error"] = None
except RuntimeError as error:  # NLLLoss wants class indices
    RESULTS["nll_onehot_error"] = type(error).__name__

logits = torch.tensor(rng.uniform(size=(4, 3)), dtype=torch.float32)
by_hand = -torch.nn.LogSoftmax(dim=1)(logits)[range(4), [1, 0, 2, 1]].mean()
index_target = torch.tensor([1, 0, 2, 1])
probability_target = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0],
                                   [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
loss = torch.nn.CrossEntropyLoss()
with_index, with_onehot = loss(logits, index_target), loss(logits, probability_target)
print(f"cross-entropy: {with_index:.4f} (index), {with_onehot:.4f} (one-hot), "
      f"{by_hand:.4f} (by hand)")
RESULTS["cross_entropy"] = [with_index.item(), with_onehot.item(), by_hand.item()]
smoothed = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(logits, index_target)
RESULTS["cross_entropy_smoothed"] = smoothed.item()

bce_input = torch.tensor([-0.7001, -0.7231, -0.2049], requires_grad=True)
bce_target = torch.tensor([0, 0, 1]).float()
bce = nn.BCELoss()(torch.sigmoid(bce_input), bce_target)
bce.backward()
with_logits = nn.BCEWithLogitsLoss()(bce_input.detach(), bce_target)
print(f"bce: {bce:.4f}, with logits: {with_logits:.4f}")
RESULTS["bce"] = (bce.item(), bce_input.grad.tolist(), with_logits.item())
COMPARE = {"rtol": 1.3e-6, "atol": 1e-5}
