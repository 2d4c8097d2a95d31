"""Notes that stand between a page's two columns in the text an extractor gives, a page's notes
under a number of the text set alone, and the page furniture that pdftotext cuts into pieces:
real texts of documents the test suite's producers made (tests/pdf_producers.py), LibreOffice's
set in one or two columns, Chromium's in one."""

from __future__ import annotations

from pathlib import Path

from rag.document.structure import structure_document
from rag.repair.text import repair_document

_DATA = Path(__file__).parents[1] / "data"


def _doc(name: str):
    text = (_DATA / name).read_text(encoding="utf-8")
    return structure_document(repair_document(text), doc_id="d", title="d")


def _body(doc) -> str:
    return " ".join(p.text for p in doc.paragraphs)


def test_the_tail_of_a_note_from_the_page_before_at_the_first_columns_foot_is_the_notes() -> None:
    """pypdf's text of a LibreOffice document in two columns: note 2 opens at the foot of page
    307 and stops unfinished (`Europe’s Wake-Up Call`); LibreOffice sets its tail at the foot of
    the next page's first column (`for Tech Leadership. Carnegie ...`, a URL), the second
    column's body under it (`นิยมอังกฤษมาร์กาเรต แทตเชอร์`). The tail is the note's and the body
    runs on across it."""
    doc = _doc("lo_note_tail_at_column_foot.pypdf.txt")
    assert doc.references[2].text.startswith("Csernatoni, R. (2024). Europe’s Wake-Up Call for Tech Leadership. Carnegie")
    assert "tech-leadership?lang=en." in doc.references[2].text.replace(" ", "")
    body = _body(doc)
    assert "Carnegie" not in body and "carnegieendowment" not in body
    assert "นายกรัฐมนตรีอนุรักษ์นิยมอังกฤษมาร์กาเรต" in body.replace(" ", "")


def test_a_column_notes_short_last_line_is_the_notes_and_a_date_field_does_not_end_a_note() -> None:
    """pypdf's text of a LibreOffice document in two columns. Note 9 stands at the first
    column's foot in three lines, wide, full, short (`... ในความ` + `หมายกว้าง
    ซึ่งครอบคลุมทั้งมิติทาง` + `ประวัติศาสตร์และสังคม`), the second column's body under it: all
    three are the note's. Note 11 ends its page on its date (`The White House. (2025 ,
    February 12) .`), its title and URL at the next page's first column foot, above note 12:
    a date closes a field, not the note, so they are its tail."""
    doc = _doc("lo_column_note_short_last_line.pypdf.txt")
    assert doc.references[9].text.replace(" ", "").endswith("ในความหมายกว้างซึ่งครอบคลุมทั้งมิติทางประวัติศาสตร์และสังคม")
    assert "foreign-relations/" in doc.references[11].text
    body = _body(doc).replace(" ", "")
    assert "หมายกว้างซึ่งครอบคลุม" not in body and "FactSheet" not in body
    assert "ทำหน้าที่เป็นเหตุผลเชิงอุดมการณ์ของลัทธิจักรวรรดินิยม" in body
    assert "ยังคงมีประชากรที่พูดภาษาฝรั่งเศสจำนวนมาก" in body


def test_a_running_head_takes_no_piece_of_the_body_under_it() -> None:
    """pdftotext's text of a Chromium print in one justified column, a running head on every
    page (`สรุปสาระสำคัญสำหรับผู้บริหาร`). pdftotext cuts the first body line of two pages into
    pieces set off by blank lines (`ฝรั่งเศส`, `นั้นมีชื่อเสียงในเรื่องชุมชนชานเมือง`): they go
    back onto their own line, not onto the running head, which stays furniture on every page."""
    doc = _doc("chrome_running_head_over_pieces.pdftotext.txt")
    body = _body(doc)
    assert "สรุปสาระสำคัญ" not in body
    assert "ฝรั่งเศส ซึ่งแสดงให้เห็นว่าการระบาดที่แบร์เกน" in body


def test_a_running_head_keeps_the_page_number_set_beside_or_under_it() -> None:
    """pdftotext's text of a Chromium print whose page numbers stand at the top (`หน้า 122`)
    under the running head, written as a piece of its own: it is the page's furniture, not
    the body's."""
    doc = _doc("chrome_page_number_under_running_head.pdftotext.txt")
    body = _body(doc)
    assert "หน้า 12" not in body and "รายงานการศึกษา ฉบับร่าง" not in body
    assert "เยอรมนี หนังสือLuther Bible" in body and "ที่พิพิธภัณฑ์ในปี1913 เมื่อ" in body


def test_a_columns_body_under_a_notes_url_is_body() -> None:
    """pypdfium2's text of a LibreOffice document in two columns: note 8 ends at the first
    column's foot with its URL (`https://www.mfa.go.th/th/content/geology-2566`), the second
    column's body under it (`ที่จะกลับมาพร้อมเรื่องราวการค้น` + `พบของพวกเขา ...`). A URL
    whose last piece ends in Latin letters or digits does not go on in Thai: the line is the
    body's."""
    doc = _doc("lo_body_under_a_notes_url.pdfium.txt")
    assert doc.references[8].text.endswith("https://www.mfa.go.th/th/content/geology-2566")
    assert "ให้กับนักเดินทางที่จะกลับมาพร้อมเรื่องราวการค้นพบของพวกเขา" in _body(doc).replace(" ", "")


