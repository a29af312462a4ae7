"""Tiny A2D2 trees of real PNG files in every arrangement, for tests.

``write_tree`` writes the raw tree (``camera_lidar_semantic/``), A2D2's
3D-box part as it ships (``camera_lidar_semantic_bboxes/<scene>/``, with
``label3D/`` and ``lidar/`` files that the dataset must ignore) or the seed
study's split arrangement (``camera_lidar_semantic_bboxes/camera/<split>/``),
for any of A2D2's cameras, from small numpy arrays.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, Iterable, Optional, Tuple, Union

import numpy as np

from a2d2_mmseg.a2d2 import A2D2_CLASS_LIST
from tests.a2d2_tree import SAMPLES_DIR, label_from_names, stamp, write_png

TOKEN = dict(front_center='frontcenter', front_left='frontleft',
             front_right='frontright', side_left='sideleft',
             side_right='sideright', rear_center='rearcenter')
# Where each layout keeps its scenes and its class_list.json.
SCENES_DIR = dict(raw='camera_lidar_semantic',
                  bboxes='camera_lidar_semantic_bboxes',
                  seed_bboxes='camera_lidar_semantic_bboxes/camera/{split}')
CLASS_LIST_DIR = dict(raw='camera_lidar_semantic',
                      bboxes='camera_lidar_semantic_bboxes',
                      seed_bboxes='camera_lidar_semantic_bboxes/camera')


def scene_dir(root: str, layout: str, scene: str,
              split: Optional[str] = None) -> str:
    """The folder of one scene in a layout."""
    return osp.join(root, SCENES_DIR[layout].format(split=split), scene)


def frame_paths(root: str, layout: str, scene: str, frame: str,
                camera: str = 'front_center',
                split: Optional[str] = None) -> Tuple[str, str, str]:
    """Camera PNG, camera JSON and label PNG paths of one frame."""
    base = scene_dir(root, layout, scene, split)
    folder, token = f'cam_{camera}', TOKEN[camera]
    cam = osp.join(base, 'camera', folder,
                   f'{stamp(scene)}_camera_{token}_{frame}')
    lbl = osp.join(base, 'label', folder,
                   f'{stamp(scene)}_label_{token}_{frame}.png')
    return cam + '.png', cam + '.json', lbl


def write_class_list(root: str, layout: str,
                     class_list: Optional[dict] = None) -> str:
    """Write ``class_list.json`` where the layout keeps it; its path."""
    path = osp.join(root, CLASS_LIST_DIR[layout], 'class_list.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(A2D2_CLASS_LIST) if class_list is None else class_list,
                  f, indent=4)
    return path


Label = Union[np.ndarray, Dict[str, np.ndarray]]


def write_tree(root: str,
               layout: str,
               frames: Dict[str, Iterable[Tuple[str, Label]]],
               cameras: Tuple[str, ...] = ('front_center', ),
               split: Optional[str] = None,
               class_list: Optional[dict] = None) -> None:
    """Write a raw, bboxes or seed_bboxes tree.

    Args:
        root (str): data_root.
        layout (str): 'raw', 'bboxes' or 'seed_bboxes'.
        frames (dict): scene -> iterable of (frame id, RGB label) where the
            label is one ``[H, W, 3]`` array for every camera or a dict
            camera -> array.
        cameras (tuple[str]): Cameras to write.
        split (str, optional): The split folder ('seed_bboxes').
        class_list (dict, optional): class_list.json content; defaults to
            A2D2's list.
    """
    write_class_list(root, layout, class_list)
    for scene, items in frames.items():
        for frame, labels in items:
            for cam in cameras:
                label = labels[cam] if isinstance(labels, dict) else labels
                png, meta, lbl = frame_paths(root, layout, scene, frame, cam,
                                             split)
                rng = np.random.default_rng(int(frame))
                write_png(png, rng.integers(0, 256, label.shape,
                                            dtype=np.uint8))
                with open(meta, 'w') as f:
                    json.dump({'cam_name': cam}, f)
                write_png(lbl, label)
                if layout == 'bboxes':
                    # A2D2's 3D boxes and point clouds: never read.
                    base = scene_dir(root, layout, scene)
                    name = f'{stamp(scene)}_%s_{TOKEN[cam]}_{frame}'
                    for sub, ext in (('label3D', '.json'), ('lidar', '.npz')):
                        path = osp.join(base, sub, f'cam_{cam}',
                                        name % sub + ext)
                        os.makedirs(osp.dirname(path), exist_ok=True)
                        with open(path, 'wb') as f:
                            f.write(b'not read')


def copy_real_frame(root: str, layout: str, scene: str, frame: str,
                    camera: str = 'front_center',
                    split: Optional[str] = None,
                    source: Optional[Tuple[str, str]] = None
                    ) -> Tuple[str, str]:
    """Copy one of the real A2D2 frames of ``tests/data`` into a tree.

    Args:
        root, layout, scene, frame, camera, split: Where it goes (see
            :func:`frame_paths`).
        source (tuple, optional): ``(scene, frame)`` of the real frame to
            copy; defaults to ``(scene, frame)``.

    Returns:
        tuple[str, str]: The camera and label paths written.
    """
    src_scene, src_frame = source or (scene, frame)
    png, _, lbl = frame_paths(root, layout, scene, frame, camera, split)
    for kind, dst in (('camera', png), ('label', lbl)):
        name = f'{stamp(src_scene)}_{kind}_frontcenter_{src_frame}.png'
        os.makedirs(osp.dirname(dst), exist_ok=True)
        shutil.copy(osp.join(SAMPLES_DIR, name), dst)
    return png, lbl


# Two small labels and three scenes the trees of several test files share.
LABEL_A = label_from_names([['Sky', 'Sky', 'Buildings'],
                            ['Car 2', 'RD normal street', 'Ego car']])
LABEL_B = label_from_names([['Nature object', 'Sky', 'Sky'],
                            ['Pedestrian 3', 'Dashed line', 'Sidewalk']])
S1, S2, S3 = '20180807_145028', '20181107_132730', '20181108_103155'


def write_seed_tree(root: str, train: Optional[dict] = None,
                    test: Optional[dict] = None) -> str:
    """The seed's arrangement: a train/ and a test/ split folder.

    Args:
        root (str): data_root.
        train (dict, optional): The train split's frames (as in
            :func:`write_tree`); by default two scenes, S1 and S2.
        test (dict, optional): The test split's frames; by default one
            scene, S3.

    Returns:
        str: ``root``.
    """
    if train is None:
        train = {S1: [('000000091', LABEL_A)], S2: [('000000100', LABEL_B)]}
    if test is None:
        test = {S3: [('000000007', LABEL_B)]}
    write_tree(root, 'seed_bboxes', train, split='train')
    write_tree(root, 'seed_bboxes', test, split='test')
    return root


def write_seed_masks(root: str, num_frames: int) -> None:
    """The seed study's preprocessed arrangement, ``train`` split only.

    Frame ``n`` is a 3x4 image of value ``n`` under ``images/`` (scene
    20180807_145028) and ``preprocessed_masks/train/<n>_mask.npy`` of
    value ``n + 1``, listed in ``preprocessed_masks/train_list.json``.

    Args:
        root (str): data_root.
        num_frames (int): How many frames (at most 10).
    """
    masks = osp.join(root, 'preprocessed_masks')
    os.makedirs(osp.join(masks, 'train'))
    images = []
    for n in range(num_frames):
        img = f'images/20180807145028_camera_frontcenter_00000000{n}.png'
        write_png(osp.join(root, img), np.full((3, 4, 3), n, np.uint8))
        images.append(img)
        np.save(osp.join(masks, 'train', f'{n}_mask.npy'),
                np.full((3, 4), n + 1, np.int64))
    with open(osp.join(masks, 'train_list.json'), 'w') as f:
        f.write(json.dumps(images))
