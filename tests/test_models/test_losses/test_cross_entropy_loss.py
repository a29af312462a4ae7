"""IgnoreSafeCrossEntropyLoss: class weights with ignored (255) pixels."""
import json

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


def _weights_json(tmp_path, content):
    path = tmp_path / 'weights.json'
    path.write_text(json.dumps(content))
    return str(path)


def test_class_weight_from_the_class_weight_tools_json(tmp_path):
    """A path to the tool's JSON gives the same loss as the list itself."""
    weights = [0.5, 2.0, 1.0, 3.0]
    path = _weights_json(tmp_path, dict(
        classes=['a', 'b', 'c', 'd'], weights=weights, method='median_freq'))
    torch.manual_seed(0)
    pred = torch.randn(2, 4, 5, 6)
    label = torch.randint(0, 4, (2, 5, 6))
    label[0, 0] = 255
    from_file = IgnoreSafeCrossEntropyLoss(class_weight=path)
    assert from_file.class_weight == weights
    assert from_file.class_weight_file == path
    torch.testing.assert_close(
        from_file(pred, label, ignore_index=255),
        IgnoreSafeCrossEntropyLoss(class_weight=weights)(
            pred, label, ignore_index=255),
        rtol=0, atol=0)


def test_missing_class_weight_file_names_the_command(tmp_path):
    missing = str(tmp_path / 'nope.json')
    with pytest.raises(FileNotFoundError) as err:
        IgnoreSafeCrossEntropyLoss(
            class_weight=missing, class_weight_hint='python make_it.py')
    assert missing in str(err.value)
    assert 'python make_it.py' in str(err.value)
    with pytest.raises(FileNotFoundError) as err:
        IgnoreSafeCrossEntropyLoss(class_weight=missing)
    assert ('python tools/analysis/a2d2_class_weights.py --config <your '
            f"config> -o {missing[:-len('.json')]}") in str(err.value)


@pytest.mark.parametrize('content, match', [
    (dict(classes=['a']), "'weights' list"),
    (dict(weights=['x', 1]), "'weights' list"),
    (dict(weights=[]), "'weights' list"),
    (dict(classes=['a', 'b'], weights=[1.0]), '1 weights for 2 classes'),
])
def test_malformed_class_weight_file_is_refused(tmp_path, content, match):
    path = _weights_json(tmp_path, content)
    with pytest.raises(ValueError, match=match) as err:
        IgnoreSafeCrossEntropyLoss(class_weight=path)
    assert path in str(err.value)


def test_class_weight_count_must_match_the_model(tmp_path):
    path = _weights_json(tmp_path, dict(weights=[1.0, 2.0, 3.0]))
    loss = IgnoreSafeCrossEntropyLoss(class_weight=path)
    with pytest.raises(ValueError, match='3 class weights from .*weights.json '
                       'for a model of 4 classes'):
        loss(torch.zeros(1, 4, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long))


def test_plain_json_list_is_read(tmp_path):
    path = _weights_json(tmp_path, [1, 2.5])
    assert IgnoreSafeCrossEntropyLoss(class_weight=path).class_weight == [
        1.0, 2.5]
