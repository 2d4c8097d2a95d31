"""PDFs printed by LibreOffice Writer, headless Chromium and XeLaTeX, read back by the PDF route.

The documents are printed for real, once per session, from text the test chose
(tests/pdf_producers.py), so body text, headings, footnotes, marker links and pages can be
checked against what was written. Together they cover several TLWG fonts, three producers,
justified and ragged text, one and two columns, running headers, page numbers at the top and at
the bottom counting from an offset, Writer footnotes and endnotes, Chromium's list of notes under
a heading, XeLaTeX's footnotes under each column and its hyphenated English words, and
paragraphs that run over a page break. Pages are checked against the text layer
of each physical page (pdfium's plain text, compared loosely), not against the reader's own
geometry. The thresholds are the PDF route's goals: body CER <= 0.3 %, headings, footnotes and
links >= 0.95, no footnote text in the body.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pdf_latex
import pdf_producers as producers
import pytest
from conftest import ROOT, run_rag
from thai_pdf import cer, squash

from rag.document.chunking import chunk_document
from rag.document.pdf import PdfReading, read_pdf
from rag.document.structure import Document, Paragraph

HAVE = {"lo": shutil.which(producers.SOFFICE) is not None, "chrome": shutil.which(producers.CHROMIUM) is not None,
        "tex": shutil.which(pdf_latex.XELATEX) is not None}
FONTS_OK = all((producers.FONT_DIR / f"{f}.ttf").exists() for f in producers.FONTS)
NOT_HERE = "needs LibreOffice (soffice), Chromium and XeLaTeX with fonts-thai-tlwg (make system-deps)"

pytestmark = pytest.mark.skipif(not (FONTS_OK and any(HAVE.values())), reason=NOT_HERE)

_COMMON = {"body_chars": 5000, "max_para_chars": 1600, "n_sections": 4, "paras_per_section": (1, 3),
           "markers_per_para": 1.5}
SPECS: list[producers.Spec] = [
    # Writer footnotes at the page foot, justified, a running header, numbers at the bottom from 23
    producers.Spec(name="lo-footnotes", producer="lo", font="Laksaman", seed=101, justify=True,
                   header_text=producers.HEADER_TEXTS[0], page_numbers="bottom", page_format="- {n} -",
                   page_start=23, notes="footnote", show_title=True, lead_paragraph=True, **_COMMON),
    # two page columns, ragged, footnotes under each column, numbers at the top from 5
    producers.Spec(name="lo-columns", producer="lo", font="Loma", seed=202, size_pt=14.0, justify=False,
                   columns=2, lo_columns="page", header_text="Working Paper Series", page_numbers="top",
                   page_number_align="right", page_start=5, notes="footnote", heading_numbering="dot",
                   first_indent_cm=0.0, para_gap_pt=6.0, **_COMMON),
    # Writer endnotes (pages of their own, no heading), headings larger but not bold
    producers.Spec(name="lo-endnotes", producer="lo", font="Kinnari", seed=303, justify=True, notes="endnote",
                   heading_bold=False, heading_scale=1.4, page_numbers="bottom", page_format="หน้า {n}",
                   **_COMMON),
    # Chromium: superscript markers and a note list under a heading; numbers at the bottom from 121
    producers.Spec(name="chrome-notes", producer="chrome", font="Waree", seed=404, justify=True, notes="manual",
                   notes_heading="เชิงอรรถ", notes_style="plain", header_text=producers.HEADER_TEXTS[2],
                   page_numbers="bottom", page_start=121, **_COMMON),
    # Chromium: two CSS columns, ragged, notes numbered by superscripts under an English heading
    producers.Spec(name="chrome-columns", producer="chrome", font="Umpush", seed=505, size_pt=14.0,
                   justify=False, columns=2, notes="manual", notes_heading="References", notes_style="sup",
                   page_numbers="top", page_number_align="right", page_format="Page {n}", show_title=True,
                   **_COMMON),
    # Chromium: two justified CSS columns close together (0.6 cm) that end mid-page, then the note
    # list under a bold heading in smaller type across the page: its first line has a word gap
    # right where the gutter was, which must not make it a line of the columns
    producers.Spec(name="chrome-columns-notes", producer="chrome", font="Garuda", seed=144317280, size_pt=14.5,
                   justify=True, line_spacing=1.5, first_indent_cm=0.0, para_gap_pt=3.0, page_size="Letter",
                   heading_scale=1.15, heading_numbering="part", english_headings=0.3, show_title=True,
                   columns=2, column_gap_cm=0.6, header_text="", page_numbers="bottom", page_start=307,
                   notes="manual", notes_heading="เชิงอรรถ", notes_style="dot", n_sections=4,
                   paras_per_section=(1, 2), max_para_chars=2400, body_chars=6000, markers_per_para=2.2,
                   lead_paragraph=False),
    # XeLaTeX: two columns, footnotes under each column, justified (English words hyphenated at
    # line ends, Thai lines stretched between words), numbers at the bottom from 7
    producers.Spec(name="tex-columns", producer="tex", font="Norasi", seed=606, size_pt=14.0, justify=True,
                   columns=2, notes="footnote", header_text=producers.HEADER_TEXTS[4], page_numbers="bottom",
                   page_start=7, heading_numbering="chapter", **_COMMON),
    # XeLaTeX: one column, ragged, notes listed under a heading at the end, centred headings
    producers.Spec(name="tex-notes", producer="tex", font="Sawasdee", seed=707, justify=False, notes="manual",
                   notes_heading="บรรณานุกรม", notes_style="dot", heading_align="center", page_numbers="top",
                   page_format="หน้า {n}", show_title=True, **_COMMON),
]
# Layouts the reader once got wrong, printed again from the draws that showed them (their fonts
# repeat the set's above, which each have one of their own)
LAYOUTS: list[producers.Spec] = [
    # Chromium: two justified columns whose title across the page has a word gap just short of
    # the gutter, as has the page number above it: the gutter is measured on the columns' type,
    # and such lines are read whole
    producers.Spec(name="chrome-columns-title", producer="chrome", font="Laksaman", seed=600305173,
                   size_pt=15.0, justify=True, line_spacing=1.5, margin_cm=1.5, first_indent_cm=0.0,
                   para_gap_pt=0.0, heading_scale=1.4, show_title=True, columns=2, column_gap_cm=0.8,
                   page_numbers="top", page_format="Page {n}", notes="manual", notes_heading="อ้างอิง",
                   notes_style="sup", n_sections=5, paras_per_section=(2, 4), max_para_chars=2400,
                   body_chars=4000, markers_per_para=1.5, lead_paragraph=True),
    # Chromium: ragged columns that end mid-page over the note list across the page, in smaller
    # type, whose first line's word gap falls just short of the gutter
    producers.Spec(name="chrome-columns-note-gap", producer="chrome", font="Kinnari", seed=258835436,
                   size_pt=15.0, justify=False, line_spacing=1.15, first_indent_cm=0.0, para_gap_pt=0.0,
                   page_size="Letter", heading_numbering="thai", english_headings=0.3, show_title=True,
                   columns=2, column_gap_cm=1.25, header_text="สรุปสาระสำคัญสำหรับผู้บริหาร",
                   page_numbers="top", page_format="หน้า {n}", notes="manual", notes_heading="Notes",
                   notes_style="bracket", n_sections=4, paras_per_section=(1, 2), max_para_chars=1600,
                   body_chars=4000, markers_per_para=0.6),
    # Chromium: the columns end a page above the notes heading and one short note, nothing across
    # the gutter below them: the heading and what follows are read after both columns
    producers.Spec(name="chrome-columns-short-notes", producer="chrome", font="Loma", seed=1040201490,
                   size_pt=14.5, justify=True, line_spacing=1.15, first_indent_cm=1.0, para_gap_pt=8.0,
                   page_size="Letter", heading_scale=1.6, heading_numbering="dot", english_headings=0.0,
                   show_title=True, columns=2, column_gap_cm=0.6, page_numbers="bottom", notes="manual",
                   notes_heading="Endnotes", notes_style="sup", n_sections=5, paras_per_section=(1, 3),
                   max_para_chars=900, body_chars=4000, markers_per_para=0.6),
    # Chromium: justified columns whose gutter starts a point further left on the last page,
    # where the columns end over the note list and hold under half of the page's lines
    producers.Spec(name="chrome-columns-last-page", producer="chrome", font="Waree", seed=242569230,
                   size_pt=14.0, justify=True, line_spacing=1.0, first_indent_cm=1.25, para_gap_pt=8.0,
                   heading_scale=1.15, english_headings=0.0, show_title=True, columns=2, column_gap_cm=0.6,
                   page_numbers="top", page_format="- {n} -", page_start=307, notes="manual",
                   notes_heading="อ้างอิง", notes_style="plain", n_sections=3, paras_per_section=(1, 3),
                   max_para_chars=2400, body_chars=6000, markers_per_para=1.5),
]
NAMES = [s.name for s in SPECS + LAYOUTS]


@dataclass
class Printed:
    spec: producers.Spec
    pdf: Path
    gold: dict
    reading: PdfReading
    page_texts: list[str]  # pdfium's plain text of each physical page

    @property
    def doc(self) -> Document:
        return self.reading.document


def _page_texts(pdf: Path) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


@pytest.fixture(scope="session")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """Every spec whose producer is installed, printed and read once."""
    out = tmp_path_factory.mktemp("producers")
    pool = producers.TextPool.from_project(ROOT)
    specs = [s for s in SPECS + LAYOUTS if HAVE[s.producer]]
    results = producers.generate(out, specs, pool, extractors=(), check=False)
    docs = {}
    for r in results:
        assert r.pdf is not None, f"{r.spec.name}: the producer printed nothing"
        gold = json.loads((out / f"{r.spec.name}.gold.json").read_text(encoding="utf-8"))
        docs[r.spec.name] = Printed(r.spec, r.pdf, gold, read_pdf(r.pdf), _page_texts(r.pdf))
    return docs


def _one(printed: dict[str, Printed], name: str) -> Printed:
    spec = next(s for s in SPECS + LAYOUTS if s.name == name)
    if not HAVE[spec.producer]:
        pytest.skip(NOT_HERE)
    return printed[name]


def _body(doc: Document) -> str:
    return squash("".join(p.text for p in doc.paragraphs))


# --------------------------------------------------------------------------- per document


@pytest.mark.parametrize("name", NAMES)
def test_body_text_comes_back_in_reading_order(printed: dict[str, Printed], name: str) -> None:
    p = _one(printed, name)
    gold = "".join(par["text"] for par in p.gold["paragraphs"])
    assert cer(gold, "".join(par.text for par in p.doc.paragraphs)) <= 0.003


@pytest.mark.parametrize("name", NAMES)
def test_no_note_text_in_the_body(printed: dict[str, Printed], name: str) -> None:
    p = _one(printed, name)
    body = _body(p.doc)
    leaked = [n for n, text in p.gold["footnotes"].items() if len(squash(text)) >= 20 and squash(text) in body]
    assert not leaked


@pytest.mark.parametrize("name", NAMES)
def test_headings_are_the_sections(printed: dict[str, Printed], name: str) -> None:
    p = _one(printed, name)
    found = [squash(s.title) for s in p.doc.sections]
    if p.spec.show_title and p.spec.lead_paragraph:
        assert found[0] == squash(p.reading.title)  # the printed title heads the lead paragraph
        found = found[1:]
    assert found == [squash(s) for s in p.gold["sections"]]


@pytest.mark.parametrize("name", NAMES)
def test_notes_are_references_with_their_text(printed: dict[str, Printed], name: str) -> None:
    p = _one(printed, name)
    gold = {int(n): squash(t) for n, t in p.gold["footnotes"].items()}
    got = {n: squash(r.text) for n, r in p.doc.references.items()}
    assert set(got) == set(gold)
    wrong = [n for n in gold if cer(gold[n], got[n]) > 0.03]
    assert len(wrong) <= 0.05 * len(gold), wrong


@pytest.mark.parametrize("name", NAMES)
def test_each_marker_stands_where_the_text_cites_it(printed: dict[str, Printed], name: str) -> None:
    """A gold marker (paragraph, number, offset) is linked when the paragraph read with the
    text before the marker carries that number right after it."""
    p = _one(printed, name)
    read = [(squash(par.text), par) for par in p.doc.paragraphs]
    linked = 0
    for pi, n, off in p.gold["markers"]:
        context = squash(p.gold["paragraphs"][pi]["text"][:off])[-25:]
        for flat, par in read:
            at = flat.find(context)
            if at >= 0 and any(m.n == n and len(squash(par.text[:m.pos])) == at + len(context) for m in par.markers):
                linked += 1
                break
    assert linked >= 0.95 * len(p.gold["markers"])
    assert sum(len(par.markers) for par in p.doc.paragraphs) == len(p.gold["markers"])


@pytest.mark.parametrize("name", NAMES)
def test_printed_page_numbers_are_the_pages(printed: dict[str, Printed], name: str) -> None:
    p = _one(printed, name)
    first = p.spec.page_start if p.spec.page_numbers != "none" else 1
    assert p.reading.pages == list(range(first, first + len(p.page_texts)))


def _skeleton(text: str) -> str:
    """Letters only, marks and spaces dropped: what survives any extractor's mark order."""
    return "".join(c for c in unicodedata.normalize("NFC", text) if c.isalnum() and unicodedata.category(c) != "Mn")


