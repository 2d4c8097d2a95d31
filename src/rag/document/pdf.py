"""PDF input: the text of each page, laid out the way the repair stage reads extracted text.

pypdf reads the text layer in order with Thai marks in place (pdfplumber gave the same text on
our Thai test PDF, so the lighter, already-required library does the job). What the text
layer lacks is the layout the later stages read: where the footnotes start (a drawn rule,
not text), which lines start a paragraph (an x offset, not a space) and which number is the
page's own. Those are recovered here from the positions and font sizes pypdf reports for
each piece of text, and written in the form the article's extraction already has: a footnote
block under a separator line, a leading space on an indented line, the printed page number on
a line of its own at the top of its page, and pages joined by a form feed line.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import RagError

PAGE_BREAK = "\n\f\n"
# What repair takes for a footnote separator: a long run of underscores on its own line.
FOOTNOTE_SEPARATOR = "_" * 20
# A footnote is set this much smaller than the body text (Word: 10 pt under 12-16 pt).
_NOTE_SIZE_RATIO = 0.88
_BOLD = re.compile(r"bold|black|heavy|[,-]B$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\s*(?:[-–—]\s*)?(\d{1,4})(?:\s*[-–—])?\s*$")


@dataclass
class PdfText:
    text: str  # page texts joined by "\n\f\n", each headed by its printed page number
    pages: list[int]  # printed page number of each page, in order
    page_texts: list[str] = field(default_factory=list)  # each page's text without its number


@dataclass
class _Line:
    text: str = ""
    sizes: Counter[float] = field(default_factory=Counter)  # font size -> characters
    bold: int = 0  # characters set in a bold face
    x: float | None = None  # where the line's first visible text starts

    @property
    def size(self) -> float:
        return self.sizes.most_common(1)[0][0] if self.sizes else 0.0


def extract_pdf_text(path: Path | str) -> str:
    """The PDF's text, ready for `repair_document` (see `extract_pdf`)."""
    return extract_pdf(path).text


def extract_pdf(path: Path | str) -> PdfText:
    """Text of every page with its footnote block marked, paragraph indents kept and the
    printed page number put first; raises RagError for a file that isn't a readable PDF or
    has no text layer."""
    import pypdf
    from pypdf.errors import DependencyError, PyPdfError

    path = Path(path)
    if not path.is_file():
        raise RagError(f"{path}: no such file")
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise RagError(f"{path}: the PDF is password-protected; save an unprotected copy")
        pages = [_page_lines(page) for page in reader.pages]
    except RagError:
        raise
    except DependencyError:
        raise RagError(f"{path}: the PDF is encrypted with AES; save an unprotected copy") from None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as e:
        raise RagError(f"{path}: not a readable PDF ({type(e).__name__}: {str(e)[:80]})") from None
    if not any(line.text.strip() for lines in pages for line in lines):
        raise RagError(f"{path}: the PDF has no text layer (a scan?); run OCR on it first")
    body_size = _body_size(pages)
    printed = [_take_page_number(lines) for lines in pages]
    numbers = _page_numbers(printed, reader)
    laid = [_lay_out(lines, body_size) for lines in pages]
    for this, nxt in zip(laid, laid[1:], strict=False):
        # A page that opens with a heading or an indented line: the previous page's text ended
        # its paragraph there, a word's end the text layer does not show.
        if nxt.opens_block and this.last_body is not None:
            this.lines[this.last_body] = this.lines[this.last_body].rstrip() + " "
    texts = ["\n".join(page.lines) for page in laid]
    text = PAGE_BREAK.join(f"{n}\n{t}" for n, t in zip(numbers, texts, strict=True))
    return PdfText(text=text, pages=numbers, page_texts=texts)


@dataclass
class _Page:
    lines: list[str]
    last_body: int | None  # index in `lines` of the last line of running text
    opens_block: bool  # the first line is a heading or an indented paragraph start


