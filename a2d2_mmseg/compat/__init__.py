"""Every change the plugin makes to mmengine, mmseg and torch: one list.

:func:`apply_patches` applies them; importing :mod:`a2d2_mmseg.plugin` (the
configs' ``custom_imports``, ``tools/train.py``, ``tools/test.py``) calls it
once. Nothing else in the package patches anything on import: importing
``a2d2_mmseg`` or any other module of it changes no library. Each patch is
idempotent, targets mmengine 0.10.x / mmseg 1.2.x, and is covered by the
tests of its module.

Safe checkpoint loading (:mod:`a2d2_mmseg.compat.checkpoint`;
``mim train``/``mim test`` and mmseg's tools load checkpoints through
mmengine, which never imports this package's tools):

1. :func:`~a2d2_mmseg.compat.checkpoint.register_checkpoint_safe_globals`: allow-lists
   the plain-data types of mmengine checkpoints for
   ``torch.load(weights_only=True)``, so checkpoints load as data, never
   run.
2. :func:`~a2d2_mmseg.compat.checkpoint.guard_checkpoint_loader`: mmengine's
   ``CheckpointLoader.load_checkpoint`` refuses unsafe, empty, truncated and
   malformed checkpoints and failed downloads with clear messages, and
   never runs the config text stored in a checkpoint.
3. :func:`~a2d2_mmseg.compat.resume.guard_runner_resume`: ``Runner.resume``
   checks a checkpoint before using it, and resumes from the newest
   complete checkpoint when ``work_dir/last_checkpoint`` is empty, dangling
   or names a broken file (and refuses one naming another folder's);
   ``Runner.load_or_resume`` refuses a checkpoint (``load_from``,
   ``--resume``) whose weights do not fit the model.
4. :func:`~a2d2_mmseg.compat.checkpoint.guard_inferencer_config` and
   :func:`~a2d2_mmseg.compat.inferencer.read_inferencer_config`: mmseg's
   ``MMSegInferencer(weights=CKPT)`` reads the config stored in a
   checkpoint as data instead of running it.

mmseg's inference APIs on the A2D2 configs:

5. :func:`~a2d2_mmseg.compat.inferencer.adapt_seg_inferencer`: ``MMSegInferencer``
   keeps ``LoadA2D2ImageFromFile`` in the test pipeline (mmseg's only
   accepts a step named ``LoadImageFromFile``).

``mim train`` on a CPU-only machine:

6. :func:`~a2d2_mmseg.compat.distributed.patch_mmengine_cpu_distributed`: mmengine's
   launcher path uses gloo and CPU DDP when no accelerator is present
   (mmseg's configs ask for nccl and SyncBN). A no-op with an accelerator;
   ``A2D2_MMSEG_PATCH_MMENGINE=0`` skips it. ``tools/train.py`` and
   ``tools/test.py`` configure this explicitly and do not need it.

Counting:

7. :func:`~a2d2_mmseg.compat.flop_handles.register_flop_handles`: FLOP
   and activation counters for ``scaled_dot_product_attention`` and
   ``baddbmm`` in mmengine's ``FlopAnalyzer`` (mmseg's ``get_flops.py``
   counted the attention of the Mask2Former-lite head as 0). Only adds
   handles for operators mmengine does not count.

mmcv on a GPU:

8. :func:`~a2d2_mmseg.compat.mmcv_ops.fall_back_ms_deform_attn`: mmcv's
   ``MultiScaleDeformableAttention`` (the full Mask2Former reference) uses
   mmcv's PyTorch implementation on CUDA tensors when mmcv's extension has
   CPU ops only (``tools/setup_env.sh``'s build); mmcv 2.0-2.1.
"""

__all__ = ['apply_patches']

_applied = False


def apply_patches() -> None:
    """Apply the patches listed in the module docstring, once."""
    global _applied
    if _applied:
        return
    from a2d2_mmseg.compat.flop_handles import register_flop_handles
    from a2d2_mmseg.compat.mmcv_ops import fall_back_ms_deform_attn
    from a2d2_mmseg.compat.checkpoint import (guard_checkpoint_loader, guard_inferencer_config, register_checkpoint_safe_globals)
    from a2d2_mmseg.compat.distributed import patch_mmengine_cpu_distributed
    from a2d2_mmseg.compat.inferencer import (adapt_seg_inferencer, read_inferencer_config)
    from a2d2_mmseg.compat.resume import guard_runner_resume
    register_checkpoint_safe_globals()
    guard_checkpoint_loader()
    guard_runner_resume()
    guard_inferencer_config()
    read_inferencer_config()  # after the guard: it wraps the guarded method
    adapt_seg_inferencer()
    patch_mmengine_cpu_distributed()
    fall_back_ms_deform_attn()
    register_flop_handles()
    _applied = True
