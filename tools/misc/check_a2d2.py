"""Check an A2D2 tree (any layout) and report every problem at once.

The command line of :func:`a2d2_mmseg.a2d2.check.check`, parsed by
:func:`a2d2_mmseg.a2d2.check.cli.check_main`; see docs/dataset_prepare.md
(Checking a tree). Exit status: 0 clean (unknown colours alone are a
warning), 1 problems found, 2 bad arguments. ``--json`` writes the report
atomically, undecodable file names escaped.

Example::

    python tools/misc/check_a2d2.py data/a2d2 --nproc 8 --json report.json
"""
import sys

from a2d2_mmseg.a2d2.check.cli import check_main as main

if __name__ == '__main__':
    sys.exit(main())
