"""pdftotext's text of justified Thai paragraphs, where it writes pieces of printed lines out of
their order on the page: the rows under a superscript note number read as two columns, and the
rest of a line written before the line's start. Small made-up documents, shaped as pdftotext
writes a LibreOffice page."""

from __future__ import annotations

from rag.document.structure import structure_document
from rag.repair.line_order import reading_order
from rag.repair.text import repair_document

# Full printed lines of a justified paragraph (about 55 characters each).
_LINES = [
    "หมู่บ้านริมแม่น้ำแห่งนี้ก่อตั้งขึ้นเมื่อราวสองร้อยปีก่อนโดยกลุ่มชาวนาที่",
    "อพยพมาจากที่ราบทางตอนเหนือ พวกเขาเลือกทำเลนี้เพราะดินอุดมสมบูรณ์",
    "และน้ำไม่ท่วมในฤดูฝน ชาวบ้านรุ่นแรกปลูกข้าวและเลี้ยงปลาในบ่อขนาดเล็ก",
    "ต่อมาเมื่อมีถนนตัดผ่าน การค้าขายกับเมืองใกล้เคียงก็เติบโตขึ้นอย่างรวดเร็ว",
]
_NOTE = "3ดูรายละเอียดเพิ่มเติมใน ประวัติหมู่บ้านริมน้ำ (ฉบับปรับปรุง พ.ศ. 2562) หน้า 12–30"


def _doc(lines: list[str]):
    return structure_document(repair_document("\n".join(lines)), doc_id="d", title="d")


def _body(lines: list[str]) -> str:
    return " ".join(p.text for p in _doc(lines).paragraphs)


def test_two_rows_read_as_columns_split_at_a_note_number_go_back_in_order() -> None:
    """The printed rows `…นายบุญมา ทองดี³ ผู้เดินทางมาจากเมืองน่าน` and `ซึ่งเป็นผู้ริเริ่ม…ฝาย
    เพื่อการเพาะปลูกตลอดปี`: pdftotext writes the first row's left half, the number, the second
    row's left half, then both right halves as one block."""
    doc = _doc([
        *_LINES,
        "ตามบันทึกของวัด ผู้นำคนแรกคือนายบุญมา ทองดี",
        "",
        "3",
        "",
        "ซึ่งเป็นผู้ริเริ่มการขุดคลองส่งน้ำและการสร้างฝาย",
        "",
        "ผู้เดินทางมาจากเมืองน่าน",
        "เพื่อการเพาะปลูกตลอดปี",
        "",
        "ชาวบ้านยังคงรำลึกถึงคุณงามความดีของท่านด้วยการจัดงานบุญประจำปีในเดือน",
        "เมษายนของทุกปี โดยมีการทำบุญตักบาตรและการแข่งเรือในลำน้ำสายหลัก",
        _NOTE,
        "",
        "\f",
    ])
    body = " ".join(p.text for p in doc.paragraphs)
    assert ("ผู้นำคนแรกคือนายบุญมา ทองดี ผู้เดินทางมาจากเมืองน่านซึ่งเป็นผู้ริเริ่มการขุดคลองส่งน้ำและ"
            "การสร้างฝาย เพื่อการเพาะปลูกตลอดปี") in body
    assert [m.n for p in doc.paragraphs for m in p.markers] == [3]
    assert list(doc.references) == [3]


def _page(when: str, place: str) -> list[str]:
    return [
        "\fบันทึกประวัติหมู่บ้าน",
        "",
        "ทั้งหมด",
        "",
        when,
        "",
        f"การสำรวจครั้งใหญ่ของกรมพัฒนาชุมชนพบว่าครัวเรือน{place}",
        "",
        "ส่วนใหญ่ยังคงทำนา",
        "",
        "และปลูกผัก",
        "",
        *_LINES,
    ]


def test_a_running_head_takes_no_right_half() -> None:
    """A running head opens every page, with pieces after it: a piece too wide to go beside it
    opens no second row, so no later piece is read as the head's right half."""
    body = _body([*_LINES, "", *_page("ในปีพุทธศักราชนั้นเอง", "ริมน้ำ"), "", *_page("ในฤดูแล้งของปีถัดมา", "ในหุบเขา")])
    assert "ในปีพุทธศักราชนั้นเอง ส่วนใหญ่ยังคงทำนา" not in body
    assert "ริมน้ำ และปลูกผัก" not in body


