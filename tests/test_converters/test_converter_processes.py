"""The converter's command line as real processes: killed parents, and two
runs on one output folder.

A FIFO in place of the last frame's label holds a run deterministically
mid-run: the converter blocks opening it until the test writes the label.
"""
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest

from a2d2_mmseg.a2d2 import convert as conv
from tests.fixtures.trees import raw_paths, write_png, write_raw_tree
from tests.test_converters.test_a2d2_converter import (CONVERTER, SCENES,
                                                       cli_env, outputs,
                                                       tiny_frames)

WAIT_S = 120  # upper bound for a subprocess to reach a point (busy CPUs)


def session_processes(sid):
    """Live (not zombie) processes of session ``sid``: ``{pid: ppid}``."""
    found = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open(f'/proc/{name}/stat') as f:
                stat = f.read()
        except OSError:
            continue  # ended meanwhile
        # Fields after "pid (comm)": state ppid pgrp session ...
        fields = stat[stat.rindex(')') + 2:].split()
        if int(fields[3]) == sid and fields[0] != 'Z':
            found[int(name)] = int(fields[1])
    return found


def state_records(out):
    """Frames recorded in OUT's state file (0 before it exists)."""
    try:
        with open(osp.join(out, conv.STATE_FILE)) as f:
            return f.read().count('\n') - 1
    except FileNotFoundError:
        return 0


