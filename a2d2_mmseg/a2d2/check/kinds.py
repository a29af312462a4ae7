"""The kinds of problem the checker reports, in report order."""
from collections import OrderedDict
from typing import Tuple

ERROR, WARNING = 'error', 'warning'
#: Files listed per kind of problem in the text report before "... and N
#: more".
MAX_SHOWN = 10

#: kind -> (severity, what it means). Their order is the report's order.
KINDS: 'OrderedDict[str, Tuple[str, str]]' = OrderedDict([
    ('no_data', (ERROR, 'data_root missing or holds no A2D2 data')),
    ('bad_scene_list', (ERROR, 'the scene list cannot be used')),
    ('class_list_missing', (ERROR, 'class_list.json not found')),
    ('class_list_malformed', (ERROR, 'class_list.json is not a valid '
                              'colour -> name object')),
    ('class_list_duplicate_colour', (ERROR, 'class_list.json lists a colour '
                                     'twice')),
    ('class_list_not_a2d2', (ERROR, "class_list.json entries that are not "
                             "A2D2's (unknown colour or renamed class) or "
                             'missing entries')),
    ('bad_marker', (ERROR, 'the converter marker cannot be read')),
    ('missing_folder', (ERROR, 'a folder of the layout is missing')),
    ('no_scenes', (ERROR, 'no scene folders')),
    ('missing_scene', (ERROR, 'a scene named in the scene list is not '
                       'there')),
    ('empty_scene', (ERROR, 'a scene without frames')),
    ('malformed_seed_list', (ERROR, 'a seed list that cannot be read')),
    ('seed_image_outside_root', (ERROR, 'a seed list entry whose image is '
                                 'not inside data_root (.., absolute path, '
                                 'symbolic link leading out)')),
    ('duplicate_seed_entry', (ERROR, 'a seed list names an image twice (it '
                              "would get another frame's mask)")),
    ('missing_file', (ERROR, 'a file named by a seed list is missing')),
    ('no_frames', (ERROR, 'a seed list selects no frames')),
    ('unexpected_file_name', (ERROR, 'a file whose name does not fit the '
                              'layout')),
    ('duplicate_frame', (ERROR, 'a frame id appears twice in a folder')),
    ('image_without_label', (ERROR, 'an image without its label')),
    ('label_without_image', (ERROR, 'a label without its image')),
    ('unreadable_file', (ERROR, 'a file that cannot be read')),
    ('empty_file', (ERROR, 'a zero-byte file')),
    ('too_large', (ERROR, 'a header that declares more pixels per side than '
                   '--max-side (refused before decoding)')),
    ('corrupt_image', (ERROR, 'an image that does not decode (truncated or '
                       'corrupt)')),
    ('not_png', (ERROR, 'a label that is not a PNG file')),
    ('corrupt_label', (ERROR, 'a label that does not decode (truncated or '
                       'corrupt)')),
    ('wrong_label_type', (ERROR, 'a label of the wrong type (e.g. grayscale, '
                          'RGBA or palette where RGB is expected)')),
    ('size_mismatch', (ERROR, 'a label whose size differs from its '
                       "image's")),
    ('out_of_range_values', (ERROR, 'mask values that are neither a class '
                             'index nor 255')),
    ('not_one_hot', (ERROR, 'a one-hot seed mask with pixels that do not '
                     'hold exactly one 1')),
    ('wrong_class_count', (ERROR, 'a one-hot seed mask whose class axis '
                           'does not have the class count of the class '
                           'set')),
    ('check_failed', (ERROR, 'checking a file raised an unexpected error')),
    ('class_list_unknown_allowed', (WARNING, "class_list.json entries that "
                                    "are not A2D2's, loaded as 255 "
                                    '(--allow-unknown-classes)')),
    ('unknown_colours', (WARNING, 'label colours not in class_list.json '
                         '(loaded as 255, ignored)')),
    ('mask_size_varies', (WARNING, "a seed mask whose size is not the one "
                          "most of the split's masks have (kept as stored: "
                          "mask_size='stored')")),
])


def problem(kind: str, path: str, message: str, **extra) -> dict:
    """One problem of the report.

    Args:
        kind (str): A key of :data:`KINDS`.
        path (str): The file or folder it is about.
        message (str): What is wrong; starts with the path.
        **extra: Details kept in the JSON report (e.g. ``colours``).

    Returns:
        dict: ``dict(kind, path, message, **extra)``; the severity is added
        when the report is built.
    """
    return dict(kind=kind, path=path, message=message, **extra)
