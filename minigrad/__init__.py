"""minigrad: a minimal reverse-mode autograd framework whose hot kernels are Cython compiled to C.

The public API follows PyTorch's: `minigrad.tensor`, `Tensor.backward`, `minigrad.no_grad`,
`minigrad.nn`, `minigrad.optim`. See README.md and docs/architecture.md.
"""
from . import _process  # first: the process tuning (OMP_WAIT_POLICY, ...) before any runtime loads
from .tensor import Size, Tensor
from .autograd import (Function, enable_grad, inference_mode, is_grad_enabled,
                       is_inference_mode_enabled, no_grad, set_grad_enabled)
from ._printing import get_printoptions, printoptions, set_printoptions
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, logspace, ones, ones_like, tensor, zeros, zeros_like)
from .device import device
from .dtypes import *  # noqa: F401,F403  (float32, float64, int64, long, ..., set_default_dtype)
from .gradcheck import GradcheckError, gradcheck
from .kernels import (are_deterministic_algorithms_enabled, get_backend, get_num_threads,
                      set_backend, set_num_threads, use_deterministic_algorithms)
from .ops import (abs, add, argmax, argmin, bmm, cat, clamp, clip, clone, concat, concatenate,
                  cos, div, elu, eq, exp, expand, flatten, ge, gt, le, leaky_relu, log,
                  log_softmax, logsumexp, lt, matmul, max, maximum, mean, min, minimum, mm, mul, ne,
                  neg, permute, pow, relu, reshape, selu, sigmoid, sin, softmax, softplus, sqrt,
                  squeeze, stack, std, sub, sum, swapaxes, t, tanh, transpose, unsqueeze, var, view,
                  where)
from .ops import (all, allclose, any, argsort, bitwise_and, bitwise_not, bitwise_or, bitwise_xor,
                  ceil, chunk, cumsum, diag, equal, flip, floor, gather, isclose, linalg,
                  logical_and, logical_not, logical_or, logical_xor, masked_fill, meshgrid, norm,
                  numel,
                  prod, repeat, round, scatter, scatter_add, sign, sort, split, topk, trunc,
                  unbind)
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state)
from .sampling import (normal, rand, rand_like, randint, randint_like, randn, randn_like,
                       randperm)
from . import tensor_methods  # noqa: F401  (sets Tensor's methods: see tensor_methods.py)
from .serialization import CheckpointError, load, save
from .tensor_types import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                           HalfTensor, IntTensor, LongTensor, ShortTensor, is_floating_point,
                           is_tensor)
from . import data, nn, optim, profiler, utils  # noqa: E402  (subpackages, as torch.nn)
from . import accelerator, backends, cuda  # noqa: E402  (CPU-only answers to device probes)

__version__ = "0.1.0"
