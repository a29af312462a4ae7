"""Query transformer decoder used by ``Mask2FormerLiteHead``.

Self-attention / cross-attention / FFN layers in the style of DETR
(https://github.com/facebookresearch/detr/blob/main/models/transformer.py) and
Mask2Former
(https://github.com/facebookresearch/Mask2Former/blob/main/mask2former/modeling/transformer_decoder/mask2former_transformer_decoder.py),
and DETR's optional 2-D sine positional encoding
(https://github.com/facebookresearch/detr/blob/main/models/position_encoding.py).
Only the ideas are adapted. Attention runs through
:func:`torch.nn.functional.scaled_dot_product_attention`, so cross-attention
never builds anything larger than ``num_queries x HW``.
"""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn


def _check_heads(embed_dim: int, num_heads: int) -> None:
    """Raise ``ValueError`` unless ``num_heads`` divides ``embed_dim``."""
    if num_heads < 1 or embed_dim % num_heads != 0:
        raise ValueError(f'num_heads ({num_heads}) must be a positive divisor '
                         f'of the embedding dim ({embed_dim})')


def sine_positional_encoding(height: int,
                             width: int,
                             dim: int,
                             temperature: float = 10000.,
                             device=None,
                             dtype=None) -> Tensor:
    """Fixed 2-D sine positional encoding of a ``height x width`` grid.

    Half of the ``dim`` (a multiple of 4) channels encode the row, half the
    column, as interleaved ``sin``/``cos`` pairs of the coordinate
    (normalised to ``[0, 2*pi]``) at frequencies in geometric progression
    of base ``temperature``.

    Returns:
        Tensor: ``[H*W, dim]``, row-major (as ``x.flatten(2)`` of a
        ``[B, C, H, W]`` map).
    """
    if dim % 4 != 0:
        raise ValueError(f'sine positional encoding needs dim % 4 == 0, '
                         f'got {dim}')
    eps = 1e-6
    scale = 2 * math.pi
    y = torch.arange(1, height + 1, device=device, dtype=torch.float32)
    x = torch.arange(1, width + 1, device=device, dtype=torch.float32)
    y = y / (height + eps) * scale
    x = x / (width + eps) * scale
    npf = dim // 2
    idx = torch.arange(npf // 2, device=device, dtype=torch.float32)
    freqs = temperature**(2 * idx / npf)  # [npf/2]
    py = y[:, None] / freqs  # [H, npf/2]
    px = x[:, None] / freqs  # [W, npf/2]
    py = torch.stack([py.sin(), py.cos()], dim=-1).flatten(1)  # [H, npf]
    px = torch.stack([px.sin(), px.cos()], dim=-1).flatten(1)  # [W, npf]
    pos = torch.cat([py[:, None, :].expand(height, width, npf),
                     px[None, :, :].expand(height, width, npf)],
                    dim=-1)  # [H, W, dim]
    return pos.reshape(height * width, dim).to(dtype or torch.float32)


class SDPAttention(nn.Module):
    """Multi-head attention with q/k/v/out projections, computed by
    :func:`torch.nn.functional.scaled_dot_product_attention`.

    The key projection has no bias: it would add the same value to every
    logit of a query and cancel in the softmax.

    Args:
        embed_dim (int): Channels C of queries, keys and values.
        num_heads (int): Number of heads; must divide ``embed_dim``.
        dropout (float): Dropout on the attention probabilities (training
            only).

    Shapes:
        forward(query ``[B, Lq, C]``, key ``[B, Lk, C]``, value
        ``[B, Lk, C]``) -> ``[B, Lq, C]``.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0):
        super().__init__()
        _check_heads(embed_dim, num_heads)
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=False)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        for proj in (self.q_proj, self.k_proj, self.v_proj, self.out_proj):
            nn.init.xavier_uniform_(proj.weight)
            if proj.bias is not None:
                nn.init.zeros_(proj.bias)

    def _split(self, x: Tensor) -> Tensor:
        """[B, L, C] -> [B, heads, L, C/heads]."""
        b, n, _ = x.shape
        return x.view(b, n, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query: Tensor, key: Tensor, value: Tensor) -> Tensor:
        q = self._split(self.q_proj(query))
        k = self._split(self.k_proj(key))
        v = self._split(self.v_proj(value))
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0)
        b, _, n, _ = out.shape
        out = out.transpose(1, 2).reshape(b, n, self.embed_dim)
        return self.out_proj(out)


class AttentionLayer(nn.Module):
    """``x = LayerNorm(x + Dropout(Attn(x, key, value)))`` on queries
    ``[B, Q, C]``: self-attention without ``memory``, else cross-attention
    to the pixel tokens ``memory`` ``[B, HW, C]``, ``pos`` (``[HW, C]`` or
    ``[B, HW, C]``, optional) added to the keys only. Arguments as
    :class:`SDPAttention`'s."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0):
        super().__init__()
        self.attn = SDPAttention(embed_dim, num_heads, dropout)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self,
                x: Tensor,
                memory: Optional[Tensor] = None,
                pos: Optional[Tensor] = None) -> Tensor:
        if memory is None:
            key = value = x
        else:
            key, value = memory if pos is None else memory + pos, memory
        return self.norm(x + self.dropout(self.attn(x, key, value)))


