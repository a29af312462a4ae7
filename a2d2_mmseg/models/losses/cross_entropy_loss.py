"""Cross-entropy with class weights that tolerates ignored (255) pixels.

mmseg 1.2.2's ``CrossEntropyLoss`` indexes ``class_weight[label]`` before
dropping ignored pixels, so a label holding 255 raises ``IndexError`` once
``class_weight`` is set (open-mmlab/mmsegmentation#3734). Class weights are
validated before training and read from a list or JSON only, never from a
pickle (mmseg's ``get_class_weight`` unpickles ``.pkl`` files).
"""
import math
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss
from mmseg.models.losses.utils import weight_reduce_loss
from mmseg.registry import MODELS

from a2d2_mmseg.a2d2 import parse_json

#: The largest accepted ratio between the largest and the smallest class
#: weight (uncapped median-frequency weights of A2D2 reach ~8,000); it keeps
#: the smallest normalised weight (>= 1e-6) a normal float32.
MAX_CLASS_WEIGHT_RATIO = 1e6


def weighted_cross_entropy(pred: torch.Tensor,
                           label: torch.Tensor,
                           weight: Optional[torch.Tensor] = None,
                           class_weight: Optional[torch.Tensor] = None,
                           reduction: str = 'mean',
                           avg_factor: Optional[float] = None,
                           ignore_index: int = 255,
                           avg_non_ignore: bool = False,
                           **kwargs) -> torch.Tensor:
    """Pixel-wise cross-entropy, mmseg's semantics, safe with ignored pixels.

    Args:
        pred (torch.Tensor): Logits, shape [N, C, H, W].
        label (torch.Tensor): Class indices, shape [N, H, W]; ``ignore_index``
            pixels do not contribute.
        weight (torch.Tensor, optional): Pixel-wise weights [N, H, W].
        class_weight (torch.Tensor, optional): Per-class weights [C].
        avg_factor (float, optional): Denominator of the mean.
        avg_non_ignore (bool): Without class weights, average over the
            non-ignored pixels only (mmseg's flag). With class weights the
            mean is always sum(loss) / sum(class_weight[label]) over the
            non-ignored pixels, as in ``torch.nn.functional.cross_entropy``.
    """
    loss = F.cross_entropy(
        pred, label, weight=class_weight, reduction='none',
        ignore_index=ignore_index)
    if avg_factor is None and reduction == 'mean':
        valid = label != ignore_index
        if class_weight is None:
            avg_factor = (valid.sum().item()
                          if avg_non_ignore else label.numel())
        else:
            safe = torch.where(valid, label, torch.zeros_like(label))
            avg_factor = (class_weight[safe] * valid).sum()
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(
        loss, weight=weight, reduction=reduction, avg_factor=avg_factor)


@MODELS.register_module()
class IgnoreSafeCrossEntropyLoss(CrossEntropyLoss):
    """mmseg's ``CrossEntropyLoss`` whose class-weighted mean works with 255.

    Softmax only (no ``use_sigmoid``, ``use_mask``). The weights are checked
    by :func:`check_class_weight`, their count against the logits' classes
    in :meth:`forward`. ``self.class_weight`` keeps them as given; the loss
    uses them divided by the largest (``self.normalized_class_weight``): the
    class-weighted mean is unchanged and float32 sums stay finite at any
    scale (with ``reduction='sum'``/``'none'`` or an explicit
    ``avg_factor`` the loss is that of the normalised weights).

    Args:
        class_weight (list[float] | str, optional): Per-class weights, or the
            path of the class-weight tool's ``*.json``
            (:func:`load_class_weight_file`).
        class_weight_hint (str, optional): The command that writes a missing
            ``class_weight`` file, shown in the error.
        *args, **kwargs: The other arguments of mmseg's
            ``CrossEntropyLoss``.

    Raises:
        FileNotFoundError: The ``class_weight`` file does not exist.
        ValueError: The weights or their file are refused.
    """

    def __init__(self,
                 *args,
                 class_weight: Union[None, str, Sequence[float]] = None,
                 class_weight_hint: Optional[str] = None,
                 **kwargs) -> None:
        self.class_weight_file = None
        if isinstance(class_weight, str):
            self.class_weight_file = class_weight
            class_weight = load_class_weight_file(class_weight,
                                                  class_weight_hint)
        elif class_weight is not None:
            class_weight = check_class_weight(class_weight,
                                              'class_weight list')
        super().__init__(*args, class_weight=class_weight, **kwargs)
        self.normalized_class_weight = None
        if class_weight is not None:
            largest = max(class_weight)
            self.normalized_class_weight = [w / largest for w in class_weight]
        if self.use_sigmoid or self.use_mask:
            raise ValueError('IgnoreSafeCrossEntropyLoss supports softmax '
                             'cross-entropy only')
        self.cls_criterion = weighted_cross_entropy

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = -100,
                **kwargs) -> torch.Tensor:
        """mmseg's ``CrossEntropyLoss.forward`` of logits ``[N, C, H, W]``
        against labels ``[N, H, W]``, with the normalised class weights
        (``ValueError`` when there are not C)."""
        if (self.class_weight is not None
                and len(self.class_weight) != cls_score.shape[1]):
            source = (f' from {self.class_weight_file}'
                      if self.class_weight_file else '')
            raise ValueError(
                f'{len(self.class_weight)} class weights{source} for a model '
                f'of {cls_score.shape[1]} classes: compute the weights with '
                'the class set the model is trained on')
        assert reduction_override in (None, 'none', 'mean', 'sum')
        class_weight = (None if self.normalized_class_weight is None else
                        cls_score.new_tensor(self.normalized_class_weight))
        return self.loss_weight * self.cls_criterion(
            cls_score,
            label,
            weight,
            class_weight=class_weight,
            reduction=reduction_override or self.reduction,
            avg_factor=avg_factor,
            avg_non_ignore=self.avg_non_ignore,
            ignore_index=ignore_index,
            **kwargs)


