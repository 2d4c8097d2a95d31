"""Document structure: repaired lines -> sections, paragraphs, pages and footnoted references.

Answers must carry their section, their page and the document's own sources, and none of
that survives PDF extraction as markup: a heading is just a short line, a footnote block is
just more lines after a separator, a page boundary is a separator or a lone number. This
stage reads that layout back from what `repair` reports per line (its kind, its markers, how
it joins the next line) and from line lengths, so it works on any PDF-extracted document
rather than on one article's titles. Plain sources (.md, .jsonl records, clean text) take
the simpler `structure_plain` route: their digits are real numbers, not markers.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.document.headings import BodyLine, display_width, ends_paragraph, mark_headings
from rag.document.hyphens import Hyphens
from rag.repair.text import Line, Marker, Repaired
from rag.repair.titles import restates


@dataclass
class Reference:
    n: int
    text: str  # the reference as printed, without its leading number, joined across lines
    page: int | None  # page whose foot carries it


@dataclass
class Section:
    title: str  # the full heading text
    page: int | None  # page the heading stands on


@dataclass
class Paragraph:
    text: str
    section: str  # heading of the section it belongs to ("" before the first heading)
    page: int | None  # page the paragraph starts on
    markers: list[Marker] = field(default_factory=list)  # pos relative to `text`
    # (offset in text, page) wherever the paragraph runs onto a new page, so a chunk cut from
    # its middle gets the page it really starts on.
    page_starts: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Document:
    doc_id: str
    title: str
    sections: list[Section]
    references: dict[int, Reference]
    paragraphs: list[Paragraph]


_MIN_LINES_FOR_WIDTH = 8  # lines ending inside a word, at least, to take their median as the full width


def structure_document(repaired: Repaired, *, doc_id: str, title: str) -> Document:
    """Read sections, paragraphs, pages and references out of repaired PDF-extracted lines.

    Pages are counted from 1: a footnote separator ends a page's body, a form feed line
    starts a new page, and a lone page number names a page (the one about to start when it
    stands before any of that page's text, the one just ended when it follows its text), so
    printed numbers win over the count.
    """
    # an extractor's text names no producer: only the document's own spellings say whose a
    # line-end hyphen is
    hyphens = Hyphens.of((ln.text for ln in repaired.lines if ln.kind in ("body", "note")), tex=False)
    body, references = _read_lines(repaired.lines, hyphens)
    full = _full_width(body)
    mark_headings(body, full)
    sections, paragraphs = _paragraphs(body, full, hyphens)
    return Document(doc_id=doc_id, title=title, sections=sections, references=references,
                    paragraphs=paragraphs)


def _read_lines(lines: Sequence[Line], hyphens: Hyphens) -> tuple[list[BodyLine], dict[int, Reference]]:
    """One pass over the lines: pages from the furniture, references from the note lines."""
    page = 1
    pending = False  # a page's body has ended (separator or footer seen): next body line is on a new page
    page_start = 0  # index in `body` of the current page's first body line
    gap = furniture = False
    body: list[BodyLine] = []
    notes: dict[int, list[Line]] = {}
    note_page: dict[int, int] = {}
    current: int | None = None
    for line in lines:
        kind = line.kind
        if kind == "blank":
            gap = True
        elif kind == "separator":
            pending = furniture = True
        elif kind == "pagebreak":
            page = line.page if line.page is not None else page + 1
            pending, furniture, page_start = False, True, len(body)
        elif kind == "page":
            furniture = True
            if line.page is None:
                continue
            if pending:
                page = line.page - 1  # the next page's number, printed at its top
            elif page_start == len(body):
                page = line.page  # this page's number, before any of its text
            else:
                # A footer: the page that just ended was N, the next one is N+1.
                for b in body[page_start:]:
                    b.page = line.page
                page, pending = line.page, True
        elif kind == "note":
            furniture = True
            if line.note is not None:
                current = line.note
                notes.setdefault(current, []).append(line)
                note_page.setdefault(current, page)
            elif current is not None:
                notes[current].append(line)
        elif kind == "body":
            if pending:
                page += 1
                pending, page_start = False, len(body)
            raw = line.text
            stripped = raw.strip()
            if not stripped:
                gap = True
                continue
            lead = len(raw) - len(raw.lstrip())
            markers = [Marker(m.n, min(max(m.pos - lead, 0), len(stripped))) for m in line.markers]
            body.append(BodyLine(text=stripped, markers=markers, page=page, joins=line.joins_with_space,
                                  indent=line.indent or lead > 0, gap_before=gap,
                                  furniture_before=furniture, width=display_width(stripped)))
            gap = furniture = False
    references = {n: Reference(n=n, text=_join_note(parts, hyphens), page=note_page[n])
                  for n, parts in notes.items()}
    return body, dict(sorted(references.items()))


def _join_note(parts: list[Line], hyphens: Hyphens) -> str:
    text = ""
    for i, part in enumerate(parts):
        piece = part.text.strip()
        if not piece:
            continue
        if text:
            text = hyphens.glue(text, piece, " " if parts[i - 1].joins_with_space else "")
        text += piece
    return tidy_reference(text)


_SPACED_DIGITS = re.compile(r"(?<!\d)\d(?: \d)+(?!\d)")
_URL = re.compile(r"(?:https?://|www\.)\S*")
# A piece of a URL that justification set apart after a slash (`https://www.canada.ca/ en/
# government/system/ digital-nations.html`): Latin letters, digits and a URL's punctuation, with
# some of that punctuation or a digit (a word after the URL, `and`, `Accessed`, has none), and
# no scheme of its own (a second URL stays apart)
_URL_PIECE = re.compile(r"^(?![a-z]+://)(?=\S*[-./_?=&%#0-9])[A-Za-z0-9][A-Za-z0-9\-./_?=&%#~+:]*$")


def tidy_reference(text: str) -> str:
    """Undo justification in a reference: `( 2 0 1 9 ,  March 1 5 )` -> `(2019, March 15)`.

    Letter-spaced digit runs are collapsed, a URL torn apart by such spacing is closed up,
    spaces just inside brackets and before closing punctuation go, runs of spaces become one;
    every other character stays as printed (author typos included).
    """
    text = _SPACED_DIGITS.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _close_up_urls(text)
    text = re.sub(r"([(\[]) +", r"\1", text)
    text = re.sub(r" +([)\]])", r"\1", text)
    text = re.sub(r"(?<=\S) +([.,;:])(?=\s|$)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _close_up_urls(text: str) -> str:
    """`https://x.gov/fact-sheets/2 025 / 01 / fact-sheet` -> one URL. A token joins the URL
    when it starts with a slash, follows a lone slash, carries on a spaced digit run, is a
    number that a slash follows, or is a piece of a URL after one that ends with a slash
    (`https:// www.oecd.org/ en/ networks`); a word or a count after the URL stays apart."""
    tokens = re.sub(r"\s+", " ", text).split(" ")
    out: list[str] = []
    in_url = lone_slash = False
    for i, tok in enumerate(tokens):
        if in_url and tok and out:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            joins = (tok.startswith("/") or lone_slash
                     or (out[-1][-1:].isdigit() and tok[0].isdigit())
                     or (tok.isdigit() and nxt.startswith("/"))
                     or (out[-1].endswith("/") and _URL_PIECE.match(tok) is not None))
            if joins:
                out[-1] += tok
                lone_slash = tok == "/"
                continue
        out.append(tok)
        in_url = bool(_URL.match(tok)) or (in_url and not tok)
        lone_slash = False
    return " ".join(out)


def _full_width(body: Sequence[BodyLine]) -> float:
    """Width of a full line of running text in this document.

    Lines that continue the same word on the next line (joins False) ran into the margin, so
    their median is the full width; when a document has too few of them (English text wraps
    at spaces) the upper quartile of all body lines stands in, most lines being full.
    """
    wrapped = [b.width for b in body if not b.joins and b.width > 0]
    if len(wrapped) >= _MIN_LINES_FOR_WIDTH:
        return float(statistics.median(wrapped))
    widths = sorted(b.width for b in body if b.width > 0)
    if not widths:
        return 0.0
    return float(widths[min(len(widths) - 1, (3 * len(widths)) // 4)])


def _new_paragraph(prev: BodyLine | None, line: BodyLine, full: float) -> bool:
    """Whether `line` starts a paragraph; `full` is the width of a full line at this point."""
    if prev is None or prev.heading or line.heading:
        return True
    if line.opens_with_marker:
        return False  # (pypdfium2 cut the printed line at a raised note number: it cites the line above)
    if ends_paragraph(prev, full):
        return True
    if not prev.joins:
        return False  # rule 8: the word goes on, whatever stands between (blank, page furniture)
    # A full line then an indented one: a new paragraph, except at a page top, where the
    # extraction indents the resumed body too.
    return line.indent and not line.furniture_before


def _paragraphs(body: list[BodyLine], full: float, hyphens: Hyphens) -> tuple[list[Section], list[Paragraph]]:
    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    section = ""
    prev: BodyLine | None = None
    current: Paragraph | None = None
    recent: list[int] = []  # widths of the current paragraph's last lines
    for line in body:
        if line.heading and line.continues_heading and sections and prev is not None:
            section = hyphens.glue(sections[-1].title, line.text, " " if prev.joins else "") + line.text
            sections[-1].title = section
            prev = line
            continue
        if line.heading:
            section = line.text
            sections.append(Section(title=section, page=line.page))
            current, prev = None, line
            continue
        # An indented block (a list, a quotation) has a narrower measure than the page: judge
        # a line against the lines just above it in the same paragraph.
        local = min(full, max(recent[-3:])) if len(recent) >= 2 else full
        # a piece that only names the heading above (pdfminer.six sets it apart) opens its paragraph
        opening = current is not None and prev is not None and current.text == prev.text and restates(section, prev.text)
        if current is None or (not opening and _new_paragraph(prev, line, local)):
            current = Paragraph(text="", section=section, page=line.page)
            paragraphs.append(current)
            recent = []
        elif prev is not None:
            current.text = hyphens.glue(current.text, line.text, " " if prev.joins else "")
            current.markers = [Marker(m.n, min(m.pos, len(current.text))) for m in current.markers]
            if line.page != (current.page_starts[-1][1] if current.page_starts else current.page):
                current.page_starts.append((len(current.text), line.page))
        offset = len(current.text)
        current.text += line.text
        current.markers.extend(Marker(m.n, offset + m.pos) for m in line.markers)
        recent.append(line.width)
        prev = line
    return sections, paragraphs


# --- plain sources -----------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")


def structure_plain(text: str, *, doc_id: str, title: str) -> Document:
    """Clean text, markdown or one .jsonl record: paragraphs on blank lines, `#` headings.

    No repair and no markers here: the text is already clean, so its digits are real
    numbers. Lines inside a paragraph are soft wraps and join with a space; list items start
    paragraphs of their own. The record's `title` is kept for display only (no section).
    """
    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    section = ""
    lines: list[str] = []

    def flush() -> None:
        if lines:
            paragraphs.append(Paragraph(text=" ".join(lines), section=section, page=None))
            lines.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = raw.strip()
        heading = _MD_HEADING.match(raw)
        if heading and heading.group(2):
            flush()
            section = heading.group(2).strip()
            sections.append(Section(title=section, page=None))
        elif not stripped:
            flush()
        else:
            if _LIST_ITEM.match(raw):
                flush()
            lines.append(stripped)
    flush()
    return Document(doc_id=doc_id, title=title, sections=sections, references={}, paragraphs=paragraphs)
