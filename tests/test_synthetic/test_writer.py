"""a2d2_mmseg.a2d2.synthetic.generate: A2D2's raw layout on disk, split lists,
the marker file and the output folder's safety rules."""
import json
import os
import os.path as osp

import numpy as np
import pytest

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST
from a2d2_mmseg.a2d2.colours import pack_rgb
from a2d2_mmseg.a2d2.images import png_colour_type
from a2d2_mmseg.a2d2.layout import RAW_DIR
from a2d2_mmseg.a2d2.scenes import (_IMG_RE, _LABEL_RE, _SCENE_RE, CAMERA,
                                    read_scene_list)
from a2d2_mmseg.a2d2.synthetic import (FRAME_STEP, MARKER, MARKER_LINE,
                                       SyntheticA2D2Error, generate,
                                       scene_name, split_scenes)
from tests.fixtures.synthetic import (FRAMES, PALETTE_PACKED, SCENES, SIZE,
                                      frames_of, read_rgb)


def test_exact_raw_layout(small):
    out, summary = small
    assert sorted(os.listdir(out)) == [MARKER, RAW_DIR, 'splits']
    raw = osp.join(out, RAW_DIR)
    scenes = sorted(d for d in os.listdir(raw) if d != 'class_list.json')
    assert scenes == summary.scenes and len(scenes) == SCENES
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
        assert np.all(np.diff(img_frames) == FRAME_STEP)
        assert [f'{f:09d}' for f in img_frames] == summary.frames[scene]
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
    assert sorted(seen) == summary.scenes
    assert lists == summary.splits


@pytest.mark.parametrize('n', range(1, 14))
def test_split_rule(n):
    scenes = [scene_name(i) for i in range(n)]
    assert len(set(scenes)) == n
    splits = split_scenes(scenes)
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
    with open(osp.join(out, MARKER), encoding='utf-8') as f:
        text = f.read()
    assert text.startswith(MARKER_LINE + '\n')
    assert 'SYNTHETIC' in text and 'A2D2' in text
    assert 'Seed: 0' in text
    assert summary.command in text
    assert '--size 160x101' in summary.command


def _png_ihdr(data):
    # IHDR: width, height (big endian), bit depth (byte 24), colour type (25)
    return (int.from_bytes(data[16:20], 'big'),
            int.from_bytes(data[20:24], 'big'), data[24], data[25])


def test_labels_are_8bit_rgb_a2d2_colours(small):
    out, _ = small
    frames = frames_of(out)
    assert len(frames) == SCENES * FRAMES
    for _, _, img_path, lbl_path in frames:
        for path in (img_path, lbl_path):
            with open(path, 'rb') as f:
                data = f.read()
            assert png_colour_type(data) == 'RGB', path
            assert _png_ihdr(data) == (SIZE[0], SIZE[1], 8, 2), path
        label = read_rgb(lbl_path)
        assert label.dtype == np.uint8 and label.shape == (SIZE[1], SIZE[0],
                                                           3)
        packed = pack_rgb(label)
        assert np.isin(packed, PALETTE_PACKED).all(), lbl_path


# -- output folder safety -----------------------------------------------------
def test_refuses_foreign_non_empty_folder(tmp_path):
    out = tmp_path / 'data'
    out.mkdir()
    (out / 'notes.txt').write_text('mine')
    kw = dict(num_scenes=1, frames_per_scene=1, size=(64, 40), progress=False)
    with pytest.raises(SyntheticA2D2Error, match='--overwrite'):
        generate(str(out), **kw)
    assert sorted(os.listdir(out)) == ['notes.txt']
    summary = generate(str(out), overwrite=True, **kw)
    assert summary.replaced
    assert (out / 'notes.txt').read_text() == 'mine'
    assert (out / MARKER).is_file()


def test_refuses_real_scenes_in_a_synthetic_folder(tmp_path):
    out = tmp_path / 'data'
    kw = dict(num_scenes=1, frames_per_scene=1, size=(64, 40), progress=False)
    generate(str(out), **kw)
    (out / RAW_DIR / '20180807_145028').mkdir()
    with pytest.raises(SyntheticA2D2Error):
        generate(str(out), **kw)
    assert (out / RAW_DIR / '20180807_145028').is_dir()


def test_refuses_a_file(tmp_path):
    out = tmp_path / 'data'
    out.write_text('not a folder')
    with pytest.raises(SyntheticA2D2Error, match='not a folder'):
        generate(str(out), num_scenes=1, frames_per_scene=1, size=(64, 40),
                 progress=False)


def test_rewrites_an_earlier_output(tmp_path):
    out = str(tmp_path / 'data')
    kw = dict(frames_per_scene=1, size=(64, 40), progress=False)
    generate(out, num_scenes=4, **kw)
    summary = generate(out, num_scenes=2, **kw)
    assert summary.replaced
    scenes = sorted(d for d in os.listdir(osp.join(out, RAW_DIR))
                    if d != 'class_list.json')
    assert scenes == summary.scenes and len(scenes) == 2
    assert sorted(os.listdir(osp.join(out, 'splits'))) == ['train.txt']
