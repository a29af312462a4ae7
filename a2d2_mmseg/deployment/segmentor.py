"""The segmentor of a config, a checkpoint that must fit it, and its classes.

Shared by the ONNX export, the onnxruntime runner and
:func:`a2d2_mmseg.apis.load_model`.
"""
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config
from torch import nn

from a2d2_mmseg.compat.checkpoint import (CheckpointError,
                                          CheckpointMismatchError,
                                          checkpoint_dataset_meta)
from a2d2_mmseg.compat.state_dict_match import (bounded,
                                                load_matching_checkpoint)

__all__ = [
    'ExportError', 'ConfigError', 'CheckpointMismatchError', 'load_config',
    'build_segmentor', 'load_checkpoint_strict', 'dataset_meta_from_config',
    'dataset_meta_for', 'format_names'
]


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


def load_checkpoint_strict(model: nn.Module, checkpoint: str) -> dict:
    """Load a checkpoint whose weights must all fit ``model``
    (:func:`a2d2_mmseg.compat.state_dict_match.load_matching_checkpoint`);
    an export never loads one partially.

    Args:
        model (nn.Module): The segmentor the config builds.
        checkpoint (str): Path or URL of the checkpoint.

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
        return load_matching_checkpoint(
            model, checkpoint,
            remedy='An export loads every entry: export it with the config '
            'it was trained with.')
    except CheckpointError:
        raise
    except Exception as error:
        raise ExportError(f'{checkpoint}: cannot read the checkpoint '
                          f'({type(error).__name__}: {error})') from error


def format_names(names: Sequence[str], limit: int = 6,
                 chars: int = 40) -> str:
    """At most ``limit`` names, each cut to ``chars`` characters, and how
    many more: a bounded list for messages."""
    return bounded([repr(n if len(n) <= chars else n[:chars] + '...')
                    for n in names], limit)


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


def dataset_meta_for(cfg: Config,
                     num_classes: int,
                     checkpoint: Optional[dict] = None,
                     filename: str = 'checkpoint') -> dict:
    """The classes and palette of a model: the checkpoint's
    ``meta.dataset_meta`` when it names ``num_classes`` classes, else the
    config's (:func:`dataset_meta_from_config`; ``ExportError`` when neither
    does).
    """
    meta = None
    if checkpoint is not None:
        meta = checkpoint_dataset_meta(checkpoint, filename, num_classes)
    return meta or dataset_meta_from_config(cfg, num_classes)
