"""Eligibility checks that need the award history, under the legal basis in force on the dossier's date.

Each check reads its parameters from the RuleTable (sheet QuyDinh) for the dossier date and
returns a Verdict: passed or not, what is missing in the clerk's words, and the parameter rows
it used (their article is cited in the message; a failure is an error only when every source it
rests on is verified [V], a warning when one is reported [R] or common practice [K]).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable, Iterable

from addin.catalogue import Catalogue, default_catalogue
from addin.delegates import role_of
from addin.text import is_yes
from addin.units import unit_key
from addin.history import (
    DISCIPLINE_LEVELS,
    LEVEL_NAMES,
    History,
    Year,
    YearRecord,
    build_history,
    describe,
    discipline_level,
    extra_fields,
    identify,
    initiative_level,
    school_year_of,
    year_label,
    year_start,
)
from addin.models import AwardKind, Issue, Nominee, Rating, Severity, Submission, Target
from addin.rules.params import Param, RuleTable

GOOD = (Rating.HTXSNV, Rating.HTTNV)  # "Hoàn thành tốt nhiệm vụ trở lên"
DONE = (Rating.HTXSNV, Rating.HTTNV, Rating.HTNV)  # "hoàn thành nhiệm vụ"
# Titles that include Lao động tiên tiến (a member with one of them counts as LĐTT).
LDTT_OR_ABOVE = {"LDTT", "CSTDCS", "CSTD_TINH", "CSTD_BO", "CSTD_TQ"}
HISTORY_RULES = ("CSTDCS", "CSTD_TINH", "CSTD_BO", "CSTD_TQ", "BK_TINH", "BK_BO", "BK_TTG", "HCLD3", "NGUT", "NGND",
                 "KNC_GD")


@dataclass
class Verdict:
    """The outcome of one rule for one row."""

    rule: str  # award code, or CHUNG for the rules every proposal must meet
    ok: bool
    missing: list[str] = field(default_factory=list)  # what is missing, in Vietnamese
    params: list[Param] = field(default_factory=list)  # the rows the rule rests on

    @property
    def severity(self) -> Severity:
        return Severity.ERROR if all(p.status == "V" for p in self.params) else Severity.WARNING

    @property
    def citation(self) -> str:
        return "; ".join(dict.fromkeys(p.citation for p in self.params))


@dataclass
class Context:
    """The rule set in force for one dossier: the table resolved on a date (and for a unit)."""

    table: RuleTable
    on: date
    unit: str | None = None
    catalogue: Catalogue = field(default_factory=default_catalogue)

    def p(self, rule: str, name: str) -> Param:
        found = self.table.resolve(rule, name, self.on, self.unit)
        if found is None:  # only when the clerk's table and the defaults both lack it: a bug
            raise KeyError(f"{rule}.{name}")
        return found

    def v(self, rule: str, name: str):
        return self.p(rule, name).value

    def name(self, code: str) -> str:
        return self.catalogue[code].name if code in self.catalogue else code


def _names(ctx: Context, codes: Iterable[str]) -> str:
    return " hoặc ".join(ctx.name(c) for c in codes)


# ---------------------------------------------------------------------------
# Discipline: achievements count only from the end of a penalty


def _counted_from(h: History, ctx: Context) -> tuple[int, str | None]:
    """The first school year that counts after the latest penalty, and why earlier ones do not."""
    if not ctx.v("CHUNG", "tinh_tu_khi_het_ky_luat"):
        return -10_000, None
    ended = [d for d in h.disciplines if d.start is None or d.start <= ctx.on]
    if not ended:
        return -10_000, None
    last = max(ended, key=lambda d: d.end)
    # The year the penalty ends in was partly served under it: counting starts the year after.
    first = school_year_of(last.end) + 1
    assumed = f", tính {ctx.v('CHUNG', 'thoi_han_ky_luat_thang')} tháng vì sổ không ghi ngày kết thúc" if last.end_assumed else ""
    form = re.sub(r"^(hình thức )?kỷ luật\s*:?\s*", "", str(last.form or "").strip(), flags=re.IGNORECASE)
    return first, f"kỷ luật {form + ' ' if form else ''}đến ngày {last.end:%d/%m/%Y}{assumed}"


def _missing_year(y: int, label: str, first: int, why: str | None) -> str:
    if y < first and why:
        return f"năm học {year_label(y)} chưa được tính ({why})"
    return f"thiếu {label} năm học {year_label(y)}"


def _chain(ok_year: Callable[[int], bool], n: int, Y: int, back: int, first: int) -> tuple[bool, list[int], list[int]]:
    """The n consecutive school years ending at Y (or up to `back` years earlier) that all pass.

    Returns (found, window, years missing in the best window: fewest missing, the earlier on a
    tie, since a gap in years already past tells the clerk more than "not yet this year").
    """
    best: tuple[list[int], list[int]] | None = None
    for end in range(Y - back, Y + 1):
        window = list(range(end - n + 1, end + 1))
        missing = [y for y in window if y < first or not ok_year(y)]
        if not missing:
            return True, window, []
        if best is None or len(missing) < len(best[1]):
            best = (window, missing)
    assert best is not None
    return False, best[0], best[1]


def _title_year(h: History, codes: set[str], ctx: Context) -> Callable[[int], bool]:
    regular_only = bool(ctx.v("CHUNG", "dot_xuat_khong_lam_can_cu"))
    return lambda y: y in h.years and h.years[y].has(codes, regular_only=regular_only)


def _good_year(h: History, ctx: Context) -> Callable[[int], bool]:
    maternity = bool(ctx.v("CHUNG", "thai_san_tinh_thoi_gian_cong_tac"))

    def ok(y: int) -> bool:
        yr = h.years.get(y)
        if yr is None:
            return False
        if yr.rating is None and yr.maternity and maternity:
            return True  # maternity leave counts as working time: the year does not break the chain
        return yr.rating in GOOD

    return ok


def _rating_text(h: History, y: int) -> str:
    yr = h.years.get(y)
    if yr is None or yr.rating is None:
        return f"chưa có xếp loại năm học {year_label(y)}"
    return f"năm học {year_label(y)} xếp loại {yr.rating.value}"


# ---------------------------------------------------------------------------
# The rules


def check_general(h: History, Y: int, ctx: Context, *, under_review: bool = False) -> Verdict:
    """Rules for every proposal: not under review; no penalty in force in the dossier's year."""
    review = ctx.p("CHUNG", "chan_khi_dang_xem_xet")
    counted = ctx.p("CHUNG", "tinh_tu_khi_het_ky_luat")
    missing: list[str] = []
    used: list[Param] = []
    latest = max((y for y in h.years if y <= Y), default=None)
    if review.value and (under_review or (latest is not None and h.years[latest].under_review)):
        missing.append("đang bị xem xét kỷ luật, điều tra hoặc có khiếu nại chưa giải quyết")
        used.append(review)
    first, why = _counted_from(h, ctx)
    if counted.value and why and Y < first:
        missing.append(f"thành tích năm học {year_label(Y)} chưa được tính ({why})")
        used.append(counted)
    return Verdict("CHUNG", not missing, missing, used or [review, counted])


