"""Class weights for A2D2 from the pixel counts of a split.

Counts the pixels of every class over the frames of a split, read through
:class:`A2D2Dataset` (any layout, cameras and class set, incl. a class-set
dict) and :class:`LoadA2D2Annotations`, and through the training pipeline
when there is one (see below), as training reads them (255 = ignored, not
counted), and turns the counts into loss weights:

``median_freq`` (default; Eigen & Fergus, ICCV 2015)
    ``freq_c = pixels_c / pixels of the images in which c appears`` and
    ``w_c = median(freq over the present classes) / freq_c``. "Pixels of an
    image" counts its non-ignored pixels.
``inverse``
    ``w_c = N / (C * pixels_c)`` with ``N`` the non-ignored pixels of the
    split and ``C`` the number of present classes (a class with the mean
    count gets 1).
``inverse_sqrt``
    ``w_c = sqrt(N / (C * pixels_c))``, a milder version of ``inverse``.
``enet`` (Paszke et al., 2016)
    ``w_c = 1 / ln(1.02 + p_c)`` with ``p_c = pixels_c / N``.

The pixels are counted as training sees them: through the config's
training pipeline when it has one (:func:`pipeline_from_config`; the
seed's ``ResizeAsOriginal`` to 512x512 nearest-resizes the 1920x1208
masks, which changes the counts of thin and small classes), else at the
stored resolution. Random steps (crops, flips, random resizes) are drawn
once per frame from a seed (``seed + frame index``), so the counts are
reproducible. The result says which: ``resolution`` ('pipeline' or
'stored') and ``mask_sizes`` (the (height, width) of the masks counted).

``max_ratio`` (``--max-ratio R``) caps every weight at ``R`` times the
smallest one (the classes above are set to exactly that). Uncapped,
median-frequency weights of A2D2 are far apart (issue 18 measured a
pedestrian pixel weighing ~8,000 road pixels): the result reports
``ratio`` (largest / smallest weight, before the 6-digit rounding of the
written weights) and ``ratio_uncapped``.

A class without pixels in the split gets the largest weight of the present
classes and a warning (the loss refuses zero weights, which would drop the
class silently; the class is treated as the rarest should it occur).
``--normalize`` rescales the weights so that their pixel-weighted mean
``sum_c p_c * w_c`` is 1; by default the weights are left as the method
defines them (``IgnoreSafeCrossEntropyLoss``'s mean does not depend on
their scale).

The dataset can be given by its arguments or taken from a config's
dataloader (:func:`dataset_args_from_config`: ``data_root``, ``layout``,
``scenes``, ``seed_split``, ``cameras``, ``class_set`` incl. a dict written
in the config, ``class_list``, ``allow_unknown_classes``), so the weights of
a config's training split are one command::

    python tools/analysis/a2d2_class_weights.py --config CONFIG -o PREFIX

:func:`write_outputs` writes ``OUT_PREFIX.json`` and ``OUT_PREFIX.py``. The
JSON holds ``classes`` (names, in index order) and ``weights`` (one float
per class, in the same order; what ``IgnoreSafeCrossEntropyLoss
(class_weight='OUT_PREFIX.json')`` reads), ``pixels``, ``image_pixels``,
``frequency`` (per class, same order), ``absent`` (class names without
pixels), ``method``, ``normalize``, ``max_ratio`` (None: uncapped),
``ratio``, ``ratio_uncapped``, ``resolution``, ``mask_sizes``,
``pipeline`` (the transforms counted through, or None), ``seed``,
``num_images``, ``total_pixels``, ``ignored_pixels`` and the dataset they
come from: ``data_root``,
``layout`` (resolved), ``scenes``, ``seed_split`` (resolved; None outside
the seed layouts), ``cameras``, ``class_set`` ('full', 'reduced' or the
class-set dict), ``class_set_name`` and ``config`` (the config's path and
dataloader, or None). The ``.py`` fragment holds ``class_weight``::

    _base_ = ['./a2d2_weights.py', ...]
    model = dict(decode_head=dict(loss_decode=dict(
        class_weight={{_base_.class_weight}})))

or, without a fragment, on the command line (the tool prints it)::

    --cfg-options model.decode_head.loss_decode.class_weight="[1.2,0.8,...]"

Command line: ``tools/analysis/a2d2_class_weights.py``, e.g.::

    python tools/analysis/a2d2_class_weights.py data/a2d2_512 --scenes train \\
        --class-set reduced --nproc 4 -o work_dirs/a2d2_reduced_weights
"""
import json
import math
import os
import os.path as osp
import random
import sys
import warnings
from contextlib import contextmanager, nullcontext
from typing import List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import Compose
from mmengine.utils import track_parallel_progress, track_progress
from mmseg.registry import TRANSFORMS

