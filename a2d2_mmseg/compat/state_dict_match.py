"""Does a checkpoint fit the model? Refuse one of another model or class
count.

mmengine loads weights with ``strict=False``: a checkpoint of another model
or class count loads with warnings only, the rest keeps its random
initialisation. :func:`compare_state_dict` lists what does not fit as
mmengine's ``load_state_dict`` would load it; :func:`check_checkpoint_matches`
refuses it (:class:`~a2d2_mmseg.compat.checkpoint.CheckpointMismatchError`)
unless partial loading is allowed. Runners check through the plugin's
``CheckpointMatchHook``; ``tools/infer.py`` and the ONNX export through
:func:`load_matching_checkpoint`.
"""
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper
from torch import nn

from a2d2_mmseg.compat.checkpoint import CheckpointMismatchError

__all__ = [
    'StateDictDiff', 'model_state_shapes', 'compare_state_dict',
    'check_checkpoint_matches', 'load_matching_checkpoint', 'bounded',
    'PARTIAL_REMEDY', 'RESUME_REMEDY'
]

#: What a refusal suggests: by default, and when resuming.
PARTIAL_REMEDY = ('To load the fitting entries anyway and leave the rest '
                  'initialised, pass --allow-partial-checkpoint.')
RESUME_REMEDY = (
    "Resuming continues a run of this same model (the optimizer state has "
    "the checkpoint's shapes), so it needs a checkpoint that fits; to start "
    'from the entries that fit instead, set load_from to it without '
    '--resume and pass --allow-partial-checkpoint.')


def bounded(items: Sequence[str], limit: int = 5) -> str:
    """The first ``limit`` items, comma-separated, and how many more."""
    more = len(items) - limit
    return ', '.join(items[:limit]) + (f', ... ({more} more)'
                                       if more > 0 else '')


def _names_or_modules(keys: Sequence[str]) -> str:
    """The keys or, when several share a module (the first two name parts),
    the modules with their counts, in order."""
    modules = Counter('.'.join(key.split('.')[:2]) for key in keys)
    if len(modules) == len(keys):
        return bounded(keys)
    return bounded([f'{name}.* ({n})' for name, n in modules.items()], 8)


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
        """The differences with counts: shapes by name; missing and
        unexpected entries by name, or by module when modules share them."""
        parts = []
        if self.mismatched:
            parts.append(f'{len(self.mismatched)} with another shape: ' +
                         bounded([f'{n} (checkpoint {c}, model {m})'
                                  for n, c, m in self.mismatched]))
        for keys, where in ((self.missing, 'missing from the checkpoint'),
                            (self.unexpected, 'not in the model')):
            if keys:
                parts.append(f'{len(keys)} {where}: '
                             f'{_names_or_modules(keys)}')
        return '; '.join(parts)


def model_state_shapes(model: nn.Module) -> Dict[str, Optional[torch.Size]]:
    """Name to shape (None for extra state) of the entries mmengine's
    ``load_state_dict`` fills in a model: those of its ``state_dict`` (a
    wrapper or TTA model stands for its ``module``)."""
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return {
        name: None if name.rpartition('.')[2] == '_extra_state' else
        value.shape
        for name, value in model.state_dict(keep_vars=True).items()
    }


def compare_state_dict(model: nn.Module, state_dict: dict) -> StateDictDiff:
    """Compare a checkpoint's weights with a model's, as mmengine loads them
    (a leading ``module.`` stripped from the checkpoint's names).

    Args:
        model (nn.Module): The model (wrappers are looked through).
        state_dict (dict): The checkpoint's weights (its ``state_dict``, or
            the checkpoint itself when it has none).

    Returns:
        StateDictDiff: Empty (falsy) when every entry fits.
    """
    names = {re.sub(r'^module\.', '', key): key for key in state_dict}
    expected = model_state_shapes(model)
    diff = StateDictDiff(unexpected=[n for n in names if n not in expected])
    for name, shape in expected.items():
        if name not in names:
            if 'num_batches_tracked' not in name:  # mmengine ignores these
                diff.missing.append(name)
            continue
        value = state_dict[names[name]]
        if shape is None or (torch.is_tensor(value) and (
                value.shape == shape
                # torch loads a 1-element 1-d tensor into a 0-d parameter
                or (len(shape) == 0 and value.shape == (1, )))):
            diff.matched += 1
        else:
            found = list(value.shape) if torch.is_tensor(value) else \
                type(value).__name__
            diff.mismatched.append((name, str(found), str(list(shape))))
    return diff


def check_checkpoint_matches(model: nn.Module,
                             checkpoint: dict,
                             filename: str,
                             allow_partial: bool = False,
                             remedy: str = PARTIAL_REMEDY) -> StateDictDiff:
    """Refuse a checkpoint whose weights do not all fit the model.

    Args:
        allow_partial (bool): Only warn. Defaults to False.
        remedy (str): The error's last sentence, what to do instead.

    Returns:
        StateDictDiff: The differences (empty when all fits).

    Raises:
        CheckpointMismatchError: Something does not fit and not
            ``allow_partial``.
    """
    diff = compare_state_dict(model, checkpoint.get('state_dict', checkpoint))
    if not diff:
        return diff
    model_name = type(model.module if is_model_wrapper(model) else
                      model).__name__
    total = len(model_state_shapes(model))
    what = (f'{filename}: the checkpoint does not fit the model '
            f'({model_name}, {total} entries; {diff.matched} fit): '
            f'{diff.summary()}.')
    if not allow_partial:
        raise CheckpointMismatchError(
            f'{what} It was probably trained with another model or number '
            f'of classes (check the config, e.g. num_classes / class_set). '
            f'{remedy}')
    print_log(
        f'{what} Loading the {diff.matched} entries that fit '
        f'(--allow-partial-checkpoint); the rest keep their initialisation.',
        logger='current',
        level=logging.WARNING)
    return diff


def load_matching_checkpoint(model: nn.Module,
                             filename: str,
                             map_location: str = 'cpu',
                             allow_partial: bool = False,
                             remedy: str = PARTIAL_REMEDY) -> dict:
    """mmengine's ``load_checkpoint``, refusing a checkpoint that does not
    fit the model before loading it (:func:`check_checkpoint_matches`, with
    ``allow_partial`` and ``remedy``); returns the checkpoint."""
    from mmengine.runner.checkpoint import (_load_checkpoint,
                                            _load_checkpoint_to_model)
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    check_checkpoint_matches(model, checkpoint, filename, allow_partial,
                             remedy)
    _load_checkpoint_to_model(model, checkpoint, strict=False)
    return checkpoint
