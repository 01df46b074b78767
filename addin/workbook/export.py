"""One sheet of the master as a PDF, through LibreOffice (what `tdkt export` and the button do)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from addin.workbook.master import backup_dir
from addin.workbook.masterbook import MASTER_SUFFIXES, not_a_master_format

_WINDOWS_SOFFICE = [
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice" / "program" / "soffice.exe",
    Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")) / "LibreOffice" / "program" / "soffice.exe",
]


class ExportError(Exception):
    """Why the PDF could not be made; the message is Vietnamese, for the clerk."""


def find_soffice() -> str | None:
    """LibreOffice's command, on PATH or where Windows installs it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((str(p) for p in _WINDOWS_SOFFICE if p.exists()), None)


def _only_sheet(source: Path, target: Path, sheet: str) -> None:
    """A copy of the workbook where every sheet but `sheet` is hidden (hidden sheets don't print)."""
    if source.suffix.lower() not in MASTER_SUFFIXES:
        raise ExportError(not_a_master_format(source))
    backups = backup_dir(source)  # named only when there is a backup in it
    damaged = ExportError(f"Không đọc được sổ \"{source.name}\": tệp không phải sổ Excel (.xlsx, .xlsm) hoặc "
                          "đã bị hỏng. Hãy mở thử bằng Excel"
                          + (f", hoặc dùng bản sao lưu trong thư mục {backups.name} bên cạnh sổ."
                             if backups.is_dir() and any(backups.iterdir()) else "."))
    try:
        with zipfile.ZipFile(source) as z:
            parts = [(info, z.read(info)) for info in z.infolist()]
        workbook = next((data for info, data in parts if info.filename == "xl/workbook.xml"), None)
        if workbook is None:  # a zip, but not a workbook
            raise damaged
        names = re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', workbook.decode("utf-8"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, UnicodeDecodeError, EOFError, ValueError) as exc:
        raise damaged from exc
    wanted = sheet.replace("&", "&amp;")
    if wanted not in names:
        shown = ", ".join(n.replace("&amp;", "&") for n in names)
        raise ExportError(f"Sổ không có trang \"{sheet}\" (các trang: {shown}).")

    def hide(m: re.Match[str]) -> str:
        tag = re.sub(r'\sstate="[^"]*"', "", m.group(0))
        if re.search(rf'\bname="{re.escape(wanted)}"', tag):
            return tag
        return tag.replace("<sheet ", '<sheet state="hidden" ', 1)

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "xl/workbook.xml":
                xml = re.sub(r"<sheet\b[^>]*/>", hide, data.decode("utf-8"))
                # the sheet that opens first must be a visible one
                index = names.index(wanted)
                xml = re.sub(r'\s(activeTab|firstSheet)="\d+"', "", xml)
                xml = re.sub(r"<workbookView\b", f'<workbookView activeTab="{index}" firstSheet="{index}"', xml, count=1)
                # LibreOffice prints a hidden sheet that has a print area: drop the others' areas
                xml = re.sub(r'<definedName name="_xlnm\.Print_Area" localSheetId="(\d+)"[^>]*>[^<]*</definedName>',
                             lambda m: m.group(0) if int(m.group(1)) == index else "", xml)
                data = xml.encode("utf-8")
            z.writestr(info, data)


def export_pdf(master: Path, sheet: str, out: Path, *, timeout: int = 300) -> Path:
    """Render one sheet of the master to `out` (PDF) with LibreOffice; the master is not touched."""
    soffice = find_soffice()
    if soffice is None:
        raise ExportError("Chưa cài LibreOffice nên không xuất được PDF: hãy cài LibreOffice "
                          "(https://www.libreoffice.org) rồi chạy lại, hoặc in trang này từ Excel.")
    if not master.exists():
        raise ExportError(f"Không có sổ tổng hợp \"{master}\".")
    with tempfile.TemporaryDirectory(prefix="tdkt-pdf-") as work:
        work_dir = Path(work)
        copy = work_dir / f"{sheet}{master.suffix}"
        _only_sheet(master, copy, sheet)
        profile = (work_dir / "profile").as_uri()  # a private profile: works beside a running LibreOffice
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(work_dir), str(copy)],
                           check=True, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ExportError("LibreOffice chạy quá lâu khi xuất PDF: hãy thử lại.") from None
        except (subprocess.CalledProcessError, OSError) as exc:
            raise ExportError(f"LibreOffice không xuất được PDF ({type(exc).__name__}).") from None
        pdf = copy.with_suffix(".pdf")
        if not pdf.exists():
            raise ExportError("LibreOffice không tạo ra tệp PDF: hãy mở sổ bằng Excel và in trang này.")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(pdf), out)
    return out
