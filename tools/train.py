# Copyright (c) OpenMMLab. All rights reserved.
"""Train a segmentor: mmseg 1.2.2's ``tools/train.py`` with the a2d2_mmseg
plugin (``docs/train_test.md``, :func:`a2d2_mmseg.apis.run_train`)."""
from a2d2_mmseg.apis import parse_train_args, run_train


def main():
    run_train(parse_train_args())


if __name__ == '__main__':
    main()
