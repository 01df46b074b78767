"""The README and the user guide cannot drift from the program."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from addin.cli import main
from addin.models import ISSUE_CODES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "docs" / "huong-dan-su-dung.md").read_text(encoding="utf-8")


def test_every_command_has_help_and_is_in_the_readme_and_guide():
    runner = CliRunner()
    assert main.commands, "no commands registered"
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert command.help and command.help.strip(), f"{name} has no help text"
        assert f"`tdkt {name}" in README, f"tdkt {name} is missing from README.md"
        assert f"tdkt {name}" in GUIDE, f"tdkt {name} is missing from docs/huong-dan-su-dung.md"


def test_every_issue_code_is_documented():
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", README, flags=re.M))
    assert documented == set(ISSUE_CODES)


def test_every_issue_code_used_in_the_code_is_registered():
    used: set[str] = set()
    for path in (ROOT / "addin").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'code="([a-z]+(?:-[a-z]+)+)"', source))
        used |= set(re.findall(r'(?:issue|_issue)\([^"]*"([a-z]+(?:-[a-z]+)+)"', source))
    assert used, "found no issue codes in the source"
    assert used <= set(ISSUE_CODES), used - set(ISSUE_CODES)


def test_readme_names_the_two_fresh_machine_commands():
    assert "pip install -e . && tdkt demo" in README
    assert "pip install -e '.[dev]' && XLWINGS_LICENSE_KEY=noncommercial python -m pytest" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q -e '.[dev]'" in ci and "XLWINGS_LICENSE_KEY=noncommercial python -m pytest" in ci


def _where_things_live() -> dict[str, str]:
    """The README's map of modules: listed path -> its line."""
    section = README.split("## Where things live", 1)[1].split("Where common changes go", 1)[0]
    return {m.group(1): m.group(0) for m in re.finditer(r"^- `([^`]+)`:.*$", section, flags=re.M)}


def test_the_map_of_modules_is_in_step_with_the_tree():
    listed = _where_things_live()
    for path in listed:
        assert (ROOT / path).exists(), f"README lists {path}, which does not exist"
    package = ROOT / "addin"
    for module in sorted(package.glob("*.py")):
        if module.name != "__init__.py":
            assert f"addin/{module.name}" in listed, f"addin/{module.name} is missing from 'Where things live'"
    for sub in sorted(p for p in package.iterdir() if (p / "__init__.py").exists()):
        line = listed.get(f"addin/{sub.name}/")
        assert line, f"addin/{sub.name}/ is missing from 'Where things live'"
        for module in sorted(sub.glob("*.py")):
            if module.name != "__init__.py":
                assert f"`{module.name}`" in line, f"addin/{sub.name}/{module.name} is not named in its package's line"
