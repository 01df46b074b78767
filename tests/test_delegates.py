"""Delegate lists (domain.md §6): seats per unit, ranking, role quotas, guests, composition, shortfalls.

Expectations are computed by hand in the comments next to each case.
"""

from __future__ import annotations

import random

import pytest

from addin.catalogue import default_catalogue
from addin.delegates import (
    DELEGATE,
    GUEST,
    Candidate,
    Settings,
    _allocate,
    allocate_seats,
    candidates_from_rows,
    name_order,
    rank_candidates,
    role_of,
    select_delegates,
    teaches_directly,
    unit_type_of,
)
from addin.schema import LIST_HEADER_ROW as MASTER_HEADER_ROW, LIST_KEYS as KEYS


def person(name, unit="Trường TH Hoa Sen", rank=13, award=None, **flags):
    """A candidate with an award of the given rank (award code defaults to a label of the rank)."""
    return Candidate(name=name, unit=unit, award=award or f"R{rank}", rank=rank, **flags)


def guest(name, unit="UBND tỉnh", **flags):
    return Candidate(name=name, unit=unit, award=None, rank=None, **flags)


def unit_of(unit, n, rank=13, prefix="Người", **flags):
    """n candidates of one unit, named "<prefix> 01" ..."""
    return [person(f"{prefix} {i:02d}", unit=unit, rank=rank, **flags) for i in range(1, n + 1)]


# ---------------------------------------------------------------------------
# Seats per unit


@pytest.mark.parametrize(
    "counts, seats, expected",
    [
        # 10·10/20 = 5, 10·7/20 = 3.5, 10·3/20 = 1.5 -> 5, 3, 1 + one seat for the tie of halves,
        # which goes to B (more candidates).
        ({"A": 10, "B": 7, "C": 3}, 10, {"A": 5, "B": 4, "C": 1}),
        # 4.2, 2.1, 0.7 -> 4, 2, 0; the last seat to the largest remainder, C (0.7).
        ({"A": 6, "B": 3, "C": 1}, 7, {"A": 4, "B": 2, "C": 1}),
        # 1.5, 1.5 -> 1, 1; equal remainders and counts: the tie goes by name.
        ({"A": 5, "B": 5}, 3, {"A": 2, "B": 1}),
        # 15·12/30 = 6, 15·9/30 = 4.5, 15·6/30 = 3, 15·3/30 = 1.5 -> 6, 4, 3, 1 + one seat:
        # B and D tie on .5, B has more candidates.
        ({"A": 12, "B": 9, "C": 6, "D": 3}, 15, {"A": 6, "B": 5, "C": 3, "D": 1}),
        # The tie of halves between A and B goes to B, which has more candidates, not to A by name.
        ({"A": 3, "B": 7, "C": 10}, 10, {"A": 1, "B": 4, "C": 5}),
        # Exact quotas, nothing to round.
        ({"A": 8, "B": 4}, 6, {"A": 4, "B": 2}),
    ],
)
def test_hamilton_allocation(counts, seats, expected):
    assert allocate_seats(counts, seats) == expected


@pytest.mark.parametrize(
    "counts, seats, expected",
    [
        # Plain Hamilton: 9.9 -> 9 (+1 for the largest remainder) and 0.099 -> 0: A 10, B 0.
        # B is held at one seat and A gets the other 9.
        ({"A": 100, "B": 1}, 10, {"A": 9, "B": 1}),
        # 6·50/55 = 5.45 -> A 6, the others 0; B, C, D held at one each, A gets 6 - 3 = 3.
        ({"A": 50, "B": 2, "C": 2, "D": 1}, 6, {"A": 3, "B": 1, "C": 1, "D": 1}),
        # Exactly one seat per unit.
        ({"A": 50, "B": 2, "C": 2, "D": 1}, 4, {"A": 1, "B": 1, "C": 1, "D": 1}),
        # A unit without candidates gets nothing, even with the minimum rule.
        ({"A": 5, "B": 0}, 3, {"A": 3, "B": 0}),
    ],
)
def test_every_unit_with_a_candidate_gets_at_least_one_seat(counts, seats, expected):
    assert allocate_seats(counts, seats) == expected


def test_seats_are_capped_by_candidates_and_the_rest_left_empty():
    # 10 seats, 5 candidates: everyone goes, 5 seats stay empty, and the clerk is told.
    alloc, notes = _allocate({"A": 3, "B": 2}, 10)
    assert alloc == {"A": 3, "B": 2}
    assert notes == [
        "Còn 5/10 chỗ dành cho đại biểu điển hình tiên tiến để trống: "
        "không còn ứng viên đủ điều kiện để phân bổ."
    ]


def test_seats_a_quota_unit_cannot_use_are_redistributed():
    # A's quota is 5 but it has 2 candidates: A 2, and the 8 other seats split B 4, C 4.
    alloc, notes = _allocate({"A": 2, "B": 6, "C": 6}, 10, {"A": 5})
    assert alloc == {"A": 2, "B": 4, "C": 4}
    assert notes == [
        "A: chỉ tiêu 5 đại biểu nhưng chỉ có 2 ứng viên đủ điều kiện; 3 chỗ không dùng được "
        "chia cho các đơn vị khác."
    ]