def _page_of(p: Printed, text: str) -> int:
    """The physical page whose plain text holds the longest run of `text`'s letters."""
    want = _skeleton(text)[:40]
    best, page = -1, 0
    for i, page_text in enumerate(p.page_texts):
        flat = _skeleton(page_text)
        size = difflib.SequenceMatcher(None, want, flat, autojunk=False).find_longest_match(
            0, len(want), 0, len(flat)).size
        if size > best:
            best, page = size, i
    return p.reading.pages[page]


def _pieces(par: Paragraph) -> list[tuple[str, int | None]]:
    """The paragraph's text from its start and from each page break, with the page it names."""
    starts = [(0, par.page), *par.page_starts]
    return [(par.text[off:], page) for off, page in starts]


@pytest.mark.parametrize("name", NAMES)
def test_paragraphs_and_page_breaks_are_on_their_pages(printed: dict[str, Printed], name: str) -> None:
    p = _one(printed, name)
    pieces = [piece for par in p.doc.paragraphs for piece in _pieces(par) if len(_skeleton(piece[0][:60])) >= 15]
    right = sum(_page_of(p, text[:60]) == page for text, page in pieces)
    assert right >= 0.95 * len(pieces)


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith("lo-f") or n.startswith("lo-c")])
def test_footnotes_stand_on_the_page_that_cites_them(printed: dict[str, Printed], name: str) -> None:
    p = _one(printed, name)
    cited_on: dict[int, int | None] = {}
    for par in p.doc.paragraphs:
        for m in par.markers:
            # a marker that ends a page's last line stands where the next page's text starts
            cited_on[m.n] = next((pg for off, pg in reversed(par.page_starts) if off < m.pos), par.page)
    assert {n: r.page for n, r in p.doc.references.items()} == cited_on


