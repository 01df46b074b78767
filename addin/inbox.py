"""Finding the workbooks a clerk points at: files, folders (recursively), lock files, and the
spreadsheets inside what units actually send: emails (.eml, Outlook .msg) and zip archives.

`collect_sources` lists them and opens containers: every spreadsheet inside an email or archive
is written into a work folder and handed on as a `Source`, with when and by whom it was sent, so
that merge can tell the latest list of a unit and the clerk can reply to the sender.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import errno
import hashlib
import logging
import os
import re
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.message import Message
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable, Iterable, Iterator

from addin.workbook import reader
from addin.workbook.master import TEMP_FOLDER
from addin.workbook.reader import SPREADSHEET_SUFFIXES


# What tdkt writes on its way to a new master: the hidden folder it writes in (see
# workbook/master.py) and the ".~tdkt-*" scratch files earlier versions left beside the master.
# A clerk who keeps the master in the inbox must never see them merged as a unit.
OWN_TEMP_FOLDER = TEMP_FOLDER
OWN_TEMP_REASON = "tệp tạm tdkt để lại khi ghi sổ tổng hợp, không phải hồ sơ của đơn vị"


def is_own_temp(path: Path) -> bool:
    """A file tdkt wrote while saving a master (a leftover of a run that was stopped)."""
    return path.name.startswith(".~tdkt-") or OWN_TEMP_FOLDER in path.parts


# ---------------------------------------------------------------------------
# Sources: spreadsheets out of folders, emails and archives

SEP = " » "  # between a container and what was found in it: "thu.eml » DS.xlsx"
EMAIL_SUFFIXES = {".eml"}
OUTLOOK_SUFFIXES = {".msg"}
ARCHIVE_SUFFIXES = {".zip"}
CONTAINER_SUFFIXES = EMAIL_SUFFIXES | OUTLOOK_SUFFIXES | ARCHIVE_SUFFIXES
TAKEN_SUFFIXES = SPREADSHEET_SUFFIXES | CONTAINER_SUFFIXES

LOCK_REASON = "tệp khóa tạm của Office"
_SAFETY = "từ chối mở vì lý do an toàn."
_NOT_FOUND = "Không tìm thấy tệp này (hoặc đây không phải là tệp)."
_NO_ACCESS = "Không mở được tệp (không có quyền đọc hoặc tệp đang bị khóa)."
_TOO_DEEP = "Tệp nén hoặc thư lồng nhau quá nhiều lớp: " + _SAFETY
_ZIP_DAMAGED = "Tệp nén bị hỏng, không giải nén được: hãy đề nghị đơn vị gửi lại."
# Archives tdkt does not open: said, never passed over in silence (a unit's list may be inside).
OTHER_ARCHIVES = frozenset({".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz"})
_OTHER_ARCHIVE = ("Tệp nén dạng .rar, .7z (hoặc .tar, .gz): chương trình chỉ mở được tệp .zip. Hãy giải nén tệp này "
                  "(bằng WinRAR hoặc 7-Zip) vào hộp thư rồi gộp lại, hoặc đề nghị đơn vị gửi tệp .zip hay tệp bảng tính.")
_ZIP_EMPTY = "Tệp nén không chứa tệp bảng tính nào (.xlsx, .xls…): hãy đề nghị đơn vị gửi lại tệp danh sách."
_EML_UNREADABLE = "Không đọc được tệp thư (.eml): tệp bị hỏng hoặc không phải thư điện tử."
_SAVE_FROM_OUTLOOK = (
    "hãy mở thư trong Outlook, chọn tệp đính kèm, bấm Lưu tệp đính kèm (Save Attachments) "
    "rồi chọn tệp bảng tính đã lưu."
)
# x.eml » y.zip » z.zip » ... : real mail nests two or three levels; a zip that contains itself
# (a "quine") would otherwise never end.
MAX_DEPTH = 6
# The reader's ratio rule applies only above this size: small parts (XML, CSV) legitimately
# compress a hundredfold. Same floor as reader._check_zip_sizes.
_RATIO_FLOOR = 10 * 1024 * 1024

# Attachments sent without a file name but with a spreadsheet type still carry a list.
_MIME_SUFFIXES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-excel.sheet.binary.macroenabled.12": ".xlsb",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
    "application/vnd.ms-outlook": ".msg",
}


@dataclass(frozen=True)
class Source:
    """One spreadsheet to ingest (or one thing that could not be), and where it came from."""

    path: Path  # a readable file on disk (extracted into workdir when it came from an email or archive)
    shown: str  # how the clerk sees it: "hop-thu/thu.eml » DS khen thưởng.xlsx", "b.zip » sub/c.xls"
    sha256: str  # of the spreadsheet's bytes, wherever they came from; "" when ignored or rejected
    sent_at: datetime | None  # timezone-aware: email Date, else zip entry time (local), else file mtime
    sent_from: str  # "email" | "zip" | "file": where sent_at came from
    sender: str | None = None  # the email's From address (for replying later)
    subject: str | None = None
    message_id: str | None = None
    container: str | None = None  # shown name of the .eml/.zip/.msg file on disk it came out of
    ignored: str | None = None  # why it is skipped (Office lock files)
    rejected: str | None = None  # why a container could not be opened, for the clerk

    @property
    def usable(self) -> bool:
        """Whether there is a spreadsheet to ingest."""
        return self.ignored is None and self.rejected is None


Progress = Callable[[int, int, str], None]


def collect_sources(paths: Iterable[str], workdir: Path, progress: Progress | None = None) -> list[Source]:
    """Every spreadsheet under the given files and folders, opening emails and zip archives.

    Spreadsheets found inside containers are written into fresh subfolders of `workdir`.
    Problems with a container are returned as rejected Sources, never raised.
    """
    workdir = Path(workdir).resolve()  # Source.path stays valid if the caller changes directory
    workdir.mkdir(parents=True, exist_ok=True)
    items = _list_items(paths)
    collector = _Collector(workdir)
    sources: list[Source] = []
    for done, (path, shown) in enumerate(items):
        if progress:
            progress(done, len(items), shown)
        sources.extend(collector.top_level(path, shown))
    if progress:
        progress(len(items), len(items), "")
    return sources


def _list_items(paths: Iterable[str]) -> list[tuple[Path, str]]:
    """(path, shown) for every file to open, all listed before anything is extracted."""
    items: list[tuple[Path, str]] = []
    for given in paths:
        root = Path(given)
        if not root.is_dir():
            items.append((root, given))  # named explicitly: always taken
            continue
        files = [p for p in root.rglob("*") if p.is_file()]
        for p in sorted(files, key=lambda p: p.relative_to(root).as_posix().lower()):
            if OWN_TEMP_FOLDER in p.relative_to(root).parts:
                continue  # the folder tdkt writes a master in: nothing there is a unit's
            lock_of = _lock_target(p.name)
            name = lock_of if lock_of is not None else p.name
            if _suffix(name) in TAKEN_SUFFIXES or (lock_of is None and _suffix(name) in OTHER_ARCHIVES):
                items.append((p, os.path.join(given, str(p.relative_to(root)))))
            # other files (cover letters, scans, Word's "~$" lock files) are not ours to list
    return items


def _lock_target(name: str) -> str | None:
    """The file an Office ("~$x.xlsx") or LibreOffice (".~lock.x.xlsx#") lock file stands for."""
    if name.startswith("~$"):
        return name[2:]
    if name.startswith(".~lock.") and name.endswith("#"):
        return name[len(".~lock.") : -1]
    return None


def _suffix(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


@dataclass(frozen=True)
class _Origin:
    """What every Source found inside a container inherits from it."""

    file: Path  # the file on disk the chain starts from (a rejected Source points here)
    container: str | None  # that file's shown name, when it is a container
    sent_at: datetime | None
    sent_from: str
    sender: str | None = None
    subject: str | None = None
    message_id: str | None = None
    in_email: bool = False  # an email's Date outranks the entry times of a zip attached to it
    depth: int = 0


class _Rejected(Exception):
    """A container that cannot be opened; the message is Vietnamese, for the clerk."""

    def __init__(self, reason: str, origin: _Origin | None = None) -> None:
        super().__init__(reason)
        self.origin = origin  # what was learnt before failing (an email's subject, sender, date)


class _Collector:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.unpacked = 0  # bytes inflated from archives for the current top-level file
        self.written = 0  # bytes extracted into workdir in this run (reader.MAX_RUN_UNPACKED_BYTES)

    # -- dispatch ------------------------------------------------------------

    def top_level(self, path: Path, shown: str) -> list[Source]:
        self.unpacked = 0
        lock_of = _lock_target(path.name)
        origin = _Origin(path, None, None, "file")
        if lock_of is not None:
            return [self.rejection(shown, origin, ignored=LOCK_REASON)]
        if is_own_temp(path):
            return [self.rejection(shown, origin, ignored=OWN_TEMP_REASON)]
        if not path.is_file():
            return [self.rejection(shown, origin, _NOT_FOUND)]
        try:
            sent_at = _mtime(path)
            suffix = path.suffix.lower()
            if suffix in OTHER_ARCHIVES:
                return [self.rejection(shown, origin, _OTHER_ARCHIVE)]
            if suffix in CONTAINER_SUFFIXES:
                origin = _Origin(path, shown, sent_at, "file")
                return self.container(path, suffix, shown, origin)
            # A file named explicitly is always handed on, spreadsheet or not: ingest then
            # tells the clerk what it is.
            return [Source(path, shown, _hash_file(path), sent_at, "file")]
        except OSError:
            return [self.rejection(shown, origin, _NO_ACCESS)]

    def container(self, path: Path, suffix: str, shown: str, origin: _Origin) -> list[Source]:
        """The Sources inside one .eml, .msg or .zip file on disk (the file itself when it fails)."""
        if origin.depth > MAX_DEPTH:
            return [self.rejection(shown, origin, _TOO_DEEP)]
        try:
            if suffix in ARCHIVE_SUFFIXES:
                return self.archive(path, shown, origin)
            if suffix in EMAIL_SUFFIXES:
                return self.email_file(path, shown, origin)
            return self.outlook_file(path, shown, origin)
        except _Rejected as why:
            return [self.rejection(shown, why.origin or origin, str(why))]

    def found(self, data_path: Path, sha: str, shown: str, origin: _Origin) -> list[Source]:
        """A file extracted from a container: a spreadsheet, or a container to open in turn."""
        suffix = data_path.suffix.lower()
        if suffix in CONTAINER_SUFFIXES:
            return self.container(data_path, suffix, shown, replace(origin, depth=origin.depth + 1))
        return [
            Source(
                data_path, shown, sha, origin.sent_at, origin.sent_from, origin.sender, origin.subject,
                origin.message_id, origin.container,
            )
        ]

    def rejection(self, shown: str, origin: _Origin, reason: str | None = None, ignored: str | None = None) -> Source:
        return Source(
            origin.file, shown, "", origin.sent_at, origin.sent_from, origin.sender, origin.subject,
            origin.message_id, origin.container, ignored=ignored, rejected=reason,
        )

    # -- writing into workdir -------------------------------------------------

    def fresh_file(self, name: str) -> Path:
        # One new folder per file: two attachments both called "DS.xlsx" never overwrite each
        # other, and the attachment's own name is only ever a sanitised last path component.
        folder = Path(tempfile.mkdtemp(prefix="tep-", dir=self.workdir))
        return folder / safe_filename(name)

    def extract_bytes(self, data: bytes, name: str) -> tuple[Path, str]:
        self.count_written(len(data))
        try:
            target = self.fresh_file(name)
            target.write_bytes(data)
        except OSError as exc:
            raise _Rejected(_workdir_failure(exc, self.workdir)) from None
        return target, hashlib.sha256(data).hexdigest()

    def extract_stream(self, stream: IO[bytes], name: str) -> tuple[Path, str]:
        digest = hashlib.sha256()
        try:
            target = self.fresh_file(name)
            with target.open("wb") as out:
                while chunk := stream.read(1024 * 1024):
                    self.unpacked += len(chunk)
                    # Declared sizes were checked, but a damaged or crafted entry can inflate past
                    # them: count what really comes out.
                    if self.unpacked > reader.MAX_UNPACKED_BYTES:
                        raise _Rejected(_too_large_archive())
                    self.count_written(len(chunk))
                    digest.update(chunk)
                    out.write(chunk)
        except OSError as exc:
            raise _Rejected(_workdir_failure(exc, self.workdir)) from None
        return target, digest.hexdigest()

    def count_written(self, n: int) -> None:
        # Each top-level file may unpack MAX_UNPACKED_BYTES; a folder of such files would fill
        # the clerk's disk (the temporary folder) before the first one is read.
        self.written += n
        if self.written > reader.MAX_RUN_UNPACKED_BYTES:
            raise _Rejected(
                f"Các tệp nén và thư trong lần chạy này đã giải nén ra quá nhiều (trên "
                f"{_mb(reader.MAX_RUN_UNPACKED_BYTES)}): tệp này không được giải nén. "
                "Hãy chạy lại với ít tệp hơn (chia thư mục thành nhiều lần)."
            )

    # -- zip -----------------------------------------------------------------

    def archive(self, path: Path, shown: str, origin: _Origin) -> list[Source]:
        try:
            with zipfile.ZipFile(path) as archive:
                return self._archive(archive, path, shown, origin)
        except _Rejected:
            raise
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, ValueError, struct.error):
            # a damaged directory, a bad CRC, an unknown compression method, a truncated stream
            raise _Rejected(_ZIP_DAMAGED) from None

    def _archive(self, archive: zipfile.ZipFile, path: Path, shown: str, origin: _Origin) -> list[Source]:
        infos = archive.infolist()
        if len(infos) > reader.MAX_MEMBERS:
            raise _Rejected(f"Tệp nén chứa quá nhiều tệp bên trong (trên {reader.MAX_MEMBERS:,}): {_SAFETY}")
        members: list[tuple[str, zipfile.ZipInfo]] = []
        for info in infos:
            name = member_name(info)
            if _escapes(name):
                # We never write to member paths, but a name that climbs out of the folder
                # only comes from a crafted archive: nothing in it is to be trusted.
                raise _Rejected(
                    f"Tệp nén chứa đường dẫn không an toàn (“{name}” trỏ ra ngoài thư mục giải nén): "
                    "từ chối giải nén vì lý do an toàn."
                )
            parts = name.split("/")
            base = parts[-1]
            if info.is_dir() or not base:
                continue
            if "__MACOSX" in parts or base.startswith("._"):
                continue  # macOS resource forks: copies of names, no data
            if _lock_target(base) is not None or _suffix(base) not in TAKEN_SUFFIXES:
                continue
            members.append((name, info))
        for name, info in members:
            if info.flag_bits & 0x1:
                raise _Rejected(
                    f"Tệp nén có đặt mật khẩu (tệp “{name}”): "
                    "hãy đề nghị đơn vị gửi lại tệp nén không đặt mật khẩu."
                )
        _check_sizes(members, self.unpacked)
        if not members:
            raise _Rejected(_ZIP_EMPTY)
        found: list[Source] = []
        for name, info in sorted(members, key=lambda m: m[0].lower()):
            member_origin = origin
            entry_time = _entry_time(info)
            if not origin.in_email and entry_time is not None:
                # Without an email, the time the unit last saved the file is the best "sent" time.
                member_origin = replace(origin, sent_at=entry_time, sent_from="zip")
            with archive.open(info) as stream:
                data_path, sha = self.extract_stream(stream, name.rsplit("/", 1)[-1])
            found.extend(self.found(data_path, sha, shown + SEP + name, member_origin))
        return found

    # -- email (.eml) --------------------------------------------------------

    def email_file(self, path: Path, shown: str, origin: _Origin) -> list[Source]:
        _check_message_size(path, "Tệp thư")
        try:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        except Exception:  # the parser is lenient; whatever still escapes means a broken file
            raise _Rejected(_EML_UNREADABLE) from None
        if not message.keys():  # no header at all: notes or binary saved as .eml
            raise _Rejected(_EML_UNREADABLE)
        others: list[str] = []
        origin = _email_origin(message, origin)
        found = self.email(message, shown, origin, others)
        if not found:
            raise _Rejected(_no_spreadsheet(origin.subject, others), origin)
        return found

    def email(self, message: Message, shown: str, origin: _Origin, others: list[str]) -> list[Source]:
        """The Sources among one message's attachments; forwarded messages are opened in place."""
        found: list[Source] = []
        for part in _leaf_parts(message):
            if part.get_content_type() == "message/rfc822":
                inner = _attached_message(part)
                if inner is None:
                    continue
                inner_origin = replace(_email_origin(inner, origin), depth=origin.depth + 1)
                label = _attachment_name(part) or _forwarded_label(inner)
                if inner_origin.depth > MAX_DEPTH:
                    found.append(self.rejection(shown + SEP + label, origin, _TOO_DEEP))
                else:
                    found.extend(self.email(inner, shown + SEP + label, inner_origin, others))
                continue
            name = _attachment_name(part)
            if name is None:
                continue  # the body text, inline pictures
            if _suffix(name) not in TAKEN_SUFFIXES or _lock_target(name) is not None:
                others.append(name)
                continue
            try:
                payload = part.get_payload(decode=True)
            except Exception:
                payload = None
            if not payload:
                others.append(name)
                continue
            data_path, sha = self.extract_bytes(payload, name)
            found.extend(self.found(data_path, sha, shown + SEP + name, origin))
        return found

    # -- Outlook (.msg) -------------------------------------------------------

    def outlook_file(self, path: Path, shown: str, origin: _Origin) -> list[Source]:
        try:
            import extract_msg
            from extract_msg.enums import ErrorBehavior
        except ImportError:  # installed without it: say how to get at the list by hand
            raise _Rejected("Chưa đọc được tệp thư Outlook (.msg): " + _SAVE_FROM_OUTLOOK) from None
        # extract-msg logs every oddity of a file as a warning on stderr; a damaged file is
        # reported to the clerk as one rejected Source instead.
        logging.getLogger("extract_msg").setLevel(logging.ERROR)
        _check_message_size(path, "Tệp thư Outlook")
        unreadable = "Không đọc được tệp thư Outlook (.msg) vì tệp bị hỏng: " + _SAVE_FROM_OUTLOOK
        try:
            message = extract_msg.openMsg(
                str(path),
                strict=False,  # meeting requests, posts...: any Outlook item may carry the list
                # a broken attachment or body must not hide the spreadsheets beside it
                errorBehavior=ErrorBehavior.ATTACH_SUPPRESS_ALL | ErrorBehavior.RTFDE,
            )
        except Exception:
            raise _Rejected(unreadable) from None
        try:
            others: list[str] = []
            origin = _outlook_origin(message, origin)
            found = self.outlook(message, shown, origin, others)
        except _Rejected:
            raise
        except Exception:
            raise _Rejected(unreadable) from None
        finally:
            message.close()
        if not found:
            raise _Rejected(_no_spreadsheet(origin.subject, others), origin)
        return found

    def outlook(self, message: Any, shown: str, origin: _Origin, others: list[str]) -> list[Source]:
        found: list[Source] = []
        for attachment in getattr(message, "attachments", None) or []:
            data = getattr(attachment, "data", None)
            if data is None:
                continue
            name = _clean_name(
                getattr(attachment, "longFilename", None)
                or getattr(attachment, "shortFilename", None)
                or getattr(attachment, "displayName", None)
                or ""
            )
            if hasattr(data, "attachments"):  # a message attached to the message (forwarded)
                inner_origin = replace(_outlook_origin(data, origin), depth=origin.depth + 1)
                label = name or _forwarded_label_text(getattr(data, "subject", None), ".msg")
                if inner_origin.depth > MAX_DEPTH:
                    found.append(self.rejection(shown + SEP + label, origin, _TOO_DEEP))
                else:
                    found.extend(self.outlook(data, shown + SEP + label, inner_origin, others))
                continue
            if not isinstance(data, bytes):
                continue  # web links, OLE objects: no file to read
            if not name:
                mime_type = (getattr(attachment, "mimetype", None) or "").lower()
                name = "tệp đính kèm" + _MIME_SUFFIXES.get(mime_type, "")
            if _suffix(name) not in TAKEN_SUFFIXES or _lock_target(name) is not None or not data:
                others.append(name)
                continue
            data_path, sha = self.extract_bytes(data, name)
            found.extend(self.found(data_path, sha, shown + SEP + name, origin))
        return found


