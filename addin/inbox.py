"""Finding the workbooks a clerk points at: files, folders (recursively), lock files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from addin.workbook.reader import SPREADSHEET_SUFFIXES


@dataclass(frozen=True)
class Found:
    path: Path  # where to read it
    shown: str  # how to name it to the clerk: as given, or the folder joined with the relative path
    ignored: str | None = None  # why it is skipped, when it is


def is_lock_file(path: Path) -> bool:
    """Office's "~$Book.xlsx" owner files (and LibreOffice's ".~lock.*#") hold no data."""
    return path.name.startswith("~$") or (path.name.startswith(".~lock.") and path.name.endswith("#"))


def discover(paths: Iterable[str]) -> list[Found]:
    """Every file under the given paths, in a stable order, with lock files marked as ignored.

    A file named explicitly is always read (a non-spreadsheet then gets a clear message);
    inside folders, only spreadsheet files are read and other files are skipped.
    """
    found: list[Found] = []
    for given in paths:
        root = Path(given)
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file())
            for p in sorted(files, key=lambda p: p.relative_to(root).as_posix().lower()):
                if p.suffix.lower() not in SPREADSHEET_SUFFIXES:
                    continue  # cover letters, scans, Word's own "~$" lock files: not ours to list
                shown = os.path.join(given, str(p.relative_to(root)))
                if is_lock_file(p):
                    found.append(Found(p, shown, "tệp khóa tạm của Office"))
                else:
                    found.append(Found(p, shown))
        elif is_lock_file(root):
            found.append(Found(root, given, "tệp khóa tạm của Office"))
        else:
            found.append(Found(root, given))
    return found