def test_allocation_never_exceeds_candidates_nor_seats():
    rng = random.Random(6)
    for _ in range(300):
        counts = {f"U{i}": rng.randint(0, 30) for i in range(rng.randint(1, 8))}
        seats = rng.randint(0, 150)
        alloc = allocate_seats(counts, seats)
        with_candidates = [u for u, c in counts.items() if c]
        assert all(0 <= alloc[u] <= counts[u] for u in counts)
        assert sum(alloc.values()) == min(seats, sum(counts.values()))
        if seats >= len(with_candidates):
            assert all(alloc[u] >= 1 for u in with_candidates)


def test_more_units_than_seats_the_units_with_most_candidates_win():
    # Two seats, four units: D (5) first, then B and C tie on 3 and B wins by name.
    alloc, notes = _allocate({"A": 1, "B": 3, "C": 3, "D": 5}, 2)
    assert alloc == {"A": 0, "B": 1, "C": 0, "D": 1}
    assert notes == [
        "Có 4 đơn vị có ứng viên nhưng chỉ còn 2 chỗ: ưu tiên đơn vị có nhiều ứng viên hơn; "
        "2 đơn vị không có đại biểu: A, C."
    ]


@pytest.mark.parametrize(
    "counts, seats, quotas, expected",
    [
        # A takes its 2; 8 seats among B 7, C 3: 5.6, 2.4 -> 5, 2, the last to B (0.6).
        ({"A": 10, "B": 7, "C": 3}, 10, {"A": 2}, {"A": 2, "B": 6, "C": 2}),
        # A quota of 0 is a quota: the unit sends nobody, the minimum rule does not apply.
        ({"A": 10, "B": 7, "C": 3}, 10, {"C": 0}, {"A": 6, "B": 4, "C": 0}),
        # The clerk types the unit's name another way: matched by unit key.
        ({"Trường TH Hoa Sen": 10, "Trường THCS Lê Lợi": 10}, 10, {"Trường Tiểu học Hoa Sen": 7},
         {"Trường TH Hoa Sen": 7, "Trường THCS Lê Lợi": 3}),
        # Quotas above the seats are cut in proportion (4, 4 of 6 -> 3, 3); C is left without a seat.
        ({"A": 10, "B": 10, "C": 5}, 6, {"A": 4, "B": 4}, {"A": 3, "B": 3, "C": 0}),
    ],
)
def test_explicit_quotas_override_proportional_allocation(counts, seats, quotas, expected):
    assert allocate_seats(counts, seats, quotas) == expected


def test_quota_notes():
    _, notes = _allocate({"A": 10, "B": 10, "C": 5}, 6, {"A": 4, "B": 4, "Trường Vắng": 2})
    assert notes == [
        "Trường Vắng: chỉ tiêu 2 đại biểu nhưng không có ứng viên đủ điều kiện nào.",
        "Tổng chỉ tiêu riêng của các đơn vị (8) vượt số chỗ dành cho đại biểu điển hình tiên tiến (6); "
        "các chỉ tiêu được giảm theo tỷ lệ.",
        "Có 1 đơn vị có ứng viên nhưng chỉ còn 0 chỗ: ưu tiên đơn vị có nhiều ứng viên hơn; "
        "1 đơn vị không có đại biểu: C.",
    ]


# ---------------------------------------------------------------------------
# Ranking within a unit


@pytest.mark.parametrize(
    "first, second",
    [
        ("Nguyễn Văn Dũng", "Nguyễn Văn Đức"),  # d before đ
        ("Nguyễn Văn Đức", "Nguyễn Văn Em"),  # đ before e (code points would put Đ after every Latin letter)
        ("Lê Thị Ánh", "Lê Thị Bình"),  # á is an a
        ("Lê Văn Ăn", "Lê Văn Ân"),  # a, ă, â
        ("Trần An", "Trần Anh"),  # a prefix first
        ("Trần Thị Ma", "Trần Thị Mà"),  # tones after letters: ngang, huyền, sắc ...
        ("Trần Thị Mà", "Trần Thị Má"),
        ("Trần Thị Má", "Trần Thị Mai"),  # letters decide before tones
        ("Hoàng Thị Hoà", "Hoàng Thị Hòa"),  # same name by fold: the name as typed breaks the tie
    ],
)
def test_vietnamese_name_order(first, second):
    assert name_order(first) < name_order(second)


def test_tone_placement_variants_compare_equal_until_the_last_key():
    old, new = name_order("Nguyễn Thị Thuỷ"), name_order("Nguyễn Thị Thủy")
    assert old[:3] == new[:3]
    assert old != new


