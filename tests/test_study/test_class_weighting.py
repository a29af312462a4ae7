"""a2d2_mmseg.study.class_weights on hand-made masks."""
import json
import math
import warnings

import numpy as np
import pytest
from mmengine.config import Config

from a2d2_mmseg.a2d2 import convert as conv
from a2d2_mmseg.a2d2.class_sets import build_class_set
from a2d2_mmseg.study import class_weighting as cw
from tests.fixtures.trees import label_from_names, write_raw_tree

# Two 4x4 frames:
#   A: 7 'Car 1', 8 'Sky', 1 unknown colour (ignored, not counted)
#   B: 4 'Car 2' (also Car), 12 'Buildings'
C, S, B, X = 'Car 1', 'Sky', 'Buildings', None
FRAME_A = [[C, C, C, C], [C, C, C, X], [S, S, S, S], [S, S, S, S]]
FRAME_B = [['Car 2'] * 4, [B] * 4, [B] * 4, [B] * 4]
FULL = build_class_set('full').classes
CAR, SKY, BUILDINGS = (FULL.index(n) for n in ('Car', 'Sky', 'Buildings'))


def _label(names):
    label = label_from_names([[n or 'Car 1' for n in row] for row in names])
    for i, row in enumerate(names):
        for j, n in enumerate(row):
            if n is None:
                label[i, j] = (1, 2, 3)
    return label


@pytest.fixture(scope='module')
def raw(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('weights') / 'raw')
    write_raw_tree(root, {'20180807_145028': [('000000001', _label(FRAME_A))],
                          '20181107_132730': [('000000002',
                                               _label(FRAME_B))]})
    return root


def _run(raw, **kwargs):
    kwargs.setdefault('scenes', None)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return cw.class_weights(raw, verbose=False, **kwargs)


def _expected(values, absent=None):
    """38 values: ``values`` for Car, Sky, Buildings, ``absent`` (default:
    the largest of them, as absent classes' weights) for the others."""
    w = np.full(38, max(values) if absent is None else absent, dtype=float)
    w[[CAR, SKY, BUILDINGS]] = values
    return w


def test_median_frequency_by_hand(raw):
    result = _run(raw)
    # Car: 11 px in A (15 labelled px) and B (16 px) -> 11/31
    # Sky: 8 px in A -> 8/15;  Buildings: 12 px in B -> 12/16
    # median of (11/31, 8/15, 3/4) = 8/15
    freq = _expected([11 / 31, 8 / 15, 12 / 16], absent=0)
    np.testing.assert_allclose(result['frequency'], freq)
    np.testing.assert_allclose(
        result['weights'], _expected([(8 / 15) / (11 / 31), 1.0,
                                      (8 / 15) / (3 / 4)]), rtol=1e-5)
    assert result['pixels'][CAR] == 11 and result['pixels'][SKY] == 8
    assert result['total_pixels'] == 31 and result['ignored_pixels'] == 1
    assert result['image_pixels'][CAR] == 31
    assert len(result['absent']) == 35 and 'Car' not in result['absent']


@pytest.mark.parametrize('method,values', [
    ('inverse', [31 / (3 * 11), 31 / (3 * 8), 31 / (3 * 12)]),
    ('inverse_sqrt', [math.sqrt(31 / (3 * 11)), math.sqrt(31 / (3 * 8)),
                      math.sqrt(31 / (3 * 12))]),
    ('enet', [1 / math.log(1.02 + 11 / 31), 1 / math.log(1.02 + 8 / 31),
              1 / math.log(1.02 + 12 / 31)]),
])
def test_other_methods_by_hand(raw, method, values):
    np.testing.assert_allclose(_run(raw, method=method)['weights'],
                               _expected(values), rtol=1e-5)


