"""PDF input on a Thai PDF the suite lays out itself with fpdf2 (tests/thai_pdf.py): text,
headings, footnotes and printed page numbers must come back from the layout reader, and the
errors a user can cause are one line. PDFs printed by LibreOffice and Chromium:
tests/document/test_pdf_producers.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import thai_pdf
from thai_pdf import FOOTNOTES, cer, squash

from rag.document.chunking import chunk_document
from rag.document.pdf import read_pdf
from rag.document.reading import KIND_PDF, read_source_file
from rag.errors import RagError

pytestmark = pytest.mark.skipif(not thai_pdf.fonts_available(),
                                reason="needs Debian's fonts-thai-tlwg (make system-deps)")


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("pdf") / "water-policy.pdf"
    placed = thai_pdf.build_pdf(path)
    reading = read_pdf(path, doc_id="water-policy", title="water")
    doc = reading.document
    return path, placed, reading, doc, chunk_document(doc)


def _in_order(doc) -> str:
    """Headings and paragraphs in reading order, as the source has them."""
    out, section = [], ""
    for p in doc.paragraphs:
        if p.section != section:
            out.append(p.section)
            section = p.section
        out.append(p.text)
    return "\n".join(out)


def test_the_layout_puts_footnotes_and_headings_on_several_pages(sample):
    _, placed, _, _, _ = sample
    assert len(placed.pages) >= 4
    assert len({page for _, page in placed.footnotes.values()}) >= 3
    assert len(placed.headings) == 4


def test_read_text_matches_the_source(sample):
    _, placed, _, doc, _ = sample
    assert cer(thai_pdf.source_text(), _in_order(doc)) <= 0.005
    refs = "\n".join(FOOTNOTES[n] for n in sorted(FOOTNOTES))
    assert cer(refs, "\n".join(r.text for r in doc.references.values())) <= 0.005


def test_printed_page_numbers_are_the_pages(sample):
    _, placed, reading, _, _ = sample
    assert reading.pages == placed.pages
    assert reading.pages[0] == thai_pdf.FIRST_PAGE


def test_headings_are_sections_on_their_pages(sample):
    _, placed, _, doc, _ = sample
    assert [(s.title, s.page) for s in doc.sections] == placed.headings
    assert doc.paragraphs[0].section == ""  # the untitled introduction


def test_footnotes_are_references_with_full_text_and_page(sample):
    _, placed, _, doc, _ = sample
    assert sorted(doc.references) == sorted(FOOTNOTES)
    for n, (text, page) in placed.footnotes.items():
        assert squash(doc.references[n].text) == squash(text), n
        assert doc.references[n].page == page, n
    # a URL broken across lines is joined without a space
    assert "https://www.rijkswaterstaat.nl/en/water/water-safety/room-for-the-river" in doc.references[5].text


def test_each_marker_is_linked_to_the_chunk_that_holds_it(sample):
    _, placed, _, _, chunks = sample
    for n, context in placed.marker_context.items():
        holders = [c for c in chunks if n in c.footnotes]
        assert holders, n
        for c in holders:
            offsets = [off for off, m in c.markers if m == n]
            assert any(squash(c.text[:off]).endswith(squash(context)) for off in offsets), (n, context)


def test_chunks_start_on_the_right_page(sample):
    _, placed, _, doc, chunks = sample
    flat, pages = "", []
    for line, page in placed.lines:
        piece = squash(line)
        flat += piece
        pages += [page] * len(piece)
    small = chunk_document(doc, max_chars=250, overlap=40)  # many chunks start mid-paragraph
    assert len({c.page for c in small}) == len(placed.pages)
    for group in (chunks, small):
        at = 0
        for c in group:
            at = flat.index(squash(c.text)[:30], at)
            assert c.page == pages[at], c.chunk_id


def test_no_reference_text_in_body_chunks(sample):
    _, _, _, _, chunks = sample
    body = squash(" ".join(c.text for c in chunks))
    for text in FOOTNOTES.values():
        assert squash(text)[:40] not in body
    assert "http" not in body


def test_ingest_reads_a_pdf_into_its_document(sample):
    path, _, reading, _, _ = sample
    [src] = read_source_file(path)
    assert src.kind == KIND_PDF and src.doc_id == "water-policy" and src.title == "water-policy"
    assert src.document is not None and src.document.paragraphs == reading.document.paragraphs
    assert src.sha256 == read_source_file(path)[0].sha256  # unchanged file, unchanged identity


def test_a_file_that_is_not_a_pdf_is_one_clear_error(tmp_path: Path):
    bad = tmp_path / "notes.pdf"
    bad.write_text("just text, not a PDF", encoding="utf-8")
    with pytest.raises(RagError, match="not a readable PDF"):
        read_pdf(bad)
    with pytest.raises(RagError, match="no such file"):
        read_pdf(tmp_path / "missing.pdf")


def test_a_pdf_without_a_text_layer_says_so(tmp_path: Path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 50, 50)  # a drawing, no text: what a scan looks like to a text extractor
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(RagError, match="no text layer"):
        read_pdf(path)


def test_a_password_protected_pdf_is_one_clear_error(tmp_path: Path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="secret text")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    with pytest.raises(RagError, match="password-protected"):
        read_pdf(path)


def test_a_pdf_locked_only_against_editing_reads(tmp_path: Path):
    """An owner password alone (no password to open) is what "protect from editing" writes:
    such a file opens and reads like any other."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("Body", "", str(thai_pdf.BODY_FONT))
    pdf.set_font("Body", size=14)
    pdf.text(20, 30, "เอกสารที่ห้ามแก้ไข")
    pdf.set_encryption(owner_password="owner")
    path = tmp_path / "readonly.pdf"
    pdf.output(str(path))
    assert [p.text for p in read_pdf(path).document.paragraphs] == ["เอกสารที่ห้ามแก้ไข"]


