"""The kinds of problem the checker reports, in report order."""
from typing import Dict, Tuple

ERROR, WARNING = 'error', 'warning'
#: Files listed per kind of problem in the text report before "... and N
#: more".
MAX_SHOWN = 10

#: kind -> (severity, what it means). Their order is the report's order.
KINDS: Dict[str, Tuple[str, str]] = {kind: (ERROR, what) for kind, what in {
    'no_data': 'data_root missing or holds no A2D2 data',
    'bad_scene_list': 'the scene list cannot be used',
    'class_list_missing': 'class_list.json not found',
    'class_list_malformed': 'class_list.json is not a valid colour -> name '
        'object',
    'class_list_duplicate_colour': 'class_list.json lists a colour twice',
    'class_list_not_a2d2': "class_list.json entries that are not A2D2's "
        '(unknown colour or renamed class) or missing entries',
    'bad_marker': 'the converter marker cannot be read',
    'missing_folder': 'a folder of the layout is missing',
    'no_scenes': 'no scene folders',
    'missing_scene': 'a scene named in the scene list is not there',
    'empty_scene': 'a scene without frames',
    'malformed_seed_list': 'a seed list that cannot be read',
    'seed_image_outside_root': 'a seed list entry whose image is not inside '
        'data_root (.., absolute path, symbolic link leading out)',
    'duplicate_seed_entry': 'a seed list names an image twice (it would get '
        "another frame's mask)",
    'missing_file': 'a file named by a seed list is missing',
    'no_frames': 'a seed list selects no frames',
    'unexpected_file_name': 'a file whose name does not fit the layout',
    'duplicate_frame': 'a frame id appears twice in a folder',
    'image_without_label': 'an image without its label',
    'label_without_image': 'a label without its image',
    'unreadable_file': 'a file that cannot be read',
    'empty_file': 'a zero-byte file',
    'too_large': 'a header that declares more pixels per side than '
        '--max-side (refused before decoding)',
    'corrupt_image': 'an image that does not decode (truncated or corrupt)',
    'not_png': 'a label that is not a PNG file',
    'corrupt_label': 'a label that does not decode (truncated or corrupt)',
    'wrong_label_type': 'a label of the wrong type (e.g. grayscale, RGBA or '
        'palette where RGB is expected)',
    'size_mismatch': "a label whose size differs from its image's",
    'out_of_range_values': 'mask values that are neither a class index nor '
        '255',
    'not_one_hot': 'a one-hot seed mask with pixels that do not hold exactly '
        'one 1',
    'wrong_class_count': 'a one-hot seed mask whose class axis does not have '
        'the class count of the class set',
    'check_failed': 'checking a file raised an unexpected error',
}.items()}
KINDS.update({kind: (WARNING, what) for kind, what in {
    'class_list_unknown_allowed': 'class_list.json entries that are not '
        "A2D2's, loaded as 255 (--allow-unknown-classes)",
    'unknown_colours': 'label colours not in class_list.json (loaded as 255, '
        'ignored)',
    'mask_size_varies': 'a seed mask whose size is not the one most of the '
        "split's masks have (kept as stored: mask_size='stored')",
}.items()})


def problem(kind: str, path: str, message: str, **extra) -> dict:
    """One problem of the report: ``dict(kind, path, message, **extra)``.

    ``kind`` is a key of :data:`KINDS`, ``message`` starts with ``path``,
    ``extra`` details stay in the JSON report; the severity is added when the
    report is built.
    """
    return dict(kind=kind, path=path, message=message, **extra)
