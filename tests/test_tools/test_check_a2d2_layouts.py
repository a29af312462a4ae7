"""tools/misc/check_a2d2.py: --cameras, --seed-split, --class-set and
--mask-size (in-process; the script's other flags run as a process in
test_check_a2d2.py)."""
import importlib.util
import json
import os.path as osp

import numpy as np

from tests.fixtures.trees import (frame_paths, label_from_names, write_png,
                                  write_tree)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'check_a2d2_tool', osp.join(REPO, 'tools', 'misc', 'check_a2d2.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flags(tmp_path, capsys):
    tool = _tool()
    cams = ('front_center', 'front_left')
    label = label_from_names([['Sky', 'Car 1']] * 2)
    root = str(tmp_path / 'seed')
    write_tree(root, 'seed_bboxes', {'20180807_145028': [('000000001',
                                                          label)]},
               cameras=cams, split='train')
    write_tree(root, 'seed_bboxes', {'20181107_132730': [('000000002',
                                                          label)]},
               split='test')
    _, _, lbl = frame_paths(root, 'seed_bboxes', '20180807_145028',
                            '000000001', 'front_left', split='train')
    write_png(lbl, label[:1])
    assert tool.main([root, '--seed-split', 'train']) == 0
    assert tool.main([root, '--seed-split', 'train', '--cameras',
                      'front_center,front_left']) == 1
    assert 'size_mismatch' in capsys.readouterr().out
    assert tool.main([root, '--cameras', 'front_centre']) == 2
    assert 'unknown camera' in capsys.readouterr().err

    seed = tmp_path / 'masks'
    (seed / 'preprocessed_masks' / 'train').mkdir(parents=True)
    img = 'images/20180807145028_camera_frontcenter_000000001.png'
    write_png(str(seed / img), np.zeros((6, 8, 3), np.uint8))
    np.save(seed / 'preprocessed_masks' / 'train' / '0_mask.npy',
            np.eye(11, dtype=np.uint8)[np.zeros((3, 4), int)])
    (seed / 'preprocessed_masks' / 'train_list.json').write_text(
        json.dumps([img]))
    capsys.readouterr()
    assert tool.main([str(seed), '--class-set', 'reduced']) == 0
    assert tool.main([str(seed)]) == 1
    assert 'wrong_class_count' in capsys.readouterr().out
    assert tool.main([str(seed), '--class-set', 'reduced', '--mask-size',
                      'image']) == 1
    assert 'size_mismatch' in capsys.readouterr().out
