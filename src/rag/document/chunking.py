"""Chunking: a structured document -> passages sized for the embedder, each citing its sources.

A passage must be small enough for multilingual-e5-small (512 tokens with its heading; Thai
runs about 3 characters a token) and whole enough to answer from, so chunks never cross a
section and are cut where the text itself pauses: between paragraphs first, then at a
sentence end, then at a space (Thai separates phrases and sentences with spaces), and only
as a last resort inside a run of text. A cut inside a paragraph repeats a little text in the
next chunk (`overlap`) so a sentence cut from its context is still found whole once.
Each chunk keeps its section, the page it starts on and the footnote markers inside it, so
search hits can show the sources the passage cites.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from rag.document.structure import Document, Paragraph, Reference
from rag.thai.chars import is_thai
from rag.thai.sentences import split_sentences

DEFAULT_MAX_CHARS = 1200
DEFAULT_OVERLAP = 150


@dataclass
class Chunk:
    chunk_id: str  # f"{doc_id}#{index:04d}", stable for the same input
    doc_id: str
    title: str
    section: str
    page: int | None
    text: str  # what the user sees (no heading, no markers)
    # Reference numbers whose markers fall inside text, and the one whose marker ends the
    # sentence this chunk was cut from: a marker cites the text before it, back to the
    # previous marker, so a chunk cut from a cited passage cites its source too.
    footnotes: list[int]
    markers: list[tuple[int, int]]  # (offset in text, footnote number): the markers inside text

    def embed_text(self) -> str:
        """Heading + text: the heading tells the embedder what the passage is about, and
        the user never sees it twice. A record's title is shown, not indexed."""
        return f"{self.section}\n{self.text}" if self.section else self.text

    def lexical_text(self, references: dict[int, Reference]) -> str:
        """What BM25 indexes: the embedded text and the references it cites, so a question
        naming an author or a title finds the passage that cites it."""
        cited = [references[n].text for n in self.footnotes if n in references]
        return "\n".join([self.embed_text(), *cited])

    def unit_texts(self, references: dict[int, Reference]) -> list[str]:
        """The pieces a chunk is also scored by, one vector each: its sentences, then the
        references it cites.

        A 1,200-character chunk mixes several points, and its single vector matches none of
        them as well as the sentence that answers does; on the dev sets the best sentence's
        similarity (max-sim) found the right chunk first for 8 more English questions in 100
        on XQuAD than the chunk vector alone. A question about a source ("which paper is cited
        for ...") matches the reference itself, which the answer shows with the passage.
        """
        units = [s.text for s in split_sentences(self.text)]
        units += [references[n].text for n in self.footnotes if n in references and references[n].text.strip()]
        return units

    def window_texts(self) -> list[str]:
        """Pairs of consecutive sentences (the first and second, the third and fourth...; an odd
        last sentence pairs with the one before it), one vector each, stored after the units.

        A sentence alone often lacks its subject (Thai text drops it, and the splitter cuts at
        spaces that are not always sentence ends), the chunk dilutes it with its other points;
        a pair sits between the two. Their best cosine is a third view of the chunk, averaged
        with the other two (rag.search.FusionWeights.window_share): on XQuAD dev it found the
        right paragraph first for about one more English question in 100 (iApp and XQuAD
        Thai: up to half a point better). One sentence: no pair (it would be the chunk).
        """
        sentences = [s.text for s in split_sentences(self.text)]
        if len(sentences) < 2:
            return []
        starts = list(range(0, len(sentences) - 1, 2))
        if starts[-1] + 2 < len(sentences):
            starts.append(len(sentences) - 2)
        return [" ".join(sentences[i:i + 2]) for i in starts]