def test_candidates_rank_by_award_then_flags_then_name():
    unit = [
        person("Trần Thị Lan", rank=13, female=True),
        person("Nguyễn Văn Em", rank=11),
        person("Nguyễn Văn Đức", rank=11),
        person("Phạm Văn An", rank=11, ethnic_minority=True),
        person("Hoàng Thị Hòa", rank=11, female=True),
        person("Nguyễn Văn Dũng", rank=11),
        person("Lê Văn Em", rank=11),
        person("Hoàng Thị Hoà", rank=11, female=True),
        person("Vũ Văn Bình", rank=9),
    ]
    ranked = [c.name for c in rank_candidates(unit)]
    assert ranked == [
        "Vũ Văn Bình",  # rank 9 beats every flag
        "Hoàng Thị Hoà",  # rank 11, female: the first priority
        "Hoàng Thị Hòa",
        "Phạm Văn An",  # rank 11, ethnic minority: the second priority
        "Lê Văn Em",  # rank 11, no flag: by name, l < n
        "Nguyễn Văn Dũng",
        "Nguyễn Văn Đức",
        "Nguyễn Văn Em",
        "Trần Thị Lan",  # rank 13, female does not lift a lower award
    ]


def test_priority_order_is_a_setting():
    unit = [
        person("A Nữ", female=True),
        person("B Dân tộc", ethnic_minority=True),
        person("C Cả hai", female=True, ethnic_minority=True),
        person("D Không"),
    ]
    assert [c.name for c in rank_candidates(unit, ["female", "ethnic_minority"])] == [
        "C Cả hai", "A Nữ", "B Dân tộc", "D Không"]
    assert [c.name for c in rank_candidates(unit, ["ethnic_minority", "female"])] == [
        "C Cả hai", "B Dân tộc", "A Nữ", "D Không"]
    assert [c.name for c in rank_candidates(unit, [])] == ["A Nữ", "B Dân tộc", "C Cả hai", "D Không"]


def test_a_unit_sends_its_best_ranked_candidates():
    unit = [person("Cao Văn Ba", rank=13), person("Bùi Thị Hai", rank=11),
            person("Âu Văn Một", rank=13, direct_teaching=True), person("Đào Văn Bốn", rank=17)]
    others = unit_of("Trường THCS Lê Lợi", 2)
    result = select_delegates(unit + others, [], Settings(seats=4, guest_share=0))
    # 4 seats for 3 eligible (rank <= 13) + 2: 2.4, 1.6 -> 2, 1 + 1 to the larger remainder (.6).
    assert result.by_unit == {"Trường TH Hoa Sen": 2, "Trường THCS Lê Lợi": 2}
    hoa_sen = [d.name for d in result.delegates if d.unit == "Trường TH Hoa Sen"]
    assert hoa_sen == ["Bùi Thị Hai", "Âu Văn Một"]  # rank 11, then rank 13 with a priority flag


# ---------------------------------------------------------------------------
# Quotas by unit type and role


def office(unit, leaders, officers, teachers):
    """Candidates of an office: lists of (name, rank) per role."""
    out = []
    for role, people in (("lanh_dao", leaders), ("can_bo", officers), ("giao_vien", teachers)):
        for name, rank in people:
            out.append(Candidate(name, unit, f"R{rank}", rank, role=role, unit_type="phong",
                                 direct_teaching=role == "giao_vien"))
    return out


FIFTEEN = {"phong": {"lanh_dao": 1, "can_bo": 1, "giao_vien": 13}}


def test_office_sends_fifteen_one_leader_one_officer_thirteen_teachers():
    # Ba Vì's 14 teachers all outrank its leader and officer: without role quotas the best 15
    # would be the 14 teachers and one of the two. With them: 1 + 1 + the best 13 teachers.
    ba_vi = office("Phòng GD&ĐT Ba Vì", [("Lãnh đạo Ba Vì", 13)], [("Cán bộ Ba Vì", 13)],
                   [(f"Giáo viên Ba Vì {i:02d}", 11) for i in range(1, 15)])
    settings = Settings(seats=15, guest_share=0, type_role_quotas=FIFTEEN)
    result = select_delegates(ba_vi, [], settings)
    chosen = {d.name for d in result.delegates}
    assert len(chosen) == 15
    assert {"Lãnh đạo Ba Vì", "Cán bộ Ba Vì"} <= chosen
    assert "Giáo viên Ba Vì 14" not in chosen  # the 14th teacher by name
    assert result.shortfalls == []
    without_roles = {d.name for d in select_delegates(ba_vi, [], Settings(seats=15, guest_share=0)).delegates}
    # All 14 teachers, then one rank-13 seat: Cán bộ before Lãnh đạo by name.
    assert without_roles - chosen == {"Giáo viên Ba Vì 14"}
    assert "Lãnh đạo Ba Vì" not in without_roles


