"""Writing the sheets tdkt owns into the master workbook, without touching anything else.

The master is the clerk's workbook: it may carry a VBA project, Form Control buttons, sheets
the clerk added and settings the clerk typed. openpyxl would drop buttons and drawings on save,
so we never round-trip the workbook through an object model. Instead our sheets are written
with XlsxWriter (fast, constant memory, inline strings) into a scratch workbook, and their XML
parts are transplanted into a copy of the master's zip: styles are appended and remapped, the
sheet is added to workbook.xml when new, and every other part is copied byte for byte. The new
file replaces the old one atomically, after the old one is copied to a backup folder.
"""

from __future__ import annotations

import errno
import functools
import getpass
import glob
import html
import json
import os
import posixpath
import re
import shutil
import socket
import stat
import struct
import sys
import tempfile
import textwrap
import threading
import time
import uuid
import zipfile
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from collections.abc import MutableMapping
from typing import Any, BinaryIO, Callable, Iterable, Iterator
from xml.sax.saxutils import escape

import xlsxwriter
import xlsxwriter.exceptions
from filelock import FileLock, Timeout

from addin.workbook.reader import UnreadableFile

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MAIN_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


class MasterLocked(Exception):
    """The master is open or locked elsewhere; the message is Vietnamese, for the clerk."""


@dataclass
class Style:
    """A cell format, as XlsxWriter format properties (kept hashable by freezing to a tuple)."""

    props: dict[str, Any]

    def key(self) -> tuple:
        return tuple(sorted(self.props.items()))


@dataclass
class OfficialLayout:
    """The official document frame around a table (domain.md §4): what a clerk prints and signs."""

    issuer: list[str]  # left, top to bottom: "UBND TỈNH TRÀ GIANG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    place_date: str  # "Trà Giang, ngày ... tháng ... năm 2025"
    title: str
    subtitle: str | None = None
    # (role, hint, name) per block, left to right: ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", "Lê Văn A")
    signatures: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def header_offset(self) -> int:
        """Rows above the table header."""
        return 7 if self.subtitle else 6


@dataclass
class PagedTable:
    """A printed table of a paged sheet (SheetData.pages).

    Its header row is written again at the top of every page it runs onto (instead of Excel's
    print titles, which repeat one header on every page of the sheet, over other tables and charts
    too), and the page breaks are set where the rows are known to fill a page.
    """

    title: str | None  # a line above the header ("I. KHEN THƯỞNG CÁ NHÂN"); None: no line
    headers: list[str]
    rows: list[list[Any]]
    footer_rows: list[list[Any]] = field(default_factory=list)  # a totals row, in bold, kept with the last row
    new_page: bool = True  # starts on a page of its own (the first table follows the title block)
    # rows (indices into rows) written as one bold line across the table, e.g. a unit's name over its
    # people; such a row holds its text first, and is kept on a page with the row under it
    headings: set[int] = field(default_factory=set)


@dataclass
class SheetData:
    """One sheet tdkt owns: a header row and rows of values, written as a filterable table."""

    name: str
    headers: list[str]
    rows: Iterable[list[Any]]
    widths: list[float] = field(default_factory=list)
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) in rows -> "Sheet!A5"
    row_styles: dict[int, str] = field(default_factory=dict)  # row index -> "error" | "warning"
    title: list[str] = field(default_factory=list)  # lines above the header
    only_if_missing: bool = False  # clerk-edited sheets: created once, never overwritten
    hidden: bool = False
    layout: OfficialLayout | None = None  # title block, motto, signatures (replaces `title`)
    footer_rows: list[list[Any]] = field(default_factory=list)  # e.g. a totals row, in bold, after the rows
    notes: list[str] = field(default_factory=list)  # lines under the table, before the signatures
    # more small tables under the notes: (title, headers, rows), e.g. a composition table
    extra_tables: list[tuple[str, list[str], list[list[Any]]]] = field(default_factory=list)
    autofilter: bool = True
    # Called after the rows are written, to add what XlsxWriter draws (a chart):
    # decorate(book, worksheet, header_row, last_row)
    decorate: Callable[[Any, Any, int, int], None] | None = None
    print_columns: int | None = None  # columns that print (and that the title block spans); None: all
    wrap: bool = False  # wrap long text in the cells (printed tables)
    # Printed tables laid out page by page at 100% (no fit to width: every word keeps its 12 pt),
    # in place of headers/rows; `widths` must fit the A4 landscape width (PRINT_WIDTH_PX).
    pages: list[PagedTable] = field(default_factory=list)
    # Page numbers as Nghị định 30/2020/NĐ-CP sets them: Arabic numerals centred at the top of the
    # page, from the second page; otherwise "Trang x/y" at the foot of every page.
    decree_page_numbers: bool = False

    @property
    def header_row(self) -> int:
        """0-based row of the table header in the written sheet."""
        if self.layout is not None:
            return self.layout.header_offset
        return len(self.title) + (1 if self.title else 0)


_BASE = {"font_name": "Times New Roman", "font_size": 12, "valign": "top"}
_FORMATS = {
    "title": {**_BASE, "bold": True, "font_size": 13},
    "header": {**_BASE, "bold": True, "text_wrap": True, "align": "center", "valign": "vcenter",
               "bg_color": "#DDEBF7", "border": 1},
    "cell": {**_BASE, "border": 1, "text_wrap": False},
    "cell_wrap": {**_BASE, "border": 1, "text_wrap": True},
    "date": {**_BASE, "border": 1, "num_format": "dd/mm/yyyy"},
    "datetime": {**_BASE, "border": 1, "num_format": "dd/mm/yyyy hh:mm"},
    "error": {**_BASE, "border": 1, "bg_color": "#F8CBAD"},
    "error_date": {**_BASE, "border": 1, "bg_color": "#F8CBAD", "num_format": "dd/mm/yyyy"},
    "warning": {**_BASE, "border": 1, "bg_color": "#FFF2CC"},
    "warning_date": {**_BASE, "border": 1, "bg_color": "#FFF2CC", "num_format": "dd/mm/yyyy"},
    "link": {**_BASE, "border": 1, "font_color": "#0563C1", "underline": 1},
    "total": {**_BASE, "border": 1, "bold": True},
    "note": {**_BASE, "italic": True, "text_wrap": True, "font_size": 11},
    "issuer": {**_BASE, "align": "center", "valign": "vcenter", "font_size": 12},
    "issuer_bold": {**_BASE, "align": "center", "valign": "vcenter", "font_size": 12, "bold": True},
    "motto": {**_BASE, "align": "center", "valign": "vcenter", "font_size": 12, "bold": True},
    "motto_sub": {**_BASE, "align": "center", "valign": "vcenter", "font_size": 13, "bold": True, "underline": 1},
    "place_date": {**_BASE, "align": "center", "valign": "vcenter", "font_size": 13, "italic": True},
    "doc_title": {**_BASE, "align": "center", "valign": "vcenter", "font_size": 14, "bold": True, "text_wrap": True},
    "doc_subtitle": {**_BASE, "align": "center", "valign": "vcenter", "font_size": 13, "italic": True},
    "sign_role": {**_BASE, "align": "center", "font_size": 13, "bold": True},
    "sign_role_lines": {**_BASE, "align": "center", "valign": "top", "font_size": 13, "bold": True, "text_wrap": True},
    "sign_hint": {**_BASE, "align": "center", "font_size": 13, "italic": True},
    "sign_name": {**_BASE, "align": "center", "font_size": 13, "bold": True},
}
# Counts in paged tables (SheetData.pages), centred; added only to workbooks that have such a
# sheet, so every other workbook's styles stay as they were.
_PAGED_FORMATS = {
    "total_number": {**_BASE, "border": 1, "bold": True, "align": "center"},
    "header_number": {**_BASE, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#DDEBF7", "border": 1},
    "cell_wrap_number": {**_BASE, "border": 1, "align": "center"},
}


# ---------------------------------------------------------------------------
# Locks, backups, atomic replace
#
# Everything tdkt writes on its way to a new master lives in a hidden folder beside it
# (TEMP_FOLDER): the lock, the holder's note, the new master and the backup while they are
# written. Nothing there has a spreadsheet's name, so a clerk who keeps the master in the inbox
# never merges a half-written file; being a subfolder of the master's folder, it is on the same
# file system, so the final rename is atomic.

TEMP_FOLDER = ".tdkt-tam"
LOCK_WAIT_ENV = "TDKT_LOCK_TIMEOUT"  # seconds a second writer waits for the first (tests shorten it)
LOCK_WAIT_DEFAULT = 60.0
IDENTITY_PROPERTY = "tdkt-id"


class MasterUnwritable(MasterLocked):
    """The master cannot be written (read-only, disk full, folder gone); the message says which.

    A MasterLocked, so every job that reports a locked master reports these the same way.
    """


def temp_dir(path: Path) -> Path:
    """The hidden folder beside the master where its lock and files being written live."""
    return path.parent / TEMP_FOLDER


def _temp_file(path: Path, kind: str) -> Path:
    # Fixed names are safe: only the holder of the master's lock writes them. ".tam" is no
    # spreadsheet suffix, so no ingest takes a leftover for a unit's list.
    return temp_dir(path) / f"{path.name}.{kind}.tam"


def _writable_file(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return True
    # Windows' read-only attribute clears the write bits; chattr +i and ACLs show in access().
    return bool(mode & stat.S_IWRITE) and os.access(path, os.W_OK)


def _writable_folder(folder: Path) -> bool:
    # access() on a Windows folder ignores ACLs: try for real.
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".tdkt-thu-"):
            return True
    except OSError:
        return False


def _size(n: float) -> str:
    return f"{n / 1e6:,.0f} MB".replace(",", ".") if n >= 1e6 else f"{max(n, 1e3) / 1e3:.0f} KB"


def unwritable(exc: OSError, path: Path) -> MasterUnwritable:
    """What went wrong writing the master at `path`, told apart for the clerk (Vietnamese)."""
    name, folder = path.name, path.parent
    code = exc.errno
    winerror = getattr(exc, "winerror", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or winerror in (39, 112):
        try:
            free = shutil.disk_usage(folder).free
            need = 2 * path.stat().st_size if path.exists() else 0
        except OSError:
            free, need = None, 0
        if free is not None and free > need + (64 << 20):  # room here: the system's temporary folder is full
            where = f"thư mục tạm của hệ thống ({tempfile.gettempdir()})"
        else:
            where = f"ổ đĩa chứa sổ tổng hợp \"{name}\""
        room = f" (cần còn trống ít nhất {_size(need)}: bản mới và bản sao lưu của sổ)" if need else ""
        text = (f"Không ghi được sổ tổng hợp \"{name}\": {where} đã đầy{room}. Hãy xóa bớt tệp hoặc chép sổ "
                "sang ổ khác rồi chạy lại. Sổ cũ vẫn nguyên vẹn.")
    elif not folder.is_dir():
        text = (f"Không tìm thấy thư mục \"{folder}\" chứa sổ tổng hợp \"{name}\" (ổ mạng bị ngắt, USB bị rút "
                "hoặc thư mục bị đổi tên, bị xóa): hãy kiểm tra lại đường dẫn rồi chạy lại. Chưa ghi gì vào sổ.")
    elif code == errno.EROFS:
        text = (f"Không ghi được sổ tổng hợp \"{name}\": ổ đĩa chứa thư mục \"{folder}\" chỉ cho đọc (ổ CD, "
                "thẻ nhớ bị gạt khóa, ổ mạng chỉ đọc): hãy chép sổ sang thư mục ghi được rồi chạy lại. "
                "Sổ cũ vẫn nguyên vẹn.")
    elif isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        if path.exists() and not _writable_file(path):
            text = (f"Sổ tổng hợp \"{name}\" đang để chế độ chỉ đọc: hãy bỏ đánh dấu \"Read-only\" (Chỉ đọc) "
                    "trong Properties (Thuộc tính) của tệp rồi chạy lại. Chưa ghi gì vào sổ.")
        elif not _writable_folder(folder):
            text = (f"Không ghi được vào thư mục \"{folder}\" chứa sổ tổng hợp \"{name}\" (thư mục chỉ đọc "
                    "hoặc không có quyền ghi): hãy xin quyền ghi hoặc chép sổ sang thư mục khác rồi chạy "
                    "lại. Sổ cũ vẫn nguyên vẹn.")
        else:
            text = (f"Không ghi được vào sổ tổng hợp \"{name}\" (đang mở hoặc bị khóa): hãy đóng sổ rồi chạy "
                    "lại. Sổ cũ vẫn nguyên vẹn.")
    else:
        text = f"Không ghi được sổ tổng hợp \"{name}\": {exc.strerror or exc}. Sổ cũ vẫn nguyên vẹn."
    return MasterUnwritable(text)


def check_not_locked(path: Path) -> None:
    """Refuse to write a master that Excel or LibreOffice has open, or that is read-only."""
    owners = [path.with_name("~$" + path.name), path.with_name(".~lock." + path.name + "#")]
    for owner in owners:
        if owner.exists():
            raise MasterLocked(
                f"Sổ tổng hợp \"{path.name}\" đang được mở (có tệp khóa {owner.name}): "
                "hãy đóng sổ trong Excel rồi chạy lại. Chưa ghi gì vào sổ."
            )
    if path.exists():
        try:
            with path.open("r+b"):
                pass  # on Windows, a workbook open in Excel cannot be opened for writing
        except PermissionError as exc:
            if not _writable_file(path):
                raise unwritable(exc, path) from None
            raise MasterLocked(
                f"Không ghi được vào sổ tổng hợp \"{path.name}\" (đang mở hoặc bị khóa): "
                "hãy đóng sổ rồi chạy lại. Chưa ghi gì vào sổ."
            ) from None


# -- one writer at a time

_held: dict[tuple[int, str], tuple[FileLock, int]] = {}  # (thread, master) -> (its lock, depth)
_held_guard = threading.Lock()


def _lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV, LOCK_WAIT_DEFAULT)))
    except ValueError:
        return LOCK_WAIT_DEFAULT


