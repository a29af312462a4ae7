"""Distributed training and testing on machines without an accelerator.

mmengine 0.10.x assumes GPUs once a launcher is used: ``init_dist`` calls
``torch.cuda.set_device`` (an error on CPU builds of torch) and mmseg's
configs ask for 'nccl'; ``Runner.wrap_model`` gives DDP
``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU modules; and SyncBN
runs on GPUs only. When ``mmengine.device.get_device() == 'cpu'``:
:func:`init_cpu_dist` initialises 'gloo' without CUDA, and
:func:`configure_cpu_distributed` makes the model wrapper the plugin's
``CPUDistributedDataParallel`` (``device_ids=None``, SyncBN reverted to BN).
``tools/train.py``/``test.py`` call :func:`setup_cpu_distributed`;
:data:`PATCH` does the same inside mmengine for tools this package does not
control (``mim train``), and defers to mmengine with an accelerator.
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

from a2d2_mmseg.compat import Patch, wrap

__all__ = [
    'cpu_only', 'init_cpu_dist', 'configure_cpu_distributed',
    'setup_cpu_distributed', 'patch_mmengine_cpu_distributed', 'PATCH_ENV',
    'PATCH'
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
    """Initialise ``torch.distributed`` for CPU processes, as mmengine
    0.10.7's ``init_dist`` does for the 'pytorch', 'slurm' and 'mpi'
    launchers but without ``torch.cuda.set_device``.

    Args:
        launcher (str): 'pytorch', 'slurm' or 'mpi'.
        backend (str, optional): Backend; GPU ones ('nccl', None) become
            'gloo'.
        **kwargs: For ``torch.distributed.init_process_group``; ``timeout``
            in seconds, ``port`` for slurm, as in mmengine.
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


def configure_cpu_distributed(cfg, launcher: Optional[str] = None):
    """Adapt a config for distributed CPU runs, in place: 'gloo' as
    ``env_cfg.dist_cfg.backend`` and ``CPUDistributedDataParallel`` as
    ``model_wrapper_cfg`` (other options kept; mmengine's defaults
    ``broadcast_buffers=False``, ``find_unused_parameters`` when unset). A
    no-op without a launcher or with an accelerator.

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
    """:func:`configure_cpu_distributed`, then :func:`init_cpu_dist` unless a
    process group exists (the runner then skips ``init_dist``).

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
        kwargs.pop('init_backend', None)
        return init_cpu_dist(launcher, backend, *args, **kwargs)

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


def patch_mmengine_cpu_distributed(force: bool = False) -> bool:
    """Wrap ``mmengine.dist.utils._init_dist_pytorch``/``_slurm``/``_mpi``
    (with :func:`init_cpu_dist` on the CPU) and ``Runner.wrap_model`` (CPU
    DDP, SyncBN reverted); the wrappers defer to mmengine with an
    accelerator. Nothing is wrapped when one is present now, or with the
    environment variable ``A2D2_MMSEG_PATCH_MMENGINE=0``. Idempotent.

    Args:
        force (bool): Wrap even with an accelerator or the variable set.

    Returns:
        bool: Whether mmengine is patched after the call.
    """
    if not force and (not cpu_only()
                      or os.environ.get(PATCH_ENV, '1') == '0'):
        return False
    from mmengine.dist import utils as dist_utils
    from mmengine.runner import Runner
    for name in ('_init_dist_pytorch', '_init_dist_slurm', '_init_dist_mpi'):
        wrap(dist_utils, name, 'cpu_distributed', _cpu_init_dist)
    wrap(Runner, 'wrap_model', 'cpu_distributed', _cpu_wrap_model)
    return True


PATCH = Patch(
    name='cpu_distributed',
    upstream="mmengine init_dist calls torch.cuda.set_device and "
    "Runner.wrap_model passes device_ids=[LOCAL_RANK] (GPU only)",
    requires=('mmengine>=0.10,<0.11', ),
    apply=patch_mmengine_cpu_distributed,
    targets=('mmengine.dist.utils._init_dist_pytorch',
             'mmengine.dist.utils._init_dist_slurm',
             'mmengine.dist.utils._init_dist_mpi',
             'mmengine.runner.Runner.wrap_model'))
