# Copyright (c) OpenMMLab. All rights reserved.
"""Test (and evaluate) a segmentor: mmseg 1.2.2's ``tools/test.py`` with the
a2d2_mmseg plugin (``docs/train_test.md``); the command line of
:func:`a2d2_mmseg.apis.run_test`.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR]
        [--show] [--show-dir DIR] [--show-interval 1] [--tta]
        [--allow-partial-checkpoint] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm|mpi]
"""
from a2d2_mmseg.apis import parse_test_args, run_test


def main():
    run_test(parse_test_args())


if __name__ == '__main__':
    main()
