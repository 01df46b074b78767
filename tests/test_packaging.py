"""What a clerk installs: the wheel alone builds the workbooks, setup-excel and doctor, the offline bundle."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from addin.build import MASTER_NAME, TEMPLATE_NAME, BuildError, build_master
from addin.cli import main
from addin.excel.layout import BUTTONS, MODULE
from addin.install import conf_interpreter, embed_xlwings, vba_xlwings_version, version_of, write_interpreter

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_bundle", ROOT / "scripts" / "build_bundle.py")
bundle = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bundle)


def _compiled_subs(book: Path) -> dict[str, str]:
    """module name -> source, as olevba reads the workbook's VBA project."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(book))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_the_build_refuses_macros_that_lack_a_button_s_sub(tmp_path: Path):
    macros = tmp_path / "macros"
    macros.mkdir()
    source = (ROOT / "macros" / f"{MODULE}.bas").read_text(encoding="ascii")
    cut = source.replace("Public Sub ExportPdf()", "Public Sub ExportPdfGone()")
    (macros / f"{MODULE}.bas").write_text(cut, encoding="ascii")
    out = tmp_path / "out" / MASTER_NAME
    with pytest.raises(BuildError, match="ExportPdf"):
        build_master(out, macros=macros)
    assert not out.exists()
    (macros / f"{MODULE}.bas").unlink()  # no module at all: every button is missing
    with pytest.raises(BuildError, match="CheckSubmissions"):
        build_master(out, macros=macros)
    assert not out.parent.exists() or not any(out.parent.iterdir())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundle.build_wheel(tmp_path_factory.mktemp("dist"))


