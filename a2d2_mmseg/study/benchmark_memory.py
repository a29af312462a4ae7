"""Peak memory of a block of code: CUDA allocations or CPU RSS growth."""
import gc
import os
import sys
import threading
from typing import Optional

__all__ = ['MiB', 'PeakMemory']

MiB = 1024.0**2


def _rss_bytes() -> Optional[int]:
    """The process's resident set size from ``/proc/self/statm``."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError, IndexError):
        return None


def _maxrss_bytes() -> int:
    """The process's highest RSS so far (``getrusage``), in bytes."""
    import resource
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == 'darwin' else value * 1024


def _malloc_trim() -> None:
    """Return freed heap memory to the system where glibc allows it."""
    try:
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMemory:
    """Peak memory of the calls inside ``with``, in bytes (``.peak``).

    CUDA: ``torch.cuda.max_memory_allocated()`` after
    ``reset_peak_memory_stats()`` (absolute: includes the weights). CPU:
    growth of the resident set size above its value at the start, sampled
    every ``interval`` seconds from ``/proc/self/statm`` by a thread and
    combined with ``ru_maxrss`` (exact, but only when the block sets a new
    process high). ``malloc_trim`` runs first where glibc has it.

    Args:
        device (str): ``'cpu'`` or ``'cuda'``.
        interval (float): CPU sampling interval in seconds. Defaults to
            0.002.
    """

    def __init__(self, device: str, interval: float = 0.002):
        self.device = device
        self.interval = interval
        self.peak: Optional[int] = None

    def __enter__(self):
        import torch
        gc.collect()
        if self.device == 'cuda':
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
        import torch
        if self.device == 'cuda':
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
