# Copyright (c) OpenMMLab. All rights reserved.
"""Test (and evaluate) a segmentor: mmseg 1.2.2's ``tools/test.py`` with the
a2d2_mmseg plugin (``docs/train_test.md``, :func:`a2d2_mmseg.apis.run_test`).
"""
from a2d2_mmseg.apis import parse_test_args, run_test


def main():
    run_test(parse_test_args())


if __name__ == '__main__':
    main()
