"""mmseg's ``MMSegInferencer`` with the A2D2 test pipelines and checkpoints.

Two gaps between mmseg's inferencer and the plugin, closed on
``import a2d2_mmseg``:

**The pipeline** (:func:`adapt_seg_inferencer`). ``MMSegInferencer``
builds its pipeline from ``test_dataloader.dataset.pipeline``: it drops the
transforms named exactly ``LoadAnnotations``/``LoadDepthAnnotation`` and
replaces the one named exactly ``LoadImageFromFile`` by mmseg's
``InferencerLoader`` (which takes a path or an array), else it raises
"LoadImageFromFile is not found in the test pipeline". The A2D2 pipelines
load with ``LoadA2D2ImageFromFile`` (stored orientation, header checked
before decoding), which mmseg's test cannot see and its ``InferencerLoader``
would not keep. For a pipeline whose loader is ``LoadA2D2ImageFromFile``
(or a subclass), the adapted ``_init_pipeline`` keeps that loader, puts
:func:`inferencer_inputs` in front of it (a path becomes
``dict(img_path=...)``, an array ``dict(img=...)``, as ``InferencerLoader``
does; the loader takes an already loaded ``img`` as it is) and drops the
annotation loaders (``LoadA2D2Annotations`` too). Other pipelines go to
mmseg's method unchanged.

``mmseg.apis.inference_model`` needs no adapter: it drops
``LoadAnnotations`` (``LoadA2D2Annotations`` passes a sample without
``seg_map_path`` through) and, for arrays, makes the first step mmseg's
``LoadImageFromNDArray``; a path goes through ``LoadA2D2ImageFromFile``.

**The config of a checkpoint** (:func:`read_inferencer_config`).
``MMSegInferencer(model=None, weights=CKPT)`` builds the model from the
config text stored in the checkpoint, which mmengine *runs* as Python.
:func:`~a2d2_mmseg.compat.checkpoint.guard_inferencer_config` refuses
that; on top of it, the inferencer here first reads the text as data with
:func:`~a2d2_mmseg.compat.config_text.config_from_text` (nothing is run)
and passes the config on, so weights alone work. Text that is not plain
data, and data naming anything but registered classes (a ``type`` such
as ``'os.system'``, which mmengine's registries would import and call;
:func:`~a2d2_mmseg.compat.config_text.check_registered_types`), is
refused with :class:`~a2d2_mmseg.compat.checkpoint.
UnsafeCheckpointError`. The modules of the stored ``custom_imports`` are
not imported from a checkpoint: those that are not imported yet are named
in a :class:`~a2d2_mmseg.compat.checkpoint.CheckpointError`.
"""
import functools
import sys
from typing import Any, Callable, List, Optional, Union

import numpy as np
from mmengine.config import ConfigDict
from mmengine.dataset import Compose

from a2d2_mmseg.compat.checkpoint import CheckpointError, UnsafeCheckpointError
from a2d2_mmseg.compat.config_text import (ConfigTextError, check_registered_types,
                          config_from_text)

__all__ = [
    'inferencer_inputs', 'inferencer_pipeline', 'adapt_seg_inferencer',
    'checkpoint_config', 'read_inferencer_config'
]

# What mmseg's MMSegInferencer drops from a test pipeline, and this module
# as well (LoadA2D2Annotations is found by its class).
_MMSEG_ANNOTATION_LOADERS = ('LoadAnnotations', 'LoadDepthAnnotation')


def inferencer_inputs(single_input: Union[str, np.ndarray, dict]) -> dict:
    """One inferencer input as a pipeline's results dict, as mmseg's
    ``InferencerLoader`` takes it: a path, an image array, or a dict.

    Raises:
        TypeError: Any other input.
    """
    if isinstance(single_input, str):
        return dict(img_path=single_input)
    if isinstance(single_input, np.ndarray):
        return dict(img=single_input)
    if isinstance(single_input, dict):
        return single_input
    raise TypeError('an inferencer input is a path, an image array or a '
                    f'dict, got {type(single_input).__name__}')


def _transform_class(step: dict) -> Optional[type]:
    """The class a pipeline step builds (mmseg's registry), or None."""
    from mmseg.registry import TRANSFORMS
    kind = step.get('type')
    if isinstance(kind, type):
        return kind
    try:
        return TRANSFORMS.get(kind) if isinstance(kind, str) else None
    except KeyError:
        return None


