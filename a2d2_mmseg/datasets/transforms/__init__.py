from a2d2_mmseg.datasets.transforms.load_image import LoadA2D2ImageFromFile
from a2d2_mmseg.datasets.transforms.loading import LoadA2D2Annotations
from a2d2_mmseg.datasets.transforms.resize_as_original import ResizeAsOriginal

__all__ = ['LoadA2D2Annotations', 'LoadA2D2ImageFromFile', 'ResizeAsOriginal']
