"""Check an A2D2 tree and report every problem at once.

``tools/misc/check_a2d2.py`` is the command line of :func:`check`. It reads
every layout :class:`A2D2Dataset` reads, for the cameras asked for, but
where the dataset stops at the first problem it looks at every scene and
file: the tree, its class list, the scene list and the pairing
(:mod:`.tree`, through the dataset's scanner); every file, paired or not,
decoded exactly as the dataset decodes it (:mod:`.frame`); unknown colours
and out-of-range mask values. Each problem has a kind of :data:`KINDS`
(:mod:`.kinds`). The report (:mod:`.report`) is a JSON-ready dict;
:func:`format_report` prints frames per split, the problems grouped by
kind and a table of counts.
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