def test_office_without_an_officer_gives_the_slot_to_its_best_other_candidate():
    # Mê Linh: leaders L1 (rank 9), L2 (rank 11); no officer; teachers 01-05 rank 11, 06-16 rank 13.
    me_linh = office(
        "Phòng GD&ĐT Mê Linh",
        [("Lãnh đạo Một", 9), ("Lãnh đạo Hai", 11)],
        [],
        [(f"Giáo viên {i:02d}", 11 if i <= 5 else 13) for i in range(1, 17)],
    )
    school = unit_of("Trường THCS Lê Lợi", 10)
    settings = Settings(seats=25, guest_share=0, type_role_quotas=FIFTEEN)
    result = select_delegates(me_linh + school, [], settings)
    # The office's quota (15) is taken first; the school gets the other 10.
    assert result.by_unit == {"Phòng GD&ĐT Mê Linh": 15, "Trường THCS Lê Lợi": 10}
    office_names = [d.name for d in result.delegates if d.unit == "Phòng GD&ĐT Mê Linh"]
    # Leader: Lãnh đạo Một; teachers: 01-13; the officer's slot: the best remaining, Lãnh đạo Hai
    # (rank 11) before teachers 14-16 (rank 13). Listed in rank order.
    assert office_names == ["Lãnh đạo Một", "Giáo viên 01", "Giáo viên 02", "Giáo viên 03", "Giáo viên 04",
                            "Giáo viên 05", "Lãnh đạo Hai"] + [f"Giáo viên {i:02d}" for i in range(6, 14)]
    assert result.shortfalls == [
        "Phòng GD&ĐT Mê Linh: chỉ tiêu 1 cán bộ nhưng chỉ có 0 ứng viên là cán bộ; "
        "1 chỗ chuyển cho ứng viên khác xếp hạng cao nhất của đơn vị."
    ]


def test_office_with_fewer_candidates_than_its_quota():
    small = office("Phòng GD&ĐT Sóc Sơn", [("Lãnh đạo", 11)], [("Cán bộ", 11)],
                   [(f"Giáo viên {i:02d}", 13) for i in range(1, 6)])
    school = unit_of("Trường THCS Lê Lợi", 20)
    result = select_delegates(small + school, [], Settings(seats=20, guest_share=0, type_role_quotas=FIFTEEN))
    # 7 candidates for 15: all 7 go, the 8 unused seats go to the school (7 + 13 = 20).
    assert result.by_unit == {"Phòng GD&ĐT Sóc Sơn": 7, "Trường THCS Lê Lợi": 13}
    assert result.shortfalls == [
        "Phòng GD&ĐT Sóc Sơn: chỉ tiêu 15 đại biểu nhưng chỉ có 7 ứng viên đủ điều kiện; "
        "8 chỗ không dùng được chia cho các đơn vị khác.",
        # 7 seats: 1 leader, 1 officer, min(13, 5) = 5 teachers: every slot filled.
    ]


def test_a_unit_given_two_quotas_keeps_the_first_by_name():
    alloc, notes = _allocate({"Trường TH Hoa Sen": 10, "Trường THCS Lê Lợi": 10}, 10,
                             {"Trường Tiểu học Hoa Sen": 2, "Trường TH Hoa Sen": 6})
    assert alloc == {"Trường TH Hoa Sen": 6, "Trường THCS Lê Lợi": 4}
    assert notes == ['Trường TH Hoa Sen có hai chỉ tiêu ("Trường TH Hoa Sen" và "Trường Tiểu học Hoa Sen"); '
                     'dùng chỉ tiêu ghi cho "Trường TH Hoa Sen".']


def test_explicit_unit_quota_wins_over_the_type_quota():
    me_linh = office("Phòng GD&ĐT Mê Linh", [("Lãnh đạo", 11)], [("Cán bộ", 11)],
                     [(f"Giáo viên {i:02d}", 13) for i in range(1, 20)])
    settings = Settings(seats=30, guest_share=0, type_role_quotas=FIFTEEN,
                        unit_quotas={"Phòng Giáo dục và Đào tạo Mê Linh": 5})
    result = select_delegates(me_linh + unit_of("Trường THCS Lê Lợi", 30), [], settings)
    assert result.by_unit == {"Phòng GD&ĐT Mê Linh": 5, "Trường THCS Lê Lợi": 25}
    # Roles still fill in order within the 5 seats: 1 leader, 1 officer, 3 teachers.
    roles = [d.candidate.role for d in result.delegates if d.unit == "Phòng GD&ĐT Mê Linh"]
    assert sorted(roles) == ["can_bo", "giao_vien", "giao_vien", "giao_vien", "lanh_dao"]


# ---------------------------------------------------------------------------
# Guests


def test_fewer_guests_than_guest_seats_keeps_the_guest_seats_reserved():
    # 20 seats × 30% = 6 guest seats; 2 guests listed: the 4 others stay the guests', reported,
    # and the exemplary delegates keep their 70%: 14 seats, never 18.
    candidates = unit_of("Trường TH Hoa Sen", 15) + unit_of("Trường THCS Lê Lợi", 15)
    result = select_delegates(candidates, [guest("Ông Khách"), guest("Bà Khách", female=True)],
                              Settings(seats=20, guest_share=0.30))
    assert (result.seats, result.guests, result.exemplary) == (20, 2, 14)
    assert result.by_unit == {"Trường TH Hoa Sen": 7, "Trường THCS Lê Lợi": 7}
    assert [d.role for d in result.delegates].count(GUEST) == 2
    assert result.delegates[-2:] == [d for d in result.delegates if d.role == GUEST]  # guests listed last
    assert result.shortfalls == [
        "Chỉ có 2 khách mời cho 6 chỗ dành cho khách mời; 4 chỗ khách mời còn trống, vẫn để dành cho khách mời "
        "(không chuyển cho đại biểu điển hình tiên tiến): hãy bổ sung trang KhachMoi, hoặc giảm tỷ lệ khách mời "
        "nếu muốn."
    ]


