"""Does a checkpoint fit the model? Refuse one of another model or class
count.

mmengine loads weights with ``strict=False``: a checkpoint of another model
or class count loads with warnings only, the rest keeps its random
initialisation. :func:`compare_state_dict` lists what does not fit as
mmengine's ``load_state_dict`` would load it; :func:`check_checkpoint_matches`
refuses it (:class:`~a2d2_mmseg.compat.checkpoint.CheckpointMismatchError`)
unless partial loading is allowed. Runners check through the plugin's
``CheckpointMatchHook`` (:func:`check_loaded_checkpoint`), ``tools/infer.py``
through :func:`load_matching_checkpoint`.
"""
import logging
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper
from torch import nn

from a2d2_mmseg.compat.checkpoint import (CheckpointMismatchError,
                                          loaded_checkpoint_name,
                                          resuming_checkpoint)

__all__ = [
    'StateDictDiff', 'model_state_shapes', 'compare_state_dict',
    'check_checkpoint_matches', 'check_loaded_checkpoint',
    'load_matching_checkpoint', 'REVISE_KEYS'
]

# mmengine's default for Runner.load_checkpoint and load_checkpoint.
REVISE_KEYS = [(r'^module\.', '')]
# How many names of each kind an error message lists.
_SHOWN = 5


@dataclass
class StateDictDiff:
    """What does not fit between a checkpoint's weights and a model.

    Attributes:
        missing (list[str]): The model's entries the checkpoint lacks.
        unexpected (list[str]): Checkpoint entries the model does not have.
        mismatched (list[tuple]): ``(name, checkpoint shape, model shape)``
            for entries present in both with another shape; the checkpoint
            shape is the value's type name when it is not a tensor.
        matched (int): Entries that load.
    """
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: List[Tuple[str, str, str]] = field(default_factory=list)
    matched: int = 0

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.mismatched)

    def summary(self) -> str:
        """The differences, first few names of each kind, with counts."""

        def names(items: Sequence[str]) -> str:
            more = len(items) - _SHOWN
            tail = f', ... ({more} more)' if more > 0 else ''
            return ', '.join(items[:_SHOWN]) + tail

        parts = []
        if self.mismatched:
            parts.append(
                f'{len(self.mismatched)} with another shape: ' + names([
                    f'{n} (checkpoint {c}, model {m})'
                    for n, c, m in self.mismatched
                ]))
        if self.missing:
            parts.append(f'{len(self.missing)} missing from the checkpoint: '
                         + names(self.missing))
        if self.unexpected:
            parts.append(f'{len(self.unexpected)} not in the model: ' +
                         names(self.unexpected))
        return '; '.join(parts)


def _shape(value) -> str:
    return str(list(value.shape)) if torch.is_tensor(value) else \
        type(value).__name__


def model_state_shapes(model: nn.Module) -> Dict[str, Optional[torch.Size]]:
    """The entries mmengine's ``load_state_dict`` fills in a model, walked as
    it does (a wrapper or TTA model stands for its ``module``; persistent
    buffers; ``_extra_state`` where a module defines ``get_extra_state``).

    Args:
        model (nn.Module): The model.

    Returns:
        dict: Entry name to shape (None for extra state).
    """
    shapes: Dict[str, Optional[torch.Size]] = {}

    def walk(module: nn.Module, prefix: str) -> None:
        if is_model_wrapper(module) or isinstance(module, BaseTTAModel):
            module = module.module
        for name, param in module._parameters.items():
            if param is not None:
                shapes[prefix + name] = param.shape
        for name, buf in module._buffers.items():
            if buf is not None and \
                    name not in module._non_persistent_buffers_set:
                shapes[prefix + name] = buf.shape
        if type(module).get_extra_state is not nn.Module.get_extra_state:
            shapes[prefix + '_extra_state'] = None
        for name, child in module._modules.items():
            if child is not None:
                walk(child, prefix + name + '.')

    walk(model, '')
    return shapes


def compare_state_dict(model: nn.Module,
                       state_dict: dict,
                       revise_keys: Sequence[Tuple[str, str]] = REVISE_KEYS
                       ) -> StateDictDiff:
    """Compare a checkpoint's weights with a model's.

    Args:
        model (nn.Module): The model (wrappers are looked through).
        state_dict (dict): The checkpoint's weights (its ``state_dict``, or
            the checkpoint itself when it has none).
        revise_keys (list[tuple]): ``(pattern, replacement)`` applied to the
            checkpoint's names first, as mmengine does. Defaults to
            stripping a leading ``module.``.

    Returns:
        StateDictDiff: Empty (falsy) when every entry fits.
    """
    names = {}
    for key in state_dict:
        revised = key
        for pattern, replacement in revise_keys:
            revised = re.sub(pattern, replacement, revised)
        names[revised] = key
    expected = model_state_shapes(model)
    diff = StateDictDiff()
    for name, shape in expected.items():
        if name not in names:
            if 'num_batches_tracked' not in name:  # mmengine ignores these
                diff.missing.append(name)
            continue
        value = state_dict[names[name]]
        if shape is None:
            diff.matched += 1
            continue
        fits = torch.is_tensor(value) and (
            value.shape == shape
            # torch loads a 1-element 1-d tensor into a 0-d parameter
            or (len(shape) == 0 and value.shape == (1, )))
        if fits:
            diff.matched += 1
        else:
            diff.mismatched.append((name, _shape(value), str(list(shape))))
    diff.unexpected = [n for n in names if n not in expected]
    return diff