def test_normalize_and_absent_warning(raw):
    with pytest.warns(UserWarning, match='35 class.*largest weight'):
        result = cw.class_weights(raw, scenes=None, method='enet',
                                  normalize=True, verbose=False)
    p = np.array(result['pixels']) / 31
    assert float((p * np.array(result['weights'])).sum()) == pytest.approx(
        1.0, rel=1e-5)
    plain = _run(raw, method='enet')['weights']
    ratio = result['weights'][CAR] / plain[CAR]
    np.testing.assert_allclose(result['weights'], np.array(plain) * ratio,
                               rtol=1e-5)
    # The 35 absent classes share the largest present weight (Sky's).
    assert sum(w == result['weights'][SKY] for w in result['weights']) == 36
    assert min(result['weights']) > 0


def test_reduced_set_and_converted_layout(raw, tmp_path):
    reduced = build_class_set('reduced').classes
    out = str(tmp_path / 'conv')
    conv.convert(raw, out, size=None, verbose=False)
    for root in (raw, out):
        result = _run(root, class_set='reduced', method='inverse')
        assert result['classes'] == list(reduced)
        w = dict(zip(reduced, result['weights']))
        assert w['vehicle'] == pytest.approx(31 / 33, rel=1e-5)
        assert w['sky'] == pytest.approx(31 / 24, rel=1e-5)
        assert w['building'] == pytest.approx(31 / 36, rel=1e-5)
        assert sum(v == w['sky'] for v in w.values()) == len(reduced) - 2


def test_fragment_and_json_round_trip(raw, tmp_path):
    result = _run(raw, nproc=2)
    assert result == _run(raw)
    prefix = str(tmp_path / 'a2d2_weights')
    json_path, py_path = cw.write_outputs(result, prefix)
    with open(json_path) as f:
        assert json.load(f) == result
    assert Config.fromfile(py_path).class_weight == result['weights']
    user_cfg = tmp_path / 'user_cfg.py'
    user_cfg.write_text(
        "_base_ = ['./a2d2_weights.py']\n"
        'model = dict(decode_head=dict(loss_decode=dict(\n'
        "    type='CrossEntropyLoss', class_weight={{_base_.class_weight}})))"
        '\n')
    cfg = Config.fromfile(str(user_cfg))
    assert cfg.model.decode_head.loss_decode.class_weight == result['weights']
    option = cw.cfg_option(result)
    assert option.startswith('model.decode_head.loss_decode.class_weight=')
    cfg.merge_from_dict({option.split('=', 1)[0]: json.loads(
        option.split('=', 1)[1].strip('"'))})
    assert cfg.model.decode_head.loss_decode.class_weight == result['weights']


# -- any layout, cameras, a class-set dict from a config ---------------------
CLASS_SET = dict(classes=('car', 'sky', 'rest'),
                 groups=dict(car=['Car'], sky=['Sky']), others='rest')


@pytest.fixture(scope='module')
def seed_tree(tmp_path_factory):
    """A seed arrangement: train/ holds one scene with two cameras, test/
    one scene with the front camera."""
    from tests.fixtures.trees import write_tree
    root = str(tmp_path_factory.mktemp('weights_seed') / 'seed')
    write_tree(root, 'seed_bboxes', {'20180807_145028': [('000000001', dict(
        front_center=_label(FRAME_A), front_left=_label(FRAME_B)))]},
        cameras=('front_center', 'front_left'), split='train')
    write_tree(root, 'seed_bboxes', {'20181107_132730': [('000000002',
                                                          _label(FRAME_B))]},
               split='test')
    return root


def test_seed_layout_cameras_and_a_class_set_dict(seed_tree):
    result = _run(seed_tree, scenes='train', class_set=CLASS_SET,
                  cameras=('front_center', 'front_left'), method='inverse')
    assert result['classes'] == ['car', 'sky', 'rest']
    # A (front centre): 7 car, 8 sky, 1 ignored; B (front left): 4 car, 12
    # buildings (rest).
    assert result['pixels'] == [11, 8, 12] and result['num_images'] == 2
    np.testing.assert_allclose(result['weights'],
                               [31 / 33, 31 / 24, 31 / 36], rtol=1e-5)
    assert (result['layout'], result['seed_split']) == ('seed_bboxes',
                                                        'train')
    assert result['cameras'] == ['front_center', 'front_left']
    assert result['class_set'] == dict(
        classes=['car', 'sky', 'rest'], groups=dict(car=['Car'], sky=['Sky']),
        ignore=[], others='rest')
    assert result['class_set_name'] == 'dict'
    # JSON-ready as it is.
    assert json.loads(json.dumps(result)) == result
    test = _run(seed_tree, scenes='test', class_set=CLASS_SET)
    assert test['pixels'] == [4, 0, 12] and test['seed_split'] == 'test'


