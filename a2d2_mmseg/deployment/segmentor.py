"""The segmentor of a config, a checkpoint that must fit it, and its classes.

Shared by the ONNX export, the onnxruntime runner and
:func:`a2d2_mmseg.apis.load_model`.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

from mmengine.config import Config
from torch import nn

from a2d2_mmseg.compat.checkpoint import (CheckpointError,
                                          CheckpointMismatchError,
                                          checkpoint_dataset_meta)

__all__ = [
    'ExportError', 'ConfigError', 'CheckpointMismatchError', 'load_config',
    'build_segmentor', 'load_checkpoint_strict', 'dataset_meta_from_config',
    'dataset_meta_for', 'config_num_classes', 'format_names'
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
    """Load a checkpoint whose weights must all fit ``model`` (compared as
    mmengine loads them,
    :func:`a2d2_mmseg.compat.state_dict_match.compare_state_dict`), through
    the plugin's safe loader; an export never loads one partially.

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
    from mmengine.runner.checkpoint import (_load_checkpoint,
                                            _load_checkpoint_to_model)

    from a2d2_mmseg.compat.state_dict_match import compare_state_dict
    if '://' not in checkpoint and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: checkpoint file not found')
    try:
        ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    except CheckpointError:
        raise
    except Exception as error:
        raise ExportError(f'{checkpoint}: cannot read the checkpoint '
                          f'({type(error).__name__}: {error})') from error
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ExportError(f'{checkpoint}: holds no state_dict')
    diff = compare_state_dict(model, state)
    if diff:
        head = type(getattr(model, 'decode_head', model)).__name__
        parts = []
        if diff.missing:
            parts.append(f'{len(diff.missing)} key(s) of the model missing '
                         f'from the checkpoint: {_modules(diff.missing)}')
        if diff.unexpected:
            parts.append(f'{len(diff.unexpected)} key(s) of the checkpoint '
                         f'not in the model: {_modules(diff.unexpected)}')
        if diff.mismatched:
            parts.append(f'{len(diff.mismatched)} shape(s) differ: ' +
                         _bounded([f'{n}: checkpoint {c}, model {m}'
                                   for n, c, m in diff.mismatched], 4))
        raise CheckpointMismatchError(
            f'{checkpoint}: the checkpoint does not fit the model of the '
            f'config (decode head {head}); is it of another model or '
            f'config? ' + '; '.join(parts))
    _load_checkpoint_to_model(model, ckpt, strict=False)
    return ckpt


def _bounded(items: Sequence[str], limit: int) -> str:
    more = len(items) - limit
    return ', '.join(items[:limit]) + (f', ... ({more} more)'
                                       if more > 0 else '')


def _modules(keys: Sequence[str]) -> str:
    """Keys grouped by module (their first two name parts), in order."""
    groups: Dict[str, int] = {}
    for key in keys:
        prefix = '.'.join(key.split('.')[:2])
        groups[prefix] = groups.get(prefix, 0) + 1
    return _bounded([f'{p}.* ({n})' for p, n in groups.items()], 8)


def format_names(names: Sequence[str], limit: int = 6,
                 chars: int = 40) -> str:
    """At most ``limit`` names, each cut to ``chars`` characters, and how
    many more: a bounded list for messages."""
    return _bounded([repr(n if len(n) <= chars else n[:chars] + '...')
                     for n in names], limit)


def config_num_classes(cfg: Config) -> Optional[int]:
    """``model.decode_head.num_classes`` of the config, or None when it has
    no single decode head naming it."""
    head = (cfg.get('model') or {}).get('decode_head')
    num_classes = head.get('num_classes') if isinstance(head, dict) else None
    return num_classes if isinstance(num_classes, int) else None


def dataset_meta_from_config(cfg: Config,
                             num_classes: Optional[int] = None) -> dict:
    """Classes and palette of the config's A2D2 class set
    (``test_dataloader.dataset.class_set``, default 'full'; its
    ``metainfo.classes`` when given).

    Args:
        cfg (Config): The config.
        num_classes (int, optional): The model's number of classes, which
            the class set must have.

    Returns:
        dict: ``dict(classes=tuple, palette=list of [r, g, b])``.

    Raises:
        ExportError: The class set has another number of classes.
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
    config's (:func:`dataset_meta_from_config`).

    Raises:
        CorruptCheckpointError: The checkpoint's ``dataset_meta`` is
            malformed.
        ExportError: Neither names ``num_classes`` classes.
    """
    meta = None
    if checkpoint is not None:
        meta = checkpoint_dataset_meta(checkpoint, filename, num_classes)
    return meta or dataset_meta_from_config(cfg, num_classes)
