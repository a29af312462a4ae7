"""Class weights for A2D2 from the pixel counts of a split.

The pixels of every class are counted over the frames of a split as
training sees them: read through :class:`A2D2Dataset` and, when given, the
config's training pipeline (e.g. the seed's nearest resize to 512x512
changes the counts of thin classes), else at the stored resolution; 255 is
ignored. The counts become loss weights by one of :data:`METHODS` (see
:func:`compute_weights`); :func:`write_outputs` writes ``OUT_PREFIX.json``
(what the loss's ``class_weight='OUT_PREFIX.json'`` reads) and
``OUT_PREFIX.py`` (a config fragment). ``tools/analysis/a2d2_class_weights.py``
is the command line.
"""
import json
import math
import os
import os.path as osp
import random
import sys
import textwrap
import warnings
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine import dump
from mmengine.dataset import Compose
from mmengine.utils import (mkdir_or_exist, track_parallel_progress,
                            track_progress)
from mmseg.registry import TRANSFORMS

from a2d2_mmseg.a2d2.class_sets import (IGNORE_INDEX, class_set_name,
                                        class_set_spec)
from a2d2_mmseg.a2d2.scenes import SEED_SPLITS, parse_cameras
from a2d2_mmseg.datasets import A2D2Dataset
from a2d2_mmseg.models.losses import MAX_CLASS_WEIGHT_RATIO

__all__ = [
    'METHODS', 'DATASET_KEYS', 'compute_weights', 'cap_weights',
    'class_weights', 'dataset_from_config', 'merge_dataset_args',
    'format_table', 'fragment_text', 'write_outputs', 'cfg_option'
]

#: The ``A2D2Dataset`` arguments taken from a config's dataset.
DATASET_KEYS = ('data_root', 'layout', 'scenes', 'seed_split', 'cameras',
                'class_set', 'class_list', 'allow_unknown_classes')

METHODS = ('median_freq', 'inverse', 'inverse_sqrt', 'enet')
ENET_C = 1.02
DIGITS = 6  # significant digits of the written weights

_pipelines = {}  # per process: repr(pipeline) -> Compose


@contextmanager
def _seeded(seed: int):
    """Seed Python's, numpy's and torch's generators; restore them after."""
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


def _count_pixels(task: tuple) -> Tuple[np.ndarray, Tuple[int, int]]:
    """Label-value counts [256] and (H, W) of a frame's mask as the
    pipeline delivers it (None: stored); ``task``: (info, pipeline, seed)."""
    data_info, pipeline, seed = task
    steps = pipeline or [dict(type='LoadA2D2Annotations', check_shape=False)]
    key = repr(steps)
    if key not in _pipelines:  # built once per worker process
        _pipelines[key] = Compose([TRANSFORMS.build(t) for t in steps])
    with _seeded(seed):
        results = _pipelines[key](dict(data_info))
    if results is None:
        raise ValueError(f"{data_info['seg_map_path']}: the pipeline "
                         'dropped the frame; nothing to count')
    sample = results.get('data_samples')
    mask = (sample.gt_sem_seg.data if sample is not None
            and 'gt_sem_seg' in sample else results.get('gt_seg_map'))
    if mask is None:
        raise ValueError(f"{data_info['seg_map_path']}: the pipeline "
                         'delivers no mask (gt_seg_map) to count')
    mask = np.asarray(mask).reshape(np.shape(mask)[-2:])
    return (np.bincount(mask.ravel(), minlength=256).astype(np.int64),
            tuple(int(n) for n in mask.shape))


def cap_weights(weights: np.ndarray, max_ratio: float) -> np.ndarray:
    """``min(w, max_ratio * min(weights))`` per class of ``weights`` [C];
    ValueError unless ``max_ratio`` is a finite number >= 1."""
    if not (isinstance(max_ratio, (int, float)) and math.isfinite(max_ratio)
            and max_ratio >= 1):
        raise ValueError(f'max_ratio must be a finite number >= 1, got '
                         f'{max_ratio!r}')
    return np.minimum(weights, max_ratio * weights.min())


