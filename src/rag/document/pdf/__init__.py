"""The PDF route: takes a PDF file and gives its `Document` (headings, paragraphs with their
footnote markers and printed pages, footnotes and endnotes) read from the glyph layout that
pdfium reports, with no text extraction in between for the repair stage to undo.

Modules in the order the reading runs: ``glyphs`` (pdfium's characters into glyphs, rules),
``lines`` (baselines, superscripts, marks on their bases, line text), ``furniture`` (running
headers, page numbers), ``columns`` (gutters, reading order), ``blocks`` (body style, headings,
paragraphs), ``notes`` (footnote areas, endnotes, numbered entries), ``read`` (the whole, and
the one-line errors a user can cause).
"""

from rag.document.pdf.read import PdfReading, read_pdf

__all__ = ["PdfReading", "read_pdf"]
