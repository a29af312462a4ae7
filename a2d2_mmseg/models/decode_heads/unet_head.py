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
    """UNet decoder over a multi-stage (e.g. ResNet-50) encoder
    (``docs/models.md``).

    From the deepest stage, each block upsamples bilinearly to the next
    skip's exact size (odd input sizes are fine), concatenates it and
    applies two 3x3 ``ConvModule``; entries of ``decoder_channels`` past
    ``len(in_channels) - 1`` are x2 up-blocks without a skip. With ResNet-50
    inputs and the defaults (segmentation_models_pytorch's widths):
    ``[B, 2048, H/32] -> 256@H/16 -> 128@H/8 -> 64@H/4 -> 32@H/2 ->
    cls_seg``. ``channels`` is fixed to ``decoder_channels[-1]``.

    Args:
        decoder_channels (Sequence[int]): Output channels of the decoder
            blocks, deepest first. Needs at least ``len(in_channels) - 1``
            entries.
        in_channels (Sequence[int]): Channels of the selected encoder stages,
            shallowest first.
        input_transform (str): Must be ``'multiple_select'``.
        norm_cfg (dict | None): Norm of the decoder convs.
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
        super().__init__(list(in_channels), decoder_channels[-1],
                         in_index=list(in_index),
                         input_transform=input_transform, norm_cfg=norm_cfg,
                         **kwargs)
        self.decoder_channels = decoder_channels
        self.num_skips = num_skips

        conv = dict(kernel_size=3, padding=1, conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.decoder_blocks = nn.ModuleList()
        prev = self.in_channels[-1]
        for i, out_ch in enumerate(decoder_channels):
            skip_ch = self.in_channels[-2 - i] if i < num_skips else 0
            self.decoder_blocks.append(nn.Sequential(
                ConvModule(prev + skip_ch, out_ch, **conv),
                ConvModule(out_ch, out_ch, **conv)))
            prev = out_ch

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Logits ``[B, num_classes, 2^k * H_0, 2^k * W_0]`` of the selected
        levels ``[B, in_channels[i], H_i, W_i]``."""
        feats = self._transform_inputs(inputs)
        x = feats[-1]
        skips = feats[-2::-1]
        for i, block in enumerate(self.decoder_blocks):
            # Up to the skip's exact size, or x2 past the skips.
            size = skips[i].shape[2:] if i < self.num_skips else (
                2 * x.shape[2], 2 * x.shape[3])
            x = resize(x, size=size, mode='bilinear',
                       align_corners=self.align_corners)
            if i < self.num_skips:
                x = torch.cat([x, skips[i]], dim=1)
            x = block(x)
        return self.cls_seg(x)
