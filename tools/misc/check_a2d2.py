"""Check an A2D2 tree (any layout) and report every problem at once.

The command line of :func:`a2d2_mmseg.a2d2.check.check`; see
docs/dataset_prepare.md (Checking a tree). Exit status: 0 clean (unknown
colours alone are a warning), 1 problems found, 2 bad arguments.
``--json`` writes the report atomically, undecodable file names escaped.

Example::

    python tools/misc/check_a2d2.py data/a2d2 --nproc 8 --json report.json
"""
import argparse
import sys

from a2d2_mmseg.a2d2.check import (MAX_SHOWN, check, format_report, printable,
                               printable_report, quiet_opencv,
                               write_json_atomic)
from a2d2_mmseg.a2d2.cli import add_tree_options
from a2d2_mmseg.a2d2.colours import MAX_SNAP_DISTANCE
from a2d2_mmseg.a2d2.images import MAX_IMAGE_SIDE
from a2d2_mmseg.a2d2.scenes import SEED_SPLITS, parse_scenes_option


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line (``argv``, default ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        description='Check an A2D2 tree (any layout) and '
        'report every problem at once. Exit status 0: clean (unknown colours '
        'alone are a warning); 1: problems found.')
    parser.add_argument('data_root', help='the dataset root')
    add_tree_options(parser, 'check',
                     layout_help='tree layout (default: auto)')
    parser.add_argument('--seed-split', choices=SEED_SPLITS, default=None,
                        help='seed layouts: the split to check (default: '
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
    parser.add_argument(
        '--snap-distance', type=float, default=0,
        help='colours within this RGB distance of exactly one palette colour '
        'count as known, as LoadA2D2Annotations(snap_distance=...) '
        f'(0..{MAX_SNAP_DISTANCE}; default: 0)')
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
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Check the tree, print the report, write it with ``--json``; the exit
    status."""
    args = parse_args(argv)
    try:
        with quiet_opencv():
            report = check(
                args.data_root,
                scenes=parse_scenes_option(args.scenes, args.data_root),
                layout=args.layout,
                nproc=max(1, args.nproc),
                snap_distance=args.snap_distance,
                strict=args.strict,
                allow_unknown_classes=args.allow_unknown_classes,
                max_side=args.max_side if args.max_side > 0 else None,
                cameras=args.cameras,
                seed_split=args.seed_split,
                class_set=args.class_set,
                mask_size=args.mask_size)
    except ValueError as e:
        print(f'error: {printable(str(e))}', file=sys.stderr)
        return 2
    report = printable_report(report)
    print(format_report(report, args.max_shown))
    if args.json:
        write_json_atomic(args.json, report)
        print(f'report written to {printable(args.json)}')
    return 0 if report['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