def _holder_file(path: Path) -> Path:
    return temp_dir(path) / f"{path.name}.khoa.json"


def _me() -> dict[str, Any]:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment (a service account)
        user = "?"
    command = " ".join([Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]])
    return {"host": socket.gethostname(), "pid": os.getpid(), "user": user, "command": command[:300],
            "started": datetime.now().astimezone().isoformat(timespec="seconds")}


def _write_holder(path: Path) -> None:
    # Written beside the lock, not in it: Windows locks the lock file's bytes against readers.
    note = _holder_file(path)
    part = note.with_name(note.name + ".tam")
    try:
        part.write_text(json.dumps(_me(), ensure_ascii=False), encoding="utf-8")
        os.replace(part, note)  # a reader never sees half a note
    except OSError:
        pass  # the note only helps the message of a second writer


def _alive(pid: int) -> bool | None:
    """Whether a process of this machine runs; None when it cannot be told."""
    if sys.platform == "win32":  # os.kill there would end the process
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _holder_text(path: Path) -> str:
    """Who holds the master's lock, as the holder wrote it (or why that is not known)."""
    try:
        info = json.loads(_holder_file(path).read_text(encoding="utf-8"))
        host, pid = str(info["host"]), int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return "một lệnh tdkt khác (chưa rõ máy và người chạy)"
    if host == socket.gethostname() and _alive(pid) is False:
        # The OS lock of a dead process is gone; its note is stale and the new holder has not written its own.
        return "một lệnh tdkt khác (chưa rõ máy và người chạy)"
    started = str(info.get("started", ""))
    try:
        started = datetime.fromisoformat(started).strftime("%H:%M:%S ngày %d/%m/%Y")
    except ValueError:
        pass
    return (f"lệnh \"{info.get('command', '?')}\" của người dùng {info.get('user', '?')} trên máy {host} "
            f"(tiến trình {pid}, bắt đầu lúc {started})")


