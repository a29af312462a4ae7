"""tools/analysis/benchmark.py --gpu-check on the CPU at a tiny size: one
Markdown table with the device, the versions and every column (float32 and
AMP training step, inference, peak memory, the config's train loader next
to the step); benchmarks/gpu_check.sh is its wrapper.

The model is tests/fixtures/training.py's tiny FCN on its 64x64 tree,
its train loader with one worker, its loss class-weighted from a file that
does not exist yet; --quick times one call of each.
"""
import os.path as osp
import re

import pytest
import torch

from tests.fixtures.training import (PYTHON, REPO, SCENES, run, write_config,
                                     write_tiny_tree)
from tests.test_tools.test_benchmark import BENCHMARK, _number, _table

GPU_CHECK = osp.join(REPO, 'benchmarks', 'gpu_check.sh')
COLUMNS = [
    'config', 'size (WxH)', 'params', 'trainable', 'mode', 'GFLOPs',
    'latency (ms, batch 2)', 'throughput (img/s)',
    'infer mem (MiB, peak RSS growth)', 'train step (ms, batch 2)',
    'train mem (MiB)', 'train (img/s)', 'AMP train step (ms)',
    'AMP train (img/s)', 'AMP train mem (MiB)', 'loader (frames/s)',
    'loader / train'
]


@pytest.fixture(scope='module')
def check(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('gpu_check')
    data = str(tmp / 'a2d2')
    write_tiny_tree(data)
    config = write_config(str(tmp / 'tiny_fcn.py'), data)
    with open(config, 'a') as f:
        # the class-weight tool reads the scenes the loader reads (the
        # tiny tree has no official split lists)
        f.write('train_dataloader.update(num_workers=1, '
                'persistent_workers=True)\n'
                f"train_dataloader['dataset']['scenes'] = {list(SCENES)}\n")
        # a class-weighted loss whose weight file is not written yet (as
        # the seed Mask2Former-lite's before the class-weight tool runs)
        f.write("class_weight = 'no_such_dir/class_weights.json'\n"
                "model['decode_head']['loss_decode'] = dict("
                "type='IgnoreSafeCrossEntropyLoss', use_sigmoid=False, "
                "loss_weight=1.0, class_weight=class_weight)\n")
    out = str(tmp / 'check.md')
    proc = run([PYTHON, BENCHMARK, '--gpu-check', '--quick', '--threads', '1',
                config, '--device', 'cpu', '--sizes', '64x64',
                '--loader-data', data, '-o', out,
                '--work-dir', str(tmp / 'work')], cwd=str(tmp), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    with open(out) as f:
        text = f.read()
    return dict(proc=proc, text=text, out=out, data=data, tmp=tmp)


def test_one_table_with_every_column(check):
    assert check['proc'].returncode == 0, check['proc'].stdout[-3000:]
    assert check['text'] in check['proc'].stdout
    assert '==> GPU check on cpu: 64x64, batch 2, 0 warm-up + 1 timed ' \
        'calls, loader 3 batches' in check['proc'].stdout
    text = check['text']
    assert text.startswith('# Benchmark\n\nMachine: CPU ')
    assert f'torch {torch.__version__}' in text
    assert 'AMP: forward and loss under torch.autocast bfloat16' in text
    assert f'on {check["data"]}, 3 timed batches after 2' in text
    assert text.count('\n|') == 3  # header, rule, one row
    header, rows = _table(text)
    assert header == COLUMNS
    assert [(r['config'], r['size (WxH)'], r['mode']) for r in rows] == [
        ('tiny_fcn', '64x64', 'predict')]


def test_cells_are_numbers_and_agree(check):
    _, [row] = _table(check['text'])
    for column in COLUMNS[2:]:
        if column in ('mode', 'loader (frames/s)'):
            continue
        assert _number(row[column]) >= 0, column
    train_ms = _number(row['train step (ms, batch 2)'])
    amp_ms = _number(row['AMP train step (ms)'])
    assert train_ms > 0 and amp_ms > 0
    # images/s = batch 2 / step time (both rounded in the table)
    assert _number(row['train (img/s)']) == pytest.approx(
        2e3 / train_ms, rel=0.02, abs=0.01)
    assert _number(row['AMP train (img/s)']) == pytest.approx(
        2e3 / amp_ms, rel=0.02, abs=0.01)
    assert _number(row['throughput (img/s)']) == pytest.approx(
        2e3 / _number(row['latency (ms, batch 2)']), rel=0.02, abs=0.01)
    # the loader with the config's worker, against the faster step
    match = re.fullmatch(r'(\d+\.\d\d) \(1 workers\)',
                         row['loader (frames/s)'])
    assert match, row['loader (frames/s)']
    fastest = max(_number(row['train (img/s)']),
                  _number(row['AMP train (img/s)']))
    assert _number(row['loader / train']) == pytest.approx(
        float(match.group(1)) / fastest, rel=0.05, abs=0.01)


def test_missing_class_weights_come_from_the_loader_data(check):
    work = check['tmp'] / 'work'
    assert (f"tiny_fcn.py: no no_such_dir/class_weights.json; class weights "
            f"of {check['data']} instead") in check['proc'].stdout
    wrapper = (work / 'configs' / 'tiny_fcn.py').read_text()
    assert wrapper == (
        f"_base_ = ['{check['tmp'] / 'tiny_fcn.py'}']\n"
        "model = dict(decode_head=dict(loss_decode=dict(\n"
        f"    class_weight='{work / 'class_weights.json'}')))\n")
    assert (work / 'class_weights.json').is_file()
    assert not (check['tmp'] / 'no_such_dir').exists()


def test_missing_loader_data_is_a_clear_error(tmp_path):
    missing = str(tmp_path / 'no_data')
    proc = run(['bash', GPU_CHECK, '--quick', '--device', 'cpu',
                '--loader-data', missing,
                osp.join(REPO, 'configs', 'unet_r50_a2d2.py'),
                '-o', str(tmp_path / 'x.md')], cwd=str(tmp_path),
               PYTHON=PYTHON)
    assert proc.returncode == 2
    assert f'--loader-data: no such folder: {missing}' in proc.stdout
    assert not (tmp_path / 'x.md').exists()
