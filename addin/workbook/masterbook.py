"""The master workbook's own sheets: reading back what an earlier merge wrote, writing the new state.

DanhSach (the merged list), Loi (every issue), NhatKy (the merge log) are tdkt's; BiDanh (unit
aliases) is the clerk's: created once with an example, then only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

import python_calamine as pc

from addin import catalogue as catalogue_mod
from addin import history, rules
from addin.catalogue import TARGET_LABELS, Catalogue
from addin.delegates import FLAGS
from addin.delegates import Result as DelegateResult
from addin.history import YearRecord
from addin.rules import RuleTable, default_table
from addin.tally import Tally
from addin import schema
from addin import settings as settings_mod
from addin.merge import FileOutcome, MergeOutcome, UnitVersion
from addin.merge import state_of as _state_of
from addin.models import Issue, Report, Severity, Target
from addin.schema import (
    ACTION_LABELS,
    ISSUE_COLUMNS,
    LABEL_SEVERITY,
    LIST_COLUMNS,
    LIST_HEADER_ROW,
    LIST_KEYS,
    LIST_PRINTED,
    LOG_COLUMNS,
    PROPOSALS,
    REGISTRATIONS,
    SEVERITY_LABELS,
    STATUS_ERROR,
    STATUS_WARNING,
    ListSheets,
    MasterRow,
)
from addin.text import clean
from addin.units import Aliases
from addin.workbook.master import PRINT_WIDTH_PX, OfficialLayout, PagedTable, SheetData, column_px
from addin.workbook.reader import UnreadableFile

# Excel keeps at most 65,530 hyperlinks per sheet; past that Loi still gives the row number.
MAX_LINKS = 65_530
GUEST_KEYS = [c.key for c in schema.GUEST_COLUMNS]


@dataclass
class MasterContent:
    """What the master holds now."""

    unit: str | None = None  # the master's own unit (title line of DanhSach)
    rows: list[MasterRow] = field(default_factory=list)
    issues: list[tuple[str | None, Issue]] = field(default_factory=list)  # (unit, issue)
    log: list[list[Any]] = field(default_factory=list)
    aliases: Aliases = field(default_factory=Aliases)
    alias_pairs: list[tuple[str, str]] = field(default_factory=list)
    settings: settings_mod.Settings = field(default_factory=settings_mod.Settings)
    has_settings: bool = False
    guests: list[dict[str, Any]] = field(default_factory=list)  # KhachMoi rows, filled by the clerk
    initial_guests: list[list[Any]] = field(default_factory=list)  # KhachMoi rows for a new master (demo)
    catalogue: Catalogue | None = None  # the DanhMuc sheet's catalogue (the defaults and what the sheet adds)
    registrations: list[MasterRow] = field(default_factory=list)  # DangKy rows


def _sheet_rows(book: pc.CalamineWorkbook, name: str) -> list[list[Any]] | None:
    if name not in book.sheet_names:
        return None
    return book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _find_header(rows: list[list[Any]], first: str) -> int | None:
    for i, row in enumerate(rows[:20]):
        if row and isinstance(row[0], str) and clean(row[0]) == first:
            return i
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _value(value: Any) -> Any:
    return None if value == "" else value


def read_master(path: Path, sheets: ListSheets = PROPOSALS) -> MasterContent:
    """Read the master's DanhSach (or DangKy: `sheets`), Loi, NhatKy and BiDanh (an empty content when it is new)."""
    if not path.exists():
        return MasterContent()
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise UnreadableFile(f"Không đọc được sổ tổng hợp \"{path.name}\" ({type(exc).__name__}).") from None
    try:
        return content_from_sheets(lambda name: _sheet_rows(book, name), sheets)
    finally:
        book.close()


def _moment(value: Any) -> Any:
    """A time read back from the sheet, made timezone-aware (a date alone: its midnight)."""
    if isinstance(value, datetime):
        return value.astimezone()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).astimezone()
    return value


