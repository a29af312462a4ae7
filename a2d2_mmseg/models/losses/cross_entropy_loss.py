"""Cross-entropy with class weights that tolerates ignored (255) pixels.

mmseg 1.2.2's ``CrossEntropyLoss`` computes the class-weighted average factor
with ``class_weight[label]`` before dropping ignored pixels, so any label that
holds 255 (ignored A2D2 categories, unknown colours, ``seg_pad_val`` padding)
raises ``IndexError`` as soon as ``class_weight`` is set
(open-mmlab/mmsegmentation#3734). This loss keeps mmseg's interface and
unweighted behaviour and fixes the weighted average, and it reads its
weights from the class-weight tool's JSON file.
"""
import json
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss
from mmseg.models.losses.utils import get_class_weight, weight_reduce_loss
from mmseg.registry import MODELS


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
        reduction (str): 'none', 'mean' or 'sum'. Defaults to 'mean'.
        avg_factor (float, optional): Denominator of the mean.
        ignore_index (int): Label value to ignore. Defaults to 255.
        avg_non_ignore (bool): Without class weights, average over the
            non-ignored pixels only (mmseg's flag). With class weights the
            mean is always sum(loss) / sum(class_weight[label]) over the
            non-ignored pixels, as in ``torch.nn.functional.cross_entropy``.

    Returns:
        torch.Tensor: The loss.
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

    Same arguments as :class:`mmseg.models.losses.CrossEntropyLoss`
    (``use_sigmoid`` and ``use_mask`` are not supported). Use it wherever
    ``class_weight`` is set: ``loss_decode=dict(type='IgnoreSafeCrossEntropyLoss',
    class_weight=[...], loss_weight=1.0)``.

    ``class_weight`` may also be the path of the JSON file written by
    ``tools/analysis/a2d2_class_weights.py`` (its ``weights`` list, see
    :func:`load_class_weight_file`): the configs of the seed study take their
    weights from that one command, and a missing file is refused with the
    command that writes it.

    Args:
        class_weight (list[float] | str, optional): Per-class weights, or a
            path: ``*.json`` written by the class-weight tool, or what
            mmseg's ``get_class_weight`` reads (``*.npy``, ``*.pkl``).
        class_weight_hint (str, optional): The command that writes a missing
            ``class_weight`` file, shown in the error.
        *args, **kwargs: The other arguments of mmseg's
            ``CrossEntropyLoss``.
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
        super().__init__(*args, class_weight=class_weight, **kwargs)
        if self.use_sigmoid or self.use_mask:
            raise ValueError('IgnoreSafeCrossEntropyLoss supports softmax '
                             'cross-entropy only')
        self.cls_criterion = weighted_cross_entropy

    def forward(self, cls_score: torch.Tensor, label: torch.Tensor, *args,
                **kwargs) -> torch.Tensor:
        """The loss of logits [N, C, H, W] against labels [N, H, W].

        Refuses class weights whose count is not C, naming their file.
        """
        if (self.class_weight is not None
                and len(self.class_weight) != cls_score.shape[1]):
            source = (f' from {self.class_weight_file}'
                      if self.class_weight_file else '')
            raise ValueError(
                f'{len(self.class_weight)} class weights{source} for a model '
                f'of {cls_score.shape[1]} classes: compute the weights with '
                'the class set the model is trained on')
        return super().forward(cls_score, label, *args, **kwargs)


def load_class_weight_file(path: str,
                           hint: Optional[str] = None) -> List[float]:
    """Read per-class weights from a file.

    Args:
        path (str): ``*.json`` written by
            ``tools/analysis/a2d2_class_weights.py`` (a dict with
            ``weights``, and ``classes`` beside them) or a plain JSON list;
            other suffixes go to mmseg's ``get_class_weight``.
        hint (str, optional): The command that writes the file, for the
            error when it is missing.

    Returns:
        list[float]: The weights, one per class.

    Raises:
        FileNotFoundError: The file does not exist (the message gives
            ``hint`` or the class-weight tool's command line).
        ValueError: The file holds no list of numbers.
    """
    if not osp.isfile(path):
        prefix = path[:-len('.json')] if path.endswith('.json') else path
        hint = hint or ('python tools/analysis/a2d2_class_weights.py '
                        f'--config <your config> -o {prefix}')
        raise FileNotFoundError(
            f'class weight file {path} not found (relative paths are from '
            f'{os.getcwd()}); write it with: {hint}')
    if not path.endswith('.json'):
        return list(get_class_weight(path))
    try:
        with open(path, encoding='utf-8') as f:
            content = json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f'{path}: not a readable JSON file ({err})') from err
    weights = content.get('weights') if isinstance(content, dict) else content
    if (not isinstance(weights, list) or not weights or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool)
            for w in weights)):
        raise ValueError(f"{path}: expected a 'weights' list of numbers, as "
                         'tools/analysis/a2d2_class_weights.py writes')
    if isinstance(content, dict) and 'classes' in content and len(
            content['classes']) != len(weights):
        raise ValueError(f"{path}: {len(weights)} weights for "
                         f"{len(content['classes'])} classes")
    return [float(w) for w in weights]
