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
from a2d2_mmseg.models.layers.lite_transformer_decoder import (MLP, LiteTransformerDecoder,
                                               check_heads)


@MODELS.register_module()
class Mask2FormerLiteHead(BaseDecodeHead):
    """Lightweight Mask2Former-style head trained with per-pixel
    cross-entropy.

    Defaults reproduce the study's model exactly:

    1. Pixel decoder (:class:`LitePixelDecoder`): 1x1 lateral convs of
       ResNet layer1..layer4 to ``hidden_dim``; top-down from layer4:
       bilinear upsample to the next lateral's size, add it, 3x3 conv + ReLU,
       down to layer1 -> pixel features ``[B, hidden_dim, H/4, W/4]``. No
       normalisation unless ``norm_cfg`` is set.
    2. ``num_queries`` learned queries (``nn.Embedding``, the only query
       input: no separate query positional embedding).
    3. Transformer decoder (:class:`LiteTransformerDecoder`), ``num_layers``
       layers of self-attention among queries -> cross-attention from queries
       to the ``H/4 * W/4`` pixel tokens -> FFN ``hidden_dim -> ffn_dim ->
       hidden_dim`` with ReLU, each residual with a LayerNorm after it
       (post-norm). Attention is computed by
       ``torch.nn.functional.scaled_dot_product_attention``: cross-attention
       is ``Q x HW``, never ``HW x HW``. By default the pixel tokens carry no
       positional encoding (as in the study); ``pos_encoding=True`` adds a
       fixed 2-D sine encoding to the cross-attention keys.
    4. Mask embedding: ``mask_mlp_layers``-layer MLP ``hidden_dim ->
       hidden_dim`` with ReLU between layers, on the decoded queries.
    5. ``masks = einsum('bqc,bchw->bqhw')`` of the mask embeddings
       ``[B, Q, C]`` and the pixel features -> ``[B, Q, H/4, W/4]``.
    6. A per-pixel linear projection ``Q -> num_classes``: this is the head's
       standard ``conv_seg`` (a 1x1 ``Conv2d(num_queries, num_classes)``)
       applied through ``cls_seg``, so ``channels`` is fixed to
       ``num_queries`` (a different ``channels`` raises ``ValueError``). The
       Dropout2d of ``cls_seg`` (``dropout_ratio``) defaults to 0 here,
       because the study has no dropout before the projection.

    The output logits ``[B, num_classes, H/4, W/4]`` go through the standard
    :class:`BaseDecodeHead` loss (``loss_decode``, CrossEntropyLoss by
    default, with optional ``class_weight``; labels equal to
    ``ignore_index``, 255 by default, are ignored) after being bilinearly
    resized to the label size. There is no Hungarian matching and no
    per-query class prediction.

    Args:
        hidden_dim (int): Channels of the pixel decoder, queries, attention
            and mask embeddings. Default: 128.
        num_queries (int): Number of learned queries Q. Default: 75.
        num_layers (int): Transformer decoder layers. Default: 4.
        num_heads (int): Attention heads; must divide ``hidden_dim`` (else
            ``ValueError``). Default: 4.
        ffn_dim (int): FFN hidden channels. Default: 512.
        mask_mlp_layers (int): Linear layers of the mask-embedding MLP.
            Default: 3.
        dropout (float): Dropout in the transformer decoder (attention
            probabilities, residual branches, FFN hidden). Default: 0.0.
        pos_encoding (bool): Add a fixed sine positional encoding to the
            pixel tokens used as cross-attention keys. Default: False.
        in_channels (Sequence[int]): Channels of the selected backbone
            stages, shallowest first. Default: (256, 512, 1024, 2048).
        in_index (Sequence[int]): Indices of the selected stages.
            Default: (0, 1, 2, 3).
        input_transform (str): Must be ``'multiple_select'``.
        dropout_ratio (float): Dropout2d before ``conv_seg``. Default: 0.0.
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
        check_heads(hidden_dim, num_heads)
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
        super().__init__(
            list(in_channels),
            num_queries,
            in_index=list(in_index),
            input_transform=input_transform,
            dropout_ratio=dropout_ratio,
            **kwargs)
        self.hidden_dim = hidden_dim
        self.num_queries = num_queries

        self.pixel_decoder = LitePixelDecoder(
            self.in_channels,
            hidden_dim,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            align_corners=self.align_corners)
        self.query_embed = nn.Embedding(num_queries, hidden_dim)
        self.transformer_decoder = LiteTransformerDecoder(
            embed_dim=hidden_dim,
            num_layers=num_layers,
            num_heads=num_heads,
            ffn_dim=ffn_dim,
            dropout=dropout,
            pos_encoding=pos_encoding)
        self.mask_embed = MLP(hidden_dim, hidden_dim, hidden_dim,
                              mask_mlp_layers)

    def forward_masks(self, inputs: List[Tensor]) -> Tensor:
        """Compute the per-query masks.

        Args:
            inputs (list[Tensor]): Multi-level backbone features.

        Returns:
            Tensor: Query masks ``[B, num_queries, H_0, W_0]``.
        """
        feats = self._transform_inputs(inputs)
        pixel_feats = self.pixel_decoder(feats)  # [B, C, H0, W0]
        queries = self.query_embed.weight.unsqueeze(0).expand(
            pixel_feats.shape[0], -1, -1)  # [B, Q, C]
        queries = self.transformer_decoder(queries, pixel_feats)
        mask_embed = self.mask_embed(queries)  # [B, Q, C]
        return torch.einsum('bqc,bchw->bqhw', mask_embed, pixel_feats)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Forward function.

        Args:
            inputs (list[Tensor]): Multi-level backbone features; the
                selected level ``i`` is ``[B, in_channels[i], H_i, W_i]``.

        Returns:
            Tensor: Segmentation logits ``[B, num_classes, H_0, W_0]``.
        """
        return self.cls_seg(self.forward_masks(inputs))