# ---------------------------------------------------------------------------
# Helpers

def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).astimezone()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _mb(n: int) -> str:
    if n >= 1024**3 and n % 1024**3 == 0:
        return f"{n // 1024**3} GB"
    return f"{max(n // 1024**2, 1)} MB"


def _too_large_archive() -> str:
    return (
        f"Tệp nén giải nén ra quá lớn (trên {_mb(reader.MAX_UNPACKED_BYTES)}): từ chối giải nén vì lý do an toàn."
    )


def _workdir_failure(exc: OSError, workdir: Path) -> str:
    """Why an attachment or zip member could not be written into the temporary folder, for the clerk.

    The unit's file was read; only our copy of what is inside failed. Saying "không có quyền đọc"
    here would send the clerk to fix a file that is fine.
    """
    folder = f"thư mục tạm “{workdir}”"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"Không giải nén được tệp này vì {folder} đã đầy (ổ đĩa hết chỗ trống): "
                "hãy xóa bớt tệp trên ổ đĩa đó (hoặc dọn thư mục tạm) rồi chạy lại.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"Không giải nén được tệp này vì không có quyền ghi vào {folder}: "
                "hãy nhờ người quản trị máy cấp quyền ghi, hoặc đặt biến TMP/TEMP sang một thư mục khác rồi chạy lại.")
    if exc.errno == errno.ENOENT:
        return f"Không giải nén được tệp này vì {folder} đã bị xóa trong lúc chạy: hãy chạy lại lệnh."
    return f"Không giải nén được tệp này vào {folder} ({exc.strerror or exc}): hãy chạy lại lệnh."


