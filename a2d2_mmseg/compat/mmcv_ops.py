"""mmcv's deformable attention on a GPU when mmcv has CPU ops only.

``tools/setup_env.sh`` builds mmcv 2.1.0's extension with CPU ops only. In
mmcv 2.0-2.1, ``MultiScaleDeformableAttention.forward`` (mmseg's full
Mask2Former) calls the extension's CUDA kernel when
``IS_CUDA_AVAILABLE and value.is_cuda``, which then fails
("ms_deform_attn_impl_forward: implementation for device cuda:0 not
found"). :data:`PATCH` sets that module's ``IS_CUDA_AVAILABLE`` to False
when the extension has no CUDA ops, so CUDA tensors take mmcv's PyTorch
implementation, as CPU tensors always do.
"""
from a2d2_mmseg.compat import Patch

__all__ = ['mmcv_has_cuda_ops', 'fall_back_ms_deform_attn', 'PATCH']


def mmcv_has_cuda_ops() -> bool:
    """Whether mmcv's extension ``mmcv._ext`` was compiled with CUDA ops."""
    from mmcv.utils import ext_loader
    ext = ext_loader.load_ext('_ext', ['get_compiling_cuda_version'])
    return ext.get_compiling_cuda_version() != 'not available'


def fall_back_ms_deform_attn() -> bool:
    """Make ``MultiScaleDeformableAttention`` use PyTorch on CUDA tensors
    when mmcv's extension has no CUDA kernels; returns whether this call
    switched (not when torch sees no GPU or the extension has CUDA ops)."""
    from mmcv.ops import multi_scale_deform_attn
    if not getattr(multi_scale_deform_attn, 'IS_CUDA_AVAILABLE', False):
        return False
    if mmcv_has_cuda_ops():
        return False
    multi_scale_deform_attn.IS_CUDA_AVAILABLE = False
    return True


PATCH = Patch(
    name='ms_deform_attn_fallback',
    upstream='mmcv MultiScaleDeformableAttention.forward calls the CUDA '
    'kernel of an extension built without CUDA ops',
    requires=('mmcv>=2.0.0,<2.2.0', ),
    setup=fall_back_ms_deform_attn,
    relies_on=('mmcv.ops.multi_scale_deform_attn.'
               'MultiScaleDeformableAttention.forward', ))
