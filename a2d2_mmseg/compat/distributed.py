"""Distributed (multi-process) training and testing on CPU-only machines.

mmengine 0.10.x assumes GPUs once a launcher is used: ``init_dist`` calls
``torch.cuda.set_device`` (an ``AttributeError`` on CPU builds of torch) and
mmseg's configs ask for the 'nccl' backend; ``Runner.wrap_model`` gives
``DistributedDataParallel`` ``device_ids=[LOCAL_RANK]``, which DDP rejects
for CPU modules; and mmseg's configs use SyncBN, which only runs on GPUs.

When no accelerator is in use (``mmengine.device.get_device() == 'cpu'``,
e.g. a CPU build of torch or ``CUDA_VISIBLE_DEVICES=-1``):

* :func:`init_cpu_dist` initialises the process group with 'gloo' from the
  launcher's environment, without touching CUDA;
* :class:`CPUDistributedDataParallel` is ``MMDistributedDataParallel`` with
  ``device_ids=None`` that first reverts SyncBN layers to BN
  (``mmengine.model.revert_sync_batchnorm``);
* :func:`configure_cpu_distributed` applies both to a config, and
  ``tools/train.py`` / ``tools/test.py`` call it explicitly;
* :func:`patch_mmengine_cpu_distributed` does the same for tools this package
  does not control (mmseg's own ``tools/train.py`` as run by ``mim train``,
  which only imports this package through ``custom_imports``). It runs on
  ``import a2d2_mmseg.plugin`` (:mod:`a2d2_mmseg.compat`) and is a no-op
  when an accelerator is present, so
  GPU (nccl) runs are exactly mmseg's.
"""
import copy
import datetime
import functools
import os
import subprocess
from typing import Optional

import torch.multiprocessing as mp
from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS
from torch import distributed as torch_dist
from torch.nn.parallel import DistributedDataParallel

__all__ = [
    'cpu_only', 'init_cpu_dist', 'CPUDistributedDataParallel',
    'configure_cpu_distributed', 'setup_cpu_distributed',
    'patch_mmengine_cpu_distributed', 'PATCH_ENV'
]

# Set to 0 to keep mmengine unpatched (the tools here still work on CPU).
PATCH_ENV = 'A2D2_MMSEG_PATCH_MMENGINE'
_GPU_BACKENDS = (None, 'nccl', 'cncl', 'hccl', 'mccl')


def cpu_only() -> bool:
    """Whether mmengine runs on the CPU (no CUDA/NPU/MLU/MPS/MUSA device)."""
    return get_device() == 'cpu'


def _cpu_backend(backend: Optional[str]) -> str:
    if backend in _GPU_BACKENDS:
        if backend is not None:
            print_log(
                f'No GPU is in use: initialising the process group with '
                f'"gloo" instead of "{backend}".',
                logger='current')
        return 'gloo'
    return backend


