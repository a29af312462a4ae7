"""Every A2D2 arrangement, cameras=, seed splits and the seed's masks."""
import json
import os
import os.path as osp
import re
import shutil

import cv2
import numpy as np
import pytest

from a2d2_mmseg.a2d2 import CAMERAS, detect_layout
from a2d2_mmseg.datasets import (A2D2Dataset, A2D2LabelError,
                                 A2D2LayoutError, LoadA2D2Annotations)
from tests.fixtures.trees import (COLOUR, LABEL_A, LABEL_B, REAL_FRAMES, S1,
                                  S2, S3, SAMPLES_DIR, copy_real_frame,
                                  frame_paths, write_class_list, write_png,
                                  write_raw_tree, write_seed_tree, write_tree)

PIPELINE = [dict(type='LoadA2D2ImageFromFile'),
            dict(type='LoadA2D2Annotations')]
FULL = list(A2D2Dataset.METAINFO['classes'])

# A class set written as a config would write it (lists, a dict of groups).
DRIVING = dict(
    classes=['road', 'vehicle', 'human', 'sky', 'rest'],
    groups={'road': ['RD normal street', 'Parking area', 'Dashed line',
                     'Solid line'],
            'vehicle': ['Car', 'Truck', 'Utility vehicle'],
            'human': ['Pedestrian', 'Bicycle'],
            'sky': ['Sky']},
    ignore=['Ego car', 'Blurred area', 'Rain dirt'],
    others='rest')


def full_mask(label):
    """Full-set indices of a label made with label_from_names."""
    names = {tuple(c): n for n, c in COLOUR.items()}
    return np.array([[FULL.index(re.sub(r'\s+\d+$', '', names[tuple(p)]))
                      for p in row] for row in label])


def class_set_mask(label_path, class_list_path, class_set):
    """An independent colour -> class computation (vectorised numpy): the
    label's packed colours looked up in class_list.json, categories by
    stripping the variant number, then the class-set dict's groups."""
    with open(class_list_path) as f:
        entries = json.load(f)
    classes = list(class_set['classes'])
    target = {}
    for cls, cats in class_set['groups'].items():
        for cat in cats:
            target[cat] = classes.index(cls)
    for cat in class_set.get('ignore', ()):
        target[cat] = 255
    others = class_set['others']
    rest = 255 if others == 'ignore' else classes.index(others)
    colours = np.array([int(h[1:], 16) for h in entries], np.int64)
    values = np.array([target.get(re.sub(r'\s+\d+$', '', name), rest)
                       for name in entries.values()], np.int64)
    rgb = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)[..., ::-1].astype(
        np.int64)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    order = np.argsort(colours)
    pos = np.clip(np.searchsorted(colours[order], packed), 0,
                  len(colours) - 1)
    known = colours[order][pos] == packed
    return np.where(known, values[order][pos], 255)


