"""The `tdkt` command line: one command per capability; each loads, makes one core call, renders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from addin.models import Report, Severity, Submission

_STATUS_LABELS = {"ok": "hợp lệ", "invalid": "có lỗi", "unreadable": "không đọc được", "ignored": "bỏ qua"}
_SEVERITY_LABELS = {Severity.ERROR: "Lỗi", Severity.WARNING: "Cảnh báo", Severity.INFO: "Thông tin"}


def _utf8_stdout() -> None:
    # Windows consoles default to a legacy code page that cannot print Vietnamese.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(encoding="utf-8")
            except (ValueError, OSError):
                pass


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tdkt")
def main() -> None:
    """tdkt: kiểm tra, gộp và tổng hợp hồ sơ thi đua, khen thưởng ngành giáo dục."""
    _utf8_stdout()


def render_submission(s: Submission) -> list[str]:
    """A readable summary of one file, in Vietnamese."""
    errors = sum(1 for i in s.issues if i.severity == Severity.ERROR)
    warnings = sum(1 for i in s.issues if i.severity == Severity.WARNING)
    mark = {"ok": "✔", "invalid": "✘", "unreadable": "✘", "ignored": "–"}[s.status]
    lines = [f"{mark} {s.path}"]
    if s.status == "ignored":
        lines[0] += f" — bỏ qua ({s.reason})"
        return lines
    if s.status == "unreadable":
        lines.append(f"    {s.issues[0].message}" if s.issues else f"    {s.reason}")
        return lines
    sheets = ", ".join(f"\"{name}\"" for name in s.sheets)
    lines.append(f"    Đơn vị: {s.unit or '(chưa xác định)'} — trang {sheets} — {s.rows} dòng")
    summary = _STATUS_LABELS[s.status]
    if errors or warnings:
        summary += f": {errors} lỗi, {warnings} cảnh báo"
    lines.append(f"    Kết quả: {summary}")
    for i in s.issues:
        where = []
        if i.row is not None:
            where.append(f"dòng {i.row}")
        if i.column:
            where.append(f"cột \"{i.column}\"")
        if len(s.sheets) > 1 and i.sheet:
            where.append(f"trang \"{i.sheet}\"")
        place = ", ".join(where)
        lines.append(f"    - {_SEVERITY_LABELS[i.severity]}{' (' + place + ')' if place else ''}: {i.message}")
    return lines


def render_report(report: Report) -> str:
    lines: list[str] = []
    for s in report.submissions:
        lines.extend(render_submission(s))
        lines.append("")
    counted = [s for s in report.submissions if s.status != "ignored"]
    bad = sum(1 for s in counted if s.status != "ok")
    rows = sum(s.rows for s in counted)
    verdict = "Tất cả hợp lệ." if report.valid else f"{bad} tệp cần sửa."
    lines.append(f"Đã kiểm tra {len(counted)} tệp, {rows} dòng. {verdict}")
    return "\n".join(lines)


def _progress_printer(enabled: bool):
    if not enabled:
        return None

    def show(done: int, total: int, current: str) -> None:
        if total < 10:
            return
        end = "\n" if done == total else ""
        click.echo(f"\rĐang kiểm tra {done}/{total} tệp...", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return show


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def validate(paths: tuple[str, ...], as_json: bool) -> None:
    """Kiểm tra các tệp danh sách đề nghị (tệp hoặc thư mục, tìm cả thư mục con).

    Thoát với mã 0 khi không có lỗi, 1 khi có lỗi, 2 khi dùng lệnh sai.
    """
    from addin.validate import validate_paths

    report = validate_paths(paths, progress=_progress_printer(not as_json and sys.stderr.isatty()))
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_report(report))
    sys.exit(0 if report.valid else 1)


@main.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default="tdkt-demo", show_default=True,
              help="Thư mục ghi dữ liệu mẫu.")
def demo(out: str) -> None:
    """Chạy thử trên dữ liệu mẫu: tạo hồ sơ của các đơn vị rồi kiểm tra."""
    from addin.demo import write_demo_inbox
    from addin.validate import validate_paths

    folder = Path(out)
    inbox = folder / "hop-thu"
    write_demo_inbox(inbox)
    click.echo(f"Đã tạo hồ sơ mẫu của các đơn vị trong thư mục {inbox}\n")
    report = validate_paths([str(inbox)])
    click.echo(render_report(report))


if __name__ == "__main__":  # pragma: no cover
    main()
