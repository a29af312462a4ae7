"""Dataset converters: the A2D2 raw tree to resized images + index masks.

``tools/dataset_converters/a2d2.py`` is the command line of :func:`convert`.
"""
from .a2d2 import (FORMAT, IMG_FORMATS, PENDING_MARKER, VERSION, convert,
                   parse_scenes, parse_size)
from .files import LOCK_FILE, ConversionError, OutputError, OutputLock
from .frame import UNKNOWN_KEY, read_png_text
from .pool import WorkerDiedError, die_with_parent, run_tasks
from .state import STATE_FILE, FrameState
from .summary import SUMMARY_FILE, format_summary, summarise

__all__ = [
    'convert', 'parse_size', 'parse_scenes', 'format_summary', 'summarise',
    'run_tasks', 'die_with_parent', 'read_png_text', 'ConversionError',
    'OutputError', 'WorkerDiedError', 'OutputLock', 'FrameState', 'FORMAT',
    'VERSION', 'IMG_FORMATS', 'PENDING_MARKER', 'LOCK_FILE', 'STATE_FILE',
    'SUMMARY_FILE', 'UNKNOWN_KEY'
]
