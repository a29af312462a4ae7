"""A2D2's label classes as the generator uses them (indices, palette)."""
from typing import Dict

import numpy as np

from a2d2_mmseg.a2d2.class_list import A2D2_CLASS_LIST, category_of, hex_to_rgb
from a2d2_mmseg.a2d2.layout import RAW_DIR
from a2d2_mmseg.a2d2.scenes import CAMERA

__all__ = [
    'A2D2_CLASS_LIST', 'CAMERA', 'CLASS_INDEX', 'PALETTE', 'RAW_DIR',
    'category_of'
]

# Label name -> index into A2D2_CLASS_LIST.
CLASS_INDEX: Dict[str, int] = {
    name: i for i, (_, name) in enumerate(A2D2_CLASS_LIST)}
# Index -> RGB colour, uint8 [55, 3]: PALETTE[index] is the colour label.
PALETTE = np.array([hex_to_rgb(h) for h, _ in A2D2_CLASS_LIST],
                   dtype=np.uint8)
