"""The generator's other arrangements (A2D2's 3D-box part, the seed study's
split folders) and cameras, read back by A2D2Dataset."""
import importlib.util
import json
import os
import os.path as osp

import pytest

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST
from a2d2_mmseg.a2d2.layout import BBOX_DIR, RAW_DIR, SEED_BBOX_DIR
from a2d2_mmseg.a2d2.synthetic import (MARKER, SyntheticA2D2Error,
                                       format_summary, generate, move_special,
                                       scene_name, seed_folders, split_scenes)
from a2d2_mmseg.datasets import A2D2Dataset, A2D2LayoutError
from tests.fixtures.synthetic import all_files

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

KW = dict(frames_per_scene=1, size=(64, 40), seed=2, progress=False)


def _without_marker(files):
    files = dict(files)
    files.pop(MARKER)
    return files


def _by_name(files):
    """File name -> bytes (the same files, wherever a layout puts them)."""
    return {osp.basename(k): v for k, v in files.items()}


@pytest.fixture(scope='module')
def six(tmp_path_factory):
    """The same 6 x 1 frames as raw, bboxes and seed_bboxes trees."""
    base = tmp_path_factory.mktemp('layouts')
    outs = {}
    for layout in ('raw', 'bboxes', 'seed_bboxes'):
        out = str(base / layout)
        summary = generate(out, num_scenes=6, layout=layout, **KW)
        outs[layout] = (out, summary)
    return outs


def test_seed_bboxes_tree(six):
    out, summary = six['seed_bboxes']
    scenes = [scene_name(i) for i in range(6)]
    assert sorted(os.listdir(out)) == [MARKER, BBOX_DIR, 'splits']
    assert os.listdir(osp.join(out, BBOX_DIR)) == ['camera']
    seed = osp.join(out, SEED_BBOX_DIR)
    assert sorted(os.listdir(seed)) == ['class_list.json', 'test', 'train']
    with open(osp.join(seed, 'class_list.json'), encoding='utf-8') as f:
        assert [tuple(p) for p in json.load(
            f, object_pairs_hook=list)] == list(A2D2_CLASS_LIST)
    # train + val scenes in train/, the test scene in test/.
    assert sorted(os.listdir(osp.join(seed, 'train'))) == scenes[:5]
    assert os.listdir(osp.join(seed, 'test')) == scenes[5:]
    assert summary.folders == dict(train=scenes[:5], test=scenes[5:])
    assert summary.splits == dict(train=scenes[:4], val=[scenes[4]],
                                  test=[scenes[5]])
    for folder, names in summary.folders.items():
        for scene in names:
            base = osp.join(seed, folder, scene)
            assert sorted(os.listdir(base)) == ['camera', 'label']
            for sub in ('camera', 'label'):
                assert os.listdir(osp.join(base, sub)) == ['cam_front_center']
    with open(osp.join(out, MARKER), encoding='utf-8') as f:
        text = f.read()
    assert '  train/: 5 scene(s)\n  test/: 1 scene(s)\n' in text
    assert "seed_split='train'" in text
    assert summary.command.endswith('--seed 2 --layout seed_bboxes')
    assert summary.command in text
    line = format_summary(summary)
    assert 'split folders train/ 5 / test/ 1 scenes, layout seed_bboxes' in \
        line


def test_same_frames_in_every_layout(six):
    raw = _without_marker(all_files(six['raw'][0]))
    for layout in ('bboxes', 'seed_bboxes'):
        other = _without_marker(all_files(six[layout][0]))
        # The same files (class list and split lists too), elsewhere.
        assert len(other) == len(raw)
        assert _by_name(other) == _by_name(raw)
        assert {k for k in other if k.startswith('splits')} == {
            'splits/train.txt', 'splits/val.txt', 'splits/test.txt'}