@pytest.mark.parametrize("kind, needle", [("scan", "run OCR on it first"), ("locked", "password-protected"),
                                          ("damaged", "not a readable PDF")])
def test_pdf_errors_are_one_line_from_the_command(kind: str, needle: str, tmp_path: Path):
    from conftest import run_rag
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    if kind == "scan":
        pdf.rect(20, 20, 50, 50)
    else:
        pdf.set_font("helvetica", size=12)
        pdf.cell(text="text")
    if kind == "locked":
        pdf.set_encryption(owner_password="owner", user_password="secret")
    path = tmp_path / f"{kind}.pdf"
    pdf.output(str(path))
    if kind == "damaged":
        path.write_bytes(path.read_bytes()[:300])
    r = run_rag("inspect", str(path), "--json")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, r.stderr


def _sample_lines(pdf, width: float) -> list[str]:
    """The sample paper's text cut into lines `width` points wide in the current font, in
    front of a consonant that no leading vowel precedes (where Thai lines may break)."""
    text = " ".join(t for _, paragraphs in thai_pdf.SECTIONS for t in paragraphs)
    lines, line = [], ""
    for ch in text.replace("{", "").replace("}", ""):
        if pdf.get_string_width(line + ch) > width and "ก" <= ch <= "ฮ" and line[-1:] not in "เแโใไ":
            lines.append(line)
            line = ""
        line += ch
    return lines


def _column_page_with_a_broken_heading(path: Path) -> None:
    """Two columns of body text; a two-line bold heading whose first line ends the first
    column and whose second line opens the second (what a browser prints when a heading wraps
    in a narrow column right at the column's foot)."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("Body", "", str(thai_pdf.BODY_FONT))
    pdf.add_font("Body", "B", str(thai_pdf.BOLD_FONT))
    pdf.add_page()
    pdf.set_font("Body", "", 12)
    lines = _sample_lines(pdf, 190)
    left, right, top, pitch = 60.0, 310.0, 80.0, 20.0
    for k, line in enumerate(lines[:30]):
        pdf.text(left, top + k * pitch, line)
    pdf.set_font("Body", "B", 18)
    pdf.text(left, top + 30 * pitch + 10, "ความร่วมมือ")
    pdf.text(right, top, "ระหว่างประเทศ")
    pdf.set_font("Body", "", 12)
    for k, line in enumerate(lines[30:60]):
        pdf.text(right, top + 30 + k * pitch, line)
    pdf.output(str(path))


def test_a_heading_cut_by_a_column_break_is_one_section(tmp_path: Path):
    path = tmp_path / "columns.pdf"
    _column_page_with_a_broken_heading(path)
    doc = read_pdf(path).document
    title = "ความร่วมมือระหว่างประเทศ"
    assert [s.title for s in doc.sections] == [title]
    sections = [p.section for p in doc.paragraphs]
    assert sections == sorted(sections) and sections[0] == "" and sections[-1] == title


def test_a_word_gap_of_monospaced_type_under_a_gutter_is_no_column(tmp_path: Path):
    """Two pages in two columns, then a page of full-width lines in a monospaced font where one
    line has a word starting right at the second column's x and the line under it is short:
    the page's lines stay whole and in order (a word gap is narrower than the gutter)."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("Mono", "", str(thai_pdf.FONT_DIR / "TlwgTypewriter.ttf"))
    pdf.set_font("Mono", "", 12)
    column, full = _sample_lines(pdf, 210), _sample_lines(pdf, 440)
    for page in range(2):
        pdf.add_page()
        for k in range(20):
            pdf.text(72, 80 + 24 * k, column[40 * page + k])
            pdf.text(310, 80 + 24 * k, column[40 * page + 20 + k])
    pdf.add_page()
    # a line cut by a word gap narrower than the gutter, its second part at the column's x
    head = ""
    for k, ch in enumerate(full[3]):
        if 72 + pdf.get_string_width(full[3][:k]) > 299 and "ก" <= ch <= "ฮ" and head[-1:] not in "เแโใไ":
            break
        head = full[3][: k + 1]
    rows = [(72, full[1]), (72, full[2]), (72, head), (310, full[3][len(head):]), (72, "ท้ายย่อหน้า"),
            (72, full[4]), (72, full[5])]
    y = 80.0
    for x, text in rows:
        if x == 72:
            y += 24
        pdf.text(x, y, text)
    path = tmp_path / "mono.pdf"
    pdf.output(str(path))
    text = "".join(p.text for p in read_pdf(path).document.paragraphs)
    assert squash(full[3] + "ท้ายย่อหน้า" + full[4]) in squash(text)


