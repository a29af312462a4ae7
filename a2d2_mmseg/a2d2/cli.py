"""Command-line options shared by the converter and the checker."""
import argparse

from a2d2_mmseg.a2d2.layout import LAYOUTS


def add_tree_options(parser: argparse.ArgumentParser, verb: str,
                     layout_help: str) -> None:
    """Add ``--scenes``, ``--layout``, ``--cameras`` and ``--nproc``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        verb (str): What the tool does to the scenes, for ``--scenes``' help.
        layout_help (str): The help of ``--layout``.
    """
    parser.add_argument(
        '--scenes', default=None,
        help=f"scenes to {verb}: 'train', 'val' or 'test' (the shipped "
        'split lists), a text file with one scene per line, S1,S2,... or '
        "'all' (default: all scenes found)")
    parser.add_argument('--layout', choices=LAYOUTS, default='auto',
                        help=layout_help)
    parser.add_argument(
        '--cameras', default=None,
        help="'all' or camera names, e.g. front_center,front_left "
        '(default: front_center)')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes (default: 1)')
