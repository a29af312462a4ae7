# A simplified, per-pixel-classification take on Mask2Former (Cheng et al.,
# 2022, https://arxiv.org/abs/2112.01527; reference implementation
# https://github.com/facebookresearch/Mask2Former), as specified by the study
# this project reproduces. Written for this project, not copied.
from typing import List, Sequence

import torch
from torch import Tensor, nn

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from a2d2_mmseg.models.layers.lite_pixel_decoder import LitePixelDecoder
from a2d2_mmseg.models.layers.lite_transformer_decoder import (
    MLP, LiteTransformerDecoder)


@MODELS.register_module()
class Mask2FormerLiteHead(BaseDecodeHead):
    """Lightweight Mask2Former-style head trained with per-pixel
    cross-entropy; the defaults are the study's model (``docs/models.md``).

    :class:`LitePixelDecoder` (top-down FPN, ``[B, hidden_dim, H_0, W_0]``)
    -> ``num_queries`` learned queries (``nn.Embedding``, no query
    positional embedding) refined by :class:`LiteTransformerDecoder`
    (post-norm self-attn -> cross-attn to the pixel tokens -> FFN) -> mask
    MLP -> ``einsum('bqc,bchw->bqhw')`` query masks -> ``cls_seg`` (a 1x1
    ``Conv2d(num_queries, num_classes)``, so ``channels`` is fixed to
    ``num_queries``). The logits go through :class:`BaseDecodeHead`'s loss;
    no Hungarian matching, no per-query class prediction.

    Args:
        hidden_dim (int): Channels of the pixel decoder, queries, attention
            and mask embeddings.
        num_queries (int): Number of learned queries Q.
        num_heads (int): Attention heads; must divide ``hidden_dim`` (else
            ``ValueError``).
        mask_mlp_layers (int): Linear layers of the mask-embedding MLP.
        dropout (float): Dropout in the transformer decoder (attention
            probabilities, residual branches, FFN hidden).
        pos_encoding (bool): Add a fixed sine positional encoding to the
            pixel tokens used as cross-attention keys.
        in_channels (Sequence[int]): Channels of the selected backbone
            stages, shallowest first.
        input_transform (str): Must be ``'multiple_select'``.
        dropout_ratio (float): Dropout2d before ``conv_seg``.
        **kwargs: Other :class:`BaseDecodeHead` arguments (``num_classes``
            required; ``conv_cfg``/``norm_cfg``/``act_cfg`` configure the
            pixel decoder convs, defaults None/None/ReLU).

    Shapes:
        forward(inputs): list of ``[B, in_channels[i], H_i, W_i]`` ->
        ``[B, num_classes, H_0, W_0]``.
    """

    def __init__(self,
                 hidden_dim: int = 128,
                 num_queries: int = 75,
                 num_layers: int = 4,
                 num_heads: int = 4,
                 ffn_dim: int = 512,
                 mask_mlp_layers: int = 3,
                 dropout: float = 0.0,
                 pos_encoding: bool = False,
                 in_channels: Sequence[int] = (256, 512, 1024, 2048),
                 in_index: Sequence[int] = (0, 1, 2, 3),
                 input_transform: str = 'multiple_select',
                 dropout_ratio: float = 0.0,
                 **kwargs):
        if input_transform != 'multiple_select':
            raise ValueError('Mask2FormerLiteHead needs input_transform='
                             f"'multiple_select', got {input_transform!r}")
        if num_queries < 1:
            raise ValueError(f'num_queries must be >= 1, got {num_queries}')
        channels = kwargs.pop('channels', None)
        if channels is not None and channels != num_queries:
            raise ValueError(f'channels ({channels}) must equal num_queries '
                             f'({num_queries}): conv_seg projects the '
                             'query masks to classes')
        super().__init__(list(in_channels), num_queries,
                         in_index=list(in_index),
                         input_transform=input_transform,
                         dropout_ratio=dropout_ratio, **kwargs)
        self.hidden_dim = hidden_dim
        self.num_queries = num_queries

        self.pixel_decoder = LitePixelDecoder(
            self.in_channels, hidden_dim, conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
            align_corners=self.align_corners)
        self.query_embed = nn.Embedding(num_queries, hidden_dim)
        self.transformer_decoder = LiteTransformerDecoder(
            embed_dim=hidden_dim, num_layers=num_layers, num_heads=num_heads,
            ffn_dim=ffn_dim, dropout=dropout, pos_encoding=pos_encoding)
        self.mask_embed = MLP(hidden_dim, hidden_dim, hidden_dim,
                              mask_mlp_layers)

    def forward_masks(self, inputs: List[Tensor]) -> Tensor:
        """Query masks ``[B, num_queries, H_0, W_0]`` of the multi-level
        backbone features."""
        feats = self._transform_inputs(inputs)
        pixel_feats = self.pixel_decoder(feats)  # [B, C, H0, W0]
        queries = self.query_embed.weight.unsqueeze(0).expand(
            pixel_feats.shape[0], -1, -1)  # [B, Q, C]
        queries = self.transformer_decoder(queries, pixel_feats)
        mask_embed = self.mask_embed(queries)  # [B, Q, C]
        return torch.einsum('bqc,bchw->bqhw', mask_embed, pixel_feats)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Logits ``[B, num_classes, H_0, W_0]`` of the selected levels
        ``[B, in_channels[i], H_i, W_i]``."""
        return self.cls_seg(self.forward_masks(inputs))
