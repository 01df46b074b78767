"""Nothing a unit sends can act on the clerk's terminal, and no failure of the disk ends in a traceback.

Names made by units (zip members, attachment names, email subjects) may carry escape sequences
that retitle the window or clear the screen; the temporary folder, the master's folder or its disk
may be full or read-only. Each case gets its own Vietnamese sentence and an exit code, never a
traceback. Real files: zips, emails and masters are written in tmp_path and read back; full and
read-only disks are real tmpfs mounts or `chattr +i` where the tests run as root, else the failing
call is made to raise the errno the disk would.
"""

from __future__ import annotations

import errno
import gc
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Iterator

import pytest
import xlsxwriter
from click.testing import CliRunner

from addin import inbox
from addin.cli import main
from addin.cli_vi import TerminalSafe
from addin.inbox import collect_sources
from addin.jobs import merge_job, tally_job
from addin.text import printable

# What a terminal acts on: C0 controls but line feed and tab, DEL, C1 controls.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
RED_MEMBER = "\x1b[31mDS\x07.xlsx"
TITLE_MEMBER = "\x1b]0;title\x07DS \x9b2J.xlsx"
ATTACHMENT = "\x1b[2JDS\x9b31m.xlsx"
SUBJECT = "DS \x1b]0;bi-chiem\x07 đề nghị"


