"""The comparison report's tables: the seed's metrics and per-class IoU.

Values are the evaluator's (IoUMetric: percent), written as fractions with
3 decimals; ``n/a`` (Markdown) / ``nan`` (CSV) where a class is in neither
ground truth nor prediction.
"""
import csv
import math
from typing import Dict, List, Sequence

__all__ = [
    'TABLE_METRICS', 'metric_value', 'table_rows', 'per_class_rows',
    'write_markdown', 'write_csv'
]

# The seed's table: column title -> IoUMetric's key.
TABLE_METRICS = (('mIoU', 'mIoU'), ('Dice', 'mDice'),
                 ('Pixel Accuracy', 'aAcc'), ('Mean Pixel Accuracy', 'mAcc'))


def _fraction(value) -> float:
    return float(value) / 100.0


def _fmt(value: float) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return 'n/a' if value is None or math.isnan(value) else f'{value:.3f}'


def metric_value(metrics: dict, key: str) -> float:
    """``metrics[key]``, also when the evaluator has a ``prefix``
    (``'prefix/mIoU'``).

    Raises:
        KeyError: The evaluator returned no such metric.
    """
    if key in metrics:
        return metrics[key]
    for name, value in metrics.items():
        if name.rsplit('/', 1)[-1] == key:
            return value
    raise KeyError(f'the evaluator returned no {key!r}: {sorted(metrics)}')


def table_rows(results: Dict[str, dict]) -> List[list]:
    """``[model, mIoU, Dice, aAcc, mAcc]`` per model, as fractions.

    Args:
        results (dict): Model name -> ``evaluate_model`` output (its
            ``metrics``), in table order.
    """
    return [[name] + [
        _fraction(metric_value(r['metrics'], key))
        for _, key in TABLE_METRICS
    ] for name, r in results.items()]


def per_class_rows(results: Dict[str, dict],
                   classes: Sequence[str]) -> List[list]:
    """``[class, IoU of model 1, ...]`` per class, as fractions (NaN for a
    class a model has no value for).

    Args:
        results (dict): Model name -> ``evaluate_model`` output (its
            ``per_class_iou``).
        classes (Sequence[str]): Row order.
    """
    rows = []
    for name in classes:
        row = [name]
        for r in results.values():
            row.append(_fraction(r['per_class_iou'].get(name, math.nan)))
        rows.append(row)
    return rows


def write_markdown(path: str, header: Sequence[str],
                   rows: Sequence[Sequence], note: str = '') -> None:
    """A Markdown table (first column as text, the others as integers or
    3-decimal numbers or ``n/a``), then ``note`` after a blank line."""
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' for _ in header) + '|']
    for row in rows:
        lines.append('| ' + ' | '.join(
            [str(row[0])] + [_fmt(v) for v in row[1:]]) + ' |')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n' + (f'\n{note}\n' if note else ''))


def write_csv(path: str, header: Sequence[str],
              rows: Sequence[Sequence]) -> None:
    """A CSV file (integers as they are, other numbers with 3 decimals,
    ``nan`` for NaN)."""
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[0]] + [
                v if isinstance(v, int) else
                'nan' if math.isnan(v) else f'{v:.3f}' for v in row[1:]
            ])
