"""The segmentor of a config, a checkpoint that must fit it, its classes and
the config's test pipeline for in-memory images.

Shared by the ONNX export, the onnxruntime runner and
:func:`a2d2_mmseg.apis.load_model`: what the exporter's self-check and the
runner feed the graph is what the PyTorch path sees.
"""
import copy
import os.path as osp
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from torch import nn

from a2d2_mmseg.a2d2.class_list import name_problem, short_repr
from a2d2_mmseg.compat import is_int
from a2d2_mmseg.compat.checkpoint import (CheckpointError,
                                          CheckpointMismatchError,
                                          CorruptCheckpointError)
from a2d2_mmseg.compat.state_dict_match import load_matching_checkpoint

__all__ = [
    'ExportError', 'ConfigError', 'CheckpointMismatchError', 'load_config',
    'build_segmentor', 'load_checkpoint_strict', 'load_segmentor',
    'dataset_meta_problem', 'dataset_meta_from_config', 'array_test_pipeline',
    'build_array_pipeline', 'PipelineInputs', 'run_pipeline'
]

# What an export suggests for a checkpoint that does not fit.
EXPORT_REMEDY = ('An export loads every entry: export it with the config '
                 'it was trained with.')


class ExportError(ValueError):
    """The model or its config cannot be exported or run as asked."""


class ConfigError(ExportError):
    """The config file cannot be read or holds no segmentor."""


def load_config(config: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and merge ``cfg_options`` into it.

    Raises:
        FileNotFoundError: The file does not exist.
        ConfigError: The file cannot be parsed or has no ``model``.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'{config}: config file not found')
    try:
        cfg = Config.fromfile(config)
    except Exception as error:  # SyntaxError, bad _base_, import errors...
        raise ConfigError(f'{config}: cannot read the config '
                          f'({type(error).__name__}: {error})') from error
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if not isinstance(cfg.get('model'), dict):
        raise ConfigError(f'{config}: the config defines no `model`')
    return cfg


def build_segmentor(cfg: Config) -> nn.Module:
    """The config's segmentor on the CPU in eval mode, SyncBN as BN, with
    PyTorch's initial weights and ``model.cfg`` set."""
    from mmengine.model import revert_sync_batchnorm
    from mmseg.apis import init_model

    return revert_sync_batchnorm(init_model(cfg, None, device='cpu')).eval()


def load_checkpoint_strict(model: nn.Module,
                           checkpoint: str,
                           allow_partial: bool = False,
                           remedy: str = EXPORT_REMEDY) -> dict:
    """Load a checkpoint whose weights must all fit ``model``
    (:func:`a2d2_mmseg.compat.state_dict_match.load_matching_checkpoint`);
    an export never loads one partially.

    Args:
        model (nn.Module): The segmentor the config builds.
        checkpoint (str): Path or URL of the checkpoint.
        allow_partial (bool): Load one that does not fit partially, with a
            warning.
        remedy (str): What the refusal of one that does not fit suggests.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        CheckpointError: Unsafe, corrupt or not downloadable;
            :class:`CheckpointMismatchError` when weights do not fit (the
            message names them, grouped by module).
        ExportError: The file cannot be read otherwise.
    """
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: checkpoint file not found')
    try:
        return load_matching_checkpoint(model, checkpoint,
                                        allow_partial=allow_partial,
                                        remedy=remedy)
    except CheckpointError:
        raise
    except Exception as error:
        raise ExportError(f'{checkpoint}: cannot read the checkpoint '
                          f'({type(error).__name__}: {error})') from error


def load_segmentor(config: str,
                   checkpoint: Optional[str],
                   cfg_options: Optional[dict] = None,
                   **options) -> Tuple[nn.Module, Config]:
    """:func:`build_segmentor` of a config file with a checkpoint loaded
    (:func:`load_checkpoint_strict` and its ``options``) and
    ``dataset_meta`` set: the checkpoint's ``meta.dataset_meta`` when it
    names the model's classes, else the config's
    (:func:`dataset_meta_from_config`); a malformed one
    (:func:`dataset_meta_problem`) raises ``CorruptCheckpointError``.

    Args:
        checkpoint (str | None): None keeps PyTorch's initial weights.
        cfg_options (dict, optional): Overrides for the config.

    Returns:
        tuple: The segmentor (eval, CPU) and the config.
    """
    cfg = load_config(config, cfg_options)
    model = build_segmentor(cfg)
    num_classes = model.decode_head.num_classes
    meta = None
    if checkpoint:
        loaded = load_checkpoint_strict(model, checkpoint, **options)
        meta = _checkpoint_dataset_meta(loaded, checkpoint, num_classes)
    model.dataset_meta = meta or dataset_meta_from_config(cfg, num_classes)
    return model, cfg


def dataset_meta_problem(dataset_meta: Any,
                         num_classes: Optional[int] = None) -> Optional[str]:
    """What is wrong with the classes and palette of a checkpoint or an
    exported model (``dict(classes, palette)``), or None: class names by the
    core's rule (:func:`~a2d2_mmseg.a2d2.class_list.name_problem`), one
    ``[r, g, b]`` (0-255) each, ``num_classes`` of them when given."""
    meta = dataset_meta if isinstance(dataset_meta, dict) else {}
    classes, palette = meta.get('classes'), meta.get('palette')
    if not (isinstance(classes, (list, tuple))
            and num_classes in (None, len(classes))):
        count = '' if num_classes is None else f' num_classes={num_classes}'
        return (f'dataset_meta.classes is not a list of{count} class names: '
                f'{short_repr(classes)}')
    for i, name in enumerate(classes):
        problem = name_problem(name)
        if problem:
            return f'dataset_meta.classes[{i}] {short_repr(name)} {problem}'
    if not (isinstance(palette, (list, tuple))
            and len(palette) == len(classes)
            and all(isinstance(c, (list, tuple)) and len(c) == 3
                    and all(is_int(v) and 0 <= v <= 255 for v in c)
                    for c in palette)):
        return (f'dataset_meta.palette is not one [r, g, b] (0-255) per '
                f'class: {short_repr(palette)}')
    return None


