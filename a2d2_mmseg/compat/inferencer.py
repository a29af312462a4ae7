"""mmseg's ``MMSegInferencer`` with test pipelines that load with
``LoadA2D2ImageFromFile``.

``MMSegInferencer._init_pipeline`` (mmseg 1.2.x) needs a step named
exactly ``LoadImageFromFile`` (it raises "LoadImageFromFile is not found in
the test pipeline") and drops only mmseg's annotation loaders.
:data:`PATCH` wraps it: a pipeline whose loader is ``LoadA2D2ImageFromFile``
(or a subclass) becomes :func:`inferencer_pipeline`; others are mmseg's.
``mmseg.apis.inference_model`` needs nothing.
"""
import functools
from typing import Any, Callable, List, Optional, Union

import numpy as np
from mmengine.dataset import Compose

from a2d2_mmseg.compat import Patch, wrap

__all__ = [
    'inferencer_inputs', 'inferencer_pipeline', 'adapt_seg_inferencer',
    'PATCH'
]

# What mmseg's MMSegInferencer drops from a test pipeline, and this module
# as well (LoadA2D2Annotations is found by its class).
_MMSEG_ANNOTATION_LOADERS = ('LoadAnnotations', 'LoadDepthAnnotation')


def inferencer_inputs(single_input: Union[str, np.ndarray, dict]) -> dict:
    """One inferencer input (a path, an image array or a dict; else
    TypeError) as a pipeline's results dict, as mmseg's ``InferencerLoader``
    takes it."""
    if isinstance(single_input, str):
        return dict(img_path=single_input)
    if isinstance(single_input, np.ndarray):
        return dict(img=single_input)
    if isinstance(single_input, dict):
        return single_input
    raise TypeError('an inferencer input is a path, an image array or a '
                    f'dict, got {type(single_input).__name__}')


def _transform_class(step: Any) -> Optional[type]:
    """The class a pipeline step builds (mmseg's registry), or None."""
    from mmseg.registry import TRANSFORMS
    kind = step.get('type')
    if isinstance(kind, type):
        return kind
    try:
        return TRANSFORMS.get(kind) if isinstance(kind, str) else None
    except KeyError:
        return None


def _is_a(cls: Optional[type], name: str) -> bool:
    """Whether ``cls`` is (a subclass of) the transform registered as
    ``name`` (looked up by name: compat imports no plugin component)."""
    base = _transform_class(dict(type=name))
    return cls is not None and base is not None and issubclass(cls, base)


def inferencer_pipeline(pipeline_cfg: list) -> Optional[List[Any]]:
    """For a test pipeline (``test_dataloader.dataset.pipeline``) whose
    loader is ``LoadA2D2ImageFromFile``, the steps for ``Compose``:
    :func:`inferencer_inputs`, then the pipeline without its annotation
    loaders; None for other pipelines."""
    classes = [_transform_class(step) for step in pipeline_cfg]
    if not any(_is_a(c, 'LoadA2D2ImageFromFile') for c in classes):
        return None
    steps: List[Any] = [inferencer_inputs]
    for step, cls in zip(pipeline_cfg, classes):
        if step.get('type') in _MMSEG_ANNOTATION_LOADERS or _is_a(
                cls, 'LoadA2D2Annotations'):
            continue
        steps.append(step)
    return steps


def _keeping_a2d2_loader(init_pipeline: Callable) -> Callable:

    @functools.wraps(init_pipeline)
    def _init_pipeline(self, cfg) -> Callable:
        steps = inferencer_pipeline(cfg.test_dataloader.dataset.pipeline)
        if steps is None:
            return init_pipeline(self, cfg)
        return Compose(steps)

    return _init_pipeline


def adapt_seg_inferencer() -> bool:
    """Wrap ``MMSegInferencer._init_pipeline`` (see the module doc); False
    when it already was."""
    from mmseg.apis import MMSegInferencer
    return wrap(MMSegInferencer, '_init_pipeline', 'seg_inferencer_pipeline',
                _keeping_a2d2_loader)


PATCH = Patch(
    name='seg_inferencer_pipeline',
    upstream="mmseg MMSegInferencer._init_pipeline needs a step named "
    "'LoadImageFromFile' and drops only mmseg's annotation loaders",
    requires=('mmseg>=1.2,<1.3', ),
    apply=adapt_seg_inferencer,
    targets=('mmseg.apis.MMSegInferencer._init_pipeline', ))