from a2d2_mmseg.a2d2.class_sets import IGNORE_INDEX, class_set_name, class_set_spec
from a2d2_mmseg.a2d2.layout import SEED_SPLITS, parse_cameras
from a2d2_mmseg.datasets import A2D2Dataset
from a2d2_mmseg.models.losses.cross_entropy_loss import MAX_CLASS_WEIGHT_RATIO

__all__ = [
    'METHODS', 'DATASET_KEYS', 'count_pixels', 'compute_weights',
    'cap_weights', 'class_weights', 'dataset_args_from_config',
    'pipeline_from_config', 'merge_dataset_args', 'format_table',
    'fragment_text', 'write_outputs', 'cfg_option'
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


def count_pixels(data_info: dict,
                 pipeline: Optional[Sequence[dict]] = None,
                 seed: int = 0) -> Tuple[np.ndarray, Tuple[int, int]]:
    """Pixels per label value of one frame's mask, as training sees it.

    Args:
        data_info (dict): ``A2D2Dataset.get_data_info`` of the frame.
        pipeline (Sequence[dict], optional): Transform configs (a config's
            training pipeline): the mask is counted as they deliver it
            (``data_samples.gt_sem_seg`` after ``PackSegInputs``, else
            ``gt_seg_map``). None: the stored mask, read by
            ``LoadA2D2Annotations``.
        seed (int): Seeds the generators the pipeline's random steps draw
            from (restored afterwards).

    Returns:
        tuple[np.ndarray, tuple[int, int]]: 256 int64 counts (index 255:
        ignored pixels) and the mask's (height, width).

    Raises:
        ValueError: The pipeline drops the frame or delivers no mask.
    """
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


def _count_task(task: tuple) -> Tuple[np.ndarray, Tuple[int, int]]:
    """:func:`count_pixels` of ``(data_info, pipeline, seed)``."""
    return count_pixels(*task)


def cap_weights(weights: np.ndarray, max_ratio: float) -> np.ndarray:
    """Clip weights to at most ``max_ratio`` times the smallest.

    Args:
        weights (np.ndarray): Positive weights [C].
        max_ratio (float): The largest allowed largest / smallest ratio,
            finite and >= 1.

    Returns:
        np.ndarray: ``min(w, max_ratio * min(weights))`` per class.

    Raises:
        ValueError: ``max_ratio`` is not a finite number >= 1.
    """
    if not (isinstance(max_ratio, (int, float)) and math.isfinite(max_ratio)
            and max_ratio >= 1):
        raise ValueError(f'max_ratio must be a finite number >= 1, got '
                         f'{max_ratio!r}')
    return np.minimum(weights, max_ratio * weights.min())


def compute_weights(counts: np.ndarray,
                    method: str = 'median_freq',
                    normalize: bool = False,
                    max_ratio: Optional[float] = None) -> dict:
    """Weights from per-image pixel counts.

    Args:
        counts (np.ndarray): ``[num_images, num_classes]`` pixel counts
            (ignored pixels excluded).
        method (str): One of :data:`METHODS`.
        normalize (bool): Rescale so that ``sum_c p_c * w_c == 1``.
        max_ratio (float, optional): Cap the weights of the present classes
            at this many times the smallest (:func:`cap_weights`), before
            ``normalize``.

    Returns:
        dict: ``pixels``, ``image_pixels`` (pixels of the images where each
        class appears), ``frequency`` (the method's frequency: per present
        image for median_freq, else of the whole split), ``weights``
        (floats; absent classes get the largest weight of the present
        ones), ``present`` (bool list), ``ratio`` (largest / smallest
        weight) and ``ratio_uncapped`` (the same before the cap).
    """
    if method not in METHODS:
        raise ValueError(f'method must be one of {METHODS}, got {method!r}')
    counts = np.asarray(counts, dtype=np.int64)
    pixels = counts.sum(0)
    total = int(pixels.sum())
    present = pixels > 0
    num_present = int(present.sum())
    if not num_present:
        raise ValueError('no labelled pixels: every pixel is ignored')
    per_image = counts.sum(1)
    image_pixels = np.array(
        [int(per_image[counts[:, c] > 0].sum()) for c in
         range(counts.shape[1])], dtype=np.int64)
    weights = np.zeros(counts.shape[1], dtype=np.float64)
    freq = np.zeros(counts.shape[1], dtype=np.float64)
    p = pixels / total
    if method == 'median_freq':
        freq[present] = pixels[present] / image_pixels[present]
        weights[present] = np.median(freq[present]) / freq[present]
    else:
        freq = p.copy()
        if method == 'inverse':
            weights[present] = total / (num_present * pixels[present])
        elif method == 'inverse_sqrt':
            weights[present] = np.sqrt(total /
                                       (num_present * pixels[present]))
        else:  # enet
            weights[present] = 1.0 / np.log(ENET_C + p[present])
    ratio_uncapped = float(weights[present].max() / weights[present].min())
    if max_ratio is not None:
        weights[present] = cap_weights(weights[present], max_ratio)
    weights[~present] = weights[present].max()
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
                  class_set: Union[str, Mapping] = 'full',
                  method: str = 'median_freq',
                  normalize: bool = False,
                  nproc: int = 1,
                  layout: str = 'auto',
                  seed_split: Optional[str] = None,
                  verbose: bool = True,
                  cameras: Union[None, str, Sequence[str]] = None,
                  class_list: Optional[str] = None,
                  allow_unknown_classes: bool = False,
                  config: Optional[dict] = None,
                  pipeline: Optional[Sequence[dict]] = None,
                  seed: int = 0,
                  max_ratio: Optional[float] = None) -> dict:
    """Count the pixels of a split and compute the class weights.

    The frames are read through :class:`A2D2Dataset` and, with
    ``pipeline``, the training pipeline (:func:`count_pixels`), as training
    reads them; without, their stored masks through
    :class:`LoadA2D2Annotations`. ``nproc > 1`` counts in worker processes
    (mmengine's ``track_parallel_progress``).

    Args:
        data_root (str): ``A2D2Dataset``'s data_root (any layout).
        scenes: ``A2D2Dataset``'s ``scenes`` (a shipped split name, a list
            file, a list of scenes or None for all; in the seed layouts a
            split name is the seed's split).
        class_set (str | dict): ``'full'``, ``'reduced'`` or a class-set
            dict, as ``A2D2Dataset``'s.
        method (str): One of :data:`METHODS`.
        normalize (bool): See :func:`compute_weights`.
        nproc (int): Worker processes.
        layout (str): ``A2D2Dataset``'s layout.
        seed_split (str, optional): The seed layouts' split ('train',
            'test', 'special'), as ``A2D2Dataset``'s.
        verbose (bool): Show the progress bar.
        cameras (str | Sequence[str], optional): ``A2D2Dataset``'s cameras.
        class_list (str, optional): ``A2D2Dataset``'s class_list.
        allow_unknown_classes (bool): As ``A2D2Dataset``'s.
        config (dict, optional): Where the arguments came from
            (``dict(path, dataloader)``), recorded in the result.
        pipeline (Sequence[dict], optional): Count the masks as these
            transforms deliver them (:func:`pipeline_from_config`); None:
            at the stored resolution.
        seed (int): Frame ``i``'s random pipeline steps draw from seed
            ``seed + i``.
        max_ratio (float, optional): Cap the weights at this many times the
            smallest (:func:`cap_weights`).

    Returns:
        dict: What ``OUT_PREFIX.json`` holds (see the module docstring):
        ``classes``, ``weights`` (rounded to 6 significant digits, as
        written in the fragment), ``pixels``, ``frequency``, ``absent``,
        ``method``, ``normalize``, ``max_ratio``, ``ratio``,
        ``resolution``, ``mask_sizes``, ``scenes``, ``class_set``,
        ``data_root``, ``num_images``, ...

    Raises:
        ValueError: Mask values outside the class set, no labelled pixel,
            a bad ``max_ratio``, or a pipeline that delivers no mask.
    """
    if max_ratio is not None:
        cap_weights(np.ones(1), max_ratio)  # refuse a bad cap before counting
    dataset = A2D2Dataset(data_root=data_root, scenes=scenes,
                          class_set=class_set, layout=layout,
                          seed_split=seed_split, cameras=cameras,
                          class_list=class_list,
                          allow_unknown_classes=allow_unknown_classes,
                          pipeline=[], serialize_data=False)
    classes = list(dataset.metainfo['classes'])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    pipeline = list(pipeline) if pipeline else None
    tasks = [(info, pipeline, seed + i) for i, info in enumerate(infos)]
    with (nullcontext(sys.stdout)
          if verbose else open(os.devnull, 'w')) as stream:
        if nproc > 1:
            counted = track_parallel_progress(_count_task, tasks, nproc,
                                              file=stream)
        else:
            counted = track_progress(_count_task, tasks, file=stream)
    hists = (np.stack([h for h, _ in counted]) if counted else np.zeros(
        (0, 256), np.int64))
    num = len(classes)
    bad = hists[:, num:IGNORE_INDEX].sum(1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{infos[i]['seg_map_path']}: mask values {num}..254 are not "
            f'classes of the {class_set_name(class_set)!r} class set ({num} '
            'classes)')
    stats = compute_weights(hists[:, :num], method, normalize, max_ratio)
    absent = [c for c, ok in zip(classes, stats['present']) if not ok]
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
    return dict(
        data_root=osp.abspath(data_root),
        layout=getattr(dataset, 'resolved_layout', layout),
        scenes=scenes if isinstance(scenes, (str, type(None))) else
        list(scenes),
        seed_split=getattr(dataset, 'resolved_split', seed_split),
        cameras=list(parse_cameras(cameras)),
        class_set=_json_class_set(class_set),
        class_set_name=class_set_name(class_set),
        config=config,
        method=method,
        normalize=normalize,
        max_ratio=max_ratio,
        ratio=_round(stats['ratio']),
        ratio_uncapped=_round(stats['ratio_uncapped']),
        resolution='pipeline' if pipeline else 'stored',
        mask_sizes=[list(n) for n in sorted({n for _, n in counted})],
        pipeline=json.loads(json.dumps(pipeline, default=str)),
        seed=seed,
        num_images=len(infos),
        total_pixels=stats['total_pixels'],
        ignored_pixels=int(hists[:, IGNORE_INDEX].sum()),
        classes=classes,
        pixels=stats['pixels'],
        image_pixels=stats['image_pixels'],
        frequency=stats['frequency'],
        weights=[_round(w) for w in stats['weights']],
        absent=absent)