def test_dataset_reads_the_seed_split_folders(six):
    out, summary = six['seed_bboxes']
    train = A2D2Dataset(data_root=out, seed_split='train', pipeline=[])
    test = A2D2Dataset(data_root=out, seed_split='test', pipeline=[])
    assert train.resolved_layout == test.resolved_layout == 'seed_bboxes'
    tr = [(d['scene'], d['frame']) for d in train.load_data_list()]
    te = [(d['scene'], d['frame']) for d in test.load_data_list()]
    assert len(tr) == 5 and len(te) == 1
    assert not set(tr) & set(te)
    assert sorted({s for s, _ in tr}) == summary.folders['train']
    assert [s for s, _ in te] == summary.folders['test']
    assert all(d['split'] == 'test' for d in test.load_data_list())
    # A sample loads, with the class set of a config.
    sample = A2D2Dataset(
        data_root=out, seed_split='test', class_set='reduced',
        pipeline=[dict(type='LoadA2D2ImageFromFile'),
                  dict(type='LoadA2D2Annotations')])[0]
    assert sample['gt_seg_map'].shape == (40, 64)
    # The split lists select scenes within train/ (val held out).
    val = A2D2Dataset(data_root=out, seed_split='train',
                      scenes='splits/val.txt', pipeline=[])
    assert [d['scene'] for d in val.load_data_list()] == summary.splits['val']
    # No special/ folder was written: asking for it is a clear error.
    with pytest.raises(A2D2LayoutError, match="no 'special' split folder"):
        A2D2Dataset(data_root=out, seed_split='special', pipeline=[])


def test_bboxes_tree(six):
    out, summary = six['bboxes']
    bbox = osp.join(out, BBOX_DIR)
    assert sorted(os.listdir(out)) == [MARKER, BBOX_DIR, 'splits']
    assert sorted(os.listdir(bbox)) == summary.scenes + ['class_list.json']
    for scene in summary.scenes:
        base = osp.join(bbox, scene)
        assert sorted(os.listdir(base)) == ['camera', 'label', 'label3D',
                                            'lidar']
        for sub in ('label3D', 'lidar'):
            assert os.listdir(osp.join(base, sub)) == ['cam_front_center']
            assert os.listdir(osp.join(base, sub, 'cam_front_center')) == []
    ds = A2D2Dataset(data_root=out, pipeline=[])
    assert ds.resolved_layout == 'bboxes' and len(ds) == 6
    test = A2D2Dataset(data_root=out, scenes='splits/test.txt', pipeline=[])
    assert [d['scene'] for d in test.load_data_list()] == \
        summary.splits['test']


def test_special_scenes(tmp_path):
    out = str(tmp_path / 'special')
    summary = generate(out, num_scenes=6, layout='seed_bboxes',
                       special_scenes=2, **KW)
    scenes = [scene_name(i) for i in range(6)]
    assert summary.folders == dict(train=scenes[:2] + [scenes[4]],
                                   test=[scenes[5]], special=scenes[2:4])
    assert summary.splits['train'] == scenes[:2]
    assert sorted(os.listdir(osp.join(out, SEED_BBOX_DIR))) == [
        'class_list.json', 'special', 'test', 'train']
    special = A2D2Dataset(data_root=out, seed_split='special', pipeline=[])
    assert sorted(d['scene'] for d in special.load_data_list()) == \
        scenes[2:4]
    assert '--special-scenes 2' in summary.command
    # Checked before anything is written.
    for kwargs, match in ((dict(layout='seed_bboxes', special_scenes=4),
                           'leaves no train scene'),
                          (dict(layout='raw', special_scenes=1),
                           "special_scenes is for layout 'seed_bboxes'"),
                          (dict(layout='seed'), 'layout must be one of'),
                          (dict(cameras='front_centre'), 'unknown camera')):
        with pytest.raises(SyntheticA2D2Error, match=match):
            generate(str(tmp_path / 'x'), num_scenes=6, **dict(KW, **kwargs))
        assert not osp.exists(tmp_path / 'x')


