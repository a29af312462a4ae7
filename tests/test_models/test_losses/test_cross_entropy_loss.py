"""IgnoreSafeCrossEntropyLoss: class weights with ignored (255) pixels."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS

from a2d2_mmseg.models import IgnoreSafeCrossEntropyLoss


def _batch():
    g = torch.Generator().manual_seed(0)
    pred = torch.randn(2, 4, 5, 6, generator=g)
    label = torch.randint(0, 4, (2, 5, 6), generator=g)
    label[0, :2] = 255
    label[1, :, :3] = 255
    return pred, label


def test_registered():
    assert MODELS.get('IgnoreSafeCrossEntropyLoss') is \
        IgnoreSafeCrossEntropyLoss


def test_class_weighted_mean_with_ignored_pixels():
    pred, label = _batch()
    weights = [0.5, 2.0, 1.0, 3.0]
    loss = IgnoreSafeCrossEntropyLoss(class_weight=weights)(
        pred, label, ignore_index=255)
    expected = F.cross_entropy(
        pred, label, weight=torch.tensor(weights), ignore_index=255)
    torch.testing.assert_close(loss, expected)
    # mmseg 1.2.2's own loss fails on exactly this input (#3734).
    with pytest.raises(IndexError):
        CrossEntropyLoss(class_weight=weights)(pred, label, ignore_index=255)


def test_class_weights_change_the_loss():
    pred, label = _batch()
    a = IgnoreSafeCrossEntropyLoss(class_weight=[1, 1, 1, 1])(
        pred, label, ignore_index=255)
    b = IgnoreSafeCrossEntropyLoss(class_weight=[1, 5, 1, 1])(
        pred, label, ignore_index=255)
    assert not torch.isclose(a, b)


@pytest.mark.parametrize('avg_non_ignore', [False, True])
def test_unweighted_matches_mmseg(avg_non_ignore):
    pred, label = _batch()
    ours = IgnoreSafeCrossEntropyLoss(avg_non_ignore=avg_non_ignore)(
        pred, label, ignore_index=255)
    theirs = CrossEntropyLoss(avg_non_ignore=avg_non_ignore)(
        pred, label, ignore_index=255)
    torch.testing.assert_close(ours, theirs)


def test_all_ignored_gives_zero_and_sigmoid_refused():
    pred = torch.randn(1, 3, 2, 2, requires_grad=True)
    label = torch.full((1, 2, 2), 255)
    loss = IgnoreSafeCrossEntropyLoss()(pred, label, ignore_index=255)
    assert loss.item() == 0
    with pytest.raises(ValueError, match='softmax'):
        IgnoreSafeCrossEntropyLoss(use_sigmoid=True)
