"""The pure core on plain data, without files: versions, assembling the master, history, tally.

Everything here is what the jobs call between reading and writing; the same decisions must come
out whether the state is fresh from `decide` or read back from the master's log (`state_of`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from addin.catalogue import default_catalogue
from addin.history import YearRecord, append_records
from addin.merge import Candidate, assemble, decide, state_of, supersedes
from addin.models import AwardKind, AwardProposal, Issue, Nominee, Severity, Submission, Target
from addin.schema import ACTION_LABELS, LIST_KEYS, LOG_COLUMNS, STATUS_ERROR, STATUS_OK, STATUS_WARNING, MasterRow
from addin.tally import tally
from addin.units import Aliases, unit_key

T0 = datetime(2025, 5, 10, 8, 0, tzinfo=timezone(timedelta(hours=7)))
MERGED = datetime(2025, 5, 20, 9, 0, tzinfo=timezone(timedelta(hours=7)))


def nominee(name: str, *, unit: str, code: str = "LDTT", born: int = 1985, row: int = 9,
            target: Target = Target.CA_NHAN) -> Nominee:
    award = AwardProposal(raw=code, column="Danh hiệu", code=code, kind=AwardKind.THUONG_XUYEN)
    return Nominee(ho_ten=name, nam_sinh=born, awards=[award], unit=unit, file=f"{unit}.xlsx", sheet="DS", row=row,
                   target=target)


def candidate(unit: str, sha: str, sent: datetime | None, *names: str, issues: list[Issue] | None = None) -> Candidate:
    people = [nominee(n, unit=unit, row=9 + i) for i, n in enumerate(names)]
    sub = Submission(path=f"{unit}-{sha}.xlsx", unit=unit, nominees=people, issues=issues or [])
    return Candidate(sub.path, sha, sent, None, sub)


def log_rows(files: list, at: datetime) -> list[list]:
    """NhatKy rows as the master writes them (what state_of reads back)."""
    index = {c.key: i for i, c in enumerate(LOG_COLUMNS)}
    out = []
    for f in files:
        row = [None] * len(LOG_COLUMNS)
        for key, value in (("at", at), ("path", f.path), ("unit", f.unit), ("rows", f.rows),
                           ("action", ACTION_LABELS[f.action]), ("reason", f.reason), ("sha256", f.sha256),
                           ("sent_at", f.sent_at), ("sender", f.sender)):
            row[index[key]] = value
        out.append(row)
    return out


# ---------------------------------------------------------------------------
# Which version is kept


@pytest.mark.parametrize("new, held, kept", [
    (T0 + timedelta(hours=1), T0, True),
    (T0, T0, True),  # not older: the later one applied wins
    (T0 - timedelta(hours=1), T0, False),
    (None, T0, False),  # an unknown time never replaces a known one
    (T0, None, True),
    (None, None, True),
])
def test_supersedes_is_the_one_rule(new, held, kept) -> None:
    assert supersedes(new, held) is kept


def test_decide_adds_replaces_ignores_and_keeps_unchanged() -> None:
    state: dict = {}
    first = candidate("Trường TH Kim Đồng", "a1", T0, "Lê Thị Hoa", "Trần Văn Nam")
    other = candidate("Trường THCS Nguyễn Du", "b1", T0, "Đỗ Thị Lan")
    outcomes = decide(state, [first, other], Aliases(), MERGED)
    assert [o.action for o in outcomes] == ["added", "added"]
    later = candidate("Trường Tiểu học Kim Đồng", "a2", T0 + timedelta(days=1), "Lê Thị Hoa")  # another spelling
    older = candidate("Trường TH Kim Đồng", "a0", T0 - timedelta(days=1), "Lê Thị Hoa", "X", "Y")
    same = candidate("Trường THCS Nguyễn Du", "b1", T0, "Đỗ Thị Lan")
    outcomes = decide(state, [older, same, later], Aliases(), MERGED)
    assert {o.sha256: o.action for o in outcomes} == {"a0": "ignored", "b1": "unchanged", "a2": "replaced"}
    kept = state[unit_key("Trường TH Kim Đồng")]
    assert kept.sha256 == "a2" and "a1" in kept.superseded
    assert [r.ho_ten for r in kept.rows] == ["Lê Thị Hoa"]
    # a version already replaced never comes back, whatever its time
    again = decide(state, [candidate("Trường TH Kim Đồng", "a1", T0 + timedelta(days=9), "Lê Thị Hoa")], Aliases(),
                   MERGED)
    assert [o.action for o in again] == ["ignored"]


def test_state_read_back_from_the_log_decides_as_decide_did() -> None:
    """decide's state and state_of's (from NhatKy and DanhSach) give the same verdict on the next file."""
    state: dict = {}
    files = decide(state, [candidate("Trường TH Kim Đồng", "a1", T0, "Lê Thị Hoa"),
                           candidate("Trường TH Kim Đồng", "a2", T0 + timedelta(hours=2), "Lê Thị Hoa", "Trần Văn Nam"),
                           candidate("Trường THCS Nguyễn Du", "b1", None, "Đỗ Thị Lan")], Aliases(), MERGED)
    rows = assemble(state).rows
    back = state_of(log_rows(files, MERGED), [MasterRow(list(r)) for r in rows], [], Aliases())
    assert {k: (v.sha256, len(v.rows), v.superseded) for k, v in back.items()} == \
        {k: (v.sha256, len(v.rows), v.superseded) for k, v in state.items()}
    for probe in (candidate("Trường TH Kim Đồng", "a3", T0 + timedelta(hours=1), "Z"),  # older than a2
                  candidate("Trường TH Kim Đồng", "a1", T0 + timedelta(days=3), "Z"),  # superseded
                  candidate("Trường THCS Nguyễn Du", "b2", None, "Z")):  # both unknown: later applied wins
        fresh = decide(state_of(log_rows(files, MERGED), [MasterRow(list(r)) for r in rows], [], Aliases()),
                       [probe], Aliases(), MERGED)
        direct = decide({k: _copy(v) for k, v in state.items()}, [probe], Aliases(), MERGED)
        assert [o.action for o in fresh] == [o.action for o in direct]


def _copy(version):
    from dataclasses import replace
    return replace(version, rows=list(version.rows), superseded=set(version.superseded))


def test_an_alias_joins_two_names_and_the_later_version_wins() -> None:
    state: dict = {}
    files = decide(state, [candidate("TH Kim Dong", "a1", T0, "A"),
                           candidate("Trường Tiểu học Kim Đồng (xã Hòa Bình)", "a2", T0 + timedelta(hours=1), "B")],
                   Aliases(), MERGED)
    assert len(state) == 2  # not the same unit until the clerk says so
    rows = assemble(state).rows
    aliases = Aliases([("TH Kim Dong", "Trường TH Kim Đồng"),
                       ("Trường Tiểu học Kim Đồng (xã Hòa Bình)", "Trường TH Kim Đồng")])
    back = state_of(log_rows(files, MERGED), [MasterRow(list(r)) for r in rows], [], aliases)
    assert len(back) == 1
    (version,) = back.values()
    assert version.sha256 == "a2" and version.superseded == {"a1"} and [r.ho_ten for r in version.rows] == ["B"]


# ---------------------------------------------------------------------------
# Assembling the master


def test_assemble_flags_cross_unit_duplicates_and_sets_status() -> None:
    state: dict = {}
    bad = Issue(code="invalid-date", severity=Severity.ERROR, file="x", sheet="DS", row=10, message="ngày sai")
    decide(state, [candidate("Trường TH Kim Đồng", "a1", T0, "Lê Thị Hoa", "Trần Văn Nam", issues=[bad]),
                   candidate("Trường THCS Nguyễn Du", "b1", T0, "LÊ  THỊ HOA")], Aliases(), MERGED)
    outcome = assemble(state)
    assert len(outcome.rows) == 3 and outcome.by_unit == {"Trường TH Kim Đồng": 2, "Trường THCS Nguyễn Du": 1}
    duplicates = [i for i in outcome.issues if i.code == "duplicate-across-units"]
    assert len(duplicates) == 2 and all("cũng được đề nghị ở" in i.message for i in duplicates)
    status = {(r.ho_ten, r.unit): r.status for r in outcome.rows}
    assert status == {("Lê Thị Hoa", "Trường TH Kim Đồng"): STATUS_WARNING,
                      ("Trần Văn Nam", "Trường TH Kim Đồng"): STATUS_ERROR,
                      ("LÊ  THỊ HOA", "Trường THCS Nguyễn Du"): STATUS_WARNING}
    # each issue points at its row of DanhSach
    assert [outcome.rows[i].ho_ten for i in outcome.issue_rows if i is not None].count("Trần Văn Nam") == 1


def test_master_row_names_every_column() -> None:
    row = MasterRow.of(ho_ten="Lê Thị Hoa", nam_sinh=1985)
    assert len(row) == len(LIST_KEYS) and row.ho_ten == "Lê Thị Hoa" and row.birth == 1985
    row.status = STATUS_OK
    assert row[LIST_KEYS.index("status")] == STATUS_OK
    assert not row.is_collective


# ---------------------------------------------------------------------------
# History and tally on plain data


def test_history_append_fills_and_never_duplicates() -> None:
    held = [YearRecord(ho_ten="Lê Thị Hoa", nam_sinh=1985, nam_hoc="2023-2024", awards=[("LDTT", AwardKind.THUONG_XUYEN)],
                       chuc_vu="Giáo viên")]
    new = [YearRecord(ho_ten="LÊ THỊ HOA", nam_sinh=1985, nam_hoc="2023-2024", awards=[("CSTDCS", AwardKind.THUONG_XUYEN)],
                      chuc_vu="Tổ trưởng"),
           YearRecord(ho_ten="Lê Thị Hoa", nam_sinh=1985, nam_hoc="2024-2025", awards=[("LDTT", AwardKind.THUONG_XUYEN)])]
    outcome = append_records(held, new, file="so.xlsx")
    assert (outcome.added, outcome.updated) == (1, 1)
    first = outcome.records[0]
    assert first.chuc_vu == "Giáo viên"  # what the register holds wins
    assert sorted(c for c, _ in first.awards) == ["CSTDCS", "LDTT"]  # awards are joined
    again = append_records(outcome.records, new, file="so.xlsx")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_tally_on_plain_rows() -> None:
    rows = [MasterRow.of(unit="A", ma="LDTT; CSTDCS", target="Cá nhân", status=STATUS_OK, nam_hoc="2024-2025"),
            MasterRow.of(unit="A", ma="LDTT", target="Cá nhân", status=STATUS_ERROR, nam_hoc="2024-2025"),
            MasterRow.of(unit="B", ma="BK_TINH (đột xuất)", target="Tập thể", status=STATUS_WARNING, nam_hoc="2024-2025"),
            MasterRow.of(unit="B", ma="LDTT", target="Cá nhân", status=STATUS_OK, nam_hoc="2023-2024")]
    t = tally(rows, default_catalogue())
    counts = {(r.code, r.target.value, r.kind.value): (r.total, dict(r.by_unit)) for r in t.rows}
    assert counts == {("LDTT", "ca_nhan", "thuong_xuyen"): (2, {"A": 1, "B": 1}),
                      ("CSTDCS", "ca_nhan", "thuong_xuyen"): (1, {"A": 1}),
                      ("BK_TINH", "tap_the", "dot_xuat"): (1, {"B": 1})}
    assert (t.counted_rows, t.skipped_error_rows, t.grand_total) == (3, 1, 4)
    assert tally(rows, default_catalogue(), years=["2023-2024"]).grand_total == 1