def _check_sizes(members: list[tuple[str, zipfile.ZipInfo]], already: int) -> None:
    """Refuse a zip bomb from the archive's directory alone, before inflating anything.

    Counts only the members that would be extracted, plus what outer archives already gave:
    a zip of zips cannot multiply its way past the limit.
    """
    total = already
    for name, info in members:
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > reader.MAX_RATIO * max(info.compress_size, 1):
            raise _Rejected(
                f"Tệp nén có dấu hiệu “bom nén” (tệp “{name}” giải nén ra {_mb(info.file_size)}): "
                "từ chối giải nén vì lý do an toàn."
            )
    if total > reader.MAX_UNPACKED_BYTES:
        raise _Rejected(_too_large_archive())


def _check_message_size(path: Path, what: str) -> None:
    # Mail servers cap messages at a few tens of MB; one beyond the largest workbook we read
    # is not a unit's list, and the parser would hold all of it in memory.
    size = path.stat().st_size
    if size > reader.MAX_FILE_BYTES:
        raise _Rejected(f"{what} quá lớn ({_mb(size)}): không phải thư gửi danh sách thông thường.")


def _escapes(name: str) -> bool:
    """Whether a member name is absolute or climbs out of the folder it is unpacked into."""
    name = name.replace("\\", "/")
    return name.startswith("/") or bool(re.match(r"^[A-Za-z]:", name)) or ".." in name.split("/")


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as the unit saw it, whatever tool made the archive (NFC, "/" separated)."""
    if info.flag_bits & 0x800:
        name = info.filename  # flagged UTF-8: zipfile decoded it right
    else:
        name = _unicode_path_extra(info)
        if name is None:
            # Without the flag zipfile reads the bytes as cp437. 7-Zip, macOS and many Windows
            # tools write UTF-8 anyway; Windows' own "Send to > Compressed folder" on a
            # Vietnamese system writes the code page cp1258.
            raw = info.orig_filename.encode("cp437")
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    name = raw.decode("cp1258")
                except UnicodeDecodeError:
                    name = info.orig_filename
    return unicodedata.normalize("NFC", name.replace("\\", "/"))


def _unicode_path_extra(info: zipfile.ZipInfo) -> str | None:
    """The Info-ZIP Unicode Path extra field (0x7075), which WinRAR and others add beside a legacy name."""
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if kind == 0x7075 and len(body) >= 5 and body[0] == 1:
            (crc,) = struct.unpack_from("<I", body, 1)
            # the field is only valid for the name it was written for (a renamed entry keeps a stale one)
            if crc == zlib.crc32(info.orig_filename.encode("cp437", "replace")):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def _entry_time(info: zipfile.ZipInfo) -> datetime | None:
    """A member's stored time (local time, as zip keeps it), or None when the archive left it blank."""
    if info.date_time[:3] <= (1980, 1, 1):  # the DOS epoch: "no time recorded"
        return None
    try:
        return datetime(*info.date_time).astimezone()  # naive means local time here
    except (ValueError, OverflowError):
        return None


