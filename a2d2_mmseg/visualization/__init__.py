"""Visual results: palette colouring and blending, legends, panels, and the
registered :class:`A2D2SegVisualizer` (:mod:`.visualizer`)."""
from a2d2_mmseg.visualization.legend import (classes_present,
                                             legend_entries, legend_patches,
                                             legend_strip)
from a2d2_mmseg.visualization.palette import IGNORE_COLOUR, blend, colorize
from a2d2_mmseg.visualization.panels import (fit_width, label_panel,
                                             stack_panels, text_font)
from a2d2_mmseg.visualization.visualizer import A2D2SegVisualizer

__all__ = [
    'IGNORE_COLOUR', 'colorize', 'blend',
    'classes_present', 'legend_entries', 'legend_patches', 'legend_strip',
    'text_font', 'fit_width', 'label_panel', 'stack_panels',
    'A2D2SegVisualizer'
]