def test_dataset_args_from_a_config(seed_tree, tmp_path):
    path = tmp_path / 'cfg.py'
    path.write_text(
        f'class_set = {CLASS_SET!r}\n'
        'seed = dict(type="A2D2Dataset", data_root=' + repr(seed_tree) +
        ', class_set=class_set)\n'
        'train_dataloader = dict(dataset=dict(type="RepeatDataset", times=2,'
        ' dataset=dict(scenes="train", cameras=("front_center", '
        '"front_left"), **seed)))\n'
        'val_dataloader = dict(dataset=dict(seed_split="test", **seed))\n'
        'test_dataloader = dict(dataset=dict(type="CityscapesDataset"))\n')
    args, pipeline = cw.dataset_from_config(str(path))
    assert pipeline is None
    assert args == dict(data_root=seed_tree, scenes='train',
                        cameras=('front_center', 'front_left'),
                        class_set=cw.class_set_spec(CLASS_SET))
    assert cw.dataset_from_config(str(path), 'val')[0] == dict(
        data_root=seed_tree, seed_split='test',
        class_set=cw.class_set_spec(CLASS_SET))
    with pytest.raises(ValueError, match='not an A2D2Dataset'):
        cw.dataset_from_config(str(path), 'test_dataloader')
    # A scene override naming a seed split replaces the config's split.
    val = cw.dataset_from_config(str(path), 'val')[0]
    assert cw.merge_dataset_args(val, scenes='train')['scenes'] == 'train'
    assert 'seed_split' not in cw.merge_dataset_args(val, scenes='train')
    kept = cw.merge_dataset_args(val, scenes=['20181107_132730'])
    assert kept['seed_split'] == 'test'
    assert cw.merge_dataset_args(val, scenes=None)['scenes'] is None
    with pytest.raises(TypeError, match='pipeline'):
        cw.merge_dataset_args(val, pipeline=[])


# -- issue 18 item 7: counted as the pipeline delivers, ratio, cap ------------
def test_counts_through_the_pipeline_equal_nearest_resized_masks(tmp_path):
    """The seed's ResizeAsOriginal to a smaller size: the counts are those
    of cv2.resize(INTER_NEAREST) of the class-index mask, not the stored
    ones."""
    import cv2
    names = ('Car 1', 'Sky', 'Buildings')
    ids = np.random.default_rng(0).integers(0, 3, (23, 37))  # H x W
    label = label_from_names([[names[i] for i in row] for row in ids])
    root = str(tmp_path / 'raw')
    write_raw_tree(root, {'20180807_145028': [('000000001', label)]})
    pipeline = [dict(type='LoadA2D2ImageFromFile'),
                dict(type='LoadA2D2Annotations'),
                dict(type='ResizeAsOriginal', scale=(16, 12)),
                dict(type='PackSegInputs')]
    result = _run(root, class_set=CLASS_SET, pipeline=pipeline)
    small = cv2.resize(ids.astype(np.uint8), (16, 12),
                       interpolation=cv2.INTER_NEAREST)
    # class set: car (0), sky (1), rest (2: Buildings)
    assert result['pixels'] == np.bincount(small.ravel(), minlength=3
                                           ).tolist()
    stored = _run(root, class_set=CLASS_SET)
    assert stored['pixels'] == np.bincount(ids.ravel(), minlength=3).tolist()
    assert sum(result['pixels']) == 16 * 12 != sum(stored['pixels'])
    assert (result['resolution'], result['mask_sizes']) == ('pipeline',
                                                            [[12, 16]])
    assert (stored['resolution'], stored['mask_sizes']) == ('stored',
                                                            [[23, 37]])
    assert result['pipeline'][2] == dict(type='ResizeAsOriginal',
                                         scale=[16, 12])
    assert stored['pipeline'] is None
    assert 'counted at: 16x12 (width x height) masks, as the training ' \
        'pipeline delivers them' in cw.format_table(result)
    assert 'counted at: 37x23 (width x height) masks, the stored masks' in \
        cw.format_table(stored)