def check_cstdcs(h: History, Y: int, ctx: Context) -> Verdict | None:
    """Chiến sĩ thi đua cơ sở when the rule set asks for both HTXSNV and an initiative."""
    both = ctx.p("CSTDCS", "can_ca_hai")
    if not both.value:
        return None  # the "either" form is a row-local check (addin.validate)
    yr = h.years.get(Y, Year(Y))
    missing = []
    if yr.rating != Rating.HTXSNV:
        missing.append(f"cần xếp loại Hoàn thành xuất sắc nhiệm vụ năm học {year_label(Y)} "
                       f"({'chưa có xếp loại' if yr.rating is None else 'đang là ' + yr.rating.value})")
    if not yr.initiatives:
        missing.append(f"cần thêm sáng kiến được công nhận năm học {year_label(Y)}")
    return Verdict("CSTDCS", not missing, missing, [both])


def check_cstd_province(code: str, h: History, Y: int, ctx: Context) -> Verdict:
    """Chiến sĩ thi đua cấp tỉnh / cấp bộ: n consecutive CSTĐCS and an initiative at that level."""
    years_p, level_p = ctx.p(code, "so_nam_cstdcs"), ctx.p(code, "cap_sang_kien")
    back = ctx.v("CHUNG", "so_nam_lui_toi_da") or 0
    first, why = _counted_from(h, ctx)
    found, window, missing_years = _chain(_title_year(h, {"CSTDCS"}, ctx), years_p.value, Y, back, first)
    missing = [_missing_year(y, ctx.name("CSTDCS"), first, why) for y in missing_years]
    level = level_p.value
    # The dossier's own year counts for the initiative even when the chain ends the year before:
    # the initiative a row names (with its level) is the one it is proposed on.
    span = range(window[0], max(window[-1], Y) + 1)
    if not any(lv >= level for y in span if y >= first and y in h.years for lv in h.years[y].initiatives):
        missing.append(f"thiếu sáng kiến được công nhận từ cấp {LEVEL_NAMES[level]} trong các năm học "
                       f"{year_label(span[0])} đến {year_label(span[-1])}")
    return Verdict(code, not missing, missing, [years_p, level_p])


