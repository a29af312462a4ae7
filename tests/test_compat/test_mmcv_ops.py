"""fall_back_ms_deform_attn: mmcv's deformable attention uses PyTorch on a
GPU when mmcv's extension has CPU ops only (tools/setup_env.sh's build).

No GPU here: the tests set what torch and the extension would report on a
GPU machine (``IS_CUDA_AVAILABLE``, ``get_compiling_cuda_version``) and
check the switch, and that mmcv's forward still reads the switch.
"""
import inspect

import mmcv
import pytest
from mmcv.ops import multi_scale_deform_attn as msda

from a2d2_mmseg.compat.mmcv_ops import (PATCH, fall_back_ms_deform_attn,
                                        mmcv_has_cuda_ops)


@pytest.fixture
def gpu_seen(monkeypatch):
    """torch sees a GPU (as mmcv's module recorded it at import)."""
    monkeypatch.setattr(msda, 'IS_CUDA_AVAILABLE', True)


def _ext_reports(monkeypatch, cuda_version):
    ext = __import__('mmcv._ext', fromlist=['_ext'])
    monkeypatch.setattr(ext, 'get_compiling_cuda_version',
                        lambda: cuda_version)


def test_the_forward_reads_the_switch():
    # mmcv 2.1.0: the CUDA kernel only for IS_CUDA_AVAILABLE and CUDA values
    source = inspect.getsource(msda.MultiScaleDeformableAttention.forward)
    assert 'if ((IS_CUDA_AVAILABLE and value.is_cuda)' in source
    assert 'multi_scale_deformable_attn_pytorch(' in source


def test_cpu_only_extension_falls_back_to_pytorch(gpu_seen, monkeypatch):
    _ext_reports(monkeypatch, 'not available')
    assert not mmcv_has_cuda_ops()
    assert fall_back_ms_deform_attn() is True
    assert msda.IS_CUDA_AVAILABLE is False
    assert fall_back_ms_deform_attn() is False  # idempotent
    assert msda.IS_CUDA_AVAILABLE is False


def test_extension_with_cuda_ops_is_left_alone(gpu_seen, monkeypatch):
    _ext_reports(monkeypatch, '12.8')
    assert mmcv_has_cuda_ops()
    assert fall_back_ms_deform_attn() is False
    assert msda.IS_CUDA_AVAILABLE is True


def test_no_gpu_is_left_alone(monkeypatch):
    monkeypatch.setattr(msda, 'IS_CUDA_AVAILABLE', False)
    _ext_reports(monkeypatch, 'not available')
    assert fall_back_ms_deform_attn() is False
    assert msda.IS_CUDA_AVAILABLE is False


@pytest.mark.parametrize('version', ['1.7.2', '2.2.0'])
def test_other_mmcv_versions_are_left_alone(version, gpu_seen, monkeypatch):
    _ext_reports(monkeypatch, 'not available')
    monkeypatch.setattr(mmcv, '__version__', version)
    assert PATCH.apply() is False  # skipped by the version gate
    assert msda.IS_CUDA_AVAILABLE is True


def test_registered_in_apply_patches(gpu_seen, monkeypatch):
    from a2d2_mmseg import compat as patches
    _ext_reports(monkeypatch, 'not available')
    monkeypatch.setattr(patches, '_applied', False)
    patches.apply_patches()
    assert msda.IS_CUDA_AVAILABLE is False
