"""Class weights for A2D2 from the pixel counts of a split.

    python tools/analysis/a2d2_class_weights.py --config CONFIG \\
        [--dataloader train|val|test] [--data-root DATA_ROOT] \\
        [--stored-resolution] [--seed S] [--max-ratio R] [-o OUT_PREFIX]
    python tools/analysis/a2d2_class_weights.py DATA_ROOT [--scenes train] \\
        [--class-set full|reduced] [--layout auto|raw|bboxes|seed_bboxes|...]
        [--seed-split train|test|special] [--cameras front_center,...|all] \\
        [--method median_freq|inverse|inverse_sqrt|enet] [--normalize] \\
        [--max-ratio R] [--nproc N] [-o OUT_PREFIX]

With ``--config`` the dataset is the config's ``train_dataloader.dataset``
(``--dataloader`` for another): its data_root, layout, scenes, seed_split,
cameras and class set (a class-set dict written in the config too); the
other options override single arguments (``--data-root`` the data_root;
``--scenes test`` on a config of the seed arrangement reads its ``test/``).
The seed study's weights are one command::

    python tools/analysis/a2d2_class_weights.py --config \\
        configs/seed_study/mask2former-lite_r50_4xb2-80k_a2d2-seed-512x512.py \\
        -o work_dirs/seed_study/class_weights

With ``--config`` the masks are counted through that dataloader's pipeline
(random steps seeded from ``--seed``), else (or with
``--stored-resolution``) at the stored resolution. Prints a table and the
``--cfg-options`` argument that sets the weights, and writes
``OUT_PREFIX.json`` and ``OUT_PREFIX.py`` (a config fragment): the command
line of :func:`a2d2_mmseg.study.class_weighting.class_weights`, whose
module docstring describes the methods and outputs.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

from a2d2_mmseg.a2d2.class_sets import class_set_name
from a2d2_mmseg.a2d2.layout import LAYOUTS
from a2d2_mmseg.a2d2.scenes import SEED_SPLITS, parse_scenes_option
from a2d2_mmseg.study.class_weighting import (METHODS, cfg_option,
                                                 class_weights,
                                                 dataset_args_from_config,
                                                 format_table,
                                                 merge_dataset_args,
                                                 pipeline_from_config,
                                                 write_outputs)


def parse_args(argv: Optional[Sequence[str]] = None):
    parser = argparse.ArgumentParser(
        description='Per-class pixel counts and loss class weights of an '
        "A2D2 split (any layout), or of a config's training split.")
    parser.add_argument('data_root', nargs='?', default=None,
                        help='A2D2Dataset data_root (optional with --config)')
    parser.add_argument(
        '--config', default=None,
        help="take the dataset from this config's train_dataloader "
        '(data_root, layout, scenes, seed_split, cameras, class_set)')
    parser.add_argument('--dataloader', choices=('train', 'val', 'test'),
                        default='train',
                        help='with --config: whose dataset (default: train)')
    parser.add_argument('--data-root', dest='data_root_option', default=None,
                        help="the dataset's data_root (overrides the "
                        "config's)")
    parser.add_argument(
        '--scenes', default=None,
        help="'train' (default without --config), 'val', 'test', a scene "
        "list file, S1,S2,... or 'all'; in the seed layouts 'train' / "
        "'test' / 'special' are the seed's split folders")
    parser.add_argument('--class-set', choices=('full', 'reduced'),
                        default=None,
                        help="default: the config's, else 'full'")
    parser.add_argument('--method', choices=METHODS, default='median_freq')
    parser.add_argument(
        '--normalize', action='store_true',
        help='rescale so that the pixel-weighted mean weight is 1')
    parser.add_argument('--layout', default=None, choices=LAYOUTS,
                        help="default: the config's, else auto")
    parser.add_argument('--seed-split', default=None, choices=SEED_SPLITS,
                        help="the seed layouts' split (default: the "
                        "config's, or the one --scenes names)")
    parser.add_argument('--cameras', default=None,
                        help="'all' or camera names, e.g. "
                        "front_center,front_left (default: the config's, "
                        'else front_center)')
    parser.add_argument(
        '--max-ratio', type=float, default=None,
        help='cap every weight at MAX_RATIO times the smallest (>= 1; '
        'default: uncapped); recorded in the JSON')
    parser.add_argument(
        '--stored-resolution', action='store_true',
        help="with --config: count the stored masks, not the masks the "
        "dataloader's pipeline delivers")
    parser.add_argument('--seed', type=int, default=0,
                        help="the pipeline's random steps draw from seed "
                        "SEED + frame index (default: 0)")
    parser.add_argument('--nproc', type=int, default=1)
    parser.add_argument(
        '-o', '--out-prefix', default=None,
        help='write OUT_PREFIX.json and OUT_PREFIX.py (default: '
        'work_dirs/a2d2_class_weights_<class_set>_<method>)')
    return parser.parse_args(argv)


def dataset_args(args: argparse.Namespace) -> dict:
    """The dataset's arguments: the config's, then the command line's."""
    if args.data_root and args.data_root_option:
        raise ValueError('give the data root once: as DATA_ROOT or as '
                         '--data-root')
    data_root = args.data_root or args.data_root_option
    base = {}
    if args.config:
        base = dataset_args_from_config(args.config, args.dataloader)
    elif not data_root:
        raise ValueError('give DATA_ROOT (or --data-root), or --config')
    root = data_root or base.get('data_root') or ''
    overrides = dict(data_root=data_root, layout=args.layout,
                     seed_split=args.seed_split, cameras=args.cameras,
                     class_set=args.class_set)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if args.scenes is not None:  # 'all' gives None: every scene
        overrides['scenes'] = parse_scenes_option(args.scenes, root)
    elif not args.config:
        overrides['scenes'] = 'train'
    return merge_dataset_args(base, **overrides)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    try:
        kwargs = dataset_args(args)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    config = (dict(path=args.config, dataloader=f'{args.dataloader}'
                   '_dataloader') if args.config else None)
    pipeline = (pipeline_from_config(args.config, args.dataloader)
                if args.config and not args.stored_resolution else None)
    try:
        result = class_weights(method=args.method, normalize=args.normalize,
                               nproc=args.nproc, config=config,
                               pipeline=pipeline, seed=args.seed,
                               max_ratio=args.max_ratio, **kwargs)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    out_prefix = args.out_prefix or osp.join(
        'work_dirs', 'a2d2_class_weights_'
        f"{class_set_name(kwargs.get('class_set', 'full'))}_{args.method}")
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
