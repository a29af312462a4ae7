"""mmcv's deformable attention on a GPU when mmcv has CPU ops only.

``tools/setup_env.sh`` builds mmcv 2.1.0's extension ``mmcv._ext`` with its
CPU ops only, also for a CUDA build of torch (no CUDA compile: no model of
the study calls a compiled mmcv kernel, see
tests/test_models/test_mmcv_ops_unused.py). One model outside the study
does on a GPU: mmseg's full Mask2Former (``configs/mask2former/``), whose
mmdet ``MSDeformAttnPixelDecoder`` uses mmcv's
``MultiScaleDeformableAttention``. In mmcv 2.0-2.1 its ``forward`` calls the
extension's CUDA kernel (``ext_module.ms_deform_attn_forward``) when
``IS_CUDA_AVAILABLE and value.is_cuda``, which fails without CUDA ops
("ms_deform_attn_impl_forward: implementation for device cuda:0 not found").

:func:`fall_back_ms_deform_attn` sets that module's ``IS_CUDA_AVAILABLE``
to False when the extension was compiled without CUDA, so CUDA tensors take
mmcv's PyTorch implementation ``multi_scale_deformable_attn_pytorch``, as
CPU tensors always do. An mmcv built with CUDA ops
(``MMCV_FULL_BUILD=1 bash tools/setup_env.sh``) is left as it is. It runs on
``import a2d2_mmseg.plugin`` (:mod:`a2d2_mmseg.compat`).
"""
__all__ = ['mmcv_has_cuda_ops', 'fall_back_ms_deform_attn']

# The mmcv releases whose MultiScaleDeformableAttention.forward reads the
# module-level IS_CUDA_AVAILABLE (checked against 2.1.0's source).
_MMCV_RANGE = ('2.0.0', '2.2.0')


def mmcv_has_cuda_ops() -> bool:
    """Whether mmcv's extension ``mmcv._ext`` was compiled with CUDA ops.

    Returns:
        bool: False when ``get_compiling_cuda_version()`` says
        'not available' (a CPU-only build).
    """
    from mmcv.utils import ext_loader
    ext = ext_loader.load_ext('_ext', ['get_compiling_cuda_version'])
    return ext.get_compiling_cuda_version() != 'not available'


def fall_back_ms_deform_attn() -> bool:
    """Make ``MultiScaleDeformableAttention`` use PyTorch on CUDA tensors
    when mmcv's extension has no CUDA kernels (idempotent).

    A no-op for an mmcv outside 2.0-2.1, when torch sees no GPU (mmcv then
    uses PyTorch anyway), and for an extension with CUDA ops.

    Returns:
        bool: Whether this call switched to the PyTorch implementation.
    """
    import mmcv
    from mmengine.utils import digit_version
    low, high = (digit_version(v) for v in _MMCV_RANGE)
    if not low <= digit_version(mmcv.__version__) < high:
        return False
    from mmcv.ops import multi_scale_deform_attn
    if not getattr(multi_scale_deform_attn, 'IS_CUDA_AVAILABLE', False):
        return False
    if mmcv_has_cuda_ops():
        return False
    multi_scale_deform_attn.IS_CUDA_AVAILABLE = False
    return True