@pytest.mark.parametrize(
    "seats, share, expected",
    [
        (200, 0.30, 60),  # the city Sở's plan: 70% / 30%
        (25, 0.10, 3),  # 2.5 rounds half up (Python's round would give 2)
        (7, 0.30, 2),  # 2.1
        (10, 0.0, 0),
        (10, 1.0, 10),
    ],
)
def test_guest_seats_round_half_up(seats, share, expected):
    guests = [guest(f"Khách {i:03d}") for i in range(300)]
    result = select_delegates([], guests, Settings(seats=seats, guest_share=share))
    assert result.guests == expected


def test_more_guests_than_guest_seats_names_those_left_out():
    guests = [guest("Khách Ba"), guest("Khách Một", female=True), guest("Khách Hai")]
    result = select_delegates(unit_of("Trường TH Hoa Sen", 5), guests, Settings(seats=5, guest_share=0.2))
    # 1 guest seat: the female guest first (priority), then by name: Ba before Hai.
    assert [d.name for d in result.delegates if d.role == GUEST] == ["Khách Một"]
    assert result.shortfalls == ["Có 3 khách mời nhưng chỉ có 1 chỗ; 2 người không có chỗ: Khách Ba, Khách Hai."]


def test_only_exemplary_awards_make_a_delegate():
    candidates = [person("Có CSTĐCS", rank=13), person("Chỉ LĐTT", rank=17), person("Có BK", rank=11)]
    result = select_delegates(candidates, [], Settings(seats=5, guest_share=0))
    assert [d.name for d in result.delegates] == ["Có BK", "Có CSTĐCS"]
    strict = select_delegates(candidates, [], Settings(seats=5, guest_share=0, exemplary_max_rank=11))
    assert [d.name for d in strict.delegates] == ["Có BK"]


# ---------------------------------------------------------------------------
# Composition and targets


def test_composition_per_unit_and_overall():
    a = [person("A1", "Trường A", female=True), person("A2", "Trường A", female=True, ethnic_minority=True),
         person("A3", "Trường A", female=True), person("A4", "Trường A"), person("A5", "Trường A")]
    b = [person("B1", "Trường B"), person("B2", "Trường B"), person("B3", "Trường B")]
    guests = [guest("Khách Nữ", female=True, ethnic_minority=True), guest("Khách Nam")]
    # 10 seats, 2 guests; 8 exemplary seats for 5 + 3 candidates: everyone goes.
    result = select_delegates(a + b, guests, Settings(seats=10, guest_share=0.2))
    overall = result.composition["overall"]
    assert {k: overall[k] for k in ("delegates", "guests", "total", "female", "female_pct",
                                     "ethnic_minority", "ethnic_minority_pct")} == {
        "delegates": 8, "guests": 2, "total": 10, "female": 4, "female_pct": 40.0,
        "ethnic_minority": 2, "ethnic_minority_pct": 20.0}
    units = result.composition["units"]
    assert list(units) == ["Trường A", "Trường B", "UBND tỉnh"]
    assert (units["Trường A"]["female"], units["Trường A"]["female_pct"]) == (3, 60.0)
    assert (units["Trường A"]["ethnic_minority"], units["Trường A"]["ethnic_minority_pct"]) == (1, 20.0)
    assert (units["Trường B"]["total"], units["Trường B"]["female_pct"]) == (3, 0.0)
    assert (units["UBND tỉnh"]["guests"], units["UBND tỉnh"]["delegates"]) == (2, 0)
    flags = {d.name: d.flags for d in result.delegates}
    assert flags["A2"] == ["nu", "dan_toc_thieu_so"]
    assert flags["B1"] == []
    assert {d.role for d in result.delegates if d.name.startswith(("A", "B"))} == {DELEGATE}


def test_percentages_are_rounded_to_one_decimal():
    result = select_delegates([person("X", female=True), person("Y"), person("Z")], [],
                              Settings(seats=3, guest_share=0))
    assert result.composition["overall"]["female_pct"] == 33.3


def test_target_not_met_is_one_sentence():
    # 200 delegates, 48 women: 24,0% against a 30% target (the 2025 national congress had 24%).
    women = [person(f"Nữ {i:03d}", female=True) for i in range(48)]
    men = [person(f"Nam {i:03d}") for i in range(152)]
    result = select_delegates(women + men, [], Settings(seats=200, guest_share=0, targets={"female": 0.30}))
    assert result.shortfalls == ["Tỷ lệ nữ 24,0% (48/200), thấp hơn mục tiêu 30%."]


