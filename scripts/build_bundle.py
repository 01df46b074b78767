"""Build the offline Windows bundle: one zip that installs tdkt[excel] on an office PC without network.

    python scripts/build_bundle.py [--out dist] [--python 3.11 3.12 3.13]

The zip holds tdkt-cai-dat/wheels/ (the tdkt wheel and every dependency as win_amd64 wheels for
each CPython version named) and tdkt-cai-dat/cai-dat.bat, which makes a venv under the clerk's
profile, installs from the wheels with --no-index (no administrator rights, no network) and runs
`tdkt setup-excel`. Building the bundle needs the package index; installing it does not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = "win_amd64"
PYTHONS = ("3.11", "3.12", "3.13")
REQUIREMENT = "tdkt[excel]"
SOURCE_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
SOURCE_DIRS = ("addin", "workbooks", "macros")
FOLDER = "tdkt-cai-dat"


def build_wheel(dest: Path) -> Path:
    """The tdkt wheel, built from a copy of the sources (no stale build/ of the checkout leaks in)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tdkt-src-") as work:
        src = Path(work)
        for name in SOURCE_FILES:
            shutil.copyfile(ROOT / name, src / name)
        for name in SOURCE_DIRS:
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "_shipped"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(dest), str(src)], check=True)
    return max(dest.glob("tdkt-*.whl"), key=lambda p: p.stat().st_mtime)


def _download(dest: Path, version: str, requirements: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:",
                    "--platform", PLATFORM, "--python-version", version, "--implementation", "cp",
                    "--retries", "1", "--timeout", "30", "-d", str(dest), *requirements], check=True)


def download_wheelhouse(wheel: Path, dest: Path, pythons: tuple[str, ...] = PYTHONS) -> None:
    """Every wheel `tdkt[excel]` needs on Windows for each Python version, and the tdkt wheel.

    pip evaluates environment markers for the machine it runs on, not for --platform: on Linux it
    leaves out Windows-only requirements (xlwings' pywin32, click's colorama). They are found by
    walking the wheels' metadata with Windows markers and downloaded in further rounds.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wheel, dest / wheel.name)
    for version in pythons:
        _download(dest, version, [f"{REQUIREMENT} @ {wheel.resolve().as_uri()}"])
        for _ in range(5):
            missing = unmet(dest, version)
            if not missing:
                break
            _download(dest, version, missing)


def windows_markers(version: str) -> dict[str, str]:
    """The environment markers of CPython `version` on 64-bit Windows."""
    return {"implementation_name": "cpython", "implementation_version": f"{version}.0", "os_name": "nt",
            "platform_machine": "AMD64", "platform_python_implementation": "CPython", "platform_release": "10",
            "platform_system": "Windows", "platform_version": "", "python_full_version": f"{version}.0",
            "python_version": version, "sys_platform": "win32"}


def unmet(wheelhouse: Path, version: str, requirement: str = REQUIREMENT) -> list[str]:
    """Requirements that `requirement` has on Windows, CPython `version`, that no wheel in `wheelhouse` meets.

    Walks from `requirement` through the newest matching wheel of each name, evaluating every
    Requires-Dist marker for Windows (with the extras asked for). Empty: the wheelhouse is complete.
    """
    from packaging.requirements import Requirement
    from packaging.tags import compatible_tags, cpython_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename

    python = tuple(int(p) for p in version.split("."))
    supported = set(cpython_tags(python, platforms=[PLATFORM])) | set(
        compatible_tags(python, f"cp{python[0]}{python[1]}", platforms=[PLATFORM]))
    wheels: dict[str, list[tuple[object, Path]]] = {}
    for path in wheelhouse.glob("*.whl"):
        name, wheel_version, _, tags = parse_wheel_filename(path.name)
        if tags & supported:
            wheels.setdefault(name, []).append((wheel_version, path))
    markers = windows_markers(version)
    missing: list[str] = []
    todo, seen = [Requirement(requirement)], set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if (name, frozenset(req.extras)) in seen:
            continue
        seen.add((name, frozenset(req.extras)))
        candidates = sorted((v, p) for v, p in wheels.get(name, []) if req.specifier.contains(v, prereleases=True))
        if not candidates:
            missing.append(str(Requirement(f"{req.name}{req.specifier}")))
            continue
        with zipfile.ZipFile(candidates[-1][1]) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
            lines = z.read(meta).decode("utf-8").splitlines()
        for line in lines:
            if line.startswith("Requires-Dist:"):
                dep = Requirement(line.split(":", 1)[1].strip())
                if dep.marker is None or any(dep.marker.evaluate({**markers, "extra": e})
                                             for e in (req.extras or {""})):
                    todo.append(dep)
    return sorted(set(missing))


def offline_env() -> dict[str, str]:
    """pip with no configuration: no index, no find-links or constraints of this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def resolve_offline(wheelhouse: Path, version: str) -> dict[str, str]:
    """What `pip install tdkt[excel]` would install on Windows from `wheelhouse` alone: name -> version."""
    with tempfile.TemporaryDirectory(prefix="tdkt-resolve-") as work:
        report = Path(work) / "report.json"
        subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
                        "--no-index", "--find-links", str(wheelhouse), "--only-binary=:all:",
                        "--platform", PLATFORM, "--python-version", version, "--implementation", "cp",
                        "--target", str(Path(work) / "target"), "--report", str(report), REQUIREMENT],
                       check=True, env=offline_env())
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs}