_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_filename(name: str, default: str = "tep-dinh-kem") -> str:
    """A name that is safe to create inside a folder: its last component only, no reserved names."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE_CHARS.sub("_", base).strip(" .")
    if not base:
        return default
    if base.split(".")[0].lower() in _RESERVED_NAMES:
        base = "_" + base  # "CON.xlsx" cannot be created on Windows
    if len(base.encode("utf-8")) > 200:  # most file systems stop at 255 bytes
        suffix = PurePosixPath(base).suffix[:16]
        stem = base[: len(base) - len(suffix)]
        while len((stem + suffix).encode("utf-8")) > 200:
            stem = stem[:-1]
        base = stem.rstrip(" .") + suffix
    return base


def _clean_name(name: str | None) -> str | None:
    """An attachment's file name for display: decoded, NFC, its last path component only."""
    if not name:
        return None
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        # raw 8-bit bytes in the header, kept by the parser as surrogates: most often UTF-8,
        # else a Vietnamese Windows mailer's cp1258
        raw = name.encode("utf-8", "surrogateescape")
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            name = raw.decode("cp1258", "replace")
    if "=?" in name:  # an RFC 2047 word the header parser left alone
        try:
            name = str(email.header.make_header(email.header.decode_header(name)))
        except Exception:
            pass
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", unicodedata.normalize("NFC", name)).strip()
    return name or None