def check_cstd_national(h: History, Y: int, ctx: Context) -> Verdict:
    """Chiến sĩ thi đua toàn quốc: two consecutive CSTĐ cấp tỉnh/bộ and a nationally influential initiative."""
    times_p, gap_p, level_p = ctx.p("CSTD_TQ", "so_lan_cstd_tinh"), ctx.p("CSTD_TQ", "khoang_cach_nam_toi_da"), \
        ctx.p("CSTD_TQ", "cap_sang_kien")
    first, why = _counted_from(h, ctx)
    has = _title_year(h, {"CSTD_TINH", "CSTD_BO"}, ctx)
    awarded = sorted((y for y in h.years if y <= Y and y >= first and has(y)), reverse=True)
    chain: list[int] = []
    for y in awarded:
        if (chain and chain[-1] - y <= gap_p.value) or (not chain and Y - y <= gap_p.value):
            chain.append(y)
        else:
            break
    missing = []
    if len(chain) < times_p.value:
        got = ", ".join(year_label(y) for y in sorted(chain)) or "chưa có lần nào gần đây"
        missing.append(f"cần {times_p.value} lần liên tục Chiến sĩ thi đua cấp tỉnh hoặc cấp bộ, mới có {len(chain)} "
                       f"({got})")
    since = min(chain) if chain else Y
    if not any(lv >= level_p.value for y, yr in h.years.items() if since <= y <= Y for lv in yr.initiatives):
        missing.append(f"thiếu sáng kiến có phạm vi ảnh hưởng {LEVEL_NAMES[level_p.value]}")
    return Verdict("CSTD_TQ", not missing, missing, [times_p, level_p] + ([gap_p] if missing else []))


def check_bk_merit(code: str, h: History, Y: int, ctx: Context) -> Verdict:
    """Bằng khen cấp tỉnh / cấp bộ theo công trạng: 2 consecutive CSTĐCS, or 2 years HTXSNV with 2 initiatives."""
    n_p, x_p, s_p = ctx.p(code, "so_nam_cstdcs"), ctx.p(code, "so_nam_htxsnv"), ctx.p(code, "so_sang_kien")
    back = ctx.v("CHUNG", "so_nam_lui_toi_da") or 0
    first, why = _counted_from(h, ctx)
    found, _, missing_years = _chain(_title_year(h, {"CSTDCS"}, ctx), n_p.value, Y, back, first)
    if found:
        return Verdict(code, True, [], [n_p])
    excellent = lambda y: y in h.years and h.years[y].rating == Rating.HTXSNV  # noqa: E731
    alt_found, alt_window, alt_missing = _chain(excellent, x_p.value, Y, back, first)
    initiatives = sum(len(h.years[y].initiatives) for y in alt_window if y in h.years and y >= first)
    if alt_found and initiatives >= s_p.value:
        return Verdict(code, True, [], [x_p, s_p])
    missing = [_missing_year(y, ctx.name("CSTDCS"), first, why) for y in missing_years]
    alt = [_missing_year(y, "Hoàn thành xuất sắc nhiệm vụ", first, why) for y in alt_missing]
    if initiatives < s_p.value:
        alt.append(f"mới có {initiatives} sáng kiến trong các năm học {year_label(alt_window[0])} đến "
                   f"{year_label(alt_window[-1])} (cần {s_p.value})")
    missing.append("hoặc theo cách thứ hai: " + ", ".join(alt))
    return Verdict(code, False, missing, [n_p, x_p, s_p])


