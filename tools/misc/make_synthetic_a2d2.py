"""Generate a small synthetic driving dataset in an A2D2 arrangement.

The command line of :func:`a2d2_mmseg.a2d2.synthetic.generate`; see
docs/dataset_prepare.md (The synthetic A2D2 set). An earlier output is
replaced; any other non-empty folder is refused unless ``--overwrite``.

Example::

    python tools/misc/make_synthetic_a2d2.py --out data/a2d2_synthetic \\
        --scenes 6 --frames-per-scene 8 --size 480x302 [--layout bboxes]
"""
import argparse
import sys
from typing import Optional, Sequence

from a2d2_mmseg.a2d2.synthetic import (DEFAULT_OUT, GENERATOR_LAYOUTS, MARKER,
                                  SyntheticA2D2Error, format_summary,
                                  generate)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv``, default ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        description='Write a small synthetic driving dataset in an A2D2 '
        'arrangement (camera PNG + JSON, RGB colour labels, class_list.json, '
        'scene split lists). It stands in for A2D2, which cannot be '
        'downloaded here.')
    parser.add_argument('--out', default=DEFAULT_OUT,
                        help=f'output folder, the dataset data_root '
                        f'(default: {DEFAULT_OUT})')
    parser.add_argument('--scenes', type=int, default=6,
                        help='number of scenes (default: 6; 3 or more give '
                        'train/val/test splits, fewer only train)')
    parser.add_argument('--frames-per-scene', type=int, default=8,
                        help='frames per scene (default: 8)')
    parser.add_argument('--size', default='480x302',
                        help='image size WxH (default: 480x302; A2D2 is '
                        '1920x1208)')
    parser.add_argument('--seed', type=int, default=0,
                        help='random seed; same arguments, same bytes '
                        '(default: 0)')
    parser.add_argument(
        '--layout', choices=GENERATOR_LAYOUTS, default='raw',
        help='raw: camera_lidar_semantic/ (default); bboxes: '
        "A2D2's camera_lidar_semantic_bboxes/<scene>/; seed_bboxes: the "
        "seed study's camera_lidar_semantic_bboxes/camera/{train,test,"
        'special}/ (train+val scenes in train/, test scenes in test/)')
    parser.add_argument(
        '--cameras', default=None,
        help="cameras to write: 'all' or names such as "
        'front_center,front_left (default: front_center; the others are '
        'the front camera turned, see SYNTHETIC_README.txt)')
    parser.add_argument(
        '--special-scenes', type=int, default=0,
        help='seed_bboxes: move this many train scenes into special/ '
        '(default: 0, no special/ folder)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace camera_lidar_semantic/, '
                        f'camera_lidar_semantic_bboxes/, splits/ and {MARKER} '
                        'of a non-empty folder that is not an earlier '
                        'synthetic output')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not show a progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Generate the set; 0 on success, 2 for bad arguments or a refused
    folder."""
    args = parse_args(argv)
    try:
        summary = generate(args.out, num_scenes=args.scenes,
                           frames_per_scene=args.frames_per_scene,
                           size=args.size, seed=args.seed,
                           overwrite=args.overwrite,
                           progress=not args.no_progress,
                           layout=args.layout, cameras=args.cameras,
                           special_scenes=args.special_scenes)
    except SyntheticA2D2Error as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print('\n' + format_summary(summary))
    return 0


if __name__ == '__main__':
    sys.exit(main())
