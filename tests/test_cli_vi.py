"""Everything the CLI prints is Vietnamese: help, usage errors, bad numbers, interrupts, crashes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from addin import cli_vi
from addin.cli import main

ENGLISH = ["Usage:", "Error:", "Options:", "Commands:", "Missing argument", "Missing option", "Invalid value",
           "does not exist", "is a directory", "is not a valid", "No such", "Aborted", "Show this message",
           "Show the version", "Try '", "for help", "default:", "required", "Traceback", "Got unexpected"]
ENGLISH_METAVARS = re.compile(r"\b(TEXT|INTEGER|FLOAT|RANGE|PATH|FILE|DIRECTORY|COMMAND|ARGS|OPTIONS)\b")


def assert_no_english(text: str) -> None:
    found = [phrase for phrase in ENGLISH if phrase in text]
    assert not found, f"English in the output: {found}\n{text}"
    assert not ENGLISH_METAVARS.search(text), text


def run(*args: str) -> click.testing.Result:
    result = CliRunner().invoke(main, list(args), prog_name="tdkt")
    assert_no_english(result.output)
    return result


@pytest.fixture
def demo_master(tmp_path: Path) -> Path:
    """A real master: the demo inbox merged, with CauHinh and 6 guests in KhachMoi."""
    from addin.demo import demo_guests, demo_settings, write_demo_mailbox
    from addin.jobs import merge_job

    inbox = tmp_path / "hop-thu"
    write_demo_mailbox(inbox)
    master = tmp_path / "tong-hop.xlsx"
    assert merge_job(master, [str(inbox)], initial_settings=demo_settings(), initial_guests=demo_guests()).error is None
    return master


# ---------------------------------------------------------------------------------------------
# The help frame
def test_no_arguments_show_the_vietnamese_help():
    result = run()

    assert result.exit_code == 2  # as click does: no command is a usage error
    lines = result.output.splitlines()
    assert lines[0] == "Cách dùng: tdkt [TÙY CHỌN] LỆNH [ĐỐI SỐ]..."
    assert "Tùy chọn:" in lines and "Lệnh:" in lines
    assert any(line.split()[:1] == ["validate"] for line in lines)
    assert "  --version   Hiện số phiên bản rồi thoát." in lines
    assert "  -h, --help  Hiện hướng dẫn này rồi thoát." in lines


def test_version_is_vietnamese():
    result = run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"tdkt, phiên bản \S+\n", result.output)


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_help_is_vietnamese(name: str):
    result = run(name, "--help")

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Cách dùng: tdkt {name} [TÙY CHỌN]")
    assert "Tùy chọn:" in lines
    assert any(line.strip().startswith("-h, --help") and line.endswith("Hiện hướng dẫn này rồi thoát.")
               for line in lines)
    command = main.commands[name]
    assert re.search(r"[à-ỹđ]", command.help, re.I), f"{name}: help is not Vietnamese"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help and re.search(r"[à-ỹđ]", param.help, re.I), f"{name} {param.opts}: {param.help!r}"
        if not (isinstance(param, click.Option) and param.is_flag):
            # a plain click type would bring English metavars and messages back
            assert isinstance(param.type, cli_vi.VietnameseType), f"{name} {param.name}: {param.type!r}"


def test_option_extras_are_vietnamese():
    merge_help = run("merge", "--help").output
    assert "[mặc định: 10; từ 0 đến 1000]" in " ".join(merge_help.split()).replace("[ ", "[")
    export_help = " ".join(run("export", "--help").output.split())
    assert "--sheet GIÁ_TRỊ" in export_help and "--pdf TỆP" in export_help
    assert export_help.count("[bắt buộc]") == 2
    delegates_help = " ".join(run("delegates", "--help").output.split())
    assert "--guest-share TỶ_LỆ" in delegates_help and "ví dụ 0,3 hoặc 30%" in delegates_help
    assert "--seats SỐ" in delegates_help and "[từ 1 đến 100000]" in delegates_help


# ---------------------------------------------------------------------------------------------
# Usage errors: exit 2, nothing on stdout, the usage line, where help is, and the Vietnamese reason
USAGE_ERRORS = [
    ([], "", None),
    (["validate"], "validate", "Thiếu đối số PATHS."),
    (["tally"], "tally", "Thiếu đối số MASTER."),
    (["validate", "khong-co.xlsx"], "validate",
     "Giá trị không hợp lệ cho PATHS: không tìm thấy tệp hoặc thư mục \"khong-co.xlsx\": "
     "hãy kiểm tra lại tên và đường dẫn."),
    (["tally", "khong-co.xlsx"], "tally",
     "Giá trị không hợp lệ cho MASTER: không tìm thấy tệp \"khong-co.xlsx\": hãy kiểm tra lại tên và đường dẫn."),
    (["tally", "thu-muc"], "tally", "Giá trị không hợp lệ cho MASTER: \"thu-muc\" là một thư mục, ở đây cần một tệp."),
    (["export", "so.xlsx", "--pdf", "x.pdf"], "export", "Thiếu tùy chọn --sheet."),
    (["delegates", "so.xlsx", "--guest-share", "abc"], "delegates",
     "Giá trị không hợp lệ cho --guest-share: \"abc\" không phải là số: ghi số thập phân như 0,3 hoặc 0.3 "
     "(hoặc 30%)."),
    (["delegates", "so.xlsx", "--guest-share", "1,5"], "delegates",
     "Giá trị không hợp lệ cho --guest-share: 1,5 nằm ngoài khoảng cho phép (từ 0 đến 1)."),
    (["delegates", "so.xlsx", "--seats", "mười"], "delegates",
     "Giá trị không hợp lệ cho --seats: \"mười\" không phải là số nguyên (ghi chữ số, ví dụ 10)."),
    (["merge", "--keep-backups", "-1", "so.xlsx", "thu-muc"], "merge",
     "Giá trị không hợp lệ cho --keep-backups: -1 nằm ngoài khoảng cho phép (từ 0 đến 1000)."),
    (["merge", "so.csv", "thu-muc"], "merge",
     "Giá trị không hợp lệ cho MASTER: sổ tổng hợp phải là tệp .xlsx hoặc .xlsm"),
    (["record", "so.xlsx", "--decision-date", "31/02/2025"], "record",
     "Giá trị không hợp lệ cho --decision-date: ngày không hợp lệ: 31/02/2025 (ghi ngày/tháng/năm, ví dụ 15/06/2025)"),
    (["validate", "--bogus", "so.xlsx"], "validate", "Không có tùy chọn --bogus."),
    (["validate", "--jsn", "so.xlsx"], "validate", "Không có tùy chọn --jsn. Có phải ý bạn là --json?"),
    (["--bogus"], "", "Không có tùy chọn --bogus."),
    (["validate-all", "so.xlsx"], "", "Không có lệnh \"validate-all\". Có phải ý bạn là validate?"),
    (["xuat"], "", "Không có lệnh \"xuat\"."),
    (["tally", "so.xlsx", "--year"], "tally", "Tùy chọn --year cần một giá trị đi kèm."),
    (["validate", "--json=1", "so.xlsx"], "validate", "Tùy chọn --json không nhận giá trị."),
    (["tally", "so.xlsx", "thua", "nua"], "tally", "Thừa đối số không dùng đến: thua nua."),
]


@pytest.mark.parametrize(("args", "usage", "message"), USAGE_ERRORS,
                         ids=[" ".join(args) or "(no arguments)" for args, _, _ in USAGE_ERRORS])
def test_usage_errors_are_vietnamese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     args: list[str], usage: str, message: str | None):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "so.xlsx").write_bytes(b"not read: the usage error comes first")
    (tmp_path / "so.csv").write_text("x")
    (tmp_path / "thu-muc").mkdir()

    result = run(*args)

    assert result.exit_code == 2
    assert result.stdout == ""  # no half report for a batch job to misread
    lines = result.stderr.splitlines()
    command = f"tdkt {usage}".strip()
    assert lines[0].startswith(f"Cách dùng: {command} [TÙY CHỌN]")
    if message is None:
        assert "Lệnh:" in lines  # tdkt alone: the whole help
        return
    assert lines[1] == f"Gõ \"{command} --help\" để xem hướng dẫn."
    assert lines[-1] == f"Lỗi: {message}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["so.csv", "so.xlsx", "thu-muc"]  # nothing written


def test_choice_and_the_group_machinery_on_a_small_program():
    @click.group(cls=cli_vi.Group)
    @click.option("--chi-tiet", is_flag=True, help="In chi tiết.")
    def app(chi_tiet: bool) -> None:
        """Chương trình thử."""

    @app.command()
    @click.option("--kind", type=click.Choice(["pdf", "xlsx"]), required=True, help="Loại tệp.")
    @click.option("--share", type=click.FLOAT, default=0.5, show_default=True, help="Tỷ lệ.")
    def out(kind: str, share: float) -> None:
        """Ghi ra."""
        click.echo(f"{kind} {share}")

    runner = CliRunner()
    good = runner.invoke(app, ["out", "--kind", "pdf", "--share", "0,25"])
    assert (good.exit_code, good.output) == (0, "pdf 0.25\n")
    bad = runner.invoke(app, ["out", "--kind", "doc"])
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[-1] == \
        "Lỗi: Giá trị không hợp lệ cho --kind: \"doc\" không phải là một trong các giá trị: pdf, xlsx."
    shown = " ".join(runner.invoke(app, ["out", "--help"]).output.split())
    assert "--kind [pdf|xlsx] Loại tệp. [bắt buộc]" in shown
    assert "--share SỐ Tỷ lệ. [mặc định: 0,5]" in shown
    no_command = runner.invoke(app, ["--chi-tiet"])
    assert no_command.exit_code == 2
    assert no_command.stderr.splitlines()[-1] == "Lỗi: Thiếu tên lệnh: hãy ghi một lệnh, ví dụ tdkt validate."
    assert_no_english(bad.output + shown + no_command.output)


@pytest.mark.parametrize(("text", "value"), [
    ("0,3", 0.3), ("0.3", 0.3), (" 0,3 ", 0.3), ("30%", 0.3), ("12,5 %", 0.125), ("1", 1.0), ("0", 0.0), (0.3, 0.3),
])
def test_decimal_comma_point_and_percent(text, value):
    assert cli_vi.parse_decimal(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "", "nan", "inf", "0,3,4", "1.000,5", "%", "0,3x"])
def test_bad_decimals_are_refused(text):
    with pytest.raises(ValueError):
        cli_vi.parse_decimal(text)


def test_guest_share_with_a_decimal_comma_is_accepted(demo_master: Path):
    def guests(share: str) -> tuple[int, int, int]:
        result = run("delegates", str(demo_master), "--seats", "20", "--guest-share", share, "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        return data["seats"], data["guests"], data["exemplary"]

    assert guests("0,3") == guests("0.3") == guests("30%") == (20, 6, 14)
    assert guests("0,1") == guests("0.1") == guests("10%") == (20, 2, 18)


# ---------------------------------------------------------------------------------------------
# No traceback, ever
def _boom(exc: BaseException):
    def job(*args, **kwargs):
        raise exc

    return job


def test_an_unexpected_exception_is_a_vietnamese_sentence_and_a_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import addin.jobs

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(addin.jobs, "tally_job", _boom(RuntimeError("hỏng giữa chừng")))
    master = tmp_path / "so.xlsx"
    master.write_bytes(b"x")
    log = tmp_path / "tdkt-loi.log"

    first = run("tally", str(master))
    second = run("tally", str(master), "--year", "2024-2025")

    assert first.exit_code == second.exit_code == 1
    assert first.stdout == ""
    assert first.stderr.splitlines() == [
        "Đã có lỗi không lường trước, lệnh chưa làm xong.",
        f"Chi tiết kỹ thuật đã được ghi vào {log}: hãy gửi tệp này cho người hỗ trợ kỹ thuật.",
    ]
    text = log.read_text(encoding="utf-8")
    assert text.count("=== ") == 2  # appended, one entry per failure
    assert f"$ tdkt tally {master}\n" in text and f"$ tdkt tally {master} --year 2024-2025\n" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: hỏng giữa chừng" in text


def test_the_log_falls_back_to_the_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import addin.jobs

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "khong-co"))  # cannot be written
    home = tmp_path / "nha"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setattr(addin.jobs, "tally_job", _boom(ValueError("x")))
    master = tmp_path / "so.xlsx"
    master.write_bytes(b"x")

    result = run("tally", str(master))

    assert result.exit_code == 1
    assert f"Chi tiết kỹ thuật đã được ghi vào {home / 'tdkt-loi.log'}" in result.stderr
    assert "ValueError: x" in (home / "tdkt-loi.log").read_text(encoding="utf-8")


@pytest.mark.parametrize(("exc", "code"), [(KeyboardInterrupt(), 130), (EOFError(), 1)])
def test_an_interrupt_stops_in_vietnamese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc, code):
    import addin.jobs

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(addin.jobs, "tally_job", _boom(exc))
    master = tmp_path / "so.xlsx"
    master.write_bytes(b"x")

    result = run("tally", str(master))

    assert result.exit_code == code
    assert result.stderr.strip().splitlines()[-1] == "Đã dừng theo yêu cầu."
    assert not (tmp_path / "tdkt-loi.log").exists()  # an interrupt is no fault


@pytest.mark.parametrize("content, backup", [("text", True), ("zip", True), ("text", False)])
def test_export_of_a_damaged_master_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str,
                                            backup: bool):
    from addin.workbook import export

    monkeypatch.setattr(export, "find_soffice", lambda: "soffice")  # never reached: the master is read first
    master = tmp_path / "tong-hop.xlsx"
    if content == "text":
        master.write_text("không phải bảng tính", encoding="utf-8")
    else:
        with zipfile.ZipFile(master, "w") as z:
            z.writestr("ghi-chu.txt", "một tệp nén, không phải sổ Excel")
    if backup:
        (tmp_path / "tong-hop.sao-luu").mkdir()
        (tmp_path / "tong-hop.sao-luu" / "tong-hop-20250514-083000-000000.xlsx").write_bytes(b"PK")
    before = master.read_bytes()

    result = run("export", str(master), "--sheet", "TongHop", "--pdf", str(tmp_path / "x.pdf"))

    assert result.exit_code == 1
    # The backup folder is named only when it holds a backup: never a folder that does not exist.
    assert result.stderr.strip() == (
        "Lỗi: Không đọc được sổ \"tong-hop.xlsx\": tệp không phải sổ Excel (.xlsx, .xlsm) hoặc đã bị hỏng. "
        "Hãy mở thử bằng Excel"
        + (", hoặc dùng bản sao lưu trong thư mục tong-hop.sao-luu bên cạnh sổ." if backup else "."))
    assert master.read_bytes() == before and not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------------------------------------
# The installed program, in its own process
def _entry_point() -> str:
    script = Path(sys.executable).with_name("tdkt.exe" if os.name == "nt" else "tdkt")
    if not script.exists():
        pytest.skip("the tdkt entry point is not installed (pip install -e .)")
    return str(script)


def _process(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=120,
                          env={**os.environ, **env})
    assert_no_english(done.stdout + done.stderr)
    return done


def test_the_installed_script_speaks_vietnamese(tmp_path: Path):
    tdkt = _entry_point()
    (tmp_path / "so.xlsx").write_bytes(b"x")
    cases = [
        ([], 2, "Lệnh:"),
        (["--help"], 0, "Lệnh:"),
        (["delegates", "--help"], 0, "Hiện hướng dẫn này rồi thoát."),
        (["validate"], 2, "Lỗi: Thiếu đối số PATHS."),
        (["validate", "khong-co"], 2, "không tìm thấy tệp hoặc thư mục \"khong-co\""),
        (["tally"], 2, "Lỗi: Thiếu đối số MASTER."),
        (["delegates", "so.xlsx", "--guest-share", "0;3"], 2, "\"0;3\" không phải là số"),
        (["validate", "--bogus", "so.xlsx"], 2, "Lỗi: Không có tùy chọn --bogus."),
        (["validate-all"], 2, "Lỗi: Không có lệnh \"validate-all\"."),
    ]
    for args, code, expected in cases:
        done = _process([tdkt, *args], tmp_path)
        assert done.returncode == code, (args, done.stderr)
        assert expected in (done.stdout if code == 0 else done.stderr), (args, done.stdout, done.stderr)


def test_the_installed_script_takes_a_decimal_comma(demo_master: Path):
    done = _process([_entry_point(), "delegates", str(demo_master), "--seats", "20", "--guest-share", "0,3"],
                    demo_master.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "20 ghế: 14 đại biểu điển hình, 6 khách mời."


def test_a_crash_in_a_real_process_leaves_no_traceback(tmp_path: Path):
    (tmp_path / "so.xlsx").write_bytes(b"x")
    program = ("import sys, addin.jobs\n"
               "def boom(*a, **k): raise ZeroDivisionError('chia cho 0')\n"
               "addin.jobs.tally_job = boom\n"
               "from addin.cli import main\n"
               "sys.argv = ['tdkt', 'tally', 'so.xlsx']\n"
               "main()\n")
    done = _process([sys.executable, "-c", program], tmp_path, TMPDIR=str(tmp_path), TEMP=str(tmp_path),
                    TMP=str(tmp_path))
    log = tmp_path / "tdkt-loi.log"
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Đã có lỗi không lường trước, lệnh chưa làm xong.",
        f"Chi tiết kỹ thuật đã được ghi vào {log}: hãy gửi tệp này cho người hỗ trợ kỹ thuật.",
    ]
    assert "ZeroDivisionError: chia cho 0" in log.read_text(encoding="utf-8")


def test_the_readme_and_the_guide_say_what_the_cli_prints():
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    guide = (root / "docs" / "huong-dan-su-dung.md").read_text(encoding="utf-8")
    for text in (readme, guide):
        assert cli_vi.LOG_NAME in text and "0,3" in text and "30%" in text
    assert cli_vi.USAGE_PREFIX.strip() in readme and "Đã dừng theo yêu cầu." in readme
    assert re.search(r"exit\s+130", readme)
