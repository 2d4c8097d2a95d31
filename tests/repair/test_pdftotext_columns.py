"""pdftotext's text of pages set in two columns, where it reads the two columns' lines in turn:
each block goes back to its column, the left column's first. Small made-up pages shaped as
pdftotext writes the LibreOffice and Chromium pages of the generated sets (a heading in a
column takes its turn, a stretch that only one column has at its height comes as one block,
a justified row may come in pieces, a raised note number comes before its line)."""

from __future__ import annotations

from rag.document.structure import structure_document
from rag.repair.text import line_texts, repair_document

# Whole lines of two columns (about 30 characters each, a column's measure at 15 pt).
_LEFT = ["การทูตเชิงวิทยาศาสตร์เป็นเครื่องมือ", "ที่รัฐใช้สร้างความร่วมมือกับประเทศ",
         "ต่างๆ ผ่านโครงการวิจัยร่วมกันและการ", "แลกเปลี่ยนนักวิทยาศาสตร์รุ่นใหม่ซึ่ง",
         "ช่วยให้ความสัมพันธ์ระหว่างประเทศมี", "ความมั่นคงมากขึ้นในระยะยาวอย่างยิ่ง"]
_RIGHT = ["สหภาพยุโรปเผชิญกับการแข่งขันที่รุนแรง", "จากสหรัฐอเมริกาและจีนในด้านเทคโนโลยี",
          "ขั้นสูงทำให้ต้องปรับนโยบายอุตสาหกรรม", "โดยให้ความสำคัญกับอธิปไตยทางดิจิทัล",
          "และการลงทุนในโครงสร้างพื้นฐานร่วมกัน", "ของประเทศสมาชิกทั้งยี่สิบเจ็ดประเทศ"]


def _lines(blocks: list[str]) -> list[str]:
    """The repaired text lines, in the order read."""
    return [t for t in line_texts(repair_document("\n\n".join(blocks) + "\n")) if t.strip()]


def _joined(blocks: list[str]) -> str:
    return "".join(_lines(blocks)).replace(" ", "")


def test_two_columns_interleaved_line_by_line_are_read_apart() -> None:
    """pdftotext writes the lines of a page's two columns one from each in turn, each set off by
    blank lines: the left column's lines come back first, then the right one's."""
    blocks = [line for pair in zip(_LEFT, _RIGHT, strict=True) for line in pair]
    assert _lines(blocks) == [*_LEFT, *_RIGHT]


def test_one_column_and_pdfminer_boxes_keep_their_order() -> None:
    """One-column text: a paragraph is a block of several lines. pdfminer.six sets every line
    off, its cut marks too (after a blank line): its lines are not two columns in turn."""
    one = "\n".join(_LEFT) + "\n\n" + "\n".join(_RIGHT)
    assert _joined([one]) == "".join(_LEFT + _RIGHT).replace(" ", "")
    lines = [line for pair in zip(_LEFT, _RIGHT, strict=True) for line in pair]
    boxes = []
    for line in lines:  # a tone cut off every line, set off the way pdfminer.six sets it
        boxes += [line + "ที", "่นี่"]
    assert _joined(boxes) == "".join(line + "ที่นี่" for line in lines).replace(" ", "")


def test_a_heading_at_the_top_of_the_left_column_takes_its_turn() -> None:
    """The left column opens with a heading in larger type, set lower than the right column's
    first line: pdftotext writes the heading, then the right column's line, then the left
    column's, in turn."""
    heading = "บทที่ 3 การทูตเชิงวิทยาศาสตร์"
    blocks = [heading]
    for left, right in zip(_LEFT, _RIGHT, strict=True):
        blocks += [right, left]
    assert _lines(blocks) == [heading, *_LEFT, *_RIGHT]


def test_a_heading_in_the_right_column_and_a_stretch_of_one_column_come_as_blocks() -> None:
    """Next to a heading in the right column the left column's lines come as one block of two;
    the heading is a block of the right column's, and the turns go on after it."""
    heading = "ส่วนที่ 2: สหภาพยุโรป"
    blocks = [_LEFT[0], _RIGHT[0], _LEFT[1], _RIGHT[1], "\n".join(_LEFT[2:4]), heading,
              _LEFT[4], _RIGHT[2], _LEFT[5], _RIGHT[3]]
    assert _lines(blocks) == [*_LEFT, _RIGHT[0], _RIGHT[1], heading, _RIGHT[2], _RIGHT[3]]


def test_a_justified_row_in_pieces_stays_in_its_column() -> None:
    """pdftotext cuts a justified row at its wide spaces: the pieces of a left row come one after
    the other, and together make one row of the left column."""
    first, rest = _LEFT[2].split(" ", 1)
    blocks = [_LEFT[0], _RIGHT[0], _LEFT[1], _RIGHT[1], first, rest, _RIGHT[2], _LEFT[3], _RIGHT[3],
              _LEFT[4], _RIGHT[4], _LEFT[5], _RIGHT[5]]
    assert _joined(blocks) == "".join(_LEFT + _RIGHT).replace(" ", "")


