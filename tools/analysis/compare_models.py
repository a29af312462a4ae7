# Copyright (c) OpenMMLab. All rights reserved.
"""Evaluate several models on one split and write a comparison report.

``--work-dirs [NAME=]WORK_DIR`` takes training work dirs (e.g.
``work_dirs/demo/unet``: the ``*.py`` mmengine dumped there and the
checkpoint ``last_checkpoint`` names; named after the folder by default),
``--models NAME=CONFIG:CHECKPOINT`` any model; they can be combined. The
command line of :func:`a2d2_mmseg.study.comparison.compare`, whose module
docstring says what is written to ``--out-dir`` and how.
"""
import argparse

from a2d2_mmseg.apis.runner import add_cfg_options
from a2d2_mmseg.compat.checkpoint import (CheckpointDownloadError,
                                          UnsafeCheckpointError)
from a2d2_mmseg.study.comparison import (compare, find_work_dir_model,
                                         parse_model_spec)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add = parser.add_argument
    add('--models', nargs='+', default=[], metavar='NAME=CONFIG:CHECKPOINT')
    add('--work-dirs', nargs='+', default=[], metavar='[NAME=]WORK_DIR',
        help='training work dirs (config *.py + last_checkpoint)')
    add('--split', choices=['test', 'val'], default='test',
        help="the configs' test_dataloader or val_dataloader")
    add('--out-dir', default='work_dirs/report')
    add('--gif-frames', type=int, default=8,
        help='consecutive frames in segmentation.gif (0: no GIF)')
    add('--frame-start', type=int, default=0,
        help='position in the split of the first GIF frame')
    add('--showcase-index', type=int,
        help='position of the showcase frame (default: --frame-start)')
    add('--opacity', type=float, default=0.5, help="the GIF's overlays'")
    add('--gif-duration', type=int, default=500, help='ms per GIF frame')
    add('--gif-width', type=int, default=480,
        help='maximal width of one GIF panel in pixels')
    add_cfg_options(parser, 'every config (e.g. '
                    'test_dataloader.dataset.data_root=data/a2d2_synthetic)')
    args = parser.parse_args(argv)
    if not args.models and not args.work_dirs:
        parser.error('give --models NAME=CONFIG:CHECKPOINT ... and/or '
                     '--work-dirs DIR ...')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    try:
        specs = [parse_model_spec(s) for s in args.models] + \
            [find_work_dir_model(d) for d in args.work_dirs]
        report = compare(specs, args.out_dir, args.split, args.gif_frames,
                         args.frame_start, args.showcase_index,
                         args.cfg_options, args.opacity, args.gif_duration,
                         args.gif_width)
    except (FileNotFoundError, ValueError, CheckpointDownloadError,
            UnsafeCheckpointError) as error:
        raise SystemExit(f'error: {error}')
    with open(report['files']['metrics.md']) as f:
        md = f.read()
    print(f'\n{md}\nwritten to {args.out_dir}: '
          f"{', '.join(sorted(report['files']))}")
    return report


if __name__ == '__main__':
    main()