# ---------------------------------------------------------------------------
# Arrangements
# ---------------------------------------------------------------------------
def test_bboxes_tree_as_a2d2_ships_it(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_tree(root, 'bboxes', {S1: [('000000091', LABEL_A)],
                                S2: [('000000100', LABEL_B)]})
    assert osp.isdir(osp.join(root, 'camera_lidar_semantic_bboxes', S1,
                              'label3D', 'cam_front_center'))
    ds = A2D2Dataset(data_root=root, pipeline=PIPELINE)
    assert ds.resolved_layout == 'bboxes'
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [(i['scene'], i['camera'], i['frame']) for i in infos] == [
        (S1, 'front_center', '000000091'), (S2, 'front_center', '000000100')]
    assert infos[0]['class_list'] == osp.join(
        root, 'camera_lidar_semantic_bboxes', 'class_list.json')
    np.testing.assert_array_equal(ds[0]['gt_seg_map'], full_mask(LABEL_A))
    np.testing.assert_array_equal(ds[1]['gt_seg_map'], full_mask(LABEL_B))
    # the same scenes semantics: a list, and the shipped split names (the
    # 3D-box part holds 18 of their 23 scenes: the listed ones there)
    assert len(A2D2Dataset(data_root=root, scenes=[S2])) == 1
    assert len(A2D2Dataset(data_root=root, scenes='train')) == 2
    with pytest.raises(A2D2LayoutError, match='named in the scene list'):
        A2D2Dataset(data_root=root, scenes=[S1, S3])


def test_unpaired_file_in_a_bboxes_tree_is_named(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_tree(root, 'bboxes', {S1: [('000000091', LABEL_A)]})
    _, _, lbl = frame_paths(root, 'bboxes', S1, '000000091')
    os.remove(lbl)
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=root)
    png = frame_paths(root, 'bboxes', S1, '000000091')[0]
    assert f'{png}: image without a label' in str(e.value)


@pytest.fixture
def seed_tree(tmp_path):
    """The seed's arrangement: train/ with two scenes, test/ with one."""
    return write_seed_tree(str(tmp_path / 'seed'))


def test_seed_arrangement_the_folder_is_the_split(seed_tree):
    assert detect_layout(seed_tree) == 'seed_bboxes'
    train = A2D2Dataset(data_root=seed_tree, scenes='train',
                        pipeline=PIPELINE)
    assert train.resolved_split == 'train'
    assert [train.get_data_info(i)['scene'] for i in range(2)] == [S1, S2]
    test = A2D2Dataset(data_root=seed_tree, scenes='test', pipeline=PIPELINE)
    assert len(test) == 1
    info = test.get_data_info(0)
    assert (info['scene'], info['split']) == (S3, 'test')
    assert info['class_list'] == osp.join(
        seed_tree, 'camera_lidar_semantic_bboxes', 'camera',
        'class_list.json')
    np.testing.assert_array_equal(test[0]['gt_seg_map'], full_mask(LABEL_B))
    # seed_split alone, the same split named twice, scenes within a split
    assert len(A2D2Dataset(data_root=seed_tree, seed_split='test')) == 1
    assert len(A2D2Dataset(data_root=seed_tree, scenes='test',
                           seed_split='test')) == 1
    assert len(A2D2Dataset(data_root=seed_tree, scenes=[S2],
                           seed_split='train')) == 1
    with pytest.raises(A2D2LayoutError, match=r"\['20181108_103155'\]"):
        A2D2Dataset(data_root=seed_tree, scenes=[S3], seed_split='train')


@pytest.mark.parametrize('kwargs,message', [
    (dict(scenes='val'), "scenes='val': the seed arrangement has no "
     'validation split'),
    (dict(scenes='test', seed_split='train'),
     "scenes='test' and seed_split='train' disagree"),
    (dict(scenes='train', seed_split='test'),
     "scenes='train' and seed_split='test' disagree"),
    (dict(), "needs its split: scenes=None names none"),
    (dict(scenes=[S1]), 'needs its split'),
    (dict(seed_split='valid'), 'seed_split must be one of'),
])
def test_seed_arrangement_never_falls_back_to_train(seed_tree, kwargs,
                                                    message):
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=seed_tree, **kwargs)
    assert message in str(e.value)


def test_seed_arrangement_missing_split_folder_and_class_list(seed_tree):
    folder = osp.join(seed_tree, 'camera_lidar_semantic_bboxes', 'camera',
                      'special')
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=seed_tree, scenes='special')
    assert str(e.value) == (f"{folder}: the seed arrangement has no "
                            "'special' split folder")
    # class_list.json beside the split folders, else at the top (as A2D2
    # ships it), else an error naming both places
    beside = osp.join(seed_tree, 'camera_lidar_semantic_bboxes', 'camera',
                      'class_list.json')
    top = osp.join(seed_tree, 'camera_lidar_semantic_bboxes',
                   'class_list.json')
    shutil.move(beside, top)
    ds = A2D2Dataset(data_root=seed_tree, scenes='test')
    assert ds.get_data_info(0)['class_list'] == top
    os.remove(top)
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=seed_tree, scenes='test')
    assert str(e.value) == (f'{beside} or {top}: class_list.json not found')


def test_more_than_one_arrangement_needs_layout(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_raw_tree(root, {S1: [('000000091', LABEL_A)]})
    write_tree(root, 'bboxes', {S2: [('000000100', LABEL_B)]})
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=root)
    assert str(e.value) == (
        f"{root}: holds more than one A2D2 arrangement: "
        "camera_lidar_semantic/ (layout='raw'), "
        "camera_lidar_semantic_bboxes/<scene>/ (layout='bboxes'); pass "
        'layout= to choose one')
    assert A2D2Dataset(data_root=root, layout='raw').get_data_info(
        0)['scene'] == S1
    assert A2D2Dataset(data_root=root, layout='bboxes').get_data_info(
        0)['scene'] == S2


