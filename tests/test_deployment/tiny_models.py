"""Tiny configs of the three head types (ASPP/DeepLabV3, UNetDecodeHead,
Mask2FormerLiteHead) on a ResNet-18-like encoder of widths 8..64, and
checkpoints of their initial weights, for the deployment tests.

The configs are complete files (no ``_base_``) with the A2D2 test pipeline's
structure: load, ``Resize`` to fit ``RESIZE`` keeping the aspect ratio,
annotations, pack; so the exported graph has to upsample its prediction to
the original image size as mmseg does.
"""
import os.path as osp
from typing import Dict

import torch

from tests.tiny_model_parts import PREPROCESSOR, tiny_resnet

# (width, height) the test pipeline resizes to fit, as Resize's `scale`.
RESIZE = (64, 48)
NUM_CLASSES = 38  # the full A2D2 class set (the config's class_set)

# The decode head's inputs where it takes every stage of the tiny ResNet.
ALL_STAGES = dict(in_channels=(8, 16, 32, 64), in_index=(0, 1, 2, 3))

HEADS: Dict[str, dict] = dict(
    deeplabv3=dict(
        backbone=dict(dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1)),
        decode_head=dict(
            type='ASPPHead',
            in_channels=64,
            in_index=3,
            channels=16,
            dilations=(1, 6, 12, 18),
            dropout_ratio=0.1,
            num_classes=NUM_CLASSES,
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            align_corners=False)),
    unet=dict(
        backbone=dict(),
        decode_head=dict(
            type='UNetDecodeHead',
            **ALL_STAGES,
            decoder_channels=(32, 16, 8, 8),
            channels=8,
            dropout_ratio=0.1,
            num_classes=NUM_CLASSES,
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            align_corners=False)),
    mask2former_lite=dict(
        backbone=dict(),
        decode_head=dict(
            type='Mask2FormerLiteHead',
            **ALL_STAGES,
            hidden_dim=16,
            num_queries=6,
            num_layers=2,
            num_heads=2,
            ffn_dim=32,
            mask_mlp_layers=2,
            num_classes=NUM_CLASSES,
            align_corners=False)),
)

CONFIG = '''
custom_imports = dict(
    imports=['a2d2_mmseg.plugin'], allow_failed_imports=False)
default_scope = 'mmseg'
data_preprocessor = {preprocessor!r}
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone={backbone!r},
    decode_head={decode_head!r},
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale={resize!r}, keep_ratio=True),
    dict(type='LoadA2D2Annotations'),
    dict(type='PackSegInputs')
]
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='A2D2Dataset', data_root='data/a2d2', class_set='full',
        pipeline=test_pipeline))
'''


def write_config(path: str, head: str) -> str:
    """Write the tiny config of ``head`` (a key of :data:`HEADS`)."""
    parts = HEADS[head]
    with open(path, 'w') as f:
        f.write(
            CONFIG.format(
                preprocessor=PREPROCESSOR,
                backbone=tiny_resnet(**parts['backbone']),
                decode_head=parts['decode_head'],
                resize=RESIZE))
    return path


def write_checkpoint(path: str, config: str, seed: int = 0) -> str:
    """Build the config's model with seeded random weights, give the BN
    layers non-trivial running statistics, save an mmengine-style
    checkpoint (``state_dict`` + ``meta.dataset_meta``)."""
    from a2d2_mmseg.deployment import (build_segmentor,
                                       dataset_meta_from_config, load_config)
    cfg = load_config(config)
    torch.manual_seed(seed)
    model = build_segmentor(cfg)
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            n = module.num_features
            module.running_mean.copy_(
                torch.randn(n, generator=generator) * 0.1)
            module.running_var.copy_(
                torch.rand(n, generator=generator) + 0.5)
    meta = dataset_meta_from_config(cfg, NUM_CLASSES)
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(
                classes=list(meta['classes']), palette=meta['palette']))),
        path)
    return path


def write_model(folder: str, head: str) -> Dict[str, str]:
    """Config and checkpoint of ``head`` in ``folder``."""
    config = write_config(osp.join(folder, f'{head}.py'), head)
    return dict(
        config=config,
        checkpoint=write_checkpoint(
            osp.join(folder, f'{head}.pth'), config))