def _attachment_name(part: Message) -> str | None:
    try:
        name = part.get_filename()  # Content-Disposition filename, else Content-Type name; RFC 2231/2047 decoded
    except Exception:
        name = None
    name = _clean_name(name)
    if name is None:
        suffix = _MIME_SUFFIXES.get(part.get_content_type())
        if suffix is not None and part.get_content_disposition() != "inline":
            name = "tệp đính kèm" + suffix
    return name


def _leaf_parts(message: Message) -> Iterator[Message]:
    """Every non-multipart part of a message, and forwarded messages without going into them."""
    if not message.is_multipart():
        yield message  # a message whose only part is the file itself
        return
    for part in message.get_payload():
        if part.get_content_type() == "message/rfc822" or not part.is_multipart():
            yield part
        else:
            yield from _leaf_parts(part)


def _attached_message(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    try:  # some mailers base64-encode a forwarded message; the parser leaves it as text then
        data = part.get_payload(decode=True)
        return email.message_from_bytes(data, policy=email.policy.default) if data else None
    except Exception:
        return None


def _forwarded_label(message: Message) -> str:
    return _forwarded_label_text(_header_text(message, "Subject"), ".eml")


def _forwarded_label_text(subject: str | None, suffix: str) -> str:
    base = safe_filename(subject or "", default="thư chuyển tiếp")
    return base + suffix


def _header_text(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:
        return None
    return None if value is None else _one_line(str(value))


def _one_line(text: Any) -> str | None:
    """Header text as shown: NFC (Apple Mail sends NFD), folded lines and runs of spaces joined."""
    if not isinstance(text, str):
        return None
    return unicodedata.normalize("NFC", " ".join(text.split())) or None


def _header_date(message: Message) -> datetime | None:
    text = _header_text(message, "Date")
    if text is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": the time is UTC, the sender's zone unknown (RFC 5322 §3.3)
        when = when.replace(tzinfo=timezone.utc)
    return when


def _address(text: str | None) -> str | None:
    if not text:
        return None
    _, address = email.utils.parseaddr(text)
    return address if "@" in address else None


def _from_address(message: Message) -> str | None:
    try:
        value = message.get("From")
        for address in getattr(value, "addresses", ()):  # parsed by policy.default
            if "@" in address.addr_spec:
                return address.addr_spec
    except Exception:  # a malformed header: fall back to the lenient parser
        pass
    return _address(_header_text(message, "From"))


def _email_origin(message: Message, outer: _Origin) -> _Origin:
    """The outer origin, with what this message's own headers say instead where they say it.

    A file travels with the message that carries it, so a forwarded message's Date (when the
    unit sent it) and From (whom to reply to about it) win over the forwarding one's.
    """
    sent_at = _header_date(message)
    return replace(
        outer,
        sent_at=sent_at or outer.sent_at,
        sent_from="email" if sent_at else outer.sent_from,
        sender=_from_address(message) or outer.sender,
        subject=_header_text(message, "Subject") or outer.subject,
        message_id=_header_text(message, "Message-ID") or outer.message_id,
        in_email=True,
    )


def _outlook_origin(message: Any, outer: _Origin) -> _Origin:
    """As _email_origin, for an extract-msg message."""

    def get(attr: str) -> Any:
        try:
            return getattr(message, attr, None)
        except Exception:  # properties are parsed lazily and a damaged one raises
            return None

    sent_at = get("date")
    if not isinstance(sent_at, datetime):
        header = get("header")
        sent_at = _header_date(header) if header is not None else None
    elif sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=timezone.utc)  # MAPI times are UTC
    sender = _address(get("sender"))
    if sender is None and hasattr(message, "getStringStream"):
        # Sent from this very mailbox, Outlook stores the address only in these properties:
        # PR_SENDER_SMTP_ADDRESS, then PR_SENDER_EMAIL_ADDRESS (an X.500 path on Exchange).
        for stream in ("__substg1.0_5D01", "__substg1.0_0C1F"):
            try:
                sender = _address(message.getStringStream(stream))
            except Exception:
                sender = None
            if sender:
                break
    subject = _one_line(get("subject"))
    message_id = _one_line(get("messageId"))
    return replace(
        outer,
        sent_at=sent_at or outer.sent_at,
        sent_from="email" if sent_at else outer.sent_from,
        sender=sender or outer.sender,
        subject=subject or outer.subject,
        message_id=message_id or outer.message_id,
        in_email=True,
    )


def _no_spreadsheet(subject: str | None, others: list[str]) -> str:
    title = f"Thư “{subject}”" if subject else "Thư (không có tiêu đề)"
    only = f" (chỉ có: {', '.join(others)})" if others else ""
    return (
        f"{title} không có tệp bảng tính đính kèm{only}: "
        "hãy đề nghị đơn vị gửi lại kèm tệp danh sách (.xlsx hoặc .xls)."
    )