class FFNLayer(nn.Module):
    """``x = LayerNorm(x + Dropout(Linear(Dropout(ReLU(Linear(x))))))``,
    ``embed_dim -> ffn_dim -> embed_dim``."""

    def __init__(self, embed_dim: int, ffn_dim: int, dropout: float = 0.0):
        super().__init__()
        self.linear1 = nn.Linear(embed_dim, ffn_dim)
        self.linear2 = nn.Linear(ffn_dim, embed_dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x: Tensor) -> Tensor:
        y = self.linear2(self.dropout1(F.relu(self.linear1(x))))
        return self.norm(x + self.dropout2(y))


class MLP(nn.Module):
    """``num_layers`` (>= 1) Linear layers ``in_dim -> hidden_dim ... ->
    out_dim`` with ReLU between them (none after the last)."""

    def __init__(self, in_dim: int, hidden_dim: int, out_dim: int,
                 num_layers: int):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f'MLP needs num_layers >= 1, got {num_layers}')
        dims = [in_dim] + [hidden_dim] * (num_layers - 1) + [out_dim]
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class LiteTransformerDecoder(BaseModule):
    """Decoder layers refining queries against flattened pixel features:
    each a self-attention, a cross-attention and an FFN, every one a
    post-norm residual (:class:`AttentionLayer`, :class:`FFNLayer`).

    Args:
        embed_dim (int): Channels C of queries and pixel features.
        num_layers (int): Decoder layers (>= 0).
        num_heads (int): Attention heads; must divide ``embed_dim``.
        ffn_dim (int): FFN hidden channels.
        dropout (float): Dropout in attention and FFN blocks.
        pos_encoding (bool): Add a fixed 2-D sine positional encoding to the
            keys of every cross-attention.

    Shapes:
        forward(queries ``[B, Q, C]``, pixel_feats ``[B, C, H, W]``) ->
        ``[B, Q, C]``.
    """

    def __init__(self, embed_dim: int, num_layers: int, num_heads: int,
                 ffn_dim: int, dropout: float, pos_encoding: bool,
                 init_cfg=None):
        super().__init__(init_cfg)
        _check_heads(embed_dim, num_heads)
        if num_layers < 0:
            raise ValueError(f'num_layers must be >= 0, got {num_layers}')
        if pos_encoding and embed_dim % 4 != 0:
            raise ValueError('pos_encoding=True needs embed_dim % 4 == 0, '
                             f'got {embed_dim}')
        self.embed_dim = embed_dim
        self.pos_encoding = pos_encoding
        self.layers = nn.ModuleList([
            nn.ModuleDict(
                dict(
                    self_attn=AttentionLayer(embed_dim, num_heads, dropout),
                    cross_attn=AttentionLayer(embed_dim, num_heads, dropout),
                    ffn=FFNLayer(embed_dim, ffn_dim, dropout)))
            for _ in range(num_layers)
        ])

    def forward(self, queries: Tensor, pixel_feats: Tensor) -> Tensor:
        h, w = pixel_feats.shape[-2:]
        memory = pixel_feats.flatten(2).transpose(1, 2)  # [B, H*W, C]
        pos = None
        if self.pos_encoding:
            pos = sine_positional_encoding(h, w, self.embed_dim,
                                           device=memory.device,
                                           dtype=memory.dtype)
        x = queries
        for layer in self.layers:
            x = layer['self_attn'](x)
            x = layer['cross_attn'](x, memory, pos)
            x = layer['ffn'](x)
        return x
