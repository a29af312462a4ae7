"""Moved to the A2D2 core: :mod:`a2d2_mmseg.a2d2.layout` and
:mod:`~a2d2_mmseg.a2d2.scanning`. This alias keeps the old import path
working; import from :mod:`a2d2_mmseg.a2d2` (no torch needed)."""
from ..a2d2.layout import (_IMG_RE, _LABEL_RE, _SCENE_RE,  # noqa: F401
                           BBOX_DIR, CAMERA, CAMERA_TOKENS, CAMERAS,
                           CONVERTED_MARKER, DEFAULT_CAMERAS, DEFAULT_SPLITS,
                           LABEL_FORMATS, LAYOUTS, RAW_DIR, SEED_BBOX_DIR,
                           SEED_DIR, SEED_LAYOUTS, SEED_SPLITS, SPLITS_DIR,
                           A2D2LayoutError, class_list_path, detect_layout,
                           parse_cameras, parse_scenes_option,
                           read_converted_meta, read_scene_list,
                           resolve_scenes, resolve_seed_split)
from ..a2d2.scanning import (Scan, collect_bboxes,  # noqa: F401
                             collect_converted, collect_raw, collect_seed,
                             collect_seed_bboxes, scan, scan_bboxes,
                             scan_converted, scan_raw, scan_seed,
                             scan_seed_bboxes)
