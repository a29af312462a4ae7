# Copyright (c) OpenMMLab. All rights reserved.
"""Train a segmentor: mmseg 1.2.2's ``tools/train.py`` for the a2d2_mmseg
plugin.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [FILE]] [--amp]
        [--auto-scale-lr] [--allow-partial-checkpoint]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]

mmseg's flags, plus mmdet's ``--resume FILE`` and ``--auto-scale-lr``
(scale the learning rate to processes x batch per process from the config's
``auto_scale_lr.base_batch_size``; one process of a ``4xb2`` config trains
at batch 2, ``tools/dist_train.sh CONFIG 4`` at the config's 8). Runs
distributed on CPU-only machines (gloo, CPU DDP, SyncBN -> BN) and turns
unloadable checkpoints into clear errors. With the plugin, a checkpoint
(``--resume``, ``load_from``) whose weights do not fit the model is refused
unless ``--allow-partial-checkpoint`` (``load_from`` only), ``--resume`` is
robust to a broken ``last_checkpoint`` and refuses one naming another
folder's checkpoint, and the log says the effective batch size.
The command line of :func:`a2d2_mmseg.apis.run_train`.
"""
from a2d2_mmseg.apis import parse_train_args, run_train


def main():
    run_train(parse_train_args())


if __name__ == '__main__':
    main()
