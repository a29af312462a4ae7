"""Tests of tools/dataset_converters/a2d2.py on tiny raw trees of real PNGs."""
import io
import json
import multiprocessing
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time
import warnings

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from a2d2_mmseg.datasets import A2D2Dataset, LoadA2D2Annotations  # noqa
from a2d2_mmseg.datasets.a2d2_layout import scan_converted  # noqa: E402
from tests.tool_loader import load_tool  # noqa: E402
from tests.a2d2_tree import (  # noqa: E402
    REAL_FRAMES, SAMPLES_DIR, label_from_names, raw_paths, stamp, write_png,
    write_raw_tree)

CONVERTER = osp.join(REPO, 'tools', 'dataset_converters', 'a2d2.py')


def _load_tool(name, path):
    return load_tool(name, osp.relpath(path, REPO))


conv = _load_tool('a2d2_converter_tool', CONVERTER)

SCENES = ('20180807_145028', '20181107_132730')
NAMES = ('Car 1', 'Car 2', 'Car 4', 'Pedestrian 2', 'Truck 3', 'Sky',
         'Buildings', 'RD normal street', 'Solid line', 'Ego car',
         'Nature object', 'Traffic sign 3')
UNKNOWN = (1, 2, 3)
# Unknown pixels: frame (scene index, frame index) -> slice.
UNKNOWN_AT = {(0, 1): (slice(0, 2), slice(0, 3)),  # 6 px
              (1, 2): (slice(5, 6), slice(7, 8))}  # 1 px
SIZE = (16, 10)  # W, H: a 2.5 / 2.4 scale from 40x24


