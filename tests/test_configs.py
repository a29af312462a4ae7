"""Every shipped config loads, builds, trains one step and predicts.

Each config is taken as it is, with only what cannot work here changed:
no pretrained download (``model.pretrained=None``, backbone ``init_cfg=None``),
SyncBN reverted to BN as the runner does on one CPU process, and a tiny
odd-sized input. The dataset part is built against a tiny raw tree.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.structures import PixelData
from mmseg.registry import DATASETS, MODELS
from mmseg.structures import SegDataSample

from tests.a2d2_tree import label_from_names, write_raw_tree

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)
H, W = 67, 93


def _load(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.size = (H, W)
    return cfg


def _batch(num_classes, batch=2):
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, H, W), generator=g,
                                    dtype=torch.uint8))
        label = torch.randint(0, num_classes, (1, H, W), generator=g)
        label[:, :7] = 255
        s = SegDataSample(gt_sem_seg=PixelData(data=label))
        s.set_metainfo(dict(img_shape=(H, W), ori_shape=(H, W),
                            pad_shape=(H, W)))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_all_configs_found():
    names = {osp.basename(c) for c in CONFIGS}
    for entry in ('deeplabv3_r50_a2d2.py', 'unet_r50_a2d2.py',
                  'mask2former-lite_r50_a2d2.py'):
        assert entry in names
    assert len(CONFIGS) >= 12


@pytest.mark.parametrize('path', CONFIGS)
def test_config_trains_and_predicts(path):
    cfg = _load(path)
    assert cfg.custom_imports.imports[0] == 'a2d2_mmseg'
    num_classes = cfg.model.decode_head.num_classes
    expected = 11 if '/demo/' in path else 38
    assert num_classes == expected
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.init_weights()
    model.train()
    data = model.data_preprocessor(_batch(num_classes), training=True)
    loss, log_vars = model.parse_losses(model(**data, mode='loss'))
    assert torch.isfinite(loss) and loss.item() > 0
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.decode_head.parameters())
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(_batch(num_classes), training=False)
        preds = model(**data, mode='predict')
    assert len(preds) == 2
    assert preds[0].pred_sem_seg.data.shape == (1, H, W)
    assert preds[0].seg_logits.data.shape == (num_classes, H, W)


@pytest.mark.parametrize('path', [
    'configs/deeplabv3_r50_a2d2.py',
    'configs/demo/unet_r50_1xb4-demo_a2d2-synthetic-192x192.py',
    'configs/mask2former/mask2former_r50_4xb2-80k_a2d2-512x512.py',
])
def test_config_datasets_build(path, tmp_path):
    root = str(tmp_path / 'a2d2')
    label = label_from_names([['Sky'] * 4, ['Car 1'] * 4,
                              ['RD normal street'] * 4])
    scenes = ['20180807_145028', '20181107_132730']
    write_raw_tree(root, {s: [('000000001', label)] for s in scenes})
    cfg = _load(path)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds_cfg = cfg[loader].dataset
        ds_cfg.update(data_root=root, scenes=scenes)
        ds = DATASETS.build(ds_cfg)
        assert len(ds) == 2
        assert len(ds.metainfo['classes']) == cfg.model.decode_head.num_classes
        gt = ds[0]['data_samples'].gt_sem_seg.data
        if loader != 'train_dataloader':
            # annotations are loaded at the original resolution
            assert tuple(gt.shape) == (1, 3, 4)
