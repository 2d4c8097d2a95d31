"""pdfminer.six's text of XeLaTeX pages: it starts a new text line at every raised tone mark
and sets each text box off by a blank line; where pieces of two rows line up it groups them
into one box and places the boxes by its own flow, so the two rows' pieces interleave. Small
made-up pages shaped as pdfminer.six writes the generated XeLaTeX documents."""

from __future__ import annotations

import re

import pytest

from rag.document.structure import structure_document
from rag.repair.text import line_texts, repair_document

# Printed lines of one paragraph (a page-wide measure).
_ROWS = [
    "นโยบายการต่างประเทศของไทยในช่วงที่ผ่านมาให้ความสำคัญกับเพื่อนบ้านใกล้ชิด",
    "ที่อยู่ในภูมิภาคเดียวกัน และยังมุ่งสร้างความเชื่อมั่นให้แก่นักลงทุนซึ่งต้องการ",
    "ตลาดที่มั่นคง รัฐบาลจึงเดินหน้าเจรจาความตกลงการค้าเสรีที่ครอบคลุมทั้งสินค้า",
    "และบริการ พร้อมกับผลักดันให้มีการลงทุนร่วมกันเพื่อเชื่อมโยงห่วงโซ่อุปทาน",
    "ของภูมิภาคเข้าด้วยกัน ซึ่งเป็นเงื่อนไขสำคัญของการเติบโตที่ยั่งยืนในระยะยาว",
    "นักวิชาการหลายคนเห็นว่าการทูตเชิงเศรษฐกิจนั้นต้องอาศัยความร่วมมือจากภาคเอกชน",
    "ที่มีเครือข่ายอยู่ในต่างประเทศ เพื่อให้ข้อมูลที่ถูกต้องแก่ผู้กำหนดนโยบายซึ่ง",
    "ต้องตัดสินใจในเวลาที่สั้นลงเรื่อยๆ ท่ามกลางการแข่งขันของมหาอำนาจทั้งสอง",
]
# XeTeX raises a tone mark set over an upper or lower vowel: pdfminer.six cuts the line before it.
_RAISED = re.compile("(?<=[\u0e31\u0e34-\u0e39])(?=[\u0e48-\u0e4b])")


def _pieces(row: str) -> list[str]:
    return _RAISED.split(row)


def _text(boxes: list[list[str]]) -> str:
    """pdfminer.six's text: each box's lines, a blank line after each box."""
    return "".join("\n".join(box) + "\n\n" for box in boxes)


def _read(boxes: list[list[str]]) -> str:
    return "".join(t for t in line_texts(repair_document(_text(boxes))) if t.strip()).replace(" ", "")


def _whole(rows: list[str]) -> str:
    return "".join(rows).replace(" ", "")


def test_pieces_of_one_row_a_box_each_are_joined_in_order() -> None:
    """The usual case: each piece a box of its own, in the order it stands."""
    boxes = [[p] for row in _ROWS for p in _pieces(row)]
    assert sum(len(_pieces(row)) - 1 for row in _ROWS) >= 10  # (the rows are cut at raised marks)
    assert _read(boxes) == _whole(_ROWS)


def test_two_rows_grouped_in_boxes_are_put_back_in_order() -> None:
    """Rows 4 and 5 come as pdfminer.six wrote a tangle of gen727-07's: a box with the first
    two pieces of the upper row and the first of the lower one, a box with a piece of each, then
    the lower row's pieces that were left, last first."""
    a, b = _pieces(_ROWS[3]), _pieces(_ROWS[4])
    tangle = [[a[0], a[1], b[0]], [a[2], b[2]], [b[4]], [b[3]], [b[1]]]
    boxes = [[p] for row in _ROWS[:3] for p in _pieces(row)] + tangle + [[p] for row in _ROWS[5:] for p in _pieces(row)]
    assert _read(boxes) == _whole(_ROWS)