def init_cpu_dist(launcher: str, backend: Optional[str] = 'gloo',
                  **kwargs) -> None:
    """Initialise ``torch.distributed`` for CPU processes.

    Mirrors ``mmengine.dist.init_dist`` (mmengine 0.10.7) for the 'pytorch'
    (torchrun), 'slurm' and 'mpi' launchers without calling
    ``torch.cuda.set_device``; GPU backends ('nccl', ...) become 'gloo'.

    Args:
        launcher (str): 'pytorch', 'slurm' or 'mpi'.
        backend (str, optional): Backend; 'nccl'/None mean 'gloo'.
        **kwargs: Passed to ``torch.distributed.init_process_group``;
            ``timeout`` in seconds, ``port`` for slurm, as in mmengine.
    """
    backend = _cpu_backend(backend)
    timeout = kwargs.get('timeout')
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    if mp.get_start_method(allow_none=True) is None:
        mp.set_start_method('spawn')
    if launcher == 'pytorch':
        # torchrun sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT.
        pass
    elif launcher == 'slurm':
        port = kwargs.pop('port', None)
        proc_id = int(os.environ['SLURM_PROCID'])
        ntasks = int(os.environ['SLURM_NTASKS'])
        if port is not None:
            os.environ['MASTER_PORT'] = str(port)
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            node_list = os.environ['SLURM_NODELIST']
            os.environ['MASTER_ADDR'] = subprocess.getoutput(
                f'scontrol show hostname {node_list} | head -n1')
        os.environ['WORLD_SIZE'] = str(ntasks)
        os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
        os.environ['RANK'] = str(proc_id)
    elif launcher == 'mpi':
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            raise KeyError('The environment variable MASTER_ADDR is not set')
        os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
        os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
        os.environ['LOCAL_RANK'] = os.environ.get(
            'OMPI_COMM_WORLD_LOCAL_RANK', '0')
    else:
        raise ValueError(f'Invalid launcher type: {launcher}')
    torch_dist.init_process_group(backend=backend, **kwargs)


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for modules on the CPU.

    Reverts SyncBN layers to BN (SyncBN needs GPUs; every process then keeps
    its own batch statistics) and passes ``device_ids=None``, as DDP requires
    for CPU modules. ``device_ids``/``output_device`` given by
    ``Runner.wrap_model`` (``[LOCAL_RANK]``) are ignored.

    Registered in mmengine's root ``MODEL_WRAPPERS``, where
    ``Runner.wrap_model`` looks wrapper types up.
    """

    def __init__(self, module, device_ids=None, output_device=None,
                 **kwargs) -> None:
        module = revert_sync_batchnorm(module)
        super().__init__(
            module=module, device_ids=None, output_device=None, **kwargs)


def configure_cpu_distributed(cfg, launcher: Optional[str] = None):
    """Adapt a config for distributed CPU training/testing, in place.

    A no-op without a launcher or when an accelerator is in use. Otherwise
    sets ``env_cfg.dist_cfg.backend='gloo'`` and makes ``model_wrapper_cfg``
    a :class:`CPUDistributedDataParallel` (keeping its other options, and
    mmengine's defaults ``broadcast_buffers=False`` and
    ``find_unused_parameters=cfg.find_unused_parameters`` when unset).

    Args:
        cfg (mmengine.Config): The config.
        launcher (str, optional): Defaults to ``cfg.launcher``.

    Returns:
        mmengine.Config: ``cfg``.
    """
    launcher = launcher or cfg.get('launcher', 'none')
    if launcher == 'none' or not cpu_only():
        return cfg
    if cfg.get('env_cfg') is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg') is None:
        cfg.env_cfg.dist_cfg = dict()
    cfg.env_cfg.dist_cfg.backend = _cpu_backend(
        cfg.env_cfg.dist_cfg.get('backend'))
    cfg.model_wrapper_cfg = _cpu_wrapper_cfg(
        cfg.get('model_wrapper_cfg'),
        cfg.get('find_unused_parameters', False))
    return cfg


def setup_cpu_distributed(cfg, launcher: Optional[str] = None) -> bool:
    """:func:`configure_cpu_distributed`, then :func:`init_cpu_dist`.

    The runner skips ``init_dist`` when a process group exists, so calling
    this before ``Runner.from_cfg`` makes CPU runs independent of
    :func:`patch_mmengine_cpu_distributed`.

    Returns:
        bool: Whether a CPU process group was initialised here.
    """
    launcher = launcher or cfg.get('launcher', 'none')
    if launcher == 'none' or not cpu_only():
        return False
    configure_cpu_distributed(cfg, launcher)
    if torch_dist.is_available() and torch_dist.is_initialized():
        return False
    init_cpu_dist(launcher, **copy.deepcopy(cfg.env_cfg.dist_cfg))
    return True


def _cpu_wrapper_cfg(model_wrapper_cfg, find_unused_parameters=False):
    """A ``model_wrapper_cfg`` that works for CPU modules."""
    if model_wrapper_cfg is None:
        wrapper_cfg = dict(
            broadcast_buffers=False,
            find_unused_parameters=find_unused_parameters)
    else:
        wrapper_cfg = copy.deepcopy(dict(model_wrapper_cfg))
    wrapper_type = wrapper_cfg.get('type', 'MMDistributedDataParallel')
    if wrapper_type in ('MMDistributedDataParallel',
                        MMDistributedDataParallel):
        wrapper_cfg['type'] = 'CPUDistributedDataParallel'
    elif wrapper_type not in ('CPUDistributedDataParallel',
                              CPUDistributedDataParallel):
        wrapper_cls = (MODEL_WRAPPERS.get(wrapper_type)
                       if isinstance(wrapper_type, str) else wrapper_type)
        if isinstance(wrapper_cls, type) and issubclass(
                wrapper_cls, DistributedDataParallel):
            # A custom DDP wrapper: keep it, but on the CPU.
            wrapper_cfg['device_ids'] = None
    return wrapper_cfg


def _cpu_init_dist(original):
    """``mmengine.dist.utils._init_dist_*`` without CUDA on CPU machines."""

    @functools.wraps(original)
    def init(backend, *args, init_backend='torch', **kwargs):
        if not cpu_only() or init_backend != 'torch':
            return original(backend, *args, init_backend=init_backend,
                            **kwargs)
        launcher = original.__name__[len('_init_dist_'):]
        return init_cpu_dist(launcher, backend, *args, **kwargs)

    init._a2d2_cpu = True
    return init


def _cpu_init_dist_mpi(original):
    """``_init_dist_mpi`` has no ``init_backend`` argument."""

    @functools.wraps(original)
    def init(backend, **kwargs):
        if not cpu_only() or backend == 'smddp':
            return original(backend, **kwargs)
        return init_cpu_dist('mpi', backend, **kwargs)

    init._a2d2_cpu = True
    return init


def _cpu_wrap_model(original):
    """``Runner.wrap_model`` that wraps CPU models for DDP correctly."""

    @functools.wraps(original)
    def wrap_model(self, model_wrapper_cfg, model):
        if self.distributed and cpu_only():
            from mmengine.model import is_model_wrapper
            if not is_model_wrapper(model):
                model_wrapper_cfg = _cpu_wrapper_cfg(
                    model_wrapper_cfg,
                    self.cfg.get('find_unused_parameters', False))
                model = revert_sync_batchnorm(model)
        return original(self, model_wrapper_cfg, model)

    wrap_model._a2d2_cpu = True
    return wrap_model


def patch_mmengine_cpu_distributed(force: bool = False) -> bool:
    """Make mmengine's own distributed path work on CPU-only machines.

    For tools that build the runner without :func:`setup_cpu_distributed`
    (mmseg's ``tools/train.py``/``test.py``, ``mim train``/``mim test``).
    Targets mmengine 0.10.x (checked against 0.10.7) and replaces:

    * ``mmengine.dist.utils._init_dist_pytorch``, ``_init_dist_slurm`` and
      ``_init_dist_mpi`` (called by ``init_dist``, which
      ``Runner.setup_env`` calls) with versions that use
      :func:`init_cpu_dist` on the CPU;
    * ``mmengine.runner.Runner.wrap_model`` with a wrapper that, for a
      distributed CPU run, reverts SyncBN and uses
      :class:`CPUDistributedDataParallel` (``device_ids=None``) instead of
      ``MMDistributedDataParallel(device_ids=[LOCAL_RANK])``.

    The replacements defer to the originals whenever an accelerator is in
    use. Nothing is patched when one is present at import, or when the
    environment variable ``A2D2_MMSEG_PATCH_MMENGINE=0``. Idempotent.

    Args:
        force (bool): Patch even with an accelerator or the variable set
            (the replacements still defer to mmengine on GPUs).

    Returns:
        bool: Whether mmengine is patched after the call.
    """
    if not force and (not cpu_only()
                      or os.environ.get(PATCH_ENV, '1') == '0'):
        return False
    from mmengine.dist import utils as dist_utils
    from mmengine.runner import Runner

    for name in ('_init_dist_pytorch', '_init_dist_slurm'):
        fn = getattr(dist_utils, name)
        if not getattr(fn, '_a2d2_cpu', False):
            setattr(dist_utils, name, _cpu_init_dist(fn))
    if not getattr(dist_utils._init_dist_mpi, '_a2d2_cpu', False):
        dist_utils._init_dist_mpi = _cpu_init_dist_mpi(
            dist_utils._init_dist_mpi)
    if not getattr(Runner.wrap_model, '_a2d2_cpu', False):
        Runner.wrap_model = _cpu_wrap_model(Runner.wrap_model)
    return True
