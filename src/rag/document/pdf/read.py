"""Reading a PDF: its pages' glyphs -> lines -> furniture off, notes off, columns cut ->
headings, paragraphs and notes, as the project's `Document`.

The PDF route produces a `Document` directly, with no text in between for the repair stage to
undo: the text comes from the glyphs in reading order with every Thai mark on its base, so it
is already the document's Unicode, and headings, footnote markers, notes and printed pages come
from the geometry that plain text loses. Errors a user can cause (not a PDF, a password, no
text layer, a damaged file) are one-line `RagError`s.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from rag.document.hyphens import Hyphens, typeset_by_tex
from rag.document.pdf.blocks import Block, Measures, group_blocks, join_lines, measure
from rag.document.pdf.columns import column_zones, reading_order, split_columns
from rag.document.pdf.furniture import page_numbers, strip_furniture
from rag.document.pdf.glyphs import Box, Glyph, GlyphReader, resolve_unknown
from rag.document.pdf.lines import Line, Page, build_lines, compose_line, dominant_size
from rag.document.pdf.notes import (
    endnote_blocks,
    endnote_entries,
    entry_text,
    footnotes,
    left_rules,
    notes_in_columns,
    split_notes,
    split_notes_in,
)
from rag.document.structure import Document, Paragraph, Reference, Section
from rag.errors import RagError
from rag.repair.text import Marker

# A metadata title that is a file name says nothing about the document.
_FILE_NAME = re.compile(r"\.(?:html?|odt|docx?|pdf|txt)$", re.I)


@dataclass
class PdfReading:
    """What a PDF holds: its document, the printed number of each physical page, and the title
    it prints or declares ("" when it has none)."""

    document: Document
    pages: list[int]
    title: str


def read_pdf(path: str | Path, *, doc_id: str | None = None, title: str | None = None) -> PdfReading:
    """Read a PDF into headings, paragraphs (with their footnote markers and pages) and notes.

    `doc_id` and `title` name the document (default: the file's stem); the title the PDF prints
    is the section of the paragraphs before its first heading. Raises RagError, one line, for a
    file that is missing, not a PDF, password-protected, damaged, or without a text layer."""
    path = Path(path)
    if not path.is_file():
        raise RagError(f"{path}: no such file")
    pdf = _open(path)
    try:
        page_lines, rules = _read_pages(pdf, path)
        meta_title = (pdf.get_metadata_value("Title") or "").strip()
        tex = typeset_by_tex(pdf.get_metadata_value("Creator"), pdf.get_metadata_value("Producer"))
    finally:
        pdf.close()
    if not any(ln.text.strip() for lines in page_lines for ln in lines):
        raise RagError(f"{path}: the PDF has no text layer (a scan?); run OCR on it first")
    numbers = page_numbers(strip_furniture(page_lines))
    pages = _lay_out(page_lines, rules)
    m = measure(pages)
    blocks = group_blocks([ln for p in pages for ln in p.lines], m)
    hyphens = Hyphens.of((ln.text for lines in page_lines for ln in lines), tex=tex)
    doc, printed = _assemble(pages, blocks, numbers, m, "" if _FILE_NAME.search(meta_title) else meta_title,
                             hyphens)
    doc.doc_id = doc_id or path.stem
    doc.title = title or path.stem
    return PdfReading(document=doc, pages=numbers, title=printed)


def _open(path: Path) -> pdfium.PdfDocument:
    """The PDF opened by pdfium (an empty password opens files encrypted only against editing)."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        why = {pdfium_c.FPDF_ERR_PASSWORD: "the PDF is password-protected; save an unprotected copy",
               pdfium_c.FPDF_ERR_SECURITY: "the PDF's encryption cannot be opened; save an unprotected copy",
               pdfium_c.FPDF_ERR_FILE: "cannot read the file"}.get(getattr(e, "err_code", None),
                                                                   "not a readable PDF (damaged, or not a PDF)")
        raise RagError(f"{path}: {why}") from None
    if len(pdf) == 0:
        pdf.close()
        raise RagError(f"{path}: the PDF has no pages")
    return pdf


def _lay_out(page_lines: list[list[Line]], rules: list[list[Box]]) -> list[Page]:
    """Each page's body lines in reading order and its footnote lines. Notes that span the page
    come off first (their word gaps can line up with a gutter), then the columns are cut, then
    the notes set under each column come off."""
    body_size = dominant_size(g for lines in page_lines for ln in lines for g in ln.glyphs)
    split = [split_notes_in(lines, left_rules(lines, rules[i], body_size), body_size)
             for i, lines in enumerate(page_lines)]
    zones = [column_zones(lines) for lines, _ in split]
    # the document's columns: where a column starts (within a point or two) in two zones or
    # more, on two pages or twice on one, and the narrowest gutter there
    found = [z for zs in zones for z in zs]
    gutters: dict[int, float] = {}
    for z in found:
        alike = [y for y in found if _near(y.band[1], [z.band[1]])]
        if len(alike) >= 2:
            gutters.setdefault(round(z.band[1]), min(y.band[1] - y.band[0] for y in alike))
    known = [(float(c), width) for c, width in gutters.items()]
    starts = [c for c, _ in known]
    pages: list[Page] = []
    for i, (lines, notes) in enumerate(split):
        # A gutter found on one page only, holding under half of its lines, is word gaps of
        # justified text that happen to line up; so is one beside the document's own gutters.
        own = [z for z in zones[i] if _near(z.band[1], starts) or len(split) == 1
               or (len(z.lines) >= 0.5 * len(lines) and not any(_near(y.band[1], starts) for y in zones[i]))]
        zones[i] = own if own or not known else column_zones(lines, known)
        body, col_notes = split_notes(split_columns(lines, zones[i]), rules[i], body_size)
        notes = sorted(notes_in_columns(notes, zones[i]) + col_notes,
                       key=lambda ln: (ln.col if ln.col >= 0 else len(zones[i]) + 1, -ln.baseline))
        pages.append(Page(i, reading_order(body), notes))
    return pages


