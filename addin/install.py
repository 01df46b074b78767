"""The clerk's Excel set-up (`tdkt setup-excel`) and its check (`tdkt doctor`).

setup-excel puts the master workbook into the clerk's working folder and makes its buttons reach
this Python: the VBA module of the *installed* xlwings goes into the workbook (standalone: no
add-in, no VBA reference; or the add-in instead), this interpreter goes into the workbook's
xlwings.conf sheet, and Windows' Mark of the Web is removed so Office lets the macros run.
Each step reports done, skipped (with why) or failed; nothing here raises for the clerk.
"""

from __future__ import annotations

import errno
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from addin import schema
from addin.build import MASTER_NAME, XLWINGS_CONF, shipped
from addin.settings import Settings
from addin.workbook.export import find_soffice
from addin.workbook.master import SheetData, write_sheets

XLWINGS_MODULE = "xlwings"  # the module name Buttons.bas calls: 'book'!xlwings.RunPython
VERSION_LINE = re.compile(r'XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"')
WINDOWS = sys.platform == "win32"
MIN_PYTHON = (3, 11)

INBOX = Settings().inbox  # the folder the master reads by default, beside it

DONE, SKIPPED, MISSING, FAILED = "xong", "bỏ qua", "thiếu", "lỗi"


@dataclass(frozen=True)
class Step:
    state: str  # DONE (or "có" in a check), SKIPPED, MISSING, FAILED
    what: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state not in (MISSING, FAILED)

    def line(self) -> str:
        return f"[{self.state.upper()}] {self.what}" + (f": {self.detail}" if self.detail else "")


def default_folder() -> Path:
    """Where the clerk works when no folder is given: Documents\\tdkt (or ~/tdkt without Documents)."""
    home = Path.home()
    return (home / "Documents" if (home / "Documents").is_dir() else home) / "tdkt"


def xlwings_bas() -> Path | None:
    """xlwings.bas of the installed xlwings (found without importing xlwings), or None."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "xlwings.bas"
    return path if path.is_file() else None


def version_of(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def vba_xlwings_version(book: Path) -> str | None:
    """XLWINGS_VERSION of the xlwings module inside `book`, or None when it has none."""
    import pyopenvba

    project = pyopenvba.ExcelFile(book).vba_project()
    if XLWINGS_MODULE not in project.module_names():
        return None
    found = VERSION_LINE.search(project.get_module(XLWINGS_MODULE).source)
    return found.group(1) if found else "?"


def embed_xlwings(book: Path, bas: Path) -> None:
    """Put (or replace) the xlwings module from `bas` into the workbook; written to a copy first."""
    import pyopenvba

    source = bas.read_text(encoding="cp1252").replace("\r\n", "\n").replace("\n", "\r\n")
    with tempfile.TemporaryDirectory(prefix="tdkt-setup-", dir=book.parent) as work:
        copy = Path(work) / book.name
        shutil.copyfile(book, copy)
        opened = pyopenvba.ExcelFile(copy)
        project = opened.vba_project()
        if XLWINGS_MODULE in project.module_names():
            project.delete_module(XLWINGS_MODULE)
        project.add_module(XLWINGS_MODULE, source)
        opened.save()
        os.replace(copy, book)


def pythonw() -> Path:
    """The windowless interpreter beside this one (what Excel should start), else this one."""
    exe = Path(sys.executable)
    windowless = exe.with_name("pythonw.exe")
    return windowless if windowless.is_file() else exe


def write_interpreter(book: Path, interpreter: str) -> None:
    """The workbook's xlwings.conf sheet with Interpreter_Win set; its other settings as built."""

    rows = [[key, interpreter if key == "Interpreter_Win" else value] for key, value in XLWINGS_CONF]
    sheet = SheetData(schema.XLWINGS_CONF, rows[0], rows[1:], widths=[24, 60], hidden=True, autofilter=False)
    write_sheets(book, [sheet], keep_backups=1, identity=False)


