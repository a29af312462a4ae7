"""Files of a conversion: atomic writes, the output lock, the state file.

Every output is written to ``.<name>.tmp-<pid>`` beside it and renamed;
a failing write raises :class:`OutputError` naming the file. The state
file (:class:`FrameState`) records the four files of each frame: an
unchanged, non-racy stat (:data:`RACY_NS`) or else the same content
proves a frame up to date (docs/dataset_prepare.md, safety and reruns).
"""
import contextlib
import fcntl
import hashlib
import itertools
import json
import os
import os.path as osp
import re
import socket
import sys
import time
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from a2d2_mmseg.a2d2.class_list import parse_json

LOCK_FILE = '.a2d2_converter.lock'
STATE_FILE = '.a2d2_state.jsonl'
STATE_FORMAT = 'a2d2_mmseg_state'
STATE_VERSION = 1
# A stat proves nothing when its ctime is this close to when it was seen:
# a later write could share it (git's "racy" index entries). A write always
# changes the ctime, so a file restored with an old mtime (tar -x, cp -p)
# shows.
RACY_NS = 1_000_000_000
FILE_ROLES = ('img_src', 'lbl_src', 'img_dst', 'lbl_dst')
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


def atomic_write(path: str, data: bytes,
                 fsync: bool = False) -> os.stat_result:
    """Write ``data`` to a temp file beside ``path`` (fsync'ed with
    ``fsync``), then rename it; return the written file's stat. OutputError
    if either fails (the temp file is removed)."""
    folder, name = osp.split(path)
    tmp = osp.join(folder, f'.{name}.tmp-{os.getpid()}')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
        return os.stat(path)
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


