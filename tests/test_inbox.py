"""Collecting unit lists from what clerks receive: folders, emails (.eml, .msg) and zip archives.

Each test builds the real thing a unit would send (an email with its attachments, a zip made
the way some tool makes it) and checks what the clerk is shown, when and by whom the list was
sent, and why a container was refused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import unicodedata
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from addin import inbox
from addin.inbox import Source, collect_sources, member_name, safe_filename
from addin.workbook import reader
from conftest import Sheet, write_workbook

VN = timezone(timedelta(hours=7))
SENT = datetime(2025, 5, 12, 8, 30, tzinfo=VN)
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# ---------------------------------------------------------------------------
# Factories


@pytest.fixture
def make_list(tmp_path: Path):
    """The bytes of a small nominee workbook, different for each unit name."""
    made = tmp_path / "made"
    made.mkdir()

    def make(unit: str = "TRƯỜNG THCS LÊ LỢI") -> bytes:
        path = made / f"{len(list(made.iterdir()))}.xlsx"
        write_workbook(path, [Sheet(title=[[unit]], header=[["STT", "Họ và tên", "Danh hiệu"]],
                                    rows=[[1, "Nguyễn Văn An", "LĐTT"]])])
        return path.read_bytes()

    return make


def mail(subject: str = "DS đề nghị khen thưởng năm học 2024-2025", sender: str = "Trường THCS Lê Lợi <thcs.leloi@example.edu.vn>",
         sent: datetime | None = SENT, attachments: list[tuple[str, bytes]] = (), forwarded: list[EmailMessage] = (),
         message_id: str = "<ds-2025@example.edu.vn>") -> EmailMessage:
    """An email as a unit's mail client sends it: body text, then the attachments."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = "pgd@example.gov.vn"
    if sent is not None:
        message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id
    message.set_content("Kính gửi Phòng GD&ĐT,\nĐơn vị gửi danh sách đề nghị khen thưởng.\n")
    for name, data in attachments:
        suffix = Path(name).suffix.lower()
        maintype, subtype = XLSX_TYPE if suffix == ".xlsx" else ("application", "octet-stream")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    for inner in forwarded:
        message.add_attachment(inner)  # message/rfc822: "Forward as attachment"
    return message


def write_eml(path: Path, message: EmailMessage) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))
    return path