def _read_list(listing: list[list[Any]] | None, headers: dict[str, str]) -> tuple[str | None, list[MasterRow]]:
    """The unit named in a list sheet's title block (DanhSach, DangKy), and its rows."""
    unit, rows = None, []
    if listing:
        h = _find_header(listing, headers["stt"])
        if h is not None:
            # the issuer block: its lowest line names the master's own unit
            issuer = [clean(str(r[0])) for r in listing[:2] if r and isinstance(r[0], str) and clean(r[0])]
            if issuer:
                unit = issuer[-1]
            header = [clean(str(v)) for v in listing[h]]
            position = {headers[k]: at for at, k in enumerate(LIST_KEYS)}
            columns = [(i, position[t]) for i, t in enumerate(header) if t in position]
            for raw in listing[h + 1:]:
                if not raw or not isinstance(raw[0], (int, float)) or isinstance(raw[0], bool):
                    continue  # every row of ours is numbered: the rest is the signature block
                row = MasterRow.blank()
                for i, at in columns:
                    if i < len(raw):
                        row[at] = _value(raw[i])
                row.nam_sinh, row.src_row = _as_int(row.nam_sinh), _as_int(row.src_row)
                if isinstance(row.ngay_sinh, datetime):
                    row.ngay_sinh = row.ngay_sinh.date()
                row.sent_at, row.merged_at = _moment(row.sent_at), _moment(row.merged_at)
                rows.append(row)
    return unit, rows


def content_from_sheets(sheet_rows: Callable[[str], list[list[Any]] | None],
                        sheets: ListSheets = PROPOSALS) -> MasterContent:
    """The master's content from its sheets' cell values (calamine's, or an open book's via xlwings).

    `sheet_rows(name)` gives a sheet's rows (empty cells as "") or None when there is no such sheet.
    `sheets` names the list read into rows, issues and log; `registrations` always holds DangKy.
    """
    content = MasterContent()
    content.unit, content.rows = _read_list(sheet_rows(sheets.rows), sheets.headers)
    if sheets.rows == REGISTRATIONS.rows:
        content.registrations = content.rows
    else:
        content.registrations = _read_list(sheet_rows(REGISTRATIONS.rows), REGISTRATIONS.headers)[1]
    issues = sheet_rows(sheets.issues)
    if issues:
        h = _find_header(issues, ISSUE_COLUMNS[0].header)
        if h is not None:
            for raw in issues[h + 1:]:
                raw = list(raw) + [""] * (len(ISSUE_COLUMNS) - len(raw))
                values = {key: _value(raw[i]) for i, (key, _, _) in enumerate(ISSUE_COLUMNS)}
                if not values["code"] or not values["message"]:
                    continue
                content.issues.append((values["unit"], Issue(
                    code=str(values["code"]),
                    severity=LABEL_SEVERITY.get(str(values["severity"]), Severity.WARNING),
                    file=str(values["file"] or ""),
                    sheet=None if values["sheet"] is None else str(values["sheet"]),
                    row=_as_int(values["row"]),
                    column=None if values["column"] is None else str(values["column"]),
                    value=None if values["value"] is None else str(values["value"]),
                    message=str(values["message"]),
                )))
    log = sheet_rows(sheets.log)
    if log:
        h = _find_header(log, LOG_COLUMNS[0].header)
        if h is not None:
            for raw in log[h + 1:]:
                if any(v not in ("", None) for v in raw):
                    raw = [_value(v) for v in raw] + [None] * (len(LOG_COLUMNS) - len(raw))
                    content.log.append(raw[: len(LOG_COLUMNS)])
    config = sheet_rows(schema.SETTINGS)
    if config:
        h = _find_header(config, schema.SETTINGS_COLUMNS[0].header)
        if h is not None:
            content.settings = settings_mod.parse(config[h + 1:])
            content.has_settings = True
    guests = sheet_rows(schema.GUESTS)
    if guests:
        h = _find_header(guests, schema.GUEST_COLUMNS[0].header)
        if h is not None:
            for raw in guests[h + 1:]:
                raw = [_value(v) for v in raw] + [None] * (len(GUEST_KEYS) - len(raw))
                if raw[1]:
                    content.guests.append({k: raw[i] for i, k in enumerate(GUEST_KEYS)})
    aliases = sheet_rows(schema.ALIASES)
    if aliases:
        h = _find_header(aliases, schema.ALIAS_COLUMNS[0].header)
        if h is not None:
            for raw in aliases[h + 1:]:
                if len(raw) >= 2 and isinstance(raw[0], str) and isinstance(raw[1], str) and raw[0].strip() and raw[1].strip():
                    content.alias_pairs.append((clean(raw[0]), clean(raw[1])))
            content.aliases = Aliases(content.alias_pairs)
    catalogue_rows = sheet_rows(schema.CATALOGUE)
    if catalogue_rows:
        content.catalogue = catalogue_mod.catalogue_from_sheet(catalogue_rows)
    return content


