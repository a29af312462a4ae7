"""Moved to the A2D2 core: :mod:`a2d2_mmseg.a2d2.class_list`,
:mod:`~a2d2_mmseg.a2d2.class_sets` and :mod:`~a2d2_mmseg.a2d2.colours`.
This alias keeps the old import path working; import from
:mod:`a2d2_mmseg.a2d2` (no torch needed)."""
from ..a2d2.class_list import (A2D2_CATEGORIES, A2D2_CLASS_LIST,  # noqa: F401
                               ClassListError, UnknownClassError,
                               UnknownClassWarning, category_of,
                               check_class_list, full_categories, hex_to_rgb,
                               parse_class_list)
from ..a2d2.class_sets import (CLASS_SET_KEYS, CLASS_SETS,  # noqa: F401
                               IGNORE_INDEX, NOT_SCENE_CATEGORIES,
                               REDUCED_CLASS_SET, REDUCED_CLASSES, ClassSet,
                               ClassSetError, build_class_set, category_lut,
                               class_set_key, class_set_name, class_set_spec)
from ..a2d2.colours import (MAX_SNAP_DISTANCE, ColourMapper,  # noqa: F401
                            get_mapper, pack_bgr, pack_rgb)
