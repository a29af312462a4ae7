"""The command lines of the converter (tools/dataset_converters/a2d2.py)
and the checker (tools/misc/check_a2d2.py), which share their tree
options."""
import argparse
import sys
from typing import List, Optional, Tuple

from a2d2_mmseg.a2d2.colours import MAX_SNAP_DISTANCE
from a2d2_mmseg.a2d2.images import MAX_IMAGE_SIDE
from a2d2_mmseg.a2d2.layout import BBOX_DIR, LAYOUTS, RAW_DIR
from a2d2_mmseg.a2d2.scenes import (SEED_SPLITS, A2D2LayoutError,
                                    parse_scenes_option)
from a2d2_mmseg.a2d2.convert import (IMG_FORMATS, ConversionError,
                                     WorkerDiedError, convert)
from a2d2_mmseg.a2d2.check.report import (MAX_SHOWN, format_report,
                                          printable, printable_report,
                                          quiet_opencv, write_json_atomic)
from a2d2_mmseg.a2d2.check.tree import check


def _tree_parser(description: str, verb: str, root_help: str,
                 layout_help: str,
                 seed_split_help: str) -> argparse.ArgumentParser:
    """A parser with ``data_root``, ``--scenes`` (``verb``: what the tool
    does to them), ``--layout``, ``--cameras``, ``--nproc``, ``--seed-split``
    (a seed split or 'all') and ``--snap-distance``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('data_root', help=root_help)
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
    parser.add_argument('--seed-split', choices=SEED_SPLITS + ('all', ),
                        default=None, help=seed_split_help)
    parser.add_argument(
        '--snap-distance', type=float, default=0,
        help='map colours within this RGB distance of exactly one palette '
        'colour to it, as LoadA2D2Annotations(snap_distance=...) '
        f'(0..{MAX_SNAP_DISTANCE}; default: 0, exact colours only)')
    return parser


def _tree_args(parser: argparse.ArgumentParser,
               argv: Optional[List[str]]) -> Tuple[str, dict]:
    """``(data_root, the other options as keyword arguments)`` from ``argv``
    (default ``sys.argv[1:]``), ``--scenes`` parsed."""
    kwargs = vars(parser.parse_args(argv))
    data_root = kwargs.pop('data_root')
    kwargs['scenes'] = parse_scenes_option(kwargs['scenes'], data_root)
    return data_root, kwargs


def convert_main(argv: Optional[List[str]] = None) -> int:
    """Run the conversion; 0 on success, 1 on an error (printed to stderr)."""
    parser = _tree_parser(
        'Convert A2D2 frames (RGB colour labels) into resized images and '
        'uint8 index masks of the 38 A2D2 categories, readable by '
        'A2D2Dataset.', 'convert',
        root_help=f'folder that holds {RAW_DIR}/ or {BBOX_DIR}/',
        layout_help="source arrangement: raw, bboxes (A2D2's 3D-box part), "
        "seed_bboxes (the seed's split folders) or auto (default); "
        'converted and seed are refused with the reason',
        seed_split_help='seed_bboxes: the split folder to convert (default: '
        'all; the scenes of each are listed in OUT/seed_splits/<split>.txt)')
    parser.add_argument('-o', '--out-dir', required=True,
                        help='output folder')
    parser.add_argument(
        '--size', default='512x512',
        help="output WxH, or 'original' to keep each frame's size "
        '(default: 512x512, as in the seed study)')
    parser.add_argument('--img-format', choices=IMG_FORMATS, default='png',
                        help='image format (jpg: quality 95; default: png)')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='replace an output folder made with other options and '
        'reconvert every frame')
    parser.add_argument('--fsync', action='store_true',
                        help='fsync every file before renaming it')
    parser.add_argument(
        '--lock-timeout', type=float, default=10.0,
        help='seconds to wait while another run converts into the same '
        'output folder, before giving up (default: 10)')
    data_root, kwargs = _tree_args(parser, argv)
    try:
        convert(data_root, **kwargs)
    except (ConversionError, A2D2LayoutError, WorkerDiedError,
            ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


def check_main(argv: Optional[List[str]] = None) -> int:
    """Check the tree, print the report, write it with ``--json``; the exit
    status (0 clean, 1 problems found, 2 bad arguments)."""
    parser = _tree_parser(
        'Check an A2D2 tree (any layout) and report every problem at once. '
        'Exit status 0: clean (unknown colours alone are a warning); 1: '
        'problems found.', 'check', root_help='the dataset root',
        layout_help='tree layout (default: auto)',
        seed_split_help='seed layouts: the split to check (default: all, '
        'every split there)')
    parser.add_argument(
        '--class-set', choices=('full', 'reduced'), default='full',
        help="the class set of the seed's preprocessed .npy masks: their "
        'values and one-hot class axis must fit its class count (default: '
        'full)')
    parser.add_argument(
        '--mask-size', choices=('image', 'stored'), default=None,
        help="seed masks: 'stored' (default for the seed layout, as "
        'A2D2Dataset) keeps their size; image: they must have their '
        "image's size")
    parser.add_argument('--strict', action='store_true',
                        help='unknown colours fail the check too')
    parser.add_argument(
        '--allow-unknown-classes', action='store_true',
        help="class_list.json entries that are not A2D2's are a warning "
        '(loaded as 255, as A2D2Dataset(allow_unknown_classes=True)), not '
        'an error')
    parser.add_argument(
        '--max-side', type=int, default=MAX_IMAGE_SIDE,
        help='largest width or height an image or label header may declare '
        f'(default: {MAX_IMAGE_SIDE}; 0: no limit; A2D2 frames are '
        '1920x1208)')
    parser.add_argument('--json', metavar='REPORT.json', default=None,
                        help='write the full report as JSON')
    parser.add_argument('--max-shown', type=int, default=MAX_SHOWN,
                        help='files listed per problem kind (default: '
                        f'{MAX_SHOWN})')
    data_root, kwargs = _tree_args(parser, argv)
    json_path, max_shown = kwargs.pop('json'), kwargs.pop('max_shown')
    if kwargs['max_side'] <= 0:
        kwargs['max_side'] = None
    try:
        with quiet_opencv():
            report = check(data_root, **kwargs)
    except ValueError as e:
        print(f'error: {printable(str(e))}', file=sys.stderr)
        return 2
    report = printable_report(report)
    print(format_report(report, max_shown))
    if json_path:
        write_json_atomic(json_path, report)
        print(f'report written to {printable(json_path)}')
    return 0 if report['ok'] else 1
