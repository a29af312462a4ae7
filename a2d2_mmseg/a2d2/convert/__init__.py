"""The converter: A2D2 trees with colour labels to resized images + index
masks."""
from a2d2_mmseg.a2d2.convert.a2d2 import (FORMAT, IMG_FORMATS,
                                          PENDING_MARKER, SEED_SPLITS_DIR,
                                          VERSION, convert, parse_size)
from a2d2_mmseg.a2d2.convert.source import (SOURCE_LAYOUTS,
                                            find_source_frames, frame_key,
                                            source_layout)
from a2d2_mmseg.a2d2.convert.files import LOCK_FILE, ConversionError, OutputError, OutputLock
from a2d2_mmseg.a2d2.convert.frame import UNKNOWN_KEY, read_png_text
from a2d2_mmseg.a2d2.convert.pool import WorkerDiedError, die_with_parent, run_tasks
from a2d2_mmseg.a2d2.convert.state import STATE_FILE, FrameState
from a2d2_mmseg.a2d2.convert.summary import SUMMARY_FILE, format_summary, summarise

__all__ = [
    'convert', 'parse_size', 'format_summary', 'summarise',
    'run_tasks', 'die_with_parent', 'read_png_text', 'ConversionError',
    'OutputError', 'WorkerDiedError', 'OutputLock', 'FrameState', 'FORMAT',
    'VERSION', 'IMG_FORMATS', 'PENDING_MARKER', 'LOCK_FILE', 'STATE_FILE',
    'SUMMARY_FILE', 'UNKNOWN_KEY', 'SOURCE_LAYOUTS', 'SEED_SPLITS_DIR',
    'find_source_frames', 'frame_key', 'source_layout'
]