# Saved as UTF-8 with CRLF: cmd reads labels and goto reliably only with CRLF, and chcp 65001 makes
# it print the Vietnamese lines (Windows 10 and later).
CAI_DAT = r"""@echo off
rem tdkt: install for the current user from the wheels beside this file (no admin, no network).
chcp 65001 >nul
setlocal EnableExtensions
set "HERE=%~dp0"
set "VENV=%USERPROFILE%\tdkt\venv"
set "PY="
for %%V in (3.13 3.12 3.11) do if not defined PY py -%%V -c "import sys" >nul 2>&1 && set "PY=py -%%V"
if not defined PY python -c "import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)" >nul 2>&1 && set "PY=python"
if not defined PY goto nopython

echo Đang tạo môi trường Python riêng cho tdkt: %VENV%
if not exist "%VENV%\Scripts\python.exe" %PY% -m venv "%VENV%"
if not exist "%VENV%\Scripts\python.exe" goto failed
echo Đang cài tdkt từ bộ cài, không cần mạng...
rem a bundle of the same version number may carry a newer build: replace tdkt itself every time
"%VENV%\Scripts\python.exe" -m pip uninstall -y -q tdkt >nul 2>&1
"%VENV%\Scripts\python.exe" -m pip install --disable-pip-version-check --no-index --find-links "%HERE%wheels" --upgrade "tdkt[excel]"
if errorlevel 1 goto failed
echo Đang chuẩn bị sổ tổng hợp...
"%VENV%\Scripts\tdkt.exe" setup-excel %*
if errorlevel 1 goto failed
echo.
echo Đã cài xong. Mở sổ tdkt-tong-hop.xlsm trong thư mục vừa báo ở trên bằng Excel.
echo Lệnh tdkt chạy được bằng: "%VENV%\Scripts\tdkt.exe"
pause
exit /b 0

:nopython
echo Máy này chưa có Python 3.11, 3.12 hoặc 3.13. Cài một trong hai cách sau, đều không cần quyền quản trị,
echo rồi chạy lại tệp cai-dat.bat này:
echo   1. Tải Python 3.12 cho Windows 64-bit tại python.org, mở tệp cài, chọn "Install Now"
echo      (cài cho riêng người dùng, không đánh dấu ô "for all users").
echo   2. Hoặc mở Microsoft Store, tìm "Python 3.12" và bấm "Nhận" (Get).
pause
exit /b 1

:failed
echo.
echo Cài đặt chưa xong: đọc thông báo ở trên. Sau khi sửa, chạy lại tệp cai-dat.bat.
pause
exit /b 1
"""


def write_bundle(wheelhouse: Path, out: Path) -> Path:
    """The zip: tdkt-cai-dat/cai-dat.bat and tdkt-cai-dat/wheels/*.whl."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{FOLDER}/cai-dat.bat", CAI_DAT.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))
        for wheel in sorted(wheelhouse.glob("*.whl")):
            z.write(wheel, f"{FOLDER}/wheels/{wheel.name}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--python", nargs="+", default=list(PYTHONS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tdkt-bundle-") as work:
        wheel = build_wheel(Path(work) / "dist")
        wheelhouse = Path(work) / "wheels"
        download_wheelhouse(wheel, wheelhouse, tuple(args.python))
        for version in args.python:
            resolved = resolve_offline(wheelhouse, version)
            missing = unmet(wheelhouse, version)
            if missing:
                raise SystemExit(f"cp{version}: the wheelhouse lacks {missing}")
            print(f"cp{version.replace('.', '')}: {len(resolved)} packages resolve offline, Windows-only ones included")
        out = write_bundle(wheelhouse, args.out / f"{wheel.stem.split('-py')[0]}-windows-cai-dat.zip")
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