def state_of(content: MasterContent) -> dict[str, UnitVersion]:
    """Per submitting unit: the version the master holds (see addin.merge.state_of)."""
    return _state_of(content.log, content.rows, content.issues, content.aliases)


def _log_row(outcome: FileOutcome, at: datetime) -> list[Any]:
    return [at, outcome.path, outcome.unit, outcome.rows, ACTION_LABELS[outcome.action], outcome.reason,
            outcome.sha256, outcome.sent_at, outcome.sender]


def master_sheets(content: MasterContent, outcome: MergeOutcome, files: list[FileOutcome],
                  extra_issues: list[tuple[str | None, Issue]], merged_at: datetime, *,
                  unit: str | None, sheets: ListSheets = PROPOSALS) -> list[SheetData]:
    """The sheets a merge writes: DanhSach, Loi, NhatKy, and the clerk's sheets when missing.

    The CLI writes them into the file; an Excel button writes the same sheets into the open book.
    """
    rows = outcome.rows
    for i, row in enumerate(rows):
        row.stt = i + 1
    row_styles = {}
    for i, row in enumerate(rows):
        if row.status == STATUS_ERROR:
            row_styles[i] = "error"
        elif row.status == STATUS_WARNING:
            row_styles[i] = "warning"
    settings = content.settings
    if unit:
        settings.unit_name = unit
    elif not settings.unit_name and content.unit:
        settings.unit_name = content.unit
    years = sorted({str(r.nam_hoc) for r in rows if r.nam_hoc})
    headers = sheets.headers
    listing = SheetData(
        sheets.rows, [headers[k] for k in LIST_KEYS], rows, widths=schema.widths(LIST_COLUMNS),
        row_styles=row_styles, print_columns=LIST_PRINTED,
        layout=official_layout(settings, sheets.title, "Năm học " + ", ".join(years) if years else "(Tổng hợp từ hồ sơ các đơn vị)"),
    )
    issue_rows, links, styles = [], {}, {}
    all_issues = list(zip(outcome.issues, outcome.issue_rows, outcome.issue_units))
    all_issues += [(issue, None, issue_unit) for issue_unit, issue in extra_issues]
    for n, (issue, at_row, issue_unit) in enumerate(all_issues):
        master_row = None if at_row is None else at_row + LIST_HEADER_ROW + 1
        issue_rows.append([issue.code, SEVERITY_LABELS[issue.severity], issue_unit, issue.file, issue.sheet,
                           issue.row, issue.column, issue.value, issue.message, master_row])
        if master_row is not None and len(links) < MAX_LINKS:
            links[(n, len(ISSUE_COLUMNS) - 1)] = f"'{sheets.rows}'!A{master_row}"
        if issue.severity == Severity.ERROR:
            styles[n] = "error"
        elif issue.severity == Severity.WARNING:
            styles[n] = "warning"
    issue_headers = schema.headers(ISSUE_COLUMNS[:-1]) + [f"Dòng trong {sheets.rows}"]
    issues_sheet = SheetData(sheets.issues, issue_headers, issue_rows,
                             widths=schema.widths(ISSUE_COLUMNS), links=links, row_styles=styles)
    log = content.log + [_log_row(f, merged_at) for f in files]
    log_sheet = SheetData(sheets.log, schema.headers(LOG_COLUMNS), log, widths=schema.widths(LOG_COLUMNS))
    aliases = SheetData(schema.ALIASES, schema.headers(schema.ALIAS_COLUMNS), [], widths=schema.widths(schema.ALIAS_COLUMNS),
                        only_if_missing=True)
    return [listing, issues_sheet, log_sheet, aliases, *clerk_sheets(settings, content.initial_guests)]