@pytest.mark.parametrize(
    "targets, expected",
    [
        # 2 of 10 are ethnic minority: exactly 20% meets a 20% target (no float slip).
        ({"ethnic_minority": 0.20}, []),
        ({"ethnic_minority": 0.21}, ["Tỷ lệ người dân tộc thiểu số 20,0% (2/10), thấp hơn mục tiêu 21%."]),
        ({"difficult_area": 0.098},
         ["Tỷ lệ người công tác ở vùng đặc biệt khó khăn 0,0% (0/10), thấp hơn mục tiêu 9,8%."]),
        # Reported in a fixed order (female first), whatever the order of the settings.
        ({"ethnic_minority": 0.5, "female": 0.5},
         ["Tỷ lệ nữ 30,0% (3/10), thấp hơn mục tiêu 50%.",
          "Tỷ lệ người dân tộc thiểu số 20,0% (2/10), thấp hơn mục tiêu 50%."]),
    ],
)
def test_composition_targets(targets, expected):
    people = ([person(f"Nữ {i}", female=True) for i in range(3)]
              + [person(f"DT {i}", ethnic_minority=True) for i in range(2)]
              + [person(f"Khác {i}") for i in range(5)])
    result = select_delegates(people, [], Settings(seats=10, guest_share=0, targets=targets))
    assert result.shortfalls == expected


def test_a_target_met_exactly_is_met():
    # 7 of 100 against 7%: 0.07 × 100 is 7.000000000000001 in floating point, yet the target is met.
    people = [person(f"Nữ {i:02d}", female=True) for i in range(7)] + [person(f"Nam {i:02d}") for i in range(93)]
    result = select_delegates(people, [], Settings(seats=100, guest_share=0, targets={"female": 0.07}))
    assert result.shortfalls == []


def test_empty_seats_are_reported():
    result = select_delegates(unit_of("Trường A", 3), [], Settings(seats=10, guest_share=0))
    assert result.exemplary == 3
    assert result.shortfalls == [
        "Còn 7/10 chỗ dành cho đại biểu điển hình tiên tiến để trống: không còn ứng viên đủ điều kiện để phân bổ."
    ]


@pytest.mark.parametrize(
    "settings, fragment",
    [
        (Settings(priority=["female", "tre"]), "Không biết tiêu chí \"tre\""),
        (Settings(targets={"female": 30}), "Mục tiêu tỷ lệ \"female\" phải từ 0 đến 1"),
        (Settings(guest_share=1.5), "Tỷ lệ khách mời phải từ 0 đến 1"),
        (Settings(unit_quotas={"Trường A": -1}), "Chỉ tiêu của \"Trường A\""),
    ],
)
def test_unusable_settings_stop_with_a_vietnamese_message(settings, fragment):
    with pytest.raises(ValueError, match=fragment):
        select_delegates([], [], settings)


# ---------------------------------------------------------------------------
# Determinism


def test_same_input_in_any_order_gives_the_same_list():
    rng = random.Random(20250901)
    candidates = []
    for u, n in (("Trường TH Hoa Sen", 9), ("Trường THCS Lê Lợi", 6), ("Trường MN Họa Mi", 2),
                 ("Phòng GD&ĐT Ba Vì", 16), ("Trường THPT Đoàn Kết", 1)):
        for i in range(n):
            # Many ties: two ranks, few names (the same name twice in a unit), random flags.
            candidates.append(Candidate(
                name=rng.choice(["Nguyễn Văn An", "Nguyễn Thị Hoà", "Nguyễn Thị Hòa", "Đỗ Văn Bình"]),
                unit=u, award=rng.choice(["BK_TINH", "CSTDCS"]), rank=0, female=rng.random() < 0.5,
                ethnic_minority=rng.random() < 0.3, role=rng.choice(["lanh_dao", "can_bo", "giao_vien"]),
                unit_type=unit_type_of(u), source_row=5 + len(candidates)))
            candidates[-1].rank = 11 if candidates[-1].award == "BK_TINH" else 13
    guests = [guest(f"Khách {i}", female=i % 2 == 0) for i in range(5)]
    settings = Settings(seats=24, guest_share=0.25, type_role_quotas=FIFTEEN, targets={"female": 0.6})

    def snapshot(result):
        return ([(d.name, d.unit, d.role, d.candidate.source_row) for d in result.delegates],
                result.by_unit, result.composition, result.shortfalls)

    expected = snapshot(select_delegates(candidates, guests, settings))
    for _ in range(20):
        shuffled, shuffled_guests = candidates[:], guests[:]
        rng.shuffle(shuffled)
        rng.shuffle(shuffled_guests)
        assert snapshot(select_delegates(shuffled, shuffled_guests, settings)) == expected


def test_allocation_is_independent_of_dict_order():
    counts = {"C": 3, "A": 10, "B": 7}
    rng = random.Random(3)
    items = list(counts.items())
    for _ in range(10):
        rng.shuffle(items)
        assert allocate_seats(dict(items), 10) == {"A": 5, "B": 4, "C": 1}


# ---------------------------------------------------------------------------
# From DanhSach rows


def row(**values):
    base = {k: None for k in KEYS}
    base.update({"target": "Cá nhân", "status": "OK", "unit": "Trường TH Hoa Sen"})
    base.update(values)
    return base


