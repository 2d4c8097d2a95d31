"""A longer Thai PDF with footnotes: the shipped article's own sections, paragraphs and footnoted
references, read by the pipeline (repair, structure) and laid out by `thai_pdf` on A5 pages,
cut to about the number of pages asked for. What the chat's library is timed on
(eval/bench_upload.py): a real policy paper's text, length and footnotes, as a user uploads it.
"""

from __future__ import annotations

from pathlib import Path

import thai_pdf

ARTICLE = Path(__file__).resolve().parents[1] / "corpus" / "tech-diplomacy-th.txt"


def article_sections() -> tuple[list[tuple[str | None, list[str]]], dict[int, str]]:
    """The article as `thai_pdf.SECTIONS` (markers as {n}) and its footnotes."""
    from rag.document.structure import structure_document
    from rag.repair.text import repair_document

    doc = structure_document(repair_document(ARTICLE.read_text(encoding="utf-8")), doc_id="a", title="a")
    sections: list[tuple[str | None, list[str]]] = []
    for p in doc.paragraphs:
        text = p.text
        for m in sorted(p.markers, key=lambda m: m.pos, reverse=True):
            pos = max(0, min(m.pos, len(text)))
            text = f"{text[:pos]}{{{m.n}}}{text[pos:]}"
        if not sections or sections[-1][0] != (p.section or None):
            sections.append((p.section or None, []))
        sections[-1][1].append(text.strip())
    return sections, {n: r.text for n, r in doc.references.items()}


def build_paper(path: Path, pages: int = 20) -> thai_pdf.Placed:
    """About ``pages`` pages of the article laid out into ``path`` (its last paragraph cut at a
    space)."""
    sections, footnotes = article_sections()
    total = sum(len(t) for _, ps in sections for t in ps)
    placed = thai_pdf.build_pdf(path, sections, footnotes)
    if len(placed.pages) <= pages:
        return placed
    budget = total * pages / len(placed.pages)
    for _ in range(6):  # the first cut, from characters per page, is close; mend it
        cut: list[tuple[str | None, list[str]]] = []
        used = 0
        for heading, paragraphs in sections:
            kept = []
            for text in paragraphs:
                if used >= budget:
                    break
                if used + len(text) > budget:  # the last paragraph ends at a space near the budget
                    cut_at = text.rfind(" ", 0, int(budget - used))
                    text = text[:cut_at] if cut_at > 0 else text
                kept.append(text)
                used += len(text)
            if kept:
                cut.append((heading, kept))
        placed = thai_pdf.build_pdf(path, cut, footnotes)
        if len(placed.pages) == pages:
            break
        budget *= pages / len(placed.pages)
    return placed
