"""Class weights for A2D2 from the pixel counts of a split.

    python tools/analysis/a2d2_class_weights.py --config CONFIG [options]
    python tools/analysis/a2d2_class_weights.py DATA_ROOT [options]

With ``--config`` the dataset is the config's ``train_dataloader.dataset``
(``--dataloader`` for another) and its masks are counted through that
dataloader's pipeline (unless ``--stored-resolution``); the other options
override single arguments (the seed study's command: docs/seed_study.md).
Prints a table and the ``--cfg-options`` argument that sets the weights,
and writes ``OUT_PREFIX.json`` and ``OUT_PREFIX.py`` (a config fragment):
the command line of :func:`a2d2_mmseg.study.class_weighting.class_weights`.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence, Tuple

from a2d2_mmseg.a2d2.layout import LAYOUTS
from a2d2_mmseg.a2d2.scenes import SEED_SPLITS, parse_scenes_option
from a2d2_mmseg.study.class_weighting import (
    METHODS, cfg_option, class_weights, dataset_from_config, format_table,
    merge_dataset_args, write_outputs)


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add = parser.add_argument
    add('data_root', nargs='?', help='A2D2Dataset data_root')
    add('--config', help="take the dataset from this config's dataloader")
    add('--dataloader', choices=('train', 'val', 'test'), default='train')
    add('--data-root', dest='data_root_option',
        help="the dataset's data_root (overrides the config's)")
    add('--scenes', help="'train' (default without --config), 'val', "
        "'test', a scene list file, S1,S2,... or 'all'")
    add('--class-set', choices=('full', 'reduced'))
    add('--method', choices=METHODS, default='median_freq')
    add('--normalize', action='store_true',
        help='rescale so that the pixel-weighted mean weight is 1')
    add('--layout', choices=LAYOUTS)
    add('--seed-split', choices=SEED_SPLITS)
    add('--cameras', help="'all' or names, e.g. front_center,front_left")
    add('--max-ratio', type=float,
        help='cap every weight at MAX_RATIO times the smallest (>= 1)')
    add('--stored-resolution', action='store_true',
        help="with --config: count the stored masks, not the pipeline's")
    add('--seed', type=int, default=0,
        help="the pipeline's random steps draw from SEED + frame index")
    add('--nproc', type=int, default=1)
    add('-o', '--out-prefix', help='write OUT_PREFIX.json and OUT_PREFIX.py '
        '(default: work_dirs/a2d2_class_weights_<class_set>_<method>)')
    return parser.parse_args(argv)


def dataset_args(args: argparse.Namespace) -> Tuple[dict, Optional[list]]:
    """The dataset's arguments (the config's, then the command line's) and
    the pipeline its masks are counted through (None: stored)."""
    if args.data_root and args.data_root_option:
        raise ValueError('give the data root once: as DATA_ROOT or as '
                         '--data-root')
    data_root = args.data_root or args.data_root_option
    if not (data_root or args.config):
        raise ValueError('give DATA_ROOT (or --data-root), or --config')
    base, pipeline = (dataset_from_config(args.config, args.dataloader)
                      if args.config else ({}, None))
    overrides = dict(data_root=data_root, layout=args.layout,
                     seed_split=args.seed_split, cameras=args.cameras,
                     class_set=args.class_set)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if args.scenes is not None:  # 'all' gives None: every scene
        overrides['scenes'] = parse_scenes_option(
            args.scenes, data_root or base.get('data_root') or '')
    elif not args.config:
        overrides['scenes'] = 'train'
    return (merge_dataset_args(base, **overrides),
            None if args.stored_resolution else pipeline)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    config = (dict(path=args.config, dataloader=args.dataloader +
                   '_dataloader') if args.config else None)
    try:
        kwargs, pipeline = dataset_args(args)
        result = class_weights(method=args.method, normalize=args.normalize,
                               nproc=args.nproc, config=config,
                               pipeline=pipeline, seed=args.seed,
                               max_ratio=args.max_ratio, **kwargs)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    out_prefix = args.out_prefix or osp.join(
        'work_dirs',
        f"a2d2_class_weights_{result['class_set_name']}_{args.method}")
    print()
    print(format_table(result))
    print('set the weights on the command line with:\n  --cfg-options '
          + cfg_option(result))
    json_path, py_path = write_outputs(result, out_prefix)
    print(f'wrote {py_path} (config fragment: class_weight)')
    print(f'wrote {json_path} (classes and weights; '
          f'class_weight={json_path!r} in IgnoreSafeCrossEntropyLoss)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
