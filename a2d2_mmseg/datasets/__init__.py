from .a2d2 import A2D2Dataset
from .a2d2_io import (MAX_IMAGE_SIDE, A2D2FileError, A2D2ImageError,
                      imdecode_no_orientation)
from .a2d2_layout import CAMERAS, A2D2LayoutError, parse_cameras
from .a2d2_meta import (A2D2_CATEGORIES, A2D2_CLASS_LIST, REDUCED_CLASS_SET,
                        REDUCED_CLASSES, ClassListError, ClassSetError,
                        UnknownClassError, UnknownClassWarning,
                        build_class_set, get_mapper)
from .transforms import (A2D2LabelError, LoadA2D2Annotations,
                         LoadA2D2ImageFromFile, UnknownColourWarning)

__all__ = [
    'A2D2Dataset', 'LoadA2D2Annotations', 'LoadA2D2ImageFromFile',
    'A2D2_CLASS_LIST', 'A2D2_CATEGORIES', 'REDUCED_CLASSES',
    'REDUCED_CLASS_SET', 'build_class_set', 'get_mapper', 'ClassListError',
    'ClassSetError', 'UnknownClassError', 'UnknownClassWarning',
    'A2D2LayoutError', 'A2D2FileError', 'A2D2ImageError', 'A2D2LabelError',
    'UnknownColourWarning', 'MAX_IMAGE_SIDE', 'imdecode_no_orientation',
    'CAMERAS', 'parse_cameras'
]