def test_paragraphs_apart_by_spacing_and_a_list_between_them(tmp_path: Path):
    """Ragged paragraphs whose last lines run as far as full ones, set apart by spacing alone
    (10 pt over a 20 pt pitch), and lists set in from the margin between them (bullets as
    text, bullets drawn as shapes, numbers): each paragraph and each item comes back on its
    own. (The spacing was once read as the line distances' own variation, since a paragraph's
    last line looked full; a list's items, set in, as paragraphs opened by an indent, after
    which a line at the margin goes on; and numbered items at the line pitch as one.)"""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("Body", "", str(thai_pdf.BODY_FONT))
    pdf.set_font("Body", "", 12)
    full = _sample_lines(pdf, 440)
    items = ["• การลดภาษีศุลกากรสำหรับสินค้าเกษตร", "• การอำนวยความสะดวกทางการค้าผ่านระบบดิจิทัล",
             "• การเจรจาความตกลงการค้าเสรีฉบับใหม่", "• การพัฒนาแรงงานทักษะสูง"]
    # a browser draws a list's bullets as shapes: the items' text alone is set in
    drawn = ["ความร่วมมือด้านวิทยาศาสตร์", "การแลกเปลี่ยนนักวิจัย", "ทุนการศึกษาระดับบัณฑิตศึกษา"]
    numbered = ["1. ระยะสั้น: ปรับปรุงกฎระเบียบ", "2. ระยะกลาง: พัฒนาโครงสร้างพื้นฐาน"]
    paragraphs = [full[2 * k: 2 * k + 2] for k in range(8)]
    # a line that opens with an abbreviation (`พ.ศ.`) is no list's item, though it would fit above
    paragraphs.append([full[16], "ในการประชุมครั้งนั้นเมื่อ", "พ.ศ. 2566 รัฐบาลได้ประกาศนโยบายใหม่"])
    lists = {2: items, 4: drawn, 6: numbered}
    pdf.add_page()
    y = 60.0
    want = []
    for k, paragraph in enumerate(paragraphs):  # one page: a paragraph that ends a page with a
        for line in paragraph:                   # full line runs on into the next one's top
            pdf.text(72, y, line)
            y += 20
        y += 10
        want.append(squash(" ".join(paragraph)))
        for item in lists.get(k, []):
            pdf.text(92, y, item)
            y += 20
            want.append(squash(item))
        y += 10 if k in lists else 0
    path = tmp_path / "spaced.pdf"
    pdf.output(str(path))
    got = [squash(p.text) for p in read_pdf(path).document.paragraphs]
    assert got == want


