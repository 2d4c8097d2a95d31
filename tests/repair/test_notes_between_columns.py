"""Notes that stand between a page's two columns in the text an extractor gives, and the page
furniture that pdftotext cuts into pieces: real texts of documents the test suite's producers
made (tests/pdf_producers.py), LibreOffice's set in two columns, Chromium's in one."""

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