def conf_interpreter(book: Path) -> str | None:
    """Interpreter_Win of the workbook's xlwings.conf sheet ('' when empty), None without the sheet."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(book))
    if schema.XLWINGS_CONF not in workbook.sheet_names:
        return None
    for row in workbook.get_sheet_by_name(schema.XLWINGS_CONF).to_python():
        if row and str(row[0]).strip() == "Interpreter_Win":
            return str(row[1]).strip() if len(row) > 1 else ""
    return ""


def has_mark_of_the_web(path: Path) -> bool:
    return WINDOWS and os.path.exists(f"{path}:Zone.Identifier")


def unblock(path: Path) -> bool:
    """Remove the Mark of the Web (the Zone.Identifier stream); True when there was one."""
    try:
        os.remove(f"{path}:Zone.Identifier")
    except FileNotFoundError:
        return False
    return True


def addin_path() -> Path | None:
    """Where `xlwings addin install` puts the add-in (Excel's XLSTART), on Windows."""
    appdata = os.environ.get("APPDATA")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART" / "xlwings.xlam" if WINDOWS and appdata else None


def excel_installed() -> bool:
    import winreg  # Windows only: callers check WINDOWS first

    try:
        winreg.CloseKey(winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,
                                       r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe"))
    except OSError:
        return False
    return True


def _why_not(exc: OSError) -> str:
    """Why a folder could not be made, in Vietnamese (the system's own words are English on most PCs)."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "không tạo được thư mục ở đường dẫn này (ổ đĩa hoặc thư mục cha không có, hoặc không tạo được ở đó)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "không có quyền ghi vào nơi này (thư mục hoặc ổ đĩa chỉ cho đọc)"
    if exc.errno == errno.ENOSPC:
        return "ổ đĩa đã đầy"
    if exc.errno == errno.EEXIST:
        return "đã có một tệp trùng tên với thư mục này"
    return f"lỗi hệ thống số {exc.errno}"


def setup_excel(folder: Path, *, addin: bool = False) -> list[Step]:
    """Every step of the set-up, in order, ending with the check of `doctor`."""
    folder = Path(folder)
    book = folder / MASTER_NAME
    steps: list[Step] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / INBOX).mkdir(exist_ok=True)
    except OSError as exc:
        return [Step(FAILED, f"Tạo thư mục {folder}", f"{_why_not(exc)}. Chọn thư mục khác: tdkt setup-excel THƯ-MỤC")]
    if book.exists():
        steps.append(Step(DONE, f"Sổ tổng hợp {book}", "đã có sẵn, giữ nguyên dữ liệu"))
    else:
        source = shipped("workbooks") / MASTER_NAME
        if not source.is_file():
            return steps + [Step(FAILED, "Sổ tổng hợp", f"bộ cài thiếu tệp {source}. Cài lại tdkt")]
        shutil.copyfile(source, book)
        steps.append(Step(DONE, f"Chép sổ tổng hợp vào {book}"))
    steps.append(Step(DONE, f"Thư mục hộp thư {folder / INBOX}"))

    bas = xlwings_bas()
    if addin:
        if not WINDOWS:
            steps.append(Step(SKIPPED, "Cài phần bổ trợ xlwings", "chỉ làm trên Windows"))
        elif bas is None:
            steps.append(Step(FAILED, "Cài phần bổ trợ xlwings", "máy chưa cài xlwings. Chạy lại cai-dat.bat"))
        else:
            done = subprocess.run([sys.executable, "-m", "xlwings", "addin", "install"], capture_output=True, text=True)
            steps.append(Step(DONE if done.returncode == 0 else FAILED, "Cài phần bổ trợ xlwings",
                              "" if done.returncode == 0 else (done.stderr or done.stdout).strip()[-300:]))
    elif bas is None:
        steps.append(Step(FAILED, "Chép mô-đun VBA xlwings vào sổ", "máy chưa cài xlwings. Chạy lại cai-dat.bat"))
    else:
        try:
            embed_xlwings(book, bas)
            steps.append(Step(DONE, "Chép mô-đun VBA xlwings vào sổ", f"phiên bản {version_of('xlwings')}, không cần phần bổ trợ"))
        except Exception as exc:  # a locked or damaged workbook: say so, go on with the check
            steps.append(Step(FAILED, "Chép mô-đun VBA xlwings vào sổ", _why(exc)))

    if WINDOWS:
        try:
            write_interpreter(book, str(pythonw()))
            steps.append(Step(DONE, "Ghi đường dẫn Python vào trang xlwings.conf", str(pythonw())))
        except Exception as exc:
            steps.append(Step(FAILED, "Ghi đường dẫn Python vào trang xlwings.conf", _why(exc)))
        removed = unblock(book)
        steps.append(Step(DONE, "Bỏ chặn macro (Mark of the Web)", "đã gỡ dấu tệp tải về" if removed else "tệp không bị chặn"))
    else:
        steps.append(Step(SKIPPED, "Ghi đường dẫn Python vào trang xlwings.conf", "chỉ làm trên Windows"))
        steps.append(Step(SKIPPED, "Bỏ chặn macro (Mark of the Web)", "chỉ làm trên Windows"))
    return steps + doctor(book)


def _why(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, PermissionError):
        return f"{text}. Đóng sổ trong Excel rồi chạy lại lệnh"
    return text


def _unreadable_macros(book: Path, exc: Exception) -> str:
    """Why the macros of `book` cannot be read, in Vietnamese (pyOpenVBA says it in English)."""
    if isinstance(exc, PermissionError):
        return _why(exc)
    again = "chạy tdkt setup-excel để có sổ có nút bấm"
    if book.suffix.lower() != ".xlsm":
        return f"sổ có nút bấm phải là tệp .xlsm, tệp này là \"{book.suffix or book.name}\": {again}"
    if not zipfile.is_zipfile(book):
        return f"tệp bị hỏng hoặc không phải sổ Excel: hãy mở thử bằng Excel, hoặc {again}"
    return f"sổ không có macro hoặc phần macro bị hỏng: {again}"


def doctor(book: Path | None = None) -> list[Step]:
    """What is installed and what is missing, for the buttons of `book` (default folder's master)."""
    book = Path(book) if book else default_folder() / MASTER_NAME
    steps: list[Step] = []
    ok_python = sys.version_info[:2] >= MIN_PYTHON
    steps.append(Step("có" if ok_python else MISSING, f"Python {sys.version.split()[0]}",
                      str(sys.executable) if ok_python else "cần Python 3.11 trở lên"))
    tdkt = version_of("tdkt")
    steps.append(Step("có" if tdkt else MISSING, f"tdkt {tdkt or ''}".strip(),
                      str(Path(__file__).resolve().parent) if tdkt else "chạy lại cai-dat.bat"))
    pyopenvba = version_of("pyopenvba")
    steps.append(Step("có" if pyopenvba else MISSING, f"pyOpenVBA {pyopenvba or ''}".strip(),
                      "" if pyopenvba else "chạy lại cai-dat.bat"))
    xlwings = version_of("xlwings") if xlwings_bas() else None
    steps.append(Step("có" if xlwings else MISSING, f"xlwings {xlwings or ''}".strip(),
                      "" if xlwings else "nút bấm trong Excel cần nó: chạy lại cai-dat.bat"))

    addin_file = addin_path()
    addin_there = bool(addin_file and addin_file.is_file())
    if not book.is_file():
        steps.append(Step(MISSING, f"Sổ tổng hợp {book}", "chạy: tdkt setup-excel"))
    else:
        try:
            embedded = vba_xlwings_version(book) if pyopenvba else None
        except Exception as exc:
            embedded, steps = None, steps + [Step(FAILED, f"Đọc macro của sổ {book}", _unreadable_macros(book, exc))]
        if embedded is not None:
            same = embedded == xlwings
            steps.append(Step("có" if same else MISSING, f"Mô-đun VBA xlwings trong sổ: phiên bản {embedded}",
                              "khớp với xlwings đã cài" if same else
                              f"khác xlwings đã cài ({xlwings or 'chưa cài'}): chạy tdkt setup-excel"))
        elif addin_there:
            steps.append(Step("có", "Phần bổ trợ xlwings", str(addin_file)))
        else:
            steps.append(Step(MISSING, "Mô-đun VBA xlwings trong sổ", "nút bấm sẽ không chạy: chạy tdkt setup-excel"))
        if WINDOWS:
            interpreter = conf_interpreter(book) or ""
            if interpreter and not Path(interpreter).is_file():
                steps.append(Step(MISSING, "Python ghi trong trang xlwings.conf",
                                  f"không còn {interpreter}: chạy tdkt setup-excel"))
            else:
                steps.append(Step("có", "Python ghi trong trang xlwings.conf", interpreter or "để trống: dùng Python trên PATH"))
            steps.append(Step(MISSING if has_mark_of_the_web(book) else "có", "Macro không bị chặn (Mark of the Web)",
                              "tệp mang dấu tải về: chạy tdkt setup-excel, hoặc chuột phải > Properties > Unblock"
                              if has_mark_of_the_web(book) else ""))
        else:
            steps.append(Step(SKIPPED, "Python ghi trong trang xlwings.conf", "chỉ kiểm tra trên Windows"))
            steps.append(Step(SKIPPED, "Macro không bị chặn (Mark of the Web)", "chỉ kiểm tra trên Windows"))


    soffice = find_soffice()
    if WINDOWS:
        excel = excel_installed()
        steps.append(Step("có" if excel else MISSING, "Microsoft Excel", "" if excel else "nút bấm cần Excel"))
    else:
        excel = False
        steps.append(Step(SKIPPED, "Microsoft Excel", "chỉ kiểm tra trên Windows"))
    if soffice:
        steps.append(Step("có", "LibreOffice (xuất PDF)", soffice))
    else:
        # Excel prints to PDF itself; without it the PDF export needs LibreOffice
        steps.append(Step(SKIPPED if excel else MISSING, "LibreOffice (xuất PDF)",
                          "không cần: Excel tự xuất PDF" if excel else "cài LibreOffice (miễn phí) để xuất PDF"))
    return steps