def check_after_prior(code: str, h: History, Y: int, ctx: Context) -> Verdict:
    """BK Thủ tướng, Huân chương Lao động hạng Ba: a prior award, then years rated HTTNV or better."""
    prior_p, years_p, cstd_p = ctx.p(code, "khen_truoc"), ctx.p(code, "so_nam_lien_tuc"), ctx.p(code, "so_cstdcs")
    excellent_p = ctx.table.resolve(code, "so_nam_htxsnv", ctx.on, ctx.unit)
    used = [prior_p, years_p, cstd_p] + ([excellent_p] if excellent_p else [])
    regular_only = bool(ctx.v("CHUNG", "dot_xuat_khong_lam_can_cu"))
    back = ctx.v("CHUNG", "so_nam_lui_toi_da") or 0
    first, why = _counted_from(h, ctx)
    priors = sorted((y for y, yr in h.years.items() if y < Y and yr.has(prior_p.value, regular_only=regular_only)),
                    reverse=True)
    if not priors:
        kind = " (khen thưởng thường xuyên, không tính khen đột xuất, chuyên đề)" if regular_only else ""
        return Verdict(code, False, [f"chưa có {_names(ctx, prior_p.value)} trước đó{kind}"], used)
    good = _good_year(h, ctx)
    attempts = []
    for prior in priors:
        for end in range(Y, Y - back - 1, -1):
            run = []
            y = end
            while y > prior and y >= first and good(y):
                run.append(y)
                y -= 1
            cstd = sum(1 for y in run if h.years[y].has({"CSTDCS"}, regular_only=regular_only))
            excellent = sum(1 for y in run if h.years[y].rating == Rating.HTXSNV)
            ok = (len(run) >= years_p.value and cstd >= cstd_p.value
                  and (excellent_p is None or excellent >= excellent_p.value))
            if ok:
                return Verdict(code, True, [], used)
            attempts.append((prior, end, run, y, cstd, excellent))
    prior, end, run, broke, cstd, excellent = attempts[0]  # the latest prior award, ending this year
    prior_name = next(ctx.name(c) for c in prior_p.value if h.years[prior].has({c}, regular_only=regular_only))
    missing = []
    if len(run) < years_p.value:
        if broke <= prior:
            missing.append(f"sau {prior_name} năm học {year_label(prior)} mới có {len(run)} năm liên tục xếp loại "
                           f"từ Hoàn thành tốt nhiệm vụ (cần {years_p.value})")
        elif broke < first and why:
            missing.append(f"năm học {year_label(broke)} chưa được tính ({why}), nên mới có {len(run)} năm liên tục "
                           f"(cần {years_p.value})")
        else:
            missing.append(f"thiếu xếp loại từ Hoàn thành tốt nhiệm vụ năm học {year_label(broke)} "
                           f"({_rating_text(h, broke)}), nên sau {prior_name} năm học {year_label(prior)} mới có "
                           f"{len(run)} năm liên tục (cần {years_p.value})")
    period = f"các năm học {year_label(min(run))} đến {year_label(max(run))}" if run else "thời gian đó"
    if cstd < cstd_p.value:
        missing.append(f"mới có {cstd} lần Chiến sĩ thi đua cơ sở trong {period} (cần {cstd_p.value})")
    if excellent_p is not None and excellent < excellent_p.value:
        missing.append(f"mới có {excellent} năm Hoàn thành xuất sắc nhiệm vụ trong {period} (cần {excellent_p.value})")
    return Verdict(code, False, missing, used)


def _is_manager(position: str | None) -> bool:

    return role_of(position) == "lanh_dao"


