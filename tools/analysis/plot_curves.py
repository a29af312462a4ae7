# Copyright (c) OpenMMLab. All rights reserved.
"""Plot training loss and validation metrics of one or more runs.

Each argument is a training work dir, one ``<timestamp>`` folder of it or
a JSON log file, labelled with the work dir's name unless ``LABEL=`` is
given. One subplot per key against the iteration, one line per run: the
command line of :func:`a2d2_mmseg.study.curves.plot_curves`.
"""
import argparse
import os
import os.path as osp

from a2d2_mmseg.study.curves import DEFAULT_KEYS, parse_runs, plot_curves


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'logs', nargs='+', metavar='[LABEL=]WORK_DIR_OR_JSON',
        help='work dirs, <timestamp> dirs or scalars.json / <timestamp>.json')
    parser.add_argument('-o', '--out', default='curves.png',
                        help='output image (PNG)')
    parser.add_argument('--keys', nargs='+', default=list(DEFAULT_KEYS),
                        help='logged keys to plot, one subplot each')
    parser.add_argument('--title', default='', help='figure title')
    parser.add_argument('--dpi', type=int, default=120)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        runs = parse_runs(args.logs)
        fig = plot_curves(runs, args.keys, args.title)
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f'error: {error}')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=args.dpi)
    print(f'{len(runs)} run(s), {len(fig.axes)} plot(s): {args.out}')
    return fig


if __name__ == '__main__':
    main()
