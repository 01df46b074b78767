"""The fresh merge's fast paths write what the plain code wrote, byte for byte (issue 14).

The plain versions of the functions made fast are kept here. A master is merged from a generated
set of unit workbooks (tests/variants.py, plus a list of hostile cells) once as the product does it
and once with the plain versions patched in: every part of the two files must decompress to the
same bytes (but docProps/custom.xml, which holds each file's own random id).
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

import pytest

import variants as V
from addin import ingest, merge, schema
from addin.catalogue import KIND_LABELS
from addin.ingest import _SUB_UNIT, _clue_key, unit_display, unit_from_label
from addin.jobs import merge as jobs_merge
from addin.jobs import merge_job
from addin.merge import RECOMPUTED, MergeOutcome, RowsCheck, UnitVersion, _birth_text
from addin.models import AwardKind, Issue, Nominee, Severity, Submission, Target
from addin.schema import (LIST_HEADER_ROW, LIST_HEADERS, SEVERITY_LABELS, STATUS_ERROR, STATUS_OK, STATUS_WARNING,
                          TARGET_COLLECTIVE, TARGET_PERSON, MasterRow)
from addin.text import fold, name_key
from addin.workbook import master
from addin.workbook.master import _EPOCH, LINE_PT, SheetData, _RawRows, _xml_text, row_height
from conftest import Sheet, write_workbook

NOW = datetime(2026, 12, 7, 10, 30, tzinfo=timezone(timedelta(hours=7)))
OWN_ID = "docProps/custom.xml"


# ---------------------------------------------------------------------------
# The plain versions (as they were before issue 14's fresh-merge work)


def plain_write(self: _RawRows, rows: Iterable[list[Any]]) -> int:
    sheet, xf = self.sheet, self.xf
    def out(text: str) -> None:  # the rows' file is binary (see _RawRows.__init__)
        self._put(text.encode("utf-8"))
    links = sheet.links
    link_xf = xf["link"]
    datetime_xf = xf["datetime"]
    shapes: dict[str | None, tuple[str, str, str, str]] = {}
    for kind in (None, *set(sheet.row_styles.values())):
        plain = xf[kind] if kind else xf["cell_wrap" if sheet.wrap else "cell"]
        dated = xf[f"{kind}_date"] if kind else xf["date"]
        shapes[kind] = (f'<c s="{plain}"/>', f'<c s="{plain}" t="inlineStr"><is><t>',
                        f'<c s="{plain}"><v>', f'<c s="{dated}"><v>')
    epoch = _EPOCH.date()
    r = self.first_row - 1
    for i, values in enumerate(rows):
        r = self.first_row + i
        n = r + 1
        blank, text_open, number_open, date_open = shapes[sheet.row_styles.get(i)]
        cells: list[str] = []
        add = cells.append
        for c, value in enumerate(values):
            if value is None or value == "":
                add(blank)
            elif type(value) is str:
                if links and (i, c) in links:
                    self._link(add, links[(i, c)], value, c, n, link_xf)
                    continue
                text = _xml_text(value)
                if text[:1].isspace() or text[-1:].isspace():
                    add(f'{text_open[:-3]}<t xml:space="preserve">{text}</t></is></c>')
                else:
                    add(f"{text_open}{text}</t></is></c>")
            elif links and (i, c) in links:
                self._link(add, links[(i, c)], str(value), c, n, link_xf)
            elif isinstance(value, bool):
                add(f'{text_open}{"Có" if value else "Không"}</t></is></c>')
            elif isinstance(value, (int, float)):
                add(f"{number_open}{value!r}</v></c>")
            elif isinstance(value, datetime):
                local = (value.astimezone() if value.tzinfo else value).replace(tzinfo=None)
                add(f'<c s="{datetime_xf}"><v>{(local - _EPOCH).total_seconds() / 86400!r}</v></c>')
            elif isinstance(value, date):
                add(f"{date_open}{(value - epoch).days}</v></c>")
            else:
                add(f"{text_open}{_xml_text(str(value))}</t></is></c>")
        if len(values) - 1 > self.max_col:
            self.max_col = len(values) - 1
        if sheet.wrap:
            height = row_height(values, sheet.widths)
            if height > LINE_PT + 4:
                out(f'<row r="{n}" ht="{height:g}" customHeight="1">{"".join(cells)}</row>\n')
                self.count += 1
                continue
        out(f'<row r="{n}">{"".join(cells)}</row>\n')
        self.count += 1
    self.last_row = max(self.last_row, r + 1)  # what pieces() reads since the paged sheets' rows
    return r


def plain_row_clues(submission: Submission) -> list[tuple[str, str]]:
    clues: list[tuple[str, str]] = []
    by_source: dict[str, list[Nominee]] = {}
    for n in submission.nominees:
        if n.duplicate_of is not None:
            continue
        columns = submission.columns.get(n.sheet, {})
        source = "don_vi" if "don_vi" in columns else "chuc_vu_don_vi" if "chuc_vu_don_vi" in columns else None
        if source is None or (n.don_vi is None and n.target == Target.TAP_THE):
            continue
        by_source.setdefault(source, []).append(n)
    for source, rows in by_source.items():
        spellings: dict[str, list[str]] = {}
        for n in rows:
            if n.don_vi and not _SUB_UNIT.match(fold(n.don_vi)) and unit_from_label(n.don_vi):
                spellings.setdefault(_clue_key(n.don_vi), []).append(n.don_vi)
        if not spellings:
            continue
        written = max(spellings.values(), key=len)
        if len(written) * 5 >= len(rows) * 3:
            name = max(set(written), key=written.count)
            clues.append((source, unit_display(name)))
    selves: dict[str, str] = {}
    for n in submission.nominees:
        if n.target == Target.TAP_THE and n.ho_ten and (m := ingest._SELF_UNIT.match(fold(n.ho_ten))):
            name = unit_display(n.ho_ten[len(n.ho_ten) - len(m.group(2)):])
            if len(name.split()) >= 3 and unit_from_label(name):
                selves.setdefault(_clue_key(name), name)
    if len(selves) == 1:
        clues.append(("collective", next(iter(selves.values()))))
    return clues


def plain_nominee_row(n: Nominee, *, src_unit: str, src_file: str, sha256: str, sent_at: datetime | None,
                merged_at: datetime) -> MasterRow:
    codes = []
    for a in n.awards:
        code = a.code or "?"
        codes.append(code if a.kind == AwardKind.THUONG_XUYEN else f"{code} ({KIND_LABELS[a.kind]})")
    row = MasterRow.blank()  # stt is numbered when written
    row.unit = n.unit
    row.ho_ten = n.ho_ten
    row.target = TARGET_COLLECTIVE if n.target == Target.TAP_THE else TARGET_PERSON
    row.ngay_sinh = n.ngay_sinh
    row.nam_sinh = n.nam_sinh
    row.gioi_tinh = {"nam": "Nam", "nu": "Nữ"}.get(n.gioi_tinh or "")
    row.dan_toc = n.dan_toc
    row.chuc_vu = n.chuc_vu
    row.don_vi = n.don_vi
    row.de_nghi = "; ".join(dict.fromkeys(a.raw for a in n.awards)) or None
    row.ma = "; ".join(codes) or None
    row.loai = "; ".join(KIND_LABELS[a.kind] for a in n.awards) or None
    row.chuyen_de = "; ".join(dict.fromkeys(a.theme for a in n.awards if a.theme)) or None
    row.xep_loai = n.xep_loai.value if n.xep_loai else n.xep_loai_raw
    row.ten_sang_kien = n.ten_sang_kien
    row.so_qd_sang_kien = n.so_qd_sang_kien
    row.cap_sang_kien = n.cap_sang_kien
    row.tom_tat = n.tom_tat
    row.nam_hoc = n.nam_hoc
    row.ghi_chu = n.ghi_chu
    row.src_unit = src_unit
    row.src_file = src_file
    row.src_sheet = n.sheet
    row.src_row = n.row
    row.sha256 = sha256
    row.sent_at = sent_at
    row.merged_at = merged_at
    return row


def plain_assemble(state: dict[str, UnitVersion], checks: Iterable[RowsCheck] = ()) -> MergeOutcome:
    rows: list[MasterRow] = []
    issues: list[Issue] = []
    issue_rows: list[int | None] = []
    issue_units: list[str | None] = []
    by_unit: dict[str, int] = {}
    for version in state.values():
        where: dict[tuple[str | None, int | None], int] = {}
        for row in version.rows:
            rows.append(row)
            where[(row.src_sheet, row.src_row)] = len(rows) - 1
            unit = row.unit or version.name
            by_unit[unit] = by_unit.get(unit, 0) + 1
        for issue in version.issues:
            if issue.code in RECOMPUTED:
                continue  # recomputed below over the whole master
            issues.append(issue)
            issue_rows.append(where.get((issue.sheet, issue.row)))
            issue_units.append(version.name)
    dup_issues, dup_rows = plain_cross_unit_duplicates(rows)
    issues += dup_issues
    issue_rows += dup_rows
    issue_units += [rows[i].src_unit for i in dup_rows]
    for check in checks:
        found, at = check(rows)
        issues += found
        issue_rows += at
        issue_units += [rows[i].src_unit for i in at]
    plain_set_status(rows, issues, issue_rows)
    return MergeOutcome(rows, issues, issue_rows, issue_units, [], by_unit)


def plain_cross_unit_duplicates(rows: list[MasterRow]) -> tuple[list[Issue], list[int]]:
    seen: dict[tuple[str, Any], list[int]] = {}
    for i, row in enumerate(rows):
        name, birth = row.ho_ten, row.birth
        if not name or birth is None or row.is_collective:
            continue
        seen.setdefault((name_key(name), birth), []).append(i)
    issues, where = [], []
    for group in seen.values():
        units = {rows[i].unit for i in group}
        if len(units) < 2:
            continue
        for i in group:
            row = rows[i]
            others = [j for j in group if rows[j].unit != row.unit]
            text = "; ".join(
                f"{rows[j].unit} (dòng {rows[j].src_row} tệp {rows[j].src_file}, "
                f"dòng {j + 1 + LIST_HEADER_ROW} trong DanhSach)"
                for j in others[:5]  # a bounded message: a common name can recur in many units
            )
            if len(others) > 5:
                text += f" và {len(others) - 5} nơi khác"
            issues.append(Issue(
                code="duplicate-across-units", severity=Severity.WARNING, file=row.src_file or "",
                sheet=row.src_sheet, row=row.src_row, column=LIST_HEADERS["ho_ten"],
                value=row.ho_ten,
                message=f"\"{row.ho_ten}\" (sinh {_birth_text(row.birth)}) cũng được đề nghị ở: {text}. "
                        "Kiểm tra xem có phải cùng một người (chuyển công tác) không.",
            ))
            where.append(i)
    return issues, where


def plain_set_status(rows: list[MasterRow], issues: list[Issue], issue_rows: list[int | None]) -> None:
    per_row: dict[int, list[Issue]] = {}
    for issue, i in zip(issues, issue_rows):
        if i is not None and issue.severity != Severity.INFO:
            per_row.setdefault(i, []).append(issue)
    for i, row in enumerate(rows):
        found = per_row.get(i, [])
        if any(x.severity == Severity.ERROR for x in found):
            row.status = STATUS_ERROR
        elif found:
            row.status = STATUS_WARNING
        else:
            row.status = STATUS_OK
        row.status_text = " | ".join(
            f"{SEVERITY_LABELS[x.severity]}: {x.message}" for x in found
        ) or None


PLAIN = [(master._RawRows, "write", plain_write), (ingest, "_row_clues", plain_row_clues),
         (merge, "nominee_row", plain_nominee_row), (jobs_merge, "assemble", plain_assemble)]


# ---------------------------------------------------------------------------
# The generated set


HOSTILE = ["  Tổ Toán  ", "Tổ Văn & Sử", "a < b > c", "\tTab đầu", "cuối\n", "dấu \"nháy\" đôi",
           "Giáo viên", "Giáo viên", "Trường TH Thực Hành Sư Phạm"]


def hostile_list(folder: Path) -> Path:
    """A unit list whose cells need every kind of escaping, repeated texts among them."""
    header = [["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Đơn vị", "Danh hiệu đề nghị"]]
    rows = []
    for i in range(60):
        workplace = HOSTILE[(i * 3) % len(HOSTILE)] if i % 4 else "Trường TH Thực Hành Sư Phạm"
        rows.append([i + 1, f"Nguyễn Văn {chr(65 + i % 26)}{i}", f"0{1 + i % 9}/05/198{i % 10}",
                     HOSTILE[i % len(HOSTILE)], workplace,
                     "Danh hiệu không có" if i % 7 == 0 else "Lao động tiên tiến" if i % 3 else "Chiến sĩ thi đua cơ sở"])
    title = [["PHÒNG GD&ĐT HÒN ĐẤT"], ["TRƯỜNG TH THỰC HÀNH SƯ PHẠM"], ["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"]]
    return write_workbook(folder / "TH Thuc Hanh Su Pham.xlsx", [Sheet(title=title, header=header, rows=rows)])


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("fresh-path")
    paths = V.write_corpus(V.corpus(24, 7), folder / "hop-thu")
    return [str(p) for p in [*paths, hostile_list(folder)]]


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != OWN_ID}


@pytest.mark.parametrize("memo", [3, master._MEMO_CELLS])  # the memo is cleared when full: 3 does on every sheet
def test_fresh_master_is_byte_identical_to_the_plain_code(sources: list[str], tmp_path: Path, memo: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(master, "_MEMO_CELLS", memo)
    fast = tmp_path / "nhanh.xlsx"
    assert merge_job(fast, sources, now=NOW).error is None
    with monkeypatch.context() as m:
        for owner, name, plain in PLAIN:
            m.setattr(owner, name, plain)
        slow = tmp_path / "cham.xlsx"
        assert merge_job(slow, sources, now=NOW).error is None
    got, want = parts(fast), parts(slow)
    assert sorted(got) == sorted(want)
    assert len([n for n in got if n.startswith("xl/worksheets/")]) >= 5
    for name in want:
        assert got[name] == want[name], name
    # the set is not trivial: it has the escaped texts and hundreds of rows
    danhsach = got["xl/worksheets/sheet1.xml"].decode("utf-8")
    assert danhsach.count("<row ") > 300
    assert "Tổ Văn &amp; Sử" in danhsach and "a &lt; b &gt; c" in danhsach


def test_the_memoised_rows_are_the_plain_rows_for_every_kind_of_value(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    zone = timezone(timedelta(hours=7))
    values: list[Any] = [None, "", "Lao động tiên tiến", " lề ", "A & B", "\x02", True, False, 3, 2.5, float("nan"),
                         datetime(2026, 12, 7, 9, 15, tzinfo=zone), datetime(2026, 12, 7, 2, 15, tzinfo=timezone.utc),
                         datetime(2026, 12, 7, 9, 15), date(1985, 5, 1), Path("x<y"), 1, 1.0]
    rows = [[values[(i + c) % len(values)] for c in range(7)] for i in range(len(values) * 3)]
    rows.append(["Một dòng rất dài " * 12, "ngắn"])
    links = {(1, 2): f"{schema.ISSUES}!A5", (4, 0): f"{schema.LIST}!B7", (5, 6): f"{schema.LIST}!C9"}
    styles = {2: "error", 3: "warning", 8: "error", 40: "warning"}
    xf = {"cell": 1, "cell_wrap": 2, "date": 3, "datetime": 4, "link": 5, "error": 6, "error_date": 7,
          "warning": 8, "warning_date": 9}

    def written(write: Any, wrap: bool) -> tuple[str, list[str], int, int]:
        sheet = SheetData(schema.LIST, [f"c{c}" for c in range(5)], rows, widths=[10, 20, 8, 30, 12, 9, 9],
                          links=links, row_styles=styles, wrap=wrap)
        raw = _RawRows(4, sheet, xf)
        last = write(raw, rows)
        text = raw.rows_xml().decode("utf-8")
        raw.discard()
        return text, raw.links, raw.count, last + raw.max_col * 1000

    monkeypatch.setattr(master, "_MEMO_CELLS", 4)
    for wrap in (False, True):
        got, want = written(_RawRows.write, wrap), written(plain_write, wrap)
        assert got == want
        assert got[0].count("<row ") == len(rows)
        assert ('customHeight="1"' in got[0]) is wrap


def test_cross_unit_duplicates_of_large_groups_are_the_plain_ones() -> None:
    """A common name recurring in many units (a national list): the same issues, in the same order."""
    import random

    pick = random.Random(14)
    names = ["Nguyễn Văn An", "Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Thị Hồng", "Phạm Văn Cường"]
    rows = []
    for i in range(4000):
        unit = f"Trường TH Số {pick.randint(1, 120) if i % 7 else 3}"
        row = schema.MasterRow.of(ho_ten=pick.choice(names), nam_sinh=pick.choice([1980, 1981]), unit=unit,
                                  src_unit=unit, src_row=i + 2, src_file=f"{unit}.xlsx",
                                  target=pick.choice([schema.TARGET_PERSON] * 9 + [schema.TARGET_COLLECTIVE]))
        rows.append(row)
    got, want = merge._cross_unit_duplicates(rows), plain_cross_unit_duplicates(rows)
    assert got[1] == want[1] and [i.model_dump() for i in got[0]] == [i.model_dump() for i in want[0]]
    assert len(got[0]) > 3000 and any("nơi khác" in i.message for i in got[0])