def zip_bytes(members: dict[str, bytes], when: tuple = (2025, 5, 10, 14, 5, 0),
              compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive (UTF-8 names, flagged) holding the members in this order."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


class RawName(zipfile.ZipInfo):
    """A member whose name bytes are written as given, without the UTF-8 flag, as old tools do."""

    def __init__(self, raw: bytes, extra: bytes = b"") -> None:
        super().__init__(raw.decode("cp437"), date_time=(2025, 5, 10, 14, 5, 0))
        self.raw = raw
        self.extra = extra

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
        return self.raw, self.flag_bits


def zip_raw_names(path: Path, members: list[tuple[RawName, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in members:
            archive.writestr(info, data)
    return path


def cp1258(text: str) -> bytes:
    """Text in Windows' Vietnamese code page: â ê ô ă ơ ư đ precomposed, the tone a combining mark."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", base + "".join(marks[:-1])).encode("cp1258") + marks[-1].encode("cp1258")
    return out


def set_encrypted_flag(path: Path, member: str) -> None:
    """Mark a member as encrypted (general purpose bit 0) in both of its headers, as ZipCrypto does."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo(member).header_offset
    data[offset + 6] |= 0x1
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        (name_len,) = struct.unpack_from("<H", data, pos + 28)
        if data[pos + 46 : pos + 46 + name_len] == member.encode():
            data[pos + 8] |= 0x1
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def shown(sources: list[Source]) -> list[str]:
    return [s.shown for s in sources]


def assert_extracted(source: Source, workdir: Path, data: bytes) -> None:
    """The source is a file under workdir holding exactly these bytes."""
    assert source.path.resolve().is_relative_to(workdir.resolve())
    assert source.path.read_bytes() == data
    assert source.sha256 == sha(data)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "work"


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path, so shown names are short and relative, as a clerk types them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------------------
# Folders


def test_folder_takes_lists_emails_and_archives_and_marks_lock_files(in_tmp, workdir, make_list):
    box = in_tmp / "hop-thu"
    (box / "sub").mkdir(parents=True)
    (box / "a.xlsx").write_bytes(make_list())
    (box / "sub" / "b.xlsx").write_bytes(make_list("TRƯỜNG TH KIM ĐỒNG"))
    (box / "to trinh.pdf").write_bytes(b"%PDF-1.4\n")  # the signed cover letter: not ours
    (box / "~$a.xlsx").write_bytes(b"\x0bNguyen Van A")
    (box / ".~lock.a.xlsx#").write_text("Nguyen Van A,may-1,26.05.2025 08:00,", encoding="utf-8")
    (box / "~$to trinh.docx").write_bytes(b"\x0bNguyen Van A")  # Word's lock file: not ours either
    write_eml(box / "thu.eml", mail(attachments=[("DS.xlsx", make_list("TRƯỜNG MN HOA SEN"))]))
    (box / "goi.zip").write_bytes(zip_bytes({"c.xlsx": make_list("TRƯỜNG THPT CHU VĂN AN")}))

    sources = collect_sources(["hop-thu"], workdir)

    assert [(s.shown, s.ignored, s.rejected) for s in sources] == [
        (os.path.join("hop-thu", ".~lock.a.xlsx#"), "tệp khóa tạm của Office", None),
        (os.path.join("hop-thu", "a.xlsx"), None, None),
        (os.path.join("hop-thu", "goi.zip") + " » c.xlsx", None, None),
        (os.path.join("hop-thu", "sub", "b.xlsx"), None, None),
        (os.path.join("hop-thu", "thu.eml") + " » DS.xlsx", None, None),
        (os.path.join("hop-thu", "~$a.xlsx"), "tệp khóa tạm của Office", None),
    ]
    plain = sources[1]
    assert plain.path.resolve() == (box / "a.xlsx").resolve()
    assert plain.sha256 == sha((box / "a.xlsx").read_bytes())
    assert plain.sent_from == "file" and plain.container is None and plain.sender is None


def test_plain_file_is_dated_by_its_modification_time(in_tmp, workdir, make_list):
    path = in_tmp / "a.xlsx"
    path.write_bytes(make_list())
    os.utime(path, (1747000000, 1747000000))

    [source] = collect_sources(["a.xlsx"], workdir)

    assert source.sent_from == "file"
    assert source.sent_at is not None and source.sent_at.tzinfo is not None
    assert source.sent_at == datetime.fromtimestamp(1747000000, tz=timezone.utc)


def test_a_file_named_explicitly_is_always_taken(in_tmp, workdir):
    (in_tmp / "to trinh.pdf").write_bytes(b"%PDF-1.4\n")

    [source] = collect_sources(["to trinh.pdf"], workdir)

    # ingest tells the clerk it is not a spreadsheet; here it is just handed on
    assert (source.shown, source.ignored, source.rejected) == ("to trinh.pdf", None, None)
    assert source.sha256 == sha(b"%PDF-1.4\n")


def test_a_missing_path_is_rejected(in_tmp, workdir):
    [source] = collect_sources(["khong-co.xlsx"], workdir)

    assert source.rejected == "Không tìm thấy tệp này (hoặc đây không phải là tệp)."


def test_progress_is_reported_for_each_file_and_container(in_tmp, workdir, make_list):
    box = in_tmp / "hop-thu"
    box.mkdir()
    (box / "a.xlsx").write_bytes(make_list())
    write_eml(box / "thu.eml", mail(attachments=[("x.xlsx", make_list()), ("y.xlsx", make_list("TRƯỜNG TH A"))]))
    calls = []

    sources = collect_sources(["hop-thu"], workdir, lambda done, total, name: calls.append((done, total, name)))

    assert len(sources) == 3
    assert calls == [(0, 2, os.path.join("hop-thu", "a.xlsx")), (1, 2, os.path.join("hop-thu", "thu.eml")), (2, 2, "")]


# ---------------------------------------------------------------------------
# Emails (.eml)


def test_email_attachment_with_vietnamese_name(in_tmp, workdir, make_list):
    data = make_list()
    write_eml(in_tmp / "hop-thu" / "thu.eml", mail(attachments=[("DS đề nghị khen thưởng.xlsx", data)]))

    [source] = collect_sources(["hop-thu"], workdir)

    assert source.shown == os.path.join("hop-thu", "thu.eml") + " » DS đề nghị khen thưởng.xlsx"
    assert source.path.name == "DS đề nghị khen thưởng.xlsx"
    assert_extracted(source, workdir, data)
    assert source.sent_at == SENT and source.sent_at.utcoffset() == timedelta(hours=7)
    assert source.sent_from == "email"
    assert source.sender == "thcs.leloi@example.edu.vn"
    assert source.subject == "DS đề nghị khen thưởng năm học 2024-2025"
    assert source.message_id == "<ds-2025@example.edu.vn>"
    assert source.container == os.path.join("hop-thu", "thu.eml")
    assert source.usable


def test_vietnamese_name_is_read_back_from_rfc_2231_encoding(in_tmp, workdir, make_list):
    raw = bytes(mail(attachments=[("DS đề nghị khen thưởng.xlsx", make_list())]))
    # what EmailMessage wrote: RFC 2231, percent-encoded UTF-8 split over continuation lines
    assert b"filename*0*=utf-8''DS%20%C4%91%E1%BB%81" in raw and b"filename*1*=" in raw
    (in_tmp / "thu.eml").write_bytes(raw)

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.shown == "thu.eml » DS đề nghị khen thưởng.xlsx"


def test_vietnamese_name_in_rfc_2047_words_as_outlook_and_gmail_write_it(in_tmp, workdir):
    encoded = "=?UTF-8?B?RFMgxJHhu4Egbmdo4buLIGtoZW4gdGjGsOG7n25nLnhsc3g=?="  # "DS đề nghị khen thưởng.xlsx"
    raw = (
        "From: =?UTF-8?B?VHLGsOG7nW5nIFRIIEtpbSDEkOG7k25n?= <th.kimdong@example.edu.vn>\r\n"
        "Subject: =?UTF-8?B?RFMga2hlbiB0aMaw4bufbmc=?=\r\n"
        "Date: Tue, 13 May 2025 09:15:00 +0700\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDS\r\n"
        f'--b1\r\nContent-Type: application/vnd.ms-excel; name="{encoded}"\r\n'
        f'Content-Disposition: attachment; filename="{encoded}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nUEsDBGxpc3Q=\r\n--b1--\r\n"
    )
    (in_tmp / "thu.eml").write_bytes(raw.encode("ascii"))

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.shown == "thu.eml » DS đề nghị khen thưởng.xlsx"
    assert source.subject == "DS khen thưởng"
    assert source.sender == "th.kimdong@example.edu.vn"
    assert source.sent_at == datetime(2025, 5, 13, 9, 15, tzinfo=VN)
    assert source.path.read_bytes() == b"PK\x03\x04list"


def test_raw_utf8_attachment_name_in_the_header(in_tmp, workdir):
    raw = (
        "From: a@example.edu.vn\r\nSubject: DS\r\nDate: Tue, 13 May 2025 09:15:00 +0700\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        '--b1\r\nContent-Type: application/octet-stream\r\n'
        'Content-Disposition: attachment; filename="Danh sách đề nghị.xlsx"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nUEsDBGxpc3Q=\r\n--b1--\r\n"
    ).encode("utf-8")
    (in_tmp / "thu.eml").write_bytes(raw)

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.shown == "thu.eml » Danh sách đề nghị.xlsx"


def test_the_same_list_by_email_and_as_a_file_has_the_same_hash(in_tmp, workdir, samples):
    data = (samples / "TH Quang Trung.xls").read_bytes()
    box = in_tmp / "hop-thu"
    box.mkdir()
    shutil.copy(samples / "TH Quang Trung.xls", box / "TH Quang Trung.xls")
    write_eml(box / "thu.eml", mail(attachments=[("DS TH Quang Trung.xls", data)]))

    as_file, by_email = collect_sources(["hop-thu"], workdir)

    assert as_file.shown == os.path.join("hop-thu", "TH Quang Trung.xls")
    assert by_email.shown == os.path.join("hop-thu", "thu.eml") + " » DS TH Quang Trung.xls"
    assert by_email.sha256 == as_file.sha256 == sha(data)
    assert_extracted(by_email, workdir, data)
    # the extracted copy is a workbook ingest reads like the original
    from addin.catalogue import default_catalogue
    from addin.validate import validate_file

    submission = validate_file(by_email.path, by_email.shown, default_catalogue())
    assert submission.status == "ok" and len(submission.nominees) == 24


def test_two_attachments_with_the_same_name_do_not_overwrite_each_other(in_tmp, workdir, make_list):
    first, second = make_list("TRƯỜNG TH A"), make_list("TRƯỜNG TH B")
    write_eml(in_tmp / "thu.eml", mail(attachments=[("DS.xlsx", first), ("DS.xlsx", second)]))

    a, b = collect_sources(["thu.eml"], workdir)

    assert a.path != b.path
    assert_extracted(a, workdir, first)
    assert_extracted(b, workdir, second)


@pytest.mark.parametrize("name", ["../../ngoai.xlsx", "..\\..\\ngoai.xlsx", "/etc/ngoai.xlsx", "C:\\Windows\\ngoai.xlsx"])
def test_an_attachment_name_cannot_write_outside_workdir(in_tmp, workdir, make_list, name):
    data = make_list()
    write_eml(in_tmp / "thu.eml", mail(attachments=[(name, data)]))

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.path.name == "ngoai.xlsx"
    assert_extracted(source, workdir, data)
    assert not (in_tmp / "ngoai.xlsx").exists()


def test_forwarded_message_is_opened_and_its_own_sender_and_date_kept(in_tmp, workdir, make_list):
    data = make_list()
    original = mail(subject="DS khen thưởng TH Kim Đồng", sender="Hiệu trưởng <ht.kimdong@example.edu.vn>",
                    sent=datetime(2025, 5, 9, 16, 0, tzinfo=VN), attachments=[("DS Kim Đồng.xlsx", data)],
                    message_id="<goc@example.edu.vn>")
    forward = mail(subject="Fwd: DS khen thưởng TH Kim Đồng", sender="Văn thư <vanthu@example.edu.vn>",
                   forwarded=[original], attachments=[("to trinh.pdf", b"%PDF-1.4\n")])
    write_eml(in_tmp / "thu.eml", forward)

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.shown == "thu.eml » DS khen thưởng TH Kim Đồng.eml » DS Kim Đồng.xlsx"
    assert_extracted(source, workdir, data)
    assert source.sender == "ht.kimdong@example.edu.vn"
    assert source.sent_at == datetime(2025, 5, 9, 16, 0, tzinfo=VN) and source.sent_from == "email"
    assert source.message_id == "<goc@example.edu.vn>"
    assert source.container == "thu.eml"


def test_forwarded_message_without_date_takes_the_forwarding_date(in_tmp, workdir, make_list):
    original = mail(sent=None, attachments=[("DS.xlsx", make_list())])
    write_eml(in_tmp / "thu.eml", mail(subject="Fwd", forwarded=[original]))

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.sent_at == SENT and source.sent_from == "email"


def test_zip_attached_to_an_email_is_opened_and_dated_by_the_email(in_tmp, workdir, make_list):
    data = make_list()
    archive = zip_bytes({"ho so/DS đề nghị.xlsx": data, "ho so/to trinh.pdf": b"%PDF"})
    write_eml(in_tmp / "thu.eml", mail(attachments=[("Hồ sơ khen thưởng.zip", archive)]))

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.shown == "thu.eml » Hồ sơ khen thưởng.zip » ho so/DS đề nghị.xlsx"
    assert_extracted(source, workdir, data)
    assert source.sent_at == SENT and source.sent_from == "email"  # not the zip entry's time
    assert source.sender == "thcs.leloi@example.edu.vn"


def test_email_without_a_spreadsheet_is_rejected_naming_its_subject(in_tmp, workdir):
    write_eml(in_tmp / "thu.eml", mail(subject="Tờ trình khen thưởng", attachments=[("to trinh.pdf", b"%PDF-1.4\n")]))

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.rejected == (
        "Thư “Tờ trình khen thưởng” không có tệp bảng tính đính kèm (chỉ có: to trinh.pdf): "
        "hãy đề nghị đơn vị gửi lại kèm tệp danh sách (.xlsx hoặc .xls)."
    )
    assert source.shown == "thu.eml" and source.sha256 == ""
    assert source.sender == "thcs.leloi@example.edu.vn" and source.sent_at == SENT  # to reply to


def test_email_without_date_is_dated_by_the_file(in_tmp, workdir, make_list):
    path = write_eml(in_tmp / "thu.eml", mail(sent=None, attachments=[("DS.xlsx", make_list())]))
    os.utime(path, (1747000000, 1747000000))

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.sent_from == "file"
    assert source.sent_at == datetime.fromtimestamp(1747000000, tz=timezone.utc)


@pytest.mark.parametrize("content", [b"\x00\x01\x02 binary", "Ghi chú của văn thư\nkhông phải thư\n".encode()])
def test_a_file_that_is_not_an_email_is_rejected(in_tmp, workdir, content):
    (in_tmp / "thu.eml").write_bytes(content)

    [source] = collect_sources(["thu.eml"], workdir)

    assert source.rejected == "Không đọc được tệp thư (.eml): tệp bị hỏng hoặc không phải thư điện tử."


# ---------------------------------------------------------------------------
# Zip archives


def test_zip_members_in_subfolders_and_nested_zips(in_tmp, workdir, make_list):
    a, c, z = make_list("TRƯỜNG TH A"), make_list("TRƯỜNG TH C"), make_list("TRƯỜNG TH Z")
    inner = zip_bytes({"z.xlsx": z}, when=(2025, 5, 11, 9, 0, 0))
    archive = zip_bytes({
        "sub/": b"",
        "sub/c.xlsx": c,
        "a.xlsx": a,
        "__MACOSX/._a.xlsx": b"\x00\x05\x16\x07",
        "~$a.xlsx": b"\x0bNguyen Van A",
        "ghi chu.txt": "gửi kèm".encode(),
        "inner.zip": inner,
    })
    (in_tmp / "b.zip").write_bytes(archive)

    sources = collect_sources(["b.zip"], workdir)

    assert shown(sources) == ["b.zip » a.xlsx", "b.zip » inner.zip » z.xlsx", "b.zip » sub/c.xlsx"]
    for source, data in zip(sources, (a, z, c)):
        assert_extracted(source, workdir, data)
        assert source.container == "b.zip" and source.sent_from == "zip" and source.sender is None
    assert sources[0].sent_at == datetime(2025, 5, 10, 14, 5).astimezone()  # entry time, local
    assert sources[0].sent_at.tzinfo is not None
    assert sources[1].sent_at == datetime(2025, 5, 11, 9, 0).astimezone()


def test_email_saved_inside_a_zip_is_opened(in_tmp, workdir, make_list):
    data = make_list()
    message = bytes(mail(attachments=[("DS.xlsx", data)]))
    (in_tmp / "b.zip").write_bytes(zip_bytes({"thu.eml": message}))

    [source] = collect_sources(["b.zip"], workdir)

    assert source.shown == "b.zip » thu.eml » DS.xlsx"
    assert source.sent_at == SENT and source.sent_from == "email"
    assert_extracted(source, workdir, data)


@pytest.mark.parametrize("name", ["../evil.xlsx", "sub/../../evil.xlsx", "/tmp/evil.xlsx", "..\\evil.xlsx", "C:/evil.xlsx"])
def test_zip_slip_paths_are_refused(in_tmp, workdir, make_list, name):
    (in_tmp / "b.zip").write_bytes(zip_bytes({"ok.xlsx": make_list(), name: make_list()}))

    [source] = collect_sources(["b.zip"], workdir)

    assert source.rejected.startswith("Tệp nén chứa đường dẫn không an toàn (“")
    assert source.rejected.endswith("trỏ ra ngoài thư mục giải nén): từ chối giải nén vì lý do an toàn.")
    assert source.shown == "b.zip" and source.path == Path("b.zip")
    assert not (in_tmp / "evil.xlsx").exists() and not list(workdir.rglob("*.xlsx"))


def test_encrypted_member_is_refused(in_tmp, workdir, make_list):
    path = in_tmp / "b.zip"
    path.write_bytes(zip_bytes({"a.xlsx": make_list(), "DS mật.xlsx": make_list()}))
    set_encrypted_flag(path, "DS mật.xlsx")

    [source] = collect_sources(["b.zip"], workdir)

    assert source.rejected == (
        "Tệp nén có đặt mật khẩu (tệp “DS mật.xlsx”): hãy đề nghị đơn vị gửi lại tệp nén không đặt mật khẩu."
    )


def test_zip_bomb_is_refused_from_its_directory(in_tmp, workdir):
    # 20 MB of zeros deflate to ~20 KB: a ratio of ~1000, beyond the reader's MAX_RATIO
    (in_tmp / "b.zip").write_bytes(zip_bytes({"DS.xlsx": bytes(20 * 1024 * 1024)}))

    [source] = collect_sources(["b.zip"], workdir)

    assert source.rejected == (
        "Tệp nén có dấu hiệu “bom nén” (tệp “DS.xlsx” giải nén ra 20 MB): từ chối giải nén vì lý do an toàn."
    )
    assert not list(workdir.rglob("*.xlsx"))  # refused before anything was inflated


def test_zip_unpacking_beyond_the_limit_is_refused(in_tmp, workdir, monkeypatch):
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 1024 * 1024)
    (in_tmp / "b.zip").write_bytes(zip_bytes({"a.xlsx": os.urandom(600_000), "b.xlsx": os.urandom(600_000)}))

    [source] = collect_sources(["b.zip"], workdir)

    assert source.rejected == "Tệp nén giải nén ra quá lớn (trên 1 MB): từ chối giải nén vì lý do an toàn."


def test_nested_zips_cannot_multiply_past_the_limit(in_tmp, workdir, monkeypatch):
    monkeypatch.setattr(reader, "MAX_UNPACKED_BYTES", 1024 * 1024)
    inner = zip_bytes({"a.xlsx": os.urandom(700_000)}, compression=zipfile.ZIP_STORED)
    (in_tmp / "b.zip").write_bytes(zip_bytes({"inner.zip": inner}))

    [source] = collect_sources(["b.zip"], workdir)

    # each archive alone is under 1 MB; together they unpack to 1.4 MB
    assert source.shown == "b.zip » inner.zip"
    assert source.rejected == "Tệp nén giải nén ra quá lớn (trên 1 MB): từ chối giải nén vì lý do an toàn."


def test_archives_nested_too_deep_are_refused(in_tmp, workdir, make_list, monkeypatch):
    monkeypatch.setattr(inbox, "MAX_DEPTH", 2)
    data = zip_bytes({"a.xlsx": make_list()})
    for level in range(3):
        data = zip_bytes({f"{level}.zip": data})
    (in_tmp / "b.zip").write_bytes(data)

    [source] = collect_sources(["b.zip"], workdir)

    assert source.shown == "b.zip » 2.zip » 1.zip » 0.zip"
    assert source.rejected == "Tệp nén hoặc thư lồng nhau quá nhiều lớp: từ chối mở vì lý do an toàn."


def test_damaged_zips_are_refused(in_tmp, workdir, make_list):
    (in_tmp / "rac.zip").write_bytes(os.urandom(3000))
    payload = b"PK\x03\x04" + b"unit list " * 50
    damaged = bytearray(zip_bytes({"a.xlsx": payload}, compression=zipfile.ZIP_STORED))
    damaged[damaged.find(b"unit list") + 3] ^= 0xFF  # one flipped byte: the CRC no longer matches
    (in_tmp / "crc.zip").write_bytes(bytes(damaged))

    sources = collect_sources(["rac.zip", "crc.zip"], workdir)

    assert [s.rejected for s in sources] == ["Tệp nén bị hỏng, không giải nén được: hãy đề nghị đơn vị gửi lại."] * 2


def test_zip_without_a_spreadsheet_is_rejected(in_tmp, workdir):
    (in_tmp / "b.zip").write_bytes(zip_bytes({"to trinh.pdf": b"%PDF", "~$a.xlsx": b"lock"}))

    [source] = collect_sources(["b.zip"], workdir)

    assert source.rejected == (
        "Tệp nén không chứa tệp bảng tính nào (.xlsx, .xls…): hãy đề nghị đơn vị gửi lại tệp danh sách."
    )


@pytest.mark.parametrize(
    "raw, extra",
    [
        pytest.param("DS đề nghị khen thưởng.xlsx".encode("utf-8"), b"", id="utf-8 bytes without the flag (7-Zip, macOS)"),
        pytest.param(cp1258("DS đề nghị khen thưởng.xlsx"), b"", id="cp1258 (Windows, Vietnamese)"),
        pytest.param(
            b"DS de nghi.xlsx",
            struct.pack("<HHBI", 0x7075, 5 + len("sub/DS đề nghị khen thưởng.xlsx".encode()), 1, zlib.crc32(b"sub/DS de nghi.xlsx"))
            + "sub/DS đề nghị khen thưởng.xlsx".encode(),
            id="Info-ZIP Unicode Path field (WinRAR)",
        ),
    ],
)
def test_vietnamese_member_names_from_windows_tools(in_tmp, workdir, make_list, raw, extra):
    data = make_list()
    zip_raw_names(in_tmp / "b.zip", [(RawName(b"sub/" + raw, extra), data)])
    with zipfile.ZipFile(in_tmp / "b.zip") as archive:
        [info] = archive.infolist()
        assert not info.flag_bits & 0x800  # written as those tools write it
        assert member_name(info) == "sub/DS đề nghị khen thưởng.xlsx"

    [source] = collect_sources(["b.zip"], workdir)

    assert source.shown == "b.zip » sub/DS đề nghị khen thưởng.xlsx"
    assert source.path.name == "DS đề nghị khen thưởng.xlsx"
    assert_extracted(source, workdir, data)


def test_mac_zip_names_are_composed(in_tmp, workdir, make_list):
    decomposed = unicodedata.normalize("NFD", "Đề nghị.xlsx")
    (in_tmp / "b.zip").write_bytes(zip_bytes({decomposed: make_list()}))

    [source] = collect_sources(["b.zip"], workdir)

    assert source.shown == "b.zip » Đề nghị.xlsx"


# ---------------------------------------------------------------------------
# Outlook (.msg)

@pytest.fixture
def outlook_message():
    """Build an Outlook item as a received or sent message is saved with File > Save As (.msg).

    extract-msg only reads; aspose-email-foss (MIT, pure Python) writes real .msg files, so the
    reading is tested against files another implementation made.
    """
    writer = pytest.importorskip("aspose.email_foss.msg", reason="aspose-email-foss writes the test .msg files")
    return lambda *args, **kwargs: _outlook_message(writer, *args, **kwargs)


def _outlook_message(msg_writer, subject: str, attachments: list[tuple[str, bytes]], sender_name: str | None = None,
                    sender_address: str | None = None, delivered: datetime | None = None, headers: str | None = None):
    message = msg_writer.MapiMessage.create(subject, "Kính gửi Phòng GD&ĐT")
    if sender_name:
        message.set_property(msg_writer.PropertyId.SENDER_NAME, sender_name)
    if sender_address:
        message.set_property(msg_writer.PropertyId.SENDER_ADDRESS_TYPE, "SMTP")
        message.set_property(msg_writer.PropertyId.SENDER_EMAIL_ADDRESS, sender_address)
    if delivered:
        message.set_property(msg_writer.PropertyId.MESSAGE_DELIVERY_TIME, delivered)
    if headers:
        message.set_property(msg_writer.PropertyId.TRANSPORT_MESSAGE_HEADERS, headers)
    message.add_recipient("pgd@example.gov.vn", display_name="Phòng GD&ĐT")
    for name, data in attachments:
        message.add_attachment(name, data, mime_type="application/octet-stream")
    return message


def with_embedded_header_as_outlook_writes_it(path: Path) -> None:
    """Give embedded messages the 24-byte property stream header that MS-OXMSG 2.4.1.1 specifies.

    aspose-email-foss 26.3 writes the top-level message's 32-byte header there too; Outlook and
    extract-msg follow the spec, so without this the embedded message's dates read as garbage.
    """
    from aspose.email_foss import cfb

    document = cfb.CFBDocument.from_file(path)

    def fix(storage, embedded: bool = False) -> None:
        for child in storage.children:
            if isinstance(child, cfb.CFBStorage):
                fix(child, embedded=child.name.startswith("__substg1.0_3701000D"))
            elif embedded and child.name == "__properties_version1.0":
                child.data = child.data[:24] + child.data[32:]  # drop the 8 reserved bytes only top level has

    fix(document.root)
    cfb.CFBWriter.write_file(document, path)


def test_outlook_message_attachments_date_and_sender(in_tmp, workdir, make_list, outlook_message):
    data = make_list()
    message = outlook_message("DS đề nghị khen thưởng - THCS Lê Lợi", [("DS đề nghị khen thưởng.xlsx", data),
                                                                     ("to trinh.pdf", b"%PDF")],
                              sender_name="Trường THCS Lê Lợi", sender_address="thcs.leloi@example.edu.vn",
                              delivered=SENT)
    (in_tmp / "hop-thu").mkdir()
    message.save(str(in_tmp / "hop-thu" / "thu.msg"))

    [source] = collect_sources(["hop-thu"], workdir)

    assert source.shown == os.path.join("hop-thu", "thu.msg") + " » DS đề nghị khen thưởng.xlsx"
    assert_extracted(source, workdir, data)
    assert source.sent_at == SENT and source.sent_at.tzinfo is not None and source.sent_from == "email"
    assert source.sender == "thcs.leloi@example.edu.vn"
    assert source.subject == "DS đề nghị khen thưởng - THCS Lê Lợi"
    assert source.container == os.path.join("hop-thu", "thu.msg")


def test_outlook_message_received_from_the_internet_keeps_its_mail_headers(in_tmp, workdir, make_list, outlook_message):
    headers = (
        "Received: from mx.example.edu.vn\r\n"
        'From: "Trường TH Kim Đồng" <th.kimdong@example.edu.vn>\r\n'
        "Date: Tue, 13 May 2025 09:15:00 +0700\r\n"
        "Subject: DS khen thưởng\r\nMessage-ID: <kd-1@example.edu.vn>\r\n\r\n"
    )
    outlook_message("DS khen thưởng", [("DS.xlsx", make_list())], headers=headers).save(str(in_tmp / "thu.msg"))

    [source] = collect_sources(["thu.msg"], workdir)

    assert source.sender == "th.kimdong@example.edu.vn"
    assert source.sent_at == datetime(2025, 5, 13, 9, 15, tzinfo=VN) and source.sent_from == "email"
    assert source.message_id == "<kd-1@example.edu.vn>"


def test_outlook_message_forwarded_as_attachment(in_tmp, workdir, make_list, outlook_message):
    data = make_list()
    inner = outlook_message("DS TH Kim Đồng", [("DS Kim Đồng.xlsx", data)], sender_address="th.kimdong@example.edu.vn",
                            delivered=datetime(2025, 5, 9, 16, 0, tzinfo=VN))
    outer = outlook_message("Fwd: DS TH Kim Đồng", [], sender_address="vanthu@example.edu.vn", delivered=SENT)
    outer.add_embedded_message_attachment(inner, filename="DS TH Kim Đồng.msg")
    outer.save(str(in_tmp / "thu.msg"))
    with_embedded_header_as_outlook_writes_it(in_tmp / "thu.msg")

    [source] = collect_sources(["thu.msg"], workdir)

    assert source.shown == "thu.msg » DS TH Kim Đồng.msg » DS Kim Đồng.xlsx"
    assert_extracted(source, workdir, data)
    assert source.sender == "th.kimdong@example.edu.vn"
    assert source.sent_at == datetime(2025, 5, 9, 16, 0, tzinfo=VN)


def test_outlook_message_without_a_spreadsheet_is_rejected(in_tmp, workdir, outlook_message):
    outlook_message("Tờ trình", [("to trinh.pdf", b"%PDF")], sender_address="a@example.edu.vn").save(str(in_tmp / "thu.msg"))

    [source] = collect_sources(["thu.msg"], workdir)

    assert source.rejected == (
        "Thư “Tờ trình” không có tệp bảng tính đính kèm (chỉ có: to trinh.pdf): "
        "hãy đề nghị đơn vị gửi lại kèm tệp danh sách (.xlsx hoặc .xls)."
    )
    assert source.sender == "a@example.edu.vn"


def test_damaged_outlook_message_is_rejected(in_tmp, workdir):
    (in_tmp / "thu.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000))

    [source] = collect_sources(["thu.msg"], workdir)

    assert source.rejected == (
        "Không đọc được tệp thư Outlook (.msg) vì tệp bị hỏng: hãy mở thư trong Outlook, chọn tệp đính kèm, "
        "bấm Lưu tệp đính kèm (Save Attachments) rồi chọn tệp bảng tính đã lưu."
    )


def test_without_extract_msg_the_clerk_is_told_to_save_the_attachment(in_tmp, workdir, make_list, outlook_message, monkeypatch):
    outlook_message("DS", [("DS.xlsx", make_list())]).save(str(in_tmp / "thu.msg"))
    monkeypatch.setitem(__import__("sys").modules, "extract_msg", None)  # import now fails

    [source] = collect_sources(["thu.msg"], workdir)

    assert source.rejected == (
        "Chưa đọc được tệp thư Outlook (.msg): hãy mở thư trong Outlook, chọn tệp đính kèm, "
        "bấm Lưu tệp đính kèm (Save Attachments) rồi chọn tệp bảng tính đã lưu."
    )


# ---------------------------------------------------------------------------
# File names


@pytest.mark.parametrize(
    "name, safe",
    [
        ("DS đề nghị.xlsx", "DS đề nghị.xlsx"),
        ("../../a.xlsx", "a.xlsx"),
        ("C:\\Users\\x\\a.xlsx", "a.xlsx"),
        ('a<b>:"|?*.xlsx', "a_b______.xlsx"),
        ("CON.xlsx", "_CON.xlsx"),
        ("..", "tep-dinh-kem"),
        (".an.xlsx", "an.xlsx"),
        (unicodedata.normalize("NFD", "Đề.xlsx"), "Đề.xlsx"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


def test_safe_filename_keeps_the_suffix_of_a_long_name():
    name = "Danh sách đề nghị khen thưởng " * 20 + ".xlsx"
    safe = safe_filename(name)
    assert safe.endswith(".xlsx") and len(safe.encode("utf-8")) <= 200


def test_an_archive_tdkt_cannot_open_in_a_folder_is_said(tmp_path: Path) -> None:
    """Round 3 of fresh-eyes testing: a .rar or .7z in the inbox folder was passed over in silence
    ("no spreadsheet found"), though a unit's list may be inside; in an email it was reported."""
    from addin.inbox import collect_sources

    inbox = tmp_path / "hop-thu"
    inbox.mkdir()
    (inbox / "TH Kim Dong.rar").write_bytes(b"Rar!\x1a\x07\x00 ...")
    (inbox / "ghi chu.docx").write_bytes(b"PK not ours")
    sources = collect_sources([str(inbox)], tmp_path / "tam")
    assert [(Path(s.shown).name, bool(s.rejected)) for s in sources] == [("TH Kim Dong.rar", True)]
    assert "chỉ mở được tệp .zip" in sources[0].rejected and "giải nén" in sources[0].rejected