def check_class_weight(weights,
                       source: str,
                       classes: Optional[Sequence[str]] = None
                       ) -> List[float]:
    """Per-class weights as floats, validated.

    Args:
        weights: The weights, a list (or tuple) of numbers.
        source (str): Where they come from, for the errors.
        classes (Sequence[str], optional): The class names, when known: the
            count must match and errors name the class.

    Raises:
        ValueError: Not a non-empty list of numbers, a count other than
            ``len(classes)``, a weight that is not finite or not positive,
            or a largest / smallest ratio above
            :data:`MAX_CLASS_WEIGHT_RATIO`.
    """
    if (not isinstance(weights, (list, tuple)) or not weights or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool)
            for w in weights)):
        raise ValueError(f'{source}: expected a list of numbers, one per '
                         "class (the 'weights' list that "
                         'tools/analysis/a2d2_class_weights.py writes)')
    if classes is not None and len(classes) != len(weights):
        raise ValueError(f'{source}: {len(weights)} weights for '
                         f'{len(classes)} classes')

    def name(i):
        return f'class {i}' + (f' ({classes[i]})' if classes else '')

    values = []
    for i, w in enumerate(weights):
        try:
            value = float(w)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise ValueError(f'{source}: the weight of {name(i)} is {w!r}; '
                             'class weights must be finite')
        if value <= 0:
            raise ValueError(
                f'{source}: the weight of {name(i)} is {w!r}; class weights '
                'must be positive (a zero weight drops the class from the '
                'loss, a negative one trains against it)')
        values.append(value)
    ratio = max(values) / min(values)
    if ratio > MAX_CLASS_WEIGHT_RATIO:
        big, small = values.index(max(values)), values.index(min(values))
        raise ValueError(
            f'{source}: the weight of {name(big)} is {ratio:.3g} times the '
            f'weight of {name(small)}, above the bound of '
            f'{MAX_CLASS_WEIGHT_RATIO:.0e}; cap them (e.g. '
            'tools/analysis/a2d2_class_weights.py --max-ratio)')
    return values


def load_class_weight_file(path: str,
                           hint: Optional[str] = None) -> List[float]:
    """Per-class weights from the ``*.json`` of
    ``tools/analysis/a2d2_class_weights.py`` (``weights`` and ``classes``)
    or a plain JSON list; no other file type is read.

    Raises:
        FileNotFoundError: The file does not exist (the message gives
            ``hint``, the command that writes it, or the tool's).
        ValueError: Not a ``.json`` file, malformed JSON, or weights
            :func:`check_class_weight` refuses.
    """
    if not path.endswith('.json'):
        raise ValueError(
            f'{path}: class weights are read from the JSON file '
            'tools/analysis/a2d2_class_weights.py writes, or from a list in '
            'the config; other files are refused (a .pkl runs code when it '
            'is loaded)')
    if not osp.isfile(path):
        prefix = path[:-len('.json')]
        hint = hint or ('python tools/analysis/a2d2_class_weights.py '
                        f'--config <your config> -o {prefix}')
        raise FileNotFoundError(
            f'class weight file {path} not found (relative paths are from '
            f'{os.getcwd()}); write it with: {hint}')
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as err:
        raise ValueError(f'{path}: not readable ({err})') from err
    content = parse_json(raw, path, ValueError)
    weights = content.get('weights') if isinstance(content, dict) else content
    classes = content.get('classes') if isinstance(content, dict) else None
    if classes is not None and not isinstance(classes, list):
        raise ValueError(f"{path}: 'classes' is not a list of class names")
    return check_class_weight(weights, path, classes)
