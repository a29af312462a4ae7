"""CPU-only distributed helpers (in-process, world size 1)."""
import socket
import types

import pytest
import torch
import torch.multiprocessing as mp
from mmengine.config import Config
from mmengine.dist import init_dist
from mmengine.dist import utils as dist_utils
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS
from mmengine.runner import Runner
from torch import distributed as torch_dist
from torch.nn.parallel import DistributedDataParallel

from a2d2_mmseg.compat import MARK
from a2d2_mmseg.compat.distributed import (PATCH, PATCH_ENV,
                                           configure_cpu_distributed, cpu_only)
from a2d2_mmseg.engine import CPUDistributedDataParallel

pytestmark = pytest.mark.skipif(
    not cpu_only(), reason='these tests are about machines without GPUs')


class CustomDDP(DistributedDataParallel):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _model_with_syncbn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.SyncBatchNorm(4), torch.nn.ReLU(),
        torch.nn.Conv2d(4, 2, 1))


def _has_syncbn(model) -> bool:
    return any(
        isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules())


@pytest.fixture
def torchrun_env(monkeypatch):
    """A one-process 'pytorch' launcher environment, cleaned up after."""
    for key, value in dict(
            RANK='0',
            LOCAL_RANK='0',
            WORLD_SIZE='1',
            MASTER_ADDR='127.0.0.1',
            MASTER_PORT=str(_free_port())).items():
        monkeypatch.setenv(key, value)
    start_method = mp.get_start_method(allow_none=True)
    yield
    if torch_dist.is_initialized():
        torch_dist.destroy_process_group()
    mp.set_start_method(start_method, force=True)


def test_configure_without_launcher_is_noop():
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    configure_cpu_distributed(cfg, 'none')
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg


def test_configure_cpu():
    cfg = Config(
        dict(
            launcher='pytorch',
            find_unused_parameters=True,
            env_cfg=dict(dist_cfg=dict(backend='nccl', timeout=60))))
    configure_cpu_distributed(cfg)
    assert cfg.env_cfg.dist_cfg == dict(backend='gloo', timeout=60)
    assert cfg.model_wrapper_cfg == dict(
        type='CPUDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=True)


def test_configure_keeps_wrapper_options():
    cfg = Config(
        dict(
            model_wrapper_cfg=dict(
                type='MMDistributedDataParallel',
                find_unused_parameters=True,
                detect_anomalous_params=True)))
    configure_cpu_distributed(cfg, 'slurm')
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(
        type='CPUDistributedDataParallel',
        find_unused_parameters=True,
        detect_anomalous_params=True)


def test_configure_custom_ddp_wrapper():
    MODEL_WRAPPERS.register_module(module=CustomDDP, force=True)
    cfg = Config(dict(model_wrapper_cfg=dict(type='CustomDDP')))
    configure_cpu_distributed(cfg, 'pytorch')
    assert cfg.model_wrapper_cfg == dict(type='CustomDDP', device_ids=None)


def test_wrapper_registered_where_runner_looks():
    # Runner.wrap_model looks wrapper types up in mmengine's root registry.
    assert MODEL_WRAPPERS.get('CPUDistributedDataParallel') is \
        CPUDistributedDataParallel


def test_patch_installed_and_idempotent():
    for fn in (dist_utils._init_dist_pytorch, dist_utils._init_dist_slurm,
               dist_utils._init_dist_mpi, Runner.wrap_model):
        assert getattr(fn, MARK) == 'cpu_distributed'
    before = (dist_utils._init_dist_pytorch, Runner.wrap_model)
    assert PATCH.apply()
    assert (dist_utils._init_dist_pytorch, Runner.wrap_model) == before
    assert not hasattr(Runner.wrap_model.__wrapped__, MARK)


def test_patch_disabled_by_the_environment(monkeypatch):
    monkeypatch.setenv(PATCH_ENV, '0')
    assert not PATCH.apply()


def test_cpu_ddp_reverts_syncbn(torchrun_env):
    torch_dist.init_process_group('gloo')
    model = _model_with_syncbn()
    # mmengine's default (device_ids=[LOCAL_RANK]) is what DDP rejects.
    with pytest.raises(ValueError):
        MMDistributedDataParallel(module=model, device_ids=[0])
    ddp = CPUDistributedDataParallel(module=model, device_ids=[0])
    assert not _has_syncbn(ddp)
    assert ddp.device_ids is None
    ddp(torch.randn(2, 3, 8, 8)).sum().backward()


def test_patched_mmengine_path(torchrun_env):
    """mmengine's own init_dist + Runner.wrap_model, as mmseg's train.py
    uses them, on a machine without GPUs."""
    init_dist('pytorch', backend='nccl')  # mmseg's default backend
    assert torch_dist.get_backend() == 'gloo'
    assert torch_dist.get_world_size() == 1
    fake_runner = types.SimpleNamespace(
        distributed=True, cfg=Config(dict()), logger=None)
    wrapped = Runner.wrap_model(fake_runner, None, _model_with_syncbn())
    assert type(wrapped) is CPUDistributedDataParallel
    assert not _has_syncbn(wrapped)
    assert wrapped.find_unused_parameters is False
    wrapped(torch.randn(2, 3, 8, 8)).sum().backward()
    # A custom DDP subclass keeps its type but runs on the CPU.
    MODEL_WRAPPERS.register_module(module=CustomDDP, force=True)
    wrapped = Runner.wrap_model(fake_runner, dict(type='CustomDDP'),
                                _model_with_syncbn())
    assert type(wrapped) is CustomDDP and wrapped.device_ids is None
    assert not _has_syncbn(wrapped)
