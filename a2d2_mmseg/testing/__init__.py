"""Helpers for tests and benchmarks: tiny A2D2 trees written from arrays
(:mod:`.tree`). Not imported by ``import a2d2_mmseg.plugin``."""
from .tree import (COLOUR, label_from_names, raw_paths, stamp, write_png,
                   write_raw_tree)

__all__ = [
    'COLOUR', 'write_png', 'stamp', 'raw_paths', 'label_from_names',
    'write_raw_tree'
]
