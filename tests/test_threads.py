"""Processes and threads: forked children run the OpenMP kernels, Python threads do not change
each other's results, and training is bit-identical for any thread count (docs/determinism.md)."""
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import kernels, nn

ROOT = Path(mg.__file__).parent.parent
FORK_TIMEOUT = 60  # seconds; a hung child fails the test instead of blocking CI
# the interpreters started here import this minigrad, wherever the script is
ENV = {**os.environ,
       "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

pytestmark = pytest.mark.skipif(not kernels.compiled_available("conv"),
                                reason="the compiled kernels are not built")

# Runs in a fresh interpreter: the parent runs conv2d (forward and backward), batch norm and
# layer norm on inputs large enough for their OpenMP loops (and a gemm large enough for
# OpenBLAS's threads), then a forked child runs them again and sends its results back.
FORK_SCRIPT = """
import os, pickle, sys, multiprocessing
import numpy as np
import minigrad as mg
from minigrad import kernels

mg.set_num_threads(2)  # a team of two even on one core: the case that hangs after a fork
rng = np.random.default_rng(0)
x = rng.standard_normal((16, 4, 24, 24)).astype(np.float32)
weight = rng.standard_normal((8, 4, 5, 5)).astype(np.float32)
channels = rng.standard_normal((64, 16, 512)).astype(np.float32)  # PARALLEL_MIN
rows = rng.standard_normal((1024, 512)).astype(np.float32)  # 524,288 elements
a = rng.standard_normal((512, 784)).astype(np.float32)
b = rng.standard_normal((256, 784)).astype(np.float32)

def kernels_results(threads):
    if threads:
        mg.set_num_threads(threads)
    conv, linear = kernels.load("conv"), kernels.load("linear")
    batch_norm, layer_norm = kernels.load("batch_norm"), kernels.load("layer_norm")
    team = mg.get_num_threads()
    with kernels.blas_on_one_thread():  # as ops/conv.py calls them
        y, cols = conv.conv2d_forward(x, weight, None, 1, 2, 1, num_threads=team)
        grads = conv.conv2d_backward(y, x, cols, weight, 1, 2, 1, input_grad=True,
                                     weight_grad=True, bias_grad=True, num_threads=team)
    mean, var = batch_norm.batch_norm_stats(channels, num_threads=team)
    normed = batch_norm.batch_norm_apply(channels, mean, var, None, None, 1e-5, num_threads=team)
    layer, _, _ = layer_norm.layer_norm_forward(rows, None, None, 1e-5, num_threads=team)
    product = linear.linear_forward(a, b, None, "none", 0.01)
    return [y, grads[0], grads[1], mean, var, normed, layer, product, mg.get_num_threads()]

def child(connection, threads):
    connection.send(kernels_results(threads))

def compare(expected, got):
    for e, g in zip(expected[:-1], got[:-1]):
        assert np.array_equal(e, g), "the child's result differs from the parent's"
    return got[-1]

def main(how, threads):
    expected = kernels_results(None)
    got = forked(threads) if how == "os.fork" else in_process(how, threads)
    print("child threads", compare(expected, got))
    print("parent again", compare(expected, kernels_results(None)))

def forked(threads):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        with os.fdopen(write, "wb") as out:
            pickle.dump(kernels_results(threads), out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        got = pickle.load(pipe)
    assert os.waitpid(pid, 0)[1] == 0
    return got

def in_process(how, threads):  # multiprocessing's "fork" or "spawn" start method
    context = multiprocessing.get_context(how)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=child, args=(sender, threads))
    process.start()
    got = receiver.recv()
    process.join()
    assert process.exitcode == 0
    return got

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) or None)
"""


def run_fork_script(how, threads, tmp_path):
    script = tmp_path / "fork_script.py"  # a file: "spawn" re-imports the main module
    script.write_text(FORK_SCRIPT)
    try:
        result = subprocess.run([sys.executable, str(script), how, str(threads)],
                                capture_output=True, text=True, env=ENV,
                                timeout=FORK_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a child forked ({how}) after OpenMP kernels hung for {FORK_TIMEOUT} s")
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("how", ["os.fork", "fork", "spawn"])
def test_a_child_runs_the_kernels_after_the_parent_ran_them(how, tmp_path):
    # threads 0: the child keeps the thread count it inherited (2)
    assert run_fork_script(how, 0, tmp_path) == ["child", "threads", "2", "parent", "again", "2"]


def test_a_forked_child_may_set_its_own_thread_count(tmp_path):
    assert run_fork_script("os.fork", 2, tmp_path)[:3] == ["child", "threads", "2"]
    assert run_fork_script("fork", 1, tmp_path)[:3] == ["child", "threads", "1"]


# ----------------------------------------------------------------------------- training

def conv_net(seed):
    mg.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 8, 5, padding=2), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(8, 8, 5, padding=2), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 7 * 7, 10))


def mlp(seed):
    mg.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(),
                         nn.Linear(256, 10))