def _json_class_set(class_set) -> Union[str, dict]:
    """A class-set argument as plain JSON data ('full', 'reduced' or the
    dict with lists)."""
    spec = class_set_spec(class_set)
    if isinstance(spec, str):
        return spec
    return json.loads(json.dumps(spec))


def _config_dataset(cfg, dataloader: str):
    """The A2D2Dataset config of ``cfg[dataloader]`` (through dataset
    wrappers that keep theirs in ``dataset``)."""
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


def dataset_args_from_config(config, dataloader: str = 'train_dataloader'
                             ) -> dict:
    """The A2D2Dataset arguments of a config's dataloader.

    Args:
        config (str | mmengine.Config): A config file or a loaded config.
        dataloader (str): 'train_dataloader' (default), 'val_dataloader' or
            'test_dataloader'; 'train' / 'val' / 'test' work too.

    Returns:
        dict: The keys of :data:`DATASET_KEYS` that the dataset sets (the
        others are left to the defaults of :func:`class_weights`), with
        ``class_set`` and ``cameras`` as plain data.

    Raises:
        ValueError: No such dataloader, or its dataset is not an
            ``A2D2Dataset`` (looked for through wrappers' ``dataset``).
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if not dataloader.endswith('_dataloader'):
        dataloader += '_dataloader'
    dataset = _config_dataset(cfg, dataloader)
    args = {}
    for key in DATASET_KEYS:
        if key in dataset:
            value = dataset[key]
            if key == 'class_set':
                value = class_set_spec(value)
            elif key == 'scenes' and isinstance(value, (list, tuple)):
                value = list(value)
            elif key == 'cameras' and value is not None:
                value = parse_cameras(value)
            args[key] = value
    return args


def pipeline_from_config(config, dataloader: str = 'train_dataloader'
                         ) -> Optional[List[dict]]:
    """The pipeline of a config's dataloader's A2D2Dataset, to count the
    masks as that dataloader delivers them.

    Args:
        config (str | mmengine.Config): A config file or a loaded config.
        dataloader (str): As :func:`dataset_args_from_config`'s.

    Returns:
        list[dict] | None: The transform configs (plain dicts), or None
        when the dataset has none.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if not dataloader.endswith('_dataloader'):
        dataloader += '_dataloader'
    pipeline = _config_dataset(cfg, dataloader).get('pipeline')
    return [_plain(t) for t in pipeline] if pipeline else None


