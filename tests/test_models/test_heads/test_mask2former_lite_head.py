"""Mask2FormerLiteHead: the study's architecture, its hyper-parameters,
gradients, the loss contract and linear-memory attention."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import a2d2_mmseg.models  # noqa: F401  (registers the heads and the loss)
from a2d2_mmseg.models.layers import (LitePixelDecoder,
                                      LiteTransformerDecoder,
                                      sine_positional_encoding)
from a2d2_mmseg.models.layers.lite_transformer_decoder import SDPAttention
from mmseg.registry import MODELS
from tests.fixtures.heads import (ODD_SIZES, SMALL_IN, build_head, make_feats,
                                  make_samples)

RESNET50_IN = (256, 512, 1024, 2048)
SMALL = dict(
    in_channels=SMALL_IN,
    hidden_dim=16,
    num_queries=6,
    num_layers=2,
    num_heads=2,
    ffn_dim=32)


def small_head(**changes):
    return build_head('Mask2FormerLiteHead', SMALL, **changes)


def test_odd_size_shapes():
    head = small_head()
    assert head(make_feats(SMALL_IN)).shape == (2, 5, 25, 19)
    assert head.forward_masks(make_feats(SMALL_IN)).shape == (2, 6, 25, 19)


def test_default_architecture_matches_spec():
    head = MODELS.build(dict(type='Mask2FormerLiteHead', num_classes=38))
    assert head.in_channels == list(RESNET50_IN)
    assert head.in_index == [0, 1, 2, 3]
    assert head.input_transform == 'multiple_select'
    # pixel decoder: 4 plain 1x1 laterals to 128, 3 (3x3 conv + ReLU)
    pd = head.pixel_decoder
    assert isinstance(pd, LitePixelDecoder)
    assert [m.conv.in_channels for m in pd.lateral_convs] == list(RESNET50_IN)
    for m in pd.lateral_convs:
        assert m.conv.out_channels == 128 and m.conv.kernel_size == (1, 1)
        assert not m.with_norm and not m.with_activation
    assert len(pd.output_convs) == 3
    for m in pd.output_convs:
        assert m.conv.kernel_size == (3, 3) and m.conv.out_channels == 128
        assert not m.with_norm and isinstance(m.activate, nn.ReLU)
    # 75 learned queries
    assert isinstance(head.query_embed, nn.Embedding)
    assert head.query_embed.weight.shape == (75, 128)
    # 4 layers, 4 heads, FFN 128->512->128, post-norm, no pos encoding
    td = head.transformer_decoder
    assert isinstance(td, LiteTransformerDecoder)
    assert len(td.layers) == 4 and not td.pos_encoding
    for layer in td.layers:
        assert layer.self_attn.attn.num_heads == 4
        assert layer.cross_attn.attn.num_heads == 4
        assert layer.ffn.linear1.in_features == 128
        assert layer.ffn.linear1.out_features == 512
        assert layer.ffn.linear2.out_features == 128
        for block in (layer.self_attn, layer.cross_attn, layer.ffn):
            assert isinstance(block.norm, nn.LayerNorm)
    assert all(m.p == 0.0 for m in td.modules() if isinstance(m, nn.Dropout))
    # 3-layer mask MLP 128->128->128->128
    assert [(m.in_features, m.out_features)
            for m in head.mask_embed.layers] == [(128, 128)] * 3
    # per-pixel projection 75 -> num_classes is conv_seg, no dropout
    assert head.channels == 75
    assert head.conv_seg.in_channels == 75
    assert head.conv_seg.out_channels == 38
    assert head.conv_seg.kernel_size == (1, 1)
    assert head.dropout is None
    # the real defaults run on a tiny odd-size input
    head.eval()
    with torch.no_grad():
        out = head(make_feats(RESNET50_IN, batch=1))
    assert out.shape == (1, 38, 25, 19)


def test_forward_is_the_spec_computation():
    """Recompute the head by hand from its submodules."""
    head = small_head()
    head.eval()
    feats = make_feats(SMALL_IN)
    pd = head.pixel_decoder
    lat = [m.conv(f) for m, f in zip(pd.lateral_convs, feats)]
    x = lat[3]
    for i in (2, 1, 0):
        x = F.interpolate(x, size=lat[i].shape[2:], mode='bilinear',
                          align_corners=False)
        x = F.relu(pd.output_convs[i].conv(x + lat[i]))
    q = head.query_embed.weight[None].expand(2, -1, -1)
    mem = x.flatten(2).transpose(1, 2)

    def mha(attn, qq, kk, vv):
        out, _ = F.multi_head_attention_forward(
            qq.transpose(0, 1), kk.transpose(0, 1), vv.transpose(0, 1),
            attn.embed_dim, attn.num_heads, None,
            torch.cat([attn.q_proj.bias,
                       torch.zeros_like(attn.q_proj.bias),
                       attn.v_proj.bias]), None, None, False, 0.0,
            attn.out_proj.weight, attn.out_proj.bias, training=False,
            need_weights=False, use_separate_proj_weight=True,
            q_proj_weight=attn.q_proj.weight,
            k_proj_weight=attn.k_proj.weight,
            v_proj_weight=attn.v_proj.weight)
        return out.transpose(0, 1)

    for layer in head.transformer_decoder.layers:
        sa, ca, ffn = layer.self_attn, layer.cross_attn, layer.ffn
        q = sa.norm(q + mha(sa.attn, q, q, q))
        q = ca.norm(q + mha(ca.attn, q, mem, mem))
        q = ffn.norm(q + ffn.linear2(F.relu(ffn.linear1(q))))
    emb = q
    for i, lin in enumerate(head.mask_embed.layers):
        emb = lin(emb)
        if i < 2:
            emb = F.relu(emb)
    masks = torch.einsum('bqc,bchw->bqhw', emb, x)
    expected = head.conv_seg(masks)
    with torch.no_grad():
        torch.testing.assert_close(head(feats), expected, rtol=1e-4,
                                   atol=1e-4)


def test_hyper_parameters_take_effect():
    h = small_head(num_queries=7)
    assert h.query_embed.weight.shape == (7, 16)
    assert h.conv_seg.in_channels == 7 and h.channels == 7
    assert h.forward_masks(make_feats(SMALL_IN)).shape[1] == 7

    assert len(small_head(num_layers=3).transformer_decoder.layers) == 3
    assert len(small_head(num_layers=0).transformer_decoder.layers) == 0

    h = small_head(hidden_dim=24, num_heads=3)
    assert all(m.conv.out_channels == 24
               for m in h.pixel_decoder.lateral_convs)
    assert h.query_embed.weight.shape == (6, 24)
    assert h.transformer_decoder.layers[0].self_attn.attn.head_dim == 8
    assert h(make_feats(SMALL_IN)).shape == (2, 5, 25, 19)

    h = small_head(ffn_dim=40)
    assert h.transformer_decoder.layers[0].ffn.linear1.out_features == 40

    h = small_head(mask_mlp_layers=2)
    assert len(h.mask_embed.layers) == 2

    h = small_head(dropout=0.2)
    layer = h.transformer_decoder.layers[0]
    assert layer.self_attn.dropout.p == 0.2
    assert layer.cross_attn.attn.dropout == 0.2
    assert layer.ffn.dropout1.p == 0.2

    h = small_head(norm_cfg=dict(type='BN'))
    assert h.pixel_decoder.output_convs[0].with_norm


def test_invalid_hyper_parameters():
    with pytest.raises(ValueError, match='num_heads'):
        small_head(hidden_dim=16, num_heads=3)
    with pytest.raises(ValueError, match='num_heads'):
        SDPAttention(10, 4)
    with pytest.raises(ValueError, match='channels'):
        small_head(channels=16)
    with pytest.raises(ValueError, match='multiple_select'):
        small_head(input_transform='resize_concat')
    with pytest.raises(ValueError, match='num_layers'):
        small_head(mask_mlp_layers=0)


def test_positional_encoding_is_optional():
    pe = sine_positional_encoding(3, 4, 8)
    assert pe.shape == (12, 8)
    # rows share the y half, columns share the x half
    torch.testing.assert_close(pe[0, :4], pe[3, :4])
    torch.testing.assert_close(pe[0, 4:], pe[4, 4:])
    torch.manual_seed(0)
    h0 = small_head()
    torch.manual_seed(0)
    h1 = small_head(pos_encoding=True)
    assert h1.transformer_decoder.pos_encoding
    h0.eval()
    h1.eval()
    feats = make_feats(SMALL_IN)
    with torch.no_grad():
        out0, out1 = h0(feats), h1(feats)
    assert out1.shape == out0.shape
    assert not torch.allclose(out0, out1)
    with pytest.raises(ValueError, match='pos_encoding'):
        small_head(hidden_dim=6, num_heads=2, pos_encoding=True)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    head = small_head()
    head.train()
    labels = torch.randint(0, 5, (2, 97, 75))
    losses = head.loss(make_feats(SMALL_IN), make_samples(labels),
                       train_cfg=dict())
    losses['loss_ce'].backward()
    for name, p in head.named_parameters():
        assert p.requires_grad
        assert p.grad is not None, name
        assert p.grad.abs().sum() > 0, name


def test_loss_ignore_index_and_class_weight():
    head = small_head()
    head.eval()
    feats = make_feats(SMALL_IN)
    g = torch.Generator().manual_seed(3)
    labels = torch.randint(0, 5, (2, 97, 75), generator=g)
    with torch.no_grad():
        logits = F.interpolate(head(feats), size=(97, 75), mode='bilinear',
                               align_corners=False)
        all_ignored = torch.full_like(labels, 255)
        assert head.loss(feats, make_samples(all_ignored),
                         dict())['loss_ce'].item() == 0.0
        part = labels.clone()
        part[:, :40] = 255
        loss = head.loss(feats, make_samples(part), dict())['loss_ce']
        nll = F.cross_entropy(logits, part, ignore_index=255,
                              reduction='none')
        torch.testing.assert_close(loss, nll.sum() / part.numel(),
                                   rtol=1e-5, atol=1e-6)

        w = torch.tensor([0.2, 1.0, 3.0, 1.0, 0.5])
        weighted = small_head(loss_decode=dict(
            type='CrossEntropyLoss', class_weight=w.tolist()))
        weighted.load_state_dict(head.state_dict())
        weighted.eval()
        lw = weighted.loss(feats, make_samples(labels), dict())['loss_ce']
        lp = head.loss(feats, make_samples(labels), dict())['loss_ce']
        nll = F.cross_entropy(logits, labels, reduction='none')
        torch.testing.assert_close(
            lw, (w[labels] * nll).sum() / w[labels].sum(), rtol=1e-5,
            atol=1e-6)
        assert abs(lw.item() - lp.item()) > 1e-4


@pytest.mark.parametrize('num_queries,num_layers', [(6, 2), (75, 4)])
def test_attention_is_linear_in_image_area(monkeypatch, num_queries,
                                           num_layers):
    """Every attention goes through SDPA; cross-attention is Q x HW."""
    calls = []
    real_sdpa = F.scaled_dot_product_attention

    def recording_sdpa(q, k, v, *args, **kwargs):
        calls.append((tuple(q.shape), tuple(k.shape)))
        return real_sdpa(q, k, v, *args, **kwargs)

    monkeypatch.setattr(F, 'scaled_dot_product_attention', recording_sdpa)
    head = small_head(num_queries=num_queries, num_layers=num_layers)
    head.eval()
    hw = ODD_SIZES[0][0] * ODD_SIZES[0][1]
    with torch.no_grad():
        head(make_feats(SMALL_IN))
    assert len(calls) == 2 * num_layers
    heads, head_dim = 2, 8
    for i, (qs, ks) in enumerate(calls):
        assert qs[:2] == ks[:2] == (2, heads) and qs[3] == head_dim
        assert qs[2] == num_queries
        if i % 2 == 0:  # self-attention among queries
            assert ks[2] == num_queries
        else:  # cross-attention to the H/4 * W/4 pixel tokens
            assert ks[2] == hw


def test_no_hw_by_hw_intermediate():
    """No tensor created during forward has HW*HW elements or more."""
    dispatch = pytest.importorskip('torch.utils._python_dispatch')
    head = small_head(num_queries=6)
    head.eval()
    sizes = [(40, 36), (20, 18), (10, 9), (5, 5)]
    hw = 40 * 36
    feats = make_feats(SMALL_IN, sizes=sizes, batch=1)
    largest = []

    class MaxNumel(dispatch.TorchDispatchMode):

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in (out if isinstance(out, (tuple, list)) else [out]):
                if isinstance(t, torch.Tensor):
                    largest.append(t.numel())
            return out

    with torch.no_grad(), MaxNumel():
        out = head(feats)
    assert out.shape == (1, 5, 40, 36)
    # the largest legitimate tensors are O(C * HW) or O(heads * Q * HW)
    assert max(largest) < hw * hw // 20