def test_words_tex_broke_with_a_hyphen_are_joined(printed: dict[str, Printed]) -> None:
    """TeX hyphenates English words at line ends, and XeTeX's hyphen reads as U+2010: the words
    come back whole, and every hyphen as the hyphen-minus a user types."""
    p = _one(printed, "tex-columns")
    raw = "\n".join(p.page_texts)
    # pdfium's plain text ends such a line with U+FFFE (a hyphen it takes as a break), or U+2010
    broken = re.findall(r"([A-Za-z]+)(?:\ufffe|\u2010)\r?\n?([a-z]+)", raw)
    gold = squash(" ".join([*(par["text"] for par in p.gold["paragraphs"]), *p.gold["footnotes"].values()]))
    whole = [a + b for a, b in broken if a + b in gold and f"{a}-{b}" not in gold]
    assert whole, "the document should print words TeX broke"
    read = squash(" ".join([*(par.text for par in p.doc.paragraphs), *(r.text for r in p.doc.references.values())]))
    assert [w for w in whole if w not in read] == []
    assert "\u2010" not in read and read.count("-") == gold.count("-")


# --------------------------------------------------------------------------- monospaced type

# Hyphens between Thai words and SARA AM on both sides of them: in monospaced type Writer draws
# SARA AM as a span from its consonant's own pen position.
HYPHENATED = ("ความร่วมมือไทย-ญี่ปุ่นและอาเซียน-จีนเริ่มขึ้นในช่วงปี 2010-2015 การ-ดำเนินการของรัฐบาล "
              "การนำ-ทำ-จำ ข้อตกลงเขตการค้าเสรีไทย-ออสเตรเลีย และความสัมพันธ์สหรัฐ-จีน ค.ศ. 1990-2000 ")


