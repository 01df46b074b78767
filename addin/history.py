"""The award history register (sheet LichSu): one row per person or collective per school year.

Pure logic over plain data: register rows <-> YearRecord, records from a finished round
(DanhSach rows) or from past years' result lists (Submissions), appending without duplicates,
and finding a person in the register. Identity is the normalised name plus the date of birth
(or the year when only the year is known); the unit only breaks ties, and a tie it cannot break
is reported, never guessed. Reading and writing the sheet lives in addin.workbook.masterbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Iterable

from addin.catalogue import KIND_LABELS, Catalogue
from addin.ingest import parse_rating
from addin.models import AwardKind, Issue, Nominee, Rating, Severity, Submission, Target
from addin.schema import HISTORY, HISTORY_COLUMNS, MasterRow, status_counts
from addin.text import clean, find_school_year, fold, is_yes, name_key, parse_date, strip_accents
from addin.units import unit_key

COLUMNS = HISTORY_COLUMNS  # LichSu, read back by header text
KEYS = [k for k, _, _ in COLUMNS]
HEADERS = {k: h for k, h, _ in COLUMNS}
_BY_HEADER = {fold(h): k for k, h, _ in COLUMNS}

# Initiative levels: a higher level also satisfies a lower requirement.
LEVEL_NAMES = {1: "cơ sở", 2: "tỉnh", 3: "toàn quốc"}
_LEVELS = [
    (re.compile(r"toàn quốc|quốc gia|trung ương|toàn ngành"), 3),
    (re.compile(r"tỉnh|thành phố|\bbộ\b|cấp ngành|ngành"), 2),
    (re.compile(r"cơ sở|trường|huyện|quận|xã|phường|đơn vị|phòng"), 1),
]
# Discipline forms, mildest first (Luật Cán bộ, công chức; Luật Viên chức).
DISCIPLINE_LEVELS = {1: "khiển trách", 2: "cảnh cáo", 3: "hạ bậc lương", 4: "giáng chức", 5: "cách chức",
                     6: "buộc thôi việc"}
_DISCIPLINE = [(re.compile(re.escape(name)), level) for level, name in DISCIPLINE_LEVELS.items()]


def initiative_level(text: Any) -> int | None:
    """1 (cơ sở), 2 (tỉnh, bộ) or 3 (toàn quốc) from how a clerk writes the level, else None."""
    key = fold(str(text or ""))
    if not key:
        return None
    for pattern, level in _LEVELS:
        if pattern.search(key):
            return level
    return None


def discipline_level(text: Any) -> int | None:
    """1 (khiển trách) .. 6 (buộc thôi việc) for a discipline form; 1 for an unnamed one."""
    key = fold(str(text or ""))
    if not key or key in ("không", "0", "-"):
        return None
    for pattern, level in sorted(_DISCIPLINE, key=lambda p: -p[1]):
        if pattern.search(key):
            return level
    return 1  # a penalty we cannot name still counts as one: never read as "no discipline"


# ---------------------------------------------------------------------------
# School years


def year_start(text: Any) -> int | None:
    """2023 for "2023-2024" (also "2023 - 2024", "2023/2024"), else None."""
    found = find_school_year(str(text or ""))
    return int(found[:4]) if found else None


def year_label(start: int) -> str:
    return f"{start}-{start + 1}"


def school_year_of(day: date) -> int:
    """The school year a date falls in: a school year runs from September to August."""
    return day.year if day.month >= 9 else day.year - 1


def year_begins(start: int) -> date:
    return date(start, 9, 1)


# ---------------------------------------------------------------------------
# Records


@dataclass
class YearRecord:
    """One LichSu row: what one person or collective achieved in one school year."""

    ho_ten: str
    target: Target = Target.CA_NHAN
    ngay_sinh: date | None = None
    nam_sinh: int | None = None
    chuc_vu: str | None = None
    don_vi: str | None = None
    nam_hoc: str | None = None
    xep_loai: Rating | None = None
    danh_hieu: str | None = None  # the names as written
    awards: list[tuple[str, AwardKind]] = field(default_factory=list)  # (catalogue code, kind)
    so_qd: str | None = None
    ngay_qd: date | None = None
    cap_qd: str | None = None
    ten_sang_kien: str | None = None
    cap_sang_kien: str | None = None
    so_qd_sang_kien: str | None = None
    ky_luat: str | None = None
    ky_luat_tu: date | None = None
    ky_luat_den: date | None = None
    thai_san: bool = False
    dang_xem_xet: bool = False
    nam_vao_nganh: int | None = None
    so_nam_giang_day: int | None = None
    so_nam_dbkk: int | None = None
    ghi_chu: str | None = None
    nguon: str | None = None
    ghi_luc: datetime | None = None
    row: int | None = None  # Excel row in LichSu, when read back
    extra: list[Any] = field(default_factory=list)  # the clerk's own columns, kept as they are

    @property
    def year(self) -> int | None:
        return year_start(self.nam_hoc)

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self.awards}

    def key(self) -> tuple:
        """Same person or collective as written, same year: one row in the register."""

        birth = self.ngay_sinh or self.nam_sinh
        return (self.target, name_key(self.ho_ten), birth, unit_key(self.don_vi or ""), self.year)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return clean(str(value)) or None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value in (None, ""):
        return None
    parsed = parse_date(value)
    return parsed.day if not parsed.error else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    m = re.search(r"\d+", str(value or ""))
    return int(m.group()) if m else None


def _rating(value: Any) -> Rating | None:

    text = _text(value)
    return parse_rating(text) if text else None


_CODE_TOKEN = re.compile(r"^([A-Z0-9_]+)(?:\s*\((.+)\))?$")
_KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}


def parse_codes(text: Any, catalogue: Catalogue) -> list[tuple[str, AwardKind]]:
    """"LDTT; BK_TINH (đột xuất)" -> [(LDTT, regular), (BK_TINH, one-off)]; names are matched too."""
    out: list[tuple[str, AwardKind]] = []
    for token in re.split(r"\s*;\s*", _text(text) or ""):
        if not token:
            continue
        m = _CODE_TOKEN.match(token)
        if m and m.group(1) in catalogue:
            out.append((m.group(1), _KIND_BY_LABEL.get(fold(m.group(2) or ""), AwardKind.THUONG_XUYEN)))
        else:
            out += [(a.code, a.kind) for a in catalogue.match(token) if a.code]
    return out


def codes_text(awards: Iterable[tuple[str, AwardKind]]) -> str | None:
    parts = [code if kind == AwardKind.THUONG_XUYEN else f"{code} ({KIND_LABELS[kind]})" for code, kind in awards]
    return "; ".join(dict.fromkeys(parts)) or None


def record_from_row(values: dict[str, Any], catalogue: Catalogue, *, row: int | None = None,
                    extra: list[Any] | None = None) -> YearRecord | None:
    """A register row (values by column key) as a YearRecord; None for a row without a name."""
    name = _text(values.get("ho_ten"))
    if not name:
        return None
    target = Target.TAP_THE if "tập thể" in fold(str(values.get("target") or "")) else Target.CA_NHAN
    ngay_sinh = _date(values.get("ngay_sinh"))
    nam_sinh = _int(values.get("nam_sinh")) or (ngay_sinh.year if ngay_sinh else None)
    if ngay_sinh is None and isinstance(values.get("ngay_sinh"), (int, float, str)):
        nam_sinh = nam_sinh or _int(values.get("ngay_sinh"))  # a year typed in the date column
    awards = parse_codes(values.get("ma"), catalogue) or parse_codes(values.get("danh_hieu"), catalogue)
    moment = values.get("ghi_luc")
    return YearRecord(
        ho_ten=name, target=target, ngay_sinh=ngay_sinh, nam_sinh=nam_sinh,
        chuc_vu=_text(values.get("chuc_vu")), don_vi=_text(values.get("don_vi")),
        nam_hoc=find_school_year(_text(values.get("nam_hoc")) or "") or _text(values.get("nam_hoc")),
        xep_loai=_rating(values.get("xep_loai")), danh_hieu=_text(values.get("danh_hieu")), awards=awards,
        so_qd=_text(values.get("so_qd")), ngay_qd=_date(values.get("ngay_qd")), cap_qd=_text(values.get("cap_qd")),
        ten_sang_kien=_text(values.get("ten_sang_kien")), cap_sang_kien=_text(values.get("cap_sang_kien")),
        so_qd_sang_kien=_text(values.get("so_qd_sang_kien")),
        ky_luat=_text(values.get("ky_luat")), ky_luat_tu=_date(values.get("ky_luat_tu")),
        ky_luat_den=_date(values.get("ky_luat_den")),
        thai_san=is_yes(values.get("thai_san")), dang_xem_xet=is_yes(values.get("dang_xem_xet")),
        nam_vao_nganh=_int(values.get("nam_vao_nganh")), so_nam_giang_day=_int(values.get("so_nam_giang_day")),
        so_nam_dbkk=_int(values.get("so_nam_dbkk")),
        ghi_chu=_text(values.get("ghi_chu")), nguon=_text(values.get("nguon")),
        ghi_luc=moment if isinstance(moment, datetime) else None, row=row, extra=list(extra or []),
    )


def record_to_row(r: YearRecord, catalogue: Catalogue) -> list[Any]:
    """The LichSu row for a record, in COLUMNS order (then the clerk's own columns)."""
    names = r.danh_hieu or "; ".join(
        catalogue[code].name + ("" if kind == AwardKind.THUONG_XUYEN else f" ({KIND_LABELS[kind]})")
        for code, kind in r.awards if code in catalogue) or None
    values = {
        "stt": None, "ho_ten": r.ho_ten, "target": "Tập thể" if r.target == Target.TAP_THE else "Cá nhân",
        "ngay_sinh": r.ngay_sinh, "nam_sinh": r.nam_sinh, "chuc_vu": r.chuc_vu, "don_vi": r.don_vi,
        "nam_hoc": r.nam_hoc, "xep_loai": r.xep_loai.value if r.xep_loai else None, "danh_hieu": names,
        "ma": codes_text(r.awards), "so_qd": r.so_qd, "ngay_qd": r.ngay_qd, "cap_qd": r.cap_qd,
        "ten_sang_kien": r.ten_sang_kien, "cap_sang_kien": r.cap_sang_kien, "so_qd_sang_kien": r.so_qd_sang_kien,
        "ky_luat": r.ky_luat, "ky_luat_tu": r.ky_luat_tu, "ky_luat_den": r.ky_luat_den,
        "thai_san": "Có" if r.thai_san else None, "dang_xem_xet": "Có" if r.dang_xem_xet else None,
        "nam_vao_nganh": r.nam_vao_nganh, "so_nam_giang_day": r.so_nam_giang_day, "so_nam_dbkk": r.so_nam_dbkk,
        "ghi_chu": r.ghi_chu, "nguon": r.nguon, "ghi_luc": r.ghi_luc,
    }
    return [values[k] for k in KEYS] + list(r.extra)


def column_keys(header: list[Any]) -> list[str | None]:
    """For each header cell of a LichSu sheet, our column key (None for the clerk's own columns)."""
    return [_BY_HEADER.get(fold(str(h))) if h not in (None, "") else None for h in header]


# ---------------------------------------------------------------------------
# Where records come from


# Extra columns that result lists carry under many names (folded header -> our key).
_EXTRA_FIELDS = [
    (re.compile(r"^(số )?(quyết định|qđ)( khen thưởng| công nhận)?$|^số qđ"), "so_qd"),
    (re.compile(r"^ngày (quyết định|qđ|ký)"), "ngay_qd"),
    (re.compile(r"^(cấp|cơ quan) (quyết định|ban hành|khen|khen thưởng)"), "cap_qd"),
    (re.compile(r"cấp.*sáng kiến|sáng kiến.*cấp|phạm vi ảnh hưởng"), "cap_sang_kien"),
    (re.compile(r"^(hình thức )?kỷ luật$|^hình thức kỷ luật"), "ky_luat"),
    (re.compile(r"^kỷ luật từ|^ngày (bị )?kỷ luật|^thời hạn kỷ luật từ"), "ky_luat_tu"),
    (re.compile(r"^kỷ luật đến|^hết (thời hạn )?kỷ luật"), "ky_luat_den"),
    (re.compile(r"thai sản"), "thai_san"),
    (re.compile(r"xem xét kỷ luật|điều tra|khiếu nại"), "dang_xem_xet"),
    (re.compile(r"^năm (vào ngành|bắt đầu công tác|công tác trong ngành từ)|^vào ngành"), "nam_vao_nganh"),
    (re.compile(r"trực tiếp giảng dạy|^số năm giảng dạy"), "so_nam_giang_day"),
    (re.compile(r"đặc biệt khó khăn|đbkk"), "so_nam_dbkk"),
]


def extra_fields(extra: dict[str, Any]) -> dict[str, Any]:
    """Our register fields found among a row's unmapped columns (by header text)."""
    out: dict[str, Any] = {}
    for header, value in extra.items():
        key = fold(header)
        for pattern, name in _EXTRA_FIELDS:
            if pattern.search(key) and name not in out:
                out[name] = value
                break
    return out


def record_from_nominee(n: Nominee, *, nam_hoc: str | None, source: str, at: datetime,
                        decision_header: bool = False) -> YearRecord:
    """A register record for one row of a result list (or of a finished round)."""
    found = extra_fields(n.extra)
    so_qd = found.get("so_qd")
    so_qd_sang_kien = n.so_qd_sang_kien
    if decision_header and not n.ten_sang_kien and so_qd_sang_kien and not so_qd:
        # In a result list a "Số QĐ" column is the award's decision, not an initiative's.
        so_qd, so_qd_sang_kien = so_qd_sang_kien, None
    values = {**found, "so_qd": so_qd}
    return YearRecord(
        ho_ten=n.ho_ten or "", target=n.target, ngay_sinh=n.ngay_sinh, nam_sinh=n.nam_sinh, chuc_vu=n.chuc_vu,
        don_vi=n.don_vi or n.unit, nam_hoc=nam_hoc, xep_loai=n.xep_loai,
        danh_hieu="; ".join(dict.fromkeys(a.raw for a in n.awards)) or None,
        awards=[(a.code, a.kind) for a in n.awards if a.code],
        so_qd=_text(values.get("so_qd")), ngay_qd=_date(values.get("ngay_qd")), cap_qd=_text(values.get("cap_qd")),
        ten_sang_kien=n.ten_sang_kien, cap_sang_kien=_text(n.cap_sang_kien or values.get("cap_sang_kien")),
        so_qd_sang_kien=so_qd_sang_kien,
        ky_luat=_text(values.get("ky_luat")), ky_luat_tu=_date(values.get("ky_luat_tu")),
        ky_luat_den=_date(values.get("ky_luat_den")),
        thai_san=is_yes(values.get("thai_san")), dang_xem_xet=is_yes(values.get("dang_xem_xet")),
        nam_vao_nganh=_int(values.get("nam_vao_nganh")), so_nam_giang_day=_int(values.get("so_nam_giang_day")),
        so_nam_dbkk=_int(values.get("so_nam_dbkk")),
        ghi_chu=n.ghi_chu, nguon=source, ghi_luc=at,
    )


def records_from_submission(sub: Submission, *, year: str | None, at: datetime) -> tuple[list[YearRecord], list[Issue]]:
    """Register records for a past year's result list; rows without a school year are reported."""
    records: list[YearRecord] = []
    issues: list[Issue] = []
    for n in sub.nominees:
        if n.duplicate_of is not None or not n.ho_ten:
            continue
        nam_hoc = find_school_year(n.nam_hoc or "") or find_school_year(year or "") or sub.nam_hoc
        if not nam_hoc:
            issues.append(Issue(code="missing-value", severity=Severity.ERROR, file=n.file, sheet=n.sheet, row=n.row,
                                column=sub.columns.get(n.sheet, {}).get("nam_hoc"), value=n.ho_ten,
                                message=f"Không biết năm học của dòng \"{n.ho_ten}\": tiêu đề tệp và dòng này đều "
                                        "không ghi năm học. Ghi cột Năm học, hoặc chạy lại với --year 2022-2023."))
            continue
        header = fold(sub.columns.get(n.sheet, {}).get("so_qd_sang_kien", ""))
        records.append(record_from_nominee(n, nam_hoc=nam_hoc, source=f"{sub.path} » {n.sheet}, dòng {n.row}", at=at,
                                           decision_header=bool(header) and "sáng kiến" not in header))
    return records, issues


def records_from_master_rows(rows: list[MasterRow], catalogue: Catalogue, *, year: str | None, decision: str | None,
                             decision_date: date | None, issuer: str | None, at: datetime,
                             master_name: str) -> tuple[list[YearRecord], int, int]:
    """Register records for a finished round: the DanhSach rows that are approved.

    Approved means the row's "Tình trạng" is OK or Cảnh báo: rows still marked Lỗi were not
    fixed and are not recorded (the same rows the tally leaves out). Returns (records, rows
    skipped as Lỗi, rows skipped for another school year).
    """

    records: list[YearRecord] = []
    errors = other_year = 0
    wanted = find_school_year(year or "") if year else None
    for excel_row, row in enumerate(rows, start=1):
        if not status_counts(row.status):
            errors += 1
            continue
        nam_hoc = find_school_year(str(row.nam_hoc or "")) or wanted
        if wanted and nam_hoc != wanted:
            other_year += 1
            continue
        name = _text(row.ho_ten)
        if not name or not nam_hoc:
            errors += 1
            continue
        ngay_sinh = _date(row.ngay_sinh)
        records.append(YearRecord(
            ho_ten=name,
            target=Target.TAP_THE if fold(str(row.target or "")) == "tập thể" else Target.CA_NHAN,
            ngay_sinh=ngay_sinh, nam_sinh=_int(row.nam_sinh) or (ngay_sinh.year if ngay_sinh else None),
            chuc_vu=_text(row.chuc_vu), don_vi=_text(row.don_vi) or _text(row.unit),
            nam_hoc=nam_hoc, xep_loai=_rating(row.xep_loai), danh_hieu=_text(row.de_nghi),
            awards=parse_codes(row.ma, catalogue), so_qd=decision, ngay_qd=decision_date, cap_qd=issuer,
            ten_sang_kien=_text(row.ten_sang_kien), so_qd_sang_kien=_text(row.so_qd_sang_kien),
            cap_sang_kien=_text(row.cap_sang_kien),
            ghi_chu=_text(row.ghi_chu), nguon=f"{master_name} » DanhSach ({_text(row.unit) or ''})",
            ghi_luc=at,
        ))
    return records, errors, other_year


# ---------------------------------------------------------------------------
# Identity


@dataclass
class Match:
    """Who in the register a row is: the records of one person, or the candidates when ambiguous."""

    records: list[YearRecord] = field(default_factory=list)
    candidates: list[list[YearRecord]] = field(default_factory=list)  # one list per possible person
    year_only: bool = False  # the candidates are known by their birth year only, at other units

    @property
    def ambiguous(self) -> bool:
        """Who it is cannot be told: several people match, or a row without birth matches a namesake."""
        return bool(self.candidates)


def _units(records: Iterable[YearRecord]) -> set[str]:

    return {unit_key(r.don_vi) for r in records if r.don_vi}


def identify(register: list[YearRecord], *, name: str, target: Target, ngay_sinh: date | None,
             nam_sinh: int | None, units: Iterable[str | None] = ()) -> Match:
    """The register records of one person (name + date of birth; unit breaks ties), or the candidates."""

    key = name_key(name)
    unit_keys = {unit_key(u) for u in units if u}
    same = [r for r in register if r.target == target and name_key(r.ho_ten) == key]
    if not same and ngay_sinh is not None and target != Target.TAP_THE:
        # The name typed without diacritics in one of the two ("Le Van Duc" / "Lê Văn Đức"): the same
        # person only with the same full date of birth (fresh-eyes testing found one not matched).
        plain = strip_accents(key)
        same = [r for r in register if r.target == target and r.ngay_sinh == ngay_sinh
                and strip_accents(name_key(r.ho_ten)) == plain]
    if target == Target.TAP_THE:
        compatible = same
    elif ngay_sinh is not None:
        compatible = [r for r in same if r.ngay_sinh == ngay_sinh or (r.ngay_sinh is None and r.nam_sinh == ngay_sinh.year)]
    elif nam_sinh is not None:
        compatible = [r for r in same if r.nam_sinh == nam_sinh]
    else:
        # No birth on the row: only the unit can say who it is; when it cannot, the namesakes
        # are reported rather than taken for strangers with no history.
        compatible = [r for r in same if _units([r]) & unit_keys]
        if not compatible and same:
            namesakes: dict[Any, list[YearRecord]] = {}
            for r in same:
                namesakes.setdefault(r.ngay_sinh or r.nam_sinh, []).append(r)
            return Match(candidates=list(namesakes.values()))
    full = {r.ngay_sinh for r in compatible if r.ngay_sinh}
    units_of = {d: _units([r for r in compatible if r.ngay_sinh == d]) for d in full}

    def person(r: YearRecord) -> Any:
        if target == Target.TAP_THE:
            return unit_key(r.don_vi or "")
        if r.ngay_sinh:
            return r.ngay_sinh
        same_year = [d for d in full if d.year == r.nam_sinh]
        # a year-only row of the one person born that year, unless it is another unit's (a namesake
        # there, written with the year only, is not this person: fresh-eyes testing found one borrowed)
        if len(same_year) == 1 and (not r.don_vi or not units_of[same_year[0]]
                                    or unit_key(r.don_vi) in units_of[same_year[0]]):
            return same_year[0]
        return ("năm", r.nam_sinh, unit_key(r.don_vi or ""))

    people: dict[Any, list[YearRecord]] = {}
    for r in compatible:
        people.setdefault(person(r), []).append(r)
    if ngay_sinh is not None and target != Target.TAP_THE and people and not full:
        # Only rows with the birth year, none with this full date: the same person when one of them
        # is at this person's unit; rows of other units only are a namesake's as likely as this person's.
        mine = [recs for recs in people.values() if _units(recs) & unit_keys or not _units(recs)]
        if len(mine) == 1:
            return Match(records=mine[0])
        return Match(candidates=list(people.values()), year_only=True)
    if len(people) <= 1:
        return Match(records=next(iter(people.values()), []))
    by_unit = [recs for recs in people.values() if _units(recs) & unit_keys]
    if len(by_unit) == 1:
        return Match(records=by_unit[0])
    return Match(candidates=list(people.values()))


def describe(records: list[YearRecord]) -> str:
    """"sinh 12/03/1980, Trường THCS Lê Lợi (LichSu dòng 5, 6)": how a candidate reads in a message."""
    first = records[0]
    birth = first.ngay_sinh.strftime("%d/%m/%Y") if first.ngay_sinh else (str(first.nam_sinh) if first.nam_sinh else "")
    units = ", ".join(dict.fromkeys(r.don_vi for r in records if r.don_vi))
    rows = ", ".join(str(r.row) for r in records if r.row)
    parts = [p for p in (f"sinh {birth}" if birth else "", units) if p]
    text = ", ".join(parts) or first.ho_ten
    return f"{text} (LichSu dòng {rows})" if rows else text


# ---------------------------------------------------------------------------
# Appending


@dataclass
class AppendOutcome:
    records: list[YearRecord]  # the register after appending, in order
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    issues: list[Issue] = field(default_factory=list)


_MERGE_FIELDS = ("ngay_sinh", "nam_sinh", "chuc_vu", "xep_loai", "danh_hieu", "so_qd", "ngay_qd", "cap_qd",
                 "ten_sang_kien", "cap_sang_kien", "so_qd_sang_kien", "ky_luat", "ky_luat_tu", "ky_luat_den",
                 "nam_vao_nganh", "so_nam_giang_day", "so_nam_dbkk", "ghi_chu")


def append_records(register: list[YearRecord], new: list[YearRecord], *, file: str) -> AppendOutcome:
    """Add records to the register: the same person in the same year is one row (filled, never overwritten).

    What the register already holds wins over what comes in (the clerk may have corrected it);
    awards are joined. A new person whose name and birth match several people in the register
    is added as written and reported, so the clerk can complete the date of birth.
    """
    out = AppendOutcome(records=list(register))
    index = {r.key(): i for i, r in enumerate(out.records)}
    for rec in new:
        at = index.get(rec.key())
        if at is None:
            match = identify(register, name=rec.ho_ten, target=rec.target, ngay_sinh=rec.ngay_sinh,
                             nam_sinh=rec.nam_sinh, units=[rec.don_vi])
            if match.ambiguous:
                who = "; ".join(describe(c) for c in match.candidates)
                out.issues.append(Issue(
                    code="ambiguous-identity", severity=Severity.WARNING, file=file, sheet=HISTORY, value=rec.ho_ten,
                    message=f"\"{rec.ho_ten}\" ({rec.nam_hoc}) có thể là một trong nhiều người trong sổ LichSu: {who}. "
                            "Đã ghi thành dòng riêng, không tự gộp; hãy ghi đủ ngày sinh để phân biệt."))
            index[rec.key()] = len(out.records)
            out.records.append(rec)
            out.added += 1
            continue
        old = out.records[at]
        merged = replace(old)
        for name in _MERGE_FIELDS:
            if getattr(merged, name) in (None, "") and getattr(rec, name) not in (None, ""):
                setattr(merged, name, getattr(rec, name))
        merged.awards = list(dict.fromkeys(old.awards + rec.awards))
        merged.thai_san = old.thai_san or rec.thai_san
        merged.dang_xem_xet = old.dang_xem_xet or rec.dang_xem_xet
        if merged != old:
            merged.danh_hieu = old.danh_hieu if set(rec.awards) <= set(old.awards) else None  # names follow codes
            out.records[at] = merged
            out.updated += 1
        else:
            out.unchanged += 1
    return out


# ---------------------------------------------------------------------------
# One person's history, year by year


@dataclass
class Discipline:
    form: str
    level: int
    start: date | None
    end: date  # the day the penalty's term ends
    end_assumed: bool = False  # the register had no end date: the term was assumed


@dataclass
class Year:
    """What the register (and the row being checked) says about one school year."""

    start: int
    rating: Rating | None = None
    awards: set[tuple[str, AwardKind]] = field(default_factory=set)
    initiatives: list[int] = field(default_factory=list)  # levels (1 when the level is not written)
    maternity: bool = False
    under_review: bool = False

    def has(self, codes: Iterable[str], *, regular_only: bool = True) -> bool:
        wanted = set(codes)
        return any(code in wanted and (kind == AwardKind.THUONG_XUYEN or not regular_only) for code, kind in self.awards)


@dataclass
class History:
    """One person's (or collective's) register rows folded into years, penalties and a profile."""

    years: dict[int, Year] = field(default_factory=dict)
    disciplines: list[Discipline] = field(default_factory=list)
    nam_vao_nganh: int | None = None
    so_nam_giang_day: int | None = None
    so_nam_dbkk: int | None = None
    chuc_vu: str | None = None

    def year(self, start: int) -> Year:
        return self.years.setdefault(start, Year(start))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)


