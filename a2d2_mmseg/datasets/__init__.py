"""A2D2 as mmseg components: :class:`A2D2Dataset` and the loading
transforms, registered in mmseg's registries on import. They are thin
adapters over the A2D2 core (:mod:`a2d2_mmseg.a2d2`, no torch needed)."""
from a2d2_mmseg.a2d2 import (A2D2ImageError, A2D2LabelError, A2D2LayoutError,
                             UnknownColourWarning)
from a2d2_mmseg.datasets.a2d2 import A2D2Dataset
from a2d2_mmseg.datasets.transforms import (LoadA2D2Annotations,
                                            LoadA2D2ImageFromFile)

__all__ = [
    'A2D2Dataset', 'LoadA2D2Annotations', 'LoadA2D2ImageFromFile',
    'A2D2LayoutError', 'A2D2ImageError', 'A2D2LabelError',
    'UnknownColourWarning'
]
