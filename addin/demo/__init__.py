"""Synthetic unit workbooks: the `tdkt demo` inbox and benchmark data.

Every workbook looks like a list a Vietnamese school, commune office or unit under the Sở really
sends in (domain.md §4, §5): an official title block (agency lines top-left, national motto
top-right in merged cells, place and date line, merged title and subtitle), a one- or two-row
header (merged "Năm sinh" over Nam | Nữ, merged "Đề nghị" over Danh hiệu thi đua | Hình thức
khen thưởng), nominee rows, optional section rows "I. CÁ NHÂN" / "II. TẬP THỂ" and a "Tổng cộng"
row, and a signature footer. Layouts, date spellings, award spellings and ratings vary per file
the way they vary between real clerks.

Everything is drawn from `random.Random` seeded by the caller (one derived seed per file) and
the workbook creation time is fixed, so a seed always gives byte-identical files.
All units, people and places are invented (province "tỉnh Trà Giang").

By concern: `people` (invented people and units), `layout` (columns and spellings), `writer`
(one workbook), `generate` (benchmark data sets), `mailbox` (the demo inbox).
"""

from addin.demo.generate import _random_unit, _split_sizes, generate_unit_workbooks
from addin.demo.mailbox import (
    demo_guests,
    demo_settings,
    write_demo_inbox,
    write_demo_inbox_with_manifest,
    write_demo_mailbox,
)
from addin.demo.writer import DemoFile

__all__ = [
    "DemoFile",
    "demo_guests",
    "demo_settings",
    "generate_unit_workbooks",
    "write_demo_inbox",
    "write_demo_inbox_with_manifest",
    "write_demo_mailbox",
    "_random_unit",
    "_split_sizes",
]