def small_list(path: Path, unit: str = "TRƯỜNG THCS LÊ LỢI", n: int = 2) -> Path:
    """A unit's short list as units send it: unit line, title, header, n people."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("DS")
    ws.write_string(0, 0, unit)
    ws.write_string(1, 0, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025")
    ws.write_row(3, 0, ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"])
    for i in range(n):
        ws.write_row(4 + i, 0, [i + 1, f"Nguyễn Văn Thử {i + 1}", f"{1 + i:02d}/03/1980", "Giáo viên",
                                "Lao động tiên tiến"])
    book.close()
    return path


def hostile_zip(path: Path, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(RED_MEMBER, data)
        z.writestr(TITLE_MEMBER, data)
    return path


def hostile_mail(path: Path, data: bytes) -> Path:
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = "Trường THCS Nguyễn Du <thcs.nguyendu@example.edu.vn>"
    message["To"] = "pgd@example.gov.vn"
    message["Date"] = "Mon, 12 May 2025 08:30:00 +0700"
    message.set_content("Kính gửi phòng, đơn vị gửi danh sách.")
    message.add_attachment(data, maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=ATTACHMENT)
    path.write_bytes(bytes(message))
    return path


@pytest.fixture
def hostile(tmp_path: Path) -> list[Path]:
    """A zip whose member names and an email whose attachment name and subject carry escape sequences."""
    lists = tmp_path / "lam"
    a = small_list(lists / "a.xlsx", "TRƯỜNG THCS LÊ LỢI").read_bytes()
    b = small_list(lists / "b.xlsx", "TRƯỜNG THCS NGUYỄN DU").read_bytes()
    inbox_dir = tmp_path / "hop-thu"
    inbox_dir.mkdir()
    return [hostile_zip(inbox_dir / "le-loi.zip", a), hostile_mail(inbox_dir / "nguyen-du.eml", b)]


def run(*args: str):
    """tdkt in process, as on a terminal (color=True: click strips nothing itself)."""
    return CliRunner().invoke(main, list(args), color=True)


def no_controls(text: str) -> None:
    assert CONTROLS.findall(text) == [], repr(text)


# ---------------------------------------------------------------------------------------------
# 1. Escape codes in names never reach the terminal raw


def test_printable_shows_each_control_as_the_escape_json_writes() -> None:
    assert printable("Trường THCS Lê Lợi") == "Trường THCS Lê Lợi"
    assert printable(RED_MEMBER) == "\\u001b[31mDS\\u0007.xlsx"
    assert printable("a\x9bb\x7fc\rd") == "a\\u009bb\\u007fc\\u000dd"
    assert printable("dòng 1\n\tdòng 2") == "dòng 1\n\tdòng 2"  # line breaks and tabs are layout
    assert json.loads(f'"{printable(TITLE_MEMBER)}"') == TITLE_MEMBER


def test_the_terminal_stream_keeps_only_a_leading_carriage_return() -> None:
    out = io.StringIO()
    safe = TerminalSafe(out)
    safe.write("\rĐang kiểm tra 3/12 tệp...")
    safe.write("x.zip » a\rb\x1b[2J.xlsx\n")
    assert out.getvalue() == "\rĐang kiểm tra 3/12 tệp...x.zip » a\\u000db\\u001b[2J.xlsx\n"


def test_validate_shows_hostile_names_escaped(hostile: list[Path]) -> None:
    result = run("validate", *map(str, hostile))
    assert result.exit_code == 0, result.output
    no_controls(result.stdout)
    no_controls(result.stderr)
    assert "le-loi.zip » \\u001b[31mDS\\u0007.xlsx" in result.stdout
    assert "le-loi.zip » \\u001b]0;title\\u0007DS \\u009b2J.xlsx" in result.stdout
    assert "Trường THCS Nguyễn Du" in result.stdout and "\\u009b31m.xlsx" in result.stdout


def test_merge_shows_hostile_names_escaped(hostile: list[Path], tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    result = run("merge", str(master), *map(str, hostile))
    assert result.exit_code == 0, result.output
    no_controls(result.stdout)
    no_controls(result.stderr)
    # both zip members, and the first again where the second is said to repeat it
    assert result.stdout.count("\\u001b") == 3 and "thêm mới" in result.stdout
    assert master.is_file()


def test_json_keeps_the_exact_names_escaped(hostile: list[Path], tmp_path: Path) -> None:
    result = run("validate", "--json", *map(str, hostile))
    no_controls(result.stdout)  # C0 escaped by json.dumps, C1 (\x9b, a CSI) by the terminal stream
    paths = sorted(f["path"] for f in json.loads(result.stdout)["files"])
    zipped = sorted(f"{hostile[0]} » {m}" for m in (RED_MEMBER, TITLE_MEMBER))
    assert paths[:2] == zipped
    assert paths[2].startswith(f"{hostile[1]} » ") and paths[2].endswith("DS\x9b31m.xlsx")

    merged = run("merge", "--json", str(tmp_path / "tong-hop.xlsx"), *map(str, hostile))
    no_controls(merged.stdout)
    assert sorted(f["path"] for f in json.loads(merged.stdout)["files"] if ".zip" in f["path"]) == zipped


def test_a_path_typed_on_the_command_line_is_escaped_in_the_usage_error(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "\x1b]0;x\x07khong-co.xlsx"))
    assert result.exit_code == 2
    no_controls(result.stderr)
    assert "\\u001b]0;x\\u0007khong-co.xlsx" in result.stderr


def test_a_real_terminal_stream_gets_no_escape_bytes(hostile: list[Path], tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "addin.cli", "validate", *map(str, hostile)], capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=300)
    text = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout and "\x9b" not in text
    assert "\\u001b]0;title\\u0007" in text


# ---------------------------------------------------------------------------------------------
# 2. A full or unwritable temporary folder is not "no permission to read" the email


def failing_mkdtemp(code: int):
    def mkdtemp(*args: object, **kwargs: object) -> str:
        raise OSError(code, os.strerror(code))
    return mkdtemp


@pytest.mark.parametrize("code, said, not_said", [
    (errno.ENOSPC, "đã đầy", "quyền"),
    (errno.EACCES, "không có quyền ghi vào thư mục tạm", "đầy"),
    (errno.EPERM, "không có quyền ghi vào thư mục tạm", "đầy"),
])
def test_a_failing_temporary_folder_is_named_for_what_it_is(hostile: list[Path], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             code: int, said: str, not_said: str) -> None:
    plain = small_list(tmp_path / "hop-thu" / "c.xlsx", "TRƯỜNG TIỂU HỌC THỬ")
    work = tmp_path / "tam"
    monkeypatch.setattr(inbox.tempfile, "mkdtemp", failing_mkdtemp(code))
    sources = collect_sources([*map(str, hostile), str(plain)], work)
    monkeypatch.undo()

    rejected = {s.shown: s.rejected for s in sources if s.rejected}
    assert sorted(rejected) == sorted(map(str, hostile))
    for why in rejected.values():
        assert said in why and str(work) in why and not_said not in why
        assert "không có quyền đọc" not in why
    assert [s.shown for s in sources if s.usable] == [str(plain)]


@contextmanager
def tmpfs(where: Path, size: str, *options: str) -> Iterator[Path]:
    """A small tmpfs mounted at `where` (root only), unmounted afterwards."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real small disk needs root (mount -t tmpfs); the monkeypatched cases cover the messages")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs", str(where)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"mount -t tmpfs refused here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(disk: Path) -> None:
    with (disk / "ballast.bin").open("wb", buffering=0) as f, pytest.raises(OSError):
        while True:
            f.write(b"\0" * 4096)


