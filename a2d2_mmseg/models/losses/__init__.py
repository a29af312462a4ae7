from .cross_entropy_loss import (IgnoreSafeCrossEntropyLoss,
                                 load_class_weight_file,
                                 weighted_cross_entropy)

__all__ = [
    'IgnoreSafeCrossEntropyLoss', 'load_class_weight_file',
    'weighted_cross_entropy'
]