def test_the_rest_of_a_line_written_before_its_start_goes_after_it() -> None:
    """`ู้นำทางจิตใจ…` opens with the marks of `ผู้`, which the line after it ends without:
    pdftotext wrote the rest first, set higher by its marks."""
    body = _body([
        *_LINES[:3],
        "ประวัติของวัดประจำหมู่บ้านย้อนไปได้ไกลถึงสมัยของพระอาจารย์ใหญ่",
        "ู้นำทางจิตใจของชุมชนมาตลอด",
        "ท่านเป็นที่เคารพเพราะทำหน้าที่เป็นผ",
        "ชาวบ้านจึงร่วมกันสร้างอนุสรณ์ไว้ที่หน้าวัดเพื่อรำลึกถึงคุณงามความดี",
        "",
    ])
    assert "พระอาจารย์ใหญ่ท่านเป็นที่เคารพเพราะทำหน้าที่เป็นผู้นำทางจิตใจของชุมชนมาตลอดชาวบ้านจึง" in body


def test_marks_cut_off_the_line_above_stay_there_when_the_next_line_takes_its_own() -> None:
    """The marks opening a line belong to the line above (`ชี้ว่า`) when the line after them
    lost its own mark to the line after it (`ขึ้น`): nothing moves."""
    body = _body([
        *_LINES[:3],
        "งานวิจัยใหม่ที่จัดทำโดยคณะนักวิทยาศาสตร์จากมหาวิทยาลัยชีว",
        "้ ่าพื้นที่ป่าดิบชื้น",
        "ในลุ่มน้ำแห่งนี้ถูกโค่นมากขึน",
        "้ และมีฝนตกในพื้นที่น้อยลงกว่าเมื่อสิบปีก่อนอย่างเห็นได้ชัด",
        "",
    ])
    assert "มหาวิทยาลัยชี้ว่าพื้นที่ป่าดิบชื้นในลุ่มน้ำแห่งนี้ถูกโค่นมากขึ้นและมีฝนตก" in body


def test_two_note_numbers_in_a_row_are_not_glued_together() -> None:
    """Two rows' numbers (`0.3⁴` and the next row's `⁵`) come one after the other: only the first
    goes beside the text before it."""
    body = _body([
        *_LINES,
        "อุณหภูมิเฉลี่ยของหมู่บ้านเพิ่มขึ้นประมาณ 0.3",
        "",
        "4",
        "",
        "5",
        "",
        "องศาเซลเซียสต่อทศวรรษ ตามการตรวจวัดของสถานีอากาศในอำเภอ",
        "",
        *_LINES,
    ])
    assert "0.345" not in body


def test_two_rows_whose_left_halves_close_a_block_go_back_in_order() -> None:
    """The left halves of two rows may come as the last two lines of a text block, the right
    halves set off after them (`…ร้านค้าก็เกิดขึ้น` / `ชาวบ้าน…อาชีพ` | `ตามมา…` | `จากการทำนา…`)."""
    body = _body([
        *_LINES,
        "เมื่อถนนสายใหม่เปิดใช้ ร้านค้าก็เกิดขึ้น",
        "ชาวบ้านจำนวนมากเปลี่ยนอาชีพ",
        "",
        "ตามมาอย่างรวดเร็วในทุกหมู่บ้าน",
        "",
        "จากการทำนามาเป็นการค้าขายและบริการ",
        "",
        *_LINES,
    ])
    assert ("ร้านค้าก็เกิดขึ้น ตามมาอย่างรวดเร็วในทุกหมู่บ้านชาวบ้านจำนวนมากเปลี่ยนอาชีพ "
            "จากการทำนามาเป็นการค้าขายและบริการ") in body


def test_a_lone_mark_between_two_lines_is_no_rest_written_first() -> None:
    """pypdfium2 sets a below vowel alone between the two pieces of a printed line (`ล` + `ู` +
    `เทอร์…`): it goes back onto the piece before it, whatever the line after it ends with."""
    body = _body([*_LINES, "ในฤดูร้อนปี 1521 ล", "ู", "เทอร์ขยายเป้าหมายจากความศรัทธาอย่างเช่นการ", *_LINES])
    assert "ในฤดูร้อนปี 1521 ลูเทอร์ขยายเป้าหมาย" in body


def test_reading_order_is_pdftotexts_on_a_measured_page() -> None:
    """`reading_order` follows poppler's rules: on the boxes pdftotext -bbox-layout measured for
    four justified rows of a Chromium page cut at their wide spaces (row, x from, x to, in
    points; a full line above them), it gives back the order pdftotext wrote the lines in,
    whatever order the boxes are listed in."""
    written = [(0, 57.0, 539.2), (1, 57.0, 282.6), (2, 57.0, 205.4), (2, 225.1, 381.2), (3, 57.0, 260.5),
               (4, 57.0, 174.3), (1, 298.1, 438.5), (3, 275.0, 321.1), (1, 454.0, 499.0), (1, 514.5, 539.2),
               (2, 400.9, 539.2), (3, 335.6, 539.2), (4, 191.2, 477.9), (4, 494.8, 539.2)]
    listed = sorted(range(len(written)), key=lambda i: (-written[i][2], i))  # any order but the written one
    assert [listed[i] for i in reading_order([written[i] for i in listed])] == list(range(len(written)))