def test_the_wheel_carries_the_workbooks_and_macros(wheel: Path):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for name in (MASTER_NAME, TEMPLATE_NAME):
            assert z.read(f"addin/_shipped/workbooks/{name}") == (ROOT / "workbooks" / name).read_bytes()
        assert z.read(f"addin/_shipped/macros/{MODULE}.bas") == (ROOT / "macros" / f"{MODULE}.bas").read_bytes()
    assert "addin/install.py" in names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as z:
        assert "Requires-Dist: pyopenvba>=6.5" in z.read(metadata).decode("utf-8")


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; its dependencies come from this venv through a .pth line
    (a path line: the editable install's own .pth finder there is not run, so `addin` is the wheel's)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "tdkt_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, env=bundle.offline_env())
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    tdkt = venv / ("Scripts/tdkt.exe" if os.name == "nt" else "bin/tdkt")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HOME"] = str(cwd)  # doctor's default folder, away from the developer's own
    return subprocess.run([str(tdkt), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_the_installed_wheel_alone_builds_the_committed_workbooks(installed: Path, tmp_path: Path):
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import addin; print(addin.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    assert where.startswith(str(installed)), where  # the wheel's package, not the checkout
    done = _run(installed, "build-workbooks", "OUT", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in (MASTER_NAME, TEMPLATE_NAME):
        assert (tmp_path / "OUT" / name).read_bytes() == (ROOT / "workbooks" / name).read_bytes(), name
    modules = _compiled_subs(tmp_path / "OUT" / MASTER_NAME)
    for b in BUTTONS:
        assert f"Public Sub {b.macro}()" in modules[MODULE], b.macro


def test_setup_excel_and_doctor_run_from_the_wheel_with_windows_steps_skipped(installed: Path, tmp_path: Path):
    done = _run(installed, "setup-excel", "so", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert f"[XONG] Chép sổ tổng hợp vào so/{MASTER_NAME}" in lines
    assert "[BỎ QUA] Ghi đường dẫn Python vào trang xlwings.conf: chỉ làm trên Windows" in lines
    assert "[BỎ QUA] Bỏ chặn macro (Mark of the Web): chỉ làm trên Windows" in lines
    assert (tmp_path / "so" / "hop-thu").is_dir()
    assert vba_xlwings_version(tmp_path / "so" / MASTER_NAME) == version_of("xlwings")
    checked = _run(installed, "doctor", f"so/{MASTER_NAME}", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert f"[CÓ] xlwings {version_of('xlwings')}" in checked.stdout
    assert "[BỎ QUA] Microsoft Excel: chỉ kiểm tra trên Windows" in checked.stdout
    assert f"[CÓ] Mô-đun VBA xlwings trong sổ: phiên bản {version_of('xlwings')}: khớp với xlwings đã cài" in checked.stdout


def test_setup_excel_keeps_the_clerk_s_workbook_and_embeds_the_installed_xlwings(tmp_path: Path):
    runner = CliRunner()
    first = runner.invoke(main, ["setup-excel", str(tmp_path)])
    assert first.exit_code == 0, first.output
    book = tmp_path / MASTER_NAME
    modules = _compiled_subs(book)
    installed_bas = Path(importlib.util.find_spec("xlwings").origin).parent / "xlwings.bas"
    assert f'XLWINGS_VERSION As String = "{version_of("xlwings")}"' in modules["xlwings"]
    assert "Function RunPython" in modules["xlwings"] and installed_bas.is_file()
    assert "Public Sub MergeSubmissions()" in modules[MODULE]
    with zipfile.ZipFile(book) as z, zipfile.ZipFile(ROOT / "workbooks" / MASTER_NAME) as shipped:
        changed = [n for n in shipped.namelist() if z.read(n) != shipped.read(n)]
    assert changed == ["xl/vbaProject.bin"]  # the sheets and buttons are the shipped ones
    write_interpreter(book, r"D:\Python\pythonw.exe")  # the clerk's own edit: a second set-up keeps it
    again = runner.invoke(main, ["setup-excel", str(tmp_path)])
    assert again.exit_code == 0, again.output
    assert "đã có sẵn, giữ nguyên dữ liệu" in again.output
    assert conf_interpreter(book) == r"D:\Python\pythonw.exe"
    assert _compiled_subs(book).keys() == modules.keys()  # the xlwings module replaced, not added twice


def test_doctor_says_what_is_missing_in_the_workbook(tmp_path: Path):
    book = tmp_path / MASTER_NAME
    shutil.copyfile(ROOT / "workbooks" / MASTER_NAME, book)
    result = CliRunner().invoke(main, ["doctor", str(book)])
    assert result.exit_code == 1
    assert "[THIẾU] Mô-đun VBA xlwings trong sổ: nút bấm sẽ không chạy: chạy tdkt setup-excel" in result.output
    old = tmp_path / "xlwings.bas"
    source = (Path(importlib.util.find_spec("xlwings").origin).parent / "xlwings.bas").read_text(encoding="cp1252")
    old.write_text(source.replace(f'"{version_of("xlwings")}"', '"0.30.0"'), encoding="cp1252")
    embed_xlwings(book, old)
    result = CliRunner().invoke(main, ["doctor", str(book)])
    assert result.exit_code == 1
    assert (f"[THIẾU] Mô-đun VBA xlwings trong sổ: phiên bản 0.30.0: khác xlwings đã cài ({version_of('xlwings')}): "
            "chạy tdkt setup-excel") in result.output
    missing = CliRunner().invoke(main, ["doctor", str(tmp_path / "khong-co.xlsm")])
    assert missing.exit_code == 1 and "[THIẾU] Sổ tổng hợp" in missing.output


def test_the_interpreter_goes_into_the_xlwings_conf_sheet(tmp_path: Path):
    book = tmp_path / MASTER_NAME
    shutil.copyfile(ROOT / "workbooks" / MASTER_NAME, book)
    assert conf_interpreter(book) == ""
    exe = r"C:\Users\Nguyễn Thị Hoa\tdkt\venv\Scripts\pythonw.exe"
    write_interpreter(book, exe)
    assert conf_interpreter(book) == exe
    import openpyxl

    sheet = openpyxl.load_workbook(book)["xlwings.conf"]
    assert sheet.sheet_state == "hidden"
    assert [[c.value for c in row][:2] for row in sheet.iter_rows()] == [
        ["Interpreter_Win", exe], ["PYTHONPATH", None], ["Show Console", "False"], ["Use UDF Server", "False"]]
    assert "Public Sub ExportPdf()" in _compiled_subs(book)[MODULE]


def test_cai_dat_bat_installs_offline_for_the_user_and_says_what_python_to_get(tmp_path: Path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "tdkt-0.1.0-py3-none-any.whl").write_bytes(b"stand-in")
    out = bundle.write_bundle(wheels, tmp_path / "bundle.zip")
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["tdkt-cai-dat/cai-dat.bat", "tdkt-cai-dat/wheels/tdkt-0.1.0-py3-none-any.whl"]
        raw = z.read("tdkt-cai-dat/cai-dat.bat")
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only: cmd's goto needs it
    text = raw.decode("utf-8")
    assert "chcp 65001" in text
    assert r'set "VENV=%USERPROFILE%\tdkt\venv"' in text
    assert '--no-index --find-links "%HERE%wheels"' in text and '"tdkt[excel]"' in text
    assert r'"%VENV%\Scripts\tdkt.exe" setup-excel %*' in text
    assert text.index("pip uninstall -y -q tdkt") < text.index("pip install")  # a rebuilt bundle replaces tdkt
    assert "python.org" in text and "Microsoft Store" in text and "không cần quyền quản trị" in text


def _network_failure(output: str) -> bool:
    return any(s in output for s in ("NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution",
                                     "Network is unreachable", "ConnectTimeout", "ReadTimeout", "Name or service not known"))


@pytest.mark.network
def test_the_windows_wheelhouse_resolves_offline(wheel: Path, tmp_path: Path):
    house = tmp_path / "wheels"
    try:
        bundle.download_wheelhouse(wheel, house, ("3.11",))
    except subprocess.CalledProcessError as exc:
        again = subprocess.run(exc.cmd, capture_output=True, text=True)
        if _network_failure(again.stdout + again.stderr):
            pytest.skip("the package index cannot be reached: the Windows wheelhouse was not downloaded")
        raise
    resolved = bundle.resolve_offline(house, "3.11")
    assert {"tdkt", "xlwings", "pandas", "numpy", "pyopenvba", "python-calamine"} <= set(resolved)
    assert resolved["tdkt"] == version_of("tdkt")
    assert bundle.unmet(house, "3.11") == []
    names = sorted(p.name for p in house.glob("*.whl"))
    assert any(n.startswith("pywin32-") and n.endswith("cp311-cp311-win_amd64.whl") for n in names), names
    assert all(n.endswith(("-none-any.whl", "win_amd64.whl")) for n in names), names
    # what is missing is named: a wheelhouse without xlwings is incomplete
    next(house.glob("xlwings-*.whl")).unlink()
    assert bundle.unmet(house, "3.11") == ["xlwings>=0.33"]
