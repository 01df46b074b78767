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
from typing import Any, Callable

_LOCK = threading.Lock()


def _stamp(path: str | Path) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


class _Ahead(threading.Thread):
    """One reading done on a thread, and what it gave (or raised), for the same file only.

    A daemon: a job that ends without taking it (an unchanged re-merge) does not wait for it.
    """

    def __init__(self, name: str, path: str | Path, stamp: tuple[int, ...], work: Callable[[], Any]):
        super().__init__(name=name, daemon=True)
        self.path, self.stamp, self.work = path, stamp, work
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:  # noqa: BLE001 - (calamine panics are BaseExceptions) given to the taker
            self.error = exc

    def handed(self, passing: Callable[[BaseException], bool]) -> Any | None:
        """What the reading gave once it is done; None when the file changed since it started or the
        error is `passing` (the job then reads the file itself); any other error is raised."""
        self.join()
        if _stamp(self.path) != self.stamp or (self.error is not None and passing(self.error)):
            return None
        if self.error is not None:
            raise self.error
        return self.result


# ---------------------------------------------------------------------------
# The master's list sheet

_STARTED: dict[tuple[str, str], _Ahead] = {}


def _parsed(path: str, sheet: str) -> Any:
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_path(path)
    try:
        return book.get_sheet_by_name(sheet) if sheet in book.sheet_names else None
    finally:
        book.close()


def start(path: str | Path, sheet: str) -> None:
    """Start parsing `sheet` of the workbook at `path` (nothing when there is no such file, or it is started)."""
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return
    stamp = _stamp(path)
    if stamp is None:
        return
    key = (os.path.abspath(path), sheet)
    with _LOCK:  # started under the lock: a take() from another thread never joins a thread not started
        if key in _STARTED:
            return
        parse = _STARTED[key] = _Ahead("tdkt-doc-truoc", path, stamp, lambda: _parsed(str(path), sheet))
        parse.start()


def take(path: str | Path, sheet: str) -> Any | None:
    """The parsed sheet (a CalamineSheet) when a parse of this very file was started; None otherwise
    (on any error too: the reader parses the sheet again and says what is wrong)."""
    with _LOCK:
        parse = _STARTED.pop((os.path.abspath(path), sheet), None)
    return parse.handed(lambda error: True) if parse is not None else None


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
_AHEAD: dict[str, _Ahead] = {}


def _read(path: str | Path) -> Any:
    from addin.workbook.reader import read_workbook

    return read_workbook(Path(path))


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
        read = _AHEAD[key] = _Ahead("tdkt-doc-truoc-tep", path, stamp, lambda: _read(path))
        read.start()
        while len(_AHEAD) > 2:  # the file the job is about to take, and the next: older ones are let go
            dropped.append(_AHEAD.pop(next(iter(_AHEAD))))
    for old in dropped:
        old.join()  # not left reading a file its job may delete


def taken(path: str | Path) -> Any | None:
    """The workbook read ahead for this very file (raising what the reader raised), or None.

    An OSError or MemoryError may be a moment's (an antivirus's lock, a copy under way, two files
    at once): the job then reads the file itself."""
    with _LOCK:
        read = _AHEAD.pop(os.path.abspath(path), None)
    return read.handed(lambda error: isinstance(error, (OSError, MemoryError))) if read is not None else None


def drop_reads() -> None:
    """Let go of the files read ahead and not taken, once their threads are done with them
    (the job may delete them next: the files it extracted from a .zip or an email)."""
    with _LOCK:
        dropped = list(_AHEAD.values())
        _AHEAD.clear()
    for read in dropped:
        read.join()