def compute_weights(counts: np.ndarray,
                    method: str = 'median_freq',
                    normalize: bool = False,
                    max_ratio: Optional[float] = None) -> dict:
    """Weights from per-image pixel counts, by one of :data:`METHODS`.

    ``median_freq`` (Eigen & Fergus, 2015): ``freq_c = pixels_c / pixels of
    the images in which c appears``, ``w_c = median(freq) / freq_c``;
    ``inverse``: ``w_c = N / (C * pixels_c)`` (N labelled pixels, C present
    classes); ``inverse_sqrt``: its square root; ``enet`` (Paszke et al.,
    2016): ``w_c = 1 / ln(1.02 + pixels_c / N)``. A class without pixels
    gets the largest weight of the others.

    Args:
        counts (np.ndarray): ``[num_images, num_classes]`` pixel counts
            (ignored pixels excluded).
        method (str): One of :data:`METHODS`.
        normalize (bool): Rescale so that ``sum_c p_c * w_c == 1``.
        max_ratio (float, optional): :func:`cap_weights` before normalize
            (uncapped A2D2 median-frequency weights span ~8,000x).

    Returns:
        dict: ``pixels``, ``image_pixels`` (of the images where each class
        appears), ``frequency`` (the method's), ``weights``, ``present``
        (bool list), ``total_pixels``, ``ratio`` (largest / smallest weight)
        and ``ratio_uncapped``.
    """
    if method not in METHODS:
        raise ValueError(f'method must be one of {METHODS}, got {method!r}')
    counts = np.asarray(counts, dtype=np.int64)
    pixels = counts.sum(0)
    total = int(pixels.sum())
    present = pixels > 0
    if not present.any():
        raise ValueError('no labelled pixels: every pixel is ignored')
    image_pixels = counts.sum(1) @ (counts > 0)
    freq = p = pixels / total
    if method == 'median_freq':
        freq = np.zeros_like(p)
        freq[present] = pixels[present] / image_pixels[present]
        found = np.median(freq[present]) / freq[present]
    elif method == 'enet':
        found = 1.0 / np.log(ENET_C + p[present])
    else:
        found = total / (present.sum() * pixels[present])
        if method == 'inverse_sqrt':
            found = np.sqrt(found)
    ratio_uncapped = float(found.max() / found.min())
    if max_ratio is not None:
        found = cap_weights(found, max_ratio)
    weights = np.full(len(pixels), found.max())
    weights[present] = found
    if normalize:
        weights = weights / float((p * weights).sum())
    return dict(pixels=pixels.tolist(), image_pixels=image_pixels.tolist(),
                frequency=freq.tolist(), weights=weights.tolist(),
                present=present.tolist(), total_pixels=total,
                ratio=float(weights.max() / weights.min()),
                ratio_uncapped=ratio_uncapped)


def _round(w: float) -> float:
    return float(f'{w:.{DIGITS}g}')


