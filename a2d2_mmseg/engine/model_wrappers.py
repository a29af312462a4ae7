"""The model wrapper for distributed runs without an accelerator."""
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS

__all__ = ['CPUDistributedDataParallel']


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for modules on the CPU
    (:mod:`a2d2_mmseg.compat.distributed` configures it): SyncBN reverted to
    BN and ``device_ids=None``, as DDP requires for CPU modules, whatever
    ``Runner.wrap_model`` gives. Registered in mmengine's root
    ``MODEL_WRAPPERS``, where ``Runner.wrap_model`` looks wrappers up."""

    def __init__(self, module, device_ids=None, output_device=None,
                 **kwargs) -> None:
        super().__init__(module=revert_sync_batchnorm(module),
                         device_ids=None, output_device=None, **kwargs)
