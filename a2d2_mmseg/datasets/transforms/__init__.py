from .loading import (A2D2LabelError, LoadA2D2Annotations,
                      UnknownColourWarning)

__all__ = ['LoadA2D2Annotations', 'A2D2LabelError', 'UnknownColourWarning']