def check_checkpoint_matches(model: nn.Module,
                             checkpoint: dict,
                             filename: str,
                             allow_partial: bool = False,
                             revise_keys: Sequence[Tuple[str, str]] = (
                                 REVISE_KEYS),
                             resuming: bool = False) -> StateDictDiff:
    """Refuse a checkpoint whose weights do not all fit the model.

    Args:
        model (nn.Module): The model.
        checkpoint (dict): The loaded checkpoint.
        filename (str): Its name, for messages.
        allow_partial (bool): Only warn. Defaults to False.
        revise_keys (list[tuple]): As for :func:`compare_state_dict`.
        resuming (bool): The checkpoint is being resumed from: the error
            says how to start from its weights instead (partial loading
            does not apply to a resume). Defaults to False.

    Returns:
        StateDictDiff: The differences (empty when all fits).

    Raises:
        CheckpointMismatchError: Something does not fit and not
            ``allow_partial``.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    diff = compare_state_dict(model, state_dict, revise_keys)
    if not diff:
        return diff
    model_name = type(model.module if is_model_wrapper(model) else
                      model).__name__
    total = len(model_state_shapes(model))
    what = (f'{filename}: the checkpoint does not fit the model '
            f'({model_name}, {total} entries; {diff.matched} fit): '
            f'{diff.summary()}.')
    if allow_partial:
        print_log(
            f'{what} Loading the {diff.matched} entries that fit '
            f'(--allow-partial-checkpoint); the rest keep their '
            f'initialisation.',
            logger='current',
            level=logging.WARNING)
        return diff
    if resuming:
        remedy = ('Resuming continues a run of this same model (the '
                  'optimizer state has the checkpoint\'s shapes), so it '
                  'needs a checkpoint that fits; to start from the entries '
                  'that fit instead, set load_from to it without --resume and '
                  'pass --allow-partial-checkpoint.')
    else:
        remedy = ('To load the fitting entries anyway and leave the rest '
                  'initialised, pass --allow-partial-checkpoint.')
    raise CheckpointMismatchError(
        f'{what} It was probably trained with another model or number of '
        f'classes (check the config, e.g. num_classes / class_set). {remedy}')


def check_loaded_checkpoint(runner, checkpoint: dict,
                            allow_partial: Optional[bool] = None) -> None:
    """:func:`check_checkpoint_matches` for what a runner has just loaded
    (``after_load_checkpoint``): ``load_from`` or, inside
    :func:`~a2d2_mmseg.compat.checkpoint.resuming`, a resume (refused even
    when partial loading is allowed: mmengine would then load an optimizer
    state of other shapes).

    Args:
        runner (Runner): The runner.
        checkpoint (dict): The loaded checkpoint.
        allow_partial (bool, optional): Only warn (``load_from`` only).
            None: the config's ``allow_partial_checkpoint``
            (``--allow-partial-checkpoint``), False when it has none.
    """
    resumed = resuming_checkpoint() is not None
    if allow_partial is None:
        allow_partial = bool(runner.cfg.get('allow_partial_checkpoint'))
    check_checkpoint_matches(
        runner.model, checkpoint, loaded_checkpoint_name(runner),
        allow_partial=allow_partial and not resumed, resuming=resumed)


def load_matching_checkpoint(model: nn.Module,
                             filename: str,
                             map_location: str = 'cpu',
                             allow_partial: bool = False,
                             revise_keys: Sequence[Tuple[str, str]] = (
                                 REVISE_KEYS)) -> dict:
    """mmengine's ``load_checkpoint``, refusing a checkpoint that does not
    fit the model (:func:`check_checkpoint_matches`) before loading it.

    Args:
        model (nn.Module): The model to load into.
        filename (str): The checkpoint (loaded by the guarded loader).
        map_location (str): As for ``torch.load``. Defaults to 'cpu'.
        allow_partial (bool): Load what fits, with a warning.
        revise_keys (list[tuple]): As for :func:`compare_state_dict`.

    Returns:
        dict: The checkpoint.
    """
    from mmengine.runner.checkpoint import (_load_checkpoint,
                                            _load_checkpoint_to_model)
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    check_checkpoint_matches(model, checkpoint, filename, allow_partial,
                             revise_keys)
    _load_checkpoint_to_model(
        model, checkpoint, strict=False, revise_keys=list(revise_keys))
    return checkpoint
