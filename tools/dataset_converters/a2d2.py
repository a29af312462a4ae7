"""Convert A2D2 frames with colour labels into resized images + index masks.

The command line of :func:`a2d2_mmseg.a2d2.convert.convert`; see
docs/dataset_prepare.md (The converter).

Example::

    python tools/dataset_converters/a2d2.py data/a2d2 -o data/a2d2_512 \\
        --size 512x512 --nproc 8
"""
import argparse
import sys

from a2d2_mmseg.a2d2.convert import (IMG_FORMATS, ConversionError,
                                   WorkerDiedError, convert, parse_size)
from a2d2_mmseg.a2d2.cli import add_tree_options
from a2d2_mmseg.a2d2.layout import BBOX_DIR, RAW_DIR
from a2d2_mmseg.a2d2.scenes import (SEED_SPLITS, A2D2LayoutError,
                                    parse_scenes_option)


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line (``argv``, default ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        description='Convert A2D2 frames (RGB colour labels) into resized '
        'images and uint8 index masks of the 38 A2D2 categories, readable '
        'by A2D2Dataset.')
    parser.add_argument('raw_root', metavar='data_root',
                        help=f'folder that holds {RAW_DIR}/ or {BBOX_DIR}/')
    parser.add_argument('-o', '--out-dir', required=True,
                        help='output folder')
    parser.add_argument(
        '--size', default='512x512',
        help="output WxH, or 'original' to keep each frame's size "
        '(default: 512x512, as in the seed study)')
    add_tree_options(
        parser, 'convert',
        layout_help='source arrangement: raw, bboxes (A2D2\'s 3D-box part), '
        "seed_bboxes (the seed's split folders) or auto (default); "
        'converted and seed are refused with the reason')
    parser.add_argument(
        '--seed-split', choices=SEED_SPLITS + ('all', ), default=None,
        help="seed_bboxes: the split folder to convert (default: all; the "
        'scenes of each are listed in OUT/seed_splits/<split>.txt)')
    parser.add_argument('--img-format', choices=IMG_FORMATS, default='png',
                        help='image format (jpg: quality 95; default: png)')
    parser.add_argument(
        '--snap-distance', type=float, default=0,
        help='map colours within this RGB distance of exactly one palette '
        'colour to it (default: 0, exact colours only)')
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
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the conversion; 0 on success, 1 on an error (printed to stderr)."""
    args = parse_args(argv)
    try:
        convert(
            args.raw_root,
            args.out_dir,
            size=parse_size(args.size),
            nproc=args.nproc,
            scenes=parse_scenes_option(args.scenes, args.raw_root),
            img_format=args.img_format,
            snap_distance=args.snap_distance,
            overwrite=args.overwrite,
            fsync=args.fsync,
            lock_timeout=args.lock_timeout,
            layout=args.layout,
            cameras=args.cameras,
            seed_split=args.seed_split)
    except (ConversionError, A2D2LayoutError, WorkerDiedError,
            ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