def test_short_pieces_that_read_after_many_ends_are_settled_by_their_neighbours() -> None:
    """Rows 2 and 3 tangled the same way: their short pieces (`่อยู`, `่อมั`, `่มั`) read as
    words after several ends (`เชื่อยู`, `ที่อยู`), and the first reading puts some in a ring
    that no row's start leads to; the rounds that read each join with its neighbours, and the
    line widths, put them back."""
    a, b = _pieces(_ROWS[1]), _pieces(_ROWS[2])
    tangle = [[a[0], a[1], b[0]], [a[2], b[2]], [*a[3:], *b[4:]], [b[3]], [b[1]]]
    boxes = [[p] for p in _pieces(_ROWS[0])] + tangle + [[p] for row in _ROWS[3:] for p in _pieces(row)]
    assert _read(boxes) == _whole(_ROWS)


def test_a_row_written_right_to_left_in_its_box_comes_back() -> None:
    """In a box, pdfminer.six may write a row's mark piece before the row's start
    (`้ง หน่วยเฉพาะกิจ…` before `จัดตั`), the next row's pieces under them."""
    a, b = _pieces(_ROWS[5]), _pieces(_ROWS[6])
    tangle = [[a[1], a[0], *b[:2]], *[[p] for p in a[2:]], *[[p] for p in b[2:]]]
    boxes = [[p] for row in _ROWS[:5] for p in _pieces(row)] + tangle + [[p] for p in _pieces(_ROWS[7])]
    assert _read(boxes) == _whole(_ROWS)


def test_boxes_of_whole_lines_in_order_stay_as_they_came() -> None:
    """A box of several lines whose pieces stand in order (a paragraph's rows that pdfminer.six
    grouped, LibreOffice's spacing) reads as it came: nothing in it reads better moved."""
    boxes = [[p] for p in _pieces(_ROWS[0])] + [[p for row in _ROWS[1:] for p in _pieces(row)]]
    assert _read(boxes) == _whole(_ROWS)


def test_mark_pieces_in_a_box_opened_by_the_next_row_end_the_row_above() -> None:
    """Chromium's justified pages in pdfminer.six (dev04's `…แห่งหนึ` over a box `คนต่อปี…` /
    `่งของสหรัฐ…`): a row's first pieces come a box each, and its rest opens with marks inside a
    box that the next row's first piece opens. The row above is read with the box."""
    a, b = _pieces(_ROWS[3]), _pieces(_ROWS[4])
    tangle = [[a[0]], [b[0], a[1], a[2]], *[[p] for p in b[1:]]]
    boxes = [[p] for row in _ROWS[:3] for p in _pieces(row)] + tangle + [[p] for row in _ROWS[5:] for p in _pieces(row)]
    assert _read(boxes) == _whole(_ROWS)


def test_mark_pieces_in_a_box_with_the_row_above_go_after_the_row_below_it() -> None:
    """dev01's `Kimmel) เกิดเมื`, written after a box that holds the full row above it and the
    mark pieces that end it (`่ 13 พฤศจิกายน…`), a box of its own between (`่อวันท ี`): the
    pieces go after the row below, not onto the end of a row or title above it."""
    a, b = _pieces(_ROWS[5]), _pieces(_ROWS[6])
    tangle = [[a[0]], [a[1], b[2]], [b[1]], [b[0]], *[[p] for p in b[3:]]]
    boxes = [[p] for row in _ROWS[:5] for p in _pieces(row)] + tangle + [[p] for p in _pieces(_ROWS[7])]
    assert _read(boxes) == _whole(_ROWS)


def test_pieces_cut_between_marks_written_out_of_order_are_joined_by_their_words() -> None:
    """Marks that the text layer writes out of order, cut apart: a tone before the vowel below
    its letter (dev04's Laksaman, `เป็นที` / `่ร้` / `ูจักในชื`, a box written bottom up) and a
    SARA AM before its tone, written again after it (dev03's Loma, `นำ` + `้ามัน`). Each piece
    goes where it makes words once the marks are in order."""
    row1 = "เขาเป็นที่รู้จักในชื่อของนักเขียนที่สนใจเรื่องน้ำมันและพลังงานทดแทน"
    row2 = "ของภูมิภาคเข้าด้วยกัน ซึ่งเป็นเงื่อนไขสำคัญของการเติบโตที่ยั่งยืนในระยะยาว"
    boxes = [["เขาเป็นที"], ["ูจักในชื", "่ร้", "่อของนักเขียนที"], ["่สนใจเรื"], ["่องนำ"], ["้ามันและพลังงานทดแทน"],
             *[[p] for p in _pieces(row2)]]
    assert _read(boxes) == _whole([row1, row2])


