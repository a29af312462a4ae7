from a2d2_mmseg.models.decode_heads.mask2former_lite_head import \
    Mask2FormerLiteHead
from a2d2_mmseg.models.decode_heads.unet_head import UNetDecodeHead

__all__ = ['UNetDecodeHead', 'Mask2FormerLiteHead']
