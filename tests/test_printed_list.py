"""The official list (DanhSachTrinhKy): merged unit lists, exported by `tdkt export --pdf`, read back.

What a council reads and a leader signs: the catalogue's award names as section titles, never
its codes; every nominee of a row without errors, none of a row with errors; every word at
least 9 pt (pdftotext's word boxes, as in test_printed).
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from conftest import unit_list
from test_printed import missing_names, needs_libreoffice, page_texts, words_of

from addin import schema
from addin.catalogue import default_catalogue
from addin.cli import main
from addin.demo.mailbox import write_demo_mailbox
from addin.workbook.masterbook import read_master

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Danh hiệu đề nghị", "Tóm tắt thành tích"]
LE_LOI = "TRƯỜNG THCS LÊ LỢI"
KIM_DONG = "TRƯỜNG TIỂU HỌC KIM ĐỒNG"
CODES = sorted(default_catalogue().awards)


def tdkt(*args: str) -> None:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output


def exported(master: Path, tmp_path: Path) -> Path:
    pdf = tmp_path / "trinh-ky.pdf"
    tdkt("export", str(master), "--sheet", schema.PRINT_LIST, "--pdf", str(pdf))
    assert pdf.stat().st_size > 0
    return pdf


def assert_readable(pdf: Path) -> str:
    """The page's text, once every word is checked to be at least 9 pt and no award code shows."""
    words = words_of(pdf)
    small = [(w.page, w.text, round(w.height, 1)) for w in words if w.height < 9]
    assert words and not small, small[:10]
    text = " ".join(w.text for w in words)
    codes = [c for c in CODES if re.search(rf"(?<![\w]){re.escape(c)}(?![\w])", text)]
    assert codes == [], codes
    # nothing runs past the paper's width (A4 landscape, 842 pt)
    assert max(w.x1 for w in words) < 842 - 20
    return text


@needs_libreoffice
def test_official_list_groups_by_award_names_and_leaves_out_rows_with_errors(tmp_path: Path) -> None:
    le_loi = unit_list(tmp_path / "hop-thu" / "le-loi.xlsx", [
        [1, "Nguyễn Văn An", "12/03/1980", "Giáo viên", "Lao động tiên tiến", None],
        [2, "Trần Thị Bình", "05/09/1985", "Tổ trưởng", "Chiến sĩ thi đua cơ sở; Lao động tiên tiến",
         "Dạy giỏi cấp huyện hai năm liền, có sáng kiến được công nhận cấp cơ sở"],
        [3, "Ngô Thị Giang", "29/02/1987", "Giáo viên", "Lao động tiên tiến", None],  # no such date: Lỗi
        [4, "Lê Văn Cường", "20/11/1978", "Hiệu trưởng", "Bằng khen Chủ tịch UBND tỉnh", None],
    ], unit=LE_LOI, header=HEADER)
    unit_list(tmp_path / "hop-thu" / "kim-dong.xlsx", [
        [1, "Phạm Thị Dung", "02/02/1982", "Giáo viên", "CSTĐCS", None],
        [2, "Hoàng Văn Em", "14/07/1990", "Giáo viên", "LĐTT", None],
    ], unit=KIM_DONG, header=HEADER)
    master = tmp_path / "tong-hop.xlsx"
    tdkt("merge", str(master), str(le_loi.parent))
    rows = read_master(master).rows
    assert {r.ho_ten: r.status for r in rows} == {
        "Nguyễn Văn An": "OK", "Trần Thị Bình": "OK", "Ngô Thị Giang": "Lỗi", "Lê Văn Cường": "OK",
        "Phạm Thị Dung": "OK", "Hoàng Văn Em": "OK"}

    pdf = exported(master, tmp_path)
    text = assert_readable(pdf)
    joined = " ".join(text.split())
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in joined
    # sections by the catalogue's rank, individuals: Bằng khen (11), CSTĐCS (13), LĐTT (17)
    titles = ["I. BẰNG KHEN CỦA CHỦ TỊCH UBND TỈNH (cá nhân)", "II. CHIẾN SĨ THI ĐUA CƠ SỞ",
              "III. LAO ĐỘNG TIÊN TIẾN"]
    at = [joined.find(t) for t in titles]
    assert -1 not in at and at == sorted(at), at
    assert "IV." not in joined.split()
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]
    assert missing_names(names, pdf) == []
    assert missing_names(["Ngô Thị Giang"], pdf) == ["Ngô Thị Giang"]
    assert "Ngô" not in text.split()
    # a row proposing two awards is in both sections; the units head their people
    assert joined.count("Trần Thị Bình") == 2
    units = {r.ho_ten: r.unit for r in rows}
    lao_dong = joined[at[2]:]
    assert f"{units['Nguyễn Văn An']} (2)" in lao_dong and f"{units['Hoàng Văn Em']} (1)" in lao_dong
    assert "Dạy giỏi cấp huyện hai năm liền" in joined
    # no status column: statuses stay on DanhSach
    table = joined.split("Ghi chú:")[0]
    assert "Tình trạng" not in table and not re.search(r"\b(OK|Lỗi|Cảnh báo)\b", table)
    assert "1 dòng còn lỗi chưa được ghi" in joined


@needs_libreoffice
def test_official_list_of_the_demo_inbox_names_every_nominee_without_errors(tmp_path: Path) -> None:
    inbox = tmp_path / "hop-thu"
    write_demo_mailbox(inbox)
    master = tmp_path / "tong-hop.xlsx"
    tdkt("merge", str(master), str(inbox))
    rows = read_master(master).rows
    ok = sorted({str(r.ho_ten) for r in rows if r.status != schema.STATUS_ERROR and r.ho_ten})
    errors = {str(r.ho_ten) for r in rows if r.status == schema.STATUS_ERROR and r.ho_ten} - set(ok)
    assert len(ok) > 100 and errors

    pdf = exported(master, tmp_path)
    text = assert_readable(pdf)
    assert missing_names(ok, pdf) == []
    assert sorted(missing_names(sorted(errors), pdf)) == sorted(errors)
    joined = " ".join(text.split())
    for name in ("CHIẾN SĨ THI ĐUA CƠ SỞ", "LAO ĐỘNG TIÊN TIẾN", "TẬP THỂ LAO ĐỘNG TIÊN TIẾN"):
        assert name in joined, name
    # pages numbered per Nghị định 30/2020 (from the second, at the top); signatures on the last
    pages = page_texts(pdf)
    assert len(pages) > 2 and "NGƯỜI LẬP BIỂU" in pages[-1]
    for n, page in enumerate(pages[1:], start=2):
        assert page.strip().split()[0] == str(n), (n, page[:80])
    # every page with a header has a nominee under it: a header never ends a page
    for page in pages:
        if "STT" in page:
            assert re.search(r"^\s*\d+\s+\S", page.split("Tóm tắt thành tích", 1)[1], flags=re.M), page[-300:]
