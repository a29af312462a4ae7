from a2d2_mmseg.models.layers.lite_pixel_decoder import LitePixelDecoder
from a2d2_mmseg.models.layers.lite_transformer_decoder import (
    LiteTransformerDecoder, sine_positional_encoding)

__all__ = [
    'LitePixelDecoder', 'LiteTransformerDecoder', 'sine_positional_encoding'
]
