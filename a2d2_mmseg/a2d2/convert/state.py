"""What a conversion has done: per frame, the identity of its four files.

``OUT/.a2d2_state.jsonl``: a header line (the run's options), then one
JSON line per converted frame with, for both sources and both outputs,
size, BLAKE2b digest and stat identity, plus the mask's class histogram
and unknown colours. A frame is up to date when its four files still
have the recorded content: an unchanged, non-racy stat proves it (see
:data:`RACY_NS`), else the content is hashed (docs/dataset_prepare.md).
Lines are appended as frames finish (a torn last line is ignored) and
the file is compacted at the end of a run.
"""
import hashlib
import json
import os
import os.path as osp
import time
from typing import Dict, Optional

from a2d2_mmseg.a2d2.class_list import parse_json
from a2d2_mmseg.a2d2.convert.files import (OutputError, atomic_write,
                                           describe_os_error, output_error)

STATE_FILE = '.a2d2_state.jsonl'
STATE_FORMAT = 'a2d2_mmseg_state'
STATE_VERSION = 1
# A stat proves nothing when its ctime is this close to when it was seen:
# a later write could share it (git's "racy" index entries). A write always
# changes the ctime, so a file restored with an old mtime (tar -x, cp -p)
# shows.
RACY_NS = 1_000_000_000
FILE_ROLES = ('img_src', 'lbl_src', 'img_dst', 'lbl_dst')
_READ_CHUNK = 1 << 20


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
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, 'rb') as f:
            st = os.fstat(f.fileno())
            while chunk := f.read(_READ_CHUNK):
                h.update(chunk)
    except OSError:
        return None
    if st.st_size != record['size'] or h.hexdigest() != record['blake2b']:
        return None
    return dict(record, stat=stat_key(st), seen_ns=time.time_ns())


def _valid_record(rec) -> bool:
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
        self._file = None
        self._rewrite = True
        self._appended = 0

    def load(self) -> None:
        """Read the records; what cannot be parsed is converted again."""
        self.records = {}
        self._rewrite = True
        try:
            with open(self.path, 'rb') as f:
                lines = f.read().split(b'\n')
        except FileNotFoundError:
            return
        except OSError as e:
            raise OutputError(f'{self.path}: cannot read the state file: '
                              f'{describe_os_error(e)}') from None
        try:
            # parse_json: deep nesting is a ValueError too, not a crash.
            header = parse_json(lines[0], self.path, ValueError)
        except ValueError:
            return
        if header != self.header:
            return  # other options or format: every frame is converted
        self._rewrite = not lines[-1] == b''  # a torn last line
        for line in lines[1:]:
            try:
                rec = parse_json(line, self.path, ValueError)
            except ValueError:
                self._rewrite = self._rewrite or bool(line)
                continue
            if _valid_record(rec):
                self.records[rec['key']] = rec

    def _write_all(self) -> None:
        lines = [json.dumps(self.header)]
        lines += [json.dumps(self.records[k], separators=(',', ':'))
                  for k in sorted(self.records)]
        atomic_write(self.path, ('\n'.join(lines) + '\n').encode(),
                     self.fsync)

    def open(self) -> None:
        """Write the header and loaded records if needed, then open for
        appending."""
        if self._rewrite:
            self._write_all()
            self._rewrite = False
        try:
            self._file = open(self.path, 'ab', buffering=0)
        except OSError as e:
            raise output_error(self.path, e, 'state file') from None

    def add(self, record: dict) -> None:
        """Record a frame (appends one line)."""
        self.records[record['key']] = record
        line = json.dumps(record, separators=(',', ':')) + '\n'
        try:
            self._file.write(line.encode())
            if self.fsync:
                os.fsync(self._file.fileno())
        except OSError as e:
            raise output_error(self.path, e, 'state file') from None
        self._appended += 1

    def close(self, compact: bool = True) -> None:
        """Close the file; ``compact``: rewrite it one line per frame if
        appended."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if compact and self._appended:
            self._write_all()
            self._appended = 0
