"""Top-down FPN-style pixel decoder used by ``Mask2FormerLiteHead``.

The top-down pathway follows the idea of Feature Pyramid Networks (Lin et
al., 2017, https://arxiv.org/abs/1612.03144), written from the study's
description.
"""
from typing import List, Optional, Sequence

from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmseg.models.utils import resize


class LitePixelDecoder(BaseModule):
    """Lightweight top-down pixel decoder.

    1x1 lateral convs (no activation) take every level to ``hidden_dim``;
    from the deepest level, the running map is resized bilinearly to the
    next shallower lateral's exact size, added to it and passed through a
    3x3 conv + activation. No output conv on the deepest level.

    Args:
        in_channels (Sequence[int]): Channels of the input levels, shallowest
            (highest resolution) first.
        hidden_dim (int): Channels of every lateral and output conv.
        norm_cfg (dict | None): Norm after both the lateral and the 3x3
            convs when given (the study's decoder has none).
        act_cfg (dict | None): Activation after each 3x3 conv.

    Shapes:
        forward(inputs): list of ``[B, in_channels[i], H_i, W_i]``,
        shallowest first -> ``[B, hidden_dim, H_0, W_0]``.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 hidden_dim: int = 128,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 align_corners: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg)
        if len(in_channels) < 1:
            raise ValueError('LitePixelDecoder needs at least one input level')
        self.in_channels = list(in_channels)
        self.hidden_dim = hidden_dim
        self.align_corners = align_corners
        self.lateral_convs = nn.ModuleList([
            ConvModule(c, hidden_dim, 1, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, act_cfg=None)
            for c in self.in_channels
        ])
        # output_convs[i] fuses level i (i < num_levels - 1).
        self.output_convs = nn.ModuleList([
            ConvModule(hidden_dim, hidden_dim, 3, padding=1,
                       conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
            for _ in self.in_channels[:-1]
        ])

    def forward(self, inputs: List[Tensor]) -> Tensor:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'expected {len(self.in_channels)} feature maps, '
                             f'got {len(inputs)}')
        x = self.lateral_convs[-1](inputs[-1])
        for i in range(len(inputs) - 2, -1, -1):
            lateral = self.lateral_convs[i](inputs[i])
            x = resize(x, size=lateral.shape[2:], mode='bilinear',
                       align_corners=self.align_corners)
            x = self.output_convs[i](x + lateral)
        return x
