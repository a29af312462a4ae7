"""The segmentor of a config, a checkpoint that must fit it, its classes.

Shared by the ONNX export (:mod:`a2d2_mmseg.deployment.export`), the
onnxruntime runner and the PyTorch inference API (:mod:`a2d2_mmseg.apis`):

* :func:`load_config` / :func:`build_segmentor`: the config's segmentor on
  the CPU in eval mode, SyncBN as BN, PyTorch's initial weights;
* :func:`load_checkpoint_strict`: a checkpoint whose weights must all fit;
* :func:`dataset_meta_for`: the classes and palette of a model, from its
  checkpoint (``meta.dataset_meta``) or else the config's A2D2 class set.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

from mmengine.config import Config
from torch import nn

from a2d2_mmseg.compat.checkpoint import (CheckpointMismatchError, checkpoint_dataset_meta)

__all__ = [
    'ExportError', 'ConfigError', 'CheckpointMismatchError', 'load_config',
    'build_segmentor', 'load_checkpoint_strict', 'dataset_meta_from_config',
    'dataset_meta_for', 'config_dataset_meta', 'config_num_classes',
    'format_names'
]


class ExportError(ValueError):
    """The model or its config cannot be exported as asked."""


class ConfigError(ExportError):
    """The config file cannot be read or holds no segmentor."""


def load_config(config: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file (plugin configs need ``custom_imports``).

    Args:
        config (str): Path of the config file.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        Config: The config.

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
    """Build the config's segmentor on the CPU in eval mode, SyncBN as BN.

    The weights are PyTorch's initialisation (no pretrained download):
    load a checkpoint with :func:`load_checkpoint_strict`.

    Args:
        cfg (Config): The config.

    Returns:
        nn.Module: The segmentor with ``cfg`` attached (``model.cfg``).
    """
    from mmengine.model import revert_sync_batchnorm
    from mmseg.apis import init_model

    model = init_model(cfg, None, device='cpu')
    return revert_sync_batchnorm(model).eval()


def _fmt_keys(keys: Sequence[str], limit: int = 6) -> str:
    shown = ', '.join(keys[:limit])
    return shown + (f', ... ({len(keys) - limit} more)'
                    if len(keys) > limit else '')


def format_names(names: Sequence[str], limit: int = 6,
                 chars: int = 40) -> str:
    """At most ``limit`` names, each cut to ``chars`` characters, and how
    many more: a bounded list for messages."""
    return _fmt_keys([
        repr(n if len(n) <= chars else n[:chars] + '...') for n in names
    ], limit)


def _fmt_modules(keys: Sequence[str], limit: int = 8) -> str:
    """Keys grouped by their first two name parts (the module they belong
    to, e.g. ``decode_head.aspp_modules``), in order."""
    groups: Dict[str, int] = {}
    for key in keys:
        prefix = '.'.join(key.split('.')[:2])
        groups[prefix] = groups.get(prefix, 0) + 1
    return _fmt_keys([f'{p}.* ({n})' for p, n in groups.items()], limit)


def load_checkpoint_strict(model: nn.Module, checkpoint: str) -> dict:
    """Load a checkpoint whose weights must all fit ``model``.

    Loads through mmengine's checkpoint loader, which this package makes
    safe (see :mod:`a2d2_mmseg.compat.checkpoint`), and compares the
    weights with the model as mmengine would load them
    (:func:`a2d2_mmseg.compat.state_dict_match.compare_state_dict`: a ``module.`` prefix is
    dropped, ``num_batches_tracked`` may be missing). An export never loads
    a checkpoint partially.

    Args:
        model (nn.Module): The segmentor the config builds.
        checkpoint (str): Path of the checkpoint file.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        CheckpointError: Unsafe, corrupt or not downloadable
            (:mod:`a2d2_mmseg.engine`); :class:`CheckpointMismatchError`
            when keys are missing, unexpected or of other shapes: the
            message names them, grouped by module.
        ExportError: The file cannot be read otherwise.
    """
    from mmengine.runner.checkpoint import (_load_checkpoint,
                                            _load_checkpoint_to_model)

    from a2d2_mmseg.compat.checkpoint import CheckpointError
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
                         f'from the checkpoint: {_fmt_modules(diff.missing)}')
        if diff.unexpected:
            parts.append(f'{len(diff.unexpected)} key(s) of the checkpoint '
                         f'not in the model: {_fmt_modules(diff.unexpected)}')
        if diff.mismatched:
            parts.append(f'{len(diff.mismatched)} shape(s) differ: ' +
                         _fmt_keys([
                             f'{n}: checkpoint {c}, model {m}'
                             for n, c, m in diff.mismatched
                         ], 4))
        raise CheckpointMismatchError(
            f'{checkpoint}: the checkpoint does not fit the model of the '
            f'config (decode head {head}); is it of another model or '
            f'config? ' + '; '.join(parts))
    _load_checkpoint_to_model(model, ckpt, strict=False)
    return ckpt


def config_dataset_meta(cfg: Config) -> dict:
    """Classes and palette of the config's A2D2 class set
    (``test_dataloader.dataset.class_set``, default 'full'; its
    ``metainfo.classes`` when given), whatever the model's class count.

    Args:
        cfg (Config): The config.

    Returns:
        dict: ``dict(classes=tuple, palette=list of [r, g, b])``.
    """
    from a2d2_mmseg.a2d2.class_sets import build_class_set

    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    class_set = build_class_set(dataset.get('class_set', 'full'))
    meta = dict(class_set.metainfo)
    custom = (dataset.get('metainfo') or {}).get('classes')
    if custom:
        index = {c: i for i, c in enumerate(class_set.classes)}
        meta = dict(classes=tuple(custom),
                    palette=[class_set.palette[index[c]] for c in custom])
    return dict(classes=tuple(meta['classes']),
                palette=[list(map(int, p)) for p in meta['palette']])


def config_num_classes(cfg: Config) -> Optional[int]:
    """``model.decode_head.num_classes`` of the config, or None when it has
    no single decode head naming it."""
    head = (cfg.get('model') or {}).get('decode_head')
    num_classes = head.get('num_classes') if isinstance(head, dict) else None
    return num_classes if isinstance(num_classes, int) else None


def dataset_meta_from_config(cfg: Config, num_classes: int) -> dict:
    """Classes and palette from the config's A2D2 class set
    (:func:`config_dataset_meta`).

    Args:
        cfg (Config): The config.
        num_classes (int): The model's number of classes.

    Returns:
        dict: ``dict(classes=tuple, palette=list of [r, g, b])``.

    Raises:
        ExportError: The class set has another number of classes.
    """
    meta = config_dataset_meta(cfg)
    if len(meta['classes']) != num_classes:
        raise ExportError(
            f"the config's class set has {len(meta['classes'])} classes, "
            f'not the model\'s {num_classes}, and the checkpoint names none')
    return meta


def dataset_meta_for(cfg: Config,
                     num_classes: int,
                     checkpoint: Optional[dict] = None,
                     filename: str = 'checkpoint') -> dict:
    """The classes and palette of a model: the checkpoint's
    ``meta.dataset_meta`` when it names ``num_classes`` classes, else the
    config's A2D2 class set (:func:`dataset_meta_from_config`).

    Args:
        cfg (Config): The config.
        num_classes (int): The model's number of classes.
        checkpoint (dict, optional): The loaded checkpoint.
        filename (str): The checkpoint's name, for messages.

    Returns:
        dict: ``dict(classes=tuple, palette=list of [r, g, b])``.

    Raises:
        CorruptCheckpointError: The checkpoint's ``dataset_meta`` is
            malformed.
        ExportError: Neither names ``num_classes`` classes.
    """
    meta = None
    if checkpoint is not None:
        meta = checkpoint_dataset_meta(checkpoint, filename, num_classes)
    return meta or dataset_meta_from_config(cfg, num_classes)
