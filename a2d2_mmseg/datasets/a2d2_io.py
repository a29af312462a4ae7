"""Moved to the A2D2 core: :mod:`a2d2_mmseg.a2d2.images`. This alias keeps
the old import path working; import from :mod:`a2d2_mmseg.a2d2` (no torch
needed)."""
from ..a2d2.images import (COLOR_TYPES, MAX_IMAGE_SIDE,  # noqa: F401
                           PNG_COLOUR_TYPES, PNG_SIGNATURE, A2D2FileError,
                           A2D2ImageError, A2D2LabelError, check_header_size,
                           image_size, imdecode_no_orientation, jpeg_size,
                           png_colour_type, png_size, png_structure_error,
                           read_image_file, structure_error)
