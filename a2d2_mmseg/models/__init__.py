"""The plugin's models; importing registers the decode heads and the loss in
mmseg's ``MODELS`` registry."""
from a2d2_mmseg.models.decode_heads import Mask2FormerLiteHead, UNetDecodeHead
from a2d2_mmseg.models.layers import LitePixelDecoder, LiteTransformerDecoder
from a2d2_mmseg.models.losses import IgnoreSafeCrossEntropyLoss

__all__ = [
    'UNetDecodeHead', 'Mask2FormerLiteHead', 'LitePixelDecoder',
    'LiteTransformerDecoder', 'IgnoreSafeCrossEntropyLoss'
]
