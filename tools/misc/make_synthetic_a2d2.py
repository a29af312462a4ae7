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

from a2d2_mmseg.a2d2.synthetic import (DEFAULT_OUT, GENERATOR_LAYOUTS,
                                       SyntheticA2D2Error, format_summary,
                                       generate)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv``, default ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        description='Write a small synthetic driving dataset in an A2D2 '
        'arrangement (see docs/dataset_prepare.md).')
    parser.add_argument('--out', default=DEFAULT_OUT,
                        help='output folder, the data_root')
    parser.add_argument('--scenes', type=int, default=6, dest='num_scenes',
                        help='3 or more give train/val/test, fewer train only')
    parser.add_argument('--frames-per-scene', type=int, default=8)
    parser.add_argument('--size', default='480x302', help='WxH')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--layout', choices=GENERATOR_LAYOUTS, default='raw')
    parser.add_argument('--cameras', default=None,
                        help="'all' or names such as front_center,front_left "
                        '(default: front_center)')
    parser.add_argument('--special-scenes', type=int, default=0,
                        help='seed_bboxes: train scenes moved to special/')
    parser.add_argument('--overwrite', action='store_true',
                        help="replace the generator's folders in a non-empty "
                        'folder that is not an earlier output')
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Generate the set; 0 on success, 2 for bad arguments or a refused
    folder."""
    options = vars(parse_args(argv))
    # The rest are generate()'s options.
    out, overwrite = options.pop('out'), options.pop('overwrite')
    progress = not options.pop('no_progress')
    try:
        summary = generate(out, overwrite=overwrite, progress=progress,
                           **options)
    except SyntheticA2D2Error as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print('\n' + format_summary(summary))
    return 0


if __name__ == '__main__':
    sys.exit(main())