def test_data_root_inside_the_arrangement_is_explained(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_tree(root, 'bboxes', {S1: [('000000091', LABEL_A)]})
    inner = osp.join(root, 'camera_lidar_semantic_bboxes')
    with pytest.raises(A2D2LayoutError, match=r'camera_lidar_semantic_bboxes/'
                       r' itself was given: pass the folder that holds it'):
        A2D2Dataset(data_root=inner)


def test_cameras_pair_by_scene_camera_and_frame(tmp_path):
    root = str(tmp_path / 'a2d2')
    labels = {cam: (LABEL_A if i % 2 else LABEL_B)
              for i, cam in enumerate(CAMERAS)}
    write_tree(root, 'raw', {S1: [('000000091', labels)]}, cameras=CAMERAS)
    # the default reads the front centre only
    ds = A2D2Dataset(data_root=root, pipeline=PIPELINE)
    assert len(ds) == 1 and ds.get_data_info(0)['camera'] == 'front_center'
    ds = A2D2Dataset(data_root=root, cameras='all', pipeline=PIPELINE)
    assert [ds.get_data_info(i)['camera'] for i in range(6)] == list(CAMERAS)
    for i, cam in enumerate(CAMERAS):
        info = ds.get_data_info(i)
        token = cam.replace('_', '')
        assert info['img_path'].endswith(
            f'cam_{cam}/20180807145028_camera_{token}_000000091.png')
        assert info['seg_map_path'].endswith(
            f'cam_{cam}/20180807145028_label_{token}_000000091.png')
        np.testing.assert_array_equal(ds[i]['gt_seg_map'],
                                      full_mask(labels[cam]))
    ds = A2D2Dataset(data_root=root, cameras=('side_right', 'front_left'))
    assert [ds.get_data_info(i)['camera']
            for i in range(2)] == ['side_right', 'front_left']


def test_cameras_errors_name_the_file(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_tree(root, 'raw', {S1: [('000000091', LABEL_A)]},
               cameras=('front_center', 'front_left'))
    with pytest.raises(ValueError, match="unknown camera 'left'"):
        A2D2Dataset(data_root=root, cameras=('left', ))
    # 'all' needs every camera's folders
    folder = osp.join(root, 'camera_lidar_semantic', S1, 'camera',
                      'cam_front_right')
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=root, cameras='all')
    assert str(e.value) == (f'{folder}: camera folder of scene {S1} not '
                            'found')
    # a front-left label that pairs with no front-left image
    png, _, _ = frame_paths(root, 'raw', S1, '000000091', 'front_left')
    _, _, lbl = frame_paths(root, 'raw', S1, '000000092', 'front_left')
    write_png(lbl, LABEL_A)
    os.remove(png)
    with pytest.raises(A2D2LayoutError) as e:
        A2D2Dataset(data_root=root, cameras=('front_center', 'front_left'))
    assert f'{lbl}: label without an image' in str(e.value)
    # a file of another camera in a camera's folder is named
    os.remove(lbl)
    stray = osp.join(osp.dirname(lbl), osp.basename(lbl).replace(
        'frontleft', 'frontright'))
    write_png(stray, LABEL_A)
    with pytest.raises(A2D2LayoutError, match='unexpected file name') as e:
        A2D2Dataset(data_root=root, cameras=('front_left', ))
    assert stray in str(e.value)


def test_cameras_in_a_converted_tree(tmp_path):
    root = tmp_path / 'conv'
    root.mkdir()
    (root / 'a2d2_converted.json').write_text(json.dumps(
        dict(format='a2d2_mmseg', class_set='full')))
    shutil.copy(osp.join(SAMPLES_DIR, 'class_list.json'), str(root))
    for cam, value in (('frontcenter', 3), ('frontleft', 5)):
        write_png(str(root / 'images' / S1 /
                      f'20180807145028_camera_{cam}_000000001.png'),
                  np.zeros((2, 3, 3), np.uint8))
        write_png(str(root / 'labels' / S1 /
                      f'20180807145028_label_{cam}_000000001.png'),
                  np.full((2, 3), value, np.uint8))
    ds = A2D2Dataset(data_root=str(root), pipeline=PIPELINE)
    assert len(ds) == 1
    np.testing.assert_array_equal(ds[0]['gt_seg_map'], np.full((2, 3), 3))
    ds = A2D2Dataset(data_root=str(root), cameras=['front_left'],
                     pipeline=PIPELINE)
    assert len(ds) == 1 and ds.get_data_info(0)['camera'] == 'front_left'
    np.testing.assert_array_equal(ds[0]['gt_seg_map'], np.full((2, 3), 5))


# ---------------------------------------------------------------------------
# The seed's preprocessed masks
# ---------------------------------------------------------------------------
def _seed_masks(tmp_path, masks, image_shape=(6, 8, 3), split='train'):
    """A preprocessed_masks tree: one image per mask."""
    root = tmp_path / 'seed'
    (root / 'preprocessed_masks' / split).mkdir(parents=True)
    images = []
    for n, mask in enumerate(masks):
        img = f'images/20180807145028_camera_frontcenter_00000000{n}.png'
        write_png(str(root / img), np.full(image_shape, 10 * n, np.uint8))
        images.append(img)
        np.save(root / 'preprocessed_masks' / split / f'{n}_mask.npy', mask)
    (root / 'preprocessed_masks' / f'{split}_list.json').write_text(
        json.dumps(images))
    return str(root)


REDUCED_N = 11


def _one_hot(index, axis_last=True, dtype=np.uint8):
    hot = np.eye(REDUCED_N, dtype=dtype)[index]  # [H, W, C]
    return hot if axis_last else np.moveaxis(hot, -1, 0)


@pytest.mark.parametrize('axis_last', [True, False])
@pytest.mark.parametrize('dtype', [np.uint8, np.float32, bool])
def test_one_hot_seed_masks(tmp_path, axis_last, dtype):
    index = np.array([[0, 1, 2, 3], [10, 9, 8, 7], [4, 5, 6, 0]])
    root = _seed_masks(tmp_path, [_one_hot(index, axis_last, dtype)],
                       image_shape=(3, 4, 3))
    ds = A2D2Dataset(data_root=root, scenes='train', class_set='reduced',
                     pipeline=PIPELINE)
    gt = ds[0]['gt_seg_map']
    assert gt.dtype == np.uint8
    np.testing.assert_array_equal(gt, index)


@pytest.mark.parametrize('axis_last', [True, False])
@pytest.mark.parametrize('fault,pixel', [
    ('two', (2, 1)),  # two ones
    ('none', (0, 3)),  # all zero
    ('value', (1, 2)),  # a 2
    ('half', (2, 0)),  # 0.5 and 0.5
])
def test_bad_one_hot_names_the_file_and_first_pixel(tmp_path, axis_last,
                                                    fault, pixel):
    hot = _one_hot(np.zeros((3, 4), np.int64), True, np.float32)
    y, x = pixel
    if fault == 'two':
        hot[y, x, 5] = 1
    elif fault == 'none':
        hot[y, x, 0] = 0
    elif fault == 'value':
        hot[y, x, 0] = 2
    else:
        hot[y, x, 0] = 0.5
        hot[y, x, 1] = 0.5
    if fault != 'half':
        hot[2, 3, :] = 0  # a later bad pixel: only the first is named
    if not axis_last:
        hot = np.moveaxis(hot, -1, 0)
    path = tmp_path / '0_mask.npy'
    np.save(path, hot)
    with pytest.raises(A2D2LabelError) as e:
        LoadA2D2Annotations()(dict(seg_map_path=str(path), seg_fields=[],
                                   label_format='npy', class_set='reduced'))
    msg = str(e.value)
    assert msg.startswith(f'{path}: not a one-hot mask (')
    assert f'pixel (x={x}, y={y}) holds [' in msg
    assert 'exactly one value must be 1' in msg


def test_one_hot_axis_must_be_the_class_sets(tmp_path):
    path = tmp_path / '0_mask.npy'
    np.save(path, np.zeros((4, 5, 6), np.uint8))
    with pytest.raises(A2D2LabelError, match=r'neither of axis 0 and axis 2 '
                       r'have the 11 classes'):
        LoadA2D2Annotations()(dict(seg_map_path=str(path), seg_fields=[],
                                   label_format='npy', class_set='reduced'))
    np.save(path, np.zeros((11, 5, 11), np.uint8))
    with pytest.raises(A2D2LabelError, match='both of axis 0 and axis 2'):
        LoadA2D2Annotations()(dict(seg_map_path=str(path), seg_fields=[],
                                   label_format='npy', class_set='reduced'))


def test_seed_masks_keep_their_size_images_follow(tmp_path):
    """A 4x4 seed mask beside a 6x8 image, as 512x512 beside 1920x1208."""
    index = np.array([[0, 1, 2, 3]] * 4)
    root = _seed_masks(tmp_path, [_one_hot(index)])
    ds = A2D2Dataset(data_root=root, scenes='train', class_set='reduced',
                     pipeline=PIPELINE)
    assert ds.get_data_info(0)['mask_size'] == 'stored'
    out = ds[0]
    np.testing.assert_array_equal(out['gt_seg_map'], index)
    assert out['img'].shape == (4, 4, 3) and out['img_shape'] == (4, 4)
    assert out['ori_shape'] == (4, 4)
    # the seed's test protocol: resize first, load the mask after
    test = A2D2Dataset(
        data_root=root, scenes='train', class_set='reduced', pipeline=[
            dict(type='LoadA2D2ImageFromFile'),
            dict(type='Resize', scale=(4, 4), keep_ratio=False),
            dict(type='LoadA2D2Annotations'),
            dict(type='PackSegInputs')
        ])
    sample = test[0]['data_samples']
    assert sample.ori_shape == (4, 4) and sample.img_shape == (4, 4)
    np.testing.assert_array_equal(sample.gt_sem_seg.data.numpy()[0], index)
    # masks of the image's size are asked for: a mismatch is an error
    strict = A2D2Dataset(data_root=root, scenes='train', class_set='reduced',
                         mask_size='image', pipeline=PIPELINE)
    with pytest.raises(A2D2LabelError, match=r"4x4 \(WxH\) but its image .* "
                       r"is 8x6 \(A2D2Dataset\(mask_size='stored'\)"):
        strict[0]


def test_stored_mask_size_never_for_colour_labels(tmp_path):
    root = str(tmp_path / 'a2d2')
    write_raw_tree(root, {S1: [('000000091', LABEL_A)]})
    with pytest.raises(ValueError, match="mask_size='stored' is for the "
                       "seed's preprocessed masks"):
        A2D2Dataset(data_root=root, mask_size='stored')
    with pytest.raises(ValueError, match='mask_size must be one of'):
        A2D2Dataset(data_root=root, mask_size='any')
    # even when a sample claims it, an RGB label of another size is refused
    _, _, lbl = frame_paths(root, 'raw', S1, '000000091')
    with pytest.raises(A2D2LabelError, match='size_mismatch|but its image'):
        LoadA2D2Annotations()(dict(seg_map_path=lbl, seg_fields=[],
                                   label_format='rgb', mask_size='stored',
                                   ori_shape=(4, 4)))


def test_seed_preprocessed_lists_follow_the_split_rule(tmp_path):
    root = _seed_masks(tmp_path, [np.zeros((6, 8), np.uint8)])
    assert len(A2D2Dataset(data_root=root, scenes='train')) == 1
    assert len(A2D2Dataset(data_root=root, seed_split='train')) == 1
    with pytest.raises(A2D2LayoutError, match='test_list.json: seed list '
                       "file not found \\(split='test'\\)"):
        A2D2Dataset(data_root=root, scenes='test')
    with pytest.raises(A2D2LayoutError, match="scenes='val'"):
        A2D2Dataset(data_root=root, scenes='val', seed_split='train')
    with pytest.raises(A2D2LayoutError, match='needs its split'):
        A2D2Dataset(data_root=root)
    with pytest.raises(A2D2LayoutError, match='scene 20181108_103155 named '
                       'in the scene list has no image'):
        A2D2Dataset(data_root=root, scenes=[S3], seed_split='train')
    # a data_root that holds the images' tree too must say which it is
    write_tree(root, 'seed_bboxes', {S1: [('000000091', LABEL_A)]},
               split='train')
    with pytest.raises(A2D2LayoutError, match='more than one A2D2 '
                       'arrangement'):
        A2D2Dataset(data_root=root, scenes='train')
    assert A2D2Dataset(data_root=root, scenes='train',
                       layout='seed').label_format == 'npy'
    assert A2D2Dataset(data_root=root, scenes='train',
                       layout='seed_bboxes').label_format == 'rgb'


# ---------------------------------------------------------------------------
# Done when: the seed's arrangement of real frames, a class-set dict
# ---------------------------------------------------------------------------
def test_real_frames_in_the_seed_arrangement_with_a_class_set_dict(tmp_path):
    root = str(tmp_path / 'seed')
    (train_scene, train_frame), (test_scene, test_frame) = REAL_FRAMES
    copy_real_frame(root, 'seed_bboxes', train_scene, train_frame,
                    split='train')
    _, test_label = copy_real_frame(root, 'seed_bboxes', test_scene,
                                    test_frame, split='test')
    class_list = osp.join(root, 'camera_lidar_semantic_bboxes', 'camera',
                          'class_list.json')
    shutil.copy(osp.join(SAMPLES_DIR, 'class_list.json'), class_list)
    ds = A2D2Dataset(data_root=root, scenes='test', class_set=DRIVING,
                     pipeline=PIPELINE)
    assert ds.metainfo['classes'] == tuple(DRIVING['classes'])
    assert ds.metainfo['palette'] == [[255, 0, 255], [255, 0, 0],
                                      [204, 153, 255], [135, 206, 255],
                                      [0, 0, 0]]
    assert len(ds) == 1
    info = ds.get_data_info(0)
    assert (info['scene'], info['frame']) == (test_scene, test_frame)
    assert info['seg_map_path'] == test_label
    gt = ds[0]['gt_seg_map']
    assert gt.shape == (1208, 1920)
    expected = class_set_mask(test_label, class_list, DRIVING)
    np.testing.assert_array_equal(gt, expected)
    assert {0, 1, 3, 4} <= set(np.unique(gt).tolist())  # a real street
    train = A2D2Dataset(data_root=root, scenes='train', class_set=DRIVING)
    assert [train.get_data_info(0)[k] for k in ('scene', 'frame')] == [
        train_scene, train_frame]


def test_real_frames_of_two_cameras_in_a_bboxes_tree(tmp_path):
    root = str(tmp_path / 'a2d2')
    (scene, frame), other = REAL_FRAMES
    # front left gets the other real frame's pixels, renamed: the two
    # cameras' masks differ, so a mix-up cannot pass
    copy_real_frame(root, 'bboxes', scene, frame, 'front_center')
    copy_real_frame(root, 'bboxes', scene, frame, 'front_left', source=other)
    write_class_list(root, 'bboxes')
    ds = A2D2Dataset(data_root=root, cameras=('front_center', 'front_left'),
                     class_set=DRIVING, pipeline=PIPELINE)
    assert len(ds) == 2
    class_list = osp.join(SAMPLES_DIR, 'class_list.json')
    for i, cam in enumerate(('front_center', 'front_left')):
        info = ds.get_data_info(i)
        assert (info['camera'], info['frame']) == (cam, frame)
        expected = class_set_mask(info['seg_map_path'], class_list, DRIVING)
        np.testing.assert_array_equal(ds[i]['gt_seg_map'], expected)
    assert not np.array_equal(
        class_set_mask(ds.get_data_info(0)['seg_map_path'], class_list,
                       DRIVING),
        class_set_mask(ds.get_data_info(1)['seg_map_path'], class_list,
                       DRIVING))



def test_base_config_reads_the_bbox_subset_with_two_cameras(tmp_path):
    """configs/_base_/datasets/a2d2.py on A2D2's 3D-box part as downloaded
    (label3D/ and lidar/ beside, class_list.json at its top), with only
    ``cameras`` added: both cameras of both real frames, exact masks."""
    from mmengine.config import Config
    from mmseg.registry import DATASETS
    root = str(tmp_path / 'a2d2')
    (scene_a, frame_a), (scene_b, frame_b) = REAL_FRAMES
    for scene, frame, other in ((scene_a, frame_a, REAL_FRAMES[1]),
                                (scene_b, frame_b, REAL_FRAMES[0])):
        copy_real_frame(root, 'bboxes', scene, frame, 'front_center')
        copy_real_frame(root, 'bboxes', scene, frame, 'front_left',
                        source=other)
    write_class_list(root, 'bboxes')
    for sub in ('label3D', 'lidar'):
        os.makedirs(osp.join(root, 'camera_lidar_semantic_bboxes', scene_a,
                             sub, 'cam_front_center'))
    from tests.fixtures.training import REPO
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets', 'a2d2.py'))
    ds_cfg = cfg.train_dataloader.dataset
    # Both real scenes are in the shipped train list; the bbox subset holds
    # 2 of its scenes here, so the others are reported absent, not an error.
    ds_cfg.update(data_root=root, cameras=('front_center', 'front_left'),
                  pipeline=PIPELINE)
    ds = DATASETS.build(ds_cfg)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert sorted((i['camera'], i['frame']) for i in infos) == sorted(
        (cam, f) for f in (frame_a, frame_b)
        for cam in ('front_center', 'front_left'))
    class_list = osp.join(SAMPLES_DIR, 'class_list.json')
    full = dict(classes=FULL, groups={c: [c] for c in FULL}, others='ignore')
    for i, info in enumerate(infos):
        np.testing.assert_array_equal(
            ds[i]['gt_seg_map'],
            class_set_mask(info['seg_map_path'], class_list, full))
