"""Printed (paged) sheets written fast and the same: row heights measured as textwrap measures
them, and DanhSachTrinhKy, TongHop and DaiBieu written as XML exactly as XlsxWriter wrote them.

The old ways are kept here only, as the reference the product is compared with.
"""

from __future__ import annotations

import random
import textwrap
from datetime import date
from typing import Any

from addin.workbook import master

NAMES = ["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Phúc", "Phạm Thị Thu Hương", "Hà Văn Đức",
         "Tôn Nữ Thị Diễm Phương", "Đặng Quốc Khánh", "Y Bhăm Êban"]
WORDS = ("đạt danh hiệu giáo viên dạy giỏi cấp huyện hai năm liền có sáng kiến được công nhận cấp cơ sở "
         "hoàn thành xuất sắc nhiệm vụ năm học 2024-2025 Trường THCS Lê Lợi Tổ trưởng chuyên môn").split()
SPACES = [" ", "  ", "\t", " \t ", "\n", " \n", "\n\n", "\r", "\v", "\f", "\xa0", "   "]


def old_text_lines(text: Any, width: float) -> int:
    """text_lines as it was: every text through textwrap."""
    if text is None or text == "":
        return 1
    per_line = max(1, int(width * 0.92))
    return max(1, sum(len(textwrap.wrap(part, per_line, break_long_words=True)) or 1
                      for part in str(text).split("\n")))


def old_row_height(values: list[Any], widths: list[float]) -> float:
    lines = max((old_text_lines(v, widths[c] if c < len(widths) else 8.43) for c, v in enumerate(values)), default=1)
    return lines * master.LINE_PT + 4


def generated_texts(rng: random.Random, n: int) -> list[Any]:
    texts: list[Any] = ["", " ", "\t", "\n", " \n ", "a\tb", "\ta", "a\t", "x" * 80, "-" * 40, "a-b-c-d-e-f-g-h",
                        0, 17, 3.5, date(2024, 5, 1), True]
    for _ in range(n):
        kind = rng.randrange(6)
        if kind == 0:
            text = rng.choice(NAMES)
        elif kind == 1:  # a summary, long or short
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 60)))
        elif kind == 2:  # words glued by every kind of space, at the ends too
            parts = [rng.choice(WORDS + NAMES) for _ in range(rng.randint(1, 8))]
            text = "".join(rng.choice(SPACES) + p for p in parts) + rng.choice(SPACES + [""])
        elif kind == 3:  # a long word, broken by hyphens or not
            text = rng.choice(["", "Sáng kiến: "]) + rng.choice(["x", "ư", "-", "a-"]) * rng.randint(1, 90)
        elif kind == 4:  # exactly around the line's length
            text = "".join(rng.choice("aư ") for _ in range(rng.randint(1, 45)))
        else:
            text = "\n".join(rng.choice(NAMES + WORDS) for _ in range(rng.randint(1, 5)))
        texts.append(text)
    return texts


def test_text_lines_counts_what_textwrap_counts() -> None:
    rng = random.Random(14)
    widths = [1, 2.5, 5, 6, 8.43, 10, 12.75, 18, 22, 25 * 0.85, 30, 36, 45, 60, 120]
    texts = generated_texts(rng, 6000)
    checked = multi = 0
    for text in texts:
        for width in widths:
            assert master.text_lines(text, width) == old_text_lines(text, width), (text, width)
            checked += 1
            multi += old_text_lines(text, width) > 1
    # the strings exercise both ways: most wrap at narrow widths, many fit at wide ones
    assert checked == len(texts) * len(widths) and checked // 10 < multi < checked * 9 // 10
