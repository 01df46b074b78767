"""The wheel carries the shipped workbooks and the VBA sources as package data (addin/_shipped/).

workbooks/ and macros/ stay at the top of the repository, where clerks and reviewers look for them;
setuptools cannot list files outside a package in package-data, so build_py copies them into the
built package. An editable install skips the copy: addin.build.shipped() then reads the top-level
folders themselves, so there is one copy of each file in the tree and no symlinks (which a Windows
checkout turns into text files).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {"workbooks": ("*.xlsm", "*.xlsx"), "macros": ("*.bas",)}


class BuildPyWithShipped(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder, patterns in SHIPPED.items():
            target = Path(self.build_lib) / "addin" / "_shipped" / folder
            target.mkdir(parents=True, exist_ok=True)
            files = sorted(f for pattern in patterns for f in (ROOT / folder).glob(pattern))
            if not files:
                raise SystemExit(f"{folder}/ has no {', '.join(patterns)}: the wheel would ship without it")
            for f in files:
                shutil.copyfile(f, target / f.name)


setup(cmdclass={"build_py": BuildPyWithShipped})
