"""On the CPU, no model here calls a compiled mmcv kernel.

mmseg and mmdet import ``mmcv.ops`` at import time, so mmcv's extension
``mmcv._ext`` must exist, but the models run on PyTorch operators only (mmcv's
multi-scale deformable attention, used by mmseg's full Mask2Former, falls
back to PyTorch on the CPU). ``tools/setup_env.sh`` relies on this to build
the extension without debug information at a low optimisation level.

Every function of ``mmcv._ext`` is wrapped by a counter (mmcv's Python ops
look the functions up on that module at call time), then a training step
and a prediction of each model family run: no call may be counted.
"""
import os.path as osp

import mmcv
import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
H, W = 64, 64


@pytest.fixture
def ext_calls(monkeypatch):
    """Counts calls of every function of ``mmcv._ext``."""
    ext = __import__('mmcv._ext', fromlist=['_ext'])
    calls = {}
    names = [n for n in dir(ext)
             if not n.startswith('_') and callable(getattr(ext, n))]
    assert len(names) > 100  # the whole extension, not a lite build

    def counted(name, fn):

        def wrapper(*args, **kwargs):
            calls[name] = calls.get(name, 0) + 1
            return fn(*args, **kwargs)

        return wrapper

    for name in names:
        monkeypatch.setattr(ext, name, counted(name, getattr(ext, name)))
    return calls


def test_counter_sees_a_kernel_call(ext_calls):
    from mmcv.ops import nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.]])
    nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
    assert ext_calls == {'nms': 1}


def _batch(num_classes):
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        label = torch.randint(0, num_classes, (1, H, W), generator=g)
        s = SegDataSample(gt_sem_seg=PixelData(data=label))
        s.set_metainfo(dict(img_shape=(H, W), ori_shape=(H, W),
                            pad_shape=(H, W)))
        samples.append(s)
    inputs = [torch.randint(0, 256, (3, H, W), generator=g, dtype=torch.uint8)
              for _ in samples]
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('config', [
    'configs/deeplabv3_r50_a2d2.py',
    'configs/unet_r50_a2d2.py',
    'configs/mask2former-lite_r50_a2d2.py',
    'configs/mask2former/mask2former_r50_4xb2-80k_a2d2-512x512.py',
])
def test_models_call_no_compiled_kernel(config, ext_calls):
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.size = (H, W)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.init_weights()
    num_classes = cfg.model.decode_head.num_classes
    model.train()
    data = model.data_preprocessor(_batch(num_classes), training=True)
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    loss.backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(_batch(num_classes), training=False)
        preds = model(**data, mode='predict')
    assert preds[0].pred_sem_seg.data.shape == (1, H, W)
    assert ext_calls == {}, f'{config} called mmcv kernels: {ext_calls}'
    assert mmcv.__version__ == '2.1.0'
