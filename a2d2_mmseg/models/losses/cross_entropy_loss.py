"""Cross-entropy with class weights that tolerates ignored (255) pixels.

mmseg 1.2.2's ``CrossEntropyLoss`` computes the class-weighted average factor
with ``class_weight[label]`` before dropping ignored pixels, so any label that
holds 255 (ignored A2D2 categories, unknown colours, ``seg_pad_val`` padding)
raises ``IndexError`` as soon as ``class_weight`` is set
(open-mmlab/mmsegmentation#3734). This loss keeps mmseg's interface and
unweighted behaviour and fixes the weighted average.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss
from mmseg.models.losses.utils import weight_reduce_loss
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
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.use_sigmoid or self.use_mask:
            raise ValueError('IgnoreSafeCrossEntropyLoss supports softmax '
                             'cross-entropy only')
        self.cls_criterion = weighted_cross_entropy
