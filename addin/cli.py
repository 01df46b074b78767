"""The `tdkt` command line: one command per capability; each loads, makes one core call, renders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from addin import cli_vi, schema
from addin.models import Report, Severity, Submission

_STATUS_LABELS = {"ok": "hợp lệ", "invalid": "có lỗi", "unreadable": "không đọc được", "ignored": "bỏ qua"}
_SEVERITY_LABELS = schema.SEVERITY_LABELS


@click.group(cls=cli_vi.Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tdkt", message=cli_vi.VERSION_MESSAGE, help=cli_vi.VERSION_OPTION_HELP)
def main() -> None:
    """tdkt: kiểm tra, gộp và tổng hợp hồ sơ thi đua, khen thưởng ngành giáo dục."""
    # (the consoles' UTF-8 is set by cli_vi.Group.main before any command or usage error prints)


def _read_ahead(master: str) -> None:
    """Start parsing the master's DanhSach on a thread while the job is imported (addin.workbook.prefetch)."""
    from addin.workbook import prefetch

    prefetch.start(master, schema.LIST)


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
    for issue in report.run_issues:
        lines += [f"✘ {issue.message}", ""]
    counted = [s for s in report.submissions if s.status != "ignored"]
    bad = sum(1 for s in counted if s.status != "ok")
    rows = sum(s.rows for s in counted)
    verdict = "Tất cả hợp lệ." if report.valid else f"{bad} tệp cần sửa." if counted else "Không có tệp nào để kiểm tra."
    lines.append(f"Đã kiểm tra {len(counted)} tệp, {rows} dòng. {verdict}")
    return "\n".join(lines)


def _check_master_suffix(master: str) -> None:
    """A master must be .xlsx or .xlsm; a workbook of another kind is to be saved as .xlsx first."""
    suffix = Path(master).suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        hint = ": hãy mở sổ bằng Excel và lưu thành .xlsx" if suffix in (".xls", ".xlsb", ".ods") else ""
        raise click.BadParameter(f"sổ tổng hợp phải là tệp .xlsx hoặc .xlsm{hint}", param_hint="MASTER")