def check_teacher_title(code: str, h: History, Y: int, ctx: Context, position: str | None) -> Verdict:
    """Nhà giáo Ưu tú / Nhân dân: years of direct teaching (managers: years in the sector)."""
    teach_p, sector_p = ctx.p(code, "so_nam_giang_day"), ctx.p(code, "so_nam_trong_nganh_quan_ly")
    if _is_manager(position or h.chuc_vu):
        if h.nam_vao_nganh is None:
            return Verdict(code, False, ["chưa biết năm vào ngành để tính số năm công tác của cán bộ quản lý "
                                         "(ghi cột \"Năm vào ngành\")"], [sector_p, _unknown(sector_p)])
        years = Y + 1 - h.nam_vao_nganh
        ok = years >= sector_p.value
        return Verdict(code, ok, [] if ok else [f"cán bộ quản lý mới có {years} năm công tác trong ngành "
                                                  f"(vào ngành năm {h.nam_vao_nganh}), cần {sector_p.value}"], [sector_p])
    if h.so_nam_giang_day is None:
        return Verdict(code, False, ["chưa có số năm trực tiếp giảng dạy (ghi cột \"Số năm trực tiếp giảng dạy\")"],
                       [teach_p, _unknown(teach_p)])
    ok = h.so_nam_giang_day >= teach_p.value
    return Verdict(code, ok, [] if ok else [f"mới có {h.so_nam_giang_day} năm trực tiếp giảng dạy, cần "
                                              f"{teach_p.value}"], [teach_p])


def _unknown(p: Param) -> Param:
    """A stand-in row that makes a failure for missing data a warning: the data, not the rule, is lacking."""
    return replace(p, status="K")


def check_knc(h: History, Y: int, ctx: Context) -> Verdict:
    """Kỷ niệm chương "Vì sự nghiệp giáo dục": years in the sector (fewer with hardship years), once."""
    years_p, hard_years_p, hard_p = (ctx.p("KNC_GD", "so_nam_trong_nganh"), ctx.p("KNC_GD", "so_nam_trong_nganh_dbkk"),
                                     ctx.p("KNC_GD", "so_nam_dbkk"))
    minus_p, once_p = ctx.p("KNC_GD", "tru_thoi_gian_ky_luat"), ctx.p("KNC_GD", "mot_lan")
    used = [years_p, hard_years_p, hard_p]
    missing = []
    if once_p.value:
        before = sorted(y for y, yr in h.years.items() if y < Y and yr.has({"KNC_GD"}, regular_only=False))
        if before:
            missing.append(f"đã được tặng Kỷ niệm chương năm học {year_label(before[0])} (mỗi người chỉ một lần)")
            used.append(once_p)
    if h.nam_vao_nganh is None:
        missing.append("chưa biết năm vào ngành (ghi cột \"Năm vào ngành\")")
        used.append(_unknown(years_p))
        return Verdict("KNC_GD", False, missing, used)
    years = Y + 1 - h.nam_vao_nganh
    deducted = 0
    if minus_p.value:
        for d in h.disciplines:
            if d.start is not None:
                deducted += max(1, round((d.end - d.start).days / 365.25))
        years -= deducted
    need = hard_years_p.value if (h.so_nam_dbkk or 0) >= hard_p.value else years_p.value
    if years < need:
        note = f", đã trừ {deducted} năm bị kỷ luật" if deducted else ""
        hard = " (có từ 5 năm ở vùng đặc biệt khó khăn)" if need == hard_years_p.value else ""
        missing.append(f"mới có {years} năm công tác trong ngành{note}, cần {need}{hard}")
        if deducted:
            used.append(minus_p)
    return Verdict("KNC_GD", not missing, missing, used)


