"""tools/analysis/benchmark.py on two real configs at tiny sizes, run as a
script.

The tool measures each config in a child process; the table must have one
row per (config, size), the exact parameter counts of the built model and
numbers where numbers are due. FLOP counting itself is tested in
tests/test_study/test_flop_count.py and test_flop_handles.py.
"""
import os.path as osp
import re

import pytest
import torch

from a2d2_mmseg.study.benchmark_worker import build_model, load_config
from tests.fixtures.training import PYTHON, REPO, run

BENCHMARK = osp.join(REPO, 'tools', 'analysis', 'benchmark.py')
CONFIGS = [
    osp.join(REPO, 'configs', 'deeplabv3_r50_a2d2.py'),
    osp.join(REPO, 'configs', 'mask2former-lite_r50_a2d2.py'),
]
SIZES = ['64x64', '96x64']
NUMBER = re.compile(r'^\d[\d,]*(\.\d+)?$')


def _table(text):
    """The Markdown table's rows as dicts (header -> cell)."""
    lines = [line for line in text.splitlines() if line.startswith('|')]
    cells = [[c.strip() for c in line.strip('|').split('|')]
             for line in lines]
    header, body = cells[0], cells[2:]
    assert set(''.join(cells[1])) <= set('-:'), cells[1]
    return header, [dict(zip(header, row)) for row in body]


def _column(header, prefix):
    return next(h for h in header if h.startswith(prefix))


def _number(cell):
    assert NUMBER.match(cell), cell
    return float(cell.replace(',', ''))


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('benchmark')
    out = str(tmp / 'bench.md')
    proc = run([PYTHON, BENCHMARK] + CONFIGS + [
        '--sizes', *SIZES, '--repeat', '1', '--warmup', '0', '--threads',
        '1', '--train-batch-size', '2', '-o', out
    ],
               cwd=str(tmp),
               timeout=900)
    with open(out) as f:
        text = f.read()
    return dict(proc=proc, text=text, out=out)


def test_one_row_per_config_and_size(report):
    # exit status 0: every config was measured
    assert report['proc'].returncode == 0, report['proc'].stdout[-3000:]
    assert report['text'] in report['proc'].stdout
    assert f"written to {report['out']}" in report['proc'].stdout
    header, rows = _table(report['text'])
    expected = [(osp.splitext(osp.basename(c))[0], s) for c in CONFIGS
                for s in SIZES]
    assert [(r['config'], r['size (WxH)']) for r in rows] == expected
    assert report['text'].startswith('# Benchmark\n\nMachine: CPU ')
    assert f'torch {torch.__version__}' in report['text']
    assert 'torch threads 1' in report['text']


def test_parameter_counts_are_the_built_models(report):
    _, rows = _table(report['text'])
    for config in CONFIGS:
        model = build_model(load_config(config), 'cpu')
        total = sum(p.numel() for p in model.parameters())
        trainable = sum(p.numel() for p in model.parameters()
                        if p.requires_grad)
        name = osp.splitext(osp.basename(config))[0]
        mine = [r for r in rows if r['config'] == name]
        assert len(mine) == len(SIZES)
        for row in mine:
            assert _number(row['params']) == total > 0
            assert _number(row['trainable']) == trainable > 0


def test_latencies_flops_and_training_are_numbers(report):
    header, rows = _table(report['text'])
    latency = _column(header, 'latency')
    throughput = _column(header, 'throughput')
    infer_mem = _column(header, 'infer mem')
    train = _column(header, 'train step')
    train_mem = _column(header, 'train mem')
    for index, row in enumerate(rows):
        assert row['mode'] == 'tensor'
        ms = _number(row[latency])
        assert ms > 0
        # throughput = batch 1 / latency (both rounded in the table)
        assert _number(row[throughput]) == pytest.approx(1e3 / ms, rel=0.05)
        assert _number(row[infer_mem]) >= 0
        # FLOPs counted: the convolutions alone give more than 0.1 GFLOPs;
        # no operator of these models lacks a counter (attention included)
        assert _number(row['GFLOPs']) > 0.1
        if index % len(SIZES) == 0:  # the training step: first size only
            assert _number(row[train]) > 0
            assert _number(row[train_mem]) >= 0
        else:
            assert row[train] == row[train_mem] == '-'
    assert 'without a FLOP counter' not in report['text']
    # FLOPs grow with the image (96x64 has 1.5x the pixels of 64x64)
    for small, large in zip(rows[::2], rows[1::2]):
        assert _number(large['GFLOPs']) > _number(small['GFLOPs'])


def test_missing_config_is_a_clear_error(tmp_path):
    missing = str(tmp_path / 'no_such_config.py')
    proc = run([PYTHON, BENCHMARK, CONFIGS[0], missing, '-o',
                str(tmp_path / 'x.md')], cwd=str(tmp_path))
    assert proc.returncode == 2
    assert f'config file(s) not found: {missing}' in proc.stdout
    assert not (tmp_path / 'x.md').exists()


@pytest.mark.parametrize('size,words', [
    ('0x64', '--sizes 0x64 (WxH): each side must be between 1 and 8192'),
    ('99999x64', 'each side must be between 1 and 8192'),
    ('64', "expected WxH (e.g. 1920x1208), got '64'"),
    ('64*64', "expected WxH (e.g. 1920x1208), got '64*64'"),
])
def test_bad_size_is_refused_before_any_work(tmp_path, size, words):
    proc = run([PYTHON, BENCHMARK, CONFIGS[0], '--sizes', size, '-o',
                str(tmp_path / 'x.md')], cwd=str(tmp_path))
    assert proc.returncode == 2
    assert 'error: argument --sizes: ' in proc.stdout, proc.stdout
    assert words in proc.stdout, proc.stdout
    assert not (tmp_path / 'x.md').exists()
