"""tools/misc/make_synthetic_a2d2.py: the embedded synthetic A2D2 dataset.

Layout and file names, label colours, class coverage, determinism, that the
camera image is not a recolouring of the label, and that A2D2Dataset reads
the output. Everything is written under pytest's tmp_path.
"""
import importlib.util
import json
import os
import os.path as osp
import time
import warnings

import cv2
import numpy as np
import pytest

from a2d2_mmseg.datasets import A2D2Dataset
from a2d2_mmseg.datasets.a2d2_layout import (_IMG_RE, _LABEL_RE, _SCENE_RE,
                                             CAMERA, RAW_DIR,
                                             read_scene_list)
from a2d2_mmseg.datasets.a2d2_meta import (A2D2_CLASS_LIST, category_of,
                                           hex_to_rgb, pack_rgb)
from a2d2_mmseg.datasets.transforms.loading import (UnknownColourWarning,
                                                    png_colour_type)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'misc', 'make_synthetic_a2d2.py')
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadA2D2Annotations')]


def _load_tool():
    spec = importlib.util.spec_from_file_location('make_synthetic_a2d2',
                                                  TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()

COLOUR_OF = {name: hex_to_rgb(h) for h, name in A2D2_CLASS_LIST}
NAME_OF_PACKED = {
    int(pack_rgb(np.array(rgb, np.uint8))): name
    for name, rgb in COLOUR_OF.items()
}
PALETTE_PACKED = np.array(sorted(NAME_OF_PACKED), np.uint32)

# The shared small set: 3 scenes x 3 frames (3 scenes give all three splits).
SCENES, FRAMES, SIZE = 3, 3, (160, 101)


@pytest.fixture(scope='module')
def small(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic') / 'a2d2_synthetic')
    summary = tool.make_synthetic_a2d2(out, num_scenes=SCENES,
                                       frames_per_scene=FRAMES, size=SIZE,
                                       seed=0, progress=False)
    return out, summary


def _read_rgb(path):
    bgr = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert bgr is not None, path
    return bgr[..., ::-1]


def _frames(out):
    """(scene, frame id, image path, label path) of every frame."""
    raw = osp.join(out, RAW_DIR)
    items = []
    for scene in sorted(os.listdir(raw)):
        if scene == 'class_list.json':
            continue
        cam = osp.join(raw, scene, 'camera', CAMERA)
        for name in sorted(os.listdir(cam)):
            m = _IMG_RE.match(name)
            if m:
                lbl = osp.join(raw, scene, 'label', CAMERA,
                               f'{m.group(1)}_label_frontcenter_'
                               f'{m.group(2)}.png')
                items.append((scene, m.group(2), osp.join(cam, name), lbl))
    return items


def _label_names(label_rgb):
    packed = pack_rgb(label_rgb)
    values, counts = np.unique(packed, return_counts=True)
    return {NAME_OF_PACKED[int(v)]: int(n) for v, n in zip(values, counts)}


def _all_files(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files


# -- layout ------------------------------------------------------------------
def test_exact_raw_layout(small):
    out, summary = small
    assert sorted(os.listdir(out)) == [tool.MARKER, RAW_DIR, 'splits']
    raw = osp.join(out, RAW_DIR)
    scenes = sorted(d for d in os.listdir(raw) if d != 'class_list.json')
    assert scenes == summary['scenes'] and len(scenes) == SCENES
    for scene in scenes:
        assert _SCENE_RE.match(scene), scene
        assert scene.startswith('2099'), scene
        stamp = scene.replace('_', '')
        assert sorted(os.listdir(osp.join(raw, scene))) == ['camera',
                                                            'label']
        assert os.listdir(osp.join(raw, scene, 'camera')) == [CAMERA]
        assert os.listdir(osp.join(raw, scene, 'label')) == [CAMERA]
        cam_dir = osp.join(raw, scene, 'camera', CAMERA)
        lbl_dir = osp.join(raw, scene, 'label', CAMERA)
        cam_files = sorted(os.listdir(cam_dir))
        pngs = [f for f in cam_files if f.endswith('.png')]
        jsons = [f for f in cam_files if f.endswith('.json')]
        assert len(pngs) + len(jsons) == len(cam_files)
        assert len(pngs) == FRAMES
        # One JSON per camera PNG, same stem.
        assert sorted(j[:-5] for j in jsons) == sorted(p[:-4] for p in pngs)
        img_frames = []
        for name in pngs:
            m = _IMG_RE.match(name)
            assert m and m.group(1) == stamp, name
            assert len(m.group(2)) == 9
            img_frames.append(int(m.group(2)))
        lbl_frames = []
        for name in sorted(os.listdir(lbl_dir)):
            m = _LABEL_RE.match(name)
            assert m and m.group(1) == stamp, name
            assert len(m.group(2)) == 9
            lbl_frames.append(int(m.group(2)))
        assert img_frames == lbl_frames
        # A drive: frame ids grow by a constant step.
        assert np.all(np.diff(img_frames) == tool.FRAME_STEP)
        assert [f'{f:09d}' for f in img_frames] == \
            summary['frames'][scene]
        for name in jsons:
            with open(osp.join(cam_dir, name), encoding='utf-8') as f:
                meta = json.load(f)
            assert meta['cam_name'] == 'front_center'
            assert meta['image_png'] == name[:-5] + '.png'
            assert meta['image_zoom'] == 1.0
            assert meta['synthetic'] is True
            assert isinstance(meta['cam_tstamp'], int)
            assert set(meta['pcld_view']) == {'origin', 'x-axis', 'y-axis'}


def test_class_list_is_a2d2s(small):
    out, _ = small
    path = osp.join(out, RAW_DIR, 'class_list.json')
    with open(path, encoding='utf-8') as f:
        pairs = json.load(f, object_pairs_hook=list)
    assert [tuple(p) for p in pairs] == list(A2D2_CLASS_LIST)
    with open(path, encoding='utf-8') as f:
        assert f.read().startswith('{\n    "#ff0000": "Car 1",\n')


def test_splits_disjoint_and_complete(small):
    out, summary = small
    lists = {
        name: read_scene_list(osp.join(out, 'splits', f'{name}.txt'))
        for name in ('train', 'val', 'test')
    }
    assert sorted(os.listdir(osp.join(out, 'splits'))) == [
        'test.txt', 'train.txt', 'val.txt'
    ]
    assert [len(lists[n]) for n in ('train', 'val', 'test')] == [1, 1, 1]
    seen = [s for scenes in lists.values() for s in scenes]
    assert len(seen) == len(set(seen))
    assert sorted(seen) == summary['scenes']
    assert lists == summary['splits']


@pytest.mark.parametrize('n', range(1, 14))
def test_split_rule(n):
    scenes = [tool.scene_name(i) for i in range(n)]
    assert len(set(scenes)) == n
    splits = tool.split_scenes(scenes)
    got = splits['train'] + splits['val'] + splits['test']
    assert sorted(got) == sorted(scenes) and len(got) == n
    if n < 3:
        assert splits['train'] == scenes
        assert splits['val'] == [] and splits['test'] == []
    else:
        assert splits['val'] and splits['test'] and splits['train']
        assert len(splits['val']) == len(splits['test'])
    if n == 6:
        assert [len(splits[k]) for k in ('train', 'val', 'test')] == [4, 1,
                                                                       1]


def test_readme_marker(small):
    out, summary = small
    with open(osp.join(out, tool.MARKER), encoding='utf-8') as f:
        text = f.read()
    assert text.startswith(tool.MARKER_LINE + '\n')
    assert 'SYNTHETIC' in text and 'A2D2' in text
    assert 'Seed: 0' in text
    assert summary['command'] in text
    assert '--size 160x101' in summary['command']


# -- labels and images -------------------------------------------------------
def _png_ihdr(data):
    # IHDR: width, height (big endian), bit depth (byte 24), colour type (25)
    return (int.from_bytes(data[16:20], 'big'),
            int.from_bytes(data[20:24], 'big'), data[24], data[25])


def test_labels_are_8bit_rgb_a2d2_colours(small):
    out, _ = small
    frames = _frames(out)
    assert len(frames) == SCENES * FRAMES
    for _, _, img_path, lbl_path in frames:
        for path in (img_path, lbl_path):
            with open(path, 'rb') as f:
                data = f.read()
            assert png_colour_type(data) == 'RGB', path
            assert _png_ihdr(data) == (SIZE[0], SIZE[1], 8, 2), path
        label = _read_rgb(lbl_path)
        assert label.dtype == np.uint8 and label.shape == (SIZE[1], SIZE[0],
                                                           3)
        packed = pack_rgb(label)
        assert np.isin(packed, PALETTE_PACKED).all(), lbl_path


def test_class_coverage(small):
    out, summary = small
    totals = {}
    for _, _, _, lbl_path in _frames(out):
        for name, n in _label_names(_read_rgb(lbl_path)).items():
            totals[name] = totals.get(name, 0) + n
    assert totals == summary['label_pixels']
    cars = [n for n in totals if n.startswith('Car ')]
    assert len(cars) >= 2, cars
    categories = {category_of(n) for n in totals}
    assert len(categories) >= 8, categories
    assert categories == set(summary['categories'])
    for must in ('Sky', 'RD normal street', 'Sidewalk', 'Curbstone',
                 'Solid line', 'Buildings', 'Nature object', 'Car'):
        assert must in categories, must


def test_every_frame_has_the_street_basics(small):
    out, _ = small
    for _, _, _, lbl_path in _frames(out):
        names = _label_names(_read_rgb(lbl_path))
        for must in ('Sky', 'RD normal street', 'Nature object'):
            assert names.get(must, 0) > 0, (lbl_path, must)
        assert any(n.startswith('Car ') for n in names), lbl_path


def test_image_is_not_a_colour_lookup_of_the_label(small):
    out, _ = small
    frames = _frames(out)
    road = COLOUR_OF['RD normal street']
    means = {}
    for scene, frame, img_path, lbl_path in frames:
        img = _read_rgb(img_path).astype(np.float64)
        label = _read_rgb(lbl_path)
        # Within one class the image varies (texture, lighting, noise).
        sel = (label == road).all(-1)
        assert sel.sum() > 100
        assert img[sel].std(0).mean() > 5.0, img_path
        if frame == sorted(f for s, f, _, _ in frames if s == scene)[0]:
            means[scene] = img[sel].mean(0)
        # Predicting each pixel by its class's mean colour (fitted on this
        # very frame) leaves a large error.
        packed = pack_rgb(label)
        pred = np.zeros_like(img)
        for v in np.unique(packed):
            m = packed == v
            pred[m] = img[m].mean(0)
        assert np.sqrt(((pred - img)**2).mean()) > 10.0, img_path
    # The same class looks different from scene to scene.
    scenes = sorted(means)
    spread = max(np.linalg.norm(means[a] - means[b]) for a in scenes
                 for b in scenes)
    assert spread > 15.0, means


def test_frames_of_a_scene_move(small):
    out, _ = small
    by_scene = {}
    for scene, _, img_path, lbl_path in _frames(out):
        by_scene.setdefault(scene, []).append(pack_rgb(_read_rgb(lbl_path)))
    firsts = []
    for scene, labels in by_scene.items():
        for a, b in zip(labels, labels[1:]):
            same = (a == b).mean()
            assert 0.4 < same < 0.995, (scene, same)
        firsts.append(labels[0])
    assert not np.array_equal(firsts[0], firsts[1])


# -- determinism -------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    kw = dict(num_scenes=2, frames_per_scene=2, size=(96, 64), progress=False)
    a, b, c = (str(tmp_path / n) for n in 'abc')
    tool.make_synthetic_a2d2(a, seed=0, **kw)
    tool.make_synthetic_a2d2(b, seed=0, **kw)
    tool.make_synthetic_a2d2(c, seed=1, **kw)
    fa, fb, fc = _all_files(a), _all_files(b), _all_files(c)
    assert sorted(fa) == sorted(fb)
    assert len(fc) == len(fa)
    # The README names the output folder it was written to; all else is
    # byte-identical.
    readme_a = fa.pop(tool.MARKER).decode().replace(a, '<out>')
    readme_b = fb.pop(tool.MARKER).decode().replace(b, '<out>')
    assert readme_a == readme_b
    assert fa == fb
    # Another seed: other pictures (and other frame ids).
    pngs_a = [fa[k] for k in sorted(fa) if k.endswith('.png')]
    pngs_c = [fc[k] for k in sorted(fc) if k.endswith('.png')]
    assert len(pngs_a) == len(pngs_c) == 8
    assert all(x != y for x, y in zip(pngs_a, pngs_c))
    # Two scenes: everything in train, no val/test lists.
    assert sorted(os.listdir(osp.join(a, 'splits'))) == ['train.txt']
    # Writing the same folder again gives the same bytes too.
    tool.make_synthetic_a2d2(a, seed=0, **kw)
    again = _all_files(a)
    again.pop(tool.MARKER)
    assert again == fb


def test_render_frame_matches_written_files(small):
    out, _ = small
    scene, frame, img_path, lbl_path = _frames(out)[4]  # scene 1, frame 1
    image, index = tool.render_frame(0, 1, 1, FRAMES, SIZE)
    assert np.array_equal(image, _read_rgb(img_path))
    assert np.array_equal(tool.PALETTE[index], _read_rgb(lbl_path))


def test_small_set_is_fast(tmp_path):
    start = time.perf_counter()
    tool.make_synthetic_a2d2(str(tmp_path / 'fast'), num_scenes=2,
                             frames_per_scene=2, size=(96, 64),
                             progress=False)
    # Well under a second on a developer machine; generous for loaded CI.
    assert time.perf_counter() - start < 3.0


# -- output folder safety and CLI ---------------------------------------------
def test_refuses_foreign_non_empty_folder(tmp_path):
    out = tmp_path / 'data'
    out.mkdir()
    (out / 'notes.txt').write_text('mine')
    kw = dict(num_scenes=1, frames_per_scene=1, size=(64, 40), progress=False)
    with pytest.raises(tool.SyntheticA2D2Error, match='--overwrite'):
        tool.make_synthetic_a2d2(str(out), **kw)
    assert sorted(os.listdir(out)) == ['notes.txt']
    summary = tool.make_synthetic_a2d2(str(out), overwrite=True, **kw)
    assert summary['replaced']
    assert (out / 'notes.txt').read_text() == 'mine'
    assert (out / tool.MARKER).is_file()


def test_refuses_real_scenes_in_a_synthetic_folder(tmp_path):
    out = tmp_path / 'data'
    kw = dict(num_scenes=1, frames_per_scene=1, size=(64, 40), progress=False)
    tool.make_synthetic_a2d2(str(out), **kw)
    (out / RAW_DIR / '20180807_145028').mkdir()
    with pytest.raises(tool.SyntheticA2D2Error):
        tool.make_synthetic_a2d2(str(out), **kw)
    assert (out / RAW_DIR / '20180807_145028').is_dir()


def test_rewrites_an_earlier_output(tmp_path):
    out = str(tmp_path / 'data')
    kw = dict(frames_per_scene=1, size=(64, 40), progress=False)
    tool.make_synthetic_a2d2(out, num_scenes=4, **kw)
    summary = tool.make_synthetic_a2d2(out, num_scenes=2, **kw)
    assert summary['replaced']
    scenes = sorted(d for d in os.listdir(osp.join(out, RAW_DIR))
                    if d != 'class_list.json')
    assert scenes == summary['scenes'] and len(scenes) == 2
    assert sorted(os.listdir(osp.join(out, 'splits'))) == ['train.txt']


@pytest.mark.parametrize('kwargs', [
    dict(num_scenes=0), dict(frames_per_scene=0), dict(seed=-1),
    dict(size='480'), dict(size='axb'), dict(size=(16, 8)),
    dict(num_scenes=2.5)
])
def test_bad_arguments(tmp_path, kwargs):
    kw = dict(num_scenes=1, frames_per_scene=1, size=(64, 40), progress=False)
    kw.update(kwargs)
    with pytest.raises(tool.SyntheticA2D2Error):
        tool.make_synthetic_a2d2(str(tmp_path / 'x'), **kw)
    assert not osp.exists(tmp_path / 'x')


def test_parse_size():
    assert tool.parse_size('480x302') == (480, 302)
    assert tool.parse_size('1920x1208') == (1920, 1208)
    assert tool.parse_size((96, 64)) == (96, 64)


def test_cli(tmp_path, capsys):
    out = str(tmp_path / 'cli')
    rc = tool.main(['--out', out, '--scenes', '3', '--frames-per-scene', '1',
                    '--size', '64x40', '--seed', '3', '--no-progress'])
    assert rc == 0
    text = capsys.readouterr().out
    assert '3 scenes x 1 frames = 3 frames of 64x40' in text
    assert out in text and 'seed 3' in text
    assert tool.main(['--out', out, '--size', 'big', '--no-progress']) == 2
    assert 'WIDTHxHEIGHT' in capsys.readouterr().err


# -- A2D2Dataset reads it ----------------------------------------------------
def test_a2d2dataset_reads_the_output(small):
    out, summary = small
    for split in ('train', 'val', 'test'):
        ds = A2D2Dataset(data_root=out, scenes=f'splits/{split}.txt',
                         pipeline=PIPELINE)
        assert len(ds) == len(summary['splits'][split]) * FRAMES
    ds = A2D2Dataset(data_root=out, pipeline=PIPELINE)
    assert len(ds) == SCENES * FRAMES
    assert ds.resolved_layout == 'raw'
    with warnings.catch_warnings():
        warnings.simplefilter('error', UnknownColourWarning)
        for i in range(len(ds)):
            results = ds[i]
            gt = results['gt_seg_map']
            assert gt.shape == (SIZE[1], SIZE[0])
            assert results['img'].shape == (SIZE[1], SIZE[0], 3)
            assert not (gt == 255).any(), results['seg_map_path']
            assert gt.max() < len(ds.metainfo['classes'])


def test_reduced_set_ignores_only_ego_car_and_blurred(small):
    out, summary = small
    ds = A2D2Dataset(data_root=out, class_set='reduced', pipeline=PIPELINE)
    ignored_colours = [COLOUR_OF['Ego car'], COLOUR_OF['Blurred area'],
                       COLOUR_OF['Rain dirt']]
    ignored_somewhere = False
    with warnings.catch_warnings():
        warnings.simplefilter('error', UnknownColourWarning)
        for i in range(len(ds)):
            results = ds[i]
            label = _read_rgb(results['seg_map_path'])
            expected = np.zeros(label.shape[:2], bool)
            for rgb in ignored_colours:
                expected |= (label == rgb).all(-1)
            assert np.array_equal(results['gt_seg_map'] == 255, expected)
            ignored_somewhere |= bool(expected.any())
    # The seed-0 small set has an ego hood and blurred plates, so the
    # check above is not vacuous.
    assert ignored_somewhere
    assert {'Ego car', 'Blurred area'} <= set(summary['label_pixels'])