def test_random_steps_are_seeded(raw):
    """A random crop: the same counts on every run and with 2 processes."""
    pipeline = [dict(type='LoadA2D2ImageFromFile'),
                dict(type='LoadA2D2Annotations'),
                dict(type='RandomCrop', crop_size=(2, 3)),
                dict(type='PackSegInputs')]
    state = np.random.get_state()
    first = _run(raw, pipeline=pipeline, seed=3)
    assert first['mask_sizes'] == [[2, 3]] and first['seed'] == 3
    assert _run(raw, pipeline=pipeline, seed=3, nproc=2) == first
    # The caller's generators are left as they were.
    np.testing.assert_equal(np.random.get_state()[1], state[1])


def test_ratio_reported_and_the_cap_applied_exactly(raw):
    # inverse weights: Car 31/33, Sky 31/24, Buildings 31/36 (ratio 1.5)
    plain = _run(raw, method='inverse')
    assert plain['ratio'] == plain['ratio_uncapped'] == 1.5
    assert plain['max_ratio'] is None
    capped = _run(raw, method='inverse', max_ratio=1.2)
    cap = 1.2 * 31 / 36
    np.testing.assert_array_equal(
        capped['weights'],
        [cw._round(w) for w in _expected([31 / 33, cap, 31 / 36])])
    assert capped['weights'][SKY] == cw._round(cap)  # Sky was 31/24 > cap
    assert capped['weights'][CAR] == plain['weights'][CAR]  # below: kept
    assert (capped['ratio'], capped['ratio_uncapped'],
            capped['max_ratio']) == (1.2, 1.5, 1.2)
    # Written with 6 significant digits: their ratio is 1.2 to 1e-5.
    assert max(capped['weights']) / min(capped['weights']) == \
        pytest.approx(1.2, rel=1e-5)
    assert 'largest / smallest weight: 1.2 (capped at max_ratio 1.2; ' \
        'uncapped: 1.5)' in cw.format_table(capped)
    assert '# largest / smallest weight: 1.5 (uncapped)' in \
        cw.fragment_text(plain)
    # A cap above the ratio changes nothing; normalising keeps the ratio.
    assert _run(raw, method='inverse', max_ratio=2)['weights'] == \
        plain['weights']
    normalized = _run(raw, method='inverse', max_ratio=1.2, normalize=True)
    assert normalized['ratio'] == 1.2


@pytest.mark.parametrize('max_ratio', [0.5, float('nan'), float('inf'), -1])
def test_a_bad_cap_is_refused(raw, max_ratio):
    with pytest.raises(ValueError, match='max_ratio must be a finite number '
                       '>= 1'):
        _run(raw, max_ratio=max_ratio)


def test_the_loss_reads_the_written_file(raw, tmp_path):
    from a2d2_mmseg.models.losses import load_class_weight_file
    result = _run(raw, max_ratio=1.2)
    json_path, _ = cw.write_outputs(result, str(tmp_path / 'w'))
    assert load_class_weight_file(json_path) == result['weights']


def test_pipeline_from_a_config(tmp_path):
    path = tmp_path / 'cfg.py'
    path.write_text(
        'train_dataloader = dict(dataset=dict(type="RepeatDataset", times=2,'
        ' dataset=dict(type="A2D2Dataset", data_root="x", pipeline=[dict('
        'type="LoadA2D2Annotations"), dict(type="ResizeAsOriginal", '
        'scale=(512, 512))])))\n'
        'val_dataloader = dict(dataset=dict(type="A2D2Dataset"))\n')
    assert cw.dataset_from_config(str(path))[1] == [
        dict(type='LoadA2D2Annotations'),
        dict(type='ResizeAsOriginal', scale=(512, 512))]
    assert cw.dataset_from_config(str(path), 'val')[1] is None
