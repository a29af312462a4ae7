# The ResNet-encoder UNet decoder layout (upsample, concatenate the skip, two
# conv-BN-ReLU; the deepest encoder stage is the decoder input) follows the
# idea of segmentation_models_pytorch's Unet decoder:
# https://github.com/qubvel-org/segmentation_models.pytorch/blob/main/segmentation_models_pytorch/decoders/unet/decoder.py
# The code is written for this project, not copied.
from typing import List, Sequence

import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS


@MODELS.register_module()
class UNetDecodeHead(BaseDecodeHead):
    """UNet decoder over a multi-stage (e.g. ResNet-50) encoder.

    mmseg's ``UNet`` is the plain 2015 UNet *backbone*; this is a decode head
    that turns a ResNet's stages into a UNet. With the default ResNet-50
    inputs ``[256@1/4, 512@1/8, 1024@1/16, 2048@1/32]``:

    .. code:: text

        layer4 [B, 2048, H/32, W/32]
          -> up to layer3's size, cat layer3, 2x ConvModule -> [B, 256, H/16]
          -> up to layer2's size, cat layer2, 2x ConvModule -> [B, 128, H/8]
          -> up to layer1's size, cat layer1, 2x ConvModule -> [B, 64, H/4]
          -> up x2 (no skip),             2x ConvModule -> [B, 32, H/2]
          -> cls_seg (dropout + 1x1 conv_seg)     -> [B, num_classes, H/2]

    Every upsampling is bilinear (``align_corners`` of the head). Upsampling
    before a skip goes to the skip's *exact* size, so odd input sizes (whose
    stages are not exact halves, e.g. 25x19 / 13x10 / 7x5 / 4x3 for a 97x75
    image) are fine. The first ``len(in_channels) - 1`` entries of
    ``decoder_channels`` are skip blocks; every further entry is an extra x2
    up-block without a skip. The default has one extra block, ending at 1/2
    resolution. mmseg's ``ResNet`` does not output its stem (1/2) features,
    so there is no 1/2 skip: that would need a custom backbone for a small
    gain, since the final logits are bilinearly resized to the label size by
    the loss and by inference anyway.

    Each conv block is two 3x3 ``ConvModule`` (conv-norm-act, BN + ReLU by
    default). The default widths (256, 128, 64, 32) are those of
    segmentation_models_pytorch's Unet decoder: twice these widths cost
    ~2.5x the decoder FLOPs (48 vs 19 GMACs per 512x512 image) and made a
    512x512 training step 1.8x slower on CPU (benchmarks/bench_smp_peer.py,
    docs/benchmarks.md). ``channels`` is fixed to ``decoder_channels[-1]``; passing a
    different ``channels`` raises ``ValueError``.

    Args:
        decoder_channels (Sequence[int]): Output channels of the decoder
            blocks, deepest first. Needs at least ``len(in_channels) - 1``
            entries. Default: (256, 128, 64, 32).
        in_channels (Sequence[int]): Channels of the selected encoder stages,
            shallowest first. Default: (256, 512, 1024, 2048).
        in_index (Sequence[int]): Indices of the selected stages.
            Default: (0, 1, 2, 3).
        input_transform (str): Must be ``'multiple_select'``.
        norm_cfg (dict | None): Norm of the decoder convs.
            Default: dict(type='BN', requires_grad=True).
        **kwargs: Other :class:`BaseDecodeHead` arguments (``num_classes`` is
            required; ``dropout_ratio`` defaults to 0.1, ``align_corners`` to
            False, ``loss_decode`` to CrossEntropyLoss, ``ignore_index`` to
            255).

    Shapes:
        forward(inputs): list of ``[B, in_channels[i], H_i, W_i]`` ->
        ``[B, num_classes, 2^k * H_0, 2^k * W_0]``, k = number of extra
        up-blocks (default 1, i.e. H/2 x W/2 for ResNet inputs).
    """

    def __init__(self,
                 decoder_channels: Sequence[int] = (256, 128, 64, 32),
                 in_channels: Sequence[int] = (256, 512, 1024, 2048),
                 in_index: Sequence[int] = (0, 1, 2, 3),
                 input_transform: str = 'multiple_select',
                 norm_cfg=dict(type='BN', requires_grad=True),
                 **kwargs):
        decoder_channels = tuple(int(c) for c in decoder_channels)
        if input_transform != 'multiple_select':
            raise ValueError('UNetDecodeHead needs input_transform='
                             f"'multiple_select', got {input_transform!r}")
        num_skips = len(in_channels) - 1
        if len(decoder_channels) < max(num_skips, 1):
            raise ValueError(
                f'decoder_channels needs at least {max(num_skips, 1)} '
                f'entries for {len(in_channels)} input levels, got '
                f'{decoder_channels}')
        channels = kwargs.pop('channels', None)
        if channels is not None and channels != decoder_channels[-1]:
            raise ValueError(f'channels ({channels}) must equal '
                             f'decoder_channels[-1] ({decoder_channels[-1]})')
        super().__init__(
            list(in_channels),
            decoder_channels[-1],
            in_index=list(in_index),
            input_transform=input_transform,
            norm_cfg=norm_cfg,
            **kwargs)
        self.decoder_channels = decoder_channels
        self.num_skips = num_skips

        self.decoder_blocks = nn.ModuleList()
        prev = self.in_channels[-1]
        for i, out_ch in enumerate(decoder_channels):
            skip_ch = self.in_channels[-2 - i] if i < num_skips else 0
            self.decoder_blocks.append(
                nn.Sequential(
                    ConvModule(
                        prev + skip_ch,
                        out_ch,
                        3,
                        padding=1,
                        conv_cfg=self.conv_cfg,
                        norm_cfg=self.norm_cfg,
                        act_cfg=self.act_cfg),
                    ConvModule(
                        out_ch,
                        out_ch,
                        3,
                        padding=1,
                        conv_cfg=self.conv_cfg,
                        norm_cfg=self.norm_cfg,
                        act_cfg=self.act_cfg)))
            prev = out_ch

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Forward function.

        Args:
            inputs (list[Tensor]): Multi-level features from the backbone;
                the selected level ``i`` is ``[B, in_channels[i], H_i, W_i]``.

        Returns:
            Tensor: Segmentation logits ``[B, num_classes, h, w]`` (``h, w`` =
            ``2 * (H_0, W_0)`` with the defaults).
        """
        feats = self._transform_inputs(inputs)
        x = feats[-1]
        skips = feats[-2::-1] if len(feats) > 1 else []
        for i, block in enumerate(self.decoder_blocks):
            if i < self.num_skips:
                skip = skips[i]
                x = resize(
                    x,
                    size=skip.shape[2:],
                    mode='bilinear',
                    align_corners=self.align_corners)
                x = torch.cat([x, skip], dim=1)
            else:
                h, w = x.shape[2:]
                x = resize(
                    x,
                    size=(2 * h, 2 * w),
                    mode='bilinear',
                    align_corners=self.align_corners)
            x = block(x)
        return self.cls_seg(x)
