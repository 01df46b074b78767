"""The demo inbox: realistic units' lists, some attached to emails, some zipped, one resent."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from addin.demo.layout import Layout
from addin.demo.people import Unit, _AWARD_SPELLINGS, _commune_unit, _make_collectives, _make_people, _school_unit, _so_unit
from addin.demo.writer import DemoFile, _write_workbook
from addin.settings import Settings


def _demo_units(rng: random.Random) -> list[tuple[str, Unit, Layout, int, int]]:
    """(file name, unit, layout, individuals, collectives) of the eight demo files."""
    city = ("thành phố", "Trà Giang")
    nguyen_du = _school_unit("THCS", "Nguyễn Du", city)
    le_loi = _school_unit("TH", "Lê Lợi", city, long_level=True)
    tan_phu = _commune_unit("xã", "Tân Phú", ("huyện", "Long Phú"), rng)
    tran_phu = _school_unit("THPT", "Trần Phú", city)
    hoa_sen = _school_unit("MN", "Hoa Sen", city, long_level=True)
    ttgdtx = _so_unit("Trung tâm GDNN-GDTX Trà Giang", "TT GDNN-GDTX Tra Giang", "TTGDNNGDTX")
    vts = _school_unit("THCS", "Võ Thị Sáu", ("huyện", "Mỹ Xuyên"))
    kim_dong = _school_unit("TH", "Kim Đồng", ("huyện", "Vĩnh Thạnh"), minority=0.35)

    files = [
        ("THCS Nguyen Du - DS de nghi KT 2024-2025.xlsx", nguyen_du,
         Layout(birth="namnu_year", birth_header="Năm sinh", date_styles=("year",), dan_toc=True,
                position="chuc_vu_only", award="two", rating=True, rating_first=True, initiative=True,
                sheet_name="Danh sach", mess=0.15), 32, 0),
        ("TH Le Loi - DS de nghi khen thuong 2024-2025.xlsx", le_loi,
         Layout(birth="date", date_styles=("date",), position="separate", award="one", rating=True,
                initiative=True, initiative_qd=True, sheet_name="DS", mess=0.1), 24, 0),
        ("UBND xa Tan Phu - DS de nghi khen thuong.xlsx", tan_phu,
         Layout(title="official", birth="date", date_styles=("d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy", "date", "year"),
                position="combined", award="one", rating=True, initiative=False, summary=True,
                gender_mess=0.25, sheet_name="Sheet1", mess=0.3), 22, 0),
        ("THPT Tran Phu - ca nhan, tap the.xlsx", tran_phu,
         Layout(title="short", birth="year", birth_header="Năm sinh", date_styles=("year",), position="chuc_vu_only",
                award="one", name_header="Họ và tên cá nhân/Tên tập thể", rating=True, initiative=False,
                summary=True, collectives="sections", restart_stt=True, total_row=True, sheet_name="DS",
                mess=0.15), 28, 6),
        ("MN Hoa Sen - DS de nghi KT.xlsx", hoa_sen,
         Layout(birth="date", date_styles=("dd/mm/yyyy",), position="chuc_vu_only", award="one", rating=True,
                initiative=True, instructions=True, sheet_name="Danh sach", mess=0.1), 18, 0),
        ("TT GDNN-GDTX Tra Giang - DS khen thuong.xlsx", ttgdtx,
         Layout(birth="date", birth_header="Ngày sinh", date_styles=("date",), position="separate",
                award="two_flat", rating=True, initiative=True, collectives="sheets", mess=0.1), 16, 4),
        ("THCS Vo Thi Sau - DS de nghi 2024-2025.xlsx", vts,
         Layout(birth="namnu_date", birth_header="Ngày, tháng, năm sinh", date_styles=("dd/mm/yyyy",),
                position="separate", award="two", rating=True, initiative=True, summary=False, hidden=True,
                stt_header="TT", sheet_name="KT 2024-2025", mess=0.15), 35, 0),
        ("TH Kim Dong - DS de nghi KT 2024-2025.xlsx", kim_dong,
         Layout(title="official", subtitle=False, birth="date", date_styles=("dd-mm-yyyy",), dan_toc=True,
                position="chuc_vu_only", award="one", rating=True, initiative=True, note=True,
                sheet_name="Danh sach", mess=0.2), 21, 0),
    ]
    return files


def write_demo_inbox_with_manifest(folder: Path, seed: int = 2025) -> list[DemoFile]:
    """Write the demo inbox and say what each file holds, planted errors included."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"tdkt-demo-{seed}")
    out = []
    for idx, (fname, unit, layout, n_ind, n_coll) in enumerate(_demo_units(rng)):
        frng = random.Random(f"tdkt-demo-{seed}-{idx}")
        one = layout.award == "one"
        people = _make_people(frng, unit, n_ind, one, unit.abbrev)
        colls = _make_collectives(frng, unit, n_coll, one)
        duplicates: list[tuple[int, int]] = []
        # planted errors: three files of eight, one kind of error per row, never the head's row
        picks = frng.sample(range(3, n_ind - 1), 3)
        if unit.name == "Trường Mầm non Hoa Sen":
            a, b, c = picks
            people[a].name = ""
            people[a].planted = "missing-value"
            people[b].dob_text = "31/02/1985"
            people[b].planted = "invalid-date"
            people[c].award_text = "Huy hiệu Ngôi sao Giáo dục"
            people[c].dh, people[c].ht = None, None
            people[c].planted = "unknown-award"
        elif unit.name == "UBND xã Tân Phú":
            a = picks[0]
            people[a].award_text = frng.choice(_AWARD_SPELLINGS[("CO_TINH", "TX")][:2])
            people[a].dh, people[a].ht = None, ("CO_TINH", "TX")
            people[a].planted = "award-target-mismatch"
        elif unit.name == "Trường TH Kim Đồng":
            a, b = sorted(picks[:2])
            p = people[a]
            p.dh, p.ht, p.rating, p.initiative, p.initiative_qd = "CSTDCS", None, "HTTNV", "", ""
            p.planted = "cstdcs-criteria"
            src = min(picks[2], n_ind - 4)
            if src == a:
                src = a - 1
            duplicates.append((src, src + frng.randint(3, n_ind - src - 1)))
        doc_date = date(2025, 5, frng.randint(8, 22))
        out.append(_write_workbook(folder / fname, unit, layout, people, colls, frng, doc_date,
                                   duplicates=duplicates))
    return out


