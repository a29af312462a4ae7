from .cross_entropy_loss import (IgnoreSafeCrossEntropyLoss,
                                 weighted_cross_entropy)

__all__ = ['IgnoreSafeCrossEntropyLoss', 'weighted_cross_entropy']
