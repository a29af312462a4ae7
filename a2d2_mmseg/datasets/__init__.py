"""A2D2 as mmseg components: :class:`A2D2Dataset` and the loading
transforms, registered in mmseg's registries on import. They are thin
adapters over the A2D2 core (:mod:`a2d2_mmseg.a2d2`, no torch needed),
whose main names are re-exported here."""
from a2d2_mmseg.a2d2 import (A2D2_CATEGORIES, A2D2_CLASS_LIST, CAMERAS,
                    MAX_IMAGE_SIDE, REDUCED_CLASS_SET, REDUCED_CLASSES,
                    A2D2FileError, A2D2ImageError, A2D2LabelError,
                    A2D2LayoutError, ClassListError, ClassSetError,
                    UnknownClassError, UnknownClassWarning,
                    UnknownColourWarning, build_class_set, get_mapper,
                    imdecode_no_orientation, parse_cameras)
from a2d2_mmseg.datasets.a2d2 import A2D2Dataset
from a2d2_mmseg.datasets.transforms import LoadA2D2Annotations, LoadA2D2ImageFromFile

__all__ = [
    'A2D2Dataset', 'LoadA2D2Annotations', 'LoadA2D2ImageFromFile',
    'A2D2_CLASS_LIST', 'A2D2_CATEGORIES', 'REDUCED_CLASSES',
    'REDUCED_CLASS_SET', 'build_class_set', 'get_mapper', 'ClassListError',
    'ClassSetError', 'UnknownClassError', 'UnknownClassWarning',
    'A2D2LayoutError', 'A2D2FileError', 'A2D2ImageError', 'A2D2LabelError',
    'UnknownColourWarning', 'MAX_IMAGE_SIDE', 'imdecode_no_orientation',
    'CAMERAS', 'parse_cameras'
]