@pytest.mark.parametrize("spaced", [
    ["เกมชุดนี้สร้างจากนิยายอิงประวัติศาสตร์แนวแอ็กชันผจญภัย, ", "ลอบฆ่า, ", "โลกเปิด"],
    ["ด้วยสำนึกในพระมหากรุณาธิคุณที่มีพระวิริยะอุตสาหะ", "  ตรากตรำบำเพ็ญพระราช"],
])
def test_pieces_of_a_justified_line_set_off_by_their_space_are_one_line(spaced: list[str]) -> None:
    """Justified lines in pdfminer.six: a line cut at its wide spaces comes as boxes, the space
    it was cut at ending the piece before (Chromium, dev04's `…ผจญภัย, ` / `ลอบฆ่า, ` /
    `โลกเปิด`) or opening the piece after (LibreOffice, dev02's `  ตรากตรำาบำาเพ็ญพระราช`). A
    short piece is no heading and ends no paragraph: the pieces go back onto their line."""
    rows = [*_ROWS[:4], "".join(spaced), *_ROWS[4:]]
    boxes = [[p] for row in _ROWS[:4] for p in _pieces(row)] + [[p] for p in spaced] \
        + [[p] for row in _ROWS[4:] for p in _pieces(row)]
    doc = structure_document(repair_document(_text(boxes)), doc_id="d", title="d")
    assert [s.title for s in doc.sections if s.title] == []
    assert "".join(p.text for p in doc.paragraphs).replace(" ", "") == _whole(rows)


def test_a_bold_heading_cut_at_sara_am_s_stray_tail_is_one_heading() -> None:
    """LibreOffice's bold Laksaman maps SARA AM's tail to `!` (the issue's `แม่น้ำ!าอะเมซอน`), and
    pdfminer.six cut dev01's heading there: `แม่น้ำ` / `!าอะเมซอน`. The rest goes back onto its
    line, and the heading reads whole."""
    boxes = [["แม่น้ำ"], ["!าอะเมซอน"], *[[p] for row in _ROWS for p in _pieces(row)]]
    doc = structure_document(repair_document(_text(boxes)), doc_id="d", title="d")
    assert [s.title for s in doc.sections if s.title] == ["แม่น้ำอะเมซอน"]


def test_a_moved_piece_keeps_the_space_that_says_its_line_goes_on() -> None:
    """dev04's `…ในชื่อของหน้าผาหินแกรนิต ` came in a tangled box, then `ยอดเขาโดมครึ` / `่งซีก ` /
    `(Half` as pieces of the same justified line: put back in order, the piece keeps the space
    it was cut at, and the short pieces after it go onto its line instead of standing as
    headings."""
    row1 = "เขาเป็นที่รู้จักในชื่อของนักเขียน ยอดนิยม (Best"
    row2 = "seller) และมีผลงานตีพิมพ์ออกมาแล้วหลายเล่มในช่วงสิบปีที่ผ่านมา"
    boxes = [[p] for row in _ROWS[:4] for p in _pieces(row)] \
        + [["เขาเป็นที"], ["ูจักในชื", "่ร้", "่อของนักเขียน "], ["ยอดนิยม "], ["(Best"], [row2]] \
        + [[p] for row in _ROWS[4:] for p in _pieces(row)]
    doc = structure_document(repair_document(_text(boxes)), doc_id="d", title="d")
    assert [s.title for s in doc.sections if s.title] == []
    assert "".join(p.text for p in doc.paragraphs).replace(" ", "") == _whole([*_ROWS[:4], row1, row2, *_ROWS[4:]])