def class_weights(data_root: str,
                  scenes='train',
                  method: str = 'median_freq',
                  normalize: bool = False,
                  max_ratio: Optional[float] = None,
                  pipeline: Optional[Sequence[dict]] = None,
                  seed: int = 0,
                  nproc: int = 1,
                  verbose: bool = True,
                  config: Optional[dict] = None,
                  **dataset_args) -> dict:
    """Count the pixels of a split and compute the class weights.

    Args:
        data_root, scenes, **dataset_args: :class:`A2D2Dataset`'s arguments
            (``class_set``, ``layout``, ``seed_split``, ``cameras``, ...;
            ``class_set`` may be a class-set dict).
        method, normalize, max_ratio: See :func:`compute_weights`.
        pipeline (Sequence[dict], optional): Count the masks as these
            transforms deliver them (frame ``i``'s random steps drawing from
            ``seed + i``); None: at the stored resolution.
        nproc (int): Worker processes; ``verbose``: show a progress bar.
        config (dict, optional): Where the arguments came from
            (``dict(path, dataloader)``), recorded in the result.

    Returns:
        dict: What ``OUT_PREFIX.json`` holds: the dataset's arguments
        (``data_root``, ``layout`` and ``seed_split`` resolved, ``scenes``,
        ``cameras``, ``class_set``, ``class_set_name``, ``config``), the
        settings (``method``, ``normalize``, ``max_ratio``, ``pipeline``,
        ``seed``), ``ratio``, ``ratio_uncapped``, ``resolution``
        ('pipeline' or 'stored'), ``mask_sizes``, ``num_images``,
        ``total_pixels``, ``ignored_pixels`` and per class ``classes``,
        ``pixels``, ``image_pixels``, ``frequency``, ``weights`` (6
        significant digits) and ``absent``.

    Raises:
        ValueError: Mask values outside the class set, no labelled pixel,
            a bad ``max_ratio``, or a pipeline that delivers no mask.
    """
    if max_ratio is not None:
        cap_weights(np.ones(1), max_ratio)  # refuse a bad cap before counting
    dataset = A2D2Dataset(data_root=data_root, scenes=scenes, pipeline=[],
                          serialize_data=False, **dataset_args)
    set_name = class_set_name(dataset_args.get('class_set', 'full'))
    classes = list(dataset.metainfo['classes'])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    pipeline = list(pipeline) if pipeline else None
    tasks = [(info, pipeline, seed + i) for i, info in enumerate(infos)]
    track = (partial(track_parallel_progress, nproc=nproc) if nproc > 1
             else track_progress)
    with (nullcontext(sys.stdout)
          if verbose else open(os.devnull, 'w')) as stream:
        counted = track(_count_pixels, tasks, file=stream)
    hists = np.array([h for h, _ in counted], np.int64).reshape(-1, 256)
    num = len(classes)
    bad = hists[:, num:IGNORE_INDEX].sum(1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{infos[i]['seg_map_path']}: mask values {num}..254 are not "
            f'classes of the {set_name!r} class set ({num} classes)')
    stats = compute_weights(hists[:, :num], method, normalize, max_ratio)
    absent = [c for c, ok in zip(classes, stats.pop('present')) if not ok]
    if absent:
        warnings.warn(
            f'{len(absent)} class(es) have no pixels in this split and get '
            f'the largest weight of the others: {absent}')
    if stats['ratio'] > MAX_CLASS_WEIGHT_RATIO:
        warnings.warn(
            f"the largest weight is {stats['ratio']:.3g} times the smallest: "
            'IgnoreSafeCrossEntropyLoss refuses more than '
            f'{MAX_CLASS_WEIGHT_RATIO:.0e}; cap them with max_ratio '
            '(--max-ratio)')
    stats['weights'] = [_round(w) for w in stats['weights']]
    plain = json.loads(json.dumps(
        dict(class_set=dataset.class_set, pipeline=pipeline), default=str))
    return dict(
        data_root=osp.abspath(data_root), layout=dataset.resolved_layout,
        scenes=scenes if isinstance(scenes, (str, type(None))) else
        list(scenes),
        seed_split=dataset.resolved_split, cameras=list(dataset.cameras),
        class_set=plain['class_set'], class_set_name=set_name,
        config=config, method=method, normalize=normalize,
        max_ratio=max_ratio, ratio=_round(stats.pop('ratio')),
        ratio_uncapped=_round(stats.pop('ratio_uncapped')),
        resolution='pipeline' if pipeline else 'stored',
        mask_sizes=[list(n) for n in sorted({n for _, n in counted})],
        pipeline=plain['pipeline'], seed=seed, num_images=len(infos),
        ignored_pixels=int(hists[:, IGNORE_INDEX].sum()), classes=classes,
        absent=absent, **stats)


def _config_dataset(config, dataloader: str):
    """The A2D2Dataset config of a config's (file or Config) dataloader
    (``'train'`` or ``'train_dataloader'``, ...), through dataset wrappers
    that keep theirs in ``dataset``."""
    from mmengine.config import Config
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if not dataloader.endswith('_dataloader'):
        dataloader += '_dataloader'
    if dataloader not in cfg or not cfg[dataloader]:
        raise ValueError(f'the config has no {dataloader}')
    dataset = cfg[dataloader].get('dataset')
    seen = []
    while isinstance(dataset, Mapping):
        seen.append(str(dataset.get('type')))
        if str(dataset.get('type', '')).split('.')[-1] == 'A2D2Dataset':
            return dataset
        dataset = dataset.get('dataset')
    raise ValueError(
        f'{dataloader}.dataset is not an A2D2Dataset (types seen: '
        f"{seen or ['none']}); the class-weight tool reads A2D2Dataset only")


def dataset_from_config(config, dataloader: str = 'train_dataloader'
                        ) -> Tuple[dict, Optional[List[dict]]]:
    """The dataset of a config's (file or Config) dataloader, through
    dataset wrappers: the keys of :data:`DATASET_KEYS` its A2D2Dataset sets
    (``class_set`` and ``cameras`` as plain data) and its transform configs
    (plain dicts, or None).

    Raises:
        ValueError: No such dataloader, or its dataset is not an
            ``A2D2Dataset`` (looked for through wrappers' ``dataset``).
    """
    dataset = _config_dataset(config, dataloader)
    args = {key: dataset[key] for key in DATASET_KEYS if key in dataset}
    if 'class_set' in args:
        args['class_set'] = class_set_spec(args['class_set'])
    if isinstance(args.get('scenes'), (list, tuple)):
        args['scenes'] = list(args['scenes'])
    if args.get('cameras') is not None:
        args['cameras'] = parse_cameras(args['cameras'])
    pipeline = dataset.get('pipeline')
    return args, [t.to_dict() for t in pipeline] if pipeline else None