def _near(x: float, xs: Sequence[float], tolerance: float = 3.0) -> bool:
    """Within a few points of one of `xs` (column starts agree to a point or two)."""
    return any(abs(x - v) <= tolerance for v in xs)


def _read_pages(pdf: pdfium.PdfDocument, path: Path) -> tuple[list[list[Line]], list[list[Box]]]:
    """Each page's page-wide lines (marks hung, text composed) and thin rules."""
    all_glyphs: list[list[Glyph]] = []
    rules: list[list[Box]] = []
    for i in range(len(pdf)):
        try:
            page = pdf[i]
        except pdfium.PdfiumError:
            raise RagError(f"{path}: not a readable PDF (page {i + 1} is damaged)") from None
        try:
            textpage = page.get_textpage()
            try:
                reader = GlyphReader(page, textpage)
                all_glyphs.append(reader.read())
            finally:
                textpage.close()
            rules.append(reader.rules)
        except pdfium.PdfiumError:
            raise RagError(f"{path}: not a readable PDF (page {i + 1} is damaged)") from None
        finally:
            page.close()
    resolve_unknown(g for gs in all_glyphs for g in gs)
    pages = []
    for i, gs in enumerate(all_glyphs):
        lines = build_lines(gs, i)
        for ln in lines:
            compose_line(ln)
        pages.append([ln for ln in lines if ln.text.strip() or ln.markers or ln.lead_number is not None])
    return pages, rules


def _assemble(pages: list[Page], blocks: list[Block], numbers: list[int], m: Measures,
              meta_title: str, hyphens: Hyphens | None = None) -> tuple[Document, str]:
    """The document (named later by the caller) and the title it prints ("" for none)."""
    cited_on: dict[int, set[int]] = defaultdict(set)  # physical page -> marker numbers
    for b in blocks:
        for ln in b.lines:
            cited_on[ln.page].update(n for n, _ in ln.markers)
    cited = set().union(*cited_on.values()) if cited_on else set()
    blocks = _split_title(blocks, meta_title)
    shown = _title_block(blocks, meta_title)
    in_notes = endnote_blocks(blocks, cited, m)
    printed = join_lines(blocks[shown].lines, hyphens)[0] if shown is not None else ""
    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    current = printed  # the printed title heads what comes before the first heading
    for i, b in enumerate(blocks):
        if i in in_notes or i == shown:
            continue
        text, markers, starts = join_lines(b.lines, hyphens)
        if b.kind == "heading":
            current = text
            sections.append(Section(title=text, page=numbers[b.lines[0].page]))
            continue
        if printed and current == printed and not sections and shown is not None:
            sections.append(Section(title=printed, page=numbers[blocks[shown].lines[0].page]))
        breaks = [(starts[k], numbers[b.lines[k].page]) for k in b.page_breaks]
        paragraphs.append(Paragraph(text=text, section=current, page=numbers[b.lines[0].page],
                                    markers=[Marker(n, pos) for n, pos in markers], page_starts=breaks))
    references = footnotes(pages, cited_on, numbers, m, hyphens)
    notes = [b for i, b in enumerate(blocks) if i in in_notes and b.kind == "para"]
    for n, ls, parts in endnote_entries(notes, cited, m):
        references.setdefault(n, Reference(n, entry_text(parts, hyphens), numbers[ls[0].page]))
    doc = Document(doc_id="", title=printed, sections=sections, references=dict(sorted(references.items())),
                   paragraphs=paragraphs)
    return doc, printed


def _split_title(blocks: list[Block], meta_title: str) -> list[Block]:
    """Cut the metadata title off the first heading when the first section's heading, set in
    the same style right under it, was read as its continuation."""
    heads = [i for i, b in enumerate(blocks[:2]) if b.kind == "heading"]
    if not meta_title or not heads:
        return blocks
    i = heads[0]
    lines = blocks[i].lines
    want = "".join(meta_title.split())
    for k in range(1, len(lines)):
        if "".join(join_lines(lines[:k])[0].split()) == want:
            return blocks[:i] + [Block("heading", lines[:k]), Block("heading", lines[k:])] + blocks[i + 1:]
    return blocks


def _title_block(blocks: list[Block], meta_title: str) -> int | None:
    """The block that prints the document's title: the first heading on the first page when it
    reads as the metadata title, or, without one, when it is set larger than every other
    heading."""
    heads = [i for i, b in enumerate(blocks) if b.kind == "heading"]
    if not heads or blocks[heads[0]].lines[0].page != 0 or heads[0] > 1:
        return None
    first = blocks[heads[0]]
    if meta_title:
        same = "".join(join_lines(first.lines)[0].split()) == "".join(meta_title.split())
        return heads[0] if same else None
    size = max(ln.size for ln in first.lines)
    others = [max(ln.size for ln in blocks[i].lines) for i in heads[1:]]
    return heads[0] if others and all(size >= 1.15 * o for o in others) else None