def test_a_tables_bold_header_row_is_no_heading(tmp_path: Path):
    """A table under a heading in a two-page paper: its bold header row, whose words start where
    the cells of the rows under it do, is a row of the table in the heading's section, not a
    heading of its own."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("Body", "", str(thai_pdf.BODY_FONT))
    pdf.add_font("Body", "B", str(thai_pdf.BOLD_FONT))
    pdf.set_font("Body", "", 12)
    full = _sample_lines(pdf, 440)
    pdf.add_page()
    y = 60.0
    for line in full[:6]:
        pdf.text(72, y, line)
        y += 24
    pdf.set_font("Body", "B", 14)
    pdf.text(72, y + 16, "ตารางที่ 1 มูลค่าการค้า")
    y += 50
    pdf.set_font("Body", "B", 12)
    for x, cell in ((72, "ประเทศ"), (200, "ส่งออก (ล้านบาท)"), (340, "นำเข้า (ล้านบาท)")):
        pdf.text(x, y, cell)
    pdf.set_font("Body", "", 12)
    rows = [("จีน", "1,234,567", "2,345,678"), ("ญี่ปุ่น", "987,654", "876,543"),
            ("สหรัฐอเมริกา", "1,111,111", "555,555")]
    for row in rows:
        y += 30
        for x, cell in zip((72, 200, 340), row, strict=True):
            pdf.text(x, y, cell)
    y += 40
    for line in full[6:12]:
        pdf.text(72, y, line)
        y += 24
    pdf.add_page()  # (a table alone on a one-page document reads as columns: docs/experiments.md)
    for k, line in enumerate(full[12:40]):
        pdf.text(72, 60 + 24 * k, line)
    path = tmp_path / "table.pdf"
    pdf.output(str(path))
    doc = read_pdf(path).document
    assert [s.title for s in doc.sections] == ["ตารางที่ 1 มูลค่าการค้า"]
    texts = [squash(p.text) for p in doc.paragraphs if p.section]
    assert squash("ประเทศ ส่งออก (ล้านบาท) นำเข้า (ล้านบาท)") in texts[0]


def test_glyphs_drawn_from_one_pen_position_keep_their_drawn_order():
    """Writer draws SARA AM in monospaced type as a span from its consonant's own pen position;
    the two origins then differ by rounding only, either way: the boxes order them."""
    from rag.document.pdf.glyphs import Glyph
    from rag.document.pdf.lines import build_lines, compose_line

    def glyph(text: str, ox: float, x0: float, x1: float) -> Glyph:
        return Glyph(text=text, x0=x0, y0=700.0, x1=x1, y1=712.0, ox=ox, oy=700.0, end=max(ox + 9.6, x1),
                     size=16.0, bold=False, font="TlwgTypo", mark=False, space=False)

    for drift in (0.02, -0.02):
        glyphs = [glyph("ก", 306.5, 308.2, 314.5), glyph("า", 316.1, 317.9, 324.1), glyph("ร", 325.7, 327.4, 333.8),
                  glyph("น", 335.3, 335.9, 343.9), glyph("ำ", 335.3 + drift, 340.4, 352.9),
                  glyph("-", 355.5, 356.7, 363.9)]
        [line] = build_lines(glyphs, 0)
        compose_line(line)
        assert line.text == "การนำ-"


def test_a_page_of_carried_over_notes_is_notes(tmp_path: Path):
    """A footnote that did not fit under the text citing it goes to a page of its own, under a
    rule with nothing above it (Writer, at a document's end): it is a note, not body text."""
    from fpdf import FPDF

    notes = {1: "อ้างแล้ว, หน้า 12.", 2: "ในที่นี้หมายถึงการบริหารจัดการน้ำในความหมายกว้าง",
             3: "สำนักงานทรัพยากรน้ำแห่งชาติ, รายงานสถานการณ์น้ำ ประจำปี 2566, https://www.onwr.go.th/"}
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("Body", "", str(thai_pdf.BODY_FONT))
    pdf.add_page()
    pdf.set_font("Body", "", 14)
    lines = _sample_lines(pdf, 440)
    for k, line in enumerate(lines[:28]):
        pdf.set_font("Body", "", 14)
        pdf.text(72, 80 + 22 * k, line)
        if k in (5, 15, 27):  # a marker at the end of the line
            x = 72 + pdf.get_string_width(line)
            pdf.set_font("Body", "", 9)
            pdf.text(x + 1, 80 + 22 * k - 6, str({5: 1, 15: 2, 27: 3}[k]))
    pdf.set_line_width(0.5)

    def foot(y: float, ns: list[int]) -> None:
        pdf.line(72, y, 216, y)
        for k, n in enumerate(ns):
            pdf.set_font("Body", "", 10)
            pdf.text(72, y + 16 + 14 * k, f"{n} {notes[n]}")

    foot(720, [1, 2])
    pdf.add_page()
    foot(700, [3])
    path = tmp_path / "carried.pdf"
    pdf.output(str(path))
    doc = read_pdf(path).document
    assert {n: squash(r.text) for n, r in doc.references.items()} == {n: squash(t) for n, t in notes.items()}
    assert doc.references[3].page == 2
    assert "onwr" not in "".join(p.text for p in doc.paragraphs)
    assert [m.n for p in doc.paragraphs for m in p.markers] == [1, 2, 3]
