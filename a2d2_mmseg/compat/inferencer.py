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

from a2d2_mmseg.compat import Patch

__all__ = ['inferencer_inputs', 'inferencer_pipeline', 'PATCH']

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


def _is_a(step: Any, name: str) -> bool:
    """Whether a pipeline step builds (a subclass of) the transform
    registered as ``name`` (by name: compat imports no plugin component)."""
    from mmseg.registry import TRANSFORMS
    kind, base = step.get('type'), TRANSFORMS.get(name)
    try:
        cls = TRANSFORMS.get(kind) if isinstance(kind, str) else kind
    except KeyError:
        return False
    return isinstance(cls, type) and base is not None and issubclass(
        cls, base)


def inferencer_pipeline(pipeline_cfg: list) -> Optional[List[Any]]:
    """For a test pipeline (``test_dataloader.dataset.pipeline``) whose
    loader is ``LoadA2D2ImageFromFile``, the steps for ``Compose``:
    :func:`inferencer_inputs`, then the pipeline without its annotation
    loaders; None for other pipelines."""
    if not any(_is_a(step, 'LoadA2D2ImageFromFile') for step in pipeline_cfg):
        return None
    return [inferencer_inputs] + [
        step for step in pipeline_cfg
        if step.get('type') not in _MMSEG_ANNOTATION_LOADERS
        and not _is_a(step, 'LoadA2D2Annotations')
    ]


def _keeping_a2d2_loader(init_pipeline: Callable) -> Callable:

    @functools.wraps(init_pipeline)
    def _init_pipeline(self, cfg) -> Callable:
        steps = inferencer_pipeline(cfg.test_dataloader.dataset.pipeline)
        if steps is None:
            return init_pipeline(self, cfg)
        return Compose(steps)

    return _init_pipeline


PATCH = Patch(
    name='seg_inferencer_pipeline',
    upstream="mmseg MMSegInferencer._init_pipeline needs a step named "
    "'LoadImageFromFile' and drops only mmseg's annotation loaders",
    requires=('mmseg>=1.2,<1.3', ),
    wraps=(('mmseg.apis.MMSegInferencer._init_pipeline',
            _keeping_a2d2_loader), ))
