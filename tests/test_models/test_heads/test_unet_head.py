"""UNetDecodeHead: shapes on odd sizes, gradients, and the loss contract
(ignore_index 255, class weights) of the BaseDecodeHead loss it uses."""
import pytest
import torch
import torch.nn.functional as F

import a2d2_mmseg.models  # noqa: F401  (registers the heads and the loss)
from mmseg.registry import MODELS
from tests.fixtures.heads import (SMALL_IN, build_head, make_feats,
                                  make_samples)

SMALL_DEC = (16, 16, 8, 8)
SMALL = dict(in_channels=SMALL_IN, decoder_channels=SMALL_DEC,
             dropout_ratio=0.0)


def small_head(**changes):
    return build_head('UNetDecodeHead', SMALL, **changes)


def test_odd_size_shapes():
    head = small_head()
    out = head(make_feats(SMALL_IN))
    # decoder ends one x2 block after the 1/4 stage: 2 * (25, 19)
    assert out.shape == (2, 5, 50, 38)
    assert head.channels == SMALL_DEC[-1]
    assert head.conv_seg.in_channels == SMALL_DEC[-1]


def test_no_extra_block_ends_at_quarter():
    head = small_head(decoder_channels=(16, 16, 8))
    assert head(make_feats(SMALL_IN)).shape == (2, 5, 25, 19)


def test_two_extra_blocks():
    head = small_head(decoder_channels=(16, 16, 8, 8, 4))
    assert head(make_feats(SMALL_IN)).shape == (2, 5, 100, 76)


def test_default_hyper_parameters_tiny_input():
    head = MODELS.build(dict(type='UNetDecodeHead', num_classes=38))
    assert head.decoder_channels == (256, 128, 64, 32)
    assert head.in_channels == [256, 512, 1024, 2048]
    assert head.in_index == [0, 1, 2, 3]
    assert head.channels == 32
    # block input channels: deepest + skip ..., extra block without skip
    in_chs = [b[0].conv.in_channels for b in head.decoder_blocks]
    assert in_chs == [2048 + 1024, 256 + 512, 128 + 256, 64]
    # conv-BN-ReLU, no conv bias next to BN
    conv = head.decoder_blocks[0][0]
    assert conv.with_norm and conv.with_activation and conv.conv.bias is None
    head.eval()
    with torch.no_grad():
        out = head(make_feats((256, 512, 1024, 2048), batch=1))
    assert out.shape == (1, 38, 50, 38)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='channels'):
        small_head(channels=32)
    with pytest.raises(ValueError, match='decoder_channels'):
        small_head(decoder_channels=(16, 8))
    with pytest.raises(ValueError, match='multiple_select'):
        small_head(input_transform='resize_concat')


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    head = small_head()
    head.train()
    feats = make_feats(SMALL_IN)
    labels = torch.randint(0, 5, (2, 97, 75))
    losses = head.loss(feats, make_samples(labels), train_cfg=dict())
    assert set(losses) == {'loss_ce', 'acc_seg'}
    losses['loss_ce'].backward()
    for name, p in head.named_parameters():
        assert p.requires_grad
        assert p.grad is not None, name
        assert p.grad.abs().sum() > 0, name


# ---- the loss contract of BaseDecodeHead.loss_by_feat (mmseg 1.2.2) ----


def _logits_and_labels(num_classes=5, size=(12, 10), batch=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, num_classes, *size, generator=g)
    labels = torch.randint(0, num_classes, (batch, *size), generator=g)
    return logits, labels


def test_all_ignored_label_gives_zero_loss():
    head = small_head()
    logits, labels = _logits_and_labels()
    labels[:] = 255
    loss = head.loss_by_feat(logits, make_samples(labels))['loss_ce']
    assert loss.item() == 0.0


@pytest.mark.parametrize('avg_non_ignore', [False, True])
def test_ignored_pixels_do_not_contribute(avg_non_ignore):
    head = small_head(
        loss_decode=dict(
            type='CrossEntropyLoss', avg_non_ignore=avg_non_ignore))
    logits, labels = _logits_and_labels()
    labels[:, :5] = 255
    loss = head.loss_by_feat(logits, make_samples(labels))['loss_ce']
    valid = labels != 255
    nll = F.cross_entropy(logits, labels, ignore_index=255, reduction='none')
    # mmseg averages over all pixels unless avg_non_ignore=True
    denom = valid.sum() if avg_non_ignore else labels.numel()
    expected = nll[valid].sum() / denom
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-6)
    # changing the logits of ignored pixels changes nothing
    logits2 = logits.clone()
    logits2[:, :, :5] = torch.randn_like(logits2[:, :, :5]) * 10
    loss2 = head.loss_by_feat(logits2, make_samples(labels))['loss_ce']
    torch.testing.assert_close(loss2, loss)


def test_class_weight_changes_loss_exactly():
    logits, labels = _logits_and_labels()
    w = torch.tensor([1.0, 5.0, 0.5, 2.0, 1.0])
    plain = small_head()
    weighted = small_head(
        loss_decode=dict(type='CrossEntropyLoss', class_weight=w.tolist()))
    samples = make_samples(labels)
    l_plain = plain.loss_by_feat(logits, samples)['loss_ce']
    l_weighted = weighted.loss_by_feat(logits, samples)['loss_ce']
    nll = F.cross_entropy(logits, labels, reduction='none')
    torch.testing.assert_close(l_plain, nll.mean(), rtol=1e-5, atol=1e-6)
    # weighted mean: sum w[y] * nll / sum w[y]
    expected = (w[labels] * nll).sum() / w[labels].sum()
    torch.testing.assert_close(l_weighted, expected, rtol=1e-5, atol=1e-6)
    assert abs(l_weighted.item() - l_plain.item()) > 1e-3


def test_class_weight_with_ignored_pixels_raises():
    """mmseg 1.2.2's ``cross_entropy`` computes the average factor as
    ``class_weight[label]`` before masking ``ignore_index``, so a label
    containing 255 together with a ``class_weight`` raises IndexError (open
    upstream bug https://github.com/open-mmlab/mmsegmentation/issues/3734).
    This pins that behaviour: a config combining class weights with 255
    labels (ignored classes, or ``seg_pad_val=255`` padding) needs another
    loss. If this starts failing, mmseg changed: re-check the expectation."""
    logits, labels = _logits_and_labels()
    labels[:, :5] = 255
    head = small_head(
        loss_decode=dict(
            type='CrossEntropyLoss', class_weight=[1.0, 5.0, 0.5, 2.0, 1.0]))
    with pytest.raises(IndexError):
        head.loss_by_feat(logits, make_samples(labels))