def test_candidates_from_rows():
    rows = [
        row(ho_ten="Nguyễn Thị Lan", ma="LDTT; CSTDCS", gioi_tinh="Nữ", chuc_vu="Giáo viên", dan_toc="Kinh"),
        row(ho_ten="Lò Văn Páo", ma="BK_TINH (đột xuất); LDTT", gioi_tinh="Nam", dan_toc="Thái",
            chuc_vu="Hiệu trưởng", ghi_chu="Vùng đặc biệt khó khăn"),
        row(ho_ten="Sai Mã", ma="?; LDTT", status="Cảnh báo", chuc_vu="Kế toán"),
        row(ho_ten="Chỉ Lỗi Mã", ma="?"),
        row(ho_ten="Có Lỗi", ma="CSTDCS", status="Lỗi"),
        row(ho_ten="Tổ Toán", ma="TTLDXS", target="Tập thể"),
        row(ho_ten="Theo Tên", ma=None, de_nghi="Chiến sĩ thi đua cơ sở", unit="Phòng GD&ĐT Ba Vì"),
        row(ho_ten="Nguyễn Thị Lan", ma="GK (chuyên đề)", gioi_tinh="Nữ"),  # same person, lower award
        row(ho_ten="Học Trò", ma="GK", chuc_vu="Học sinh lớp 12A", _row=40),
    ]
    got = {c.name: c for c in candidates_from_rows(rows, default_catalogue())}
    assert set(got) == {"Nguyễn Thị Lan", "Lò Văn Páo", "Sai Mã", "Theo Tên", "Học Trò"}
    lan, pao, sai, theo, hoc = (got[n] for n in ("Nguyễn Thị Lan", "Lò Văn Páo", "Sai Mã", "Theo Tên", "Học Trò"))
    first = MASTER_HEADER_ROW + 1  # DanhSach's first data row
    assert (lan.award, lan.rank, lan.source_row) == ("CSTDCS", 13, first)
    assert (lan.female, lan.ethnic_minority, lan.direct_teaching, lan.role) == (True, False, True, "giao_vien")
    assert (pao.award, pao.rank, pao.source_row) == ("BK_TINH", 11, first + 1)  # "(đột xuất)" does not change the rank
    assert (pao.female, pao.ethnic_minority, pao.difficult_area) == (False, True, True)
    assert (pao.direct_teaching, pao.role, pao.unit_type) == (False, "lanh_dao", "truong")
    assert (sai.award, sai.rank, sai.role, sai.difficult_area) == ("LDTT", 17, "can_bo", False)
    assert (theo.award, theo.unit, theo.unit_type) == ("CSTDCS", "Phòng GD&ĐT Ba Vì", "phong")
    assert (hoc.student, hoc.role, hoc.source_row) == (True, "hoc_sinh", 40)


def test_candidates_from_rows_accepts_lists_and_settings():
    as_list = [row(ho_ten="Trần Văn Nam", ma="CSTDCS", unit="Trường THCS Lê Lợi").get(k) for k in KEYS]
    [c] = candidates_from_rows([as_list], default_catalogue(), first_row=10,
                               difficult_units=["Trường Trung học cơ sở Lê Lợi"], unit_types={"Trường THCS Lê Lợi": "x"})
    assert (c.name, c.award, c.source_row, c.difficult_area, c.unit_type) == ("Trần Văn Nam", "CSTDCS", 10, True, "x")


@pytest.mark.parametrize(
    "position, role, teaches",
    [
        ("Giáo viên", "giao_vien", True),
        ("Giáo viên, Chủ tịch Công đoàn", "giao_vien", True),  # the first title says what the person is
        ("Tổ trưởng chuyên môn", "giao_vien", False),
        ("Tổ phó, GV", "giao_vien", True),
        ("Hiệu trưởng", "lanh_dao", False),
        ("Phó Hiệu trưởng", "lanh_dao", False),
        ("Phó hiệu trưởng kiêm giáo viên", "lanh_dao", False),  # a manager, not a direct teacher
        ("Trưởng phòng GD&ĐT", "lanh_dao", False),
        ("Giám đốc trung tâm", "lanh_dao", False),
        ("Phó Chủ tịch UBND xã", "lanh_dao", False),
        ("Cán bộ quản lý", "lanh_dao", False),
        ("Chuyên viên", "can_bo", False),
        ("Nhân viên thư viện", "can_bo", False),
        ("Kế toán", "can_bo", False),
        ("Văn thư", "can_bo", False),
        ("Học sinh lớp 9A", "hoc_sinh", False),
        ("", None, False),
        (None, None, False),
    ],
)
def test_role_from_position(position, role, teaches):
    assert role_of(position) == role
    assert teaches_directly(position) is teaches


@pytest.mark.parametrize(
    "unit, kind",
    [
        ("Trường THCS Lê Lợi", "truong"),
        ("THPT Nguyễn Du", "truong"),
        ("Mầm non Hoa Sen", "truong"),
        ("Phòng GD&ĐT huyện Mê Linh", "phong"),
        ("Phòng Giáo dục và Đào tạo Ba Vì", "phong"),
        ("UBND xã Tân Lập", "xa"),
        ("Phường Hà Đông", "xa"),
        ("Phòng Văn hóa - Xã hội phường Hà Đông", "xa"),  # a commune's office after 01/07/2025
        ("Trung tâm GDNN-GDTX quận 1", "trung_tam"),
        ("Sở GD&ĐT Hà Nội", "so"),
        ("Sở Lao động - Thương binh và Xã hội", "so"),  # "xã hội" is not a commune
        ("Phòng Giáo dục Trung học", "so"),  # a division of the Sở
        ("Công ty sách", None),
    ],
)
def test_unit_type_from_name(unit, kind):
    assert unit_type_of(unit) == kind