def wait_for(what, condition, proc=None, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc is None or proc.poll() is None, (
            f'exited (rc {proc.returncode}) before {what}')
        assert time.monotonic() < deadline, f'timed out waiting for {what}'
        time.sleep(0.02)


def fifo_tree(tmp_path, num=4):
    """A raw tree whose last label is a FIFO; returns (raw, fifo, label)."""
    raw = str(tmp_path / 'raw')
    frames = tiny_frames(num=num)
    write_raw_tree(raw, frames)
    last_frame, last_label = frames[SCENES[-1]][-1]
    fifo = raw_paths(raw, SCENES[-1], last_frame)[2]
    os.remove(fifo)
    os.mkfifo(fifo)
    return raw, fifo, last_label


def feed_fifo(fifo, label, tmp_path):
    """Give the blocked reader of ``fifo`` the label's PNG bytes and put a
    regular file with the same bytes at its path."""
    png = str(tmp_path / 'label.png')
    write_png(png, label)
    with open(png, 'rb') as f:
        data = f.read()
    with open(fifo, 'wb') as w:  # returns once the converter has it open
        os.replace(png, fifo)
        w.write(data)


def start(raw, out, *args, stdout=subprocess.DEVNULL):
    return subprocess.Popen(
        [sys.executable, CONVERTER, raw, '-o', out, '--size', 'original',
         *args], stdout=stdout, stderr=subprocess.PIPE, env=cli_env(),
        start_new_session=True)


def clean_run(raw, tmp_path):
    clean = str(tmp_path / 'clean')
    conv.convert(raw, clean, size=None, verbose=False)
    return outputs(clean)


@pytest.mark.parametrize('sig', [signal.SIGKILL, signal.SIGTERM],
                         ids=['SIGKILL', 'SIGTERM'])
def test_killed_parent_leaves_no_worker(tmp_path, sig):
    raw, fifo, label = fifo_tree(tmp_path)
    out = str(tmp_path / 'out')
    proc = start(raw, out, '--nproc', '2')
    try:
        # 7 of 8 frames recorded; one worker blocks on the FIFO.
        wait_for('7 frames', lambda: state_records(out) == 7, proc)
        workers = {p for p, ppid in session_processes(proc.pid).items()
                   if ppid == proc.pid}
        assert len(workers) == 2
        os.kill(proc.pid, sig)  # the parent only, not its process group
        proc.wait(timeout=WAIT_S)
        deadline = time.monotonic() + 5
        while session_processes(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert session_processes(proc.pid) == {}
    finally:
        for pid in session_processes(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -sig
    assert not osp.exists(osp.join(out, 'a2d2_converted.json'))
    assert osp.exists(osp.join(out, conv.PENDING_MARKER))
    # A truncated temp file, as a kill during a write leaves one.
    stale = osp.join(out, 'labels', SCENES[-1],
                     '.' + osp.basename(fifo) + '.tmp-999999')
    with open(stale, 'wb') as f:
        f.write(b'\x89PNG\r\n')
    os.remove(fifo)
    write_png(fifo, label)
    # The lock is free at once (lock_timeout=0 refuses a held lock).
    summary = conv.convert(raw, out, size=None, nproc=2, verbose=False,
                           lock_timeout=0)
    assert summary['frames'] == dict(total=8, converted=1, skipped=7,
                                     failed=0)
    assert not osp.exists(stale)
    assert outputs(out) == clean_run(raw, tmp_path)


def test_second_run_is_refused_or_waits(tmp_path):
    raw, fifo, label = fifo_tree(tmp_path)
    out = str(tmp_path / 'out')
    lock = osp.join(out, conv.LOCK_FILE)
    log1 = open(tmp_path / 'run1.txt', 'w+')
    log2 = open(tmp_path / 'run2.txt', 'w+')
    first = start(raw, out, stdout=log1)
    waiter = None
    try:
        wait_for('7 frames', lambda: state_records(out) == 7, first)
        snapshot = outputs(out)
        # With a short timeout: refused, naming the lock and its holder.
        with pytest.raises(conv.ConversionError) as e:
            conv.convert(raw, out, size=None, verbose=False,
                         lock_timeout=0.5)
        assert re.fullmatch(
            rf'{re.escape(out)}: another conversion is writing into this '
            rf'folder: {re.escape(lock)} is locked by pid {first.pid} on '
            r'\S+ since [0-9T:-]+ \(.*a2d2\.py .*\); waited 0\.5 s\. Wait '
            r'for it to finish \(or stop it\), then run again', str(e.value))
        assert outputs(out) == snapshot and state_records(out) == 7
        # With a long timeout: waits, then finds everything up to date.
        waiter = start(raw, out, '--lock-timeout', str(WAIT_S), '--nproc',
                       '2', stdout=log2)
        wait_for('the wait message',
                 lambda: 'waiting up to' in (tmp_path / 'run2.txt')
                 .read_text(), waiter)
        assert f'for {lock}, locked by pid {first.pid} ' in (
            tmp_path / 'run2.txt').read_text()
        assert outputs(out) == snapshot
        feed_fifo(fifo, label, tmp_path)
        assert first.wait(timeout=WAIT_S) == 0, first.stderr.read()
        assert waiter.wait(timeout=WAIT_S) == 0, waiter.stderr.read()
    finally:
        for proc in (first, waiter):
            if proc is not None:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                proc.stderr.close()
        log1.close()
        log2.close()
    log1 = (tmp_path / 'run1.txt').read_text()
    log2 = (tmp_path / 'run2.txt').read_text()
    assert '8 converted, 0 skipped (up to date), 0 failed' in log1
    assert '0 converted, 8 skipped (up to date), 0 failed' in log2
    assert outputs(out) == clean_run(raw, tmp_path)


def test_simultaneous_runs_one_writes(tmp_path):
    raw = str(tmp_path / 'raw')
    write_raw_tree(raw, tiny_frames(num=6))
    out = str(tmp_path / 'out')
    procs = [start(raw, out, '--lock-timeout', str(WAIT_S),
                   stdout=subprocess.PIPE) for _ in range(2)]
    counts = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=WAIT_S)
        assert proc.returncode == 0, stderr.decode()
        m = re.search(r'(\d+) converted, (\d+) skipped', stdout.decode())
        counts.append((int(m.group(1)), int(m.group(2))))
    assert sorted(counts) == [(0, 12), (12, 0)]
    with open(osp.join(out, conv.SUMMARY_FILE)) as f:
        assert json.load(f)['frames']['total'] == 12
    assert outputs(out) == clean_run(raw, tmp_path)