def build_history(records: list[YearRecord], *, term_months: int = 12) -> History:
    """Fold one person's register rows into a History (the latest row gives the profile)."""
    h = History()
    for r in sorted(records, key=lambda r: (r.year or 0, r.row or 0)):
        start = r.year
        if start is not None:
            y = h.year(start)
            y.rating = r.xep_loai or y.rating
            y.awards |= set(r.awards)
            if r.ten_sang_kien or r.so_qd_sang_kien:
                y.initiatives.append(initiative_level(r.cap_sang_kien) or 1)
            y.maternity = y.maternity or r.thai_san
            y.under_review = y.under_review or r.dang_xem_xet
        level = discipline_level(r.ky_luat)
        if level is not None or r.ky_luat_tu or r.ky_luat_den:
            begin = r.ky_luat_tu or (year_begins(start) if start is not None else None)
            end, assumed = r.ky_luat_den, False
            if end is None and begin is not None:
                end, assumed = add_months(begin, term_months), True
            if end is not None:
                h.disciplines.append(Discipline(r.ky_luat or "kỷ luật", level or 1, begin, end, assumed))
        h.nam_vao_nganh = r.nam_vao_nganh or h.nam_vao_nganh
        h.so_nam_giang_day = r.so_nam_giang_day or h.so_nam_giang_day
        h.so_nam_dbkk = r.so_nam_dbkk or h.so_nam_dbkk
        h.chuc_vu = r.chuc_vu or h.chuc_vu
    return h