def test_split_folder_rule():
    scenes = [scene_name(i) for i in range(13)]
    for n in range(1, 14):
        splits = move_special(split_scenes(scenes[:n]), 0)
        folders = seed_folders(splits)
        assert sum(map(len, folders.values())) == n
        assert folders['train'] == sorted(splits['train'] + splits['val'])
        assert folders.get('test', []) == splits['test']
        assert ('test' in folders) == (n >= 3)
        assert 'special' not in folders


def test_cameras(tmp_path):
    front = str(tmp_path / 'front')
    two = str(tmp_path / 'two')
    generate(front, num_scenes=3, layout='seed_bboxes', **KW)
    summary = generate(two, num_scenes=3, layout='seed_bboxes',
                       cameras='front_center,side_left', **KW)
    assert summary.cameras == ('front_center', 'side_left')
    assert summary.num_frames == 6
    assert '--cameras front_center,side_left' in summary.command
    got = _without_marker(all_files(two))
    want = _without_marker(all_files(front))
    # The front camera's files are those of a front-only run.
    assert {k: v for k, v in got.items() if 'side' not in k} == want
    side = sorted(k for k in got if 'side' in k)
    assert len(side) == 9  # 3 frames: PNG, JSON, label
    for key in side:
        assert '/cam_side_left/' in key
        assert '_sideleft_' in osp.basename(key)
    meta = json.loads(got[next(k for k in side if k.endswith('.json'))])
    assert meta['cam_name'] == 'side_left'
    both = A2D2Dataset(data_root=two, seed_split='train',
                       cameras=('front_center', 'side_left'), pipeline=[])
    cams = [d['camera'] for d in both.load_data_list()]
    assert cams == ['front_center', 'side_left'] * 2
    only = A2D2Dataset(data_root=two, seed_split='train', cameras='side_left',
                       pipeline=[])
    assert len(only) == 2
    with open(osp.join(two, MARKER), encoding='utf-8') as f:
        assert 'Cameras: front_center, side_left\n' in f.read()


def test_rerun_in_another_layout_replaces_the_first(tmp_path):
    out = str(tmp_path / 'data')
    generate(out, num_scenes=3, **KW)
    summary = generate(out, num_scenes=3, layout='seed_bboxes', **KW)
    assert summary.replaced
    assert sorted(os.listdir(out)) == [MARKER, BBOX_DIR, 'splits']
    assert A2D2Dataset(data_root=out, seed_split='train',
                       pipeline=[]).resolved_layout == 'seed_bboxes'
    generate(out, num_scenes=3, **KW)
    assert sorted(os.listdir(out)) == [MARKER, RAW_DIR, 'splits']
    # A real scene put into a split folder: not an earlier output any more.
    generate(out, num_scenes=3, layout='seed_bboxes', **KW)
    real = osp.join(out, SEED_BBOX_DIR, 'test', '20180807_145028')
    os.makedirs(real)
    with pytest.raises(SyntheticA2D2Error, match='--overwrite'):
        generate(out, num_scenes=3, **KW)
    assert osp.isdir(real)


def test_command_line_options(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'make_synthetic_a2d2',
        osp.join(REPO, 'tools', 'misc', 'make_synthetic_a2d2.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out, ref = str(tmp_path / 'cli'), str(tmp_path / 'ref')
    assert tool.main(['--out', out, '--scenes', '6', '--frames-per-scene',
                      '1', '--size', '64x40', '--seed', '2', '--layout',
                      'seed_bboxes', '--special-scenes', '1', '--cameras',
                      'front_center,front_left', '--no-progress']) == 0
    generate(ref, num_scenes=6, layout='seed_bboxes', special_scenes=1,
             cameras=('front_center', 'front_left'), **KW)
    got, want = all_files(out), all_files(ref)
    assert got.pop(MARKER).decode().replace(out, '<out>') == \
        want.pop(MARKER).decode().replace(ref, '<out>')
    assert got == want
    assert tool.main(['--out', str(tmp_path / 'bad'), '--layout', 'raw',
                      '--special-scenes', '1', '--no-progress']) == 2
    assert not osp.exists(tmp_path / 'bad')
