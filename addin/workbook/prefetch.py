"""A master's list sheet parsed on a thread while the job gets ready (issue 14).

python-calamine parses a sheet without holding the GIL. Parsing a large DanhSach is most of
what a job reads (about 0.9 s of a 50,000-row master), so it is started as early as the path is
known: by the command line before it imports the job (about a third of a second), and by
read_master before it reads the other sheets. The parse is taken only for the same file: its
size, modification time and inode as when the parse started (tdkt replaces a master by
renaming a new file onto it, so a write in between changes the inode). Otherwise, or on any
error, nothing is taken and the reader parses the sheet itself, and says what is wrong.

This module imports nothing of tdkt and nothing heavy: the command line starts it first thing.
"""

from __future__ import annotations

import os
import threading
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
        except Exception:  # noqa: BLE001 - the reader parses the sheet again and reports what is wrong
            self.result = None


def start(path: str | Path, sheet: str) -> None:
    """Start parsing `sheet` of the workbook at `path` (nothing when there is no such file, or it is started)."""
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return
    stamp = _stamp(path)
    if stamp is None:
        return
    key = _key(path, sheet)
    with _LOCK:
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
