"""The printed tables made from DanhSach: the award tally (`tdkt tally`) and the delegate list (`tdkt delegates`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from addin import delegates as core
from addin.catalogue import Catalogue
from addin.jobs.common import (MASTER_UNUSABLE, JobReport, checked_years, effective_catalogue, held_school_years, opened,
                               print_list_stale, save)
from addin.tally import Tally, tally
from addin import schema
from addin.workbook.master import writes_master
from addin.workbook.masterbook import (
    MasterContent,
    Need,
    clerk_sheets,
    delegate_notes_sheet,
    delegates_sheet,
    print_list_sheet,
    tally_sheet,
)

# What tally_content and delegates_content use of a master: only this is read (the CLI's file, a button's book).
TALLY_NEED = Need({"rows", "settings", "catalogue"}, columns={"unit", "src_unit", "nam_hoc", "status", "target", "ma"})
TALLY_WITH_REGISTRATIONS_NEED = Need(TALLY_NEED.parts | {"registrations"}, TALLY_NEED.columns)
DELEGATES_NEED = Need({"rows", "settings", "catalogue", "guests", "register"},
                      columns={"unit", "ho_ten", "target", "ngay_sinh", "nam_sinh", "gioi_tinh", "dan_toc", "chuc_vu",
                               "don_vi", "de_nghi", "ma", "ghi_chu", "status"})


@dataclass
class TallyReport(JobReport):
    tally: Tally | None = None
    print_list_refreshed: bool = False  # DanhSachTrinhKy made again: DanhSach or CauHinh edited since the merge

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt tally --json` shape (a contract: extend only by adding fields)."""
        data = self.tally.to_json() if self.tally is not None else {"rows": [], "grand_total": 0}
        data["master"], data["written"], data["error"] = self.master, self.error is None, self.error
        data["print_list_refreshed"] = self.print_list_refreshed
        return data




@writes_master(TallyReport)
def tally_job(master: str | Path, *, years: list[str] | None = None, include_empty: bool = False,
              keep_backups: int = 10, catalogue: Catalogue | None = None,
              with_registrations: bool = False) -> TallyReport:
    """Count DanhSach by award category and unit, and write the TongHop sheet.

    with_registrations: count DangKy too and show the registered count beside the proposed one.
    """
    master = Path(master)
    report = TallyReport(str(master))
    content = opened(report, master, need=TALLY_WITH_REGISTRATIONS_NEED if with_registrations else TALLY_NEED)
    if content is None:
        return report
    report = tally_content(content, master=master, years=years, include_empty=include_empty, catalogue=catalogue,
                           with_registrations=with_registrations)
    if report.failure is not None:
        return report
    if print_list_stale(master):
        # The tally counts DanhSach as it is now: the list to sign must say the same. Made from a full
        # read, only when stale (the tally itself reads a few columns).
        full = opened(report, master)
        if full is None:
            return report
        report.sheets.append(print_list_sheet(full.rows, full.settings, effective_catalogue(full, catalogue)))
        report.print_list_refreshed = True
    return save(report, master, report.sheets, keep_backups)


def tally_content(content: MasterContent, *, master: Path | str = "", years: list[str] | None = None,
                  include_empty: bool = False, catalogue: Catalogue | None = None,
                  with_registrations: bool = False) -> TallyReport:
    """The award tally of a master's content, and the sheets showing it (TongHop, the clerk's sheets when missing)."""
    report = TallyReport(str(master))
    # Each year asked for is one the master holds: a year it does not hold would count nothing.
    held = held_school_years(content.rows, content.registrations if with_registrations else [])
    years = checked_years(report, years, held, Path(master).name)
    if years is None:
        return report
    report.tally = tally(content.rows, effective_catalogue(content, catalogue), years=years or None,
                         include_empty=include_empty, count_errors=content.settings.tally_counts_errors,
                         registrations=content.registrations if with_registrations else None)
    report.sheets = [tally_sheet(report.tally, content.settings, with_registrations=with_registrations),
                     *clerk_sheets(content.settings)]
    return report


