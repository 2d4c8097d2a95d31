"""The repair stage: takes raw text extracted from a Thai PDF (broken glyphs, footnote
blocks and page furniture inside the text) and gives repaired lines, each with its kind
(body, note, separator, page number, page break), the footnote markers taken out of it, and a
count of the fixes made (``Repaired``).

``text`` runs the stage over a document (``repair_document``, ``repair_lines`` for
``rag clean --lines``, ``repair_query`` for a question); ``layout`` recognises page furniture
and footnote blocks, ``glyphs`` and ``vowels`` repair Thai glyphs, ``markers`` chooses which
digits are footnote markers with the whole document in view; ``unmapped`` reads back, per
document, the glyphs an extractor could not map (`(cid:N)`, a letter read as a space, a mark
read as another); ``reflow`` puts back the
lines an extractor cut (``lines`` measures them, ``cut_lines`` joins what pypdfium2 cut at a
note number or after a cluster it wrote twice), and ``columns`` the two columns that pdftotext
interleaves; ``titles`` tells a title by the paragraph under it naming it, for the reflow and
the structure stage's headings.
"""

from rag.repair.text import Line, Marker, Repaired, line_texts, repair_document, repair_lines, repair_query

__all__ = ["Line", "Marker", "Repaired", "line_texts", "repair_document", "repair_lines", "repair_query"]