def make_label(seed, h=24, w=40, block=4):
    rng = np.random.default_rng(seed)
    grid = [[NAMES[k] for k in row]
            for row in rng.integers(0, len(NAMES), (h // block, w // block))]
    label = label_from_names(grid)
    return np.ascontiguousarray(
        np.repeat(np.repeat(label, block, 0), block, 1))


def tiny_frames(num=3, h=24, w=40):
    frames = {}
    for s, scene in enumerate(SCENES):
        items = []
        for f in range(num):
            label = make_label(100 * s + f, h, w)
            if (s, f) in UNKNOWN_AT:
                label[UNKNOWN_AT[(s, f)]] = UNKNOWN
            items.append((f'{f + 1:09d}', label))
        frames[scene] = items
    return frames


def independent_map(rgb, class_list):
    """Colour -> category index from the class list, without the LUT."""
    categories, colour_to_index = [], {}
    for hex_colour, name in class_list.items():
        cat = re.sub(r'\s+\d+$', '', name)
        if cat not in categories:
            categories.append(cat)
        colour = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        colour_to_index[colour] = categories.index(cat)
    assert len(categories) == 38
    out = np.full(rgb.shape[:2], 255, np.uint8)
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    key = r * 65536 + g * 256 + b
    for k in np.unique(key):
        colour = (int(k) // 65536, int(k) // 256 % 256, int(k) % 256)
        out[key == k] = colour_to_index.get(colour, 255)
    return out


def read_rgb(path):
    return cv2.imread(path, cv2.IMREAD_COLOR)[..., ::-1]


def class_list_of(raw):
    with open(osp.join(raw, 'camera_lidar_semantic', 'class_list.json')) as f:
        return json.load(f)


def tree_files(root):
    """relative path -> bytes of every file under root."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files


def outputs(root):
    """Converter outputs except the run-specific summary."""
    files = tree_files(root)
    files.pop(conv.SUMMARY_FILE, None)
    return files


def mtimes(root):
    return {rel: os.stat(osp.join(root, rel)).st_mtime_ns
            for rel in outputs(root)}


@pytest.fixture
def raw(tmp_path):
    root = str(tmp_path / 'raw')
    write_raw_tree(root, tiny_frames())
    return root


def frame_paths(raw_root, out_dir):
    """(source image, source label, output image, output label) per frame."""
    result = []
    for scene in SCENES:
        for f in range(3):
            frame = f'{f + 1:09d}'
            cam, _, lbl = raw_paths(raw_root, scene, frame)
            result.append((cam, lbl, osp.join(out_dir, 'images', scene,
                                              osp.basename(cam)),
                           osp.join(out_dir, 'labels', scene,
                                    osp.basename(lbl))))
    return result


def test_masks_match_independent_mapping(raw, tmp_path):
    out = str(tmp_path / 'out')
    summary = conv.convert(raw, out, size=SIZE, verbose=False)
    class_list = class_list_of(raw)
    hist = np.zeros(256, np.int64)
    for cam, lbl, out_img, out_lbl in frame_paths(raw, out):
        mask = cv2.imread(out_lbl, cv2.IMREAD_UNCHANGED)
        expected = cv2.resize(independent_map(read_rgb(lbl), class_list),
                              SIZE, interpolation=cv2.INTER_NEAREST)
        assert mask.dtype == np.uint8 and mask.shape == (SIZE[1], SIZE[0])
        np.testing.assert_array_equal(mask, expected)
        image = cv2.imread(out_img, cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(
            image, cv2.resize(cv2.imread(cam), SIZE,
                              interpolation=cv2.INTER_AREA))
        hist += np.bincount(expected.ravel(), minlength=256)
    # The unknown colour became 255 and is reported with its source pixels.
    assert summary['unknown_colours'] == [dict(
        colour='#010203', rgb=list(UNKNOWN), pixels=7, num_frames=2,
        frames=[f'{SCENES[0]}/000000002', f'{SCENES[1]}/000000003'])]
    assert summary['frames'] == dict(total=6, converted=6, skipped=0,
                                     failed=0)
    assert [c['pixels'] for c in summary['classes']] == hist[:38].tolist()
    assert summary['ignored_pixels'] == hist[255]
    assert summary['total_pixels'] == 6 * SIZE[0] * SIZE[1]
    with open(osp.join(out, conv.SUMMARY_FILE)) as f:
        assert json.load(f) == json.loads(json.dumps(summary))
    with open(osp.join(out, 'a2d2_converted.json')) as f:
        marker = json.load(f)
    assert marker['format'] == 'a2d2_mmseg' and marker['version'] == 1
    assert marker['class_set'] == 'full' and len(marker['classes']) == 38
    assert marker['size'] == list(SIZE) and marker['img_format'] == 'png'
    assert marker['snap_distance'] == 0 and marker['source'] == raw
    assert marker['classes'][0] == 'Car' and marker['palette'][0] == [
        255, 0, 0]
    assert tree_files(out)['class_list.json'] == tree_files(raw)[
        'camera_lidar_semantic/class_list.json']
    assert not osp.exists(osp.join(out, conv.PENDING_MARKER))
    assert not osp.exists(osp.join(out, conv.LOCK_FILE))


def test_original_size_and_nproc_give_identical_files(raw, tmp_path):
    out1, out2 = str(tmp_path / 'n1'), str(tmp_path / 'n2')
    s1 = conv.convert(raw, out1, size='original', nproc=1, verbose=False)
    s2 = conv.convert(raw, out2, size=None, nproc=2, verbose=False)
    files = outputs(out1)
    assert len(files) == 6 * 2 + 2
    assert files == outputs(out2)
    for key in ('classes', 'unknown_colours', 'frames', 'ignored_pixels'):
        assert s1[key] == s2[key]
    for cam, lbl, out_img, out_lbl in frame_paths(raw, out1):
        assert cv2.imread(out_lbl, cv2.IMREAD_UNCHANGED).shape == (24, 40)
        with open(cam, 'rb') as a, open(out_img, 'rb') as b:
            assert a.read() == b.read()  # same size, png: the source file


def test_rerun_skips_and_touch_reconverts_one_frame(raw, tmp_path):
    out = str(tmp_path / 'out')
    first = conv.convert(raw, out, size=SIZE, verbose=False)
    before, times = outputs(out), mtimes(out)
    again = conv.convert(raw, out, size=SIZE, verbose=False)
    assert again['frames'] == dict(total=6, converted=0, skipped=6,
                                   failed=0)
    assert outputs(out) == before and mtimes(out) == times
    # Skipped frames give the same summary, unknown colours included.
    for key in ('classes', 'unknown_colours', 'ignored_pixels'):
        assert again[key] == first[key]

    paths = frame_paths(raw, out)
    future = time.time() + 10
    os.utime(paths[4][1], (future, future))  # touch one source label
    third = conv.convert(raw, out, size=SIZE, verbose=False)
    assert third['frames']['converted'] == 1
    assert third['frames']['skipped'] == 5
    changed = {rel for rel, t in mtimes(out).items() if times[rel] != t}
    # The frame, and the marker (removed while the tree is being updated).
    assert changed == {osp.relpath(paths[4][2], out),
                       osp.relpath(paths[4][3], out), 'a2d2_converted.json'}
    assert outputs(out) == before  # same content
    assert third['unknown_colours'] == first['unknown_colours']


def test_killed_run_resumes_to_identical_result(tmp_path):
    raw = str(tmp_path / 'raw')
    frames = tiny_frames(num=4)
    write_raw_tree(raw, frames)
    # The last frame's label is a FIFO: the converter blocks on it after
    # writing every other frame, deterministically mid-run.
    last_scene, (last_frame, last_label) = SCENES[-1], frames[SCENES[-1]][-1]
    lbl = raw_paths(raw, last_scene, last_frame)[2]
    os.remove(lbl)
    os.mkfifo(lbl)
    out = str(tmp_path / 'out')
    proc = subprocess.Popen(
        [sys.executable, CONVERTER, raw, '-o', out, '--size', 'original',
         '--nproc', '2'],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)
    labels = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            labels = [n for _, _, names in os.walk(osp.join(out, 'labels'))
                      for n in names if not n.startswith('.')]
            if len(labels) == 7:
                break
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode()
        assert len(labels) == 7
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert not osp.exists(osp.join(out, 'a2d2_converted.json'))
    assert osp.exists(osp.join(out, conv.PENDING_MARKER))
    # A truncated temp file as a kill during a write leaves it.
    stale = osp.join(out, 'labels', last_scene,
                     '.' + osp.basename(lbl) + '.tmp-999999')
    with open(stale, 'wb') as f:
        f.write(b'\x89PNG\r\n')
    os.remove(lbl)
    write_png(lbl, last_label)

    summary = conv.convert(raw, out, size=None, nproc=1, verbose=False)
    assert summary['frames']['converted'] == 1
    assert summary['frames']['skipped'] == 7
    clean = str(tmp_path / 'clean')
    conv.convert(raw, clean, size=None, nproc=1, verbose=False)
    assert outputs(out) == outputs(clean)
    leftovers = [n for _, _, names in os.walk(out) for n in names
                 if '.tmp-' in n or n.startswith('.a2d2')]
    assert leftovers == []


def test_other_options_refused_unless_overwrite(raw, tmp_path):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=SIZE, verbose=False)
    with pytest.raises(conv.ConversionError, match='size=16x10.*--overwrite'):
        conv.convert(raw, out, size=(20, 12), verbose=False)
    with pytest.raises(conv.ConversionError, match='img_format=png'):
        conv.convert(raw, out, size=SIZE, img_format='jpg', verbose=False)
    assert conv.main([raw, '-o', out, '--snap-distance', '2', '--size',
                      '16x10']) == 1
    summary = conv.convert(raw, out, size=(20, 12), img_format='jpg',
                           overwrite=True, verbose=False)
    assert summary['frames']['converted'] == 6
    frames = scan_converted(out)
    assert len(frames) == 6
    assert all(f['img_path'].endswith('.jpg') for f in frames)
    mask = cv2.imread(frames[0]['seg_map_path'], cv2.IMREAD_UNCHANGED)
    assert mask.shape == (12, 20)
    with open(osp.join(out, 'a2d2_converted.json')) as f:
        assert json.load(f)['size'] == [20, 12]


def test_label_size_mismatch_names_both_files(tmp_path):
    raw = str(tmp_path / 'raw')
    frames = tiny_frames(num=2)
    write_raw_tree(raw, frames)
    cam, _, lbl = raw_paths(raw, SCENES[0], '000000002')
    write_png(lbl, frames[SCENES[0]][1][1][:20])  # 40x20 label, 40x24 image
    out = str(tmp_path / 'out')
    with pytest.raises(conv.ConversionError) as e:
        conv.convert(raw, out, size=SIZE, verbose=False)
    assert lbl in str(e.value) and cam in str(e.value)
    assert '40x20' in str(e.value) and '40x24' in str(e.value)
    assert not osp.exists(osp.join(out, 'a2d2_converted.json'))
    with open(osp.join(out, conv.SUMMARY_FILE)) as f:
        assert json.load(f)['frames']['converted'] == 3



def test_parallel_errors_leave_no_workers(raw, tmp_path):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=SIZE, nproc=2, verbose=False)
    assert multiprocessing.active_children() == []
    # Refused before any frame is sent to the pool.
    with pytest.raises(conv.ConversionError, match='--overwrite'):
        conv.convert(raw, out, size=(20, 12), nproc=2, verbose=False)
    assert multiprocessing.active_children() == []
    # A frame that fails in a worker: the others are converted, the error
    # names the file, and the pool is gone.
    cam, _, lbl = raw_paths(raw, SCENES[1], '000000002')
    with open(lbl, 'wb') as f:
        f.write(b'not a png')
    out2 = str(tmp_path / 'out2')
    with pytest.raises(conv.ConversionError, match='1 of 6 frame') as e:
        conv.convert(raw, out2, size=SIZE, nproc=2, verbose=False)
    assert lbl in str(e.value)
    assert multiprocessing.active_children() == []
    with open(osp.join(out2, conv.SUMMARY_FILE)) as f:
        assert json.load(f)['frames']['converted'] == 5



PARENT = os.getpid()


def _pid_after_sleep(x):
    time.sleep(0.02)
    return x, os.getpid()


def _fail_in_child(x):
    time.sleep(0.02)
    if os.getpid() != PARENT:
        raise ValueError(f'boom at {x}')
    return x


def _die_in_child(x):
    time.sleep(0.02)
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def test_run_parallel_order_and_sharing():
    out = run_parallel_quiet(_pid_after_sleep, list(range(40)), 2)
    assert [x for x, _ in out] == list(range(40))
    pids = {pid for _, pid in out}
    assert PARENT in pids and len(pids) == 2  # this process works too
    assert multiprocessing.active_children() == []
    # More processes than tasks; a single task.
    assert run_parallel_quiet(abs, [-3, 4], 8) == [3, 4]
    assert run_parallel_quiet(abs, [-1], 2) == [1]


def test_run_parallel_child_errors():
    with pytest.raises(RuntimeError, match='ValueError: boom at'):
        run_parallel_quiet(_fail_in_child, list(range(40)), 2)
    assert multiprocessing.active_children() == []
    with pytest.raises(RuntimeError, match='died with exit code -9'):
        run_parallel_quiet(_die_in_child, list(range(40)), 2)
    assert multiprocessing.active_children() == []


def run_parallel_quiet(func, tasks, nproc):
    return conv.run_parallel(func, tasks, nproc, io.StringIO())


@pytest.mark.parametrize('class_set', ['full', 'reduced'])
def test_dataset_reads_converted_tree(raw, tmp_path, class_set):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=SIZE, verbose=False)
    converted = A2D2Dataset(data_root=out, class_set=class_set, pipeline=[])
    original = A2D2Dataset(data_root=raw, class_set=class_set, pipeline=[])
    assert converted.resolved_layout == 'converted'
    assert converted.metainfo['classes'] == original.metainfo['classes']
    assert len(converted) == len(original) == 6
    loader = LoadA2D2Annotations()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the raw tree's unknown colour
        for i in range(6):
            got = loader(converted.get_data_info(i))['gt_seg_map']
            ref = loader(original.get_data_info(i))['gt_seg_map']
            np.testing.assert_array_equal(
                got, cv2.resize(ref, SIZE, interpolation=cv2.INTER_NEAREST))


def test_real_frame_at_original_size(tmp_path):
    scene, frame = REAL_FRAMES[0]
    raw = str(tmp_path / 'raw')
    cam, _, lbl = raw_paths(raw, scene, frame)
    for src, dst in ((f'{stamp(scene)}_camera_frontcenter_{frame}.png', cam),
                     (f'{stamp(scene)}_label_frontcenter_{frame}.png', lbl),
                     ('class_list.json',
                      osp.join(raw, 'camera_lidar_semantic',
                               'class_list.json'))):
        os.makedirs(osp.dirname(dst), exist_ok=True)
        os.symlink(osp.join(SAMPLES_DIR, src), dst)
    out = str(tmp_path / 'out')
    summary = conv.convert(raw, out, size='original', verbose=False)
    expected = independent_map(read_rgb(lbl), class_list_of(raw))
    mask = cv2.imread(osp.join(out, 'labels', scene, osp.basename(lbl)),
                      cv2.IMREAD_UNCHANGED)
    assert mask.shape == (1208, 1920)
    np.testing.assert_array_equal(mask, expected)
    assert sum(u['pixels'] for u in summary['unknown_colours']) == (
        expected == 255).sum()
    with open(cam, 'rb') as a, open(
            osp.join(out, 'images', scene, osp.basename(cam)), 'rb') as b:
        assert a.read() == b.read()