def _notice(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextmanager
def master_lock(path: Path, *, wait: float | None = None) -> Iterator[None]:
    """Hold the master's lock: one command at a time reads, changes and writes a master.

    Re-entrant within a thread (register runs merge inside its own hold). A second command
    waits up to `wait` seconds (TDKT_LOCK_TIMEOUT, default 60), saying on stderr who it waits
    for, then raises MasterLocked. The lock is the OS's (filelock), so a process that dies
    releases it; the holder note it leaves is replaced by the next holder.
    """
    path = Path(path)
    key = (threading.get_ident(), os.path.normcase(os.path.abspath(path)))
    with _held_guard:
        if key in _held:
            lock, depth = _held[key]
            _held[key] = (lock, depth + 1)
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                lock, depth = _held[key]
                _held[key] = (lock, depth - 1)
        return
    wait = _lock_wait() if wait is None else wait
    try:
        folder = temp_dir(path)
        fresh = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        if fresh:
            _hide(folder)
        lock = FileLock(str(folder / f"{path.name}.khoa"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            _notice(f"Sổ tổng hợp \"{path.name}\" đang được {_holder_text(path)} ghi: "
                    f"đang chờ lệnh đó xong (tối đa {wait:g} giây)...")
            try:
                lock.acquire(timeout=wait, poll_interval=0.2)
            except Timeout:
                raise MasterLocked(
                    f"Sổ tổng hợp \"{path.name}\" đang được {_holder_text(path)} ghi; đã chờ {wait:g} giây mà "
                    "lệnh đó chưa xong. Hãy chờ lệnh đó chạy xong rồi chạy lại. Chưa ghi gì vào sổ."
                ) from None
    except OSError as exc:
        raise unwritable(exc, path) from None
    with _held_guard:
        _held[key] = (lock, 1)
    try:
        _write_holder(path)
        _clean_leftovers(path)
        yield
    finally:
        with _held_guard:
            del _held[key]
        with suppress(OSError):
            _holder_file(path).unlink()
        lock.release()


def _hide(folder: Path) -> None:
    """Hide the folder from Explorer too (a leading dot hides it elsewhere)."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.kernel32.SetFileAttributesW(str(folder), 0x02)  # FILE_ATTRIBUTE_HIDDEN


def _clean_leftovers(path: Path) -> None:
    """Remove what a run killed while writing this master left behind (the lock is ours now).

    Also the ".~tdkt-*" files earlier versions wrote beside the master, once a minute old: those
    versions took no lock, and a file still being written is newer than that.
    """
    started = time.time()
    for leftover in temp_dir(path).glob(f"{glob.escape(path.name)}.*.tam"):
        with suppress(OSError):  # in use on Windows: left for a later run
            leftover.unlink()
    for leftover in path.parent.glob(".~tdkt-*"):
        with suppress(OSError):
            if leftover.is_file() and leftover.stat().st_mtime < started - 60:
                leftover.unlink()


def writes_master(report: Callable[..., Any], *, creates: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a job whose first argument is the master it writes: it runs holding the master's
    lock, around its whole read, change and write. When the lock cannot be had, the job does
    not run and returns report(master=..., error=<why>).

    A job that does not create masters (`creates`) runs without the lock when the master is
    missing: it only says so, and leaves no folder behind for a mistyped path.
    """

    def decorate(job: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(job)
        def run(master: str | Path, *args: Any, **kwargs: Any) -> Any:
            path = Path(master)
            if not creates and not path.exists():
                return job(master, *args, **kwargs)
            with ExitStack() as stack:
                try:
                    stack.enter_context(master_lock(path))
                except MasterLocked as exc:
                    failed = report(master=str(path))
                    failed.error = str(exc)
                    return failed
                return job(master, *args, **kwargs)

        return run

    return decorate


# -- backups


def backup_dir(path: Path) -> Path:
    return path.with_name(path.stem + ".sao-luu")


def _verify_workbook(copy: Path, size: int) -> str | None:
    """Why a copy of a master is not whole, or None: every part is read and its CRC checked."""
    try:
        if copy.stat().st_size != size:
            return f"{copy.stat().st_size} byte thay vì {size}"
        with zipfile.ZipFile(copy) as z:
            bad = z.testzip()
        return f"phần {bad} bị hỏng" if bad else None
    except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        return str(exc) or type(exc).__name__


def make_backup(path: Path, keep: int) -> Path | None:
    """Copy the current master into its backup folder; keep only the newest `keep` copies.

    The copy is written under a temporary name, checked to read back whole, and only then
    renamed into the folder: a cut-off copy never passes for a backup. A failed backup stops
    the write (MasterUnwritable), with the master untouched.
    """
    if not path.exists() or keep <= 0:
        return None
    folder = backup_dir(path)
    folder.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}{path.suffix}"
    part = _temp_file(path, "sao-luu")
    try:
        size = path.stat().st_size
        shutil.copy2(path, part)
        with part.open("r+b") as f:
            os.fsync(f.fileno())
        why = _verify_workbook(part, size)
        if why is not None:
            raise MasterUnwritable(
                f"Bản sao lưu của sổ tổng hợp \"{path.name}\" chép ra không đọc lại được ({why}): chưa ghi gì "
                "vào sổ, sổ cũ vẫn nguyên vẹn. Hãy kiểm tra ổ đĩa (còn chỗ trống, không lỗi) rồi chạy lại."
            )
        os.replace(part, target)
    except OSError as exc:
        raise unwritable(exc, path) from None
    finally:
        with suppress(OSError):
            part.unlink()
    copies = sorted(folder.glob(f"{glob.escape(path.stem)}-*{path.suffix}"))
    for old in copies[:-keep]:
        old.unlink(missing_ok=True)
    return target


def _keep_permissions(path: Path, scratch: Path) -> None:
    # A file created by us gets the mode any new file gets (0666 less the umask); swapped in,
    # it must not lock the clerk's colleagues out of a master in a shared folder. Keep the old
    # master's mode, or give a new one that default.
    if path.exists():
        shutil.copymode(path, scratch)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(scratch, 0o666 & ~umask)


def _replace_atomically(scratch: Path, path: Path) -> None:
    # Opened for writing: on Windows fsync is FlushFileBuffers, which fails (EBADF) on a
    # handle that may only read, and every merge would then end in "could not write".
    with scratch.open("r+b") as f:
        os.fsync(f.fileno())
    try:
        os.replace(scratch, path)
    except OSError as exc:
        scratch.unlink(missing_ok=True)
        raise unwritable(exc, path) from None


# -- the master's identity
#
# A uuid in a custom document property: Excel and LibreOffice keep custom properties on save,
# and a clerk never sees or edits them. A copy of the master, a backup or a leftover of a killed
# run carries the same identity, so a merge can tell it is the master itself, not a unit.

_CUSTOM_PART = "docProps/custom.xml"
_REL_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one format id of user-defined properties
_ID_VALUE = re.compile(
    r'<(?:\w+:)?property\b[^>]*\bname="' + re.escape(IDENTITY_PROPERTY) + r'"[^>]*>\s*<(?:\w+:)?lpwstr>([^<]*)<', re.S)


def _custom_part(package_rels: str) -> str | None:
    for tag in re.findall(r"<Relationship\b[^>]*/?>", package_rels):
        a = _attrs(tag)
        if a.get("Type") == _REL_CUSTOM:
            return a.get("Target", "").lstrip("/")
    return None


def master_identity(path: Path) -> str | None:
    """The tdkt-id a master (or a copy of it) carries; None for any other file, or an unreadable one."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            part = _custom_part(z.read("_rels/.rels").decode("utf-8")) if "_rels/.rels" in names else None
            part = part or _CUSTOM_PART
            if part not in names:
                return None
            m = _ID_VALUE.search(z.read(part).decode("utf-8"))
    except Exception:  # anything that is not a readable package has no identity
        return None
    return (m.group(1).strip() or None) if m else None


def _ensure_identity(parts: dict[str, bytes]) -> None:
    """Give the package (its parts, changed in place) a tdkt-id, unless it has one already."""
    rels = parts.get("_rels/.rels", b"").decode("utf-8")
    if not rels:
        return
    part = _custom_part(rels)
    new_id = str(uuid.uuid4())
    if part and part in parts:
        xml = parts[part].decode("utf-8")
        if _ID_VALUE.search(xml):
            return
        pids = [int(p) for p in re.findall(r'\bpid="(\d+)"', xml)] or [1]
        prefix = (re.search(r"<(\w+:)?Properties\b", xml) or re.search("()", "")).group(1) or ""
        vt = re.search(r'xmlns:(\w+)="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"', xml)
        if vt is None:
            return  # a custom part we do not understand: leave it as the clerk's tools wrote it
        prop = (f'<{prefix}property fmtid="{_FMTID}" pid="{max(pids) + 1}" name="{IDENTITY_PROPERTY}">'
                f"<{vt.group(1)}:lpwstr>{new_id}</{vt.group(1)}:lpwstr></{prefix}property>")
        if re.search(rf"<{prefix}Properties\b[^>]*/>", xml):
            xml = re.sub(rf"<{prefix}Properties\b([^>]*)/>", lambda m: f"<{prefix}Properties{m.group(1)}>{prop}</{prefix}Properties>", xml)
        else:
            xml = xml.replace(f"</{prefix}Properties>", f"{prop}</{prefix}Properties>")
        parts[part] = xml.encode("utf-8")
        return
    part = _CUSTOM_PART
    parts[part] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f'<property fmtid="{_FMTID}" pid="2" name="{IDENTITY_PROPERTY}"><vt:lpwstr>{new_id}</vt:lpwstr></property>'
        "</Properties>"
    ).encode("utf-8")
    rid = _next_rid(rels)
    rels = re.sub(r'<Relationship\b[^>]*Type="' + re.escape(_REL_CUSTOM) + r'"[^>]*/>', "", rels)  # a dangling one
    parts["_rels/.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Id="{rid}" Type="{_REL_CUSTOM}" Target="{part}"/></Relationships>').encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    if f'PartName="/{part}"' not in types:
        types = types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{_CT_CUSTOM}"/></Types>')
    parts["[Content_Types].xml"] = types.encode("utf-8")


# ---------------------------------------------------------------------------
# Writing sheets with XlsxWriter


# The printed page: A4 landscape with the margins set in _write_scratch, at 100%.
# A column of width w (characters of the default font, Calibri 11) is 7w + 5 pixels in Excel;
# LibreOffice (with Carlito, Calibri's metric twin) prints it about 6% wider: we count 7.5w + 5.
PRINT_WIDTH_PX = 1020  # of the 1,036 px between the side margins
PAGE_BODY_PT = 595.3 - 2 * 0.6 * 72  # the page's height between the top and bottom margins
PAGE_BUDGET_PT = PAGE_BODY_PT - 30  # what paged tables fill: room for the page number and rounding
LINE_PT = 14.0  # one line of 12 pt Times New Roman with its leading (LibreOffice: 13.3)
FRAME_ROW_PT = 20.0  # a row of the title block or the signatures without a height of its own


_DEFAULT_PER_LINE = max(1, int(8.43 * 0.92))  # a column of Excel's default width


def column_px(width: float) -> int:
    """Printed width in pixels of a column `width` characters wide."""
    return int(width * 7.5 + 5)


def text_lines(text: Any, width: float) -> int:
    """Lines a wrapped cell of 12 pt Times New Roman takes in a column `width` characters wide.

    A little pessimistic (Times is narrower than the default font's digits), so a row never
    needs more height than it is given and no word is clipped.
    """
    if text is None or text == "":
        return 1
    return _row_lines([text], [_per_line(width)])


def _per_line(width: float) -> int:
    return max(1, int(width * 0.92))  # measured: 36 characters a line at width 36, 9-10 at width 10 (bold)


def _row_lines(values: list[Any], per_line: list[int]) -> int:
    """Lines the row's tallest cell takes, `per_line` characters a line in each column."""
    lines = 1
    for c, value in enumerate(values):
        if type(value) is str:
            if not value:
                continue
            text = value
        elif value is None or value == "":
            continue
        else:
            text = str(value)
        per = per_line[c] if c < len(per_line) else _DEFAULT_PER_LINE
        # Most cells fit on one line, and textwrap never breaks a text no longer than the line
        # (it only drops the spaces at its ends): no need to wrap it. Tabs widen as textwrap
        # expands them, so a text with one is measured the long way.
        if len(text) > per or "\n" in text or "\t" in text:
            n = _wrapped_lines(text, per)
            if n > lines:
                lines = n
    return lines


@functools.lru_cache(maxsize=1 << 16)
def _wrapped_lines(text: str, per_line: int) -> int:
    # memoised: a unit's name or a job title repeats on thousands of rows of a printed list
    return max(1, sum(len(textwrap.wrap(part, per_line, break_long_words=True)) or 1 for part in text.split("\n")))


def row_height(values: list[Any], widths: list[float]) -> float:
    """Points a row of wrapped cells needs."""
    return _row_lines(values, [_per_line(w) for w in widths]) * LINE_PT + 4


def _write_pages(ws: Any, formats: dict[str, Any], sheet: SheetData, width: int, raw: "_RawRows") -> int:
    """Write sheet.pages under the title block, page by page; return the last row written.

    The rows go to `raw` as the XML XlsxWriter wrote for them (a national list has hundreds of
    thousands of cells, at ~10 µs each in XlsxWriter); the page breaks are XlsxWriter's.
    """
    widths = sheet.widths
    frame = sum(18 if r == 0 else 36 if r == 4 else FRAME_ROW_PT for r in range(sheet.header_row))
    used, r, breaks = frame, sheet.header_row, []
    signatures = sheet.layout.signatures if sheet.layout else []
    tail = (len(sheet.notes) * 34 + ((7 + any("\n" in b[0] for b in signatures)) * FRAME_ROW_PT if signatures else 0)
            + FRAME_ROW_PT)

    xf: dict[str, int] = {}

    def style(name: str) -> int:
        # XlsxWriter numbers a format when a cell first uses it: asked in the same order, the
        # paged formats get the numbers (and styles.xml the order) they had when it wrote the cells
        if name not in xf:
            xf[name] = formats[name]._get_xf_index()
        return xf[name]

    letters: list[str] = []
    per_line = [_per_line(w) for w in widths]

    def cells(row: int, values: list[Any], fmt: str, height: float) -> None:
        n = str(row + 1)
        while len(letters) < len(values):
            letters.append(_column_letter(len(letters)))
        plain = style(fmt)  # indexed already (every _FORMATS is, up front): only the *_number ones wait
        text, blank = f'" s="{plain}" t="inlineStr">', f'" s="{plain}"/>'
        xml = []
        add = xml.append
        inline = _inline_string
        for letter, value in zip(letters, values):
            kind = type(value)
            if kind is str:
                add(f'<c r="{letter}{n}{text}{inline(value)}</c>' if value else f'<c r="{letter}{n}{blank}')
            elif value is None:
                add(f'<c r="{letter}{n}{blank}')
            elif kind is int and -_EXACT < value < _EXACT:  # a count, as .16G writes it
                add(f'<c r="{letter}{n}" s="{style(fmt + "_number")}"><v>{value}</v></c>')
            elif kind is float or (isinstance(value, (int, float)) and not isinstance(value, bool)):
                add(f'<c r="{letter}{n}" s="{style(fmt + "_number")}"><v>{value:.16G}</v></c>')
            elif value == "":
                add(f'<c r="{letter}{n}{blank}')
            else:
                add(f'<c r="{letter}{n}{text}{inline(str(value))}</c>')
        raw.add_row(row, height, xml, len(values) - 1)

    def span(row: int, text: str, fmt: str, height: float) -> None:
        """A line across the table (merged cells), as XlsxWriter's merge_range writes it."""
        n = row + 1
        if width == 1:
            raw.add_row(row, height, [f'<c r="A{n}" s="{style(fmt)}" t="inlineStr">{_inline_string(text)}</c>'], 0)
            return
        first = (f'<c r="A{n}" s="{style(fmt)}" t="inlineStr">{_inline_string(text)}</c>' if text != ""
                 else f'<c r="A{n}" s="{style(fmt)}"/>')
        raw.add_row(row, height, [first] + [f'<c r="{_column_letter(c)}{n}" s="{style(fmt)}"/>' for c in range(1, width)],
                    width - 1)
        raw.merges.append(f'<mergeCell ref="A{n}:{_column_letter(width - 1)}{n}"/>')

    for t, table in enumerate(sheet.pages):
        # bold header words are wider than the body's: measured as if the columns were narrower
        header_h = row_height(table.headers, [w * 0.85 for w in widths])
        title_h = FRAME_ROW_PT + 4 if table.title else 0
        across = [_per_line(sum(widths[:width]))]
        heights = [_row_lines(v[:1], across) * LINE_PT + 4 if i in table.headings else _row_lines(v, per_line) * LINE_PT + 4
                   for i, v in enumerate(table.rows)]
        footer_h = sum(row_height(v, widths) for v in table.footer_rows)
        last_table = t == len(sheet.pages) - 1
        first_need = title_h + header_h + (heights[0] if heights else 0) + (footer_h if len(heights) <= 1 else 0)
        if t > 0:
            r += 1  # a blank row between tables
            used += FRAME_ROW_PT
            if table.new_page or used + first_need > PAGE_BUDGET_PT:
                breaks.append(r)
                used = 0
        if table.title:
            span(r, table.title, "title", title_h)
            r += 1
            used += title_h
        cells(r, table.headers, "header", header_h)
        r += 1
        used += header_h
        for i, values in enumerate(table.rows):
            need = heights[i]
            if i in table.headings and i + 1 < len(table.rows):
                need += heights[i + 1]  # a heading never ends a page
            if i == len(table.rows) - 1:
                need += footer_h + (tail if last_table else 0)  # the totals and signatures stay with a row
            if used + need > PAGE_BUDGET_PT and used > header_h + title_h:
                breaks.append(r)
                cells(r, table.headers, "header", header_h)  # the header again, at the top of the page
                r += 1
                used = header_h
            if i in table.headings:
                span(r, str(values[0]), "total", heights[i])
            else:
                cells(r, values, "cell_wrap", heights[i])
            r += 1
            used += heights[i]
        for values in table.footer_rows:
            cells(r, values, "total", row_height(values, widths))
            r += 1
    if breaks:
        ws.set_h_pagebreaks(breaks)
    return r - 1


def _close_left_open(exc: BaseException) -> None:
    """Close the zip a failed XlsxWriter save leaves open (it has no try/finally around its writes).

    Left to the garbage collector, its close retries the write that failed (a full disk) and
    Python prints that traceback on exit, after the clerk's message; on Windows the open handle
    would also keep the scratch file from being deleted.
    """
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:  # XlsxWriter re-raises the OSError as FileCreateError
        seen.add(id(error))
        tb = error.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if isinstance(value, zipfile.ZipFile) and value.fp is not None:
                    with suppress(Exception):
                        value.close()
            tb = tb.tb_next
        error = error.__cause__ or error.__context__


def _write_scratch(target: Path, sheets: list[SheetData]) -> dict[str, "_RawRows"]:
    """Write the sheets' frames with XlsxWriter; return each sheet's data rows, written aside.

    The caller splices the rows in when it writes the final file (and discards them after).
    """
    book = xlsxwriter.Workbook(
        str(target),
        {
            "constant_memory": True,  # rows stream to disk; strings become inline strings
            "strings_to_formulas": False,  # "=HYPERLINK(...)" typed by a unit stays text
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "dd/mm/yyyy",
        },
    )
    book.set_properties({"created": datetime(2024, 1, 1)})
    formats = {name: book.add_format(props) for name, props in _FORMATS.items()}
    raws: dict[str, _RawRows] = {}
    paged_formats: dict[str, Any] = {}
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        if sheet.hidden:
            ws.hide()
        ws.set_landscape()
        ws.set_paper(9)  # A4
        if not sheet.pages:  # paged sheets fit the width by their column widths, at 100%
            ws.fit_to_pages(1, 0)  # all columns on the page width, as many pages down as needed
        ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
        if sheet.decree_page_numbers:
            ws.set_header("&C&\"Times New Roman\"&13&P")  # not on page 1: see _RawRows.write_into
        else:
            ws.set_footer("&C&\"Times New Roman\"&11Trang &P/&N")
        for c, width in enumerate(sheet.widths):
            ws.set_column(c, c, width)
        width = max(sheet.print_columns or len(sheet.headers), 1)
        if sheet.layout is not None:
            _write_frame_top(ws, formats, sheet.layout, width)
        else:
            for r, line in enumerate(sheet.title):
                ws.write_string(r, 0, line, formats["title"])
        header_row = sheet.header_row
        if not sheet.pages:  # a paged sheet's tables write their own header, on every page they run onto
            if sheet.wrap:
                longest = max((len(str(h)) for h in sheet.headers), default=0)
                ws.set_row(header_row, 16 * min(4, 1 + longest // 12))  # wrapped headers need the height
            ws.write_row(header_row, 0, [str(h) for h in sheet.headers], formats["header"])
            ws.freeze_panes(header_row + 1, 0)
            ws.repeat_rows(header_row)
        # The data rows are the bulk of the work (a national DanhSach has millions of cells):
        # XlsxWriter spends ~10 µs per cell, so they are written as XML here and spliced into
        # XlsxWriter's sheet when the file is written (_RawRows.write_into). The frame stays XlsxWriter's.
        # (a paged sheet's rows start at its first table's header, which they write themselves)
        raw = _RawRows(header_row if sheet.pages else header_row + 1, sheet, {k: f._get_xf_index() for k, f in formats.items()})
        raws[sheet.name] = raw
        last = raw.write(sheet.rows)
        if sheet.pages:
            if not paged_formats:
                paged_formats.update({name: book.add_format(props) for name, props in _PAGED_FORMATS.items()})
            last = _write_pages(ws, {**formats, **paged_formats}, sheet, width, raw)
        table_last = last
        for values in sheet.footer_rows:
            last += 1
            for c, value in enumerate(values):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    ws.write_number(last, c, value, formats["total"])
                elif value in (None, ""):
                    ws.write_blank(last, c, None, formats["total"])
                else:
                    ws.write_string(last, c, str(value), formats["total"])
        for note in sheet.notes:
            last += 1
            ws.set_row(last, 32)
            _span(ws, last, 0, width - 1, note, formats["note"])
        for title, headers, rows in sheet.extra_tables:
            last += 2
            _span(ws, last, 0, width - 1, title, formats["title"])
            last += 1
            ws.write_row(last, 0, headers, formats["header"])
            for values in rows:
                last += 1
                for c, value in enumerate(values):
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        ws.write_number(last, c, value, formats["cell"])
                    else:
                        ws.write_string(last, c, "" if value is None else str(value), formats["cell"])
        if sheet.headers and sheet.autofilter:
            ws.autofilter(header_row, 0, table_last, len(sheet.headers) - 1)
        if sheet.print_columns:
            ws.print_area(0, 0, last + (8 if sheet.layout and sheet.layout.signatures else 0), sheet.print_columns - 1)
        if sheet.layout is not None and sheet.layout.signatures:
            _write_signatures(ws, formats, sheet.layout, width, last + 2)
        if sheet.decorate is not None:  # after the signatures: it may write rows below them (a chart's data)
            sheet.decorate(book, ws, header_row, last)
    try:
        book.close()
    except BaseException as exc:
        for raw in raws.values():
            raw.discard()
        _close_left_open(exc)
        raise
    return raws


# zlib level 1: a master of a million rows compresses 3x faster than at the default level 6,
# for a file about 15% larger.
_LEVEL = 1
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = datetime(1899, 12, 30)


@functools.lru_cache(maxsize=None)  # a paged sheet asks for every cell's
def _column_letter(c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_MEMO_CELLS = 100_000  # cells' XML memoised per style, at most (a few MB)
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_EXACT = 1 << 53  # integers a float holds exactly: "%.16G" writes them digit for digit
_DEFAULT_ROW_PX = 20  # XlsxWriter's default row height (15 pt): a row of that height has no ht
_EXCEL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x")


@functools.lru_cache(maxsize=None)  # a sheet's rows have a few heights
def _row_height_attributes(height: float) -> str:
    """A row's height as XlsxWriter's set_row writes it: in whole pixels, none when it is the default."""
    px = int(height * 4.0 / 3.0 + 0.5)
    return f' ht="{px * 0.75:.16g}" customHeight="1"' if px != _DEFAULT_ROW_PX else ""


@functools.lru_cache(maxsize=1 << 16)
def _inline_string(text: str) -> str:
    """The <is> element of an inline string cell as XlsxWriter writes it in constant_memory mode
    (its truncation, its _xHHHH_ escapes, its rule for keeping spaces), memoised: texts repeat."""
    if len(text) <= 16383 and not _SPECIAL.search(text):  # most texts: nothing to escape
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""  # as ^\s|\s$
        return f"<is><t{space}>{text}</t></is>"
    if len(text) > 16383:  # at most 32,767 UTF-16 units in a cell
        units = 0
        for i, ch in enumerate(text):
            units += 2 if ord(ch) > 0xFFFF else 1
            if units > 32767:
                text = text[:i]
                break
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(r"_x005F\1", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<is><t{space}>{text}</t></is>"


def _xml_text(text: str) -> str:
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _ILLEGAL_XML.search(text):  # Excel's escape for characters XML cannot carry
        text = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return text


class _RawRows:
    """A sheet's data rows as worksheet XML, streamed to a temporary file."""

    def __init__(self, first_row: int, sheet: SheetData, xf: dict[str, int]):
        self.first_row = first_row  # 0-based
        self.sheet = sheet
        self.xf = xf
        # The rows' XML is deflated as it is made, on the compressing thread (see _deflating), into
        # this file: raw deflate, sync-flushed, so write_into puts it between the compressed frame
        # top and tail as it is. `crc` and `size` are those of the XML it holds.
        self.file = tempfile.TemporaryFile("w+b")
        self._deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        self.crc = 0
        self.size = 0
        self._jobs: deque[Future[None]] = deque()
        self._held: list[bytes] = []  # handed over in jobs of _JOB_BYTES: fewer hand-overs of the GIL
        self._held_size = 0
        self._finished = False
        self._failed: BaseException | None = None  # the compressing thread's first error
        self.count = 0
        self.max_col = max(len(sheet.headers) - 1, 0)
        self.links: list[str] = []
        self.last_row = first_row  # 1-based number of the last row written (of the one above the first: none yet)
        self.merges: list[str] = []  # <mergeCell>s of the rows, top to bottom
        self.pending: list[str] = []  # rows added (add_row) and not yet in the file

    def write(self, rows: Iterable[list[Any]]) -> int:
        """Write the rows; return the 0-based index of the last one (the header's when none).

        Cells are written in order without their `r` attribute (optional in SpreadsheetML: a
        cell without one follows the previous cell): it saves a fifth of the XML and its time.
        """
        sheet, xf = self.sheet, self.xf

        def out(text: str) -> None:
            self._put(text.encode("utf-8"))

        links = sheet.links
        link_xf = xf["link"]
        datetime_xf = xf["datetime"]
        shapes: dict[str | None, tuple[str, str, str, str]] = {}
        for kind in (None, *set(sheet.row_styles.values())):
            plain = xf[kind] if kind else xf["cell_wrap" if sheet.wrap else "cell"]
            dated = xf[f"{kind}_date"] if kind else xf["date"]
            shapes[kind] = (f'<c s="{plain}"/>', f'<c s="{plain}" t="inlineStr"><is><t>',
                            f'<c s="{plain}"><v>', f'<c s="{dated}"><v>')
        epoch = _EPOCH.date()
        # Cell XML memoised per row style: a list repeats a few hundred texts (awards, positions,
        # workplaces) on every row, and the same few timestamps (sent, merged); each is escaped and
        # formatted once. Bounded, so a national list of unique names does not keep them all.
        memos: dict[str | None, dict[Any, str]] = {kind: {} for kind in shapes}
        stamps: dict[datetime, str] = {}
        row_styles, wrap, widths = sheet.row_styles, sheet.wrap, sheet.widths
        lines: list[str] = []
        r = self.first_row - 1
        for i, values in enumerate(rows):
            r = self.first_row + i
            n = r + 1
            kind = row_styles.get(i)
            blank, text_open, number_open, date_open = shapes[kind]
            memo = memos[kind]
            cells = []
            add = cells.append
            for c, value in enumerate(values):
                if type(value) is str:
                    if not value:
                        add(blank)
                    elif links and (i, c) in links:
                        self._link(add, links[(i, c)], value, c, n, link_xf)
                    elif (cell := memo.get(value)) is not None:
                        add(cell)
                    else:
                        text = _xml_text(value)
                        if text[:1].isspace() or text[-1:].isspace():
                            cell = f'{text_open[:-3]}<t xml:space="preserve">{text}</t></is></c>'
                        else:
                            cell = f"{text_open}{text}</t></is></c>"
                        if len(memo) >= _MEMO_CELLS:
                            memo.clear()
                        memo[value] = cell
                        add(cell)
                elif value is None or value == "":
                    add(blank)
                elif links and (i, c) in links:
                    self._link(add, links[(i, c)], str(value), c, n, link_xf)
                elif isinstance(value, bool):
                    add(f'{text_open}{"Có" if value else "Không"}</t></is></c>')
                elif isinstance(value, (int, float)):
                    add(f"{number_open}{value!r}</v></c>")
                elif isinstance(value, datetime):
                    if (cell := stamps.get(value)) is None:
                        local = (value.astimezone() if value.tzinfo else value).replace(tzinfo=None)  # Excel has no zones
                        cell = f'<c s="{datetime_xf}"><v>{(local - _EPOCH).total_seconds() / 86400!r}</v></c>'
                        if len(stamps) >= _MEMO_CELLS:
                            stamps.clear()
                        stamps[value] = cell
                    add(cell)
                elif isinstance(value, date):
                    add(f"{date_open}{(value - epoch).days}</v></c>")
                else:
                    add(f"{text_open}{_xml_text(str(value))}</t></is></c>")
            if len(values) - 1 > self.max_col:
                self.max_col = len(values) - 1
            self.count += 1
            if wrap:
                # Excel and LibreOffice do not grow a row to its wrapped text when they open a file:
                # a wrapped row gets the height its longest cell needs, or its lines print over the next
                height = row_height(values, widths)
                if height > LINE_PT + 4:
                    lines.append(f'<row r="{n}" ht="{height:g}" customHeight="1">{"".join(cells)}</row>\n')
                else:
                    lines.append(f'<row r="{n}">{"".join(cells)}</row>\n')
            else:
                lines.append(f'<row r="{n}">{"".join(cells)}</row>\n')
            if len(lines) >= 1000:  # written in batches: one write call per row costs a tenth of the time
                out("".join(lines))
                lines.clear()
        out("".join(lines))
        self.last_row = max(self.last_row, r + 1)
        return r

    def add_row(self, r: int, height: float, cells: list[str], max_col: int) -> None:
        """Row r (0-based) of a paged sheet, as XlsxWriter writes a row it was given a height (set_row)."""
        ht = _row_height_attributes(height)
        n = r + 1
        self.pending.append(f'<row r="{n}"{ht}>{"".join(cells)}</row>\n' if cells else f'<row r="{n}"{ht}/>\n')
        if len(self.pending) >= 1024:  # one write per thousand rows, not per row
            self._flush()
        self.count += 1
        self.last_row = n
        if max_col > self.max_col:
            self.max_col = max_col

    def _link(self, add: Callable[[str], None], target: str, value: str, c: int, n: int, link_xf: int) -> None:
        text = _xml_text(value)
        add(f'<c r="{_column_letter(c)}{n}" s="{link_xf}" t="inlineStr"><is><t>{text}</t></is></c>')
        self.links.append(f'<hyperlink ref="{_column_letter(c)}{n}" location="{_xml_text(target)}" display="{text}"/>')

    def discard(self) -> None:
        while self._jobs:  # the compressing thread may still be writing to the file
            with suppress(Exception):
                self._jobs.popleft().result()
        self.file.close()

    def rows_xml(self) -> bytes:
        """The rows' XML, inflated from the file whole (for checks: write_into streams it)."""
        self.finish()
        self.file.seek(0)
        return zlib.decompressobj(-15).decompress(self.file.read())

    def _put(self, data: bytes) -> None:
        """Hand whole rows' XML to the compressing thread, in order; wait when it lags far behind."""
        if not data:
            return
        self._held.append(data)
        self._held_size += len(data)
        if self._held_size >= _JOB_BYTES:
            self._submit()
            self._wait(_JOBS_AHEAD)

    def _submit(self, last: bool = False) -> None:
        data = b"".join(self._held)
        self._held.clear()
        self._held_size = 0
        self._jobs.append(_deflating().submit(self._compress, data, last))

    def _compress(self, data: bytes, last: bool) -> None:  # on the compressing thread, a sheet's jobs in turn
        if self._failed is not None:
            return  # after a failure the stream is lost: no later job may look as if it were whole
        try:
            self.crc = zlib.crc32(data, self.crc)
            self.size += len(data)
            out = self._deflate.compress(data)
            if last:
                out += self._deflate.flush(zlib.Z_SYNC_FLUSH)  # ends on a byte: a tail can follow
            if out:
                self.file.write(out)
        except BaseException as exc:
            self._failed = exc
            raise

    def _wait(self, ahead: int = 0) -> None:
        """Wait until at most `ahead` jobs are queued; a failure of the compressing thread is raised
        here, and again on every later use (the rows in the file are then not whole)."""
        while len(self._jobs) > ahead:
            self._jobs.popleft().result()
        if self._failed is not None:
            raise self._failed

    def finish(self) -> None:
        """Every row compressed and in the file (errors of the compressing thread are raised here)."""
        if not self._finished:
            self._finished = True  # once: a second call (after a failure) only raises it again
            if self.pending:
                self._flush()
            self._submit(last=True)
        self._wait()

    def pieces(self, xml: str) -> tuple[str, str]:
        """XlsxWriter's sheet XML cut where these rows go: (before, after), with the dimension
        and the rows' hyperlinks put right."""
        last = self.last_row
        # our rows go before the first row XlsxWriter wrote below the table, or at the end
        at = None
        for m in re.finditer(r'<row r="(\d+)"', xml):
            if int(m.group(1)) > self.first_row:
                at = m.start()
                break
        if at is None:
            if "</sheetData>" not in xml:  # XlsxWriter wrote no row (a paged sheet with no frame or notes)
                xml = xml.replace("<sheetData/>", "<sheetData></sheetData>", 1)
            at = xml.index("</sheetData>")
        head, tail = xml[:at], xml[at:]
        m = re.search(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>', head)
        if m:
            end_col = _column_letter(max(self.max_col, _column_number(m.group(3) or m.group(1)) - 1))
            end_row = max(last, int(m.group(4) or m.group(2)))
            end = f"{end_col}{end_row}"
            head = head[: m.start()] + f'<dimension ref="{"A1" if end == "A1" else "A1:" + end}"/>' + head[m.end():]
        if self.merges:
            tail = self._with_merges(tail)
        if self.links:
            block = "".join(self.links)
            if "<hyperlinks>" in tail:
                tail = tail.replace("<hyperlinks>", "<hyperlinks>" + block, 1)
            else:
                anchor = re.search(r"<printOptions|<pageMargins|<pageSetup|<headerFooter|<drawing|</worksheet>", tail)
                tail = tail[: anchor.start()] + f"<hyperlinks>{block}</hyperlinks>" + tail[anchor.start():]
        return head, tail

    def _flush(self) -> None:
        data = self._joined("".join(self.pending).encode("utf-8"))
        self.pending.clear()
        self._put(data)

    def _joined(self, chunk: bytes) -> bytes:
        if self.sheet.pages:
            # A paged sheet's rows as XlsxWriter wrote them: one after the other, with no line break
            # between them. A row's end is the only "/>" or "</row>" before a line break (a cell's
            # text has its ">" escaped), so the line breaks in texts stay.
            chunk = chunk.replace(b"</row>\n", b"</row>").replace(b"/>\n", b"/>")
        return chunk

    def _with_merges(self, tail: str) -> str:
        """The sheet's tail with these rows' merged ranges among XlsxWriter's, in row order as it lists them."""
        m = re.search(r'<mergeCells count="\d+">(.*?)</mergeCells>', tail, re.S)
        if m is None:
            anchor = re.search(r"<phoneticPr|<conditionalFormatting|<dataValidations|<hyperlinks|<printOptions"
                               r"|<pageMargins|<pageSetup|<headerFooter|<rowBreaks|<colBreaks|<drawing|</worksheet>", tail)
            block = f'<mergeCells count="{len(self.merges)}">{"".join(self.merges)}</mergeCells>'
            return tail[: anchor.start()] + block + tail[anchor.start():]
        ranges = re.findall(r"<mergeCell\b[^>]*/>", m.group(1))
        # the title block's ranges come before these rows, the notes' and the signatures' after
        at = next((i for i, tag in enumerate(ranges)
                   if int(re.search(r'ref="[A-Z]+(\d+)', tag).group(1)) > self.first_row), len(ranges))
        ranges[at:at] = self.merges
        return tail[: m.start()] + f'<mergeCells count="{len(ranges)}">{"".join(ranges)}</mergeCells>' + tail[m.end():]

    def write_into(self, z: zipfile.ZipFile, name: str, xml: str, remap: Callable[[str], str] | None = None) -> None:
        """Write the sheet, with these rows spliced in, into the zip as part `name`.

        The rows are in the file compressed already: the frame's top and tail are compressed
        around them and the three go in as one deflate stream (a sync flush ends each piece on a
        byte, and none refers back into another), its CRC combined from theirs. A national
        DanhSach (hundreds of MB of XML) is never whole in memory. With `remap` (the master's
        styles number ours otherwise) the rows are inflated again, renumbered and recompressed.
        """
        if self.sheet.decree_page_numbers:  # no number on the first page (XlsxWriter has no option for it)
            xml = xml.replace("<headerFooter", '<headerFooter differentFirst="1"', 1)
        head, tail = self.pieces(xml) if self.count else (xml, "")
        self.finish()
        top, bottom = head.encode("utf-8"), tail.encode("utf-8")
        entry = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16  # as zipfile gives an entry it writes (?rw-------)
        if remap is not None:
            self._write_remapped(z, entry, top, bottom, remap)
            return
        first = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        packed_top = first.compress(top) + first.flush(zlib.Z_SYNC_FLUSH)
        last = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        packed_bottom = last.compress(bottom) + last.flush()
        rows_packed = self.file.seek(0, os.SEEK_END)
        crc = _crc32_combine(_crc32_combine(zlib.crc32(top), self.crc, self.size), zlib.crc32(bottom), len(bottom))
        self.file.seek(0)
        _write_entry(z, entry, crc=crc, size=len(top) + self.size + len(bottom),
                     packed=len(packed_top) + rows_packed + len(packed_bottom),
                     chunks=_chain([packed_top], _file_chunks(self.file), [packed_bottom]))

    def _write_remapped(self, z: zipfile.ZipFile, entry: zipfile.ZipInfo, top: bytes, bottom: bytes,
                        remap: Callable[[str], str]) -> None:
        try:  # a fresh ZipInfo ignores the archive's level: set ours (renamed in Python 3.13)
            entry.compress_level = _LEVEL  # type: ignore[attr-defined]
        except AttributeError:
            entry._compresslevel = _LEVEL  # type: ignore[attr-defined]
        inflate = zlib.decompressobj(-15)
        self.file.seek(0)
        with z.open(entry, "w", force_zip64=True) as out:
            out.write(top)
            left = b""
            for block in _chain(_file_chunks(self.file), [None]):
                data = left + (inflate.decompress(block) if block is not None else inflate.flush())
                # a chunk holds whole rows (the remap's pattern never sees half a cell): a row
                # starts with "<row ", which a cell's text cannot hold (its "<" are escaped)
                cut = data.rfind(b"<row ") if block is not None else len(data)
                if cut <= 0:
                    left = data
                    continue
                whole, left = data[:cut], data[cut:]
                out.write(remap(whole.decode("utf-8")).encode("utf-8"))
            out.write(bottom)



# The rows' XML is compressed on one thread beside the one that makes it: zlib lets go of the GIL,
# so a sheet's compression costs no time of the merge's own (a fifth of writing a large master).
# One thread: the jobs of a sheet run in the order given; _JOBS_AHEAD bounds what waits in memory.
_JOBS_AHEAD = 4
_JOB_BYTES = 4 << 20
_DEFLATING: list[ThreadPoolExecutor] = []


def _deflating() -> ThreadPoolExecutor:
    if not _DEFLATING:
        _DEFLATING.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="tdkt-nen"))
    return _DEFLATING[0]


def _file_chunks(file: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    while block := file.read(size):
        yield block


def _chain(*parts: Iterable[Any]) -> Iterator[Any]:
    for part in parts:
        yield from part


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


def _crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc1 = crc32(A), crc2 = crc32(B) and len(B) (zlib's crc32_combine,
    which Python's zlib module does not offer): crc1 is carried over length2 zero bytes in GF(2)."""
    if length2 <= 0:
        return crc1
    operator = [0xEDB88320] + [1 << n for n in range(31)]  # carries a CRC over one zero bit
    operator = _gf2_square(_gf2_square(operator))  # over four zero bits
    while length2:
        operator = _gf2_square(operator)  # over one zero byte, then two, four, eight...
        if length2 & 1:
            crc1 = _gf2_times(operator, crc1)
        length2 >>= 1
    return crc1 ^ crc2


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _split(width: int) -> int:
    """Last column of the left half of the frame (issuer, first signature)."""
    return max(0, min(width - 2, (width * 2) // 5 - 1)) if width > 1 else 0


def _span(ws: Any, row: int, c1: int, c2: int, text: str, fmt: Any) -> None:
    if c2 > c1:
        ws.merge_range(row, c1, row, c2, text, fmt)
    else:
        ws.write_string(row, c1, text, fmt)


def _write_frame_top(ws: Any, formats: dict[str, Any], layout: OfficialLayout, width: int) -> None:
    """Issuer left, national motto right, place and date, title (domain.md §4)."""
    split = _split(width)
    right = split + 1 if width > 1 else 0
    issuer = layout.issuer + [""] * (2 - len(layout.issuer))
    ws.set_row(0, 18)
    # constant_memory mode streams rows: each row must be complete before the next begins
    _span(ws, 0, 0, split, issuer[0], formats["issuer"] if len(layout.issuer) > 1 else formats["issuer_bold"])
    _span(ws, 0, right, width - 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", formats["motto"])
    _span(ws, 1, 0, split, issuer[1], formats["issuer_bold"])
    _span(ws, 1, right, width - 1, "Độc lập - Tự do - Hạnh phúc", formats["motto_sub"])
    _span(ws, 2, right, width - 1, layout.place_date, formats["place_date"])
    ws.set_row(4, 36)
    _span(ws, 4, 0, width - 1, layout.title, formats["doc_title"])
    if layout.subtitle:
        _span(ws, 5, 0, width - 1, layout.subtitle, formats["doc_subtitle"])


def _write_signatures(ws: Any, formats: dict[str, Any], layout: OfficialLayout, width: int, row: int) -> None:
    blocks = layout.signatures
    if len(blocks) == 1:
        spans = [(_split(width) + 1, width - 1)]
    else:
        spans = [(0, _split(width)), (_split(width) + 1, width - 1)]
    pairs = list(zip(blocks, spans))
    if any("\n" in block[0] for block in blocks):  # a two-line role ("KT. GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC")
        ws.set_row(row, 2 * FRAME_ROW_PT)
    for offset, kind, part in ((0, "sign_role", 0), (1, "sign_hint", 1), (5, "sign_name", 2)):
        for block, (c1, c2) in pairs:  # row by row, left block then right (constant_memory)
            wrapped = kind == "sign_role" and "\n" in block[part]
            _span(ws, row + offset, c1, c2, block[part], formats["sign_role_lines" if wrapped else kind])


# ---------------------------------------------------------------------------
# Transplanting parts into an existing master

_SHEET_TAG = re.compile(r"<sheet\b[^>]*/>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')


def _attrs(tag: str) -> dict[str, str]:
    return dict(_ATTR.findall(tag))


def _rels_targets(rels_xml: str) -> dict[str, tuple[str, str]]:
    out = {}
    for tag in re.findall(r"<Relationship\b[^>]*/?>", rels_xml):
        a = _attrs(tag)
        out[a.get("Id", "")] = (a.get("Type", ""), a.get("Target", ""))
    return out


def _part_path(target: str) -> str:
    # Targets in workbook.xml.rels are relative to xl/, or absolute from the package root.
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _unescape_name(name: str) -> str:
    return name.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")


class _Styles:
    """Appends a scratch workbook's formats to the master's styles.xml and maps indices."""

    LISTS = ("numFmts", "fonts", "fills", "borders", "cellXfs")

    def __init__(self, master_xml: str):
        self.xml = master_xml

    def _items(self, xml: str, tag: str) -> list[str]:
        m = re.search(rf"<{tag}\b[^>]*?(?:/>|>(.*?)</{tag}>)", xml, re.S)
        if not m or m.group(1) is None:
            return []
        child = {"numFmts": "numFmt", "fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf"}[tag]
        return re.findall(rf"<{child}\b(?:[^>]*/>|.*?</{child}>)", m.group(1), re.S)

    def _append(self, tag: str, items: list[str]) -> int:
        """Append items to a list element; return the index of the first appended item."""
        existing = self._items(self.xml, tag)
        start = len(existing)
        if not items:
            return start
        joined = "".join(items)
        m = re.search(rf"<{tag}\b([^>]*?)(/?)>", self.xml)
        if m is None:
            # numFmts is optional and must come first in styleSheet
            open_tag = re.search(r"<styleSheet\b[^>]*>", self.xml)
            assert open_tag is not None
            insert = f'<{tag} count="{len(items)}">{joined}</{tag}>'
            self.xml = self.xml[: open_tag.end()] + insert + self.xml[open_tag.end():]
            return 0
        attrs = re.sub(r'\scount="\d+"', "", m.group(1))
        new_open = f'<{tag}{attrs} count="{start + len(items)}">'
        if m.group(2) == "/":  # empty element <fonts count="0"/>
            self.xml = self.xml[: m.start()] + new_open + joined + f"</{tag}>" + self.xml[m.end():]
        else:
            close = self.xml.index(f"</{tag}>", m.end())
            self.xml = self.xml[: m.start()] + new_open + self.xml[m.end(): close] + joined + self.xml[close:]
        return start

    def _reuse_or_append(self, tag: str, items: list[str]) -> list[int]:
        """The master index of each item: an identical one already there, else a new one appended."""
        at: dict[str, int] = {}
        existing = self._items(self.xml, tag)
        for i, item in enumerate(existing):
            at.setdefault(item, i)
        fresh: list[str] = []
        indices = []
        for item in items:
            if item not in at:
                at[item] = len(existing) + len(fresh)
                fresh.append(item)
            indices.append(at[item])
        self._append(tag, fresh)
        return indices

    def merge(self, scratch_xml: str) -> dict[int, int]:
        """Add the scratch's formats; return scratch cellXfs index -> master index.

        Formats an earlier merge already added are reused: appending them on every merge would
        pass Excel's limits (about 250 number formats, 512 fonts per workbook) after a hundred
        merges or so, and Excel then drops formats or refuses the file.
        """
        num_map: dict[str, str] = {}
        codes = {}
        for item in self._items(self.xml, "numFmts"):
            num_id, code = re.search(r'numFmtId="(\d+)"', item), re.search(r'formatCode="([^"]*)"', item)
            if num_id and code:
                codes.setdefault(code.group(1), num_id.group(1))
        used_ids = {int(i) for i in re.findall(r'numFmtId="(\d+)"', self._block(self.xml, "numFmts"))}
        next_id = max([163, *used_ids]) + 1
        new_numfmts = []
        for item in self._items(scratch_xml, "numFmts"):
            old_id = re.search(r'numFmtId="(\d+)"', item).group(1)
            code = re.search(r'formatCode="([^"]*)"', item)
            if code and code.group(1) in codes:
                num_map[old_id] = codes[code.group(1)]
                continue
            num_map[old_id] = str(next_id)
            if code:
                codes[code.group(1)] = str(next_id)
            new_numfmts.append(item.replace(f'numFmtId="{old_id}"', f'numFmtId="{next_id}"'))
            next_id += 1
        self._append("numFmts", new_numfmts)
        fonts = self._reuse_or_append("fonts", self._items(scratch_xml, "fonts"))
        fills = self._reuse_or_append("fills", self._items(scratch_xml, "fills"))
        borders = self._reuse_or_append("borders", self._items(scratch_xml, "borders"))
        xfs = []
        for xf in self._items(scratch_xml, "cellXfs"):
            def shift(m: re.Match[str]) -> str:
                name, value = m.group(1), m.group(2)
                if name == "fontId":
                    value = str(fonts[int(value)])
                elif name == "fillId":
                    value = str(fills[int(value)])
                elif name == "borderId":
                    value = str(borders[int(value)])
                elif name == "numFmtId":
                    value = num_map.get(value, value)
                elif name == "xfId":
                    value = "0"
                return f'{name}="{value}"'
            head, sep, rest = xf.partition(">") if not xf.endswith("/>") else (xf, "", "")
            head = re.sub(r'\b(fontId|fillId|borderId|numFmtId|xfId)="(\d+)"', shift, head)
            xfs.append(head + sep + rest)
        return dict(enumerate(self._reuse_or_append("cellXfs", xfs)))

    @staticmethod
    def _block(xml: str, tag: str) -> str:
        m = re.search(rf"<{tag}\b.*?(?:/>|</{tag}>)", xml, re.S)
        return m.group(0) if m else ""


def _remap_styles(sheet_xml: str, mapping: dict[int, int]) -> str:
    if _is_identity(mapping):
        return sheet_xml  # a master tdkt wrote maps every style to itself: no pass over the XML
    def cell(m: re.Match[str]) -> str:
        return f'{m.group(1)}{m.group(2)}="{mapping.get(int(m.group(3)), 0)}"'

    return _STYLE_ATTRIBUTE.sub(cell, sheet_xml)


# A style in a cell's, row's or column's tag, never in a text: a cell may read ' s="1"' (its quotes
# are not escaped in XML text), and renumbering it would change what the unit wrote.
_STYLE_ATTRIBUTE = re.compile(r'(<(?:c|row|col)\b[^>]*?\s)(s|style)="(\d+)"')


def _is_identity(mapping: dict[int, int]) -> bool:
    """Whether a style mapping leaves every style of the new sheets where it is (all of them mapped, to themselves)."""
    return all(k == v for k, v in mapping.items()) and set(mapping) == set(range(len(mapping)))


class _Parts(MutableMapping):
    """The parts of the master's package by name, as _transplant changes them.

    A part of the old master is read (decompressed) only when asked for: the big sheets the job
    does not touch are never read, and the sheets it replaces are not read either. `changed`
    holds the parts set anew; every other part left is the old one, copied as it is (kept()).
    """

    def __init__(self, old: zipfile.ZipFile):
        self._zip = old
        self._old: dict[str, zipfile.ZipInfo] = {}
        for info in old.infolist():
            if not info.is_dir():
                self._old.setdefault(info.filename, info)  # a name twice (a damaged package): the first
        self._read: dict[str, bytes] = {}
        self._gone: set[str] = set()
        self.changed: dict[str, bytes] = {}

    def kept(self, name: str) -> zipfile.ZipInfo | None:
        """The old part's entry when the package still has it unchanged, else None."""
        if name in self.changed or name in self._gone:
            return None
        return self._old.get(name)

    def __getitem__(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        info = self.kept(name)
        if info is None:
            raise KeyError(name)
        if name not in self._read:
            self._read[name] = self._zip.read(info)
        return self._read[name]

    def __setitem__(self, name: str, data: bytes) -> None:
        self.changed[name] = data
        self._gone.discard(name)

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.changed.pop(name, None)
        self._gone.add(name)

    def discard(self, name: str) -> None:
        """Drop a part, unread (MutableMapping.pop would read it to return it)."""
        self.changed.pop(name, None)
        self._gone.add(name)

    def __contains__(self, name: object) -> bool:
        return name in self.changed or (name in self._old and name not in self._gone)

    def __iter__(self) -> Iterator[str]:
        yield from (name for name in self._old if name in self)
        yield from (name for name in self.changed if name not in self._old)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ... file name length, extra field length
_DATA_DESCRIPTOR = 0x08  # general purpose flag: CRC and sizes follow the data


def _copy_raw(source: BinaryIO, info: zipfile.ZipInfo, target: zipfile.ZipFile) -> None:
    """Copy one entry of another zip (`source`: its file, `info`: its entry) into `target`, as it is compressed.

    Nothing is decompressed or recompressed, and the data goes through in chunks, never whole in
    memory. The CRC and sizes are those of the source's central directory (so no data
    descriptor, even when the source had one).
    """
    source.seek(info.header_offset)
    head = source.read(_LOCAL_HEADER.size)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(head) if len(head) == _LOCAL_HEADER.size else (b"", 0, 0)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"Bad local file header of {info.filename!r}")
    source.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    entry.compress_type = info.compress_type
    entry.flag_bits = info.flag_bits & ~_DATA_DESCRIPTOR
    entry.create_system, entry.external_attr = info.create_system, info.external_attr

    def chunks() -> Iterator[bytes]:
        left = info.compress_size
        while left:
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                raise zipfile.BadZipFile(f"Truncated data of {info.filename!r}")
            yield chunk
            left -= len(chunk)
    _write_entry(target, entry, crc=info.CRC, size=info.file_size, packed=info.compress_size, chunks=chunks())


def _write_entry(target: zipfile.ZipFile, entry: zipfile.ZipInfo, *, crc: int, size: int, packed: int,
                 chunks: Iterable[bytes]) -> None:
    """Add an entry whose data is compressed already (`packed` bytes in `chunks`, of `size` bytes with `crc`).

    Python's zipfile has no public way to: the local header is made by ZipInfo.FileHeader (its
    public use) with the CRC and sizes in it (so no data descriptor); zipfile's close writes the
    central directory entry, zip64 where sizes or offset need it, as for every entry it writes.
    """
    entry.CRC, entry.compress_size, entry.file_size = crc, packed, size
    entry.header_offset = target.fp.tell()
    target.fp.write(entry.FileHeader(max(size, packed) > zipfile.ZIP64_LIMIT))
    written = 0
    for chunk in chunks:
        target.fp.write(chunk)
        written += len(chunk)
    if written != packed:
        raise zipfile.BadZipFile(f"{entry.filename!r}: {written} bytes written, {packed} expected")
    target.filelist.append(entry)
    target.NameToInfo[entry.filename] = entry
    target.start_dir = target.fp.tell()  # where close() writes the central directory

def _transplant(master: Path, scratch: Path, out: Path, sheets: list[SheetData],
                raws: dict[str, "_RawRows"] | None = None, *, identity: bool = False, sealed: bool = False) -> None:
    raws = raws or {}
    streams: dict[str, tuple[_RawRows, str]] = {}  # part -> (its data rows, its frame XML)
    with zipfile.ZipFile(master) as old, zipfile.ZipFile(scratch) as new, master.open("rb") as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as target:
        parts = _Parts(old)
        wb_xml = parts["xl/workbook.xml"].decode("utf-8")
        rels_xml = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
        ct_xml = parts["[Content_Types].xml"].decode("utf-8")
        existing = _sheet_paths(wb_xml, _rels_targets(rels_xml))  # sheet name -> part path
        scratch_wb = new.read("xl/workbook.xml").decode("utf-8")
        scratch_parts = _sheet_paths(scratch_wb, _rels_targets(new.read("xl/_rels/workbook.xml.rels").decode("utf-8")))

        styles = _Styles(parts["xl/styles.xml"].decode("utf-8"))
        mapping = styles.merge(new.read("xl/styles.xml").decode("utf-8"))
        parts["xl/styles.xml"] = styles.xml.encode("utf-8")

        rid_numbers = [int(m) for m in re.findall(r'Id="rId(\d+)"', rels_xml)] or [0]
        sheet_ids = [int(m) for m in re.findall(r'<sheet\b[^>]*\bsheetId="(\d+)"', wb_xml)] or [0]
        written: list[str] = []
        for sheet in sheets:
            if sheet.name in existing and sheet.only_if_missing:
                continue
            body = _remap_styles(new.read(scratch_parts[sheet.name]).decode("utf-8"), mapping)
            if sheet.name in existing:
                part = existing[sheet.name]
                # The old version's drawings (an earlier chart) go with it.
                for stale in _related_closure(parts, part):
                    parts.discard(stale)
                    ct_xml = re.sub(rf'<Override\b[^>]*PartName="/{re.escape(stale)}"[^>]*/>', "", ct_xml)
            else:
                n = 1
                while f"xl/worksheets/sheet{n}.xml" in parts:
                    n += 1
                part = f"xl/worksheets/sheet{n}.xml"
                rid_numbers.append(max(rid_numbers) + 1)
                rid = f"rId{rid_numbers[-1]}"
                sheet_ids.append(max(sheet_ids) + 1)
                rels_xml = rels_xml.replace(
                    "</Relationships>",
                    f'<Relationship Id="{rid}" Type="{REL_WORKSHEET}" Target="worksheets/sheet{n}.xml"/></Relationships>',
                )
                state = ' state="hidden"' if sheet.hidden else ""
                wb_xml = wb_xml.replace(
                    "</sheets>", f'<sheet name="{escape(sheet.name, {chr(34): "&quot;"})}" sheetId="{sheet_ids[-1]}"{state} r:id="{rid}"/></sheets>'
                )
                ct_xml = ct_xml.replace(
                    "</Types>", f'<Override PartName="/{part}" ContentType="{CT_WORKSHEET}"/></Types>'
                )
            parts[part] = body.encode("utf-8")
            if sheet.name in raws:
                streams[part] = (raws[sheet.name], body)
            ct_xml = _copy_related(new, scratch_parts[sheet.name], part, parts, ct_xml)
            written.append(sheet.name)

        wb_xml = _update_defined_names(wb_xml, scratch_wb, written)
        # A stale calculation chain that names cells of a replaced sheet makes Excel "repair"
        # the file; Excel rebuilds the chain by itself when it is missing.
        if "xl/calcChain.xml" in parts:
            parts.discard("xl/calcChain.xml")
            rels_xml = re.sub(r'<Relationship\b[^>]*Target="calcChain.xml"[^>]*/>', "", rels_xml)
            ct_xml = re.sub(r'<Override\b[^>]*PartName="/xl/calcChain.xml"[^>]*/>', "", ct_xml)
        parts["xl/workbook.xml"] = wb_xml.encode("utf-8")
        parts["xl/_rels/workbook.xml.rels"] = rels_xml.encode("utf-8")
        parts["[Content_Types].xml"] = ct_xml.encode("utf-8")
        if identity:
            _ensure_identity(parts)
        # A sealing write (a merge) appends a new seal after the rest; any other write keeps the old
        # one as it is: it still holds while the sheets it describes keep their CRCs (read_seal).
        if sealed:
            if SEAL_PART in parts:
                parts.discard(SEAL_PART)
            _seal_plumbing(parts)
        for name in parts:  # the old parts in their order, then the new ones
            if name in streams:
                raw, body = streams[name]
                raw.write_into(target, name, body,
                               remap=None if _is_identity(mapping) else (lambda chunk: _remap_styles(chunk, mapping)))
            elif (info := parts.kept(name)) is not None:
                _copy_raw(source, info, target)
            else:
                target.writestr(name, parts[name])


def _sheet_paths(wb_xml: str, rels: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Each sheet's part path by sheet name, in the workbook's order (a relationship id of any prefix)."""
    out: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(wb_xml):
        a = _attrs(tag)
        rid = a.get("r:id") or next((v for k, v in a.items() if k.endswith(":id")), "")
        if rid in rels:
            out[_unescape_name(a.get("name", ""))] = _part_path(rels[rid][1])
    return out


def _next_rid(rels_xml: str) -> str:
    """A relationship id the rels part does not use yet."""
    numbers = [int(n) for n in re.findall(r'Id="rId(\d+)"', rels_xml)] or [0]
    return f"rId{max(numbers) + 1}"


def _rels_path(part: str) -> str:
    folder, name = part.rsplit("/", 1)
    return f"{folder}/_rels/{name}.rels"


def _resolve(part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _related_closure(parts: dict[str, bytes], part: str) -> list[str]:
    """The rels file of a part and every drawing/chart part it leads to (internal targets only)."""
    out: list[str] = []
    todo = [part]
    while todo:
        current = todo.pop()
        rels = _rels_path(current)
        if rels not in parts:
            continue
        out.append(rels)
        for tag in re.findall(r"<Relationship\b[^>]*/?>", parts[rels].decode("utf-8")):
            a = _attrs(tag)
            if a.get("TargetMode") == "External":
                continue
            target = _resolve(current, a.get("Target", ""))
            if target in parts and target not in out and ("/drawings/" in target or "/charts/" in target):
                out.append(target)
                todo.append(target)
    return out


def _copy_related(scratch: zipfile.ZipFile, scratch_part: str, part: str, parts: dict[str, bytes], ct_xml: str) -> str:
    """Copy the parts a scratch sheet relates to (its chart's drawing and chart) under free names."""
    names = set(scratch.namelist())
    scratch_ct = scratch.read("[Content_Types].xml").decode("utf-8")

    def copy(src_part: str, dst_part: str) -> None:
        nonlocal ct_xml
        rels = _rels_path(src_part)
        if rels not in names:
            return
        xml = scratch.read(rels).decode("utf-8")
        for tag in re.findall(r"<Relationship\b[^>]*/?>", xml):
            a = _attrs(tag)
            if a.get("TargetMode") == "External":
                continue
            src_target = _resolve(src_part, a["Target"])
            folder, name = src_target.rsplit("/", 1)
            stem, dot, ext = name.rpartition(".")
            base = re.sub(r"\d+$", "", stem)
            n = 1
            while f"{folder}/{base}{n}.{ext}" in parts:
                n += 1
            dst_target = f"{folder}/{base}{n}.{ext}"
            parts[dst_target] = scratch.read(src_target)
            m = re.search(rf'<Override\b[^>]*PartName="/{re.escape(src_target)}"[^>]*/>', scratch_ct)
            if m:
                ct_xml = ct_xml.replace("</Types>", m.group(0).replace(f"/{src_target}", f"/{dst_target}") + "</Types>")
            relative = posixpath.relpath(dst_target, posixpath.dirname(dst_part))
            xml = xml.replace(f'Target="{a["Target"]}"', f'Target="{relative}"', 1)
            copy(src_target, dst_target)
        parts[_rels_path(dst_part)] = xml.encode("utf-8")

    copy(scratch_part, part)
    return ct_xml


def _update_defined_names(wb_xml: str, scratch_wb: str, written: list[str]) -> str:
    """Autofilter and print-title names of our sheets, re-pointed at their new ranges."""
    names = [_unescape_name(_attrs(t)["name"]) for t in _SHEET_TAG.findall(wb_xml)]
    scratch_names = [_unescape_name(_attrs(t)["name"]) for t in _SHEET_TAG.findall(scratch_wb)]
    ours = {names.index(n) for n in written}
    kept = []
    for m in re.finditer(r"<definedName\b[^>]*>.*?</definedName>", wb_xml, re.S):
        a = _attrs(m.group(0))
        builtin = a.get("name", "") in ("_xlnm._FilterDatabase", "_xlnm.Print_Titles")
        if builtin and a.get("localSheetId", "").isdigit() and int(a["localSheetId"]) in ours:
            continue
        kept.append(m.group(0))
    for m in re.finditer(r"<definedName\b[^>]*>.*?</definedName>", scratch_wb, re.S):
        a = _attrs(m.group(0))
        sheet_name = scratch_names[int(a["localSheetId"])]
        if sheet_name in written:
            kept.append(m.group(0).replace(f'localSheetId="{a["localSheetId"]}"', f'localSheetId="{names.index(sheet_name)}"'))
    block = "<definedNames>" + "".join(kept) + "</definedNames>" if kept else ""
    wb_xml = re.sub(r"<definedNames>.*?</definedNames>|<definedNames/>", "", wb_xml, flags=re.S)
    if block:
        anchor = re.search(r"</sheets>", wb_xml)
        wb_xml = wb_xml[: anchor.end()] + block + wb_xml[anchor.end():]
    return wb_xml


def _write_new(scratch: Path, out: Path, raws: dict[str, "_RawRows"], *, macro_enabled: bool,
               identity: bool = False, sealed: bool = False) -> None:
    """A new master: the scratch workbook with its data rows spliced in (and marked .xlsm if so)."""
    with zipfile.ZipFile(scratch) as z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        parts = {i.filename: z.read(i) for i in infos}
    paths = _sheet_paths(parts["xl/workbook.xml"].decode("utf-8"),
                         _rels_targets(parts["xl/_rels/workbook.xml.rels"].decode("utf-8")))
    sheet_rows = {part: raws[name] for name, part in paths.items() if name in raws}
    if macro_enabled:  # Excel refuses an .xlsm whose main part has the .xlsx type
        types = parts["[Content_Types].xml"]
        parts["[Content_Types].xml"] = types.replace(CT_MAIN_XLSX.encode(), CT_MAIN_XLSM.encode())
    if identity:
        _ensure_identity(parts)
    if sealed:
        _seal_plumbing(parts)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as target:
        for info in infos:
            if info.filename in sheet_rows:
                sheet_rows[info.filename].write_into(target, info.filename, parts[info.filename].decode("utf-8"))
            else:
                target.writestr(info, parts[info.filename], compress_type=zipfile.ZIP_DEFLATED, compresslevel=_LEVEL)
        for name in [n for n in parts if n not in {i.filename for i in infos}]:  # the identity's and seal's parts
            target.writestr(name, parts[name])


# ---------------------------------------------------------------------------
# The seal: a small custom XML part a merge leaves in the master, saying what it wrote
#
# It holds the CRC-32 and size of each sheet part the next merge would read (and the little the
# merge's report needs besides). While the zip's own directory still shows those CRCs, the master
# is as the merge left it, and a re-merge of files it already holds can be answered without
# reading DanhSach. Excel keeps custom XML parts, but saving in Excel rewrites every part: the
# CRCs then differ and the next merge reads the master in full. A custom XML part (item, its
# properties, a relationship from the workbook) is the package's own place for an application's data.

SEAL_PART = "customXml/tdktMerge.xml"
_SEAL_PROPS = "customXml/tdktMergeProps.xml"
_REL_CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
_REL_CUSTOM_XML_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
_CT_CUSTOM_XML_PROPS = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
_SEAL_NS = "urn:tdkt:gop"
_SEAL_ITEM_ID = "{6B0E8C52-1E0A-4D5B-9C1F-2A7E4D3B8F61}"


def _seal_plumbing(parts: MutableMapping[str, bytes]) -> None:
    """The seal's relationship, properties part and content types (the seal itself is appended after)."""
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    if f'Target="../{SEAL_PART}"' not in rels:
        rels = rels.replace("</Relationships>", f'<Relationship Id="{_next_rid(rels)}" Type="{_REL_CUSTOM_XML}" '
                                                f'Target="../{SEAL_PART}"/></Relationships>')
        parts["xl/_rels/workbook.xml.rels"] = rels.encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    changed = False
    if 'Extension="xml"' not in types:
        types = types.replace("</Types>", '<Default Extension="xml" ContentType="application/xml"/></Types>')
        changed = True
    if f'PartName="/{_SEAL_PROPS}"' not in types:
        types = types.replace("</Types>", f'<Override PartName="/{_SEAL_PROPS}" ContentType="{_CT_CUSTOM_XML_PROPS}"/></Types>')
        changed = True
    if changed:
        parts["[Content_Types].xml"] = types.encode("utf-8")
    parts[_SEAL_PROPS] = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                          f'<ds:datastoreItem ds:itemID="{_SEAL_ITEM_ID}" '
                          'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
                          '<ds:schemaRefs/></ds:datastoreItem>').encode("utf-8")
    parts[_rels_path(SEAL_PART)] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                    f'<Relationship Id="rId1" Type="{_REL_CUSTOM_XML_PROPS}" '
                                    f'Target="{_SEAL_PROPS.rsplit("/", 1)[1]}"/></Relationships>').encode("utf-8")


def sheet_entries(z: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Each sheet's zip entry by sheet name, in the workbook's order (from its directory and two small parts)."""
    paths = _sheet_paths(z.read("xl/workbook.xml").decode("utf-8"),
                         _rels_targets(z.read("xl/_rels/workbook.xml.rels").decode("utf-8")))
    infos = {i.filename: i for i in z.infolist()}
    return {name: infos[part] for name, part in paths.items() if part in infos}


def _append_seal(out: Path, seal: Callable[[dict[str, tuple[int, int]]], str]) -> None:
    """Append the seal to the master just written: `seal` makes its JSON from each sheet's (CRC-32, size)."""
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as z:
        text = seal({name: (i.CRC, i.file_size) for name, i in sheet_entries(z).items()})
        info = zipfile.ZipInfo(SEAL_PART, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<tdkt xmlns="{_SEAL_NS}">{escape(text)}</tdkt>')
        z.writestr(info, xml.encode("utf-8"))


def read_seal(path: Path) -> tuple[dict[str, Any], dict[str, tuple[int, int]]] | None:
    """The seal a merge left in the master, and each sheet's (CRC-32, size) now; None without a readable one."""
    try:
        with zipfile.ZipFile(path) as z:
            if SEAL_PART not in z.NameToInfo:
                return None
            xml = z.read(SEAL_PART).decode("utf-8")
            now = {name: (i.CRC, i.file_size) for name, i in sheet_entries(z).items()}
        m = re.search(r"<tdkt\b[^>]*>(.*)</tdkt>", xml, re.S)
        data = json.loads(html.unescape(m.group(1))) if m else None
    except Exception:  # no seal, or one nobody can trust: the master is read in full
        return None
    return (data, now) if isinstance(data, dict) else None


def _as_macro_enabled(path: Path) -> None:
    """Mark a freshly written workbook as .xlsm (Excel refuses an .xlsm with the .xlsx type)."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "[Content_Types].xml":
                data = data.replace(CT_MAIN_XLSX.encode(), CT_MAIN_XLSM.encode())
            z.writestr(info, data)


# ---------------------------------------------------------------------------


def write_sheets(path: Path, sheets: list[SheetData], *, keep_backups: int = 10,
                 template: Callable[[Path], None] | None = None, identity: bool = True,
                 seal: Callable[[dict[str, tuple[int, int]]], str] | None = None) -> Path | None:
    """Write our sheets into the master at `path` (created when missing); return the backup made.

    Nothing is written when the master is locked, read-only or its disk is full (MasterLocked,
    with the reason); the previous master is kept as a backup. `identity` gives the master a
    tdkt-id when it has none (not for the template workbooks, which clerks copy).
    """
    path = Path(path)
    try:
        with master_lock(path):
            check_not_locked(path)
            return _write_locked(path, sheets, keep_backups, template, identity, seal)
    except OSError as exc:
        raise unwritable(exc, path) from None
    except xlsxwriter.exceptions.FileCreateError as exc:  # XlsxWriter's wrapper of the OSError (a full disk)
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
        raise unwritable(cause, path) from None


def _write_locked(path: Path, sheets: list[SheetData], keep_backups: int,
                  template: Callable[[Path], None] | None, identity: bool,
                  seal: Callable[[dict[str, tuple[int, int]]], str] | None = None) -> Path | None:
    scratch = _temp_file(path, "khung")
    out = _temp_file(path, "moi")
    try:
        if not path.exists() and template is not None:
            template(path)
        raws = _write_scratch(scratch, sheets)
        if path.exists():
            try:
                _transplant(path, scratch, out, sheets, raws, identity=identity, sealed=seal is not None)
            except (zipfile.BadZipFile, KeyError) as exc:
                # Point to backups only where there are some: a folder that does not exist helps nobody.
                backups = backup_dir(path)
                advice = (f"hãy dùng bản sao lưu trong thư mục {backups.name}" if backups.is_dir() and any(backups.iterdir())
                          else "hãy mở sổ bằng Excel, lưu lại thành .xlsx rồi chạy lại")
                raise UnreadableFile(
                    f"Sổ tổng hợp \"{path.name}\" bị hỏng, không ghi thêm được ({type(exc).__name__}): {advice}."
                ) from None
        else:
            _write_new(scratch, out, raws, macro_enabled=path.suffix.lower() == ".xlsm", identity=identity,
                       sealed=seal is not None)
        if seal is not None:
            _append_seal(out, seal)
        _keep_permissions(path, out)
        backup = make_backup(path, keep_backups)
        _replace_atomically(out, path)
        return backup
    finally:
        for raw in (raws if "raws" in locals() else {}).values():
            raw.discard()
        scratch.unlink(missing_ok=True)
        out.unlink(missing_ok=True)