def test_endnotes_whose_authors_the_face_lost_keep_their_numbers() -> None:
    """pypdf's text of a Chromium print whose endnotes cite authors in Chinese, which the
    face could not set (NUL, dropped): `3. . (2022). Oxygen.` and `4. . (2010). ...` in a
    row. Each is still its note, so the count goes on and notes 5-13 are not run into note 2."""
    doc = _doc("chrome_endnotes_authors_lost.pypdf.txt")
    assert sorted(doc.references) == list(range(1, 14))
    assert doc.references[2].text == "อ้างแล้ว, หน้า 4."
    assert doc.references[3].text.startswith("(2022). Oxygen.")
    assert doc.references[5].text.startswith("Asian Development Bank. (2002, September 12).")
    assert doc.references[13].text.startswith("Bratosin-Vasilache, C.")


def test_a_number_alone_over_the_pages_notes_opens_no_note_when_its_number_opens_one_below() -> None:
    """pypdfium2 wrote a raised marker before the number it follows (`ครั้งที่6` + `4`, for
    `ครั้งที่ 4⁶`), and the `4` alone, with a paragraph under it, read as note 4's number: the
    paragraph went into the note and the page's own `4 ISTIC. …` after it. A block whose first
    number stands alone and comes again glued to its text is running text."""
    text = (_DATA / "lo_number_alone_over_notes.pdfium.txt").read_text(encoding="utf-8")
    assert "อุตสาหกรรมครั้งที่6\n4\nการทูตเชิงเทคโนโลยีของจีนสามารถ" in text
    doc = _doc("lo_number_alone_over_notes.pdfium.txt")
    assert doc.references[4].text.startswith("ISTIC. (n.d.). About ISTIC.")
    assert "การทูตเชิงเทคโนโลยีของจีนสามารถอธิบายได้จากกรณีของการขยาย" in " ".join(p.text for p in doc.paragraphs)


def test_a_sources_word_cut_off_a_line_over_markers_set_alone_opens_no_endnotes() -> None:
    """pdftotext's text of a LibreOffice document in one justified column (Kinnari), footnotes
    at each page's foot. It cuts a body line into pieces: `แหล่งที่ม า` (part of `… จากแหล่งที่มา
    รายงาน ICSI …`) stands alone, the paragraph's markers under it set alone too (`16`, `17`,
    `18`, `19`), then the page's notes 16-19. Read as an endnotes heading over its notes it had
    turned the rest of the document, section 5 and its heading included, into notes; the
    numbers counting up a second time say it is running text."""
    doc = _doc("lo_sources_cut_off_a_line.pdftotext.txt")
    assert sorted(doc.references) == list(range(1, 27))
    assert doc.references[16].text.startswith("สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ. (2547).")
    assert doc.references[19].text.startswith("สำนักงานสถิติแห่งชาติ. (2553).")
    assert [s.title for s in doc.sections][-1] == "5. ญี่ปุ่น: นวัตกรรม การทูต และความร่วมมือ"
    body = _body(doc).replace(" ", "")
    assert "จากแหล่งที่มารายงานICSI\"ความเปลี่ยนแปลงของหิมะ" in body
    assert "จากสิ่งที่ได้กล่าวมาทั้งหมดแสดงให้เห็นว่าเทคโนโลยีมีบทบาท" in body


def test_notes_on_a_page_of_their_own_are_cited_from_every_page() -> None:
    """pypdfium2's text of a LibreOffice document whose endnotes stand on a last page of their
    own, under no heading (`1 สำนักงาน…` to `9 Csernatoni…`). Read as that page's footnotes, no
    number of the body, all on earlier pages, was taken for a marker; and pypdfium2 breaks a line
    at a raised number, so the pieces of the line that cites 2, 3 and 4 (`การทูตเชิงเศรษฐกิจ 2`,
    `(economic diplomacy)3`) read as headings. Every page cites them now."""
    doc = _doc("lo_endnotes_page_no_heading.pdfium.txt")
    assert sorted(doc.references) == list(range(1, 10))
    assert sorted(m.n for p in doc.paragraphs for m in p.markers) == list(range(1, 10))
    assert not any("economic" in s.title for s in doc.sections)
    assert "การทูตเชิงเศรษฐกิจ (economic diplomacy) คือกลไกในการดำเนินความ สัมพันธ์เศรษฐกิจเชิงรุก" in _body(doc)


def test_pdftotexts_raised_numbers_before_their_lines_cite_their_notes() -> None:
    """pdftotext's text of a LibreOffice document (Garuda, footnotes): it writes a raised note
    number on a line of its own before the line it was raised in, a blank line after it
    (`บทที่ 1 แม่น้ำไรน์` + `1` + `` + `ดินดอนสามเหลี่ยม ไรน์ -เมิส …`). Each goes onto that line,
    so its paragraph cites the note; the heading above keeps no number and stays a heading.
    Before, notes 1-7 were cited nowhere."""
    doc = _doc("lo_raised_numbers_before_their_line.pdftotext.txt")
    assert [s.title for s in doc.sections][0] == "บทที่ 1 แม่น้ำไรน์"
    assert len(doc.sections) == 6
    first = doc.paragraphs[0]
    assert [m.n for m in first.markers] == [1, 2, 3]
    assert first.text[:first.markers[0].pos].endswith("ภูมิภาคทางธรรมชาติ")
    assert {1, 2, 3, 4, 5} <= {m.n for p in doc.paragraphs for m in p.markers}
