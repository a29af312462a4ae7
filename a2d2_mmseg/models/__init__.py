"""Models of a2d2_mmseg; importing registers the decode heads and the loss in mmseg's
``MODELS`` registry."""
from .decode_heads import Mask2FormerLiteHead, UNetDecodeHead
from .layers import LitePixelDecoder, LiteTransformerDecoder
from .losses import IgnoreSafeCrossEntropyLoss

__all__ = [
    'UNetDecodeHead', 'Mask2FormerLiteHead', 'LitePixelDecoder',
    'LiteTransformerDecoder', 'IgnoreSafeCrossEntropyLoss'
]
