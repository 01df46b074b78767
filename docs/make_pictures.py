"""Render the pictures of the user guide (docs/hinh/*.png) through LibreOffice and pdftoppm.

    python docs/make_pictures.py

The control sheet of the built master, and DanhSach / TongHop of a demo master after a merge.
Buttons are drawn only on screen by default, so the copy rendered here marks them printable.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from addin.build import MASTER_NAME
from addin.demo import demo_guests, demo_settings, write_demo_mailbox
from addin.jobs import merge_job, tally_job
from addin.workbook.export import export_pdf

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "hinh"


def _printable_buttons(source: Path, target: Path) -> None:
    with zipfile.ZipFile(source) as z:
        parts = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            if name.endswith(".vml"):
                data = re.sub(rb"<x:PrintObject>False</x:PrintObject>", b"", data)
            z.writestr(name, data)


def _png(master: Path, sheet: str, name: str, work: Path) -> None:
    pdf = export_pdf(master, sheet, work / f"{name}.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "55", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(OUT / name)],
                   check=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        control = work / "dieu-khien.xlsm"
        _printable_buttons(ROOT / "workbooks" / MASTER_NAME, control)
        _png(control, "DieuKhien", "dieu-khien", work)
        master = work / MASTER_NAME
        shutil.copy(ROOT / "workbooks" / MASTER_NAME, master)
        write_demo_mailbox(work / "hop-thu")
        cwd = os.getcwd()
        os.chdir(work)
        try:
            merge_job(master, ["hop-thu"], initial_settings=demo_settings(), initial_guests=demo_guests())
        finally:
            os.chdir(cwd)
        tally_job(master)
        _png(master, "DanhSach", "danh-sach", work)
        _png(master, "TongHop", "tong-hop", work)


if __name__ == "__main__":
    main()