def _progress_printer(enabled: bool, verb: str = "Đang kiểm tra"):
    """A progress line on the terminal for long runs (the Excel buttons use the status bar)."""
    if not enabled:
        return None

    def show(done: int, total: int, current: str) -> None:
        if total < 10:
            return
        click.echo(f"\r{verb} {done}/{total} tệp...", err=True, nl=False)
        if done == total:
            click.echo("", err=True)

    return show


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
@click.option("--history", "history", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Sổ tổng hợp có trang LichSu: đối chiếu tiêu chuẩn nhiều năm theo căn cứ pháp lý của ngày hồ sơ.")
@click.option("--members", "members", multiple=True, type=click.Path(exists=True),
              help="Danh sách thành viên các tập thể (để tính tỷ lệ TTLĐTT, TTLĐXS); ghi nhiều lần được.")
@click.option("--into", "into", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Ghi kết quả kiểm tra vào trang KiemTra của sổ tổng hợp này (như nút \"Kiểm tra hồ sơ\"), dùng "
                   "danh mục của sổ và sổ LichSu khi đã có dòng.")
def validate(paths: tuple[str, ...], as_json: bool, history: str | None, members: tuple[str, ...],
             into: str | None) -> None:
    """Kiểm tra các tệp danh sách đề nghị (tệp hoặc thư mục, tìm cả thư mục con).

    Với --history, mỗi đề nghị còn được đối chiếu với sổ LichSu theo bộ quy tắc (trang QuyDinh)
    có hiệu lực vào ngày của hồ sơ: ngày ghi ở đầu tệp, không có thì lấy ngày hôm nay.
    Với --into SỔ, kết quả được ghi vào trang KiemTra của sổ, như nút "Kiểm tra hồ sơ".
    Thoát với mã 0 khi không có lỗi, 1 khi có lỗi, 2 khi dùng lệnh sai hoặc không dùng được sổ.
    """
    from addin.jobs import check_job, validate_job

    progress = _progress_printer(not as_json and sys.stderr.isatty())
    if into is not None:
        checked = check_job(into, list(paths), progress=progress)
        report, error = checked.validation, checked.error
    else:
        report, error = validate_job(list(paths), history=history, members=list(members) or None, progress=progress)
    if error:
        click.echo(f"Lỗi: {error}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_report(report))
    sys.exit(0 if report.valid else 1)


_ACTION_LABELS_CLI = {"added": "thêm mới", "replaced": "thay bản trước", "unchanged": "không đổi",
                      "rejected": "từ chối", "ignored": "bỏ qua"}


def render_merge(report, sheet: str = schema.LIST, issues_sheet: str = schema.ISSUES) -> str:
    """A readable account of a merge, in Vietnamese."""
    lines = []
    for f in report.files:
        mark = {"added": "+", "replaced": "↻", "unchanged": "=", "rejected": "✘", "ignored": "–"}[f.action]
        text = f"{mark} {f.path}"
        if f.unit:
            text += f" — {f.unit}"
        if f.action in ("added", "replaced", "unchanged"):
            text += f" — {f.rows} dòng"
        text += f": {_ACTION_LABELS_CLI[f.action]}"
        if f.reason:
            text += f" ({f.reason})"
        lines.append(text)
    lines.append("")
    if report.error:
        written = report.failure.code == "master-not-written"  # else nothing was merged: the master untouched
        lines.append(f"{'KHÔNG GHI ĐƯỢC SỔ TỔNG HỢP' if written else 'CHƯA GỘP, SỔ TỔNG HỢP GIỮ NGUYÊN'}: {report.error}")
        return "\n".join(lines)
    outcome = report.outcome
    errors = sum(1 for i in report.issues() if i.severity == Severity.ERROR)
    warnings = sum(1 for i in report.issues() if i.severity == Severity.WARNING)
    lines.append(f"Sổ tổng hợp: {report.master} — {report.rows_total} dòng của {len(outcome.by_unit)} đơn vị "
                 f"{'' if sheet == 'DanhSach' else 'trong trang ' + sheet + ' '}"
                 f"({errors} lỗi, {warnings} cảnh báo; xem trang {issues_sheet}).")
    if report.backup:
        lines.append(f"Bản trước đã được lưu tại: {report.backup}")
    if report.statuses_reverted:
        shown = "; ".join(f"{name} (\"{typed}\" -> {now})" for name, typed, now in report.statuses_reverted[:5])
        more = f" và {len(report.statuses_reverted) - 5} dòng khác" if len(report.statuses_reverted) > 5 else ""
        lines.append(f"Lưu ý: {len(report.statuses_reverted)} dòng đã sửa tình trạng bằng tay nhưng không ghi lý do "
                     f"ở cột \"Ghi chú\", nên trở lại tình trạng chương trình kiểm tra: {shown}{more}. Muốn giữ, hãy "
                     f"sửa lại và ghi lý do ở cột \"Ghi chú\" (bản trước ở thư mục sao lưu).")
    if not report.changed:
        lines.append("Không có gì mới: sổ tổng hợp giữ nguyên như trước (không ghi lại, không tạo bản sao lưu).")
    return "\n".join(lines)


@main.command()
@click.argument("master", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
@click.option("--unit", default=None, help="Tên đơn vị của sổ tổng hợp (ghi ở đầu trang DanhSach).")
@click.option("--keep-backups", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="Số bản sao lưu của sổ tổng hợp được giữ lại.")
def merge(master: str, sources: tuple[str, ...], as_json: bool, unit: str | None, keep_backups: int) -> None:
    """Gộp hồ sơ các đơn vị (tệp, thư mục, thư .eml, tệp .zip) vào sổ tổng hợp MASTER.

    Sổ tổng hợp (.xlsx hoặc .xlsm) được tạo mới khi chưa có. Thoát với mã 0 khi đã ghi sổ,
    1 khi có tệp bị từ chối hoặc không ghi được sổ, 2 khi dùng lệnh sai.
    """
    _read_ahead(master)
    from addin.jobs import merge_job

    _check_master_suffix(master)
    report = merge_job(master, list(sources), unit=unit, keep_backups=keep_backups,
                       progress=_progress_printer(not as_json and sys.stderr.isatty(), "Đang gộp"))
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_merge(report))
    rejected = any(f.action == "rejected" for f in report.files)
    sys.exit(1 if report.error or rejected else 0)


@main.command()
@click.argument("master", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
@click.option("--unit", default=None, help="Tên đơn vị của sổ tổng hợp (ghi ở đầu trang DangKy).")
@click.option("--keep-backups", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="Số bản sao lưu của sổ tổng hợp được giữ lại.")
def register(master: str, sources: tuple[str, ...], as_json: bool, unit: str | None, keep_backups: int) -> None:
    """Gộp danh sách đăng ký thi đua đầu năm của các đơn vị vào trang DangKy của sổ MASTER.

    Cùng quy tắc như tdkt merge (đơn vị, bản gửi lại, nguồn gốc từng dòng); trang DanhSach được
    kiểm tra lại: đề nghị danh hiệu chưa đăng ký được cảnh báo. Mã thoát như tdkt merge.
    """
    from addin.jobs import register_job

    _check_master_suffix(master)
    report = register_job(master, list(sources), unit=unit, keep_backups=keep_backups,
                          progress=_progress_printer(not as_json and sys.stderr.isatty(), "Đang gộp"))
    if as_json:
        data = report.to_json_dict()
        data["sheet"] = schema.REGISTRATIONS_LIST
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render_merge(report, schema.REGISTRATIONS_LIST, schema.REGISTRATIONS_ISSUES))
    rejected = any(f.action == "rejected" for f in report.files)
    sys.exit(1 if report.error or rejected else 0)


@main.command()
@click.argument("master", type=click.Path(exists=True, dir_okay=False))
@click.argument("sources", nargs=-1, type=click.Path(exists=True))
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Thư mục ghi bản góp ý (mặc định: thư mục tra-lai cạnh sổ tổng hợp).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def feedback(master: str, sources: tuple[str, ...], out: str | None, as_json: bool) -> None:
    """Trả lại đơn vị: bản sao danh sách có tô màu và ghi chú các ô cần sửa, thư trả lời soạn sẵn.

    Chỉ các đơn vị có lỗi hoặc cảnh báo (theo trang Loi của sổ MASTER) được trả lại. Tệp của đơn
    vị được tìm lại trong thư mục hộp thư (CauHinh) và các SOURCES chỉ ra; tệp gốc không bị sửa.
    Thoát với mã 0 khi đã ghi đủ, 1 khi có đơn vị không tạo được bản góp ý.
    """
    _read_ahead(master)
    from addin.jobs import feedback_job

    report = feedback_job(master, list(sources), out=out)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_feedback(report))
    sys.exit(0 if report.ok else 1)


def render_feedback(report) -> str:
    """Who got feedback, where it is, and the covering texts, in Vietnamese."""
    if report.error:
        return f"Lỗi: {report.error}"
    lines = []
    done = [u for u in report.units if u.workbook is not None]
    if done:
        lines.append(f"Đã tạo bản góp ý cho {len(done)} đơn vị trong thư mục {report.out}:")
    for u in report.units:
        lines.append("")
        if u.workbook is None:
            lines.append(f"✘ {u.unit} — {u.errors} lỗi, {u.warnings} cảnh báo: {u.error}")
            continue
        lines.append(f"✉ {u.unit} — {u.errors} lỗi, {u.warnings} cảnh báo ({u.cells} ô được tô màu)")
        lines.append(f"    Bảng tính: {u.workbook}")
        if u.moved_from:
            lines.append(f"    Tệp của đơn vị không còn ở \"{u.moved_from}\" như sổ đã ghi: dùng tệp cùng nội dung "
                         f"tìm thấy ở \"{u.source}\".")
        if u.reply:
            lines.append(f"    Thư trả lời soạn sẵn: {u.reply} (gửi tới {u.sender})")
        lines.append(f"    Nội dung thư (đã lưu ở {u.text_file}):")
        lines += ["    | " + line for line in u.text.splitlines()]
    lines.append("")
    if not report.units:
        lines.append("Không đơn vị nào có lỗi hay cảnh báo: không có gì phải trả lại.")
    elif report.clean_units:
        lines.append("Không có lỗi, không trả lại: " + ", ".join(report.clean_units) + ".")
    return "\n".join(lines)


@main.command()
@click.argument("master", type=click.Path(dir_okay=False))
@click.argument("source", metavar="[TỆP]", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def units(master: str, source: str | None, as_json: bool) -> None:
    """In danh sách đơn vị (trang DonVi) của sổ MASTER, hoặc điền nó từ TỆP (Excel hoặc CSV).

    TỆP là danh sách đơn vị cơ quan đã có: cột tên đơn vị, loại đơn vị, cấp trên, email, tên khác,
    chỉ tiêu đại biểu, ghi chú (tiêu đề viết kiểu nào cũng được). Đơn vị đã có trong DonVi giữ nguyên
    những ô đã điền, chỉ được bổ sung ô trống. Thoát với mã 1 khi không đọc được tệp hay không ghi được sổ.
    """
    from addin.jobs import units_job

    if source is None and not Path(master).exists():
        raise click.BadParameter(f"không có sổ \"{master}\"", param_hint="MASTER")
    if source is not None and Path(master).suffix.lower() not in (".xlsx", ".xlsm"):
        raise click.BadParameter("sổ tổng hợp phải là tệp .xlsx hoặc .xlsm", param_hint="MASTER")
    report = units_job(master, source)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    elif not report.error:
        for i, e in enumerate(report.entries, start=1):
            extra = ", ".join(x for x in (e.kind, e.parent, "; ".join(e.emails) or "chưa có email") if x)
            click.echo(f"{i:>3}. {e.name} ({extra})")
        if not report.entries:
            click.echo(f"Trang {schema.UNITS} chưa có đơn vị nào: hãy chỉ ra tệp danh sách đơn vị, ví dụ "
                       "tdkt units SỔ danh-sach-don-vi.xlsx.")
        if source is not None:
            click.echo(f"Đã ghi trang {schema.UNITS}: {report.added} đơn vị thêm mới, {report.updated} đơn vị được "
                       f"bổ sung; có {len(report.entries)} đơn vị.")
    if report.error:
        click.echo(f"Lỗi: {report.error}", err=True)
        sys.exit(1)


@main.command()
@click.argument("master", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def status(master: str, as_json: bool) -> None:
    """Tình hình nộp: đơn vị nào đã nộp, chưa nộp, nộp muộn (ghi trang TinhHinhNop của sổ MASTER).

    Đối chiếu danh sách đơn vị (trang DonVi) với nhật ký gộp và hạn nộp (ô "Hạn nộp" của trang CauHinh);
    liệt kê cả đơn vị đã gửi nhưng không có trong DonVi. Thoát với mã 1 khi không ghi được sổ.
    """
    _read_ahead(master)
    from addin.jobs import status_job

    report = status_job(master)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    elif report.today is not None:
        for u in report.units:
            mark = "✔" if u.sent else "✘"
            text = f"{mark} {u.unit}: " + (f"{u.rows} dòng, {u.errors} lỗi, {u.warnings} cảnh báo, gửi lần cuối "
                                           f"{u.last_sent:%d/%m/%Y %H:%M}" if u.sent and u.last_sent else
                                           f"{u.rows} dòng" if u.sent else "chưa nộp")
            if u.refused:
                text += f" ({u.note})"
            click.echo(text + (" — nộp muộn" if u.late else ""))
        for u in report.unregistered:
            click.echo(f"? {u.unit}: đã gửi nhưng không có trong trang {schema.UNITS}"
                       + (f" ({u.note[:1].lower()}{u.note[1:]})" if u.note else ""))
        deadline = (f"hạn nộp {report.deadline:%d/%m/%Y}" if report.deadline else
                    f"hạn nộp ghi \"{report.deadline_typed}\" không đọc được: hãy ghi ở trang {schema.SETTINGS} "
                    "theo dạng ngày/tháng/năm, ví dụ 15/05/2025" if report.deadline_typed else "chưa đặt hạn nộp")
        click.echo(f"\n{len(report.units) - len(report.missing)}/{len(report.units)} đơn vị đã nộp ({deadline}).")
        if not report.error:
            click.echo(f"Đã ghi trang {schema.SUBMISSION_STATUS} vào sổ {master}.")
    if report.error:
        click.echo(f"Lỗi: {report.error}", err=True)
        sys.exit(1)


@main.command()
@click.argument("master", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Thư mục ghi thư nhắc (mặc định: thư mục nhac-nop cạnh sổ tổng hợp).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def remind(master: str, out: str | None, as_json: bool) -> None:
    """Nhắc đơn vị chưa nộp: soạn sẵn thư nhắc (.eml) gửi tới email của từng đơn vị chưa nộp (trang DonVi).

    Thư ghi hạn nộp (trang CauHinh); mở bằng Outlook là thư nháp, bấm Gửi. Đơn vị chưa có email được
    liệt kê. Thoát với mã 0 khi đã soạn đủ, 1 khi có đơn vị không soạn được thư.
    """
    from addin.jobs import remind_job

    report = remind_job(master, out=out)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    elif not report.error:
        done = [r for r in report.reminders if r.file]
        if done:
            click.echo(f"Đã soạn {len(done)} thư nhắc trong thư mục {report.out}:")
        for r in report.reminders:
            click.echo(f"✉ {r.unit} — gửi tới {', '.join(r.to)}: {r.file}" if r.file else f"✘ {r.unit}: {r.error}")
        if report.no_email:
            click.echo(f"Chưa có email trong trang {schema.UNITS}, không soạn được thư: " + ", ".join(report.no_email) + ".")
        if not report.reminders and not report.no_email:
            click.echo("Mọi đơn vị trong danh sách đơn vị đã nộp: không cần nhắc.")
    if report.error:
        click.echo(f"Lỗi: {report.error}", err=True)
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("master", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", "years", multiple=True, help="Chỉ tính năm học này, ví dụ 2024-2025 (ghi nhiều lần được).")
@click.option("--all-categories", is_flag=True, help="Ghi cả các loại khen thưởng không có đề nghị nào.")
@click.option("--with-registrations", is_flag=True,
              help="Ghi số đăng ký thi đua (trang DangKy) bên cạnh số đề nghị của từng đơn vị.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def tally(master: str, years: tuple[str, ...], all_categories: bool, with_registrations: bool, as_json: bool) -> None:
    """Lập biểu tổng hợp (trang TongHop) từ danh sách đã gộp trong sổ MASTER.

    Hàng là các loại danh hiệu, hình thức (cá nhân trước, tập thể sau; thường xuyên, đột xuất,
    chuyên đề), cột là các đơn vị và tổng cộng. Chỉ đếm các dòng OK hoặc Cảnh báo.
    """
    _read_ahead(master)
    from addin.jobs import tally_job

    report = tally_job(master, years=list(years) or None, include_empty=all_categories,
                       with_registrations=with_registrations)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    elif report.tally is not None:
        t = report.tally
        width = max((len(r.label) for r in t.rows), default=10)
        if with_registrations:
            click.echo(f"{'':<{width}}  {'Đăng ký':>8}  {'Đề nghị':>8}")
            for r in t.rows:
                click.echo(f"{r.label:<{width}}  {sum((r.registered or {}).values()):>8}  {r.total:>8}")
            registered = sum(sum((r.registered or {}).values()) for r in t.rows)
            click.echo(f"{'Tổng cộng':<{width}}  {registered:>8}  {t.grand_total:>8}")
        else:
            for r in t.rows:
                click.echo(f"{r.label:<{width}}  {r.total:>6}")
            click.echo(f"{'Tổng cộng':<{width}}  {t.grand_total:>6}")
        click.echo(f"\nĐã đếm {t.counted_rows} dòng của {len(t.units)} đơn vị; {t.skipped_error_rows} dòng còn lỗi chưa tính.")
        if t.no_year_rows:
            click.echo("Lưu ý: " + t.no_year_note())
        if t.several_years_note():
            click.echo("Lưu ý: " + t.several_years_note())
        if report.print_list_refreshed and not report.error:
            click.echo(f"Đã lập lại trang {schema.PRINT_LIST} (danh sách trình ký): trang {schema.LIST} hoặc "
                       f"{schema.SETTINGS} đã được sửa sau lần gộp trước, nay danh sách khớp với biểu tổng hợp.")
        if not report.error:
            click.echo(f"Đã ghi trang TongHop vào sổ {master}.")
    if report.error:
        click.echo(f"Lỗi: {report.error}", err=True)
        sys.exit(1)


@main.command()
@click.argument("master", type=click.Path(exists=True, dir_okay=False))
@click.option("--seats", type=click.IntRange(1, 100_000), default=None, help="Tổng số đại biểu (mặc định: theo trang CauHinh).")
@click.option("--guest-share", type=cli_vi.FloatRange(0, 1), default=None, metavar="TỶ_LỆ",
              help="Tỷ lệ ghế dành cho khách mời, ví dụ 0,3 hoặc 30% (mặc định: theo trang CauHinh).")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def delegates(master: str, seats: int | None, guest_share: float | None, as_json: bool) -> None:
    """Lập danh sách đại biểu dự hội nghị (trang DaiBieu) từ danh sách đã gộp và trang KhachMoi.

    Ghế điển hình chia cho các đơn vị theo tỷ lệ số ứng viên (phương pháp số dư lớn nhất), trừ các
    đơn vị có chỉ tiêu riêng trong CauHinh; trong mỗi đơn vị xếp theo danh hiệu, rồi ưu tiên (nữ,
    dân tộc thiểu số, vùng đặc biệt khó khăn, trực tiếp giảng dạy, học sinh), rồi họ tên.
    """
    _read_ahead(master)
    from addin.jobs import delegates_job

    report = delegates_job(master, seats=seats, guest_share=guest_share)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    elif report.result is not None:
        r = report.result
        click.echo(f"{r.seats} ghế: {r.exemplary} đại biểu điển hình, {r.guests} khách mời.")
        for unit, n in r.by_unit.items():
            click.echo(f"  {unit}: {n}")
        for text in r.shortfalls:
            click.echo(f"Lưu ý: {text}")
        if not report.error:
            click.echo(f"Đã ghi trang DaiBieu vào sổ {master}.")
    if report.error:
        click.echo(f"Lỗi: {report.error}", err=True)
        sys.exit(1)


def render_history(report, verb: str) -> str:
    """A readable account of what was written into the register LichSu, in Vietnamese."""
    lines = []
    for f in report.files:
        mark = {"ok": "+", "ignored": "–", "unreadable": "✘"}[f["status"]]
        text = f"{mark} {f['path']}"
        if f["status"] == "ok":
            text += f" — {f['rows']} dòng" + (f", năm học {f['year']}" if f["year"] else "")
        if f["reason"]:
            text += f" ({f['reason']})"
        lines.append(text)
    for i in report.issues:
        if i.severity != Severity.INFO:
            place = f" (dòng {i.row})" if i.row else ""
            lines.append(f"  - {_SEVERITY_LABELS[i.severity]}{place}: {i.file}: {i.message}")
    if report.error:
        written = report.failure.code == "master-not-written"  # else nothing was done: the master untouched
        lines.append(f"{'KHÔNG GHI ĐƯỢC SỔ' if written else 'CHƯA GHI, SỔ GIỮ NGUYÊN'}: {report.error}")
        return "\n".join(lines)
    lines.append(f"{verb}: {report.added} dòng mới, {report.updated} dòng được bổ sung, {report.unchanged} dòng đã có "
                 f"sẵn. Trang LichSu của sổ {report.master} có {report.records_total} dòng.")
    if report.skipped_errors:
        lines.append(f"Không ghi {report.skipped_errors} dòng (còn lỗi hoặc thiếu năm học).")
    if report.skipped_other_year:
        lines.append(f"Không ghi {report.skipped_other_year} dòng của năm học khác.")
    if report.backup:
        lines.append(f"Bản trước đã được lưu tại: {report.backup}")
    return "\n".join(lines)


def _decision_date(value: str | None):
    from addin.text import parse_date

    if not value:
        return None
    parsed = parse_date(value)
    if parsed.error or parsed.day is None:
        raise click.BadParameter(f"ngày không hợp lệ: {value} (ghi ngày/tháng/năm, ví dụ 15/06/2025)",
                                 param_hint="--decision-date")
    return parsed.day


@main.command()
@click.argument("master", type=click.Path(exists=True, dir_okay=False))
@click.option("--year", default=None, help="Chỉ ghi các dòng của năm học này, ví dụ 2024-2025.")
@click.option("--decision", default=None, help="Số quyết định khen thưởng, ví dụ 512/QĐ-SGDĐT.")
@click.option("--decision-date", default=None, help="Ngày quyết định, ví dụ 15/06/2025.")
@click.option("--issuer", default=None, help="Cấp quyết định, ví dụ Giám đốc Sở GD&ĐT.")
@click.option("--keep-backups", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="Số bản sao lưu của sổ tổng hợp được giữ lại.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def record(master: str, year: str | None, decision: str | None, decision_date: str | None, issuer: str | None,
           keep_backups: int, as_json: bool) -> None:
    """Ghi kết quả đợt xét đã xong vào sổ lịch sử khen thưởng (trang LichSu) của sổ MASTER.

    Ghi các dòng của trang DanhSach có Tình trạng OK hoặc Cảnh báo (dòng còn Lỗi không được ghi).
    Ghi lại lần nữa không tạo dòng trùng. Thoát với mã 0 khi đã ghi, 1 khi không ghi được.
    """
    from addin.jobs import record_job

    report = record_job(master, year=year, decision=decision, decision_date=_decision_date(decision_date),
                        issuer=issuer, keep_backups=keep_backups)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_history(report, "Đã ghi kết quả vào sổ"))
    sys.exit(1 if report.error else 0)


@main.command("import-history")
@click.argument("master", type=click.Path(dir_okay=False))
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--year", default=None, help="Năm học của các danh sách không ghi năm học, ví dụ 2022-2023.")
@click.option("--keep-backups", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="Số bản sao lưu của sổ tổng hợp được giữ lại.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng một đối tượng JSON.")
def import_history(master: str, sources: tuple[str, ...], year: str | None, keep_backups: int, as_json: bool) -> None:
    """Nhập danh sách kết quả thi đua, khen thưởng các năm trước vào trang LichSu của sổ MASTER.

    Đọc được mọi kiểu danh sách như tdkt merge (tệp, thư mục, thư .eml, tệp .zip). Sổ MASTER được
    tạo mới khi chưa có. Thoát với mã 0 khi đã ghi sổ, 1 khi có tệp không đọc được hoặc không ghi được.
    """
    from addin.jobs import import_history_job

    _check_master_suffix(master)
    report = import_history_job(master, list(sources), year=year, keep_backups=keep_backups,
                                progress=_progress_printer(not as_json and sys.stderr.isatty(), "Đang nhập"))
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_history(report, "Đã nhập lịch sử khen thưởng"))
    bad = any(f["status"] == "unreadable" for f in report.files)
    sys.exit(1 if report.error or bad else 0)


@main.command()
@click.argument("master", type=click.Path(exists=True, dir_okay=False))
@click.option("--sheet", required=True, help="Tên trang cần xuất, ví dụ TongHop, DaiBieu, DanhSach.")
@click.option("--pdf", "pdf", required=True, type=click.Path(dir_okay=False), help="Tệp PDF sẽ ghi ra.")
def export(master: str, sheet: str, pdf: str) -> None:
    """Xuất một trang của sổ MASTER ra tệp PDF để in, ký (cần LibreOffice)."""
    from addin.workbook.export import ExportError, export_pdf

    try:
        out = export_pdf(Path(master), sheet, Path(pdf))
    except ExportError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Đã xuất trang {sheet} ra {out}")
    if sheet == schema.PRINT_LIST:
        from addin.jobs.common import print_list_stale

        if print_list_stale(Path(master)):
            click.echo(f"Lưu ý: trang {schema.LIST} hoặc {schema.SETTINGS} đã được sửa sau khi lập trang {sheet}, nên "
                       f"trang này có thể chưa khớp: hãy chạy tdkt tally {master} (lập lại cả trang {sheet}) rồi xuất "
                       "lại trước khi in, ký.", err=True)


@main.command("build-workbooks")
@click.argument("outdir", required=False, default="workbooks", type=click.Path(file_okay=False))
def build_workbooks(outdir: str) -> None:
    """Tạo lại sổ tổng hợp có nút bấm (.xlsm) và mẫu danh sách gửi đơn vị (.xlsx) vào thư mục OUTDIR.

    Mặc định OUTDIR là workbooks/. Hai lần tạo cho ra hai tệp giống hệt nhau từng byte.
    """
    from addin.build import BuildError, build_workbooks as build

    try:
        paths = build(Path(outdir))
    except BuildError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    for path in paths:
        click.echo(f"Đã tạo {path}")


@main.command("setup-excel")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option("--add-in", "addin", is_flag=True,
              help="Cài phần bổ trợ xlwings vào Excel thay cho việc chép mô-đun VBA xlwings vào sổ.")
def setup_excel(folder: str | None, addin: bool) -> None:
    """Chuẩn bị sổ tổng hợp có nút bấm trong thư mục làm việc FOLDER (mặc định: Documents\\tdkt).

    Chép sổ (giữ nguyên nếu đã có) và thư mục hop-thu, chép mô-đun VBA của xlwings đã cài vào sổ
    (không cần phần bổ trợ), ghi đường dẫn Python này vào trang xlwings.conf, gỡ dấu chặn macro
    của Windows (Mark of the Web), rồi kiểm tra lại như lệnh tdkt doctor.
    """
    from addin.install import default_folder, setup_excel as run

    steps = run(Path(folder) if folder else default_folder(), addin=addin)
    for step in steps:
        click.echo(step.line())
    if not all(s.ok for s in steps):
        click.echo("Còn mục THIẾU hoặc LỖI ở trên: làm theo hướng dẫn ở từng dòng rồi chạy lại lệnh.", err=True)
        sys.exit(1)
    click.echo("Xong: mở sổ bằng Excel và bấm nút ở trang DieuKhien.")


@main.command()
@click.argument("master", required=False, type=click.Path(dir_okay=False))
def doctor(master: str | None) -> None:
    """Cho biết máy đã có gì, còn thiếu gì để các nút bấm của sổ MASTER chạy được.

    Kiểm tra Python, tdkt, xlwings và mô-đun VBA xlwings trong sổ (có khớp phiên bản không),
    đường dẫn Python trong trang xlwings.conf, dấu chặn macro, Excel và LibreOffice (xuất PDF).
    Mặc định MASTER là sổ tdkt-tong-hop.xlsm trong Documents\\tdkt.
    """
    from addin.install import doctor as check

    steps = check(Path(master) if master else None)
    for step in steps:
        click.echo(step.line())
    if not all(s.ok for s in steps):
        sys.exit(1)


@main.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default="tdkt-demo", show_default=True,
              help="Thư mục ghi dữ liệu mẫu.")
def demo(out: str) -> None:
    """Chạy thử trên dữ liệu mẫu: hộp thư hồ sơ của các đơn vị, kiểm tra, gộp vào sổ tổng hợp."""
    from addin.demo import demo_guests, demo_settings, write_demo_mailbox
    from addin.jobs import delegates_job, merge_job, tally_job, validate_paths

    folder = Path(out)
    inbox = folder / "hop-thu"
    master = folder / "tong-hop.xlsx"
    write_demo_mailbox(inbox)
    click.echo(f"Đã tạo hộp thư mẫu (tệp đính kèm, thư .eml, tệp .zip) trong thư mục {inbox}\n")
    click.echo("== 1. Kiểm tra hồ sơ ==\n")
    click.echo(render_report(validate_paths([str(inbox)])))
    click.echo("\n== 2. Gộp vào sổ tổng hợp ==\n")
    report = merge_job(master, [str(inbox)], initial_settings=demo_settings(), initial_guests=demo_guests())
    click.echo(render_merge(report))
    if report.error:
        sys.exit(1)
    click.echo("\n== 3. Biểu tổng hợp (trang TongHop) ==\n")
    tallied = tally_job(master)
    if tallied.error:
        click.echo(f"Lỗi: {tallied.error}", err=True)
        sys.exit(1)
    for row in tallied.tally.rows:
        click.echo(f"  {row.label}: {row.total}")
    click.echo(f"  Tổng cộng: {tallied.tally.grand_total}")
    click.echo("\n== 4. Danh sách đại biểu (trang DaiBieu) ==\n")
    chosen = delegates_job(master)
    if chosen.error:
        click.echo(f"Lỗi: {chosen.error}", err=True)
        sys.exit(1)
    r = chosen.result
    empty = r.seats - r.exemplary - r.guests
    click.echo(f"  {r.seats} ghế: {r.exemplary} đại biểu điển hình tiên tiến, {r.guests} khách mời"
               + (f", {empty} chỗ khách mời chưa có tên" if empty > 0 else ""))
    for text in r.shortfalls:
        click.echo(f"  Lưu ý: {text}")
    click.echo(f"\nSổ tổng hợp: {master.resolve()}")
    click.echo("Mở sổ để xem các trang DanhSach, Loi, NhatKy, TongHop, DaiBieu; điền trang CauHinh trước khi in.")


if __name__ == "__main__":  # pragma: no cover
    main()