@pytest.fixture(scope="session")
def monospaced(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Document]:
    if not HAVE["lo"]:
        pytest.skip(NOT_HERE)
    out = tmp_path_factory.mktemp("mono")
    pool = producers.TextPool([producers.TextSource(f"t{i}", f"หัวข้อที่ {i}", f"Topic {i}", [HYPHENATED * 3])
                               for i in range(4)], ["อ้างแล้ว, หน้า 3."])
    spec = producers.Spec(name="lo-typo", producer="lo", font="Tlwg Typo", seed=1, n_sections=3,
                          markers_per_para=0.0)
    [result] = producers.generate(out, [spec], pool, extractors=(), check=False)
    assert result.pdf is not None
    return json.loads((out / "lo-typo.gold.json").read_text(encoding="utf-8")), read_pdf(result.pdf).document


def test_sara_am_keeps_its_place_in_monospaced_type(monospaced: tuple[dict, Document]) -> None:
    gold, doc = monospaced
    assert [squash(p.text) for p in doc.paragraphs] == [squash(p["text"]) for p in gold["paragraphs"]]


# --------------------------------------------------------------------------- the set


def test_the_set_covers_what_it_claims(printed: dict[str, Printed]) -> None:
    docs = [printed[s.name] for s in SPECS if s.name in printed]
    assert len({p.spec.font for p in docs}) == len(docs)  # a font of its own each
    for producer in ("lo", "chrome", "tex"):
        mine = [p for p in docs if p.spec.producer == producer]
        if not mine:
            continue
        assert any(par.page_starts for p in mine for par in p.doc.paragraphs), producer  # a break mid-paragraph
        assert any(p.spec.columns == 2 for p in mine) and all(len(p.page_texts) >= 2 for p in mine)


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize("name", ["lo-columns", "chrome-notes"])
def test_rag_inspect_json_carries_the_reading(printed: dict[str, Printed], name: str) -> None:
    p = _one(printed, name)
    r = run_rag("inspect", str(p.pdf), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [par["text"] for par in out["paragraphs"]] == [par.text for par in p.doc.paragraphs]
    assert [{"n": m.n, "pos": m.pos} for m in p.doc.paragraphs[0].markers] == out["paragraphs"][0]["markers"]
    assert {f["n"] for f in out["footnotes"]} == {int(n) for n in p.gold["footnotes"]}
    # every cited number is cited by a chunk, as ingest will index it
    cited = {n for c in out["chunks"] for n in c["footnotes"]}
    assert cited == {n for _, n, _ in p.gold["markers"]}
    assert cited == {n for c in chunk_document(p.doc) for n in c.footnotes}


def test_ingest_and_ask_a_printed_pdf(printed: dict[str, Printed], article_index: Path, tmp_path: Path) -> None:
    """`rag ingest` of a Writer PDF beside the article, then `rag ask` a question taken from a
    paragraph that cites a footnote: the answer quotes that passage and lists that footnote."""
    p = _one(printed, "lo-footnotes")
    index = tmp_path / "index"
    shutil.copytree(article_index, index)
    r = run_rag("ingest", str(p.pdf), "--index", str(index), "--quiet")
    assert r.returncode == 0, r.stderr
    par = max((par for par in p.doc.paragraphs if par.markers), key=lambda par: len(par.text))
    marker = par.markers[0]
    question = par.text[max(0, marker.pos - 60):marker.pos].strip()
    r = run_rag("ask", question, "--doc", p.pdf.stem, "--json", "--index", str(index))
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["found"], answer
    passages = [squash(x["text"]) for x in answer["passages"] if x["doc_id"] == p.pdf.stem]
    assert any(squash(question) in text for text in passages)
    note = p.doc.references[marker.n]
    assert any(s["n"] == marker.n and squash(s["text"]) == squash(note.text) for s in answer["sources"])
