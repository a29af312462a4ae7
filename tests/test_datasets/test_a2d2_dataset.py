"""A2D2Dataset: layouts, pairing, scene selection, class sets, errors."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS, TRANSFORMS

from a2d2_mmseg.a2d2 import (A2D2_CLASS_LIST, REDUCED_CLASSES,
                             ClassListError, UnknownClassError,
                             UnknownClassWarning)
from a2d2_mmseg.datasets import (A2D2Dataset, A2D2ImageError,
                                 A2D2LayoutError)
from tests.fixtures.files import write_png_with_orientation
from tests.fixtures.trees import (LABEL_A, LABEL_B, REAL_FRAMES, SAMPLES_DIR,
                                  raw_paths, write_png, write_raw_tree,
                                  write_seed_masks)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PIPELINE = [dict(type='LoadA2D2ImageFromFile'),
            dict(type='LoadA2D2Annotations')]



@pytest.fixture
def tree(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_raw_tree(root, {
        '20180807_145028': [('000000091', LABEL_A), ('000000007', LABEL_B)],
        '20181107_132730': [('000000100', LABEL_B)],
    })
    return root


def test_registered():
    assert DATASETS.get('A2D2Dataset') is A2D2Dataset
    assert TRANSFORMS.get('LoadA2D2Annotations') is not None


def test_layout_told_and_tree_scanned_once_per_construction(
        tree, monkeypatch):
    import a2d2_mmseg.a2d2.layout as layout
    import a2d2_mmseg.datasets.a2d2 as adapter
    calls = []

    def counting(name, fn):
        def wrapper(*args, **kwargs):
            calls.append(name)
            return fn(*args, **kwargs)
        return wrapper

    detect, scan = layout.detect_layout, layout.scan
    monkeypatch.setattr(layout, 'detect_layout', counting('detect', detect))
    monkeypatch.setattr(adapter, 'scan', counting('scan', scan))
    ds = A2D2Dataset(data_root=tree, pipeline=PIPELINE)
    assert len(ds) == 3 and ds.resolved_layout == 'raw'
    assert calls == ['detect', 'scan']


def test_raw_tree_pairs_by_scene_and_frame(tree):
    ds = A2D2Dataset(data_root=tree, pipeline=PIPELINE)
    assert len(ds) == 3
    assert ds.resolved_layout == 'raw'
    infos = [ds.get_data_info(i) for i in range(3)]
    assert [(i['scene'], i['frame']) for i in infos] == [
        ('20180807_145028', '000000007'), ('20180807_145028', '000000091'),
        ('20181107_132730', '000000100')
    ]
    for info in infos:
        assert info['img_path'].endswith(
            f"camera_frontcenter_{info['frame']}.png")
        assert info['seg_map_path'].endswith(
            f"label_frontcenter_{info['frame']}.png")
        assert info['label_format'] == 'rgb'
        assert info['class_list'] == osp.join(tree, 'camera_lidar_semantic',
                                              'class_list.json')
    full = list(A2D2Dataset.METAINFO['classes'])
    out = ds[1]  # frame 91 = LABEL_A
    np.testing.assert_array_equal(
        out['gt_seg_map'],
        [[full.index('Sky')] * 2 + [full.index('Buildings')],
         [full.index('Car'),
          full.index('RD normal street'),
          full.index('Ego car')]])
    assert out['img'].shape == (2, 3, 3)


def test_pairing_never_by_sorted_position(tree):
    # Remove the label of frame 7 and add a label for frame 8: same counts,
    # so pairing by sorted position would silently mismatch.
    cam, _, lbl = raw_paths(tree, '20180807_145028', '000000007')
    os.remove(lbl)
    _, _, lbl8 = raw_paths(tree, '20180807_145028', '000000008')
    write_png(lbl8, LABEL_B)
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=tree)
    msg = str(e.value)
    assert f'{cam}: image without a label' in msg
    assert f'{lbl8}: label without an image' in msg


def test_scene_selection(tree, tmp_path):
    assert len(A2D2Dataset(data_root=tree, scenes=['20181107_132730'])) == 1
    lst = tmp_path / 'my_scenes.txt'
    lst.write_text('# comment\n20180807_145028\n\n')
    assert len(A2D2Dataset(data_root=tree, scenes=str(lst))) == 2
    # relative to data_root
    shutil.copy(lst, osp.join(tree, 'split.txt'))
    assert len(A2D2Dataset(data_root=tree, scenes='split.txt')) == 2
    with pytest.raises(A2D2LayoutError, match=r"\['20990101_000000'\]"):
        A2D2Dataset(data_root=tree, scenes=['20990101_000000'])
    with pytest.raises(A2D2LayoutError, match='neither one of'):
        A2D2Dataset(data_root=tree, scenes='no_such_list.txt')
    with pytest.raises(A2D2LayoutError, match='more than once'):
        A2D2Dataset(data_root=tree, scenes=['20181107_132730'] * 2)


def test_split_names_resolve_to_shipped_lists(tree):
    # The tiny tree holds 2 of the 17 training scenes: a clear error.
    with pytest.raises(A2D2LayoutError, match='named in the scene list'):
        A2D2Dataset(data_root=tree, scenes='train')


def test_json_files_are_ignored_but_strays_are_errors(tree):
    folder = osp.dirname(raw_paths(tree, '20181107_132730', '000000100')[0])
    stray = osp.join(folder, 'notes.png')
    write_png(stray, LABEL_A)
    with pytest.raises(A2D2LayoutError, match='unexpected file name') as e:
        A2D2Dataset(data_root=tree)
    assert stray in str(e.value)


def test_empty_scene(tree):
    base = osp.join(tree, 'camera_lidar_semantic', '20990101_000000')
    os.makedirs(osp.join(base, 'camera', 'cam_front_center'))
    os.makedirs(osp.join(base, 'label', 'cam_front_center'))
    with pytest.raises(A2D2LayoutError,
                       match='scene 20990101_000000: no frames'):
        A2D2Dataset(data_root=tree)


def test_bad_paths(tmp_path, tree):
    with pytest.raises(A2D2LayoutError, match='does not exist'):
        A2D2Dataset(data_root=str(tmp_path / 'missing'))
    with pytest.raises(A2D2LayoutError, match='no A2D2 data found'):
        A2D2Dataset(data_root=str(tmp_path))
    os.remove(osp.join(tree, 'camera_lidar_semantic', 'class_list.json'))
    with pytest.raises(A2D2LayoutError,
                       match='class_list.json: class_list.json not found'):
        A2D2Dataset(data_root=tree)


def test_malformed_class_list(tree):
    path = osp.join(tree, 'camera_lidar_semantic', 'class_list.json')
    with open(path, 'w') as f:
        f.write('{"#ff0000": "Car 1", "#ff0000": "Car 2"}')
    with pytest.raises(ClassListError, match='duplicate colour') as e:
        A2D2Dataset(data_root=tree)
    assert path in str(e.value)


def test_reduced_class_set(tree):
    ds = A2D2Dataset(data_root=tree, class_set='reduced', pipeline=PIPELINE)
    names = list(REDUCED_CLASSES)
    assert list(ds.metainfo['classes']) == names
    assert len(ds.metainfo['palette']) == 11
    gt = ds[1]['gt_seg_map']
    np.testing.assert_array_equal(
        gt, [[names.index('sky')] * 2 + [names.index('building')],
             [names.index('vehicle'),
              names.index('road'), 255]])


def test_metainfo_subset_of_classes(tree):
    ds = A2D2Dataset(
        data_root=tree,
        metainfo=dict(classes=('Sky', 'Car')),
        pipeline=PIPELINE)
    assert ds.metainfo['classes'] == ('Sky', 'Car')
    assert ds.metainfo['palette'] == [[135, 206, 255], [255, 0, 0]]
    np.testing.assert_array_equal(ds[1]['gt_seg_map'],
                                  [[0, 0, 255], [1, 255, 255]])
    with pytest.raises(ValueError, match=r"\['Bus'\] are not in"):
        A2D2Dataset(data_root=tree, metainfo=dict(classes=('Sky', 'Bus')))


def test_seed_layout(tmp_path):
    root = tmp_path / 'seed'
    write_seed_masks(str(root), 2)
    ds = A2D2Dataset(data_root=str(root), seed_split='train',
                     pipeline=PIPELINE)
    assert ds.resolved_layout == 'seed'
    assert len(ds) == 2
    assert ds.get_data_info(1)['scene'] == '20180807_145028'
    np.testing.assert_array_equal(ds[1]['gt_seg_map'], np.full((3, 4), 2))
    with pytest.raises(A2D2LayoutError, match='test_list.json'):
        A2D2Dataset(data_root=str(root), seed_split='test')
    # the split is never guessed (see test_a2d2_layouts.py)
    with pytest.raises(A2D2LayoutError, match='needs its split'):
        A2D2Dataset(data_root=str(root))


def _real_tree(tmp_path):
    root = str(tmp_path / 'real')
    sem = osp.join(root, 'camera_lidar_semantic')
    os.makedirs(sem)
    shutil.copy(osp.join(SAMPLES_DIR, 'class_list.json'), sem)
    for scene, frame in REAL_FRAMES:
        cam, meta, lbl = raw_paths(root, scene, frame)
        for src, dst in ((osp.basename(cam), cam), (osp.basename(lbl), lbl)):
            os.makedirs(osp.dirname(dst), exist_ok=True)
            os.symlink(osp.join(SAMPLES_DIR, src), dst)
        with open(meta, 'w') as f:
            json.dump({'cam_name': 'front_center'}, f)
    return root


def test_base_config_pipelines_on_real_frames(tmp_path):
    """The shipped dataset config, real A2D2 frames, full-resolution masks."""
    import cv2

    from a2d2_mmseg.a2d2 import get_mapper
    root = _real_tree(tmp_path)
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/a2d2.py'))
    scenes = [s for s, _ in REAL_FRAMES]
    for split in ('train_dataloader', 'test_dataloader'):
        ds_cfg = cfg[split]['dataset']
        ds_cfg.update(data_root=root, scenes=scenes)
        ds = DATASETS.build(ds_cfg)
        assert len(ds) == 2
        for i in range(len(ds)):
            out = ds[i]
            sample = out['data_samples']
            gt = sample.gt_sem_seg.data.numpy()[0]
            if split == 'test_dataloader':
                # annotations loaded after Resize: exact, full resolution
                assert gt.shape == (1208, 1920)
                assert sample.img_shape == (604, 960)
                bgr = cv2.imread(ds.get_data_info(i)['seg_map_path'],
                                 cv2.IMREAD_UNCHANGED)
                expected, _ = get_mapper('full')(bgr, 'bgr')
                np.testing.assert_array_equal(gt, expected)
            else:
                # RandomResize may shrink below the crop; the data
                # preprocessor pads such crops to 512x512 later.
                assert gt.shape[0] <= 512 and gt.shape[1] <= 512
                assert out['inputs'].shape[1:] == gt.shape


# ---------------------------------------------------------------------------
# Inputs that must never silently corrupt a sample
# ---------------------------------------------------------------------------
def _config_loaders():
    """The image loader of every pipeline of the shipped dataset configs."""
    loaders = []
    for name in ('_base_/datasets/a2d2.py',
                 'seed_study/_base_/a2d2-seed_512x512.py',
                 'demo/_base_/a2d2-seed-synthetic_192x192.py'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', name))
        for pipeline in (cfg.train_pipeline, cfg.test_pipeline,
                         cfg.tta_pipeline):
            loaders.append(pipeline[0])
    return loaders


@pytest.mark.parametrize('orientation', [3, 6])
def test_exif_orientation_ignored_by_the_config_pipelines(tree, orientation):
    # 180 degrees (3) keeps the size, so a rotated image would pass every
    # size check; 90 degrees (6) would not even match its label's size.
    cam, _, _ = raw_paths(tree, '20180807_145028', '000000091')
    stored = np.random.default_rng(1).integers(0, 256, LABEL_A.shape,
                                               dtype=np.uint8)
    write_png_with_orientation(cam, stored, orientation)
    loaders = _config_loaders()
    assert all(t['type'] == 'LoadA2D2ImageFromFile' for t in loaders)
    ds = A2D2Dataset(data_root=tree, pipeline=[
        loaders[0], dict(type='LoadA2D2Annotations')])
    out = ds[1]
    assert out['img_path'] == cam
    np.testing.assert_array_equal(out['img'], stored[..., ::-1])
    full = list(A2D2Dataset.METAINFO['classes'])
    assert out['gt_seg_map'][0, 2] == full.index('Buildings')


@pytest.mark.parametrize('kind,message', [
    ('empty', 'empty file (0 bytes)'),
    ('truncated', 'cannot decode (truncated or corrupt PNG: truncated: '),
])
def test_broken_camera_image_names_the_file(tree, kind, message):
    cam, _, _ = raw_paths(tree, '20180807_145028', '000000091')
    data = open(cam, 'rb').read()
    with open(cam, 'wb') as f:
        f.write(b'' if kind == 'empty' else data[:len(data) - 20])
    ds = A2D2Dataset(data_root=tree, pipeline=PIPELINE)
    with pytest.raises(A2D2ImageError) as e:
        ds[1]
    assert str(e.value).startswith(f'{cam}: {message}')


def test_duplicate_line_in_a_scene_list_file(tree, tmp_path):
    lst = tmp_path / 'scenes.txt'
    lst.write_text('20180807_145028\n# comment\n\n20181107_132730\n'
                   '  20180807_145028  # again\n')
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=tree, scenes=str(lst))
    assert str(e.value) == (f"{lst}: line 5: scene list names "
                            "'20180807_145028' more than once (first on "
                            'line 1)')
    # the same as for a Python list
    with pytest.raises(A2D2LayoutError, match='more than once'):
        A2D2Dataset(data_root=tree,
                    scenes=['20180807_145028', '20180807_145028'])


def test_scene_list_file_that_is_not_utf8(tree, tmp_path):
    lst = tmp_path / 'scenes.txt'
    lst.write_bytes(b'20180807_145028\n2018\xff1107_132730\n')
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=tree, scenes=str(lst))
    assert str(e.value) == (f'{lst}: line 2: the scene list is not UTF-8 '
                            'text (byte 0xff at offset 20)')
    # A byte-order mark and Windows line ends are fine.
    lst.write_bytes(b'\xef\xbb\xbf20180807_145028\r\n20181107_132730\r\n')
    assert len(A2D2Dataset(data_root=tree, scenes=str(lst))) == 3


def _class_list_path(root):
    return osp.join(root, 'camera_lidar_semantic', 'class_list.json')


def test_reordered_class_list_keeps_the_class_indices(tree):
    before = A2D2Dataset(data_root=tree, pipeline=PIPELINE)[1]['gt_seg_map']
    with open(_class_list_path(tree), 'w') as f:
        json.dump(dict(A2D2_CLASS_LIST[::-1]), f)
    ds = A2D2Dataset(data_root=tree, pipeline=PIPELINE)
    assert ds.metainfo['classes'] == A2D2Dataset.METAINFO['classes']
    np.testing.assert_array_equal(ds[1]['gt_seg_map'], before)


def test_renamed_class_is_an_error_unless_allowed(tree):
    path = _class_list_path(tree)
    items = dict(A2D2_CLASS_LIST)
    items['#ff00ff'] = 'RD Normal Street'
    with open(path, 'w') as f:
        json.dump(items, f)
    with pytest.raises(UnknownClassError) as e:
        A2D2Dataset(data_root=tree, pipeline=PIPELINE)
    assert str(e.value).startswith(f"{path}: not A2D2's class list")
    assert ('"#ff00ff": "RD Normal Street": A2D2 names #ff00ff "RD normal '
            'street"') in str(e.value)
    with pytest.warns(UnknownClassWarning, match='RD Normal Street'):
        ds = A2D2Dataset(data_root=tree, pipeline=PIPELINE,
                         allow_unknown_classes=True)
    gt = ds[1]['gt_seg_map']  # LABEL_A: the road pixel is ignored now
    full = list(A2D2Dataset.METAINFO['classes'])
    np.testing.assert_array_equal(
        gt, [[full.index('Sky')] * 2 + [full.index('Buildings')],
             [full.index('Car'), 255, full.index('Ego car')]])
    assert ds.get_data_info(1)['allow_unknown_classes'] is True
