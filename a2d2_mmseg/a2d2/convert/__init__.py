"""The converter: A2D2 trees with colour labels to resized images + index
masks."""
from a2d2_mmseg.a2d2.convert.a2d2 import (IMG_FORMATS, PENDING_MARKER,
                                          SEED_SPLITS_DIR, convert,
                                          parse_size)
from a2d2_mmseg.a2d2.convert.files import (LOCK_FILE, STATE_FILE,
                                           ConversionError, OutputError)
from a2d2_mmseg.a2d2.convert.frame import UNKNOWN_KEY, read_png_text
from a2d2_mmseg.a2d2.convert.pool import WorkerDiedError, run_tasks
from a2d2_mmseg.a2d2.convert.summary import SUMMARY_FILE

__all__ = [
    'convert', 'parse_size', 'run_tasks', 'read_png_text', 'ConversionError',
    'OutputError', 'WorkerDiedError', 'IMG_FORMATS', 'PENDING_MARKER',
    'LOCK_FILE', 'STATE_FILE', 'SUMMARY_FILE', 'UNKNOWN_KEY',
    'SEED_SPLITS_DIR'
]
