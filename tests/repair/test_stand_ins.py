"""A glyph the extractor wrote as a digit, a tab or a form feed (`repair/stand_ins.py`): pypdf's
real text of LibreOffice documents the test suite's producers made, each with one such habit,
and made-up text where the same characters are what they are."""

from __future__ import annotations

from pathlib import Path

from rag.document.structure import structure_document
from rag.repair.text import repair_document

_DATA = Path(__file__).parents[1] / "data"


def _doc(text: str):
    return structure_document(repair_document(text), doc_id="d", title="d")


def _body(text: str) -> str:
    return " ".join(p.text for p in _doc(text).paragraphs)


def _read(name: str) -> str:
    return (_DATA / name).read_text(encoding="utf-8")


def test_sara_aa_written_as_a_digit_is_read_back_and_the_years_stay() -> None:
    """Waree: every SARA AA is `5` (`ก5รว5งแผน`), 565 times between two Thai letters."""
    text = _read("lo_sara_aa_as_digit.pypdf.txt")
    assert "ก5ร" in text
    body = _body(text)
    assert "นิทรรศการครั้งมโหฬารในปี 1851" in body
    assert "มีส่วนเกี่ยวข้องในการวางแผน" in body
    assert "5ร" not in body


def test_sara_aa_written_as_a_tab_is_read_back() -> None:
    """Norasi: SARA AA is a tab (`อำ\\tน\\tจศ\\tล`)."""
    body = _body(_read("lo_sara_aa_as_tab.pypdf.txt"))
    assert "ในเขตอำนาจศาลส่วนใหญ่ (อย่างเช่น สหรัฐอเมริกา)" in body
    assert "\t" not in body


def test_sara_aa_written_as_a_form_feed_is_read_back_not_taken_for_page_breaks() -> None:
    """Purisa: SARA AA is a form feed, 463 times between two Thai letters (the document has 5
    pages): read as page breaks, the text had lost every SARA AA."""
    doc = _doc(_read("lo_sara_aa_as_form_feed.pypdf.txt"))
    body = " ".join(p.text for p in doc.paragraphs)
    assert "ซากฟอสซิลที่คาดว่าน่าจะเป็นของทีโนฟอรา" in body
    assert max(p.page for p in doc.paragraphs) <= 6


def test_a_tone_written_as_one_is_read_back_and_the_note_markers_stay() -> None:
    """Norasi: MAI THO is `1` (`ธาตุนำ1านั1น`), 55 times between two Thai letters, while the
    notes' markers are numbers glued to a word with two spaces after them (`ชาติ1  หรือ`): the
    tone comes back, the markers stay and so do the notes."""
    text = _read("lo_tone_as_digit_one.pypdf.txt")
    doc = _doc(text)
    body = " ".join(p.text for p in doc.paragraphs)
    assert "ธาตุดินและธาตุน้ำนั้น" in body
    assert "United Nations Development Programme" not in body
    assert doc.references[1].text.startswith("United Nations Development Programme. (2006, June 16).")


def test_digits_and_tabs_beside_thai_letters_now_and_then_are_what_they_are() -> None:
    """A few digits glued to Thai words (`5G`, a marker) and a table whose Thai cells a tab
    separates, twelve rows of it: the tabs stand between whole words, which read as well
    without them, so no letter is read into them; the digits are too few to show a habit."""
    rows = [f"ชื่อ\tนามสกุล\tจังหวัด{i}" for i in range(12)]
    text = "\n".join(["เทคโนโลยี5Gการสื่อสาร และเครือข่ายใหม่1  ในประเทศไทย", "", *rows])
    repaired = repair_document(text)
    out = "\n".join(line.text for line in repaired.lines)
    assert "เทคโนโลยี5Gการสื่อสาร" in out
    assert out.count("ชื่อ นามสกุล จังหวัด") == 12  # (a tab reads as a space, as in any text)


def test_a_tone_written_as_one_that_pdfminer_cut_onto_the_next_line_is_read_back() -> None:
    """pdfminer.six's text of the same document: it writes a tone it cut off its letter at the
    next line's start, after a blank line (`บนพื` + `1นดิน`), so the `1` stands beside no Thai
    letter on its line. Such places count toward the habit and are read back, and the mark
    goes back onto its line."""
    text = _read("lo_tone_as_digit_one.pdfminer.txt")
    assert "บนพื\n\n1นดิน" in text
    body = _body(text)
    assert "ประกอบด้วยธาตุดินและธาตุน้ำนั้น" in body
    assert "ของตนเอง บนพื้นดิน" in body
