"""Model parts shared by the tests' tiny and dict configs.

The ImageNet normalisation of mmseg's configs, and a ResNet-18-like
``ResNetV1c`` of widths 8..64 with SyncBN (it becomes BN on CPU).
"""
from typing import Any

PREPROCESSOR = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)


def tiny_resnet(**changes: Any) -> dict:
    """The tiny ResNetV1c backbone config.

    Args:
        **changes: Keys that replace or add to the defaults (all four
            stages out, no dilation).

    Returns:
        dict: A new backbone config dict.
    """
    backbone = dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        contract_dilation=True)
    backbone.update(changes)
    return backbone
