"""A mark a face writes before every SARA AM: some LibreOffice documents' PDFs, read with pypdf
or pdfminer.six, give MAI THO (`ส้ำคัญ` for `สำคัญ`, Norasi here) or SARA UU (`ทูำให้` for
`ทำให้`, Loma here) before each one. Real pypdf texts of generated documents, against the
text they printed (tests/pdf_producers.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rag.repair.text import repair_document
from rag.repair.unmapped import drop_added_marks
from rag.thai.lexicon import lexicon

DATA = Path(__file__).parents[1] / "data"
ARTICLE = Path(__file__).parents[2] / "corpus" / "tech-diplomacy-th.txt"
# words with SARA AM, with and without a tone mark of their own (`น้ำ`, `นำ` both words)
WORDS = ("ทำ", "สำ", "จำ", "กำ", "คำ", "นำ", "น้ำ")


def _printed(name: str) -> str:
    gold = json.loads((DATA / f"{name}.gold.json").read_text(encoding="utf-8"))
    return "\n".join([gold["title"], *gold["sections"], *(p["text"] for p in gold["paragraphs"]),
                      *gold["footnotes"].values()])


def test_the_mark_a_face_writes_before_every_sara_am_is_dropped_where_the_word_reads_better() -> None:
    for name in ("lo_norasi_tone_before_am", "lo_loma_uu_before_am"):
        raw = (DATA / f"{name}.pypdf.txt").read_text(encoding="utf-8")
        repaired = "\n".join(line.text for line in repair_document(raw).lines)
        printed = _printed(name)
        assert raw.count("\u0e33") >= 20
        for word in WORDS:
            assert repaired.count(word) == printed.count(word), (name, word)


def test_where_no_tail_shows_a_tone_a_mark_whose_word_reads_either_way_stays() -> None:
    """Kinnari's text shows no tone in SARA AM's tail, so `ไอน้ำ` (steam: `ไอ` + `น้ำ` to the
    dictionary, as `ไอ` + `นำ` is) keeps its MAI THO, in its heading and its paragraphs; the
    added marks of its other words still go."""
    name = "lo_kinnari_no_tone_in_am_tail"
    repaired = "\n".join(line.text for line in repair_document((DATA / f"{name}.pypdf.txt").read_text(encoding="utf-8")).lines)
    printed = _printed(name)
    for word in ("ไอน้ำ", "ทำ", "จำ", "สำ"):
        assert repaired.count(word) == printed.count(word), word


def test_text_whose_sara_am_come_as_written_keeps_its_marks() -> None:
    """The article: its tone marks before SARA AM (`น้ำ`, `ต่ำ`) are its own, a small share of its
    SARA AMs, so nothing is read."""
    text = ARTICLE.read_text(encoding="utf-8")
    fixes: Counter[str] = Counter()
    assert drop_added_marks(text, lexicon(), fixes) == text and not fixes["added_mark"]


def test_the_added_mark_goes_before_an_absent_mark_is_read_back() -> None:
    """Sawasdee's LibreOffice text (pypdf) writes MAI EK before every SARA AM (`ต่ำาแหน่ง` for
    `ตำแหน่ง`) and MAI EK for every SARA UU (`อย่่`): with the added marks still in place, the
    absent SARA UU read `แหน่ง` as `แหนูง` (a word left unknown by the mark before it reads
    better with `หนู` in it). Dropping the added marks first leaves `ตำแหน่ง` whole."""
    name = "lo_sawasdee_ek_before_am"
    raw = (DATA / f"{name}.pypdf.txt").read_text(encoding="utf-8")
    repaired = "\n".join(line.text for line in repair_document(raw).lines)
    printed = _printed(name)
    assert raw.count("ตำแหน่ง") == 0 and printed.count("ตำแหน่ง") == 5
    for word in (*WORDS, "ตำแหน่ง", "ต่ำ", "ภูมิ"):
        assert repaired.count(word) == printed.count(word), word
    assert "แหนูง" not in repaired
