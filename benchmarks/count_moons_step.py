"""Run N moons 2-20-3-1 SGD steps (or one part of the step) of a minigrad checkout, for counting
instructions: the per-op overhead of the Python layer, repeatably, on a noisy machine.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONHASHSEED=0 \\
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python benchmarks/count_moons_step.py CHECKOUT PART N

PART is `all` (zero_grad, forward, backward, step), `fwd`, `fb` (zero_grad, forward, backward) or
`step`; the instructions of one step are (count at N=400 - count at N=100) / 300. CHECKOUT is
the directory of the minigrad to import (e.g. a `git worktree` of an older commit), so that two
versions are counted with the same script. docs/benchmarks.md has the figures.
"""
import sys

import numpy as np

checkout, part, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, checkout)
import minigrad as mg  # noqa: E402  (from the checkout given)

x, y = mg.data.make_moons(200, noise=0.2, seed=0)
x = mg.tensor(np.asarray(x, np.float32))
y = mg.tensor(np.asarray(y, np.float32).reshape(-1, 1))
model = mg.nn.Sequential(mg.nn.Linear(2, 20), mg.nn.ReLU(), mg.nn.Linear(20, 3), mg.nn.ReLU(),
                         mg.nn.Linear(3, 1))
optimizer = mg.optim.SGD(model.parameters(), lr=0.2)
loss_fn = mg.nn.BCEWithLogitsLoss()
optimizer.zero_grad()
loss_fn(model(x), y).backward()
optimizer.step()  # the first step builds the optimizer state: not counted

for _ in range(steps):
    if part in ("all", "fb"):
        optimizer.zero_grad()
    if part == "fwd":
        loss_fn(model(x), y)
    elif part != "step":
        loss_fn(model(x), y).backward()
    if part in ("all", "step"):
        optimizer.step()