def evaluate(code: str, kind: AwardKind, h: History, Y: int, ctx: Context, *, position: str | None = None) -> Verdict | None:
    """The history rule for one proposed award, or None when no such rule applies to it."""
    if code == "CSTDCS":
        return check_cstdcs(h, Y, ctx)
    if code in ("CSTD_TINH", "CSTD_BO"):
        return check_cstd_province(code, h, Y, ctx)
    if code == "CSTD_TQ":
        return check_cstd_national(h, Y, ctx)
    if code in ("BK_TINH", "BK_BO", "BK_TTG") and kind != AwardKind.THUONG_XUYEN:
        return None  # one-off and themed awards are for one achievement: no merit chain
    if code in ("BK_TINH", "BK_BO"):
        return check_bk_merit(code, h, Y, ctx)
    if code in ("BK_TTG", "HCLD3"):
        return check_after_prior(code, h, Y, ctx)
    if code in ("NGUT", "NGND"):
        return check_teacher_title(code, h, Y, ctx, position)
    if code == "KNC_GD":
        return check_knc(h, Y, ctx)
    return None


# ---------------------------------------------------------------------------
# Collectives: ratios over a members' list


def _member_discipline(n: Nominee) -> int | None:
    return discipline_level(extra_fields(n.extra).get("ky_luat"))


def check_collective(code: str, members: list[Nominee], ctx: Context) -> Verdict | None:
    """Tập thể lao động tiên tiến / xuất sắc from its members' rows (rating, title, discipline)."""
    if code not in ("TTLDTT", "TTLDXS") or not members:
        return None
    total = len(members)
    ldtt = sum(1 for m in members if {a.code for a in m.awards} & LDTT_OR_ABOVE)
    missing: list[str] = []
    ratio_p, block_p = ctx.p(code, "ty_le_ldtt"), ctx.p(code, "ky_luat_chan")
    used = [ratio_p, block_p]
    if ldtt < ratio_p.value * total - 1e-9:
        missing.append(f"mới có {ldtt}/{total} thành viên ({ldtt / total:.0%}) đạt Lao động tiên tiến, cần từ "
                       f"{ratio_p.value:.0%}")
    punished = [m for m in members if (_member_discipline(m) or 0) >= block_p.value]
    if punished:
        who = ", ".join(f"{m.ho_ten} (dòng {m.row})" for m in punished)
        missing.append(f"có thành viên bị kỷ luật từ mức {DISCIPLINE_LEVELS[block_p.value]} trở lên: {who}")
    if code == "TTLDXS":
        done_p, cstd_p = ctx.p(code, "ty_le_hoan_thanh"), ctx.p(code, "so_cstdcs")
        used += [done_p, cstd_p]
        done = sum(1 for m in members if m.xep_loai in DONE)
        if done < done_p.value * total - 1e-9:
            missing.append(f"mới có {done}/{total} thành viên có xếp loại từ Hoàn thành nhiệm vụ, cần "
                           f"{done_p.value:.0%} (thành viên chưa ghi xếp loại không được tính)")
        cstd = sum(1 for m in members if "CSTDCS" in {a.code for a in m.awards})
        if cstd < cstd_p.value:
            missing.append(f"mới có {cstd} thành viên đạt Chiến sĩ thi đua cơ sở, cần {cstd_p.value}")
    return Verdict(code, not missing, missing, used)


# ---------------------------------------------------------------------------
# A whole submission


@dataclass
class DossierDate:
    on: date
    from_title: bool  # True: the title block's "ngày ... tháng ... năm ..."; False: today


def dossier_date(sub: Submission, today: date) -> DossierDate:
    """The dossier's date: the title block's date when it has one, else today."""
    return DossierDate(sub.document_date, True) if sub.document_date else DossierDate(today, False)


def _row_history(records: list[YearRecord], n: Nominee, Y: int, ctx: Context) -> tuple[History, bool]:
    """The register's history plus what the row itself says about its own school year."""
    h = build_history(records, term_months=ctx.v("CHUNG", "thoi_han_ky_luat_thang") or 12)
    found = extra_fields(n.extra)
    yr = h.year(Y)
    yr.rating = yr.rating or n.xep_loai
    # Titles proposed on the same row count for the dossier's year (units propose CSTĐCS and the
    # Bằng khen it leads to together); the award being checked never counts for itself (see evaluate).
    yr.awards |= {(a.code, a.kind) for a in n.awards if a.code in LDTT_OR_ABOVE}
    if n.ten_sang_kien or n.so_qd_sang_kien:
        yr.initiatives.append(initiative_level(n.cap_sang_kien or found.get("cap_sang_kien")) or 1)
    yr.maternity = yr.maternity or is_yes(found.get("thai_san"))
    for name in ("nam_vao_nganh", "so_nam_giang_day", "so_nam_dbkk"):
        value = found.get(name)
        if value not in (None, ""):
            try:
                setattr(h, name, int(float(str(value).strip().split()[0].replace(",", "."))))
            except (ValueError, IndexError):
                pass
    under_review = is_yes(found.get("dang_xem_xet"))
    return h, under_review


