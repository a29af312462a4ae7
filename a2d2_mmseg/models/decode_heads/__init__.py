from .mask2former_lite_head import Mask2FormerLiteHead
from .unet_head import UNetDecodeHead

__all__ = ['UNetDecodeHead', 'Mask2FormerLiteHead']