def _page_lines(page) -> list[_Line]:
    """The page's lines as pypdf orders them, with each line's font sizes and start."""
    lines = [_Line()]

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        # Effective matrix tm x cm: its vertical scale turns the nominal size into points.
        a, b, c, d, e, f = tm
        ca, cb, cc, cd, ce, cf = cm
        x = e * ca + f * cc + ce
        scale = math.hypot(c * ca + d * cc, c * cb + d * cd) or 1.0
        pts = round(size * scale * 2) / 2
        for i, piece in enumerate(text.split("\n")):
            if i:
                lines.append(_Line())
            if not piece:
                continue
            line = lines[-1]
            if line.x is None and piece.strip():
                line.x = x
            line.text += piece
            line.sizes[pts] += len(piece.strip())
            if _BOLD.search(str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""):
                line.bold += len(piece.strip())

    page.extract_text(visitor_text=visit)
    return [line for line in lines if line.text.strip()]


def _body_size(pages: list[list[_Line]]) -> float:
    sizes: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            sizes.update(line.sizes)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _take_page_number(lines: list[_Line]) -> int | None:
    """Remove and return the page's printed number: a lone number as its last or first line."""
    for i in (-1, 0):
        if lines:
            m = _PAGE_NUMBER.match(lines[i].text)
            if m:
                del lines[i]
                return int(m.group(1))
    return None


def _page_numbers(printed: list[int | None], reader) -> list[int]:
    """Printed numbers where the pages show them (their common offset fills the gaps), else
    the document's numeric page labels, else 1, 2, 3..."""
    offsets = Counter(n - i for i, n in enumerate(printed) if n is not None)
    if offsets:
        offset, votes = offsets.most_common(1)[0]
        if votes * 2 > sum(1 for n in printed if n is not None):
            return [i + offset for i in range(len(printed))]
    try:
        if "/PageLabels" in reader.trailer["/Root"]:
            labels = list(reader.page_labels)
            if all(label.isdigit() for label in labels):
                return [int(label) for label in labels]
    except (KeyError, ValueError, TypeError):
        pass
    return list(range(1, len(printed) + 1))


def _lay_out(lines: list[_Line], body_size: float) -> _Page:
    if not lines:
        return _Page(lines=[], last_body=None, opens_block=False)
    notes_from = _footnote_start(lines, body_size)
    margin = _left_margin(lines[:notes_from], body_size)
    indented = [i < notes_from and margin is not None and line.x is not None
                and line.x - margin > 1.5 * body_size for i, line in enumerate(lines)]
    body_bold = sum(line.bold for line in lines[:notes_from]) * 2 > sum(
        sum(line.sizes.values()) for line in lines[:notes_from])
    display = [i < notes_from and _is_display(line, body_size, body_bold) for i, line in enumerate(lines)]
    out: list[str] = []
    last_body = None
    for i, line in enumerate(lines):
        if i == notes_from:
            out.append(FOOTNOTE_SEPARATOR)
        if display[i] and (not out or out[-1] != ""):
            out.append("")  # set a heading off by blank lines, as text extractors do
        text = (" " if indented[i] else "") + line.text.lstrip()
        # A paragraph or a heading ends before an indented line or a change of type size:
        # say so with the trailing space that the text layer dropped (rule 8: a line ending
        # in a space ended a word).
        nxt = i + 1
        if nxt < notes_from and (indented[nxt] or abs(lines[nxt].size - line.size) > 0.5):
            text = text.rstrip() + " "
        if i < notes_from:
            last_body = len(out)
        out.append(text)
        if display[i]:
            out.append("")
    opens_block = notes_from > 0 and (display[0] or indented[0])
    return _Page(lines=out, last_body=last_body, opens_block=opens_block)


def _is_display(line: _Line, body_size: float, body_bold: bool) -> bool:
    """A line in larger type than the body, or bold in a body that isn't: a heading's look."""
    chars = sum(line.sizes.values())
    return chars > 0 and (line.size >= 1.05 * body_size or (not body_bold and line.bold * 2 > chars))


def _footnote_start(lines: list[_Line], body_size: float) -> int:
    """Index of the page's footnote block: the trailing run of small-type lines, if the run
    opens with a note number. len(lines) when the page has none."""
    start = len(lines)
    while start > 0 and 0 < lines[start - 1].size <= _NOTE_SIZE_RATIO * body_size:
        start -= 1
    if start < len(lines) and re.match(r"\s*\d{1,3}\D", lines[start].text):
        return start
    return len(lines)


def _left_margin(lines: list[_Line], body_size: float) -> float | None:
    """The x where most body lines start (to the nearest point)."""
    xs = Counter(round(line.x) for line in lines if line.x is not None and line.size >= 0.9 * body_size)
    return float(xs.most_common(1)[0][0]) if xs else None
