"""Tests of a2d2_mmseg.a2d2.convert on tiny raw trees of real PNGs.

The command line (tools/dataset_converters/a2d2.py) runs as a real
subprocess; everything else calls the package.
"""
import io
import json
import multiprocessing
import os
import os.path as osp
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import warnings
import zlib

import cv2
import numpy as np
import pytest

from a2d2_mmseg.a2d2 import convert as conv
from a2d2_mmseg.a2d2.class_sets import build_class_set
from a2d2_mmseg.a2d2.labels import decode_index_mask
from a2d2_mmseg.a2d2 import scan
from a2d2_mmseg.datasets import A2D2Dataset, LoadA2D2Annotations
from tests.fixtures.trees import (REAL_FRAMES, SAMPLES_DIR, label_from_names,
                                  raw_paths, stamp, tree_files, write_png,
                                  write_raw_tree)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONVERTER = osp.join(REPO, 'tools', 'dataset_converters', 'a2d2.py')


def cli_env():
    """The environment of a converter subprocess: this checkout first."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO] + [p for p in env.get('PYTHONPATH', '').split(os.pathsep)
                  if p])
    return env


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


def outputs(root):
    """Converter outputs without its bookkeeping: the summary (run times),
    the state file (inodes, times) and the lock file (rewritten by each
    run)."""
    files = tree_files(root)
    for name in (conv.SUMMARY_FILE, conv.STATE_FILE, conv.LOCK_FILE):
        files.pop(name, None)
    return files


def state_keys(out):
    """Frame keys recorded in the state file, in file order."""
    with open(osp.join(out, conv.STATE_FILE)) as f:
        lines = f.read().splitlines()
    assert json.loads(lines[0])['format'] == 'a2d2_mmseg_state'
    return [json.loads(line)['key'] for line in lines[1:]]


def mtimes(root):
    return {rel: os.stat(osp.join(root, rel)).st_mtime_ns
            for rel in outputs(root)}


@pytest.fixture
def raw(tmp_path):
    root = str(tmp_path / 'raw')
    write_raw_tree(root, tiny_frames())
    return root


def frame_paths(raw_root, out_dir, frames=None):
    """(source image, source label, output image, output label) per frame
    of ``frames`` (``{scene: [(frame, label)]}``; by default the frames of
    the ``raw`` fixture)."""
    if frames is None:
        frames = {scene: [(f'{f + 1:09d}', None) for f in range(3)]
                  for scene in SCENES}
    result = []
    for scene, items in frames.items():
        for frame, _ in items:
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
    # The lock file stays (never removed while it could be held), empty.
    assert tree_files(out)[conv.LOCK_FILE] == b''
    assert state_keys(out) == sorted(
        f'{s}/{f + 1:09d}' for s in SCENES for f in range(3))


def test_original_size_and_nproc_give_identical_files(raw, tmp_path):
    out1, out2 = str(tmp_path / 'n1'), str(tmp_path / 'n2')
    s1 = conv.convert(raw, out1, size='original', nproc=1, verbose=False)
    s2 = conv.convert(raw, out2, size=None, nproc=2, verbose=False)
    files = outputs(out1)
    assert sorted(n for n in files if '/' not in n) == [
        'a2d2_converted.json', 'class_list.json']
    assert len(files) == 6 * 2 + 2
    assert files == outputs(out2)
    for key in ('classes', 'unknown_colours', 'frames', 'ignored_pixels'):
        assert s1[key] == s2[key]
    for cam, lbl, out_img, out_lbl in frame_paths(raw, out1):
        assert cv2.imread(out_lbl, cv2.IMREAD_UNCHANGED).shape == (24, 40)
        with open(cam, 'rb') as a, open(out_img, 'rb') as b:
            assert a.read() == b.read()  # same size, png: the source file


def test_rerun_skips_and_touch_or_copy_changes_nothing(raw, tmp_path):
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

    # A touched source (same content, newer mtime) is not converted again.
    paths = frame_paths(raw, out)
    future = time.time() + 10
    os.utime(paths[4][1], (future, future))
    third = conv.convert(raw, out, size=SIZE, verbose=False)
    assert third['frames'] == dict(total=6, converted=0, skipped=6,
                                   failed=0)
    assert outputs(out) == before and mtimes(out) == times
    assert third['unknown_colours'] == first['unknown_colours']

    # A copy of the output folder (other inodes and ctimes) is up to date.
    copy = str(tmp_path / 'copy')
    shutil.copytree(out, copy)
    fourth = conv.convert(raw, copy, size=SIZE, verbose=False)
    assert fourth['frames']['skipped'] == 6
    assert outputs(copy) == before


def _replace_label(path, label, mtime_ns, in_place):
    """Write another label at ``path``, then set its mtime to ``mtime_ns``.

    In place, the file keeps its inode and is padded with a PNG text chunk
    to its old size, so only its content and its ctime differ.
    """
    ok, buf = cv2.imencode('.png', np.ascontiguousarray(label[..., ::-1]))
    png = buf.tobytes()
    old = os.stat(path)
    if in_place:
        pad = old.st_size - len(png) - 12
        assert pad > 8
        body = b'Comment\x00' + b'x' * (pad - 8)
        chunk = (len(body).to_bytes(4, 'big') + b'tEXt' + body +
                 zlib.crc32(b'tEXt' + body).to_bytes(4, 'big'))
        png = png[:-12] + chunk + png[-12:]
        assert len(png) == old.st_size
        with open(path, 'r+b') as f:
            f.write(png)
        assert os.stat(path).st_ino == old.st_ino
    else:
        tmp = path + '.new'
        with open(tmp, 'wb') as f:
            f.write(png)
        os.replace(tmp, path)
    os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.mark.parametrize('in_place', [False, True],
                         ids=['replaced_older_mtime', 'same_inode_size_mtime'])
def test_changed_source_with_old_mtime_reconverts_that_frame(
        raw, tmp_path, in_place):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=SIZE, verbose=False)
    before, times = outputs(out), mtimes(out)
    paths = frame_paths(raw, out)
    lbl = paths[4][1]
    old = os.stat(lbl)
    # Replaced as by tar -x or cp -p (an hour older), or rewritten in place
    # with its size and mtime restored exactly.
    mtime_ns = old.st_mtime_ns - (0 if in_place else 3600 * 10**9)
    # A uniform label: a smaller PNG than the random one it replaces.
    new_label = np.zeros((24, 40, 3), np.uint8)
    new_label[:] = label_from_names([['Sky']])[0, 0]
    _replace_label(lbl, new_label, mtime_ns, in_place)
    assert os.stat(lbl).st_mtime_ns == mtime_ns

    summary = conv.convert(raw, out, size=SIZE, verbose=False)
    assert summary['frames'] == dict(total=6, converted=1, skipped=5,
                                     failed=0)
    changed = {rel for rel, t in mtimes(out).items() if times[rel] != t}
    assert changed == {osp.relpath(paths[4][2], out),
                       osp.relpath(paths[4][3], out), 'a2d2_converted.json'}
    after = outputs(out)
    mask = cv2.imread(paths[4][3], cv2.IMREAD_UNCHANGED)
    sky = build_class_set('full').classes.index('Sky')
    np.testing.assert_array_equal(mask, np.full((SIZE[1], SIZE[0]), sky))
    assert {k for k in after if after[k] != before[k]} == {
        osp.relpath(paths[4][3], out)}  # same camera image
    clean = str(tmp_path / 'clean')
    conv.convert(raw, clean, size=SIZE, verbose=False)
    assert after == outputs(clean)


def test_damaged_output_is_reconverted(raw, tmp_path):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=SIZE, verbose=False)
    before = outputs(out)
    paths = frame_paths(raw, out)
    with open(paths[2][3], 'r+b') as f:  # same size, other bytes
        data = bytearray(f.read())
        data[-20] ^= 0xff
        f.seek(0)
        f.write(data)
    summary = conv.convert(raw, out, size=SIZE, verbose=False)
    assert summary['frames']['converted'] == 1
    assert outputs(out) == before


def test_other_options_refused_unless_overwrite(raw, tmp_path):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=SIZE, verbose=False)
    with pytest.raises(conv.ConversionError, match='size=16x10.*--overwrite'):
        conv.convert(raw, out, size=(20, 12), verbose=False)
    with pytest.raises(conv.ConversionError, match='img_format=png'):
        conv.convert(raw, out, size=SIZE, img_format='jpg', verbose=False)
    with pytest.raises(conv.ConversionError, match='snap_distance=0.0'):
        conv.convert(raw, out, size=SIZE, snap_distance=2, verbose=False)
    summary = conv.convert(raw, out, size=(20, 12), img_format='jpg',
                           overwrite=True, verbose=False)
    assert summary['frames']['converted'] == 6
    frames = scan(out, 'converted').raise_problems()
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


def run_tasks_quiet(func, tasks, nproc, **kwargs):
    return conv.run_tasks(func, tasks, nproc, file=io.StringIO(), **kwargs)


def test_run_tasks_order_and_workers():
    seen = []
    out = run_tasks_quiet(_pid_after_sleep, list(range(40)), 2,
                          on_result=seen.append)
    assert [x for x, _ in out] == list(range(40))
    assert sorted(seen) == out  # every result, as it arrived
    pids = {pid for _, pid in out}
    assert PARENT not in pids and len(pids) == 2  # two forked workers
    assert multiprocessing.active_children() == []
    # More processes than tasks; one process runs in this process.
    assert run_tasks_quiet(abs, [-3, 4], 8) == [3, 4]
    assert run_tasks_quiet(_pid_after_sleep, [7], 4) == [(7, PARENT)]
    assert run_tasks_quiet(_pid_after_sleep, [1, 2], 1) == [(1, PARENT),
                                                            (2, PARENT)]
    assert run_tasks_quiet(abs, [], 2) == []


def test_run_tasks_worker_errors_stop_the_pool():
    with pytest.raises(ValueError, match='boom at'):
        run_tasks_quiet(_fail_in_child, list(range(40)), 2)
    assert multiprocessing.active_children() == []
    with pytest.raises(conv.WorkerDiedError, match='worker process died'):
        run_tasks_quiet(_die_in_child, list(range(40)), 2)
    assert multiprocessing.active_children() == []


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


def test_unknown_colours_in_a_png_text_chunk(raw, tmp_path):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=SIZE, verbose=False)
    paths = frame_paths(raw, out)
    with open(paths[1][3], 'rb') as f:  # scene 0, frame 2: 6 unknown px
        data = f.read()
    assert conv.read_png_text(data, conv.UNKNOWN_KEY) == '{"#010203":6}'
    mask = decode_index_mask(data, paths[1][3])  # the dataset's reader
    np.testing.assert_array_equal(
        mask, cv2.imread(paths[1][3], cv2.IMREAD_UNCHANGED))
    with open(paths[0][3], 'rb') as f:  # no unknown colour: no chunk
        assert conv.read_png_text(f.read(), conv.UNKNOWN_KEY) is None


def test_output_path_that_is_a_folder_stops_the_run(raw, tmp_path):
    out = str(tmp_path / 'out')
    conv.convert(raw, out, size=SIZE, verbose=False)
    target = frame_paths(raw, out)[3][3]
    os.remove(target)
    os.makedirs(osp.join(target, 'in_the_way'))
    with pytest.raises(conv.OutputError) as e:
        conv.convert(raw, out, size=SIZE, nproc=2, verbose=False)
    assert str(e.value) == (f'{target}: cannot write this output file: '
                            '[Errno 21] Is a directory')
    assert multiprocessing.active_children() == []
    # The tree is marked incomplete and a rerun finishes it.
    assert not osp.exists(osp.join(out, 'a2d2_converted.json'))
    assert osp.exists(osp.join(out, conv.PENDING_MARKER))
    shutil.rmtree(target)
    summary = conv.convert(raw, out, size=SIZE, verbose=False)
    assert summary['frames'] == dict(total=6, converted=1, skipped=5,
                                     failed=0)
    clean = str(tmp_path / 'clean')
    conv.convert(raw, clean, size=SIZE, verbose=False)
    assert outputs(out) == outputs(clean)


def test_output_folder_under_a_file(raw, tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_bytes(b'')
    out = str(blocker / 'out')
    with pytest.raises(conv.OutputError) as e:
        conv.convert(raw, out, size=SIZE, verbose=False)
    assert str(e.value) == (f'{out}: cannot write this output folder: '
                            '[Errno 20] Not a directory')


def _limit_file_size():
    # The kernel refuses writes past this size with EFBIG (Python ignores
    # SIGXFSZ), as a full disk refuses them with ENOSPC; it binds root too.
    resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024, 32 * 1024))


def test_write_failure_mid_file_names_the_output(tmp_path):
    """A write that fails part-way (RLIMIT_FSIZE: EFBIG, standing in for a
    full disk) in a worker stops the command with an error naming the
    file."""
    raw = str(tmp_path / 'raw')
    # 200x120 noise images: ~72 kB PNGs, over the 32 kB limit.
    frames = {scene: [(f'{f + 1:09d}', make_label(10 * s + f, 120, 200, 8))
                      for f in range(2)] for s, scene in enumerate(SCENES)}
    write_raw_tree(raw, frames)
    out = str(tmp_path / 'out')
    proc = subprocess.run(
        [sys.executable, CONVERTER, raw, '-o', out, '--size', 'original',
         '--nproc', '2'],
        capture_output=True, text=True, env=cli_env(), timeout=300,
        preexec_fn=_limit_file_size)
    assert proc.returncode == 1, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    m = re.fullmatch(r'error: (.+): cannot write this output file: '
                     r'\[Errno 27\] File too large', line)
    assert m, proc.stderr
    assert m.group(1) in {frame_paths(raw, out, frames)[i][2]
                          for i in range(4)}
    assert not osp.exists(osp.join(out, 'a2d2_converted.json'))
    summary = conv.convert(raw, out, size=None, verbose=False)
    assert summary['frames']['failed'] == 0
    clean = str(tmp_path / 'clean')
    conv.convert(raw, clean, size=None, verbose=False)
    assert outputs(out) == outputs(clean)


@pytest.mark.parametrize('size', [None, (20, 12)])
def test_exif_orientation_is_ignored_as_in_the_dataset(tmp_path, size):
    # A camera PNG tagged "rotate 90" (Orientation 6): the label is aligned
    # to the stored pixels, so the converter must keep them unrotated, as
    # the dataset's decoder does, and not refuse the pair as mis-sized.
    from tests.fixtures.files import write_png_with_orientation
    raw_root = str(tmp_path / 'raw')
    write_raw_tree(raw_root, tiny_frames())
    cam, _, out_img, _ = frame_paths(raw_root, str(tmp_path / 'out'))[0]
    stored = read_rgb(cam)
    write_png_with_orientation(cam, stored, 6)
    out = str(tmp_path / 'out')
    conv.convert(raw_root, out, size=size, verbose=False)
    got = cv2.imread(out_img, cv2.IMREAD_COLOR
                     | cv2.IMREAD_IGNORE_ORIENTATION)[..., ::-1]
    if size is None:
        np.testing.assert_array_equal(got, stored)
    else:
        expected = cv2.resize(stored, size, interpolation=cv2.INTER_AREA)
        np.testing.assert_array_equal(got, expected)
