"""What the master's control sheet holds: the buttons, their macros and functions, the cells read back.

Pure data, shared by the build (which draws the buttons and writes macros/Buttons.bas's callers)
and by the button functions (which read the cells); importing it never imports xlwings.
"""

from __future__ import annotations

from dataclasses import dataclass

from addin import schema

MODULE = "Buttons"  # the VBA module (macros/Buttons.bas) that holds every button's Sub


@dataclass(frozen=True)
class Button:
    macro: str  # the VBA Sub the button runs (ASCII: VBA identifiers)
    function: str  # the function of addin.excel the Sub calls through RunPython
    caption: str  # what the clerk reads on the button
    help: str  # one line beside the button


BUTTONS: list[Button] = [
    Button("CheckSubmissions", "check_submissions", "Kiểm tra hồ sơ",
           "Kiểm tra các tệp trong thư mục hộp thư, ghi kết quả vào trang KiemTra (chưa gộp gì)."),
    Button("MergeSubmissions", "merge_submissions", "Gộp hồ sơ các đơn vị",
           "Gộp các tệp trong thư mục hộp thư vào trang DanhSach; lỗi ở trang Loi, nhật ký ở trang NhatKy."),
    Button("SendFeedback", "send_feedback", "Trả lại đơn vị",
           "Lập tệp trả lại (bản đánh dấu lỗi, thư trả lời) cho các đơn vị có hồ sơ còn lỗi, vào thư mục tra-lai cạnh sổ."),
    Button("SubmissionStatus", "submission_status", "Tình hình nộp",
           "Đơn vị nào đã nộp, chưa nộp, nộp muộn (theo trang DonVi và ô \"Hạn nộp\" của CauHinh), ghi vào trang TinhHinhNop."),
    Button("RemindUnits", "remind_units", "Nhắc đơn vị chưa nộp",
           "Soạn thư nhắc (.eml) tới email của từng đơn vị chưa nộp (trang DonVi), vào thư mục nhac-nop cạnh sổ."),
    Button("ImportRegistrations", "import_registrations", "Nhập đăng ký thi đua",
           "Nhập danh sách đăng ký thi đua đầu năm học (thư mục dang-ky cạnh sổ) vào trang DangKy."),
    Button("MakeTally", "make_tally", "Lập biểu tổng hợp",
           "Đếm danh hiệu, hình thức theo đơn vị, ghi vào trang TongHop."),
    Button("ChooseDelegates", "choose_delegates", "Lập danh sách đại biểu",
           "Chọn đại biểu dự hội nghị theo trang CauHinh và KhachMoi, ghi vào trang DaiBieu."),
    Button("RecordResults", "record_results", "Ghi kết quả vào sổ",
           "Sau khi Hội đồng đã xét: ghi các dòng không lỗi của trang DanhSach vào sổ lịch sử LichSu."),
    Button("ExportPdf", "export_pdf", "Xuất PDF",
           "Xuất trang chọn ở ô bên dưới ra tệp PDF cạnh sổ, để in và trình ký."),
]

# The sheet "Xuất PDF" exports: a dropdown on the control sheet, read when the button runs.
PDF_LABEL_CELL = "B24"
PDF_SHEET_CELL = "C24"
PDF_SHEETS = schema.PRINTABLE
PDF_DEFAULT = schema.PRINTABLE[0]