def _plain(value):
    """Config data (ConfigDict, tuples) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def merge_dataset_args(base: dict, **overrides) -> dict:
    """A config's dataset arguments with command-line overrides.

    Every override given replaces the config's value (``scenes=None``:
    every scene). A ``scenes`` override without a ``seed_split`` one drops
    the config's ``seed_split`` when it names a seed split itself
    ('train', 'test', 'special'), so that ``--scenes test`` on a config of
    the seed arrangement reads ``test/``.

    Args:
        base (dict): :func:`dataset_args_from_config`'s result.
        **overrides: Keys of :data:`DATASET_KEYS`.

    Returns:
        dict: The merged arguments.

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
    """A text table of a :func:`class_weights` result: one line per class
    (index, name, pixels, percent, frequency, weight), a title line and the
    ignored pixels."""
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
        f"{'freq':>10} {'weight':>10}",
    ]
    total = result['total_pixels'] or 1
    for i, name in enumerate(result['classes']):
        n = result['pixels'][i]
        lines.append(
            f'{i:>4}  {name:<22} {n:>15,} {100 * n / total:>8.3f} '
            f"{result['frequency'][i]:>10.6f} {result['weights'][i]:>10.4f}")
    lines.append(f"ignored pixels (255, not counted): "
                 f"{result['ignored_pixels']:,}")
    lines.append(f'counted at: {_resolution_text(result)}')
    lines.append(f'largest / smallest weight: {_ratio_text(result)}')
    return '\n'.join(lines)


