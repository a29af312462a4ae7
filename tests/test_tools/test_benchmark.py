"""tools/analysis/benchmark.py on two real configs at tiny sizes.

The tool measures each config in a child process; the table must have one
row per (config, size), the exact parameter counts of the built model and
numbers where numbers are due. FLOP counting must never stop the tool.
"""
import os.path as osp
import re

import pytest
import torch

from tests.tool_loader import REPO, load_tool

tool = load_tool('benchmark', osp.join('tools', 'analysis', 'benchmark.py'))
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
    out = str(tmp_path_factory.mktemp('benchmark') / 'bench.md')
    outcome = tool.main(CONFIGS + [
        '--sizes', *SIZES, '--repeat', '1', '--warmup', '0', '--threads',
        '1', '--train-batch-size', '2', '-o', out
    ])
    with open(out) as f:
        text = f.read()
    return dict(outcome=outcome, text=text, out=out)


def test_one_row_per_config_and_size(report):
    assert report['outcome']['failed'] == []
    assert report['text'] == report['outcome']['report']
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
        cfg = tool.load_config(config, None)
        model = tool.build_model(cfg, 'cpu')
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
        # FLOPs counted: the convolutions alone give more than 0.1 GFLOPs
        assert _number(row['GFLOPs']) > 0.1
        if index % len(SIZES) == 0:  # the training step: first size only
            assert _number(row[train]) > 0
            assert _number(row[train_mem]) >= 0
        else:
            assert row[train] == row[train_mem] == '-'
    # FLOPs grow with the image (96x64 has 1.5x the pixels of 64x64)
    for small, large in zip(rows[::2], rows[1::2]):
        assert _number(large['GFLOPs']) > _number(small['GFLOPs'])


def test_missing_config_is_a_clear_error(tmp_path, capsys):
    missing = str(tmp_path / 'no_such_config.py')
    with pytest.raises(SystemExit) as error:
        tool.main([CONFIGS[0], missing, '-o', str(tmp_path / 'x.md')])
    assert error.value.code == 2
    assert f'config file(s) not found: {missing}' in capsys.readouterr().err
    assert not (tmp_path / 'x.md').exists()


def test_flop_counting_failure_is_reported_not_raised():

    class NotTraceable(torch.nn.Module):

        def forward(self, x):
            raise TypeError('forward() needs data samples')

    result = tool.count_flops(NotTraceable(), torch.zeros(1, 3, 8, 8))
    assert result == dict(error='TypeError: forward() needs data samples')


def test_attention_flops_are_counted():
    """scaled_dot_product_attention: q @ k^T + weights @ v multiply-adds."""

    class Attention(torch.nn.Module):

        def forward(self, x):
            q = x[:, :, :5]  # [batch, heads, 5 queries, 8]
            return torch.nn.functional.scaled_dot_product_attention(q, x, x)

    x = torch.zeros(2, 4, 7, 8)  # 7 keys of 8 channels
    result = tool.count_flops(Attention(), x)
    assert result == dict(flops=2 * 4 * 5 * 7 * (8 + 8), skipped=[])
