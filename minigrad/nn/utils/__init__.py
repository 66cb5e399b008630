"""minigrad.nn.utils: gradient clipping, penalties, constraints and weight normalization."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .regularization import l1_penalty, l2_penalty, max_norm_, non_neg_, unit_norm_, weight_norm
