"""Check an A2D2 tree and report every problem at once.

Where the dataset stops at the first problem, :func:`check` looks at every
scene and file (:mod:`.tree`), decoding as the dataset does; each problem
has a kind of :data:`KINDS`; :mod:`.report` formats it.
"""
from a2d2_mmseg.a2d2.check.report import (ERROR, KINDS, MAX_SHOWN, WARNING,
                                          format_report, printable,
                                          printable_report, quiet_opencv,
                                          write_json_atomic)
from a2d2_mmseg.a2d2.check.tree import check, check_frame

__all__ = [
    'check', 'format_report', 'printable', 'printable_report',
    'write_json_atomic', 'quiet_opencv', 'check_frame', 'KINDS', 'ERROR',
    'WARNING', 'MAX_SHOWN'
]
