"""Count a module's FLOPs with mmengine's ``FlopAnalyzer``, never raising.

The counter is the one ``mmengine.analysis.get_model_complexity_info``
uses, called directly to trace once and to get the operators it could not
count. With the plugin imported it also counts
``scaled_dot_product_attention`` and ``baddbmm`` (:mod:`.flop_handles`).
One fused multiply-add counts as one FLOP (mmengine's convention, i.e.
MACs).
"""
from typing import Any, Dict

import torch

from a2d2_mmseg.study.benchmark_env import short_error

__all__ = ['CHEAP_OPS', 'count_flops']

# Operators that mmengine's FlopAnalyzer has no counter for and that cost
# next to nothing next to the convolutions and matrix products (element-wise
# arithmetic, comparisons, activations, pooling, reductions, indexing): they
# are not listed as "not counted" in the notes (the table says so once).
CHEAP_OPS = frozenset(
    'aten::' + name for name in (
        'add add_ sub sub_ rsub mul mul_ div div_ neg abs pow sqrt rsqrt exp '
        'exp_ log sigmoid sigmoid_ tanh gelu silu hardtanh leaky_relu softmax '
        'log_softmax cos sin lt le ne eq_ logical_and logical_or logical_not '
        'where max_pool2d avg_pool2d adaptive_max_pool2d sum mean amax argmax '
        'max min topk sort cumsum flip repeat repeat_interleave meshgrid '
        'masked_fill_ fill_ _shape_as_tensor feature_dropout dropout_ '
        'clamp_min clamp_max zero_ ones_like empty_like rand_like randn_like '
        'linspace new_ones scatter scatter_ index_select'.split()))


def count_flops(module: torch.nn.Module,
                inputs: torch.Tensor) -> Dict[str, Any]:
    """FLOPs of ``module(inputs)``.

    Args:
        module (nn.Module): The module to trace.
        inputs (Tensor): Its single input.

    Returns:
        dict: ``dict(flops=int, skipped=[operators])`` or, when tracing or
        counting fails, ``dict(error=str)``. ``skipped`` lists the
        operators without a FLOP counter that are not in
        :data:`CHEAP_OPS` (they count as 0).
    """
    try:
        from mmengine.analysis import FlopAnalyzer
        analyzer = FlopAnalyzer(module, (inputs, ))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        with torch.no_grad():
            flops = int(analyzer.total())
            skipped = sorted(set(analyzer.unsupported_ops()) - CHEAP_OPS)
        return dict(flops=flops, skipped=skipped)
    except Exception as error:  # any failure is reported, never raised
        return dict(error=short_error(error))