def official_layout(settings: settings_mod.Settings, title: str, subtitle: str) -> OfficialLayout:
    """The title block and signatures of a printed sheet, from the master's settings."""
    return OfficialLayout(
        issuer=settings.issuer(),
        place_date=settings.place_date(),
        title=title,
        subtitle=subtitle,
        signatures=[("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", settings.preparer),
                    (settings.signer_title.upper(), "(Ký tên, đóng dấu)", settings.signer)],
    )


def clerk_sheets(settings: settings_mod.Settings, guests: list[list[Any]] | None = None) -> list[SheetData]:
    """The sheets the clerk fills in (settings, guests, award catalogue): created once, then only read."""
    return [
        SheetData(schema.SETTINGS, schema.headers(schema.SETTINGS_COLUMNS), settings_mod.rows(settings),
                  widths=schema.widths(schema.SETTINGS_COLUMNS),
                  only_if_missing=True, autofilter=False),
        SheetData(schema.GUESTS, schema.headers(schema.GUEST_COLUMNS), guests or [], widths=schema.widths(schema.GUEST_COLUMNS),
                  only_if_missing=True),
        SheetData(schema.CATALOGUE, [h for _, h, _ in catalogue_mod.SHEET_COLUMNS], catalogue_mod.default_sheet_rows(),
                  widths=[w for _, _, w in catalogue_mod.SHEET_COLUMNS], only_if_missing=True),
    ]


def check_sheet(report: Report, folder: str, *, at: datetime, register_rows: int = 0) -> SheetData:
    """KiemTra: every checked file and each of its problems, one row each (the check button, `validate --into`)."""
    labels = schema.FILE_STATUS_LABELS
    rows: list[list[Any]] = []
    for s in report.submissions:
        if not s.issues:
            rows.append([len(rows) + 1, s.path, s.unit, labels[s.status], None, None, None, None,
                         s.reason or f"{s.rows} dòng, không có lỗi."])
        for i in s.issues:
            rows.append([len(rows) + 1, s.path, s.unit, labels[s.status], SEVERITY_LABELS[i.severity], i.row,
                         i.column, i.value, i.message])
    counted = [s for s in report.submissions if s.status != "ignored"]
    bad = sum(1 for s in counted if s.status != "ok")
    title = [f"KẾT QUẢ KIỂM TRA HỒ SƠ TRONG THƯ MỤC {folder}",
             f"Kiểm tra lúc {at:%H:%M ngày %d/%m/%Y}: {len(counted)} tệp, {bad} tệp cần sửa"
             + (f"; đối chiếu sổ {schema.HISTORY} ({register_rows} dòng)." if register_rows else ".")]
    return SheetData(schema.CHECK, schema.headers(schema.CHECK_COLUMNS), rows, title=title,
                     widths=schema.widths(schema.CHECK_COLUMNS))


# ---------------------------------------------------------------------------
# Printed tables built from DanhSach



# TongHop's printed layout (A4 landscape at 100%, every word 12 pt): units go across while this
# many unit columns fit beside the category labels; past that, units go down and the award
# categories across, CATEGORIES_ACROSS to a page, individuals and collectives apart.
UNITS_ACROSS = 8
CATEGORIES_ACROSS = 7
FRAME_COLUMNS = 8  # the fewest printed columns (see the title block)
# The chart (a bar per unit) is drawn while its bars, labelled in 10 pt, fit one page.
CHART_MAX_PX = 640
CHART_BAR_PX = {False: 24, True: 34}  # per unit: one bar, or registered and proposed side by side


def _fill(fixed_px: int, n: int, most: float) -> float:
    """The width of n equal columns that fill the printed width left by columns of fixed_px."""
    free = (PRINT_WIDTH_PX - fixed_px) / max(n, 1) - 5
    return min(most, int(free / 7.5))


