# Copyright (c) OpenMMLab. All rights reserved.
"""Train a segmentor: mmseg 1.2.2's ``tools/train.py`` for the a2d2_mmseg
plugin.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]

Same flags as mmseg's; runs distributed on CPU-only machines (gloo, CPU
DDP, SyncBN -> BN) and turns unloadable checkpoints into clear errors (the
plugin also makes ``--resume`` robust to a broken ``last_checkpoint``).
The command line of :func:`a2d2_mmseg.apis.run_train`.
"""
from a2d2_mmseg.apis import parse_train_args, run_train


def main():
    run_train(parse_train_args())


if __name__ == '__main__':
    main()