def train(model, seed, steps=4, batch=128):
    """Parameters after `steps` Adam steps on a fixed random batch of 28x28 images. The batch
    makes every kernel take its parallel path: batch norm over >= 32,768 values, gemms with an
    inner dimension of 784 > 448 (csrc/_blas.pxd)."""
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = mg.tensor(rng.integers(0, 10, batch))
    optimizer = mg.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def assert_same_parameters(expected, got):
    assert len(expected) == len(got)
    for index, (e, g) in enumerate(zip(expected, got)):
        assert np.array_equal(e, g), f"parameter {index} differs (max {np.abs(e - g).max():.3g})"


JOBS = [(conv_net, 1), (mlp, 2), (conv_net, 3)]


def test_trainings_in_python_threads_equal_the_same_trainings_run_one_after_another():
    serial = [train(make(seed), seed) for make, seed in JOBS]
    models = [make(seed) for make, seed in JOBS]  # built here: the seeded generator is global
    results = [None] * len(JOBS)
    start = threading.Barrier(len(JOBS))

    def work(i):
        start.wait()
        results[i] = train(models[i], JOBS[i][1])

    workers = [threading.Thread(target=work, args=(i,)) for i in range(len(JOBS))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=FORK_TIMEOUT)
        assert not worker.is_alive(), "a training thread hung"
    for expected, got in zip(serial, results):
        assert_same_parameters(expected, got)


def test_blas_on_one_thread_holds_while_any_python_thread_is_inside():
    get_blas_threads = kernels._openblas.scipy_openblas_get_num_threads
    previous = mg.get_num_threads()
    mg.set_num_threads(2)
    inside, release = threading.Event(), threading.Event()

    def hold():
        with kernels.blas_on_one_thread():
            inside.set()
            release.wait(FORK_TIMEOUT)

    other = threading.Thread(target=hold)
    try:
        other.start()
        inside.wait(FORK_TIMEOUT)
        with kernels.blas_on_one_thread():
            assert get_blas_threads() == 1
        assert get_blas_threads() == 1  # the other thread is still inside
        mg.set_num_threads(2)
        assert get_blas_threads() == 1  # ... and set_num_threads leaves its loop alone
        release.set()
        other.join(FORK_TIMEOUT)
        assert get_blas_threads() == 2
    finally:
        release.set()
        mg.set_num_threads(previous)


@pytest.mark.parametrize("deterministic", [True, False])
@pytest.mark.parametrize("make", [conv_net, mlp])
def test_training_is_bit_identical_for_one_and_two_threads(make, deterministic):
    previous = mg.get_num_threads()
    mg.use_deterministic_algorithms(deterministic)
    try:
        results = []
        for threads in (1, 2):
            mg.set_num_threads(threads)
            results.append(train(make(0), 0))
    finally:
        mg.use_deterministic_algorithms(False)
        mg.set_num_threads(previous)
    assert_same_parameters(*results)


def test_deterministic_mode_makes_numpy_matmul_independent_of_the_thread_count(rng):
    a = mg.tensor(rng.standard_normal((256, 784)).astype(np.float32))
    b = mg.tensor(rng.standard_normal((784, 256)).astype(np.float32))
    previous = mg.get_num_threads()
    mg.use_deterministic_algorithms(True)
    try:
        assert mg.are_deterministic_algorithms_enabled()
        products = []
        for threads in (1, 2):
            mg.set_num_threads(threads)
            products.append((a @ b).numpy())
    finally:
        mg.use_deterministic_algorithms(False)
        mg.set_num_threads(previous)
    assert not mg.are_deterministic_algorithms_enabled()
    np.testing.assert_array_equal(*products)


def test_use_deterministic_algorithms_takes_a_bool():
    with pytest.raises(TypeError, match="expects a bool, got int"):
        mg.use_deterministic_algorithms(1)
    assert not mg.are_deterministic_algorithms_enabled()


def test_a_child_forked_inside_another_threads_conv_loop_gets_its_blas_threads_back():
    # The parent forks while another thread holds blas_on_one_thread (as conv2d does): the
    # child has no such thread, so its count of running loops and its BLAS threads are reset.
    code = textwrap.dedent("""
        import os, threading
        import minigrad as mg
        from minigrad import kernels
        mg.set_num_threads(2)
        inside, release = threading.Event(), threading.Event()
        def hold():
            with kernels.blas_on_one_thread():
                inside.set()
                release.wait(60)
        other = threading.Thread(target=hold)
        other.start()
        inside.wait(60)
        pid = os.fork()
        if pid == 0:
            blas_threads = kernels._openblas.scipy_openblas_get_num_threads()
            state = (kernels._one_thread_sections, blas_threads)
            os._exit(0 if state == (0, 2) else 1)
        release.set()
        other.join()
        print(os.waitpid(pid, 0)[1], kernels._openblas.scipy_openblas_get_num_threads())
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=ENV, timeout=FORK_TIMEOUT)
    assert result.stdout.split() == ["0", "2"], result.stderr
