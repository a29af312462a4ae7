from .a2d2 import A2D2Dataset
from .a2d2_layout import A2D2LayoutError
from .a2d2_meta import (A2D2_CLASS_LIST, REDUCED_CLASSES, ClassListError,
                        build_class_set, get_mapper)
from .transforms import (A2D2LabelError, LoadA2D2Annotations,
                         UnknownColourWarning)

__all__ = [
    'A2D2Dataset', 'LoadA2D2Annotations', 'A2D2_CLASS_LIST',
    'REDUCED_CLASSES', 'build_class_set', 'get_mapper', 'ClassListError',
    'A2D2LayoutError', 'A2D2LabelError', 'UnknownColourWarning'
]
