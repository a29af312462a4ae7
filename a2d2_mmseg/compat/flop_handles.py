"""FLOP handles for operators mmengine's ``FlopAnalyzer`` counts as 0.

mmengine 0.10's ``FlopAnalyzer`` (behind ``get_model_complexity_info`` and
mmseg's ``get_flops.py``) counts ``aten::scaled_dot_product_attention``
(the Mask2Former-lite head) and ``aten::baddbmm`` as 0, with a warning.
:data:`PATCH` adds FLOP handles in mmengine's conventions (one multiply-add
is one "flop"), so attention counts what the explicit ``softmax(q @ k^T *
scale) @ v`` counts, and activation handles, to mmengine's default tables
(it has no public registration), never over a handle mmengine has.
"""
from math import prod
from typing import Any, Dict, List

from mmengine.analysis.jit_handles import (Handle, generic_activation_jit,
                                           get_shape)

from a2d2_mmseg.compat import Patch

__all__ = [
    'sdpa_flop_jit', 'baddbmm_flop_jit', 'FLOP_HANDLES',
    'ACTIVATION_HANDLES', 'register_flop_handles', 'PATCH'
]


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """Multiply-adds of ``aten::scaled_dot_product_attention``, counted as
    mmengine counts matmuls: ``N * L * S * (E + Ev)`` for ``q [..., L, E]``,
    ``k [..., S, E]``, output ``[..., L, Ev]`` and ``N`` the product of the
    output's batch dimensions (the full ``L x S`` also with a mask)."""
    query, key = get_shape(inputs[0]), get_shape(inputs[1])
    out = get_shape(outputs[0])
    batch = prod(out[:-2])
    length, out_dim = out[-2], out[-1]
    return batch * length * key[-2] * (query[-1] + out_dim)


def baddbmm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """Multiply-adds of ``aten::baddbmm(input, b1 [b, n, m], b2 [b, m, p])``:
    ``b * n * m * p`` (the addition counts 0)."""
    b, n, m = get_shape(inputs[1])
    return b * n * m * get_shape(inputs[2])[-1]


#: The handles :func:`register_flop_handles` adds, by operator name.
FLOP_HANDLES: Dict[str, Handle] = {
    'aten::scaled_dot_product_attention': sdpa_flop_jit,
    'aten::baddbmm': baddbmm_flop_jit,
}


#: Activation handles (output elements, as mmengine counts matmuls).
ACTIVATION_HANDLES: Dict[str, Handle] = {
    name: generic_activation_jit()
    for name in FLOP_HANDLES
}


def register_flop_handles() -> Dict[str, Handle]:
    """Add :data:`FLOP_HANDLES` and :data:`ACTIVATION_HANDLES` to
    mmengine's default handles, never over one mmengine has; returns the
    FLOP handles this call added."""
    from mmengine.analysis import complexity_analysis as tables
    for name, handle in ACTIVATION_HANDLES.items():
        tables._DEFAULT_SUPPORTED_ACT_OPS.setdefault(name, handle)
    added = {}
    for name, handle in FLOP_HANDLES.items():
        if name not in tables._DEFAULT_SUPPORTED_FLOP_OPS:
            tables._DEFAULT_SUPPORTED_FLOP_OPS[name] = added[name] = handle
    return added


PATCH = Patch(
    name='flop_handles',
    upstream='mmengine FlopAnalyzer counts scaled_dot_product_attention and '
    'baddbmm as 0',
    setup=register_flop_handles,
    relies_on=('mmengine.analysis.complexity_analysis.FlopAnalyzer',
               'mmengine.analysis.complexity_analysis.ActivationAnalyzer'))
