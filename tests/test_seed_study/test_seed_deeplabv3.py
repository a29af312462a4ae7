"""The seed study's DeepLabV3 (configs/seed_study/) and the configs' READMEs.

The seed's section 5 describes ASPP followed by a DeepLabV3+ decoder that
fuses layer1's low-level features; the default seed config is that reading
and the plain-ASPP reading is its ablation. Both models are built from the
real configs (ResNet-50 as configured, random weights) and run on a
2x3x64x64 input: the backbone, then the decode head on the features as they
are and with layer1's zeroed.
"""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmseg.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEED = osp.join(REPO, 'configs', 'seed_study')
V3PLUS = osp.join(SEED, 'deeplabv3plus_r50-d8_4xb2-80k_a2d2-seed-512x512.py')
ASPP = osp.join(SEED, 'deeplabv3_r50-d8_4xb2-80k_a2d2-seed-512x512.py')
INPUT = (2, 3, 64, 64)


def _model(path):
    cfg = Config.fromfile(path)
    cfg.model.pretrained = None
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    return revert_sync_batchnorm(MODELS.build(cfg.model)).eval()


def _input():
    torch.manual_seed(1)
    return torch.randn(INPUT)


@pytest.fixture(scope='module')
def features():
    """The V3+ model and its backbone's features of one random input."""
    model = _model(V3PLUS)
    with torch.no_grad():
        feats = model.backbone(_input())
    return model, feats


def _zeroed(feats, index):
    return tuple(
        torch.zeros_like(f) if i == index else f for i, f in enumerate(feats))


def test_backbone_output_stride_is_8(features):
    model, feats = features
    h, w = INPUT[2:]
    # layer1 at 1/4; layer2-4 at 1/8 (layer3, layer4 dilated, not strided).
    assert [tuple(f.shape[1:]) for f in feats] == [
        (256, h // 4, w // 4), (512, h // 8, w // 8),
        (1024, h // 8, w // 8), (2048, h // 8, w // 8)
    ]
    assert model.backbone.dilations == (1, 1, 2, 4)
    assert model.backbone.strides == (1, 2, 1, 1)


def test_v3plus_head_fuses_layer1(features):
    model, feats = features
    head = model.decode_head
    assert type(head).__name__ == 'DepthwiseSeparableASPPHead'
    assert head.in_index == 3  # ASPP on layer4
    assert head.dilations == (1, 12, 24, 36)
    # The low-level branch: layer1's 256 channels reduced to 48.
    conv = head.c1_bottleneck.conv
    assert (conv.in_channels, conv.out_channels) == (256, 48)
    with torch.no_grad():
        logits = head(feats)
        without_layer1 = head(_zeroed(feats, 0))
    # Logits at layer1's 1/4 resolution, and they depend on layer1.
    assert tuple(logits.shape) == (2, 11, INPUT[2] // 4, INPUT[3] // 4)
    assert not torch.allclose(logits, without_layer1)


def test_plain_aspp_ablation_ignores_layer1():
    model = _model(ASPP)
    head = model.decode_head
    assert type(head).__name__ == 'ASPPHead'
    assert head.in_index == 3 and head.dilations == (1, 12, 24, 36)
    with torch.no_grad():
        feats = model.backbone(_input())
        h, w = INPUT[2:]
        assert [tuple(f.shape[2:]) for f in feats] == [(h // 4, w // 4)] + [
            (h // 8, w // 8)
        ] * 3
        logits = head(feats)
        assert tuple(logits.shape) == (2, 11, INPUT[2] // 8, INPUT[3] // 8)
        assert torch.equal(logits, head(_zeroed(feats, 0)))
        # ... while layer4 does change them (the check above is not vacuous).
        assert not torch.allclose(logits, head(_zeroed(feats, 3)))


def test_ablation_differs_only_in_the_decode_head():
    v3plus, aspp = Config.fromfile(V3PLUS), Config.fromfile(ASPP)
    aspp_dict, v3plus_dict = aspp.to_dict(), v3plus.to_dict()
    aspp_head = aspp_dict['model'].pop('decode_head')
    v3plus_head = v3plus_dict['model'].pop('decode_head')
    assert aspp_dict == v3plus_dict
    # The head's shared arguments agree; only the decoder's are dropped.
    shared = {k: v for k, v in v3plus_head.items() if not k.startswith('c1_')}
    shared.pop('type')
    assert {k: v for k, v in aspp_head.items() if k != 'type'} == shared


def _readme_config_paths(readme):
    with open(readme, encoding='utf-8') as f:
        return set(re.findall(r'configs/[\w./-]+?\.py\b', f.read()))


READMES = sorted(glob.glob(osp.join(REPO, 'configs', '**', 'README.md'),
                           recursive=True))


def test_every_model_folder_has_a_readme():
    folders = {
        osp.basename(p)
        for p in glob.glob(osp.join(REPO, 'configs', '*'))
        if osp.isdir(p) and osp.basename(p) != '_base_'
    }
    assert folders <= {osp.basename(osp.dirname(r)) for r in READMES}


@pytest.mark.parametrize('readme', READMES,
                         ids=[osp.relpath(r, REPO) for r in READMES])
def test_readme_names_existing_configs_and_all_of_its_folder(readme):
    named = _readme_config_paths(readme)
    missing = sorted(p for p in named if not osp.isfile(osp.join(REPO, p)))
    assert not missing, f'{readme}: names configs that do not exist: {missing}'
    folder = osp.relpath(osp.dirname(readme), REPO)
    own = {
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, folder, '*.py'))
    }
    assert own <= named, f'{readme}: does not name {sorted(own - named)}'