def merge_dataset_args(base: dict, **overrides) -> dict:
    """A config's dataset arguments (``base``) with overrides (keys of
    :data:`DATASET_KEYS`; ``scenes=None``: every scene). A ``scenes``
    override naming a seed split ('train', 'test', 'special') without a
    ``seed_split`` one drops the config's ``seed_split``, so that
    ``--scenes test`` on a seed-arrangement config reads ``test/``.

    Raises:
        TypeError: An override that is not a dataset argument.
    """
    args = dict(base)
    unknown = set(overrides) - set(DATASET_KEYS)
    if unknown:
        raise TypeError(f'unknown dataset arguments {sorted(unknown)}')
    scenes = overrides.get('scenes')
    if ('scenes' in overrides and 'seed_split' not in overrides
            and isinstance(scenes, str) and scenes in SEED_SPLITS):
        args.pop('seed_split', None)
    args.update(overrides)
    return args


def format_table(result: dict) -> str:
    """A text table of a :func:`class_weights` result: a title line, one
    line per class (index, name, pixels, percent, frequency, weight), the
    ignored pixels, the resolution and the ratio."""
    ratio = f"{result['ratio']:g} (uncapped)"
    if result['max_ratio'] is not None:
        ratio = (f"{result['ratio']:g} (capped at max_ratio "
                 f"{result['max_ratio']:g}; uncapped: "
                 f"{result['ratio_uncapped']:g})")
    sizes = ', '.join(f'{w}x{h}' for h, w in result['mask_sizes']) or 'none'
    how = ('as the training pipeline delivers them (random steps seeded '
           f"from {result['seed']})" if result['resolution'] == 'pipeline'
           else 'the stored masks (no training pipeline)')
    lines = [
        f"{result['method']} class weights, "
        f"{result.get('class_set_name', result['class_set'])} class "
        f"set, {result['num_images']} image(s) of {result['data_root']} "
        f"(scenes: {result['scenes'] or 'all'}"
        + (f", seed split {result['seed_split']}"
           if result.get('seed_split') else '') + ')'
        + (', normalised (pixel-weighted mean 1)' if result['normalize']
           else ''),
        f"{'idx':>4}  {'class':<22} {'pixels':>15} {'%':>8} "
        f"{'freq':>10} {'weight':>10}"
    ]
    total = result['total_pixels'] or 1
    for i, name in enumerate(result['classes']):
        n = result['pixels'][i]
        lines.append(
            f'{i:>4}  {name:<22} {n:>15,} {100 * n / total:>8.3f} '
            f"{result['frequency'][i]:>10.6f} {result['weights'][i]:>10.4f}")
    return '\n'.join(lines + [
        f"ignored pixels (255, not counted): {result['ignored_pixels']:,}",
        f'counted at: {sizes} (width x height) masks, {how}',
        f'largest / smallest weight: {ratio}'
    ])


def fragment_text(result: dict) -> str:
    """The ``.py`` config fragment of a :func:`class_weights` result: its
    :func:`format_table` and how to use it as comments, then
    ``class_weight = [...]``."""
    lines = [
        '# Class weights written by tools/analysis/a2d2_class_weights.py:'
    ] + [f'# {line}' for line in format_table(result).splitlines()] + [
        '# Use it as a base and pass the list to the loss:',
        "#   _base_ = ['path/to/this_file.py', ...]",
        '#   model = dict(decode_head=dict(loss_decode=dict(',
        '#       class_weight={{_base_.class_weight}})))',
        '# Classes without pixels have the largest weight of the others.',
        'class_weight = ['
    ] + textwrap.wrap(', '.join(map(repr, result['weights'])) + ',', 78,
                      initial_indent='    ', subsequent_indent='    ')
    return '\n'.join(lines + [']']) + '\n'


def write_outputs(result: dict, out_prefix: str) -> List[str]:
    """Write ``OUT_PREFIX.json`` and ``OUT_PREFIX.py`` (folders created)
    of a :func:`class_weights` result; return the two paths."""
    paths = [out_prefix + '.json', out_prefix + '.py']
    mkdir_or_exist(osp.dirname(osp.abspath(out_prefix)))
    dump(result, paths[0], indent=2)
    with open(paths[1], 'w', encoding='utf-8') as f:
        f.write(fragment_text(result))
    return paths


def cfg_option(result: dict) -> str:
    """``model.decode_head.loss_decode.class_weight="[w0,w1,...]"``, the
    ``--cfg-options`` argument that sets the weights."""
    return ('model.decode_head.loss_decode.class_weight="[' +
            ','.join(repr(w) for w in result['weights']) + ']"')
