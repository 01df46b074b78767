"""Nothing lost when things go wrong: concurrent writers, kill -9, a full disk, read-only files and
folders, copies of the master in the inbox.

Real processes and real files: `tdkt` runs as a subprocess (the process is what gets killed or
waits for the lock), the units' lists come from the demo generator, and masters are read back
with python-calamine. Counts are printed (pytest -s shows them).
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
import python_calamine as pc
import xlsxwriter

from addin.demo import generate_unit_workbooks
from addin.inbox import OWN_TEMP_REASON
from addin.jobs import merge_job, sources_found, tally_job
from addin.workbook import master as master_mod
from addin.workbook.master import (
    IDENTITY_PROPERTY, TEMP_FOLDER, MasterLocked, MasterUnwritable, master_identity, master_lock, unwritable,
)

ROOT = Path(__file__).resolve().parents[1]
N_UNITS, N_ROWS = 21, 12_000  # the generator gives each of these files a unit of its own
LOCK_FILE = "tong-hop.xlsx.khoa"


# ---------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """21 units' lists, 12,000 nominee rows in all, no exact duplicates."""
    return generate_unit_workbooks(tmp_path_factory.mktemp("don-vi"), n_files=N_UNITS, total_rows=N_ROWS, seed=1)


def copy_units(files: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    return folder


def small_list(path: Path, unit: str, n: int) -> Path:
    """A unit's short list as units send it: unit line, title, header, n people."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("DS")
    ws.write_string(0, 0, unit)
    ws.write_string(1, 0, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC 2024-2025")
    ws.write_row(3, 0, ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị"])
    for i in range(n):
        ws.write_row(4 + i, 0, [i + 1, f"Nguyễn Văn Thử {unit[-2:]} {i + 1}", f"{1 + i % 28:02d}/03/1980",
                                "Giáo viên", "Lao động tiên tiến"])
    book.close()
    return path


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8", **extra}


def tdkt_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "addin.cli", *args]


def tdkt(*args: str, cwd: Path, **extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """The real command line in a subprocess; its result and its --json report."""
    result = subprocess.run(tdkt_cmd(*args), cwd=cwd, env=env(**extra), capture_output=True, text=True,
                            encoding="utf-8", timeout=600)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result, json.loads(result.stdout)


def listing(master: Path) -> list[dict[str, Any]]:
    """DanhSach as one dict per row, down to the first blank row (the signatures are below it)."""
    book = pc.CalamineWorkbook.from_path(str(master))
    try:
        rows = book.get_sheet_by_name("DanhSach").to_python(skip_empty_area=False)
    finally:
        book.close()
    h = next(i for i, r in enumerate(rows) if "Họ và tên" in r and "Đơn vị đề nghị" in r)
    out = []
    for r in rows[h + 1:]:
        if all(v in ("", None) for v in r):
            break
        out.append(dict(zip(rows[h], r)))
    return out


def per_unit(master: Path) -> Counter[str]:
    return Counter(r["Đơn vị đề nghị"] for r in listing(master))


def whole(path: Path) -> bool:
    """Every part of the zip reads back with its CRC right."""
    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def leftovers(master: Path) -> list[str]:
    folder = master.parent / TEMP_FOLDER
    return sorted(p.name for p in folder.iterdir() if p.name != master.name + ".khoa") if folder.exists() else []


HOLD = """
import sys
from pathlib import Path
from addin.workbook.master import master_lock
with master_lock(Path(sys.argv[1])):
    print("ready", flush=True)
    sys.stdin.read()
"""


@contextmanager
def holder(master: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the master's lock until the block ends (or it is killed)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(master)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env(), cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        if proc.poll() is None:
            proc.stdin.close()
            proc.wait(timeout=30)


# ---------------------------------------------------------------------------------------------
# 1. Concurrent writers: one at a time, every unit's rows kept


@pytest.mark.parametrize("writers", [2, 3])
def test_concurrent_merges_into_one_master_keep_every_unit(units: list[Path], tmp_path: Path, writers: int) -> None:
    master = tmp_path / "tong-hop.xlsx"
    groups = [copy_units(units[i::writers], tmp_path / f"hop-thu-{i}") for i in range(writers)]

    # All of them start while the lock is held, so they really do meet at the master.
    with master_lock(master):
        procs = [subprocess.Popen(tdkt_cmd("merge", "--json", str(master), str(g)), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env(), cwd=tmp_path)
                 for g in groups]
        notices = [p.stderr.readline() for p in procs]  # each says it waits, then blocks
    outs = [p.communicate(timeout=600) for p in procs]

    assert all("đang chờ" in n and "tong-hop.xlsx" in n for n in notices), notices
    reports = [json.loads(out) for out, _ in outs]
    assert [p.returncode for p in procs] == [0] * writers, [err[-2000:] for _, err in outs]
    assert all(r["written"] for r in reports)
    rows_in = {f["unit"]: f["rows"] for r in reports for f in r["files"] if f["action"] == "added"}
    reported = sum(1 for r in reports for i in r["issues"] if i["code"] == "duplicate-row")
    kept = per_unit(master)
    print(f"\n{writers} writers: rows in {sum(rows_in.values())}, in DanhSach {sum(kept.values())}, "
          f"reported {reported}, units {len(kept)}")
    assert len(rows_in) == N_UNITS
    assert dict(kept) == rows_in  # every unit, with all its rows
    assert sum(rows_in.values()) == N_ROWS == sum(kept.values()) + reported
    assert whole(master) and leftovers(master) == []


def test_a_second_writer_names_the_holder_then_gives_up(units: list[Path], tmp_path: Path) -> None:
    inbox = copy_units(units[:3], tmp_path / "hop-thu")
    master = tmp_path / "tong-hop.xlsx"
    tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)
    before = master.read_bytes()

    with holder(master) as proc:
        result, report = tdkt("tally", "--json", str(master), cwd=tmp_path, TDKT_LOCK_TIMEOUT="1")

    assert result.returncode == 1
    assert report["written"] is False
    assert f"tiến trình {proc.pid}" in report["error"] and "đã chờ 1 giây" in report["error"]
    assert "Chưa ghi gì vào sổ" in report["error"]
    assert f"tiến trình {proc.pid}" in result.stderr and "đang chờ" in result.stderr  # said while waiting
    assert master.read_bytes() == before


def test_a_dead_holder_does_not_block_and_its_note_does_not_mislead(units: list[Path], tmp_path: Path) -> None:
    inbox = copy_units(units[:3], tmp_path / "hop-thu")
    master = tmp_path / "tong-hop.xlsx"
    tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)
    note = tmp_path / TEMP_FOLDER / "tong-hop.xlsx.khoa.json"

    with holder(master) as proc:
        assert json.loads(note.read_text(encoding="utf-8"))["pid"] == proc.pid
        proc.kill()  # kill -9: no release, no clean-up
        proc.wait()
    assert json.loads(note.read_text(encoding="utf-8"))["pid"] == proc.pid  # the stale note is still there

    # Someone holds the OS lock but has not written a note yet: the dead process is not named.
    from filelock import FileLock

    raw = FileLock(str(tmp_path / TEMP_FOLDER / LOCK_FILE))
    raw.acquire()
    try:
        with pytest.raises(MasterLocked) as caught, master_lock(master, wait=0):
            pass
    finally:
        raw.release()
    assert str(proc.pid) not in str(caught.value) and "chưa rõ" in str(caught.value)

    # The OS released the dead process's lock: the next command goes straight in.
    result, report = tdkt("tally", "--json", str(master), cwd=tmp_path, TDKT_LOCK_TIMEOUT="0")
    assert result.returncode == 0 and report["written"] is True
    assert not note.exists()  # released with the lock


def test_the_lock_is_re_entrant_and_per_master(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    with master_lock(a), master_lock(a), master_lock(b):  # register holds it and runs merge inside
        seen = []

        def other() -> None:  # another thread is another writer
            try:
                with master_lock(a, wait=0):
                    seen.append("got it")
            except MasterLocked:
                seen.append("locked")

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == ["locked"]
    with master_lock(a, wait=0):  # released once the outermost hold ends
        pass


# ---------------------------------------------------------------------------------------------
# 2. kill -9 anywhere: the old master or the new one, readable; leftovers never merged


def _kill_when(proc: subprocess.Popen[bytes], ready: Any) -> bool:
    """Poll until ready() or the process ends; kill -9 it if still running. True when killed."""
    while proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.001)
    return False


def test_kill_9_at_any_point_leaves_the_old_or_the_new_master(units: list[Path], tmp_path: Path) -> None:
    inbox = copy_units(units[:20], tmp_path / "hop-thu")
    master = inbox / "tong-hop.xlsx"  # kept in the inbox, where a leftover would be merged
    t0 = time.monotonic()
    result, report = tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)
    took = time.monotonic() - t0  # random kills fall anywhere in a run this long, or after it ends
    assert result.returncode == 0
    base = len(listing(master))
    identity = master_identity(master)
    tam = inbox / TEMP_FOLDER
    backups = inbox / "tong-hop.sao-luu"
    rng = random.Random(2025)
    extra_rows: list[int] = []
    seen: Counter[str] = Counter()
    for trial in range(10):
        n = rng.randint(1, 9)
        small_list(inbox / f"them-{trial}.xlsx", f"TRƯỜNG TIỂU HỌC THỬ SỐ {trial:02d}", n)
        extra_rows.append(n)
        old = master.read_bytes()
        old_backups = set(backups.iterdir()) if backups.exists() else set()
        phase = ["writing", "backup", "after backup", "random"][trial % 4]
        started = time.monotonic()
        delay = rng.uniform(0.2, 2.5 * took)
        ready = {
            "writing": lambda: (tam / "tong-hop.xlsx.moi.tam").exists(),
            "backup": lambda: (tam / "tong-hop.xlsx.sao-luu.tam").exists(),
            "after backup": lambda: backups.exists() and set(backups.iterdir()) != old_backups,
            "random": lambda: time.monotonic() - started > delay,
        }[phase]
        proc = subprocess.Popen(tdkt_cmd("merge", "--json", str(master), str(inbox)), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env(), cwd=tmp_path)
        killed = _kill_when(proc, ready)
        left = leftovers(master)
        if master.read_bytes() == old:
            outcome = "old"
        else:
            outcome = "new"
            assert len(listing(master)) == base + sum(extra_rows)  # the whole merge, not part of it
        assert whole(master) and master_identity(master) == identity
        seen[f"{phase}: {'killed' if killed else 'finished'}, {outcome} master, leftovers {left or 'none'}"] += 1

    result, report = tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)
    print(f"\nkill -9 trials (a merge takes {took:.1f} s):\n" + "\n".join(f"  {k} x{v}" for k, v in sorted(seen.items())))
    assert result.returncode == 0
    assert len(listing(master)) == base + sum(extra_rows)  # every unit once: nothing taken in twice
    taken = [f for f in report["files"] if f["action"] in ("added", "replaced", "unchanged")]
    assert dict(per_unit(master)) == {f["unit"]: f["rows"] for f in taken}
    assert len(taken) == 20 + 10 and not any(TEMP_FOLDER in f["path"] or ".~tdkt" in f["path"] for f in taken)
    assert leftovers(master) == []  # cleaned when the lock was taken
    assert all(whole(b) for b in backups.iterdir())
    assert sum("killed" in k for k in seen.elements()) >= 5  # the trials did interrupt merges


# ---------------------------------------------------------------------------------------------
# 3. A copy of the master, a moved backup, a leftover: skipped, never a unit


def test_copies_of_the_master_in_the_inbox_are_skipped(units: list[Path], tmp_path: Path) -> None:
    inbox = copy_units(units[:4], tmp_path / "hop-thu")
    master = inbox / "tong-hop.xlsx"
    result, first = tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)
    rows = len(listing(master))
    shutil.copy2(master, inbox / "tong-hop (ban sao).xlsx")
    shutil.copy2(master, inbox / ".~tdkt-a1b2c3.xlsx")  # what earlier versions left when killed
    (inbox / "cu").mkdir()
    with zipfile.ZipFile(inbox / "cu" / "gui-lai.zip", "w") as z:  # the master mailed back as a zip
        z.write(master, "tong-hop-thang-5.xlsx")

    result, report = tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)

    assert result.returncode == 0 and report["written"] is True
    assert len(listing(master)) == rows == report["rows_total"]  # not doubled
    skipped = {Path(f["path"].split(" » ")[-1]).name: f["reason"] for f in report["files"] if f["action"] == "ignored"}
    assert skipped["tong-hop (ban sao).xlsx"].startswith("bản sao của chính sổ tổng hợp này")
    assert skipped["tong-hop-thang-5.xlsx"].startswith("bản sao của chính sổ tổng hợp này")
    assert skipped[".~tdkt-a1b2c3.xlsx"] == OWN_TEMP_REASON
    assert skipped["tong-hop.xlsx"] == "đây là chính sổ tổng hợp đang được gộp"
    assert all(f["rows"] == 0 for f in report["files"] if f["action"] == "ignored")

    # every job's source loop lists the leftover as skipped and never looks inside the lock folder
    with sources_found([str(inbox)]) as sources:
        found = {Path(s.shown).name: s.ignored for s in sources}
        assert found[".~tdkt-a1b2c3.xlsx"] == OWN_TEMP_REASON
        assert not any(TEMP_FOLDER in s.shown for s in sources)


def test_old_leftovers_beside_the_master_are_cleaned_at_the_next_write(tmp_path: Path) -> None:
    inbox = tmp_path / "hop-thu"
    master = inbox / "tong-hop.xlsx"
    small_list(inbox / "a.xlsx", "TRƯỜNG THCS LÊ LỢI", 3)
    merge_job(master, [str(inbox)])
    stale, fresh = inbox / ".~tdkt-old.xlsx", inbox / ".~tdkt-new.xlsx"
    for p in (stale, fresh):
        shutil.copy2(master, p)
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    (inbox / TEMP_FOLDER / "tong-hop.xlsx.moi.tam").write_bytes(b"half a master")

    report = merge_job(master, [str(inbox)])

    assert report.error is None
    assert not stale.exists() and fresh.exists()  # the fresh one may belong to a run still going
    assert leftovers(master) == []


def test_the_identity_is_made_once_and_kept_by_every_write(tmp_path: Path) -> None:
    master = tmp_path / "tong-hop.xlsx"
    # a master the clerk started from a workbook of their own, with a property of theirs
    book = xlsxwriter.Workbook(str(master))
    book.add_worksheet("GhiChu").write_string(0, 0, "Sổ của Phòng GD&ĐT")
    book.set_custom_property("Người lập", "Lê Văn A")
    book.close()
    assert master_identity(master) is None

    merge_job(master, [str(small_list(tmp_path / "a.xlsx", "TRƯỜNG THCS LÊ LỢI", 3))])
    identity = master_identity(master)
    assert identity and len(identity) == 36
    tally_job(master)
    merge_job(master, [str(small_list(tmp_path / "b.xlsx", "TRƯỜNG THCS NGUYỄN DU", 2))])
    assert master_identity(master) == identity
    with zipfile.ZipFile(master) as z:
        custom = z.read("docProps/custom.xml").decode("utf-8")
    assert custom.count(IDENTITY_PROPERTY) == 1 and "Người lập" in custom and "Lê Văn A" in custom
    import openpyxl

    props = {p.name: p.value for p in openpyxl.load_workbook(master).custom_doc_props.props}
    assert props == {"Người lập": "Lê Văn A", IDENTITY_PROPERTY: identity}
    # a backup is the same master, with the same identity (the first is the clerk's workbook as it was)
    first, *later = sorted((tmp_path / "tong-hop.sao-luu").iterdir())
    assert master_identity(first) is None and [master_identity(b) for b in later] == [identity, identity]


def test_the_built_workbook_clerks_copy_has_no_identity() -> None:
    assert master_identity(ROOT / "workbooks" / "tdkt-tong-hop.xlsm") is None


# ---------------------------------------------------------------------------------------------
# 4. A full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MB tmpfs (root only: mount -t tmpfs), unmounted afterwards."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a small disk needs root to mount a tmpfs; the in-process tests below cover the backup")
    mount = tmp_path / "o-nho"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"mount -t tmpfs refused here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk until `leave` bytes are free."""
    ballast = disk / "ballast.bin"
    free = shutil.disk_usage(disk).free
    with ballast.open("wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return ballast


@pytest.mark.parametrize("room", ["none", "new master only"])
def test_a_full_disk_leaves_the_master_and_its_backups_whole(units: list[Path], tmp_path: Path, small_disk: Path,
                                                             room: str) -> None:
    master = small_disk / "tong-hop.xlsx"
    inbox = copy_units(units[:6], tmp_path / "hop-thu")
    tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)
    tdkt("tally", "--json", str(master), cwd=tmp_path)  # now there is one backup
    small_list(inbox / "them.xlsx", "TRƯỜNG TIỂU HỌC THỬ", 5)
    before, size = master.read_bytes(), master.stat().st_size
    backups = sorted((small_disk / "tong-hop.sao-luu").iterdir())
    ballast = fill(small_disk, 64 << 10 if room == "none" else size + size // 2)

    result, report = tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)

    print(f"\nfull disk ({room}): {report['error']}")
    assert result.returncode == 1 and report["written"] is False
    assert "đã đầy" in report["error"] and "Sổ cũ vẫn nguyên vẹn" in report["error"]
    assert master.read_bytes() == before
    assert sorted((small_disk / "tong-hop.sao-luu").iterdir()) == backups and all(whole(b) for b in backups)
    assert leftovers(master) == []

    ballast.unlink()  # room again: the same merge goes through
    result, report = tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)
    assert result.returncode == 0 and len(listing(master)) == len(listing_of(before, tmp_path)) + 5


