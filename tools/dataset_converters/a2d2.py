"""Convert A2D2 frames with colour labels into resized images + index masks.

The command line of :func:`a2d2_mmseg.a2d2.convert.convert`, parsed by
:func:`a2d2_mmseg.a2d2.check.cli.convert_main`; see docs/dataset_prepare.md
(The converter).

Example::

    python tools/dataset_converters/a2d2.py data/a2d2 -o data/a2d2_512 \\
        --size 512x512 --nproc 8
"""
import sys

from a2d2_mmseg.a2d2.check.cli import convert_main as main

if __name__ == '__main__':
    sys.exit(main())
