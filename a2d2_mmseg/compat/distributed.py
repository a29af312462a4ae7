"""Distributed training and testing on machines without an accelerator.

mmengine 0.10.x assumes GPUs once a launcher is used: ``init_dist`` calls
``torch.cuda.set_device`` (an error on CPU builds of torch) and mmseg's
configs ask for 'nccl'; ``Runner.wrap_model`` gives DDP
``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU modules; SyncBN runs
on GPUs only. On the CPU, :func:`setup_cpu_distributed` (``tools/train.py``,
``test.py``) initialises 'gloo' without CUDA and makes the model wrapper
the plugin's ``CPUDistributedDataParallel``; :data:`PATCH` does the same
inside mmengine for other tools (``mim train``).
"""
import contextlib
import copy
import functools
import os
from typing import Iterator, Optional
from unittest import mock

import torch
from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS
from torch import distributed as torch_dist
from torch.nn.parallel import DistributedDataParallel

from a2d2_mmseg.compat import Patch

__all__ = [
    'cpu_only', 'configure_cpu_distributed', 'setup_cpu_distributed',
    'PATCH_ENV', 'PATCH'
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


@contextlib.contextmanager
def _without_cuda(launcher: str) -> Iterator[None]:
    """Run mmengine's ``_init_dist_*`` on the CPU: ``torch.cuda.set_device``
    does nothing, and the local rank defaults to 0 (mmengine's slurm
    launcher divides by the GPU count; its mpi launcher sets no
    ``LOCAL_RANK``)."""
    if launcher == 'slurm':
        os.environ.setdefault('SLURM_LOCALID', '0')
    elif launcher == 'mpi':
        os.environ['LOCAL_RANK'] = os.environ.setdefault(
            'OMPI_COMM_WORLD_LOCAL_RANK', '0')
    with mock.patch.object(torch.cuda, 'set_device', lambda device: None):
        yield


def configure_cpu_distributed(cfg, launcher: Optional[str] = None) -> bool:
    """Adapt a config for distributed CPU runs, in place: 'gloo' as
    ``env_cfg.dist_cfg.backend`` and ``CPUDistributedDataParallel`` as
    ``model_wrapper_cfg`` (other options kept; mmengine's defaults
    ``broadcast_buffers=False``, ``find_unused_parameters`` when unset).
    Returns False, changing nothing, without a launcher (default:
    ``cfg.launcher``) or with an accelerator."""
    launcher = launcher or cfg.get('launcher', 'none')
    if launcher == 'none' or not cpu_only():
        return False
    if cfg.get('env_cfg') is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg') is None:
        cfg.env_cfg.dist_cfg = dict()
    cfg.env_cfg.dist_cfg.backend = _cpu_backend(
        cfg.env_cfg.dist_cfg.get('backend'))
    cfg.model_wrapper_cfg = _cpu_wrapper_cfg(
        cfg.get('model_wrapper_cfg'),
        cfg.get('find_unused_parameters', False))
    return True


def setup_cpu_distributed(cfg, launcher: Optional[str] = None) -> bool:
    """:func:`configure_cpu_distributed`, then mmengine's ``init_dist``
    without ``torch.cuda.set_device`` (also with mmengine unpatched), unless
    a process group exists (the runner then skips ``init_dist``); returns
    whether a CPU process group was initialised here."""
    from mmengine.dist import init_dist
    launcher = launcher or cfg.get('launcher', 'none')
    if not configure_cpu_distributed(cfg, launcher) or (
            torch_dist.is_available() and torch_dist.is_initialized()):
        return False
    with _without_cuda(launcher):
        init_dist(launcher, **copy.deepcopy(cfg.env_cfg.dist_cfg))
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
    elif wrapper_type != 'CPUDistributedDataParallel':
        wrapper_cls = (MODEL_WRAPPERS.get(wrapper_type)
                       if isinstance(wrapper_type, str) else wrapper_type)
        if isinstance(wrapper_cls, type) and issubclass(
                wrapper_cls, DistributedDataParallel):
            # A custom DDP wrapper: keep it, but on the CPU.
            wrapper_cfg['device_ids'] = None
    return wrapper_cfg


def _cpu_init_dist(original):
    """``mmengine.dist.utils._init_dist_*`` without CUDA on CPU machines."""
    launcher = original.__name__[len('_init_dist_'):]

    @functools.wraps(original)
    def init(backend, *args, **kwargs):
        # _init_dist_mpi has no init_backend; its other backend is 'smddp'.
        if not cpu_only() or kwargs.get('init_backend', 'torch') != 'torch' \
                or (launcher == 'mpi' and backend == 'smddp'):
            return original(backend, *args, **kwargs)
        with _without_cuda(launcher):
            return original(_cpu_backend(backend), *args, **kwargs)

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

    return wrap_model


def _cpu_patch_enabled() -> bool:
    """Patch mmengine only without an accelerator now, and not with the
    environment variable ``A2D2_MMSEG_PATCH_MMENGINE=0``."""
    return cpu_only() and os.environ.get(PATCH_ENV, '1') != '0'


#: Wraps ``mmengine.dist.utils._init_dist_pytorch``/``_slurm``/``_mpi``
#: (without CUDA on the CPU) and ``Runner.wrap_model`` (CPU DDP, SyncBN
#: reverted); the wrappers defer to mmengine with an accelerator.
PATCH = Patch(
    name='cpu_distributed',
    upstream="mmengine init_dist calls torch.cuda.set_device and "
    "Runner.wrap_model passes device_ids=[LOCAL_RANK] (GPU only)",
    wraps=(('mmengine.dist.utils._init_dist_pytorch', _cpu_init_dist),
           ('mmengine.dist.utils._init_dist_slurm', _cpu_init_dist),
           ('mmengine.dist.utils._init_dist_mpi', _cpu_init_dist),
           ('mmengine.runner.Runner.wrap_model', _cpu_wrap_model)),
    enabled=_cpu_patch_enabled)