# ---------------------------------------------------------------------------
# The memoised reading of DanhSach rows gives what the plain reading gave (issue 14)


def _plain_candidates_from_rows(rows, catalogue, *, difficult_units=(), unit_types=None,
                                first_row=MASTER_HEADER_ROW + 1):
    """candidates_from_rows as it was before its texts were memoised: every cell cleaned and parsed per row."""
    from addin import delegates as d
    from addin.text import clean, fold, is_ethnic_minority, is_yes, parse_gender
    from addin.units import unit_key

    def text(value):
        return "" if value is None else clean(str(value))

    difficult = {unit_key(u) for u in difficult_units}
    types = {unit_key(u): t for u, t in (unit_types or {}).items()}
    best = {}
    for i, raw in enumerate(rows):
        row = raw if isinstance(raw, dict) else dict(zip(KEYS, raw))
        if fold(text(row.get("target"))) != "cá nhân" or fold(text(row.get("status"))) == fold("Lỗi"):
            continue
        name, unit = text(row.get("ho_ten")), text(row.get("unit")) or text(row.get("don_vi"))
        codes = []
        if text(row.get("ma")):
            codes = [m.group(1) for part in text(row.get("ma")).split(";") if (m := d._CODE.match(part))]
        elif text(row.get("de_nghi")):
            codes = [m.code for m in catalogue.match(text(row.get("de_nghi"))) if m.code]
        ranked = sorted((catalogue.rank(c), c) for c in codes if c != "?" and c in catalogue)
        award = (ranked[0][1], ranked[0][0]) if ranked else None
        if not name or not unit or award is None:
            continue
        position = text(row.get("chuc_vu"))
        role = role_of(position)
        candidate = Candidate(
            name=name, unit=unit, award=award[0], rank=award[1],
            female=parse_gender(row.get("gioi_tinh")) == "nu",
            ethnic_minority=is_ethnic_minority(row.get("dan_toc")),
            difficult_area=(is_yes(row.get("vung_dbkk")) or unit_key(unit) in difficult
                            or bool(d._DIFFICULT.search(fold(text(row.get("ghi_chu")))))),
            direct_teaching=teaches_directly(position), student=role == "hoc_sinh", role=role,
            unit_type=types.get(unit_key(unit)) or unit_type_of(unit),
            source_row=row.get("_row") if row.get("_row") is not None else first_row + i,
        )
        person_key = (unit, d.name_key(name), str(row.get("ngay_sinh") or row.get("nam_sinh") or ""))
        kept = best.get(person_key)
        if kept is None or d._rank_key(candidate, ()) < d._rank_key(kept, ()):
            best[person_key] = candidate
    return rank_candidates(best.values())


def test_memoised_candidates_are_the_plain_ones() -> None:
    pick = random.Random(14)
    values = {
        "target": ["Cá nhân", "cá nhân ", "Tập thể", None, 1],
        "status": ["OK", "Cảnh báo", "Lỗi", "lỗi", None],
        "ho_ten": ["Nguyễn Văn An", "Trần  Thị Bình", " Lê Hoà ", "Lê Hòa", "", None, 7],
        "unit": ["Trường TH Hoa Sen", "Trường THCS Lê Lợi", "Xã Tân Phú", "", None],
        "don_vi": ["Tổ Toán", "Phòng GD&ĐT", None],
        "ma": ["LDTT", "CSTDCS; LDTT", "BK_TINH (đột xuất)", "?", "XYZ", "", None, 3],
        "de_nghi": ["Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Bằng khen", "", None],
        "chuc_vu": ["Giáo viên", "Hiệu trưởng", "Học sinh", "Giáo viên, Tổ trưởng", "Kế toán", None],
        "gioi_tinh": ["Nữ", "nữ", "Nam", "NỮ", "", None, 1],
        "dan_toc": ["Kinh", "Tày", "DT: Kinh", "Ê Đê", "", None, 0],
        "ghi_chu": ["", None, "Vùng đặc biệt khó khăn", "ĐBKK", "Ghi chú khác"],
        "ngay_sinh": [None, "01/02/1980", "05/06/1990"],
        "nam_sinh": [None, 1980, 1990.0],
    }
    rows = []
    for i in range(3000):
        row = {key: pick.choice(options) for key, options in values.items()}
        if i % 3 and isinstance(row["ho_ten"], str) and row["ho_ten"]:
            row["ho_ten"] += f" {i % 700}"  # many people, some of them twice
        rows.append(row if i % 2 else [row.get(k) for k in KEYS])
    catalogue = default_catalogue()
    for kwargs in ({}, {"difficult_units": ["Xã Tân Phú"], "unit_types": {"Trường TH Hoa Sen": "truong"}}):
        got = candidates_from_rows(rows, catalogue, **kwargs)
        want = _plain_candidates_from_rows(rows, catalogue, **kwargs)
        assert got == want and len(got) > 100
