"""mmengine's inferencers read a checkpoint's config as data, never run it.

``BaseInferencer(model=None, weights=CKPT)`` (mmengine 0.10.x, and so
mmseg's ``MMSegInferencer``) builds the model from the config text stored
in the checkpoint by running it as Python. :data:`PATCH` wraps
``BaseInferencer._init_model``: without a config, the stored one is read as
data (:func:`checkpoint_config`), and refused with
:class:`~a2d2_mmseg.compat.checkpoint.UnsafeCheckpointError` when it is not
plain data or names anything but registered classes; with a config given,
nothing changes.
"""
import functools
import sys
from typing import Callable

from mmengine.config import ConfigDict

from a2d2_mmseg.compat import Patch
from a2d2_mmseg.compat.checkpoint import CheckpointError, UnsafeCheckpointError
from a2d2_mmseg.compat.config_text import (ConfigTextError,
                                           check_registered_types,
                                           config_from_text)

__all__ = ['checkpoint_config', 'PATCH']


def checkpoint_config(weights: str) -> ConfigDict:
    """The config stored in checkpoint ``weights``
    (``message_hub.runtime_info['cfg']``, else ``meta['cfg']``, where
    mmengine looks), read as data.

    Raises:
        UnsafeCheckpointError: The text is not plain data, is empty, or names
            what is not registered (:func:`~a2d2_mmseg.compat.config_text.
            check_registered_types`).
        CheckpointError: No config, or its ``custom_imports`` name modules not
            imported yet (a checkpoint never makes anything be imported).
    """
    from mmengine.runner.checkpoint import _load_checkpoint
    checkpoint = _load_checkpoint(weights, map_location='cpu')
    hub = checkpoint.get('message_hub')
    info = hub.get('runtime_info') if isinstance(hub, dict) else None
    meta = checkpoint.get('meta')
    text = info.get('cfg') if isinstance(info, dict) else None
    if text is None and isinstance(meta, dict):
        text = meta.get('cfg')
    pass_config = (f'Pass the config file as well, e.g. MMSegInferencer('
                   f'model=CONFIG.py, weights={weights!r}).')
    if text is None:
        raise CheckpointError(
            f'{weights}: the checkpoint holds no config (message_hub.'
            f"runtime_info['cfg'] or meta['cfg']). {pass_config}")
    try:
        cfg = config_from_text(text, f'{weights}: the stored config')
        check_registered_types(cfg, f'{weights}: the stored config')
    except ConfigTextError as error:
        raise UnsafeCheckpointError(
            f'{error}. Refusing to build the model from it. {pass_config}'
        ) from None
    if not cfg:
        raise UnsafeCheckpointError(
            f'Refusing to build the model from the config text stored in '
            f'checkpoint {weights!r}: it holds no entry, and mmengine would '
            f'run it as Python. {pass_config}')
    imports = cfg.get('custom_imports', {})
    names = imports.get('imports', []) if isinstance(imports, dict) else []
    names = [names] if isinstance(names, str) else names
    missing = [n for n in names if isinstance(n, str)
               and n not in sys.modules]
    if missing:
        raise CheckpointError(
            f'{weights}: the stored config imports {missing}, which are not '
            f'imported; modules named by a checkpoint are never imported '
            f'from it: import them first. {pass_config}')
    return ConfigDict(cfg)


def _reading_config(init_model: Callable) -> Callable:

    @functools.wraps(init_model)
    def _init_model(self, cfg, weights, device='cpu'):
        if not cfg and weights is not None:
            cfg.update(checkpoint_config(weights))
        return init_model(self, cfg, weights, device)

    return _init_model


PATCH = Patch(
    name='inferencer_config',
    upstream='mmengine BaseInferencer(model=None, weights=CKPT) runs the '
    'config text stored in the checkpoint',
    wraps=(('mmengine.infer.BaseInferencer._init_model', _reading_config), ),
    relies_on=('mmengine.infer.BaseInferencer.__init__', ))
