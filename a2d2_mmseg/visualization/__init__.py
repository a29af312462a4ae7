"""Visual results: palette colouring, overlays, legends, panels, and the
registered :class:`A2D2SegVisualizer` (:mod:`.visualizer`)."""
from a2d2_mmseg.visualization.legend import (classes_present,
                                             legend_entries, legend_patches,
                                             legend_strip)
from a2d2_mmseg.visualization.overlay import blend, overlay_mask
from a2d2_mmseg.visualization.palette import (IGNORE_COLOUR, colorize,
                                              palette_array)
from a2d2_mmseg.visualization.panels import (fit_width, hstack_panels,
                                             label_panel, text_font,
                                             vstack_panels)
from a2d2_mmseg.visualization.visualizer import (A2D2SegVisualizer,
                                                 backend_cfgs)

__all__ = [
    'IGNORE_COLOUR', 'palette_array', 'colorize', 'blend', 'overlay_mask',
    'classes_present', 'legend_entries', 'legend_patches', 'legend_strip',
    'text_font', 'fit_width', 'label_panel', 'hstack_panels', 'vstack_panels',
    'A2D2SegVisualizer', 'backend_cfgs'
]