def _issue(n: Nominee, v: Verdict, ctx: Context, column: str | None, value: str | None) -> Issue:
    label = ctx.name(v.rule) if v.rule != "CHUNG" else "Đề nghị khen thưởng"
    verb = "chưa đủ tiêu chuẩn" if v.rule != "CHUNG" else "chưa được xét"
    return Issue(code="criteria-not-met", severity=v.severity, file=n.file, sheet=n.sheet, row=n.row, column=column,
                 value=value, message=f"{label} {verb} ({v.citation}): {'; '.join(v.missing)}.")


def check_submission(sub: Submission, register: list[YearRecord], table: RuleTable, *, today: date,
                     members: list[Nominee] | None = None, catalogue: Catalogue | None = None) -> list[Issue]:
    """Every history, collective and cap check for one submission, under the basis of its date."""

    catalogue = catalogue or default_catalogue()
    when = dossier_date(sub, today)
    base = Context(table, when.on, None, catalogue)
    basis = table.basis(when.on)
    source = "theo dòng ngày tháng của tệp" if when.from_title else "tệp không ghi ngày nên lấy ngày hôm nay"
    before = " (trước mọi bộ quy tắc trong QuyDinh: tạm dùng bộ sớm nhất)" if basis and basis.since > when.on else ""
    issues = [Issue(code="legal-basis", severity=Severity.INFO, file=sub.path,
                    message=f"Kiểm tra theo {basis.value if basis else '(chưa có căn cứ)'}: hồ sơ ngày "
                            f"{when.on:%d/%m/%Y} ({source}){before}; đối chiếu sổ LichSu có {len(register)} dòng.")]
    groups: dict[str, list[Nominee]] = {}
    for m in members or []:
        if m.target == Target.CA_NHAN and m.ho_ten and m.duplicate_of is None:
            groups.setdefault(unit_key(m.don_vi or m.unit or ""), []).append(m)
    # A multi-year list (2018-2025, one row per person and year) proposes its latest year; the rows
    # of earlier years are results already granted, not proposals to check again under today's basis.
    latest = max((y for n in sub.nominees if (y := year_start(n.nam_hoc)) is not None), default=None)
    past: dict[int, int] = {}
    for n in sub.nominees:
        if n.duplicate_of is not None or not n.ho_ten or not any(a.code for a in n.awards):
            continue
        if latest is not None and (year := year_start(n.nam_hoc)) is not None and year < latest:
            past[year] = past.get(year, 0) + 1
            continue
        ctx = replace(base, unit=n.unit)
        Y = year_start(n.nam_hoc) or year_start(sub.nam_hoc) or school_year_of(when.on)
        award_column = n.awards[0].column if n.awards else None
        if n.target == Target.TAP_THE:
            for a in n.awards:
                v = check_collective(a.code or "", groups.get(unit_key(n.ho_ten), []), ctx)
                if v is not None and not v.ok:
                    issues.append(_issue(n, v, ctx, a.column, a.raw))
            continue
        match = identify(register, name=n.ho_ten, target=n.target, ngay_sinh=n.ngay_sinh, nam_sinh=n.nam_sinh,
                         units=[n.don_vi or n.unit])  # the workplace, when written, says more than the sender
        if match.ambiguous:
            who = "; ".join(describe(c) for c in match.candidates)
            message = (f"Sổ LichSu chỉ có \"{n.ho_ten}\" ghi năm sinh, ở đơn vị khác: {who}. Chưa chắc là cùng một "
                       "người, nên chưa kiểm tra được tiêu chuẩn nhiều năm: nếu đúng là người này (chuyển công tác), "
                       "hãy ghi đủ ngày sinh cho các dòng đó trong LichSu." if match.year_only else
                       f"Sổ LichSu có nhiều người trùng với \"{n.ho_ten}\": {who}. Chưa kiểm tra "
                       "được tiêu chuẩn nhiều năm: ghi đủ ngày sinh và đơn vị công tác để phân biệt.")
            issues.append(Issue(code="ambiguous-identity", severity=Severity.WARNING, file=n.file, sheet=n.sheet,
                                row=n.row, value=n.ho_ten, message=message))
            continue
        h, under_review = _row_history(match.records, n, Y, ctx)
        general = check_general(h, Y, ctx, under_review=under_review)
        if not general.ok:
            issues.append(_issue(n, general, ctx, award_column, n.awards[0].raw if n.awards else None))
        unknown = not match.records and bool(register)  # a shortfall may be a name written otherwise in LichSu
        for a in n.awards:
            if not a.code or a.code not in HISTORY_RULES:
                continue
            checked = h
            if a.code in LDTT_OR_ABOVE:
                # The award being checked must not count as its own history for this year.
                checked = replace(h, years=dict(h.years))
                yr = checked.years[Y]
                checked.years[Y] = replace(yr, awards={x for x in yr.awards if x[0] != a.code or
                                                       any(r.year == Y and x in r.awards for r in match.records)})
            v = evaluate(a.code, a.kind, checked, Y, ctx, position=n.chuc_vu)
            if v is not None and not v.ok:
                issue = _issue(n, v, ctx, a.column, a.raw)
                if unknown:
                    issue.message += (" Sổ LichSu không có dòng nào của người này: nếu người này đã có kết quả các năm "
                                      "trước, hãy kiểm tra họ tên, ngày sinh ghi trong LichSu.")
                issues.append(issue)
    if past:
        years = ", ".join(f"{y}-{y + 1}" for y in sorted(past))
        issues.append(Issue(code="legal-basis", severity=Severity.INFO, file=sub.path,
                            message=f"{sum(past.values())} dòng của các năm học trước năm học {latest}-{latest + 1} "
                                    f"({years}) là kết quả đã có, không kiểm tra lại tiêu chuẩn: chỉ các dòng năm học "
                                    f"{latest}-{latest + 1} được kiểm tra như đề nghị."))
    issues += check_caps(sub, base)
    return issues


