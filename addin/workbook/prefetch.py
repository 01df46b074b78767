"""Reading started on a thread ahead of the job that needs it (issue 14): the master's list
sheet while the job gets ready, and the next unit's file while the job checks this one.

python-calamine parses a sheet without holding the GIL. Parsing a large DanhSach is most of
what a job reads (about 0.9 s of a 50,000-row master), so it is started as early as the path is
known: by the command line before it imports the job (about a third of a second), and by
read_master before it reads the other sheets. The parse is taken only for the same file: its
size, modification time and inode as when the parse started (tdkt replaces a master by
renaming a new file onto it, so a write in between changes the inode). Otherwise, or on any
error, nothing is taken and the reader parses the sheet itself, and says what is wrong.

The next unit's file (read_ahead / taken) is read by addin.workbook.reader.read_workbook, whole,
on the thread, while the job validates the file before it: the zip checks, the decompression
and calamine's parse let go of the GIL. One file ahead of the one being checked, and only small
files (READ_AHEAD_BYTES, and READ_AHEAD_INFLATED for their parts inflated): two files in memory
at once must stay within the reader's budgets. What the reader raised is raised again to the
job, as if it had read the file itself; an OSError or MemoryError (a moment's lock, two files at
once) lets the job read the file again.

This module imports nothing of tdkt and nothing heavy: the command line starts it first thing.
"""

from __future__ import annotations

import os
import threading
import zipfile
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()
_STARTED: dict[tuple[str, str], "_Parse"] = {}


def _stamp(path: str | Path) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def _key(path: str | Path, sheet: str) -> tuple[str, str]:
    return (os.path.abspath(path), sheet)


class _Parse(threading.Thread):
    def __init__(self, path: str, sheet: str, stamp: tuple[int, ...]):
        # a daemon: a job that ends without taking it (an unchanged re-merge) does not wait for it
        super().__init__(name="tdkt-doc-truoc", daemon=True)
        self.path, self.sheet, self.stamp = path, sheet, stamp
        self.result: Any = None  # the CalamineSheet, parsed

    def run(self) -> None:
        try:
            import python_calamine as pc

            book = pc.CalamineWorkbook.from_path(self.path)
            try:
                if self.sheet in book.sheet_names:
                    self.result = book.get_sheet_by_name(self.sheet)
            finally:
                book.close()
        except BaseException:  # noqa: BLE001 - (calamine panics are BaseExceptions) the reader parses
            self.result = None  # the sheet again and reports what is wrong


def start(path: str | Path, sheet: str) -> None:
    """Start parsing `sheet` of the workbook at `path` (nothing when there is no such file, or it is started)."""
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return
    stamp = _stamp(path)
    if stamp is None:
        return
    key = _key(path, sheet)
    with _LOCK:  # started under the lock: a take() from another thread never joins a thread not started
        if key in _STARTED:
            return
        parse = _STARTED[key] = _Parse(str(path), sheet, stamp)
        parse.start()


def take(path: str | Path, sheet: str) -> Any | None:
    """The parsed sheet (a CalamineSheet) when a parse of this very file was started; None otherwise."""
    with _LOCK:
        parse = _STARTED.pop(_key(path, sheet), None)
    if parse is None:
        return None
    parse.join()
    if parse.result is None or _stamp(path) != parse.stamp:
        return None
    return parse.result


def forget(path: str | Path) -> None:
    """Drop what was started for the workbook at `path` (a job that will not read it)."""
    where = os.path.abspath(path)
    with _LOCK:
        for key in [k for k in _STARTED if k[0] == where]:
            del _STARTED[key]


# ---------------------------------------------------------------------------
# The next unit's file

READ_AHEAD_BYTES = 4 << 20  # a unit's list is well under; a larger file is read when its turn comes
READ_AHEAD_INFLATED = 32 << 20  # and its parts inflated: the reader's worst case stays one file's
_AHEAD: dict[str, "_Read"] = {}


class _Read(threading.Thread):
    def __init__(self, path: str, stamp: tuple[int, ...]):
        super().__init__(name="tdkt-doc-truoc-tep", daemon=True)
        self.path, self.stamp = path, stamp
        self.book: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            from addin.workbook.reader import read_workbook

            self.book = read_workbook(Path(self.path))
        except BaseException as exc:  # noqa: BLE001 - raised again to the job that takes it
            self.error = exc


def _small(path: str | Path, size: int) -> bool:
    """Whether a file is small enough to be read beside another: its parts inflated, for a zip
    package (a small file can hold a lot of XML), else its size."""
    if size > READ_AHEAD_BYTES:
        return False
    try:
        with zipfile.ZipFile(path) as z:
            return sum(info.file_size for info in z.infolist()) <= READ_AHEAD_INFLATED
    except zipfile.BadZipFile:
        return True  # an .xls or a damaged file: its size says it (the reader reports what is wrong)
    except (OSError, ValueError, EOFError):
        return False


def read_ahead(path: str | Path) -> None:
    """Start reading a unit's workbook (read_workbook) on a thread, for `taken` to hand over."""
    stamp = _stamp(path)
    if stamp is None or not _small(path, stamp[0]):
        return
    key = os.path.abspath(path)
    dropped = []
    with _LOCK:
        if key in _AHEAD:
            return
        read = _AHEAD[key] = _Read(str(path), stamp)
        read.start()
        while len(_AHEAD) > 2:  # the file the job is about to take, and the next: older ones are let go
            dropped.append(_AHEAD.pop(next(iter(_AHEAD))))
    for old in dropped:
        old.join()  # not left reading a file its job may delete


def taken(path: str | Path) -> Any | None:
    """The workbook read ahead for this very file (raising what the reader raised), or None."""
    with _LOCK:
        read = _AHEAD.pop(os.path.abspath(path), None)
    if read is None:
        return None
    read.join()
    if _stamp(path) != read.stamp:
        return None
    if isinstance(read.error, (OSError, MemoryError)):
        return None  # maybe a moment's lock (antivirus, a copy under way): the job reads it itself
    if read.error is not None:
        raise read.error
    return read.book


def drop_reads() -> None:
    """Let go of the files read ahead and not taken, once their threads are done with them
    (the job may delete them next: the files it extracted from a .zip or an email)."""
    with _LOCK:
        dropped = list(_AHEAD.values())
        _AHEAD.clear()
    for read in dropped:
        read.join()
