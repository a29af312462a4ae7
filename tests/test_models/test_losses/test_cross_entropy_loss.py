"""IgnoreSafeCrossEntropyLoss: class weights with ignored (255) pixels, and
class weights that are refused (issue 19 item 2)."""
import json
import pickle

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
    # Used divided by the largest weight (the mean is scale-free).
    assert from_file.normalized_class_weight == [w / 3.0 for w in weights]
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
    (dict(classes=['a']), 'expected a list of numbers'),
    (dict(weights=['x', 1]), 'expected a list of numbers'),
    (dict(weights=[]), 'expected a list of numbers'),
    (dict(weights=[1.0, True]), 'expected a list of numbers'),
    (dict(weights=dict(a=1)), 'expected a list of numbers'),
    (dict(classes=['a', 'b'], weights=[1.0]), '1 weights for 2 classes'),
    (dict(classes='ab', weights=[1.0, 2.0]), "'classes' is not a list"),
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


# -- issue 19 item 2: weights that broke training are refused ----------------
REFUSED = [
    ([1.0, float('nan'), 1.0], "weight of class 1 is nan; class weights must "
     'be finite'),
    ([1.0, float('inf')], 'weight of class 1 is inf; class weights must be '
     'finite'),
    ([1.0, -2.0], 'weight of class 1 is -2.0; class weights must be '
     'positive'),
    ([0.0, 0.0, 0.0], 'weight of class 0 is 0.0; class weights must be '
     'positive'),
    ([1.0, 0.0], 'weight of class 1 is 0.0; class weights must be positive'),
    ([1.0, 2e6], 'weight of class 1 is 2e\\+06 times the weight of class 0, '
     'above the bound of 1e\\+06'),
    ([1e308, 1e-308], 'weight of class 0 is inf times the weight of class 1'),
    ([1.0, 10 ** 400], 'class weights must be finite'),
]


@pytest.mark.parametrize('weights, match', REFUSED)
def test_bad_weights_in_a_list_are_refused(weights, match):
    with pytest.raises(ValueError, match='^class_weight list: .*' + match):
        IgnoreSafeCrossEntropyLoss(class_weight=weights)


@pytest.mark.parametrize('text, match', [
    # Python's json reads NaN, Infinity and an overflowing 1e999 (inf).
    ('{"classes": ["road", "pedestrian"], "weights": [1.0, NaN]}',
     r'weight of class 1 \(pedestrian\) is nan; class weights must be '
     'finite'),
    ('[1.0, Infinity]', 'weight of class 1 is inf'),
    ('[1.0, 1e999]', 'weight of class 1 is inf'),
    ('[1.0, -1.0]', 'weight of class 1 is -1.0; class weights must be '
     'positive'),
    ('{"weights": [0, 0]}', 'weight of class 0 is 0; class weights must be '
     'positive'),
    ('{"weights": [1, 2', 'malformed JSON'),
    ('[' * 100000 + ']' * 100000, 'nested too deeply'),
])
def test_bad_weights_in_a_file_are_refused(tmp_path, text, match):
    path = tmp_path / 'weights.json'
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as err:
        IgnoreSafeCrossEntropyLoss(class_weight=str(path))
    assert str(err.value).startswith(f'{path}: ')


class _RunsCode:
    """Unpickling this writes a marker file: code in a pickle runs."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


@pytest.mark.parametrize('suffix', ['.pkl', '.npy', '.txt'])
def test_pickles_and_other_files_are_never_loaded(tmp_path, suffix):
    """mmseg's get_class_weight unpickles a .pkl: its code ran."""
    marker = tmp_path / 'pwned'
    path = tmp_path / f'weights{suffix}'
    path.write_bytes(pickle.dumps(_RunsCode(str(marker))))
    with pytest.raises(ValueError, match='other files are refused') as err:
        IgnoreSafeCrossEntropyLoss(class_weight=str(path))
    assert str(err.value).startswith(f'{path}: ')
    assert not marker.exists()
    # What the attack did through mmseg's reader (the weights are what
    # open() returned, a file object: the code ran).
    if suffix == '.pkl':
        from mmseg.models.losses.utils import get_class_weight
        get_class_weight(str(path)).close()
        assert marker.exists()


def test_huge_weights_do_not_overflow_the_loss():
    """1e308 is finite: accepted, and the loss is the one of [1, 2]."""
    pred, label = _batch()
    huge = IgnoreSafeCrossEntropyLoss(class_weight=[5e307, 1e308, 1e308,
                                                    5e307])
    assert huge.normalized_class_weight == [0.5, 1.0, 1.0, 0.5]
    loss = huge(pred, label, ignore_index=255)
    assert torch.isfinite(loss)
    expected = F.cross_entropy(pred, label, weight=torch.tensor(
        [1.0, 2.0, 2.0, 1.0]), ignore_index=255)
    torch.testing.assert_close(loss, expected)


def test_the_largest_accepted_ratio_trains():
    """Weights MAX_CLASS_WEIGHT_RATIO apart: finite loss and gradients."""
    from a2d2_mmseg.models.losses import MAX_CLASS_WEIGHT_RATIO
    pred, label = _batch()
    pred.requires_grad_(True)
    loss = IgnoreSafeCrossEntropyLoss(
        class_weight=[1.0, MAX_CLASS_WEIGHT_RATIO, 1.0, 1.0])(
            pred, label, ignore_index=255)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(pred.grad).all()
    torch.testing.assert_close(loss, F.cross_entropy(
        pred, label, weight=torch.tensor([1.0, 1e6, 1.0, 1.0]),
        ignore_index=255))