def check_caps(sub: Submission, base: Context) -> list[Issue]:
    """Local caps: Chiến sĩ thi đua cơ sở at most a share of Lao động tiên tiến, per unit (off when empty)."""
    import math

    per_unit: dict[str, list[Nominee]] = {}
    for n in sub.nominees:
        if n.target == Target.CA_NHAN and n.duplicate_of is None:
            per_unit.setdefault(n.unit or "", []).append(n)
    out = []
    for unit, rows in per_unit.items():
        cap = base.table.resolve("TRAN_CSTDCS", "ty_le_toi_da", base.on, unit or None)
        if cap is None or cap.value is None:
            continue
        cstd = [n for n in rows if any(a.code == "CSTDCS" for a in n.awards)]
        ldtt = [n for n in rows if any(a.code in ("LDTT", "CSTDCS") for a in n.awards)]
        allowed = math.floor(cap.value * len(ldtt) + 1e-9)
        if len(cstd) > allowed:
            first = cstd[allowed] if allowed < len(cstd) else cstd[0]
            out.append(Issue(
                code="criteria-not-met", severity=cap.severity, file=sub.path, sheet=first.sheet, row=first.row,
                value=f"{len(cstd)}/{len(ldtt)}",
                message=f"{unit or 'Đơn vị'} đề nghị {len(cstd)} Chiến sĩ thi đua cơ sở trên {len(ldtt)} Lao động tiên "
                        f"tiến, vượt mức tối đa {cap.value:.0%} ({allowed} người) ({cap.citation}): giảm số đề nghị "
                        "hoặc sửa mức trong trang QuyDinh."))
    return out
