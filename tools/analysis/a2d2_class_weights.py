"""Class weights for A2D2 from the pixel counts of a split.

    python tools/analysis/a2d2_class_weights.py DATA_ROOT [--scenes train] \\
        [--class-set full|reduced] \\
        [--method median_freq|inverse|inverse_sqrt|enet] [--normalize] \\
        [--layout auto|raw|converted|seed] [--nproc N] [-o OUT_PREFIX]

Counts the pixels of every class over the frames of a split (read as
training reads them; 255 = ignored, not counted), prints a table and writes
``OUT_PREFIX.json`` (counts, frequencies, weights) and ``OUT_PREFIX.py``, a
config fragment holding ``class_weight``, and prints the ``--cfg-options``
argument that sets them. The command line of
:func:`a2d2_mmseg.analysis.class_weights`; the methods and the outputs are
described in ``a2d2_mmseg/analysis/class_weighting.py``. Example::

    python tools/analysis/a2d2_class_weights.py data/a2d2_512 --scenes train \\
        --class-set reduced --nproc 4 -o work_dirs/a2d2_reduced_weights
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

from a2d2_mmseg.analysis import (METHODS, cfg_option, class_weights,
                                 format_table, write_outputs)
from a2d2_mmseg.datasets.a2d2_layout import parse_scenes_option


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = argparse.ArgumentParser(
        description='Per-class pixel counts and loss class weights of an '
        'A2D2 split (raw, converted or seed layout).')
    parser.add_argument('data_root', help='A2D2Dataset data_root')
    parser.add_argument(
        '--scenes', default='train',
        help="'train' (default), 'val', 'test', a scene list file, S1,S2,... "
        "or 'all'")
    parser.add_argument('--class-set', choices=('full', 'reduced'),
                        default='full')
    parser.add_argument('--method', choices=METHODS, default='median_freq')
    parser.add_argument(
        '--normalize', action='store_true',
        help='rescale so that the pixel-weighted mean weight is 1')
    parser.add_argument('--layout', default='auto',
                        choices=('auto', 'raw', 'converted', 'seed'))
    parser.add_argument('--seed-split', default='train',
                        help="seed layout's list to read (default: train)")
    parser.add_argument('--nproc', type=int, default=1)
    parser.add_argument(
        '-o', '--out-prefix', default=None,
        help='write OUT_PREFIX.json and OUT_PREFIX.py (default: '
        'work_dirs/a2d2_class_weights_<class_set>_<method>)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    result = class_weights(
        args.data_root,
        scenes=parse_scenes_option(args.scenes, args.data_root),
        class_set=args.class_set,
        method=args.method,
        normalize=args.normalize,
        nproc=args.nproc,
        layout=args.layout,
        seed_split=args.seed_split)
    out_prefix = args.out_prefix or osp.join(
        'work_dirs', f'a2d2_class_weights_{args.class_set}_{args.method}')
    print()
    print(format_table(result))
    for path in write_outputs(result, out_prefix):
        print(f'wrote {path}')
    print('or set the weights on the command line with:\n  --cfg-options '
          + cfg_option(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