def tally_sheet(tally: Tally, settings: settings_mod.Settings, *, with_registrations: bool = False) -> SheetData:
    """The TongHop sheet: the counts by award category and unit, totals, a chart of awards by unit.

    Few units: categories down, units across (one column each, or two with registrations).
    More units than fit across: units down, categories across, in tables that each fit the page
    width: individuals, then collectives (each on new pages), then the totals by unit.
    """
    units = tally.units
    unit_totals = tally.unit_totals()
    registered = {u: sum((r.registered or {}).get(u, 0) for r in tally.rows) for u in units}
    per_unit = 2 if with_registrations else 1
    years = ", ".join(tally.years) if tally.years else "tất cả các năm học trong sổ"
    counted = "các dòng có tình trạng OK hoặc Cảnh báo" if not settings.tally_counts_errors else "mọi dòng"
    note = (f"Ghi chú: biểu đếm {counted} của trang DanhSach ({tally.counted_rows} dòng); "
            f"{tally.skipped_error_rows} dòng còn lỗi chưa được tính. Mỗi danh hiệu, hình thức trên một dòng được đếm một lần.")
    if with_registrations:
        note += " Cột \"đăng ký\" đếm trang DangKy theo cùng quy tắc."
    across = len(units) * per_unit <= UNITS_ACROSS
    tables: list[PagedTable] = []
    if across:
        headers = ["STT", "Danh hiệu, hình thức khen thưởng"]
        for unit in units:
            headers += [f"{unit} (đăng ký)", f"{unit} (đề nghị)"] if with_registrations else [unit]
        headers += ["Tổng đăng ký", "Tổng đề nghị"] if with_registrations else ["Tổng cộng"]
        rows = []
        for i, row in enumerate(tally.rows, start=1):
            values: list[Any] = [i, row.label]
            for unit in units:
                if with_registrations:
                    values.append((row.registered or {}).get(unit, 0))
                values.append(row.by_unit.get(unit, 0))
            if with_registrations:
                values.append(sum((row.registered or {}).values()))
            values.append(row.total)
            rows.append(values)
        totals: list[Any] = ["", "Tổng cộng"]
        for unit in units:
            if with_registrations:
                totals.append(registered[unit])
            totals.append(unit_totals[unit])
        if with_registrations:
            totals.append(sum(registered.values()))
        totals.append(tally.grand_total)
        fixed = [6, 36] + [10] * per_unit
        unit_width = _fill(sum(column_px(w) for w in fixed), len(units) * per_unit, 24)
        widths = fixed[:2] + [unit_width] * (len(units) * per_unit) + fixed[2:]
        tables.append(PagedTable(None, headers, rows, [totals]))
    else:
        step = max(1, CATEGORIES_ACROSS // per_unit)
        categories = [11] * (step * per_unit)
        name_width = _fill(column_px(6) + sum(column_px(w) for w in categories), 1, 60)
        widths = [6, name_width] + categories
        groups = [(target, [r for r in tally.rows if r.target == target]) for target in (Target.CA_NHAN, Target.TAP_THE)]
        groups = [(target, rows) for target, rows in groups if rows]
        for number, (target, group) in enumerate(groups, start=1):
            chunks = [group[i:i + step] for i in range(0, len(group), step)]
            for part, chunk in enumerate(chunks, start=1):
                title = f"{_ROMAN[number]}. KHEN THƯỞNG {TARGET_LABELS[target].upper()}"
                if len(chunks) > 1:
                    title += f" (phần {part}/{len(chunks)})"
                headers = ["STT", "Đơn vị"]
                for r in chunk:
                    name = _without_target(r)
                    headers += [f"{name} (đăng ký)", f"{name} (đề nghị)"] if with_registrations else [name]
                rows = []
                for i, unit in enumerate(units, start=1):
                    values = [i, unit]
                    for r in chunk:
                        if with_registrations:
                            values.append((r.registered or {}).get(unit, 0))
                        values.append(r.by_unit.get(unit, 0))
                    rows.append(values)
                totals = ["", "Tổng cộng"]
                for r in chunk:
                    if with_registrations:
                        totals.append(sum((r.registered or {}).values()))
                    totals.append(r.total)
                tables.append(PagedTable(title, headers, rows, [totals]))
        by_target = {t: {u: sum(r.by_unit.get(u, 0) for r in tally.rows if r.target == t) for u in units}
                     for t in (Target.CA_NHAN, Target.TAP_THE)}
        tables.append(PagedTable(
            f"{_ROMAN[len(groups) + 1]}. TỔNG HỢP THEO ĐƠN VỊ",
            ["STT", "Đơn vị", "Cá nhân", "Tập thể", "Tổng cộng"],
            [[i, u, by_target[Target.CA_NHAN][u], by_target[Target.TAP_THE][u], unit_totals[u]]
             for i, u in enumerate(units, start=1)],
            [["", "Tổng cộng", sum(by_target[Target.CA_NHAN].values()), sum(by_target[Target.TAP_THE].values()),
              tally.grand_total]]))
    if with_registrations:
        tables.append(PagedTable("ĐĂNG KÝ VÀ ĐỀ NGHỊ THEO ĐƠN VỊ", ["STT", "Đơn vị", "Đăng ký", "Đề nghị"], [
            [i, unit, registered[unit], unit_totals[unit]] for i, unit in enumerate(units, start=1)], new_page=False))
    # The title block and signatures span the printed columns, split by their number: a narrow
    # table (few units or categories) gets empty columns to the page's width, so the national
    # motto and the issuer always have their room.
    width = max(len(t.headers) for t in tables)
    widths = widths[:width]
    if width < FRAME_COLUMNS:
        room = _fill(sum(column_px(w) for w in widths), FRAME_COLUMNS - width, 40)
        widths += [max(room, 4)] * (FRAME_COLUMNS - width)
        width = FRAME_COLUMNS
    per_bar = CHART_BAR_PX[with_registrations]
    charted = bool(tally.rows) and 0 < len(units) * per_bar + 120 <= CHART_MAX_PX
    if units and tally.rows and not charted:
        note += (f" Biểu đồ chỉ vẽ khi có đến {(CHART_MAX_PX - 120) // per_bar} đơn vị "
                 f"(một trang giấy); biểu này có {len(units)} đơn vị.")

    def chart(book: Any, ws: Any, header_row: int, last: int) -> None:
        # Awards by unit: a bar per unit, labelled with its number, readable on a black-and-white
        # printer (registered: white bars, proposed: dark grey). Its data sits right of the printed columns.
        if not charted:
            return
        top = last + 10  # under the signatures (rows last+2 .. last+7), on a page of its own
        data_col = width + 1
        for i, unit in enumerate(units):
            ws.write_string(top + i, data_col, unit)
            ws.write_number(top + i, data_col + 1, registered[unit])
            ws.write_number(top + i, data_col + 2, unit_totals[unit])
        end = top + len(units) - 1
        kind = book.add_chart({"type": "bar"})
        series = [("Đăng ký", data_col + 1, "#FFFFFF")] if with_registrations else []
        series.append(("Đề nghị" if with_registrations else "Số danh hiệu, hình thức", data_col + 2, "#404040"))
        for name, col, colour in series:
            kind.add_series({"name": name, "categories": [schema.TALLY, top, data_col, end, data_col],
                             "values": [schema.TALLY, top, col, end, col],
                             "fill": {"color": colour}, "border": {"color": "#000000"}, "gap": 40,
                             "data_labels": {"value": True, "font": {"name": "Times New Roman", "size": 10}}})
        title = ("Số đăng ký và số đề nghị theo đơn vị" if with_registrations
                 else "Số danh hiệu, hình thức đề nghị theo đơn vị")
        kind.set_title({"name": title, "name_font": {"name": "Times New Roman", "size": 13}})
        # a bar chart's y axis is its category axis: reversed, the first unit is on top
        kind.set_y_axis({"reverse": True, "num_font": {"name": "Times New Roman", "size": 10}})
        kind.set_x_axis({"num_font": {"name": "Times New Roman", "size": 10}, "major_gridlines": {"visible": False}})
        if with_registrations:
            kind.set_legend({"position": "bottom", "font": {"name": "Times New Roman", "size": 10}})
        else:
            kind.set_legend({"none": True})
        height = len(units) * per_bar + 120
        kind.set_size({"width": min(960, column_px(sum(widths[:width])) - 20), "height": height})
        ws.set_h_pagebreaks([*ws.hbreaks, last + 9])  # the chart prints on a page of its own
        ws.insert_chart(top, 0, kind, {"x_offset": 10})
        ws.print_area(0, 0, top + height // 20 + 2, width - 1)

    return SheetData(
        schema.TALLY, [], [], widths=widths, notes=[note], autofilter=False, wrap=True, decorate=chart,
        layout=official_layout(settings, schema.TITLE_TALLY, f"({years})"), pages=tables, print_columns=width,
        decree_page_numbers=True,
    )


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _without_target(row: Any) -> str:
    """A category's label without "cá nhân"/"tập thể" (the table's title says which)."""
    target = TARGET_LABELS[row.target]
    return row.label.replace(f" ({target})", "").replace(f"({target}, ", "(")


def delegates_sheet(result: DelegateResult, settings: settings_mod.Settings, catalogue: Catalogue) -> SheetData:
    """The DaiBieu sheet: the delegates by unit, then guests; the composition; the shortfalls."""

    flag_labels = {slug: label for slug, label in FLAGS.values()}
    headers = ["STT", "Họ và tên", "Đơn vị", "Danh hiệu, hình thức khen thưởng", "Thành phần", "Ưu tiên",
               "Dòng trong DanhSach"]
    rows = []
    for i, d in enumerate(result.delegates, start=1):
        award = catalogue[d.award].name if d.award and d.award in catalogue else (d.award or "")
        role = "Đại biểu điển hình" if d.role == "dai_bieu" else "Khách mời"
        rows.append([i, d.name, d.unit, award, role, ", ".join(flag_labels.get(f, f) for f in d.flags),
                     d.candidate.source_row if d.role == "dai_bieu" else None])

    def group_row(name: str, g: dict[str, Any]) -> list[Any]:
        return [name, g["delegates"], g["guests"], g["total"],
                f"{g['female']} ({_pct_text(g['female_pct'])})",
                f"{g['ethnic_minority']} ({_pct_text(g['ethnic_minority_pct'])})"]

    composition = [[i, *group_row(unit, g)] for i, (unit, g) in enumerate(result.composition["units"].items(), start=1)]
    overall = ["", *group_row("Toàn hội nghị", result.composition["overall"])]
    notes = [f"Tổng số {result.seats} đại biểu: {result.exemplary} đại biểu điển hình tiên tiến, "
             f"{result.guests} khách mời."]
    # Every column prints: the composition table needs all seven (the last one: ethnic minorities).
    # Laid out page by page: the header is printed over rows only, never alone over the signatures.
    # The shortfalls are the clerk's business, not the list's: they go to delegate_notes_sheet.
    tables = [
        PagedTable(None, headers, rows),
        PagedTable("CƠ CẤU ĐẠI BIỂU", ["STT", "Đơn vị", "Đại biểu điển hình", "Khách mời", "Tổng số", "Nữ (tỷ lệ)",
                                      "Dân tộc thiểu số (tỷ lệ)"], composition, [overall], new_page=False),
    ]
    return SheetData(
        schema.DELEGATES, [], [], widths=[5, 24, 27, 28, 12, 20, 13], autofilter=False, wrap=True,
        notes=notes, pages=tables,
        layout=official_layout(settings, schema.TITLE_DELEGATES, "(Kèm theo Kế hoạch tổ chức hội nghị)"),
        print_columns=len(headers), decree_page_numbers=True,
    )


def delegate_notes_sheet(result: DelegateResult, *, at: datetime) -> SheetData:
    """DaiBieuGhiChu: the shortfalls of the delegate list, on a page of their own for the clerk."""
    rows = [[i, text] for i, text in enumerate(result.shortfalls, start=1)]
    summary = (f"Lập lúc {at:%H:%M ngày %d/%m/%Y}: {len(rows)} điều cần xem lại trước khi trình ký danh sách "
               f"ở trang {schema.DELEGATES}." if rows else
               f"Lập lúc {at:%H:%M ngày %d/%m/%Y}: không có điều gì cần lưu ý, danh sách đủ chỉ tiêu.")
    return SheetData(schema.DELEGATES_NOTES, ["STT", "Nội dung cần lưu ý"], rows,
                     title=[schema.TITLE_DELEGATES_NOTES, summary], widths=[6, 130], wrap=True, autofilter=False)


def _pct_text(value: float) -> str:
    return f"{value:.1f}%".replace(".", ",")


# ---------------------------------------------------------------------------
# The history register (LichSu) and the rule parameters (QuyDinh)


@dataclass
class HistoryBook:
    """What the master holds for eligibility checks: the register, the rule table, the clerk's extra columns."""

    records: list[YearRecord] = field(default_factory=list)  # in sheet order
    extra_headers: list[str] = field(default_factory=list)  # LichSu columns the clerk added: kept
    rules: RuleTable = field(default_factory=default_table)  # the defaults when QuyDinh is missing
    has_register: bool = False
    has_rules: bool = False


def read_history(path: Path, catalogue: Catalogue) -> HistoryBook:
    """Read LichSu and QuyDinh (empty register and default rules when the master or the sheets are missing)."""

    if not path.exists():
        return HistoryBook(rules=rules.default_table())
    try:
        book = pc.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise UnreadableFile(f"Không đọc được sổ tổng hợp \"{path.name}\" ({type(exc).__name__}).") from None
    try:
        return history_from_sheets(lambda name: _sheet_rows(book, name), catalogue, file=str(path))
    finally:
        book.close()


def history_from_sheets(sheet_rows: Callable[[str], list[list[Any]] | None], catalogue: Catalogue, *,
                        file: str) -> HistoryBook:
    """LichSu and QuyDinh from their cell values (calamine's, or an open book's via xlwings), as content_from_sheets."""

    out = HistoryBook(rules=rules.default_table())
    register = sheet_rows(schema.HISTORY)
    h = _find_header(register, history.HEADERS["stt"]) if register else None
    if register and h is not None:
        out.has_register = True
        header = list(register[h])
        keys = history.column_keys(header)
        extra_at = [i for i, k in enumerate(keys) if k is None and clean(str(header[i] or ""))]
        out.extra_headers = [clean(str(header[i])) for i in extra_at]
        for offset, raw in enumerate(register[h + 1:], start=h + 2):
            values = {k: _value(raw[i]) for i, k in enumerate(keys) if k and i < len(raw)}
            extra = [_value(raw[i]) if i < len(raw) else None for i in extra_at]
            record = history.record_from_row(values, catalogue, row=offset, extra=extra)
            if record is not None:
                out.records.append(record)
    table = sheet_rows(schema.RULES)
    h = _find_header(table, schema.RULE_COLUMNS[0].header) if table else None
    if table and h is not None:
        out.has_rules = True
        out.rules = rules.parse_sheet(table[h + 1:], file=file, first_row=h + 2)
    return out


def history_sheets(records: list[YearRecord], extra_headers: list[str], catalogue: Catalogue) -> list[SheetData]:
    """LichSu with every record (the clerk's own columns kept after ours) and QuyDinh when missing."""

    rows = []
    for i, record in enumerate(records, start=1):
        row = history.record_to_row(record, catalogue)
        row[0] = i
        width = len(schema.HISTORY_COLUMNS) + len(extra_headers)
        rows.append((row + [None] * width)[:width])
    register = SheetData(schema.HISTORY, schema.headers(schema.HISTORY_COLUMNS) + extra_headers, rows,
                         widths=schema.widths(schema.HISTORY_COLUMNS) + [16] * len(extra_headers))
    table = SheetData(schema.RULES, schema.headers(schema.RULE_COLUMNS), rules.sheet_rows(),
                      widths=schema.widths(schema.RULE_COLUMNS), only_if_missing=True, wrap=True)
    return [register, table]
