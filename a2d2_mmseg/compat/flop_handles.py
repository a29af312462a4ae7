"""FLOP handles for operators mmengine's ``FlopAnalyzer`` cannot count.

mmengine 0.10's ``FlopAnalyzer`` (fvcore's jit-trace counter, used by
``mmengine.analysis.get_model_complexity_info`` and therefore by mmseg's
``tools/analysis_tools/get_flops.py``) has no handle for
``aten::scaled_dot_product_attention``: it counts the operator as 0 and
warns that it skipped it, so the attention of the Mask2Former-lite head
(:class:`~a2d2_mmseg.models.layers.lite_transformer_decoder.SDPAttention`)
and of any model calling ``F.scaled_dot_product_attention`` is missing
from the total. ``aten::baddbmm`` (``torch.nn.MultiheadAttention`` with an
attention mask) has none either.

The handles here follow mmengine's own conventions (``jit_handles.py``):
one fused multiply-add counts as one "flop" (so the totals are MACs), and
for ``aten::matmul`` ``[..., n, m] @ [..., m, p]`` counts
``prod(first shape) * p``; element-wise work (the scale, the softmax, the
dropout, a mask) counts 0, as mmengine counts ``aten::softmax`` and
``aten::mul`` 0. Attention therefore counts exactly what the explicit
``softmax(q @ k^T * scale) @ v`` counts with mmengine's matmul handle.

``get_model_complexity_info`` also runs mmengine's ``ActivationAnalyzer``,
which counts the output elements of matmuls; the same is registered for
the two operators (the attention output; the ``L x S`` weights that a fused
kernel never materialises are not counted), so it no longer warns that
they are unsupported.

Importing :mod:`a2d2_mmseg.plugin` calls :func:`register_flop_handles`
(:mod:`a2d2_mmseg.compat`), which adds the handles to mmengine's tables of
default handles
(``mmengine.analysis.complexity_analysis._DEFAULT_SUPPORTED_FLOP_OPS`` and
``_DEFAULT_SUPPORTED_ACT_OPS``, copied by every new ``FlopAnalyzer`` /
``ActivationAnalyzer``). This only adds counters for operators mmengine
does not count; an operator that mmengine itself handles keeps mmengine's
handle. There is no public registration function in mmengine 0.10, so the
private tables are the extension point; the tests check that they still
exist.
"""
from math import prod
from typing import Any, Dict, List

from mmengine.analysis.jit_handles import (Handle, generic_activation_jit,
                                           get_shape)

__all__ = [
    'sdpa_flop_jit', 'baddbmm_flop_jit', 'FLOP_HANDLES',
    'ACTIVATION_HANDLES', 'register_flop_handles'
]


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """Count ``aten::scaled_dot_product_attention`` as mmengine counts
    matmuls.

    For ``q [..., L, E]``, ``k [..., S, E]``, ``v [..., S, Ev]`` and output
    ``[..., L, Ev]``: ``q @ k^T`` is ``N * L * S * E`` multiply-adds and
    ``weights @ v`` is ``N * L * S * Ev``, with ``N`` the product of the
    output's batch dimensions (batch, heads; broadcast or grouped
    key/value heads included). The full ``L x S`` matrix is counted also
    with ``is_causal`` or a mask, as the explicit computation would be.

    Args:
        inputs (list): The traced node's inputs (``query``, ``key``,
            ``value``, ``attn_mask``, ...).
        outputs (list): The traced node's outputs (the attention output
            first).

    Returns:
        int: Multiply-adds of the two products.
    """
    query, key = get_shape(inputs[0]), get_shape(inputs[1])
    out = get_shape(outputs[0])
    batch = prod(out[:-2])
    length, out_dim = out[-2], out[-1]
    return batch * length * key[-2] * (query[-1] + out_dim)


def baddbmm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """Count ``aten::baddbmm(input, b1 [b, n, m], b2 [b, m, p])`` as
    ``b * n * m * p`` multiply-adds (mmengine's ``bmm`` convention; the
    scaled addition of ``input`` counts 0).

    Args:
        inputs (list): The traced node's inputs.
        outputs (list): The traced node's outputs (unused).

    Returns:
        int: Multiply-adds of the batched product.
    """
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
    """Add :data:`FLOP_HANDLES` (and :data:`ACTIVATION_HANDLES`) to
    mmengine's default handles.

    Idempotent. Operators mmengine already counts keep their handle.

    Returns:
        dict: The FLOP handles this call added (empty when already there).
    """
    from mmengine.analysis import complexity_analysis as tables
    for name, handle in ACTIVATION_HANDLES.items():
        tables._DEFAULT_SUPPORTED_ACT_OPS.setdefault(name, handle)
    added = {}
    for name, handle in FLOP_HANDLES.items():
        if name not in tables._DEFAULT_SUPPORTED_FLOP_OPS:
            tables._DEFAULT_SUPPORTED_FLOP_OPS[name] = added[name] = handle
    return added