def test_a_running_head_stays_first_and_a_note_number_goes_with_its_line() -> None:
    """A page's running head (`Page 1`, `Page 2`: on every page) is no line of a column; a raised
    note number alone on a line comes before the line it marks, in the same column."""
    pages, texts = [], []
    for n in (1, 2):
        left, right = (_LEFT, _RIGHT) if n == 1 else (_LEFT[3:] + _LEFT[:3], _RIGHT[3:] + _RIGHT[:3])
        page = [f"\fPage {n}" if n > 1 else f"Page {n}"]
        for k, (one, two) in enumerate(zip(left, right, strict=True)):
            page += [one, "4", two] if k == 2 else [one, two]
        pages += page
        texts.append("".join(left + right).replace(" ", ""))
    lines = _lines(pages)
    heads = [n for n, line in enumerate(lines) if line.startswith("Page")]
    assert len(heads) == 2 and all(lines[n].strip() in ("Page", "Page 1", "Page 2") for n in heads)
    for start, end, text in zip(heads, heads[1:] + [len(lines)], texts, strict=True):
        assert "".join(lines[start + 1:end]).replace(" ", "") == text


def test_a_note_number_that_ends_a_block_goes_on_in_the_same_column() -> None:
    """pdftotext ends a column's block at a raised note number; the next block is the same
    column's."""
    blocks = [_LEFT[0], _RIGHT[0], _LEFT[1], _RIGHT[1], _LEFT[2], _RIGHT[2], "\n".join(_LEFT[3:]),
              "\n".join([_RIGHT[3], _RIGHT[4], "1"]), _RIGHT[5]]
    text = _joined(blocks)
    assert text.startswith("".join(_LEFT).replace(" ", ""))
    assert text.endswith("".join(_RIGHT).replace(" ", ""))


# One column's justified rows (about 50 characters), each with a wide space to cut it at.
_ROWS = ["ความร่วมมือทางวิทยาศาสตร์ระหว่างประเทศ ช่วยให้รัฐขนาดกลางมีบทบาท",
         "ในเวทีโลกได้มากขึ้น โดยเฉพาะในด้านสาธารณสุขและการเปลี่ยนแปลงภูมิอากาศ",
         "ซึ่งต้องอาศัยข้อมูลร่วมกัน รัฐบาลหลายประเทศจึงจัดตั้งสำนักงานที่ปรึกษา",
         "ด้านวิทยาศาสตร์ประจำกระทรวง การต่างประเทศเพื่อเชื่อมโยงนักวิจัยกับนักการ",
         "ทูตและผู้กำหนดนโยบาย ทั้งยังสนับสนุนทุนวิจัยร่วมกับมหาวิทยาลัยในต่างประเทศ",
         "อย่างต่อเนื่องเป็นเวลาหลายปี ความร่วมมือเหล่านี้สร้างความไว้วางใจระหว่างกัน"]


def test_one_column_pieces_and_short_paragraphs_keep_their_order() -> None:
    """One column of justified text whose rows pdftotext cut into pieces, every other row set
    off whole: never more than one whole line in a row, so nothing is read as columns."""
    blocks: list[str] = []
    for n, row in enumerate(_ROWS):
        blocks += row.split(" ", 1) if n % 2 else [row]
    assert _joined(blocks) == "".join(_ROWS).replace(" ", "")


def test_columns_whose_rows_do_not_line_up_stay_as_read() -> None:
    """XeLaTeX's two columns do not share a line grid: pdftotext writes a column's lines one by
    one, then blocks of several lines from either column; such a page is no two columns in turn,
    and its text stays in the order read."""
    blocks = [*_LEFT[:4], "\n".join(_RIGHT[:3]), "\n".join(_LEFT[4:]), _RIGHT[3], "\n".join(_RIGHT[4:])]
    assert _lines(blocks) == [*_LEFT[:4], *_RIGHT[:3], *_LEFT[4:], *_RIGHT[3:]]


def test_a_piece_after_its_note_number_completes_its_row() -> None:
    """A right row cut into pieces, the second piece written under the note number raised
    before it (`10` + `1701 และ`): the number is not where the piece starts, and the piece
    completes its own column's row."""
    first, second = _RIGHT[1][:22], _RIGHT[1][22:]
    blocks = [_LEFT[0], _RIGHT[0], _LEFT[1], first, "10\n" + second, _LEFT[2], _RIGHT[2], _LEFT[3], _RIGHT[3],
              _LEFT[4], _RIGHT[4], _LEFT[5], _RIGHT[5]]
    text = _joined(blocks).replace("10", "")
    assert text == "".join(_LEFT + _RIGHT).replace(" ", "")


def test_an_endnote_heading_ends_the_columns_and_stays_on_its_line() -> None:
    """The endnote heading under the right column's last (short) line, written with the first
    note's number under it, is no piece of that row: it stays on its own line, and the notes
    under it, set across the page, are read as notes."""
    blocks = [line for pair in zip(_LEFT, _RIGHT[:-1] + ["ของประเทศสมาชิก"], strict=True) for line in pair]
    notes = ["บรรณานุกรม\n1",
             "สำนักงานสถิติแห่งชาติ, รายงานสถานการณ์เศรษฐกิจและสังคมของประเทศไทย ประจำปี 2550, หน้า 12–30", "2",
             "กรมส่งเสริมการค้าระหว่างประเทศ, อุตสาหกรรมก่อสร้างและการค้าบริการ: ข้อเสนอเชิงนโยบาย, หน้า 6–35"]
    doc = structure_document(repair_document("\n\n".join(blocks + notes) + "\n"), doc_id="d", title="d")
    assert list(doc.references) == [1, 2]
    body = "".join(p.text for p in doc.paragraphs).replace(" ", "")
    assert "บรรณานุกรม" not in body and body.endswith("ของประเทศสมาชิก")