def listing_of(data: bytes, tmp_path: Path) -> list[dict[str, Any]]:
    copy = tmp_path / "truoc.xlsx"
    copy.write_bytes(data)
    return listing(copy)


def _cut_copy(full: bool):
    def copy(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        data = Path(src).read_bytes()
        Path(dst).write_bytes(data[: len(data) // 2])
        if full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
    return copy


@pytest.mark.parametrize("fault", ["disk full", "cut short silently"])
def test_a_backup_that_fails_stops_the_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    master = tmp_path / "tong-hop.xlsx"
    small_list(tmp_path / "a.xlsx", "TRƯỜNG THCS LÊ LỢI", 3)
    merge_job(master, [str(tmp_path / "a.xlsx")])
    tally_job(master)
    before = master.read_bytes()
    backups = sorted((tmp_path / "tong-hop.sao-luu").iterdir())

    monkeypatch.setattr(master_mod.shutil, "copy2", _cut_copy(full=fault == "disk full"))
    report = merge_job(master, [str(small_list(tmp_path / "b.xlsx", "TRƯỜNG THCS NGUYỄN DU", 2))])

    assert report.error is not None
    assert ("đã đầy" if fault == "disk full" else "không đọc lại được") in report.error
    assert "sổ cũ vẫn nguyên vẹn" in report.error.lower()
    assert master.read_bytes() == before
    assert sorted((tmp_path / "tong-hop.sao-luu").iterdir()) == backups and all(whole(b) for b in backups)
    assert leftovers(master) == []


# ---------------------------------------------------------------------------------------------
# 5. Read-only file, read-only folder, missing folder: told apart, no traceback


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder unwritable. Root ignores permission bits, so there chattr +i is used."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("running as root, where chmod does not deny writes, and chattr is missing")
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"running as root and chattr +i is refused here: {done.stderr.decode(errors='replace')}")
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


@pytest.fixture
def merged(units: list[Path], tmp_path: Path) -> Path:
    master = tmp_path / "so" / "tong-hop.xlsx"
    inbox = copy_units(units[:3], tmp_path / "hop-thu")
    result, _ = tdkt("merge", "--json", str(master), str(inbox), cwd=tmp_path)
    assert result.returncode == 0
    return master


@pytest.mark.parametrize("command", ["tally", "delegates", "merge"])
def test_a_read_only_master_file_is_named_as_such(merged: Path, tmp_path: Path, command: str) -> None:
    before = merged.read_bytes()
    extra = ([str(small_list(tmp_path / "them.xlsx", "TRƯỜNG TIỂU HỌC THỬ", 2))] if command == "merge" else [])
    with read_only(merged):
        result, report = tdkt(command, "--json", str(merged), *extra, cwd=tmp_path)
    assert result.returncode == 1 and report["written"] is False
    assert "chỉ đọc" in report["error"] and "Read-only" in report["error"] and "tong-hop.xlsx" in report["error"]
    assert "đang mở" not in report["error"]
    assert merged.read_bytes() == before


@pytest.mark.parametrize("command", ["tally", "delegates"])
@pytest.mark.parametrize("first_write", [False, True], ids=["written-before", "never-written-here"])
def test_a_read_only_folder_is_named_as_such(merged: Path, tmp_path: Path, command: str, first_write: bool) -> None:
    if first_write:  # a master copied into a read-only folder: not even the lock can be made
        shutil.rmtree(merged.parent / TEMP_FOLDER)
    before = merged.read_bytes()
    with read_only(merged.parent):
        result, report = tdkt(command, "--json", str(merged), cwd=tmp_path)
    assert result.returncode == 1 and report["written"] is False
    assert "thư mục" in report["error"] and "chỉ đọc" in report["error"] and str(merged.parent) in report["error"]
    assert "đang mở" not in report["error"]
    assert merged.read_bytes() == before


def test_each_failure_gets_its_own_message(tmp_path: Path) -> None:
    master = tmp_path / "so" / "tong-hop.xlsx"
    master.parent.mkdir()
    master.write_bytes(b"x")
    try:
        open(tmp_path / "khong-co" / "x.xlsx", "wb")
    except OSError as exc:
        gone = unwritable(exc, tmp_path / "khong-co" / "tong-hop.xlsx")
    assert isinstance(gone, MasterUnwritable) and isinstance(gone, MasterLocked)
    assert "Không tìm thấy thư mục" in str(gone)
    full = unwritable(OSError(errno.ENOSPC, "No space left on device"), master)
    readonly_fs = unwritable(OSError(errno.EROFS, "Read-only file system"), master)
    locked = unwritable(PermissionError(errno.EACCES, "Permission denied"), master)  # writable file and folder
    assert "đã đầy" in str(full) and "chỉ cho đọc" in str(readonly_fs) and "đang mở hoặc bị khóa" in str(locked)
    assert len({str(m) for m in (gone, full, readonly_fs, locked)}) == 4
