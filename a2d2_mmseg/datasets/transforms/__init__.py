from .load_image import LoadA2D2ImageFromFile
from .loading import (A2D2LabelError, LoadA2D2Annotations,
                      UnknownColourWarning)
from .resize_as_original import ResizeAsOriginal

__all__ = [
    'LoadA2D2Annotations', 'LoadA2D2ImageFromFile', 'A2D2LabelError',
    'UnknownColourWarning', 'ResizeAsOriginal'
]
