"""Check an A2D2 tree and report every problem at once.

``tools/misc/check_a2d2.py`` is the command line of :func:`check`. It works
on every layout :class:`A2D2Dataset` reads: the raw A2D2 tree
(``DATA_ROOT/camera_lidar_semantic/``), A2D2's 3D-box part
(``camera_lidar_semantic_bboxes/``), the seed study's split folders (every
split, or one: ``seed_split``), the output of
``tools/dataset_converters/a2d2.py`` and the seed study's
``preprocessed_masks``, for the cameras asked for (``cameras``, front centre
by default). Unlike :class:`A2D2Dataset`, which stops at the
first problem, the checker looks at every scene and every file;
:func:`format_report` prints the number of frames of each split (the seed's
split folders or lists, else the shipped train/val/test scene lists), all
problems grouped by kind (:data:`KINDS`; first files of each kind, then a
count), then a table of kinds with their counts.

What it checks:

* the tree (:mod:`.tree`): data_root exists and holds A2D2 data;
  ``class_list.json`` exists, is valid JSON, lists no colour twice and holds
  exactly A2D2's 55 colours and names (``allow_unknown_classes`` makes other
  entries a warning: they are loaded as 255); the scene list names only
  scenes that are there, each once; no scene is empty; every file name is
  expected; every image has its label and every label its image (paired by
  scene and frame id); a seed list names each image once, inside
  ``data_root``;
* every file, paired or not (:mod:`.frame`): not zero bytes, its header
  declares at most ``max_side`` pixels per side, decodes completely (images
  and labels are fully decoded with OpenCV exactly as the dataset decodes
  them, EXIF orientation ignored, so truncated or corrupt PNGs are caught);
  labels are 8-bit RGB PNGs (raw; grayscale / RGBA / palette are refused),
  single-channel uint8 PNGs (converted) or seed ``.npy`` masks, loaded by
  the dataset's own ``read_npy_file``/``load_npy_mask`` (the header is
  checked against the image before the rest is read): class indices, or
  one-hot ``[H, W, C]`` / ``[C, H, W]`` whose class axis has the class
  count of ``class_set`` (``wrong_class_count``) and exactly one 1 per pixel
  (``not_one_hot``); a label has the size of its image (compared from the
  PNG header before the label is decoded), except seed masks kept at their
  stored size (``mask_size='stored'``, the dataset's default for them),
  where a mask whose size is not its split's usual one is a warning
  (``mask_size_varies``);
* values: colours not in ``class_list.json`` (raw; a warning with pixel
  counts per colour unless ``strict``) and mask values that are neither a
  class index nor 255 (converted; seed, against ``class_set``).

The report (:mod:`.report`) is a JSON-ready dict; :func:`printable_report`
escapes file names that are not valid UTF-8 as ``\\xNN`` and
:func:`write_json_atomic` writes it through a temporary file.
"""
from a2d2_mmseg.a2d2.check.frame import check_frame, check_image, check_label
from a2d2_mmseg.a2d2.check.kinds import ERROR, KINDS, MAX_SHOWN, WARNING
from a2d2_mmseg.a2d2.check.report import (build_report, format_report, printable,
                     printable_report, quiet_opencv, write_json_atomic)
from a2d2_mmseg.a2d2.check.tree import check, check_class_list, run_frame_checks, scan

__all__ = [
    'check', 'format_report', 'printable', 'printable_report',
    'write_json_atomic', 'quiet_opencv', 'build_report', 'check_frame',
    'check_image', 'check_label', 'check_class_list', 'scan',
    'run_frame_checks', 'KINDS', 'ERROR', 'WARNING', 'MAX_SHOWN'
]
