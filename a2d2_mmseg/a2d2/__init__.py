"""The A2D2 core: everything about A2D2's files, without torch or mmseg.

Standard library, numpy and OpenCV only, so data preparation runs where
torch is not installed; the mmseg side (``datasets/``) adapts it. Modules
from the bottom up: class_list, class_sets, colours, images, npy_masks,
labels, scenes, layout (docs/design.md).
"""
from a2d2_mmseg.a2d2.class_list import (A2D2_CATEGORIES, A2D2_CLASS_LIST,
                                        ClassListError, UnknownClassError,
                                        UnknownClassWarning, hex_to_rgb,
                                        parse_class_list, parse_json)
from a2d2_mmseg.a2d2.class_sets import (IGNORE_INDEX, NOT_SCENE_CATEGORIES,
                                        REDUCED_CLASS_SET, REDUCED_CLASSES,
                                        ClassSetError, build_class_set,
                                        category_lut, class_set_key,
                                        class_set_name, class_set_spec)
from a2d2_mmseg.a2d2.colours import (ColourMapper, get_mapper, pack_bgr,
                                     pack_rgb)
from a2d2_mmseg.a2d2.images import (MAX_IMAGE_SIDE, A2D2FileError,
                                    A2D2ImageError, A2D2LabelError,
                                    imdecode_no_orientation, read_image_file)
from a2d2_mmseg.a2d2.labels import (LabelDecoder, UnknownColourWarning,
                                    decode_index_mask, decode_rgb_label,
                                    get_decoder)
from a2d2_mmseg.a2d2.layout import (check_layout_name, detect_layout,
                                    get_layout, read_converted_meta, scan)
from a2d2_mmseg.a2d2.npy_masks import load_npy_mask
from a2d2_mmseg.a2d2.scenes import (CAMERAS, A2D2LayoutError, parse_cameras,
                                    read_scene_list)

__all__ = [
    'A2D2_CLASS_LIST', 'A2D2_CATEGORIES', 'ClassListError',
    'UnknownClassError', 'UnknownClassWarning', 'hex_to_rgb',
    'parse_class_list', 'parse_json', 'IGNORE_INDEX', 'REDUCED_CLASS_SET',
    'REDUCED_CLASSES', 'NOT_SCENE_CATEGORIES', 'ClassSetError',
    'build_class_set', 'category_lut', 'class_set_key', 'class_set_name',
    'class_set_spec', 'ColourMapper', 'get_mapper', 'pack_rgb', 'pack_bgr',
    'MAX_IMAGE_SIDE', 'A2D2FileError', 'A2D2ImageError', 'A2D2LabelError',
    'imdecode_no_orientation', 'read_image_file', 'LabelDecoder',
    'UnknownColourWarning', 'decode_index_mask', 'decode_rgb_label',
    'get_decoder', 'load_npy_mask', 'CAMERAS', 'get_layout',
    'check_layout_name', 'A2D2LayoutError', 'detect_layout', 'parse_cameras',
    'read_converted_meta', 'read_scene_list', 'scan'
]