def test_a_full_temporary_folder_on_a_real_disk(hostile: list[Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    plain = small_list(tmp_path / "hop-thu" / "c.xlsx", "TRƯỜNG TIỂU HỌC THỬ")
    with tmpfs(tmp_path / "tam", "256k") as disk:
        fill(disk)
        monkeypatch.setattr(tempfile, "tempdir", str(disk))  # the system's temp folder, as TMP/TEMP would set it
        result = run("validate", *map(str, hostile), str(plain))
        monkeypatch.undo()
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stdout.count(f"thư mục tạm “{disk}") == 2 and result.stdout.count("đã đầy") == 2
    assert "không có quyền đọc" not in result.stdout
    assert f"✔ {plain}" in result.stdout  # the plain list was still checked


# ---------------------------------------------------------------------------------------------
# 3. tally and delegates on a master that cannot be written: one sentence each, exit 1


@pytest.fixture
def master(tmp_path: Path) -> Path:
    master = tmp_path / "so" / "tong-hop.xlsx"
    result = run("merge", str(master), str(small_list(tmp_path / "a.xlsx")))
    assert result.exit_code == 0, result.output
    return master


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """A file or folder nobody can write, root included (chattr +i); chmod where not root."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("running as root, where chmod does not deny writes, and chattr +i is unavailable")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    else:
        mode = path.stat().st_mode
        os.chmod(path, mode & ~0o222)
        try:
            yield
        finally:
            os.chmod(path, mode)


def refused(result, before: bytes, master: Path) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "Exception" not in result.output
    assert master.read_bytes() == before
    lines = [line for line in result.stderr.splitlines() if line.startswith("Lỗi: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["tally", "delegates"])
def test_tally_and_delegates_tell_each_unwritable_case_apart(master: Path, tmp_path: Path, command: str) -> None:
    before = master.read_bytes()
    with immutable(master):
        read_only_file = refused(run(command, str(master)), before, master)
    with immutable(master.parent):
        read_only_folder = refused(run(command, str(master)), before, master)
    assert "chỉ đọc" in read_only_file and "Read-only" in read_only_file and "tong-hop.xlsx" in read_only_file
    assert "thư mục" in read_only_folder and "chỉ đọc" in read_only_folder and "Read-only" not in read_only_folder
    assert read_only_file != read_only_folder


@pytest.mark.parametrize("command", ["tally", "delegates"])
def test_tally_and_delegates_on_a_full_or_read_only_disk(tmp_path: Path, command: str) -> None:
    with tmpfs(tmp_path / "o-dia", "2m") as disk:
        master = disk / "tong-hop.xlsx"
        assert run("merge", str(master), str(small_list(tmp_path / "a.xlsx"))).exit_code == 0
        before = master.read_bytes()
        fill(disk)
        full = refused(run(command, str(master)), before, master)
        (disk / "ballast.bin").unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        read_only_disk = refused(run(command, str(master)), before, master)
    assert "đã đầy" in full and "Sổ cũ vẫn nguyên vẹn" in full
    assert "ổ đĩa" in read_only_disk and "chỉ cho đọc" in read_only_disk and "đầy" not in read_only_disk


def test_a_full_disk_prints_no_traceback_at_exit(tmp_path: Path) -> None:
    """XlsxWriter leaves its zip open when the disk fills; closing it at exit printed "Exception ignored"."""
    with tmpfs(tmp_path / "o-dia", "2m") as disk:
        master = disk / "tong-hop.xlsx"
        assert run("merge", str(master), str(small_list(tmp_path / "a.xlsx"))).exit_code == 0
        fill(disk)
        done = subprocess.run([sys.executable, "-m", "addin.cli", "tally", str(master)], capture_output=True,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=300)
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 1
    assert "đã đầy" in stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr and "OSError" not in stderr


def test_a_failed_save_leaves_no_zip_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, below the CLI (an Excel button): nothing is left for the garbage collector to fail on."""
    with tmpfs(tmp_path / "o-dia", "2m") as disk:
        master = disk / "tong-hop.xlsx"
        assert merge_job(master, [str(small_list(tmp_path / "a.xlsx"))]).error is None
        fill(disk)
        failed: list[str] = []
        monkeypatch.setattr(sys, "unraisablehook", lambda u: failed.append(repr(u.exc_value)))
        report = tally_job(master)
        error = report.error
        del report
        gc.collect()
        monkeypatch.undo()
    assert error is not None and "đã đầy" in error
    assert failed == []


# ---------------------------------------------------------------------------------------------
# 4. Every command that takes a master, given a damaged one, a missing one, a folder


SOURCE = "a.xlsx"
COMMANDS = {  # command: its arguments after MASTER
    "merge": [SOURCE], "register": [SOURCE], "feedback": [SOURCE], "import-history": [SOURCE],
    "units": [], "status": [], "remind": [], "tally": [], "delegates": [], "record": [],
    "export": ["--sheet", "TongHop", "--pdf", "ra.pdf"], "doctor": [],
}
CREATE_WHEN_MISSING = {"merge", "register", "import-history"}  # README: MASTER is created when missing


def test_every_command_has_a_case_here() -> None:
    listed = set(main.list_commands(None))  # type: ignore[arg-type]
    takes_master = {name for name in listed if any(p.name == "master" for p in main.get_command(None, name).params)}
    assert takes_master == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", ["damaged", "missing", "folder"])
def test_a_bad_master_gets_a_vietnamese_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 command: str, case: str) -> None:
    monkeypatch.chdir(tmp_path)
    small_list(tmp_path / SOURCE)
    master = tmp_path / "tong-hop.xlsx"
    if case == "damaged":
        master.write_text("đây không phải sổ Excel", encoding="utf-8")
    elif case == "folder":
        master.mkdir()
    else:
        master = tmp_path / "khong-co" / "tong-hop.xlsx"

    result = run(command, str(master), *COMMANDS[command])

    assert "Traceback" not in result.output and "Error:" not in result.output and "Usage:" not in result.output
    if case == "missing" and command in CREATE_WHEN_MISSING:
        assert result.exit_code == 0 and master.is_file()
        return
    said = result.stderr + result.stdout
    expected = {"folder": 2, "missing": 1 if command == "doctor" else 2, "damaged": 1}[case]
    assert result.exit_code == expected, said
    if case == "folder":
        assert "là một thư mục, ở đây cần một tệp" in result.stderr
    elif case == "missing":
        assert "khong-co" in said and ("không tìm thấy" in said or "không có sổ" in said or "THIẾU" in said)
    elif command == "doctor":  # doctor reads the macros of the master it is given: Vietnamese, not pyOpenVBA's English
        assert "[LỖI] Đọc macro của sổ" in said and "phải là tệp .xlsm" in said and "Unsupported" not in said
    else:
        assert "tong-hop.xlsx" in said and "hỏng" in said
        assert master.read_text(encoding="utf-8") == "đây không phải sổ Excel"