@dataclass
class DelegatesReport(JobReport):
    result: core.Result | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """The `tdkt delegates --json` shape (a contract: extend only by adding fields)."""
        r = self.result
        if r is None:
            return {"seats": 0, "guests": 0, "exemplary": 0, "by_unit": {}, "delegates": [], "composition": {},
                    "shortfalls": [], "master": self.master, "written": False, "error": self.error}
        return {
            "seats": r.seats, "guests": r.guests, "exemplary": r.exemplary, "by_unit": dict(r.by_unit),
            "delegates": [{"name": d.name, "unit": d.unit, "award": d.award, "role": d.role, "flags": list(d.flags)}
                          for d in r.delegates],
            "composition": r.composition, "shortfalls": list(r.shortfalls),
            "master": self.master, "written": self.error is None, "error": self.error,
        }


@writes_master(DelegatesReport)
def delegates_job(master: str | Path, *, seats: int | None = None, guest_share: float | None = None,
                  keep_backups: int = 10, catalogue: Catalogue | None = None) -> DelegatesReport:
    """Choose the conference delegates from DanhSach and KhachMoi, and write the DaiBieu sheet."""
    master = Path(master)
    report = DelegatesReport(str(master))
    content = opened(report, master, need=DELEGATES_NEED)
    if content is None:
        return report
    report = delegates_content(content, master=master, seats=seats, guest_share=guest_share, catalogue=catalogue)
    if report.failure is not None:
        return report
    return save(report, master, report.sheets, keep_backups)


def unit_quotas(content: MasterContent) -> dict[str, int]:
    """Delegate quotas per unit: DonVi's column "Chỉ tiêu đại biểu", then CauHinh's (the same unit there wins)."""
    from addin.units import unit_key

    given = {unit_key(name) for name in content.settings.unit_quotas}
    quotas = {e.name: e.quota for e in content.register.entries if e.quota is not None and unit_key(e.name) not in given}
    return {**quotas, **content.settings.unit_quotas}


def delegates_content(content: MasterContent, *, master: Path | str = "", seats: int | None = None,
                      guest_share: float | None = None, catalogue: Catalogue | None = None) -> DelegatesReport:
    """The delegate selection of a master's content and its sheets; a failure says why the settings cannot work."""
    report = DelegatesReport(str(master))
    catalogue = effective_catalogue(content, catalogue)
    s = content.settings
    lowest = s.exemplary_from
    if lowest not in catalogue and len(named := [m.code for m in catalogue.match(lowest) if m.code]) == 1:
        lowest = named[0]  # the award's name typed for its code ("Chiến sĩ thi đua cơ sở")
    if lowest not in catalogue:
        report.fail(MASTER_UNUSABLE, f"Cài đặt \"Danh hiệu thấp nhất để chọn điển hình\" là \"{s.exemplary_from}\", "
                                     "không có trong danh mục: hãy ghi một mã như CSTDCS.")
        return report
    settings = core.Settings(
        seats=seats if seats is not None else s.seats,
        guest_share=guest_share if guest_share is not None else s.guest_share,
        exemplary_max_rank=catalogue[lowest].rank,
        # a unit's quota written in DonVi ("Chỉ tiêu đại biểu"), unless CauHinh gives that unit one
        unit_quotas=unit_quotas(content), type_role_quotas={k: dict(v) for k, v in s.type_role_quotas.items()},
        targets=dict(s.targets),
    )
    candidates = [c for c in core.candidates_from_rows(content.rows, catalogue)
                  if c.rank is not None and c.rank <= settings.exemplary_max_rank]
    try:
        report.result = core.select_delegates(candidates, core.guests_from_rows(content.guests), settings)
    except ValueError as exc:  # settings the clerk typed that cannot work (a share above 1, ...)
        report.fail(MASTER_UNUSABLE, str(exc))
        return report
    # what CauHinh holds that could not be read is said first (fresh-eyes testing: "khoảng 200 người"
    # was silently read as the default 200 seats)
    report.result.shortfalls[:0] = [f"Trang {schema.SETTINGS}: {p}" for p in s.problems]
    report.sheets = [delegates_sheet(report.result, content.settings, catalogue),
                     delegate_notes_sheet(report.result, at=datetime.now()), *clerk_sheets(content.settings)]
    return report