def _checkpoint_dataset_meta(loaded: dict, checkpoint: str,
                             num_classes: int) -> Optional[dict]:
    """A checkpoint's ``meta.dataset_meta`` if it names ``num_classes``
    classes, else None; ``CorruptCheckpointError`` if it is malformed."""
    saved = (loaded.get('meta') or {}).get('dataset_meta')
    if not (isinstance(saved, dict)
            and {'classes', 'palette'} <= saved.keys()):
        return None
    problem = dataset_meta_problem(saved)
    if problem:
        raise CorruptCheckpointError(
            f"{checkpoint}: meta['dataset_meta'] is malformed: {problem}")
    if len(saved['classes']) != num_classes:
        return None
    return dict(classes=tuple(saved['classes']),
                palette=[[int(v) for v in p] for p in saved['palette']])


def dataset_meta_from_config(cfg: Config,
                             num_classes: Optional[int] = None) -> dict:
    """``dict(classes=tuple, palette=list of [r, g, b])`` of the config's
    A2D2 class set (``test_dataloader.dataset.class_set``, default 'full';
    its ``metainfo.classes`` when given).

    Raises:
        ExportError: The class set has not ``num_classes`` (when given)
            classes.
    """
    from a2d2_mmseg.a2d2.class_sets import build_class_set

    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    class_set = build_class_set(dataset.get('class_set', 'full'))
    classes, palette = class_set.classes, class_set.palette
    custom = (dataset.get('metainfo') or {}).get('classes')
    if custom:
        index = {c: i for i, c in enumerate(classes)}
        classes, palette = custom, [palette[index[c]] for c in custom]
    if num_classes is not None and len(classes) != num_classes:
        raise ExportError(
            f"the config's class set has {len(classes)} classes, "
            f'not the model\'s {num_classes}, and the checkpoint names none')
    return dict(classes=tuple(classes),
                palette=[list(map(int, p)) for p in palette])


def array_test_pipeline(cfg: Config) -> list:
    """The config's test pipeline (``test_pipeline``, else
    ``test_dataloader.dataset.pipeline``) starting with
    ``LoadImageFromNDArray``, without annotation loading.

    Raises:
        ValueError: The config has no test pipeline, or it does not start
            with an image loader.
    """
    pipeline = cfg.get('test_pipeline')
    if pipeline is None:
        dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
        pipeline = dataset.get('pipeline')
    if not pipeline:
        raise ValueError('the config has no test_pipeline (nor '
                         'test_dataloader.dataset.pipeline)')
    steps = [
        step for step in copy.deepcopy(list(pipeline))
        if not getattr(step['type'], '__name__', str(
            step['type'])).split('.')[-1].endswith('Annotations')
    ]
    first = str(steps[0]['type']) if steps else ''
    if not ('Load' in first and 'Image' in first):
        raise ValueError('the test pipeline must start with an image loader '
                         f'(e.g. LoadImageFromFile), got {steps[:1]}')
    steps[0] = dict(type='LoadImageFromNDArray')
    return steps


def build_array_pipeline(cfg: Config) -> Compose:
    """:func:`array_test_pipeline` built in the config's default scope."""
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return Compose(array_test_pipeline(cfg))


class PipelineInputs(NamedTuple):
    """Images after the test pipeline, as the exported graph takes them.

    Attributes:
        packed (list[dict]): The pipeline outputs (``inputs`` and
            ``data_samples``), what mmseg's ``test_step`` collates.
        images (np.ndarray): ``uint8 [N, 3, H, W]`` BGR, the model input.
        ori_size (tuple[int, int]): ``(height, width)`` of the images
            before the pipeline; the prediction is resized to it.
    """
    packed: List[dict]
    images: np.ndarray
    ori_size: Tuple[int, int]


def run_pipeline(pipeline: Compose,
                 images: Sequence[np.ndarray]) -> PipelineInputs:
    """Run the array pipeline on BGR ``uint8 [H, W, 3]`` images of one
    size (``ValueError`` for images of several sizes or a pipeline that does
    not give ``uint8``)."""
    packed = [pipeline(dict(img=img)) for img in images]
    shapes = {tuple(p['inputs'].shape) for p in packed}
    ori = {tuple(p['data_samples'].ori_shape[:2]) for p in packed}
    if len(shapes) != 1 or len(ori) != 1:
        raise ValueError(
            'a batch needs images of one size; got input shapes '
            f'{sorted(shapes)} from original sizes {sorted(ori)}')
    stacked = np.stack([p['inputs'].numpy() for p in packed])
    if stacked.dtype != np.uint8:
        raise ValueError('the test pipeline must give uint8 images (as '
                         'LoadImageFromFile + Resize do), got '
                         f'{stacked.dtype}')
    return PipelineInputs(packed, stacked, ori.pop())