# Break priorities: a cut between paragraphs beats one at a sentence end, which beats one
# at a space next to Thai (a phrase boundary), which beats a space inside a run of Latin words
# (it would split a name or a title).
_PARAGRAPH, _SENTENCE, _PHRASE, _WORD = 3, 2, 1, 0
_LATIN_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def chunk_document(
    doc: Document, *, max_chars: int = DEFAULT_MAX_CHARS, overlap: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    """Cut `doc` into chunks of at most `max_chars` characters, section by section."""
    if max_chars < 50:
        raise ValueError("max_chars must be at least 50")
    overlap = max(0, min(overlap, max_chars // 3))
    chunks: list[Chunk] = []
    for section, paragraphs in _section_runs(doc.paragraphs):
        flow = _Flow(paragraphs)
        for start, end in _cuts(flow, max_chars, overlap):
            text, offset = _strip(flow.text, start, end)
            if not text:
                continue
            markers = flow.markers_in(offset, offset + len(text), end)
            ends_cited = any(off >= len(text) - 1 for off, _ in markers)
            covering = None if ends_cited else flow.covering_marker(offset + len(text))
            chunks.append(Chunk(
                chunk_id=f"{doc.doc_id}#{len(chunks):04d}",
                doc_id=doc.doc_id,
                title=doc.title,
                section=section,
                page=flow.page_at(offset),
                text=text,
                footnotes=sorted({n for _, n in markers} | ({covering} if covering else set())),
                markers=markers,
            ))
    return chunks


def _section_runs(paragraphs: list[Paragraph]) -> list[tuple[str, list[Paragraph]]]:
    runs: list[tuple[str, list[Paragraph]]] = []
    for p in paragraphs:
        if not p.text.strip():
            continue
        if runs and runs[-1][0] == p.section:
            runs[-1][1].append(p)
        else:
            runs.append((p.section, [p]))
    return runs


class _Flow:
    """A section's paragraphs as one text ("\\n" between them), with markers and pages."""

    def __init__(self, paragraphs: list[Paragraph]) -> None:
        parts: list[str] = []
        self.markers: list[tuple[int, int]] = []  # (offset, n), sorted
        self.page_offsets: list[int] = []
        self.pages: list[int | None] = []
        self.paragraph_ends: list[int] = []
        offset = 0
        for p in paragraphs:
            parts.append(p.text)
            self.paragraph_ends.append(offset + len(p.text))
            self.markers.extend((offset + m.pos, m.n) for m in p.markers)
            self.page_offsets.append(offset)
            self.pages.append(p.page)
            for pos, page in p.page_starts:
                self.page_offsets.append(offset + pos)
                self.pages.append(page)
            offset += len(p.text) + 1
        self.text = "\n".join(parts)
        self.markers.sort()
        self.breaks = _break_points(self.text)

    def page_at(self, offset: int) -> int | None:
        i = bisect.bisect_right(self.page_offsets, offset) - 1
        return self.pages[max(i, 0)] if self.pages else None

    def covering_marker(self, stop: int) -> int | None:
        """The first marker after `stop` in the same paragraph, when text stands between:
        it cites the sentence the chunk was cut from."""
        para_end = self.paragraph_ends[bisect.bisect_left(self.paragraph_ends, stop)] \
            if stop <= self.paragraph_ends[-1] else stop
        if stop >= para_end:
            return None
        i = bisect.bisect_right(self.markers, (stop, float("inf")))
        if i < len(self.markers) and self.markers[i][0] <= para_end:
            return self.markers[i][1]
        return None

    def markers_in(self, start: int, stop: int, cut: int) -> list[tuple[int, int]]:
        """Markers of the text [start, stop): a marker stands after the words it annotates,
        so one at `stop` belongs here, and so does one just past a cut made at a space."""
        last = cut + 1 if cut < len(self.text) and self.text[cut].isspace() else stop
        return [(min(pos, stop) - start, n) for pos, n in self.markers if start <= pos <= max(stop, last)
                and not (pos == start and start > 0 and not self.text[start - 1].isspace())]


def _break_points(text: str) -> dict[int, int]:
    """Cut positions (a chunk may end there, the next begin after the white space) -> priority."""
    points: dict[int, int] = {}
    for m in re.finditer(r"\s+", text):
        i, j = m.start(), m.end()
        if i == 0 or j == len(text):
            continue
        if "\n" in m.group():
            points[i] = _PARAGRAPH
            continue
        before, after = text[i - 1], text[j]
        if _LATIN_SENTENCE_END.search(text[max(0, i - 4):i]):
            points[i] = _SENTENCE
        elif is_thai(before) or is_thai(after):
            points[i] = _PHRASE
        else:
            points[i] = _WORD
    return points


def _cuts(flow: _Flow, max_chars: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) spans of the flow text, each at most max_chars long."""
    text, points = flow.text, flow.breaks
    positions = sorted(points)
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    while start < len(text):
        left = len(text) - start
        if left <= max_chars:
            spans.append((start, len(text)))
            break
        # Aim at an even share of what is left, so a section doesn't end on a scrap.
        share = -(-left // max(1, max_chars - overlap))
        target = start + max(max_chars // 2, min(max_chars, left // share))
        end = _best_cut(text, positions, points, start, max_chars, target)
        spans.append((start, end))
        nxt = _skip_space(text, end)
        if overlap and points.get(end, -1) < _PARAGRAPH:
            # Begin the next chunk at the best break within `overlap` before the cut, so
            # the repeated text starts at a phrase rather than inside a name.
            lo = bisect.bisect_left(positions, end - overlap)
            hi = bisect.bisect_left(positions, end)
            back = [p for p in positions[lo:hi] if p > start]
            if back:
                nxt = _skip_space(text, max(back, key=lambda p: (points[p], -p)))
        start = max(nxt, start + 1)
    return spans


def _best_cut(text: str, positions: list[int], points: dict[int, int], start: int, max_chars: int,
              target: int) -> int:
    """The best-priority cut near `target` (within a quarter window of it), else the latest
    cut of the best priority past the window's middle, else the latest cut at all, else a
    hard cut that doesn't strand a Thai mark at the next chunk's head."""
    limit = start + max_chars
    window = positions[bisect.bisect_right(positions, start):bisect.bisect_right(positions, limit)]
    slack = max_chars // 4
    near = [p for p in window if abs(p - target) <= slack]
    if near:
        return max(near, key=lambda p: (points[p], -abs(p - target)))
    half = start + max_chars // 2
    pool = [p for p in window if p >= half] or window
    if pool:
        return max(pool, key=lambda p: (points[p], p))
    end = limit
    while end > start + 1 and unicodedata.category(text[end]) == "Mn":
        end -= 1
    return end


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _strip(text: str, start: int, end: int) -> tuple[str, int]:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    return piece.strip(), start + lead
