"""Helpers shared by the benchmark scripts in this folder.

The scripts run as ``python benchmarks/bench_x.py`` from the repository root,
so this folder is on ``sys.path`` and they import these helpers with
``from _common import ...``; ``a2d2_mmseg`` is the installed package
(``pip install -e .``, as ``tools/setup_env.sh`` installs it).

The raw-tree layout comes from :mod:`tests.a2d2_tree`, the helpers
the tests build their trees with; the two real frames are the ones copied
into ``tests/data/a2d2_samples`` (found there by file name).
"""
import contextlib
import glob
import json
import os
import os.path as osp
import platform
import time
from typing import Any, Callable, Optional, Tuple

import cv2
import numpy as np

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST
from tests.a2d2_tree import raw_paths, stamp

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

SAMPLES_DIR = osp.join(ROOT, 'tests', 'data', 'a2d2_samples')


def _real_frames() -> Tuple[Tuple[str, str], ...]:
    """``(scene, frame)`` of the real frames in :data:`SAMPLES_DIR`, from
    their camera file names (``<stamp>_camera_frontcenter_<frame>.png``)."""
    frames = []
    for path in sorted(
            glob.glob(osp.join(SAMPLES_DIR, '*_camera_frontcenter_*.png'))):
        time_stamp, _, _, frame = osp.basename(path)[:-4].split('_')
        frames.append((f'{time_stamp[:8]}_{time_stamp[8:]}', frame))
    return tuple(frames)


# The two real A2D2 frames (see tests/data/a2d2_samples/ATTRIBUTION.md).
REAL_FRAMES = _real_frames()


def cpu_model() -> str:
    """The CPU's model name.

    Returns:
        str: the first ``model name`` of ``/proc/cpuinfo``, else
        ``platform.processor()`` or ``platform.machine()``.
    """
    with contextlib.suppress(OSError):
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    return platform.processor() or platform.machine()


def machine(cpu: Optional[str] = None,
            with_torch: bool = True,
            cv2_threads: bool = False,
            openmmlab: bool = False) -> str:
    """One line describing the machine and the library versions.

    The parts, in this order: CPU, CPU count, torch threads, python, numpy,
    opencv (and its thread count), torch, mmcv, mmengine, mmseg; the
    arguments choose which of the optional ones appear.

    Args:
        cpu (str, optional): the CPU's description. Defaults to
            :func:`cpu_model`.
        with_torch (bool): add torch's thread count (after the CPU count)
            and torch's version (after opencv's). Defaults to True.
        cv2_threads (bool): add OpenCV's thread count after its version,
            as ``opencv 4.x (cv2 threads 1)``. Defaults to False.
        openmmlab (bool): add the mmcv, mmengine and mmseg versions at the
            end. Defaults to False.

    Returns:
        str: e.g. ``'AMD EPYC, 2 cpus, torch threads 2, python 3.11.7,
        numpy 2.4.6, opencv 4.14.0 (cv2 threads 1), torch 2.13.0+cpu'``.
    """
    parts = [cpu_model() if cpu is None else cpu, f'{os.cpu_count()} cpus']
    if with_torch:
        import torch
        parts.append(f'torch threads {torch.get_num_threads()}')
    opencv = f'opencv {cv2.__version__}'
    if cv2_threads:
        opencv += f' (cv2 threads {cv2.getNumThreads()})'
    parts += [f'python {platform.python_version()}',
              f'numpy {np.__version__}', opencv]
    if with_torch:
        parts.append(f'torch {torch.__version__}')
    if openmmlab:
        import mmcv
        import mmengine
        import mmseg
        parts += [f'mmcv {mmcv.__version__}',
                  f'mmengine {mmengine.__version__}',
                  f'mmseg {mmseg.__version__}']
    return ', '.join(parts)


def median_ms(fn: Callable[[], Any], repeat: int, warmup: int = 0) -> float:
    """The median wall time of ``fn()``.

    Args:
        fn (Callable): What to time.
        repeat (int): Timed calls.
        warmup (int): Untimed calls before them. Defaults to 0.

    Returns:
        float: Milliseconds.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def read_pngs(cam: str, lbl: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read a camera and a label PNG with ``open().read()`` and
    ``cv2.imdecode`` them (IMREAD_COLOR / IMREAD_UNCHANGED, as mmcv's and
    the label loader's cv2 backend do).

    Args:
        cam (str): The camera PNG.
        lbl (str): The label PNG.

    Returns:
        tuple[np.ndarray, np.ndarray]: The BGR image and the BGR label.
    """
    with open(cam, 'rb') as f:
        cam_bytes = f.read()
    with open(lbl, 'rb') as f:
        lbl_bytes = f.read()
    img = cv2.imdecode(np.frombuffer(cam_bytes, np.uint8), cv2.IMREAD_COLOR)
    label = cv2.imdecode(np.frombuffer(lbl_bytes, np.uint8),
                         cv2.IMREAD_UNCHANGED)
    return img, label


def sample_paths(scene: str, frame: str) -> Tuple[str, str]:
    """Camera and label PNG of a real frame in tests/data/a2d2_samples.

    Args:
        scene (str): e.g. ``'20180807_145028'``.
        frame (str): e.g. ``'000006882'``.

    Returns:
        tuple[str, str]: the camera PNG and the RGB label PNG.
    """
    return (osp.join(SAMPLES_DIR,
                     f'{stamp(scene)}_camera_frontcenter_{frame}.png'),
            osp.join(SAMPLES_DIR,
                     f'{stamp(scene)}_label_frontcenter_{frame}.png'))


def make_tree(root: str, n: int) -> str:
    """Make a raw A2D2 tree of ``n`` frames out of symlinks.

    Frame ``i`` (id ``f'{i:09d}'``) lies in the scene of real frame
    ``i % 2`` and links to that real frame's camera and label PNGs in
    tests/data/a2d2_samples; each gets a camera JSON, and the tree gets
    A2D2's ``class_list.json``.

    Args:
        root (str): the data_root to make (gets ``camera_lidar_semantic/``).
        n (int): number of frames.

    Returns:
        str: ``root``.
    """
    sem = osp.join(root, 'camera_lidar_semantic')
    os.makedirs(sem, exist_ok=True)
    with open(osp.join(sem, 'class_list.json'), 'w') as f:
        json.dump(dict(A2D2_CLASS_LIST), f)
    for i in range(n):
        scene, real_frame = REAL_FRAMES[i % 2]
        cam, meta, lbl = raw_paths(root, scene, f'{i:09d}')
        for src, dst in zip(sample_paths(scene, real_frame), (cam, lbl)):
            os.makedirs(osp.dirname(dst), exist_ok=True)
            os.symlink(src, dst)
        with open(meta, 'w') as f:
            json.dump({'cam_name': 'front_center'}, f)
    return root
