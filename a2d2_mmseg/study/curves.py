"""Training loss and validation metrics of runs, read from mmengine's JSON
logs, and their curves (``tools/analysis/plot_curves.py``).

A run is a training work dir (every ``<timestamp>/vis_data/scalars.json``,
oldest first, so a resumed run continues its curve), one ``<timestamp>``
folder of it, or a JSON-lines log file. Curves are drawn against
mmengine's ``step`` (the iteration); a key comes from the training records
(with ``lr``/``loss``) when they hold it, else from the validation records
(IoUMetric's are in percent); records without a step (test runs) are
ignored. TensorBoard: see :mod:`a2d2_mmseg.visualization.visualizer`.
"""
import glob
import json
import math
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

__all__ = [
    'DEFAULT_KEYS', 'PERCENT_KEYS', 'resolve_logs', 'read_records',
    'load_run', 'series', 'plot_curves', 'parse_runs'
]

DEFAULT_KEYS = ('loss', 'mIoU', 'mDice', 'aAcc', 'mAcc')
PERCENT_KEYS = ('mIoU', 'mDice', 'aAcc', 'mAcc', 'mFscore', 'mPrecision',
                'mRecall', 'decode.acc_seg')
TRAIN_MARKERS = ('lr', 'loss')


def resolve_logs(path: str) -> List[str]:
    """The JSON log files of a work dir, a ``<timestamp>`` folder of it or
    a file, oldest first.

    Raises:
        FileNotFoundError: Nothing to read; the message names the path.
    """
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such work dir or JSON log')
    logs = (glob.glob(osp.join(path, 'vis_data', 'scalars.json'))  # <ts>
            or sorted(glob.glob(osp.join(path, '*', 'vis_data',
                                         'scalars.json'))))
    if not logs:  # no LocalVisBackend scalars: the <timestamp>.json logs
        logs = sorted(
            p for p in glob.glob(osp.join(path, '*', 'vis_data', '*.json'))
            + glob.glob(osp.join(path, '*', '*.json'))
            if osp.basename(p) != 'scalars.json')
    if not logs:
        raise FileNotFoundError(
            f'{path}: no <timestamp>/vis_data/scalars.json (or '
            f'<timestamp>.json log) in this work dir')
    return logs


def read_records(path: str) -> List[dict]:
    """The JSON objects of one JSON-lines log, in order (blank lines and
    other values skipped).

    Raises:
        ValueError: A line is not JSON; the message names file and line.
    """
    records = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            try:
                record = json.loads(line) if line.strip() else None
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}:{number}: not a JSON record '
                                 f'({error})') from None
            if isinstance(record, dict):
                records.append(record)
    return records


def load_run(path: str) -> Dict[str, Dict[int, dict]]:
    """``{'train': {step: record}, 'val': {step: record}}`` of a run
    (:func:`resolve_logs`); later logs win at the same step."""
    run: Dict[str, Dict[int, dict]] = {'train': {}, 'val': {}}
    for log in resolve_logs(path):
        for record in read_records(log):
            step = record.get('step', record.get('iter'))
            if not isinstance(step, (int, float)):
                continue  # test records carry no step
            kind = 'train' if any(k in record
                                  for k in TRAIN_MARKERS) else 'val'
            run[kind].setdefault(int(step), {}).update(record)
    return run


def series(run: Dict[str, Dict[int, dict]],
           key: str) -> Tuple[List[int], List[float], str]:
    """``(steps, values, 'train' | 'val')`` of one key of a
    :func:`load_run` output: from the training records when they hold it,
    else the validation records; ``([], [], '')`` when neither does."""
    for kind in ('train', 'val'):
        points = [(step, rec[key]) for step, rec in sorted(run[kind].items())
                  if isinstance(rec.get(key), (int, float))]
        if points:
            steps, values = zip(*points)
            return list(steps), [float(v) for v in values], kind
    return [], [], ''


def plot_curves(runs: 'OrderedDict[str, dict]',
                keys: Sequence[str] = DEFAULT_KEYS,
                title: str = ''):
    """One subplot per key logged by any run (titled with the key), one
    labelled line per run (``runs``: label -> :func:`load_run` output).

    Raises:
        ValueError: No run logged any of the keys.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    present = [k for k in keys
               if any(series(run, k)[0] for run in runs.values())]
    missing = [k for k in keys if k not in present]
    if missing:
        print(f'not logged by any run, skipped: {", ".join(missing)}')
    if not present:
        raise ValueError(f'no run logged any of {list(keys)}')
    ncols = min(len(present), 3 if len(present) > 4 else 2)
    nrows = math.ceil(len(present) / ncols)
    fig = Figure(figsize=(5.0 * ncols, 3.4 * nrows), layout='constrained')
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(present):]:
        fig.delaxes(ax)
    for ax, key in zip(axes, present):
        kind = ''
        for label, run in runs.items():
            steps, values, kind_ = series(run, key)
            if not steps:
                continue
            kind = kind or kind_
            ax.plot(steps, values, label=label,
                    marker='o' if kind_ == 'val' else None,
                    markersize=3, linewidth=1.2)
        ax.set_title(key)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel('iteration')
        ax.set_ylabel(f'{key} (%)' if key in PERCENT_KEYS else key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, title=kind or None, title_fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def parse_runs(specs: Sequence[str]) -> 'OrderedDict[str, dict]':
    """Load runs given as ``[LABEL=]PATH`` (a path that exists is never
    split at ``=``); label -> :func:`load_run` output. Unlabelled runs are
    named after their work dir (also for a ``<work_dir>/<ts>/vis_data/``
    file) or file name; repeated labels get `` (2)``, `` (3)``, ..."""
    runs: 'OrderedDict[str, dict]' = OrderedDict()
    for spec in specs:
        label, sep, path = spec.partition('=')
        if not sep or osp.exists(spec):
            label, path = '', spec
        if not label:
            base = path.rstrip('/')
            if osp.isfile(base):
                # <work_dir>/<ts>/vis_data/scalars.json -> <work_dir>
                parts = osp.abspath(base).split(osp.sep)
                label = parts[-4] if parts[-2] == 'vis_data' and \
                    len(parts) >= 4 else osp.splitext(parts[-1])[0]
            else:
                label = osp.basename(osp.abspath(base))
        unique, n = label, 2
        while unique in runs:
            unique, n = f'{label} ({n})', n + 1
        runs[unique] = load_run(path)
    return runs
