"""Eligibility rules by legal basis: people with award histories, and the verdict for each proposal.

Every case runs the real path: a register (YearRecord rows as LichSu holds them), a proposal row
(a Nominee as ingest reads it) in a Submission dated by its title block, and
`rules.check_submission` with the rule table (the defaults of QuyDinh, or a table a clerk
edited). The verdict is read from the `criteria-not-met` issues that name the rule.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from addin.history import YearRecord
from addin.models import AwardKind, AwardProposal, Nominee, Rating, Severity, Submission, Target
from addin.rules import check_submission, default_table, parse_sheet, sheet_rows
from addin.catalogue import default_catalogue

CAT = default_catalogue()
ND98_LAST_DAY = date(2025, 6, 30)  # the last day of Nghị định 98/2023/NĐ-CP
ND152_FIRST_DAY = date(2025, 7, 1)  # Nghị định 152/2025/NĐ-CP in force
BOTH = (ND98_LAST_DAY, ND152_FIRST_DAY)
UNIT = "Trường THCS Lê Lợi"


def yr(nam_hoc: str, rating: str | None = None, *codes: str, who: str = "Nguyễn Văn An", born: date = date(1980, 3, 12),
       **fields: Any) -> YearRecord:
    """One register row: a school year, its rating, its titles and awards ("BK_TINH:DX" for a one-off award)."""
    awards = []
    for code in codes:
        c, _, kind = code.partition(":")
        awards.append((c, {"DX": AwardKind.DOT_XUAT, "CD": AwardKind.CHUYEN_DE}.get(kind, AwardKind.THUONG_XUYEN)))
    return YearRecord(ho_ten=who, ngay_sinh=born, nam_sinh=born.year, don_vi=UNIT, nam_hoc=nam_hoc,
                      xep_loai=Rating(rating) if rating else None, awards=awards, **fields)


def proposal(*codes: str, who: str = "Nguyễn Văn An", born: date | None = date(1980, 3, 12), rating: str | None = "HTTNV",
             nam_hoc: str = "2024-2025", sang_kien: str | None = None, position: str = "Giáo viên",
             extra: dict[str, Any] | None = None, target: Target = Target.CA_NHAN, row: int = 8) -> Nominee:
    """A proposal row as ingest reads it."""
    return Nominee(
        ho_ten=who, target=target, ngay_sinh=born, nam_sinh=born.year if born else None, chuc_vu=position,
        don_vi=UNIT if target == Target.CA_NHAN else None, xep_loai=Rating(rating) if rating else None,
        awards=[AwardProposal(raw=CAT[c.split(":")[0]].name, column="Danh hiệu đề nghị", code=c.split(":")[0],
                              kind=AwardKind.DOT_XUAT if c.endswith(":DX") else AwardKind.THUONG_XUYEN) for c in codes],
        ten_sang_kien=sang_kien, nam_hoc=nam_hoc, unit=UNIT, extra=extra or {}, file="de-nghi.xlsx", sheet="DS", row=row,
    )


def check(register: list[YearRecord], rows: list[Nominee], on: date, table=None, members=None):
    sub = Submission(path="de-nghi.xlsx", unit=UNIT, sheets=["DS"], document_date=on, nominees=rows)
    return check_submission(sub, register, table or default_table(), today=date(2030, 1, 1), members=members,
                            catalogue=CAT)


def verdict(issues, rule_name: str) -> str | None:
    """None when the rule passed, else its message."""
    found = [i for i in issues if i.code == "criteria-not-met" and i.message.startswith(rule_name)]
    return found[0].message if found else None


BK_TINH = CAT["BK_TINH"].name
CSTD_TINH = CAT["CSTD_TINH"].name
CSTDCS = CAT["CSTDCS"].name
BK_TTG = CAT["BK_TTG"].name
HCLD3 = CAT["HCLD3"].name
GENERAL = "Đề nghị khen thưởng"

# (case, register, proposal row, rule checked, expected on 30/06/2025, expected on 01/07/2025);
# an expected value is None (passes) or a phrase the message must contain.
CASES = [
    ("two consecutive CSTĐCS, the second proposed with the Bằng khen",
     [yr("2023-2024", "HTXSNV", "LDTT", "CSTDCS")],
     proposal("CSTDCS", "BK_TINH", rating="HTXSNV", sang_kien="Dạy học theo dự án"),
     BK_TINH, None, None),
    ("the issue's example: a gap in 2022-2023",
     [yr("2021-2022", "HTXSNV", "CSTDCS"), yr("2022-2023", "HTTNV", "LDTT"), yr("2023-2024", "HTTNV", "LDTT")],
     proposal("BK_TINH"),
     BK_TINH, "thiếu Chiến sĩ thi đua cơ sở năm học 2022-2023", "thiếu Chiến sĩ thi đua cơ sở năm học 2022-2023"),
    ("Bằng khen by the second path: 2 years HTXSNV with 2 initiatives",
     [yr("2023-2024", "HTXSNV", "LDTT", ten_sang_kien="Sổ tay số", cap_sang_kien="cơ sở")],
     proposal("BK_TINH", rating="HTXSNV", sang_kien="Ngân hàng câu hỏi"),
     BK_TINH, None, None),
    ("CSTĐ cấp tỉnh: three CSTĐCS broken by a gap year",
     [yr("2020-2021", "HTXSNV", "CSTDCS"), yr("2021-2022", "HTXSNV", "CSTDCS"), yr("2022-2023", "HTTNV", "LDTT"),
      yr("2023-2024", "HTXSNV", "CSTDCS", ten_sang_kien="Học liệu số", cap_sang_kien="cấp tỉnh")],
     proposal("CSTDCS", "CSTD_TINH", rating="HTXSNV", sang_kien="Lớp học đảo ngược"),
     CSTD_TINH, "thiếu Chiến sĩ thi đua cơ sở năm học 2022-2023", "thiếu Chiến sĩ thi đua cơ sở năm học 2022-2023"),
    ("CSTĐ cấp tỉnh: the chain is whole but the initiative is only recognised at school level",
     [yr("2022-2023", "HTXSNV", "CSTDCS"), yr("2023-2024", "HTXSNV", "CSTDCS", ten_sang_kien="A", cap_sang_kien="cơ sở")],
     proposal("CSTDCS", "CSTD_TINH", rating="HTXSNV", sang_kien="B"),
     CSTD_TINH, "thiếu sáng kiến được công nhận từ cấp tỉnh", "thiếu sáng kiến được công nhận từ cấp tỉnh"),
    ("discipline ending mid-chain: the years under it do not count",
     [yr("2021-2022", "HTXSNV", "CSTDCS"),
      yr("2022-2023", "HTXSNV", "CSTDCS", ky_luat="Khiển trách", ky_luat_tu=date(2022, 11, 1), ky_luat_den=date(2023, 10, 31)),
      yr("2023-2024", "HTXSNV", "CSTDCS")],
     proposal("BK_TINH"),
     BK_TINH, "chưa được tính (kỷ luật Khiển trách đến ngày 31/10/2023)",
     "chưa được tính (kỷ luật Khiển trách đến ngày 31/10/2023)"),
    ("discipline that ended before the chain began",
     [yr("2021-2022", "HTTNV", ky_luat="Khiển trách", ky_luat_tu=date(2021, 9, 1), ky_luat_den=date(2022, 8, 31)),
      yr("2022-2023", "HTXSNV", "CSTDCS"), yr("2023-2024", "HTXSNV", "CSTDCS")],
     proposal("BK_TINH"),
     BK_TINH, None, None),
    ("a penalty still in force on the dossier's date",
     [yr("2024-2025", None, ky_luat="Cảnh cáo", ky_luat_tu=date(2025, 3, 1), ky_luat_den=date(2026, 2, 28))],
     proposal("LDTT"),
     GENERAL, "thành tích năm học 2024-2025 chưa được tính (kỷ luật Cảnh cáo đến ngày 28/02/2026)",
     "thành tích năm học 2024-2025 chưa được tính (kỷ luật Cảnh cáo đến ngày 28/02/2026)"),
    ("under disciplinary review: the article differs by basis",
     [yr("2024-2025", "HTTNV", dang_xem_xet=True)],
     proposal("LDTT"),
     GENERAL, "Điều 4 Nghị định 98/2023/NĐ-CP", "Nghị định 152/2025/NĐ-CP"),
    ("CSTĐCS with HTXSNV and no initiative: the two bases differ [R]",
     [],
     proposal("LDTT", "CSTDCS", rating="HTXSNV"),
     CSTDCS, None, "cần thêm sáng kiến được công nhận năm học 2024-2025"),
    ("BK Thủ tướng across a maternity-leave year with no rating",
     [yr("2017-2018", "HTXSNV", "CSTDCS", "BK_TINH", who="Trần Thị Chi"),
      yr("2018-2019", "HTTNV", "LDTT", who="Trần Thị Chi"), yr("2019-2020", "HTXSNV", "CSTDCS", who="Trần Thị Chi"),
      yr("2020-2021", None, who="Trần Thị Chi", thai_san=True),
      yr("2021-2022", "HTXSNV", "CSTDCS", who="Trần Thị Chi"), yr("2022-2023", "HTTNV", "LDTT", who="Trần Thị Chi"),
      yr("2023-2024", "HTXSNV", "CSTDCS", who="Trần Thị Chi")],
     proposal("BK_TTG", who="Trần Thị Chi"),
     BK_TTG, None, None),
    ("the same years without maternity leave: 2020-2021 breaks the chain",
     [yr("2017-2018", "HTXSNV", "CSTDCS", "BK_TINH"), yr("2018-2019", "HTTNV", "LDTT"),
      yr("2019-2020", "HTXSNV", "CSTDCS"), yr("2020-2021", None),
      yr("2021-2022", "HTXSNV", "CSTDCS"), yr("2022-2023", "HTTNV", "LDTT"), yr("2023-2024", "HTXSNV", "CSTDCS")],
     proposal("BK_TTG"),
     BK_TTG, "thiếu xếp loại từ Hoàn thành tốt nhiệm vụ năm học 2020-2021",
     "thiếu xếp loại từ Hoàn thành tốt nhiệm vụ năm học 2020-2021"),
    ("BK Thủ tướng on a one-off Bằng khen: not a basis for a merit award",
     [yr("2018-2019", "HTXSNV", "CSTDCS", "BK_TINH:DX")] + [yr(f"{y}-{y + 1}", "HTXSNV", "CSTDCS") for y in range(2019, 2024)],
     proposal("BK_TTG"),
     BK_TTG, "không tính khen đột xuất, chuyên đề", "không tính khen đột xuất, chuyên đề"),
    ("HCLĐ hạng Ba: a prior BK Thủ tướng, five good years with HTXSNV and three CSTĐCS",
     [yr("2018-2019", "HTXSNV", "CSTDCS", "BK_TTG"), yr("2019-2020", "HTXSNV", "CSTDCS"), yr("2020-2021", "HTTNV", "LDTT"),
      yr("2021-2022", "HTXSNV", "CSTDCS"), yr("2022-2023", "HTTNV", "LDTT"), yr("2023-2024", "HTXSNV", "CSTDCS")],
     proposal("HCLD3"),
     HCLD3, None, None),
    ("HCLĐ hạng Ba without a single HTXSNV year",
     [yr("2018-2019", "HTXSNV", "CSTDCS", "BK_TTG")] + [yr(f"{y}-{y + 1}", "HTTNV", "CSTDCS") for y in range(2019, 2024)],
     proposal("HCLD3"),
     HCLD3, "mới có 0 năm Hoàn thành xuất sắc nhiệm vụ", "mới có 0 năm Hoàn thành xuất sắc nhiệm vụ"),
    ("CSTĐ toàn quốc: two consecutive CSTĐ cấp tỉnh and a national initiative",
     [yr("2020-2021", "HTXSNV", "CSTDCS", "CSTD_TINH"),
      yr("2023-2024", "HTXSNV", "CSTDCS", "CSTD_TINH", ten_sang_kien="Mô hình trường học số", cap_sang_kien="Toàn quốc")],
     proposal("CSTD_TQ"),
     CAT["CSTD_TQ"].name, None, None),
    ("CSTĐ toàn quốc with one CSTĐ cấp tỉnh",
     [yr("2023-2024", "HTXSNV", "CSTDCS", "CSTD_TINH", ten_sang_kien="X", cap_sang_kien="toàn quốc")],
     proposal("CSTD_TQ"),
     CAT["CSTD_TQ"].name, "mới có 1", "mới có 1"),
    ("Nhà giáo Ưu tú with 12 years of direct teaching",
     [yr("2023-2024", "HTXSNV", so_nam_giang_day=12)],
     proposal("NGUT"),
     CAT["NGUT"].name, "mới có 12 năm trực tiếp giảng dạy, cần 15", "mới có 12 năm trực tiếp giảng dạy, cần 15"),
    ("Nhà giáo Nhân dân for a principal, counted in years in the sector",
     [yr("2023-2024", "HTXSNV", nam_vao_nganh=2002, chuc_vu="Hiệu trưởng")],
     proposal("NGND", position="Hiệu trưởng"),
     CAT["NGND"].name, "mới có 23 năm công tác trong ngành", "mới có 23 năm công tác trong ngành"),
    ("Kỷ niệm chương with 21 years in the sector",
     [yr("2023-2024", "HTTNV", nam_vao_nganh=2004)],
     proposal("KNC_GD"),
     CAT["KNC_GD"].name, None, None),
    ("Kỷ niệm chương with 17 years, 6 of them in especially difficult areas",
     [yr("2023-2024", "HTTNV", nam_vao_nganh=2008, so_nam_dbkk=6)],
     proposal("KNC_GD"),
     CAT["KNC_GD"].name, None, None),
    ("Kỷ niệm chương: the years of a penalty are taken out",
     [yr("2010-2011", "HTNV", nam_vao_nganh=2005, ky_luat="Cảnh cáo", ky_luat_tu=date(2010, 10, 1),
         ky_luat_den=date(2011, 9, 30))],
     proposal("KNC_GD"),
     CAT["KNC_GD"].name, "mới có 19 năm công tác trong ngành, đã trừ 1 năm bị kỷ luật",
     "mới có 19 năm công tác trong ngành, đã trừ 1 năm bị kỷ luật"),
    ("Kỷ niệm chương a second time",
     [yr("2019-2020", "HTTNV", "KNC_GD", nam_vao_nganh=1995)],
     proposal("KNC_GD"),
     CAT["KNC_GD"].name, "đã được tặng Kỷ niệm chương năm học 2019-2020", "đã được tặng Kỷ niệm chương năm học 2019-2020"),
]


@pytest.mark.parametrize("case, register, row, rule, expected_nd98, expected_nd152", CASES, ids=[c[0] for c in CASES])
def test_verdict_per_rule_and_legal_basis(case, register, row, rule, expected_nd98, expected_nd152):
    for on, expected in zip(BOTH, (expected_nd98, expected_nd152)):
        message = verdict(check([*register], [row], on), rule)
        if expected is None:
            assert message is None, (on, message)
        else:
            assert message is not None and expected in message, (on, message)


def test_every_message_names_the_rule_and_cites_its_article():
    register = [yr("2021-2022", "HTXSNV", "CSTDCS"), yr("2022-2023", "HTTNV", "LDTT"), yr("2023-2024", "HTTNV", "LDTT")]
    issues = check(register, [proposal("BK_TINH")], ND98_LAST_DAY)
    [issue] = [i for i in issues if i.code == "criteria-not-met"]
    assert issue.message.startswith("Bằng khen của Chủ tịch UBND tỉnh chưa đủ tiêu chuẩn "
                                    "(Điểm d khoản 1 Điều 74 Luật Thi đua, khen thưởng 2022):")
    assert "thiếu Chiến sĩ thi đua cơ sở năm học 2022-2023" in issue.message
    assert (issue.row, issue.column, issue.value, issue.severity) == (8, "Danh hiệu đề nghị", BK_TINH, Severity.ERROR)


def test_a_rule_whose_source_is_not_verified_is_a_warning():
    # CSTĐ cấp tỉnh's chain is [R]: reported under the 2022 law, not read in it.
    register = [yr("2023-2024", "HTXSNV", "CSTDCS", ten_sang_kien="A", cap_sang_kien="tỉnh")]
    [issue] = [i for i in check(register, [proposal("CSTD_TINH")], ND98_LAST_DAY) if i.code == "criteria-not-met"]
    assert issue.severity == Severity.WARNING
    # and the [R] CSTĐCS parameter of Nghị định 152/2025 likewise
    [issue] = [i for i in check([], [proposal("CSTDCS", rating="HTXSNV")], ND152_FIRST_DAY) if i.code == "criteria-not-met"]
    assert issue.severity == Severity.WARNING and "dự thảo năm 2025" in issue.message


def test_the_dossier_date_picks_the_basis_and_says_where_it_came_from():
    [before] = [i for i in check([], [proposal("LDTT")], ND98_LAST_DAY) if i.code == "legal-basis"]
    [after] = [i for i in check([], [proposal("LDTT")], ND152_FIRST_DAY) if i.code == "legal-basis"]
    assert "Nghị định 98/2023/NĐ-CP: hồ sơ ngày 30/06/2025 (theo dòng ngày tháng của tệp)" in before.message
    assert "Nghị định 152/2025/NĐ-CP: hồ sơ ngày 01/07/2025" in after.message
    assert before.severity == Severity.INFO
    undated = Submission(path="x.xlsx", sheets=["DS"], nominees=[proposal("LDTT")])
    [today] = [i for i in check_submission(undated, [], default_table(), today=date(2025, 9, 5)) if i.code == "legal-basis"]
    assert "hồ sơ ngày 05/09/2025 (tệp không ghi ngày nên lấy ngày hôm nay)" in today.message


def test_ambiguous_identity_is_reported_not_guessed():
    register = [yr("2023-2024", "HTXSNV", "CSTDCS", born=date(1980, 3, 12)),
                yr("2023-2024", "HTTNV", "LDTT", born=date(1980, 7, 5))]
    for r, unit in zip(register, ("Trường THCS Lê Lợi", "Trường TH Kim Đồng")):
        r.don_vi = unit
    row = proposal("BK_TINH", born=None)
    row.nam_sinh, row.don_vi, row.unit = 1980, "Trường THPT Chu Văn An", "Trường THPT Chu Văn An"
    issues = check(register, [row], ND98_LAST_DAY)
    [amb] = [i for i in issues if i.code == "ambiguous-identity"]
    assert "sinh 12/03/1980, Trường THCS Lê Lợi" in amb.message and "sinh 05/07/1980, Trường TH Kim Đồng" in amb.message
    assert not [i for i in issues if i.code == "criteria-not-met"]  # no verdict on a guess
    # The unit breaks the tie: the row from Trường THCS Lê Lợi is the first An.
    row.don_vi = row.unit = "Trường THCS Lê Lợi"
    row.awards = [AwardProposal(raw=CSTDCS, column="Danh hiệu đề nghị", code="CSTDCS"),
                  AwardProposal(raw=BK_TINH, column="Danh hiệu đề nghị", code="BK_TINH")]
    row.xep_loai, row.ten_sang_kien = Rating.HTXSNV, "Sáng kiến"
    issues = check(register, [row], ND98_LAST_DAY)
    assert not [i for i in issues if i.code in ("ambiguous-identity", "criteria-not-met")]


def test_the_same_name_with_another_birth_date_is_another_person():
    register = [yr("2022-2023", "HTXSNV", "CSTDCS", born=date(1975, 1, 1)), yr("2023-2024", "HTXSNV", "CSTDCS", born=date(1975, 1, 1))]
    message = verdict(check(register, [proposal("BK_TINH")], ND98_LAST_DAY), BK_TINH)
    assert message and "thiếu Chiến sĩ thi đua cơ sở năm học 2023-2024" in message


def member(name: str, *codes: str, rating: str | None = "HTTNV", discipline: str | None = None, unit: str = "Tổ Toán") -> Nominee:
    return Nominee(ho_ten=name, don_vi=unit, unit=UNIT, xep_loai=Rating(rating) if rating else None,
                   awards=[AwardProposal(raw=c, column="Danh hiệu", code=c) for c in codes],
                   extra={"Kỷ luật": discipline} if discipline else {}, file="thanh-vien.xlsx", sheet="DS", row=5)


def collective(code: str) -> Nominee:
    n = proposal(code, who="Tổ Toán", born=None, rating=None, target=Target.TAP_THE)
    return n


def test_collective_ratios_from_the_members_list():
    members = [member(f"Người {i}", "LDTT") for i in range(6)] + [member(f"Người {i}", rating="HTNV") for i in range(6, 10)]
    message = verdict(check([], [collective("TTLDTT")], ND98_LAST_DAY, members=members), CAT["TTLDTT"].name)
    assert message and "mới có 6/10 thành viên (60%) đạt Lao động tiên tiến, cần từ 70%" in message
    assert "Điều 28 Luật Thi đua, khen thưởng 2022" in message
    members = [member(f"Người {i}", "LDTT") for i in range(7)] + [member(f"Người {i}") for i in range(7, 10)]
    assert verdict(check([], [collective("TTLDTT")], ND98_LAST_DAY, members=members), CAT["TTLDTT"].name) is None
    # Tập thể lao động xuất sắc: one CSTĐCS, everyone rated, nobody disciplined at "cảnh cáo" or above.
    members[0] = member("Người 0", "LDTT", discipline="Cảnh cáo")
    message = verdict(check([], [collective("TTLDXS")], ND98_LAST_DAY, members=members), CAT["TTLDXS"].name)
    assert "bị kỷ luật từ mức cảnh cáo trở lên: Người 0" in message
    assert "mới có 0 thành viên đạt Chiến sĩ thi đua cơ sở, cần 1" in message
    # Without a members' list the ratios are not checked.
    assert verdict(check([], [collective("TTLDTT")], ND98_LAST_DAY), CAT["TTLDTT"].name) is None


def test_local_cap_on_cstdcs_is_off_by_default_and_per_unit_when_set():
    rows = [proposal("LDTT", who=f"Giáo viên {i}", row=8 + i) for i in range(10)]
    rows += [proposal("LDTT", "CSTDCS", who=f"Tổ trưởng {i}", rating="HTXSNV", row=20 + i) for i in range(3)]
    assert not [i for i in check([], rows, ND98_LAST_DAY) if "vượt mức tối đa" in i.message]
    table = sheet_rows() + [["TRAN_CSTDCS", "ty_le_toi_da", "15%", "01/09/2024", UNIT, "Hướng dẫn thi đua của Sở", "K", ""]]
    parsed = parse_sheet(table, file="tong-hop.xlsx", first_row=2)
    [cap] = [i for i in check([], rows, ND98_LAST_DAY, table=parsed) if "vượt mức tối đa" in i.message]
    assert "đề nghị 3 Chiến sĩ thi đua cơ sở trên 13 Lao động tiên tiến, vượt mức tối đa 15% (1 người)" in cap.message
    assert cap.severity == Severity.WARNING  # a local rule, not law
    other = parse_sheet(sheet_rows() + [["TRAN_CSTDCS", "ty_le_toi_da", "15%", "01/09/2024", "Trường TH Kim Đồng", "", "K", ""]],
                        file="tong-hop.xlsx", first_row=2)
    assert not [i for i in check([], rows, ND98_LAST_DAY, table=other) if "vượt mức tối đa" in i.message]


def test_the_clerk_edits_a_parameter_and_adds_a_later_basis():
    register = [yr("2023-2024", "HTXSNV", "CSTDCS")]
    rows = sheet_rows()
    for r in rows:
        if r[:2] == ["BK_TINH", "so_nam_cstdcs"]:
            r[2] = 3
    rows.append(["CAN_CU", "ten", "Luật Thi đua, khen thưởng sửa đổi 2026", "01/10/2026", None, "Luật sửa đổi", "R", ""])
    table = parse_sheet(rows, file="tong-hop.xlsx", first_row=2)
    assert not table.issues
    row = proposal("CSTDCS", "BK_TINH", rating="HTXSNV", sang_kien="A")
    assert verdict(check(register, [row], ND98_LAST_DAY), BK_TINH) is None
    assert "thiếu Chiến sĩ thi đua cơ sở năm học 2022-2023" in verdict(check(register, [row], ND98_LAST_DAY, table=table), BK_TINH)
    assert table.basis(date(2026, 10, 1)).value == "Luật Thi đua, khen thưởng sửa đổi 2026"
    assert table.basis(date(2026, 9, 30)).value.endswith("Nghị định 152/2025/NĐ-CP")


def test_a_bad_value_in_quydinh_keeps_the_default_and_is_reported():
    rows = sheet_rows()
    at = next(i for i, r in enumerate(rows) if r[:2] == ["BK_TTG", "so_nam_lien_tuc"])
    rows[at][2] = "năm năm"
    rows.append(["BK_TINH", "so_nam_chua_co", 2, "01/01/2024", None, "", "V", ""])
    table = parse_sheet(rows, file="tong-hop.xlsx", first_row=2)
    assert [(i.code, i.row, i.column) for i in table.issues] == [
        ("invalid-rule-parameter", at + 2, "Giá trị"), ("invalid-rule-parameter", len(rows) + 1, "Tham số")]
    assert table.resolve("BK_TTG", "so_nam_lien_tuc", ND98_LAST_DAY).value == 5
    assert "tạm dùng giá trị mặc định 5" in table.issues[0].message


def test_bad_register_data_never_crashes():
    weird = [YearRecord(ho_ten="Nguyễn Văn An", ngay_sinh=date(1980, 3, 12), nam_hoc="không rõ", ky_luat="có",
                        cap_sang_kien="???"),
             YearRecord(ho_ten="Nguyễn Văn An", ngay_sinh=date(1980, 3, 12), nam_hoc=None, thai_san=True)]
    row = proposal("BK_TINH", "BK_TTG", "HCLD3", "CSTD_TQ", "NGUT", "KNC_GD", nam_hoc="")
    issues = check(weird, [row], ND98_LAST_DAY)
    rules = {i.message.split(" chưa")[0] for i in issues if i.code == "criteria-not-met"}
    assert {BK_TINH, BK_TTG, HCLD3, CAT["CSTD_TQ"].name, CAT["NGUT"].name, CAT["KNC_GD"].name} <= rules


def test_the_general_rules_cite_the_decree_in_force_on_the_dossier_date():
    register = [yr("2024-2025", "HTTNV", dang_xem_xet=True)]
    before = verdict(check(register, [proposal("LDTT")], ND98_LAST_DAY), GENERAL)
    after = verdict(check(register, [proposal("LDTT")], ND152_FIRST_DAY), GENERAL)
    assert before.startswith("Đề nghị khen thưởng chưa được xét (Điều 4 Nghị định 98/2023/NĐ-CP):")
    assert after.startswith("Đề nghị khen thưởng chưa được xét (Nghị định 152/2025/NĐ-CP, giữ quy định tại Điều 4")
    assert "152/2025" not in before


def test_a_row_without_birth_is_not_taken_for_a_stranger_with_no_history():
    register = [yr("2022-2023", "HTXSNV", "CSTDCS"), yr("2023-2024", "HTXSNV", "CSTDCS")]
    row = proposal("BK_TINH", born=None)
    row.don_vi = row.unit = "Trường TH Kim Đồng"
    issues = check(register, [row], ND98_LAST_DAY)
    [amb] = [i for i in issues if i.code == "ambiguous-identity"]
    assert "sinh 12/03/1980, Trường THCS Lê Lợi" in amb.message
    assert not [i for i in issues if i.code == "criteria-not-met"]
    row.don_vi = row.unit = UNIT  # the same unit: it is the An of the register
    assert verdict(check(register, [row], ND98_LAST_DAY), BK_TINH) is None
