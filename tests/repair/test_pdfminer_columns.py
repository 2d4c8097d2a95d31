"""pdfminer.six's text of two-column pages: it writes a page's lines one from each column in
turn, or a column at a time, by how its box grouping falls on the page, and sets every line off
alike either way. A page is read apart only where the reading reads on better by a character
model of the document's own lines (rag.repair.continuation). The texts are pdfminer.six's of two
generated Chromium documents (tests/pdf_producers.py), with the paragraphs they print."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rag.document.structure import structure_document
from rag.repair.continuation import CharModel
from rag.repair.text import repair_document

_DATA = Path(__file__).parents[1] / "data"
_RUN = 80


def _squash(text: str) -> str:
    return re.sub(r"\s", "", text)


def _runs_read(name: str) -> tuple[int, int]:
    """How many of the printed paragraphs' runs of `_RUN` characters the body holds as printed,
    and how many there are."""
    text = (_DATA / f"{name}.pdfminer.txt").read_text(encoding="utf-8")
    paragraphs = json.loads((_DATA / f"{name}.gold.json").read_text(encoding="utf-8"))["paragraphs"]
    doc = structure_document(repair_document(text), doc_id="d", title="d")
    body = _squash(" ".join(p.text for p in doc.paragraphs))
    runs = [run for p in paragraphs for q in [_squash(p)] for run in (q[k:k + _RUN] for k in range(0, len(q) - _RUN, _RUN))]
    return sum(run in body for run in runs), len(runs)


def test_columns_written_in_turn_are_read_apart() -> None:
    """Chromium's ragged columns at 1.5 line spacing: pdfminer.six wrote the two columns' lines
    in turn. Read as they came, 1 of the paragraphs' 79 runs stood whole in the body."""
    read, runs = _runs_read("chrome_columns_in_turn")
    assert read >= 0.5 * runs, (read, runs)


def test_columns_written_a_column_at_a_time_keep_their_order() -> None:
    """pdfminer.six wrote this document's columns a column at a time: 10 of its 21 runs stand
    whole as it came, 1 with every page read in turn."""
    read, runs = _runs_read("chrome_columns_in_order")
    assert read >= 10, (read, runs)


def test_a_paragraphs_lines_read_on_better_in_order_than_in_turn() -> None:
    """The model, counted on the lines alone, reads a page's lines on better in their order than
    the same lines taken from two columns in turn; and a document whose lines come in turn leans
    to turns, one whose lines come in order the other way."""
    paragraphs = json.loads((_DATA / "chrome_columns_in_turn.gold.json").read_text(encoding="utf-8"))["paragraphs"]
    text = " ".join(paragraphs)
    lines = [text[k:k + 30].strip() for k in range(0, len(text), 30)]
    left, right = lines[:40], lines[40:80]
    in_turn = [line for pair in zip(left, right, strict=True) for line in pair]
    model = CharModel.counted(lines)
    assert model.mean_gain(left + right) > model.mean_gain(in_turn)
    assert model.lean_to_turns([in_turn]) > 0 > model.lean_to_turns([left + right])


def test_a_headings_row_takes_no_piece_where_a_page_is_read_apart() -> None:
    """Chromium's justified columns 0.6 cm apart, written in turn. pdfminer.six keeps the space
    it cut a justified row at (at the piece's end or the next piece's start), so only such a
    row goes on in a piece. The third part's title, short, had taken the short line beside it
    (`ส่วนที่ 3: คริสตจักรเมทอดิสต์ รวม คณะกรรมการด้านกฎหมาย…`), and with the parts' count broken
    none of the four stood as a heading."""
    text = (_DATA / "chrome_columns_headings.pdfminer.txt").read_text(encoding="utf-8")
    gold = json.loads((_DATA / "chrome_columns_headings.gold.json").read_text(encoding="utf-8"))["sections"]
    titles = [s.title for s in structure_document(repair_document(text), doc_id="d", title="d").sections]
    assert len(titles) == len(gold) == 4
    # (the third part's title wraps before its last word, which stays in the body)
    assert all(g.startswith(t) and len(t) >= 15 for t, g in zip(titles, gold, strict=True)), titles