def write_demo_inbox(folder: Path, seed: int = 2025) -> list[Path]:
    """Write ~8 realistic unit workbooks (for `tdkt demo`) into folder; return their paths.

    Units of the fictional tỉnh Trà Giang (schools, the commune office UBND xã Tân Phú, a centre
    under the Sở), 16-40 rows each, in different layouts. Three files carry planted errors: a
    missing name, an impossible date (31/02/1985), an unknown award (Huy hiệu Ngôi sao Giáo dục),
    a collective award (Cờ thi đua UBND tỉnh) proposed for a person, an exact duplicate row, and a
    CSTĐCS proposed with rating "Hoàn thành tốt nhiệm vụ" and no initiative.
    See write_demo_inbox_with_manifest for where they are.
    """
    return [f.path for f in write_demo_inbox_with_manifest(folder, seed)]


# ---------------------------------------------------------------------------
# The demo inbox as it arrives: some lists attached to emails, some zipped, one resent.

_DEMO_SENT = datetime(2025, 5, 15, 9, 0)


def write_demo_mailbox(folder: Path, seed: int = 2025) -> list[Path]:
    """Write the demo inbox the way a clerk's inbox looks, for `tdkt demo` and `tdkt merge`.

    Most lists are plain attachments saved into the folder; one arrives as a saved email (.eml),
    two in a .zip with a subfolder, and the list of Trường Mầm non Hoa Sen is sent twice: first
    with mistakes, then corrected in a later email, which must replace the first.
    """
    import email.utils
    import os
    import zipfile
    from email.message import EmailMessage

    folder = Path(folder)
    files = write_demo_inbox_with_manifest(folder, seed)
    by_unit = {f.unit: f.path for f in files}
    xlsx_type = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def mail(path: Path, sender: str, subject: str, sent: datetime, attachment: Path, name: str) -> None:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = "thiduakhenthuong@tragiang.edu.vn"
        msg["Subject"] = subject
        msg["Date"] = email.utils.format_datetime(sent.replace(tzinfo=timezone(timedelta(hours=7))))
        msg["Message-ID"] = f"<{path.stem}@tragiang.edu.vn>"
        msg.set_content("Kính gửi Thường trực Hội đồng Thi đua - Khen thưởng,\n\n"
                        "Đơn vị xin gửi danh sách đề nghị khen thưởng năm học 2024-2025 (tệp đính kèm).\n")
        msg.add_attachment(attachment.read_bytes(), maintype=xlsx_type[0], subtype=xlsx_type[1], filename=name)
        msg.set_boundary(f"tdkt-demo-{path.stem}")
        path.write_bytes(bytes(msg))

    # One list kept only as the saved email.
    nguyen_du = by_unit["Trường THCS Nguyễn Du"]
    mail(folder / "Thu - THCS Nguyen Du.eml", "Trường THCS Nguyễn Du <thcsnguyendu@tragiang.edu.vn>",
         "Danh sách đề nghị khen thưởng năm học 2024-2025", datetime(2025, 5, 14, 8, 30), nguyen_du,
         "DS đề nghị khen thưởng - THCS Nguyễn Du.xlsx")
    nguyen_du.unlink()

    # Two lists zipped by a cluster of schools, in a subfolder of the archive.
    zipped = [by_unit["Trường Tiểu học Lê Lợi"], by_unit["Trường THCS Võ Thị Sáu"]]
    with zipfile.ZipFile(folder / "Cum truong so 1.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in zipped:
            info = zipfile.ZipInfo(f"Cum truong so 1/{path.name}", date_time=(2025, 5, 15, 16, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    for path in zipped:
        path.unlink()

    # Hoa Sen resends a corrected list a day later, by email: it must replace the first one.
    first = by_unit["Trường Mầm non Hoa Sen"]
    corrected = _corrected_copy(first)
    mail(folder / "Thu - MN Hoa Sen gui lai.eml", "Trường Mầm non Hoa Sen <mnhoasen@tragiang.edu.vn>",
         "Re: Gửi lại danh sách đề nghị khen thưởng (đã sửa)", datetime(2025, 5, 16, 10, 15), corrected,
         "DS de nghi KT - MN Hoa Sen (da sua).xlsx")
    corrected.unlink()

    stamp = _DEMO_SENT.timestamp()
    for path in folder.iterdir():
        os.utime(path, (stamp, stamp))  # plain attachments "saved" on 15/05/2025
    return sorted(folder.iterdir())


def _corrected_copy(path: Path) -> Path:
    """The same list with its planted mistakes put right (as the unit would after feedback)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "31/02/1985":
                    cell.value = "21/02/1985"
                elif cell.value == "Huy hiệu Ngôi sao Giáo dục":
                    cell.value = "Giấy khen Giám đốc Sở"
        for row in ws.iter_rows(min_col=2, max_col=2):
            cell = row[0]
            left = ws.cell(cell.row, 1).value
            if cell.value in (None, "") and isinstance(left, (int, float)):
                cell.value = "Trần Thị Mai"
    target = path.with_name(path.stem + " (da sua)" + path.suffix)
    book.save(target)
    return target


def demo_settings() -> "Settings":
    """The demo master's CauHinh: a Sở's office, with the plan of domain.md §1 (200 seats, 30% guests)."""

    return Settings(
        parent_agency="UBND tỉnh Trà Giang", unit_name="Sở Giáo dục và Đào tạo", place="Trà Giang",
        preparer="Nguyễn Thị Thu Hà", signer_title="Giám đốc", signer="Trần Minh Đức",
        seats=40, guest_share=0.30, targets={"female": 0.5, "ethnic_minority": 0.1},
    )


def demo_guests() -> list[list[Any]]:
    """A short guest list (KhachMoi) as a clerk would fill it in."""
    guests = [
        ("Lê Văn Hùng", "Phó Chủ tịch UBND tỉnh", "UBND tỉnh Trà Giang", "Nam", "Kinh"),
        ("Nguyễn Thị Hồng", "Trưởng ban Tuyên giáo", "Tỉnh ủy Trà Giang", "Nữ", "Kinh"),
        ("Thạch Sô Phol", "Phó Trưởng ban", "Ban Dân tộc tỉnh", "Nam", "Khmer"),
        ("Phạm Thu Trang", "Chủ tịch", "Công đoàn ngành Giáo dục", "Nữ", "Kinh"),
        ("Đỗ Quang Vinh", "Phó Giám đốc", "Sở Nội vụ", "Nam", "Kinh"),
        ("Võ Thị Kim Ngân", "Trưởng phòng", "Sở Tài chính", "Nữ", "Kinh"),
    ]
    return [[i, *g, None] for i, g in enumerate(guests, start=1)]
