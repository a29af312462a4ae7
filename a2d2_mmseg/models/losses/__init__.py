from a2d2_mmseg.models.losses.cross_entropy_loss import (
    MAX_CLASS_WEIGHT_RATIO, IgnoreSafeCrossEntropyLoss, check_class_weight,
    load_class_weight_file, weighted_cross_entropy)

__all__ = [
    'IgnoreSafeCrossEntropyLoss', 'load_class_weight_file',
    'weighted_cross_entropy', 'check_class_weight', 'MAX_CLASS_WEIGHT_RATIO'
]