def _resolution_text(result: dict) -> str:
    """'512x512 (W x H) masks, as the training pipeline delivers them'."""
    sizes = ', '.join(f'{w}x{h}' for h, w in result['mask_sizes']) or 'none'
    how = ('as the training pipeline delivers them (random steps seeded '
           f"from {result['seed']})" if result['resolution'] == 'pipeline'
           else 'the stored masks (no training pipeline)')
    return f'{sizes} (width x height) masks, {how}'


def _ratio_text(result: dict) -> str:
    """'100 (capped at --max-ratio 100; uncapped: 8012)' or '8012'."""
    if result['max_ratio'] is None:
        return f"{result['ratio']:g} (uncapped)"
    return (f"{result['ratio']:g} (capped at max_ratio "
            f"{result['max_ratio']:g}; uncapped: "
            f"{result['ratio_uncapped']:g})")


def fragment_text(result: dict) -> str:
    """The ``.py`` config fragment defining ``class_weight``.

    Args:
        result (dict): A :func:`class_weights` result.

    Returns:
        str: Comments saying how it was made and how to use it, then
        ``class_weight = [...]`` with one commented line per class.
    """
    lines = [
        '# Class weights written by tools/analysis/a2d2_class_weights.py.',
        f"# data_root: {result['data_root']}",
        f"# scenes: {result['scenes'] or 'all'}; class_set: "
        f"{result.get('class_set_name', result['class_set'])}; method: "
        f"{result['method']}; normalised: "
        f"{'yes' if result['normalize'] else 'no'}; images: "
        f"{result['num_images']}",
        f'# counted at: {_resolution_text(result)}',
        f'# largest / smallest weight: {_ratio_text(result)}',
        '# Use it as a base and pass the list to the loss:',
        "#   _base_ = ['path/to/this_file.py', ...]",
        '#   model = dict(decode_head=dict(loss_decode=dict(',
        '#       class_weight={{_base_.class_weight}})))',
        '# Classes without pixels have the largest weight of the others.',
        'class_weight = [',
    ]
    width = max(len(repr(w)) for w in result['weights']) + 1
    for i, (name, w) in enumerate(zip(result['classes'],
                                      result['weights'])):
        lines.append(f'    {repr(w) + ",":<{width}}  # {i:>2} {name} '
                     f"({result['pixels'][i]} px)")
    lines.append(']')
    return '\n'.join(lines) + '\n'


def write_outputs(result: dict, out_prefix: str) -> List[str]:
    """Write ``OUT_PREFIX.json`` and ``OUT_PREFIX.py``.

    Args:
        result (dict): A :func:`class_weights` result.
        out_prefix (str): Path without extension; folders are created.

    Returns:
        list[str]: The two paths.
    """
    folder = osp.dirname(osp.abspath(out_prefix))
    os.makedirs(folder, exist_ok=True)
    paths = [out_prefix + '.json', out_prefix + '.py']
    with open(paths[0], 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=2)
        f.write('\n')
    with open(paths[1], 'w', encoding='utf-8') as f:
        f.write(fragment_text(result))
    return paths


def cfg_option(result: dict) -> str:
    """The ``--cfg-options`` argument that sets the weights.

    Returns:
        str: ``model.decode_head.loss_decode.class_weight="[w0,w1,...]"``.
    """
    return ('model.decode_head.loss_decode.class_weight="[' +
            ','.join(repr(w) for w in result['weights']) + ']"')
