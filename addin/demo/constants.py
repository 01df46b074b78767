"""What every demo workbook shares: the school year, the province, the fixed creation time."""

from __future__ import annotations

from datetime import datetime

SCHOOL_YEAR = "2024-2025"
PROVINCE = "Trà Giang"
CREATED = datetime(2025, 5, 20, 8, 0, 0)  # fixed: the same seed gives the same bytes
