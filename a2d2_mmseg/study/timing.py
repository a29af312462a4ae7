"""What every benchmark (:mod:`.benchmark`, ``benchmarks/bench_*.py``)
shares: the machine line, timing, peak memory, short error texts and
JSON-line worker processes. Imports only the standard library at module
level (torch, OpenCV and OpenMMLab load when asked for).
"""
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

__all__ = [
    'MiB', 'machine_line', 'thread_env', 'short_error', 'call_times',
    'timed_median', 'PeakMemory', 'LineWorker'
]

MiB = 1024.0**2
OPENMMLAB = ('torch', 'mmcv', 'mmengine', 'mmseg')


def _cpu_name() -> str:
    """``/proc/cpuinfo``'s first ``model name``, else what platform says."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.lower().startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or 'unknown CPU'


def machine_line(device: str = 'cpu',
                 threads: Optional[int] = None,
                 libraries: Sequence[str] = OPENMMLAB) -> str:
    """CPU (or GPU), thread counts and library versions, one line.

    Args:
        device (str): ``'cpu'`` or ``'cuda'``.
        threads (int, optional): torch's CPU threads, shown for CPU runs;
            default ``torch.get_num_threads()`` when ``torch`` is listed.
        libraries (Sequence[str]): Modules whose versions are listed
            (``cv2`` also with its thread count).

    Returns:
        str: E.g. ``'CPU <name>, 2 logical cores (2 usable), torch threads
        2; Linux x86_64, python 3.11.9, torch ..., mmseg ...'``.
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    head = (f'CPU {_cpu_name()}, {os.cpu_count()} logical cores '
            f'({usable} usable)')
    if device == 'cuda':
        import torch
        head = (f'GPU {torch.cuda.get_device_name(0)} '
                f'(CUDA {torch.version.cuda}), {head}')
    else:
        if threads is None and 'torch' in libraries:
            import torch
            threads = torch.get_num_threads()
        if threads:
            head += f', torch threads {threads}'
    versions = []
    for name in libraries:
        module = importlib.import_module(name)
        if name == 'cv2':
            versions.append(f'opencv {module.__version__} '
                            f'(cv2 threads {module.getNumThreads()})')
        else:
            versions.append(f'{name} {module.__version__}')
    return ', '.join([
        f'{head}; {platform.system()} {platform.machine()}, python '
        f'{platform.python_version()}'
    ] + versions)


def thread_env(threads: Optional[int], **extra: str) -> Dict[str, str]:
    """``os.environ`` with ``extra`` and, when ``threads`` is given,
    ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` (for a child process)."""
    env = dict(os.environ, **extra)
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def short_error(error: BaseException) -> str:
    """``'TypeName: first line of the message'`` (at most 160 characters of
    message), for a table cell or note."""
    text = str(error).strip().splitlines()
    text = text[0] if text else ''
    if len(text) > 160:
        text = text[:157] + '...'
    return f'{type(error).__name__}: {text}' if text else type(error).__name__


def _sync(device: str) -> None:
    if device == 'cuda':
        import torch
        torch.cuda.synchronize()


def call_times(fn: Callable[..., Any],
               repeat: int,
               device: str = 'cpu',
               warmup: int = 0,
               args: Sequence[tuple] = ((), )) -> List[float]:
    """Seconds of each call ``fn(*a)``, every ``a`` of ``args`` in turn,
    ``repeat`` rounds after ``warmup`` untimed ones (CUDA synchronised
    before and after each timed call)."""
    for _ in range(warmup):
        for a in args:
            fn(*a)
    times: List[float] = []
    for _ in range(repeat):
        for a in args:
            _sync(device)
            start = time.perf_counter()
            fn(*a)
            _sync(device)
            times.append(time.perf_counter() - start)
    return times


def timed_median(fn: Callable[[], Any],
                 repeat: int,
                 device: str = 'cpu',
                 warmup: int = 0) -> float:
    """Median seconds of ``repeat`` calls of ``fn`` (:func:`call_times`)."""
    return statistics.median(call_times(fn, repeat, device, warmup))


def _rss_bytes() -> Optional[int]:
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError, IndexError):
        return None


def _maxrss_bytes() -> int:
    import resource
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == 'darwin' else value * 1024


def _malloc_trim() -> None:
    try:
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMemory:
    """Peak memory of the calls inside ``with``, in bytes (``.peak``).

    CUDA: ``torch.cuda.max_memory_allocated()`` (includes the weights).
    CPU: growth of the resident set size above its value at the start,
    sampled every ``interval`` seconds from ``/proc/self/statm`` by a thread
    and combined with ``ru_maxrss`` (exact when the block sets a new process
    high), after ``malloc_trim`` where glibc has it.
    """

    def __init__(self, device: str, interval: float = 0.002):
        self.device = device
        self.interval = interval
        self.peak: Optional[int] = None

    def __enter__(self):
        gc.collect()
        if self.device == 'cuda':
            import torch
            torch.cuda.synchronize()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            return self
        _malloc_trim()
        self._start = _rss_bytes()
        self._start_max = _maxrss_bytes()
        self._sampled = self._start or 0
        self._stop = threading.Event()
        self._thread = None
        if self._start is not None:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            rss = _rss_bytes()
            if rss is not None and rss > self._sampled:
                self._sampled = rss
            self._stop.wait(self.interval)

    def __exit__(self, *exc):
        if self.device == 'cuda':
            import torch
            torch.cuda.synchronize()
            self.peak = int(torch.cuda.max_memory_allocated())
            return False
        rss = _rss_bytes()
        if rss is not None:
            self._sampled = max(self._sampled, rss)
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
        end_max = _maxrss_bytes()
        if self._start is None:  # no /proc: ru_maxrss growth only
            self.peak = end_max - self._start_max
        else:
            peak = self._sampled
            if end_max > self._start_max:  # a new process high: exact
                peak = max(peak, end_max)
            self.peak = max(0, peak - self._start)
        return False


class LineWorker:
    """A process ``cmd`` that answers each command written to its stdin
    with one JSON line on stdout (other lines are skipped); its first JSON
    line, once it is ready, is :attr:`ready`. Its stderr goes to the file
    ``log``, whose tail is in the RuntimeError raised when it ends without
    answering (also raised for a reply with an ``error`` key).
    """

    def __init__(self, cmd: List[str], log: str, env: Optional[dict] = None,
                 cwd: Optional[str] = None):
        self.log_path = log
        self.log = open(log, 'w')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, env=env, cwd=cwd)
        self.ready = self._reply()

    def _reply(self) -> dict:
        for line in self.proc.stdout:
            if line.startswith('{'):
                reply = json.loads(line)
                if 'error' in reply:
                    raise RuntimeError(reply['error'])
                return reply
        self.proc.wait()
        self.log.flush()
        with open(self.log_path) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{self.log_path}: the worker exited with status '
                           f'{self.proc.returncode}; its stderr:\n{tail}')

    def call(self, command: str) -> dict:
        """Send one command line; return its JSON reply."""
        self.proc.stdin.write(command + '\n')
        self.proc.stdin.flush()
        return self._reply()

    def close(self, command: str = 'quit', answered: bool = False
              ) -> Optional[dict]:
        """Send ``command`` (the reply is read when ``answered``), wait for
        the end (killed after 60 s) and return the reply."""
        reply = None
        try:
            if self.proc.poll() is None:
                if answered:
                    reply = self.call(command)
                else:
                    self.proc.stdin.write(command + '\n')
                self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()
        finally:
            self.log.close()
        return reply
