"""The index of minigrad's differentiable ops, with each backward rule in one line.

    op                     forward                      backward (gy = dL/dy)
    add / sub              a + b, a - b                 ga = gy, gb = +-gy
    mul / div              a * b, a / b                 ga = gy*b, gb = gy*a;  ga = gy/b, gb = -gy*a/b^2
    pow                    a ** b                       ga = gy*b*a^(b-1), gb = gy*a^b*log(a)
    neg, exp, log, sqrt    -x, e^x, ln x, x^(1/2)       -gy, gy*y, gy/x, gy/(2y)
    abs, sin, cos          |x|, sin x, cos x            gy*sign(x), gy*cos x, -gy*sin x
    clamp                  min(max(x, lo), hi)          gy where lo <= x <= hi
    maximum / minimum      elementwise max / min        gy to the larger / smaller, split on ties
    where                  c ? a : b                    ga = c ? gy : 0, gb = c ? 0 : gy
    relu, leaky_relu       max(x, 0), x or s*x          gy*(y > 0), gy*(x > 0 ? 1 : s)
    elu, selu              x or a(e^x - 1) (scaled)     gy*(x > 0 ? 1 : a e^x) (scaled)
    softplus               log(1 + e^(bx)) / b          gy*sigmoid(bx)
    sigmoid, tanh          1/(1 + e^-x), tanh x         gy*y(1-y), gy*(1-y^2)
    sum, mean              reduce over dims             gy broadcast back (mean: / count)
    var (std = sqrt var)   sum (x-m)^2 / (N - c)        gy*2(x-m)/(N - c)
    max, min               extremum                     gy to the extremal element(s)
    logsumexp              m + log sum e^(x-m)          gy*softmax(x)
    softmax                e^x / sum e^x                y*(gy - sum(gy*y))
    log_softmax            x - logsumexp(x)             gy - softmax(x)*sum(gy)
    reshape, permute, ...  views                        the inverse view of gy
    expand                 broadcast                    gy summed over the expanded dims
    index                  x[i]                         zeros with gy added at i
    chunk, split, unbind   slices x[.., a:b, ..]        (index's rule, for each piece; split.py)
    repeat                 x tiled r_d times per dim    gy summed over its tiles
    flip                   x reversed along dims        gy reversed along dims
    diag                   vector -> k-th diagonal of   the diagonal of gy; matrix -> its k-th
                           a matrix, or back            diagonal: zeros with gy on it (diag.py)
    gather                 x[.., index, ..] along dim   zeros with gy added at index (index.py)
    sort, topk (values)    gather at the sorting index  gather's rule
    scatter(_add)          x with src written (added)   gx = gy (0 where written), gsrc = gy[index]
    masked_fill            mask ? v : x                 gx = mask ? 0 : gy
    prod                   prod x_i                     gy * prod_{j != i} x_j (scan.py)
    cumsum                 y_i = sum_{j<=i} x_j         reverse cumsum of gy
    norm, vector_norm      (sum |x|^p)^(1/p), max |x|   gy sign(x) (|x| / y)^(p-1); inf: argmax
    sign, round, floor,    piecewise constant           0 (rounding.py)
      ceil, trunc
    cat / stack            join along dim               gy split along dim
    matmul                 a @ b                        ga = gy @ b^T, gb = a^T @ gy
    linear                 act(x W^T + b)               gz = gy*act'(y); gx = gz W, gW = gz^T x, gb = sum gz
    batch_norm             (x - m) s w + b per channel  gx = w s/M (M gy - sum gy - xh sum gy xh) [train]
    layer_norm             (x - m) s w + b per row      gx = s (g - mean g - xh mean(g xh)), g = gy w
    cross_entropy          -w_t log softmax(x)_t        gx = g (softmax(x) - onehot(t)) (weighted, smoothed)
    nll_loss               -w_t x_t                     gx = -g w_t at t, 0 elsewhere
    bce_with_logits        (1-y)x + l softplus(-x)      gx = g w ((1 - y) - l sigmoid(-x)), l = 1+(pw-1)y
    l1, mse, bce, huber,   composed of the ops above    (the ops' gradients; loss_composed.py)
      smooth_l1, kl_div, soft margins
    dropout (alpha, gauss) x * mask * scale (+ shift)   gx = gy * mask * scale
    conv2d                 W * x + b (im2col, gemm)     gW = sum_b gy[b] cols[b]^T, gx = col2im(W^T gy)
    max_pool2d, avg_pool2d window max / mean            gy to the argmax / spread evenly

Every one of these is a Function in the module of its family; registry.py lists sample inputs for
each, and the tests gradcheck them all. Outside the graph: comparisons, argmax / argmin / argsort,
the boolean and bitwise ops with all / any, isclose / allclose / equal (logical.py), F.one_hot.
"""
from .activation import elu, leaky_relu, relu, selu, sigmoid, softplus, tanh
from .elementwise import (abs, add, clamp, clip, clone, cos, div, eq, exp, ge, gt, le, log, lt,
                          maximum, minimum, mul, ne, neg, pow, sin, sqrt, sub, to_dtype, where)
from .index import (argsort, gather, masked_fill, masked_fill_, scatter, scatter_, scatter_add,
                    scatter_add_, sort, topk)
from .logical import (all, allclose, any, bitwise_and, bitwise_not, bitwise_or, bitwise_xor,
                      equal, isclose, logical_and, logical_not, logical_or, logical_xor)
from .rounding import ceil, floor, round, sign, trunc
from .scan import cumsum, prod
from .split import chunk, split, unbind
from .linear import bmm, fused_linear, linear, matmul, mm
from .conv import avg_pool2d, conv2d, max_pool2d
from .dropout import alpha_dropout, dropout, gaussian_dropout
from .loss import binary_cross_entropy_with_logits, cross_entropy, nll_loss
from .loss_composed import (binary_cross_entropy, huber_loss, kl_div, l1_loss, mse_loss,
                            multilabel_soft_margin_loss, smooth_l1_loss, soft_margin_loss)
from .norm import batch_norm, layer_norm
from .reduce import (argmax, argmin, logsumexp, log_softmax, max, mean, min, softmax, std, sum,
                     var)
from .diag import diag
from .grid import meshgrid
from .shape import (as_index, cat, concat, concatenate, expand, expand_as, flatten, flip,
                    index, numel, permute, repeat, reshape, reshape_as, squeeze, stack, swapaxes,
                    t, transpose, unsqueeze, view, view_as)
# last: importing the submodule ops.norm (batch and layer norm) binds the name `norm` to it
from .vector_norm import norm, vector_norm
from . import linalg
