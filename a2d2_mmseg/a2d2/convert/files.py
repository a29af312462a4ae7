"""Files of a conversion: atomic writes, source reads, the output lock.

Every output is written to ``.<name>.tmp-<pid>`` beside it and renamed;
a failing write raises :class:`OutputError` naming the file.
"""
import contextlib
import fcntl
import itertools
import json
import os
import os.path as osp
import re
import socket
import sys
import time
from typing import Callable, List, Optional, Tuple

from a2d2_mmseg.a2d2.class_list import parse_json

LOCK_FILE = '.a2d2_converter.lock'
_TMP_RE = re.compile(r'^\..+\.tmp-\d+$')


class ConversionError(RuntimeError):
    """The conversion cannot go on or some frames failed."""


class OutputError(ConversionError):
    """An output that cannot be written (names it); the run stops."""


def describe_os_error(error: OSError) -> str:
    """``'[Errno 28] No space left on device'`` (no file names)."""
    if error.errno is None:
        return str(error)
    return f'[Errno {error.errno}] {error.strerror}'


def output_error(path: str, error: OSError,
                 what: str = 'output file') -> OutputError:
    """An :class:`OutputError` for ``path`` from the ``OSError`` it raised."""
    return OutputError(f'{path}: cannot write this {what}: '
                       f'{describe_os_error(error)}')


def tmp_path_for(path: str) -> str:
    """The temp file ``path`` is written to before its rename."""
    folder, name = osp.split(path)
    return osp.join(folder, f'.{name}.tmp-{os.getpid()}')


def atomic_write(path: str, data: bytes, fsync: bool = False) -> None:
    """Write ``data`` to a temp file beside ``path`` (fsync'ed with
    ``fsync``), then rename it; OutputError if either fails (the temp file is
    removed)."""
    tmp = tmp_path_for(path)
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        if isinstance(e, OSError):
            raise output_error(path, e) from None
        raise


def make_dirs(folder: str) -> None:
    """``os.makedirs(folder, exist_ok=True)``, or :class:`OutputError`."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise output_error(folder, e, 'output folder') from None


def read_file(path: str) -> bytes:
    """The bytes of a file the converter itself wrote (marker, list)."""
    with open(path, 'rb') as f:
        return f.read()


def read_source(path: str) -> Tuple[bytes, os.stat_result]:
    """Read a source file and its stat, taken from the descriptor read.

    Raises:
        ConversionError: The file cannot be opened or read (names it).
    """
    try:
        with open(path, 'rb') as f:
            st = os.fstat(f.fileno())
            return f.read(), st
    except OSError as e:
        raise ConversionError(
            f'{path}: cannot read: {describe_os_error(e)}') from None


def remove_stale_tmp(out_dir: str) -> List[str]:
    """Remove the temp files left by a killed run; return their paths."""
    removed = []
    for sub in ('', 'images', 'labels'):
        top = osp.join(out_dir, sub)
        if not osp.isdir(top):
            continue
        walker = [(top, [], os.listdir(top))] if not sub else os.walk(top)
        for folder, _, names in walker:
            for name in names:
                path = osp.join(folder, name)
                if _TMP_RE.match(name) and osp.isfile(path):
                    try:
                        os.remove(path)
                    except OSError as e:
                        raise output_error(path, e, 'temp file') from None
                    removed.append(path)
    return removed


class OutputLock:
    """An exclusive ``flock`` on ``OUT/.a2d2_converter.lock``.

    The file is never removed (a next run would lock a new file while this
    one writes); the holder records its pid, host and start time in it. A
    killed holder releases the lock with its descriptor.

    Args:
        out_dir (str): The output folder (must exist).
        timeout (float): Seconds to wait for a busy lock before refusing.
        log (callable, optional): Receives one line when the wait starts.
    """

    def __init__(self, out_dir: str, timeout: float = 10.0,
                 log: Optional[Callable[[str], None]] = None):
        self.path = osp.join(out_dir, LOCK_FILE)
        self.out_dir = out_dir
        self.timeout = float(timeout)
        self.log = log or (lambda msg: None)
        self.fd: Optional[int] = None

    def holder(self, fd: int) -> str:
        """Who holds the lock, from the file's content."""
        try:
            info = parse_json(os.pread(fd, 4096, 0), self.path, ValueError)
            return (f"pid {info['pid']} on {info['host']} since "
                    f"{info['since']} ({info['command']})")
        except (OSError, ValueError, KeyError, TypeError):
            return 'a process that has not recorded itself yet'

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout`` seconds.

        Raises:
            ConversionError: Another run holds it after ``timeout`` (names the
                lock file and its holder).
            OutputError: The lock file cannot be created or written.
        """
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                         0o644)
        except OSError as e:
            raise output_error(self.path, e, 'lock file') from None
        try:
            deadline = time.monotonic() + self.timeout
            for attempt in itertools.count():
                with contextlib.suppress(BlockingIOError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                if time.monotonic() >= deadline:
                    raise ConversionError(
                        f'{self.out_dir}: another conversion is writing into '
                        f'this folder: {self.path} is locked by '
                        f'{self.holder(fd)}; waited {self.timeout:g} s. Wait '
                        'for it to finish (or stop it), then run again')
                if attempt == 0:
                    self.log(f'waiting up to {self.timeout:g} s for '
                             f'{self.path}, locked by {self.holder(fd)}')
                time.sleep(0.05)
            me = dict(pid=os.getpid(), host=socket.gethostname(),
                      since=time.strftime('%Y-%m-%dT%H:%M:%S'),
                      command=' '.join(sys.argv)[:200])
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, json.dumps(me).encode('utf-8'), 0)
            except OSError as e:
                raise output_error(self.path, e, 'lock file') from None
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def release(self) -> None:
        """Clear the holder record and unlock."""
        fd, self.fd = self.fd, None
        if fd is None:
            return
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> 'OutputLock':
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