def inferencer_pipeline(pipeline_cfg: list) -> Optional[List[Any]]:
    """The steps of an inference pipeline for a test pipeline whose loader
    is ``LoadA2D2ImageFromFile``; None for other pipelines.

    Args:
        pipeline_cfg (list[dict]): ``test_dataloader.dataset.pipeline``.

    Returns:
        list | None: :func:`inferencer_inputs`, then the test pipeline
        without its annotation loaders (configs, for ``Compose``).
    """
    from a2d2_mmseg.datasets.transforms import (LoadA2D2Annotations,
                                       LoadA2D2ImageFromFile)
    classes = [_transform_class(step) for step in pipeline_cfg]
    if not any(c is not None and issubclass(c, LoadA2D2ImageFromFile)
               for c in classes):
        return None
    steps: List[Any] = [inferencer_inputs]
    for step, cls in zip(pipeline_cfg, classes):
        if step.get('type') in _MMSEG_ANNOTATION_LOADERS or (
                cls is not None and issubclass(cls, LoadA2D2Annotations)):
            continue
        steps.append(step)
    return steps


def adapt_seg_inferencer() -> None:
    """Let ``MMSegInferencer`` run test pipelines that load with
    ``LoadA2D2ImageFromFile`` (see the module doc). Idempotent."""
    from mmseg.apis import MMSegInferencer
    current = MMSegInferencer._init_pipeline
    if getattr(current, '_a2d2_adapted', False):
        return

    @functools.wraps(current)
    def _init_pipeline(self, cfg) -> Callable:
        steps = inferencer_pipeline(cfg.test_dataloader.dataset.pipeline)
        if steps is None:
            return current(self, cfg)
        return Compose(steps)

    _init_pipeline._a2d2_adapted = True
    MMSegInferencer._init_pipeline = _init_pipeline


def checkpoint_config(weights: str) -> ConfigDict:
    """The config stored in a checkpoint, read as data.

    Read from ``message_hub.runtime_info['cfg']``, else ``meta['cfg']``
    (where mmengine's inferencer looks), with
    :func:`~a2d2_mmseg.compat.config_text.config_from_text`; every name
    mmengine would resolve must be a registered class
    (:func:`~a2d2_mmseg.compat.config_text.check_registered_types`).

    Args:
        weights (str): The checkpoint.

    Returns:
        ConfigDict: The config.

    Raises:
        UnsafeCheckpointError: The text is not plain data, or names a
            ``type``, ``_scope_``, ``default_scope`` or ``collate_fn`` that
            is not registered.
        CheckpointError: The checkpoint holds no config, or its
            ``custom_imports`` name modules that are not imported.
    """
    from mmengine.runner.checkpoint import _load_checkpoint
    checkpoint = _load_checkpoint(weights, map_location='cpu')
    hub = checkpoint.get('message_hub')
    info = hub.get('runtime_info') if isinstance(hub, dict) else None
    meta = checkpoint.get('meta')
    text = info.get('cfg') if isinstance(info, dict) else None
    if text is None and isinstance(meta, dict):
        text = meta.get('cfg')
    if text is None:
        raise CheckpointError(
            f'{weights}: the checkpoint holds no config (message_hub.'
            f"runtime_info['cfg'] or meta['cfg']): pass the config file, "
            f'MMSegInferencer(model=CONFIG.py, weights={weights!r})')
    try:
        cfg = config_from_text(text, f'{weights}: the stored config')
        check_registered_types(cfg, f'{weights}: the stored config')
    except ConfigTextError as error:
        raise UnsafeCheckpointError(
            f'{error}. Refusing to build the model from it. Pass the config '
            f'file as well, e.g. MMSegInferencer(model=CONFIG.py, '
            f'weights={weights!r}).') from None
    imports = cfg.get('custom_imports', {})
    names = imports.get('imports', []) if isinstance(imports, dict) else []
    names = [names] if isinstance(names, str) else names
    missing = [n for n in names if isinstance(n, str)
               and n not in sys.modules]
    if missing:
        raise CheckpointError(
            f'{weights}: the stored config imports {missing}, which are not '
            f'imported; modules named by a checkpoint are never imported '
            f'from it: import them first, or pass the config file, '
            f'MMSegInferencer(model=CONFIG.py, weights={weights!r})')
    return ConfigDict(cfg)


def read_inferencer_config() -> None:
    """Let ``BaseInferencer(model=None, weights=CKPT)`` build the model
    from the checkpoint's config read as data (see the module doc).

    Installed over :func:`~a2d2_mmseg.compat.checkpoint.
    guard_inferencer_config` (call that first): the config is filled in
    before the guard sees it, so the guard refuses only what cannot be
    read as data. The checkpoint is read twice (here for the config, then
    by mmengine for the weights). Idempotent.
    """
    from mmengine.infer import BaseInferencer
    current = BaseInferencer._init_model
    if getattr(current, '_a2d2_reads_config', False):
        return

    @functools.wraps(current)
    def _init_model(self, cfg, weights, device='cpu'):
        if not cfg and weights is not None:
            cfg.update(checkpoint_config(weights))
        return current(self, cfg, weights, device)

    _init_model._a2d2_reads_config = True
    BaseInferencer._init_model = _init_model