def remove_file(path: str, what: str = 'output file') -> None:
    """Remove ``path`` if it exists, or :class:`OutputError`."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        raise output_error(path, e, what) from None


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
    """Remove the temp files left by a killed run in ``out_dir`` (which
    exists), its images/ and labels/; return their paths."""
    removed = []
    for folder, _, names in itertools.chain(
            [(out_dir, [], os.listdir(out_dir))],
            os.walk(osp.join(out_dir, 'images')),
            os.walk(osp.join(out_dir, 'labels'))):
        for name in names:
            path = osp.join(folder, name)
            if _TMP_RE.match(name) and osp.isfile(path):
                remove_file(path, 'temp file')
                removed.append(path)
    return removed


def lock_holder(fd: int, path: str) -> str:
    """Who holds the lock file ``path`` (open as ``fd``), from its
    content."""
    try:
        info = parse_json(os.pread(fd, 4096, 0), path, ValueError)
        return (f"pid {info['pid']} on {info['host']} since "
                f"{info['since']} ({info['command']})")
    except (OSError, ValueError, KeyError, TypeError):
        return 'a process that has not recorded itself yet'


@contextlib.contextmanager
def output_lock(out_dir: str,
                timeout: float = 10.0,
                log: Optional[Callable[[str], None]] = None) -> Iterator[int]:
    """Hold an exclusive ``flock`` on ``OUT/.a2d2_converter.lock``, never
    removed (a next run would lock a new file while this one writes); the
    holder's pid, host and start time are in it while it holds it.

    Args:
        out_dir (str): The output folder (must exist).
        timeout (float): Seconds to wait for a busy lock before refusing.
        log (callable, optional): Receives one line when the wait starts.

    Yields:
        int: The lock file's descriptor (workers must close it).

    Raises:
        ConversionError: Another run holds it after ``timeout`` (names the
            lock file and its holder).
        OutputError: The lock file cannot be created or written.
    """
    path = osp.join(out_dir, LOCK_FILE)
    timeout = float(timeout)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise output_error(path, e, 'lock file') from None
    try:
        deadline = time.monotonic() + timeout
        for attempt in itertools.count():
            with contextlib.suppress(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            if time.monotonic() >= deadline:
                raise ConversionError(
                    f'{out_dir}: another conversion is writing into this '
                    f'folder: {path} is locked by {lock_holder(fd, path)}; '
                    f'waited {timeout:g} s. Wait for it to finish (or stop '
                    'it), then run again')
            if attempt == 0 and log is not None:
                log(f'waiting up to {timeout:g} s for {path}, locked by '
                    f'{lock_holder(fd, path)}')
            time.sleep(0.05)
        me = dict(pid=os.getpid(), host=socket.gethostname(),
                  since=time.strftime('%Y-%m-%dT%H:%M:%S'),
                  command=' '.join(sys.argv)[:200])
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(me).encode('utf-8'), 0)
        except OSError as e:
            raise output_error(path, e, 'lock file') from None
        try:
            yield fd
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def digest(data: bytes) -> str:
    """The content digest recorded for ``data`` (BLAKE2b, 128 bits)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stat_key(st: os.stat_result) -> list:
    """``[device, inode, mtime_ns, ctime_ns]`` of a stat result."""
    return [st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def identity(data: bytes, st: os.stat_result,
             hex_digest: Optional[str] = None) -> dict:
    """The record (``size``, ``blake2b``, ``stat``, ``seen_ns``) of a file
    whose content is ``data`` (``hex_digest`` if known) and stat ``st``
    (taken before reading or after writing)."""
    return dict(size=len(data), blake2b=hex_digest or digest(data),
                stat=stat_key(st), seen_ns=time.time_ns())


def unchanged_by_stat(path: str, record: dict) -> Optional[bool]:
    """True if the stat proves the recorded content, False if changed, else
    None."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    if st.st_size != record['size']:
        return False
    if (stat_key(st) == record['stat']
            and record['stat'][3] < record['seen_ns'] - RACY_NS):
        return True
    return None


def unchanged_by_content(path: str, record: dict) -> Optional[dict]:
    """A fresh record of ``path`` if its content is the recorded one, else
    None."""
    try:
        data, st = read_source(path)
    except ConversionError:
        return None
    hex_digest = digest(data)
    if len(data) != record['size'] or hex_digest != record['blake2b']:
        return None
    return identity(data, st, hex_digest)


def _valid_record(rec) -> bool:
    """Whether a parsed state line is a frame record."""
    try:
        return (isinstance(rec['key'], str)
                and all(isinstance(rec['files'][r]['size'], int)
                        and isinstance(rec['files'][r]['blake2b'], str)
                        and len(rec['files'][r]['stat']) == 4
                        and isinstance(rec['files'][r]['seen_ns'], int)
                        for r in FILE_ROLES)
                and isinstance(rec['hist'], dict)
                and isinstance(rec['unknown'], dict))
    except (KeyError, TypeError):
        return False


class FrameState:
    """The state file of one output folder.

    Args:
        out_dir (str): The output folder.
        options (dict): The options the records are valid for; records of
            other options are dropped.
        fsync (bool): fsync the file after every appended line.
    """

    def __init__(self, out_dir: str, options: dict, fsync: bool = False):
        self.path = osp.join(out_dir, STATE_FILE)
        self.header = dict(format=STATE_FORMAT, version=STATE_VERSION,
                           options=options)
        self.fsync = fsync
        self.records: Dict[str, dict] = {}

    def load(self) -> None:
        """Read the records; what cannot be parsed is converted again."""
        self.records = {}
        try:
            with open(self.path, 'rb') as f:
                lines = f.read().split(b'\n')
            # parse_json: deep nesting is a ValueError too, not a crash.
            if parse_json(lines[0], self.path, ValueError) != self.header:
                return  # other options or format: every frame is converted
        except FileNotFoundError:
            return
        except OSError as e:
            raise OutputError(f'{self.path}: cannot read the state file: '
                              f'{describe_os_error(e)}') from None
        except ValueError:
            return
        for line in lines[1:]:
            with contextlib.suppress(ValueError):
                rec = parse_json(line, self.path, ValueError)
                if _valid_record(rec):
                    self.records[rec['key']] = rec

    def save(self) -> None:
        """Write the header and the records, one line per frame."""
        lines = [json.dumps(self.header)]
        lines += [json.dumps(self.records[k], separators=(',', ':'))
                  for k in sorted(self.records)]
        atomic_write(self.path, ('\n'.join(lines) + '\n').encode(),
                     self.fsync)

    def add(self, result: dict) -> None:
        """Record a frame's :mod:`.frame` result: append its ``record`` (if
        any) as one line."""
        record = result.get('record')
        if record is None:
            return
        self.records[record['key']] = record
        try:
            with open(self.path, 'ab') as f:
                f.write((json.dumps(record, separators=(',', ':')) +
                         '\n').encode())
                if self.fsync:
                    f.flush()
                    os.fsync(f.fileno())
        except OSError as e:
            raise output_error(self.path, e, 'state file') from None
