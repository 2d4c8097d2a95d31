"""The answer's extract: the stretch of the best passages that answers, quoted, followed by the
number of the passage it comes from.

Thai PDF text has few sentence ends, so a passage is read as its pieces (rag.thai.sentences:
cut at spaces between Thai words, at Latin sentence ends) and the extract is a run of
consecutive pieces of one passage, a window, chosen for what the question asks
(rag.answer.asks):

- each window scores its best piece's cosine to the question, plus the share of the question's
  words it holds (weighted by their rarity in the corpus; for a question without Thai, its
  words' Thai translations, each counting as rare as it is, and its names as Thai writes them
  by their sound, rag.lexical.names), plus a share when it holds what the question asks for (a
  date for "when", a number for "how many", a name for "who", a place for "where", an
  enumeration for a list), less a little for its length and for a lower-ranked passage;
- a window that ends where its text announces what follows (``ได้แก่``, ``ดังนี้``, ``คือ``,
  a colon, "as follows", an open "(1) ...") or halfway through a numbered enumeration loses
  a share, so the continuation comes with it; a list question gets a longer window, so the
  whole enumeration fits;
- a piece too long to quote whole is shown by its stretch closest to the question, with "…"
  where it is cut; a window that begins or ends inside a sentence is marked "…" there too;
- a question about a source ("which paper is cited ...", "อ้างอิงจากแหล่งใด") also quotes the
  references the chosen window cites (the documents' own footnotes).

A second window from another passage is added when it scores nearly as well and the extract
stays short (``EXTRACT_CHARS``). A window quoted alone is shown with the pieces around it, one
following and one preceding in turn, up to ``GROW_CHARS`` (two windows share
``SECOND_ROOM`` so): the best-scoring window is most
often the one that restates the question, and the answer sits next to it. The room left, if any,
holds the head of the next piece, cut at a space and marked "…"
(a piece of Thai text may run long). A window whose first piece begins with a word that goes on
from the piece before it (``CONTINUES``: "และ", "ซึ่ง", "ได้", "เป็น" ...: the subject or the
name is there) is shown with that piece first.

When the search cannot tell its first two passages apart (the second scores at least
``UNDECIDED`` of the first's score) and they come from two documents, the extract (but for a
list question, whose enumeration needs the room) quotes the
best window of each, shorter ones (``UNDECIDED_CHARS``) sharing more room (``UNDECIDED_ROOM``):
the second passage then often holds the answer (XQuAD-th dev, English: 25 of 144 such
questions, against 3 of the 424 others). Two chunks of one document are most often neighbours
that share text: the first stands for both. Sentence vectors are the index's own
(rag.answer.corpus); text the index did not embed is encoded through ``SentenceCache`` (rag.answer.vectors).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.answer.asks import ANNOUNCES, ENUMERATION, ITEM, LIST, SOURCE, Asks, answer_signal
from rag.answer.lexicon import Lexicon
from rag.answer.vectors import Encoder
from rag.lexical.tokenize import tokenize
from rag.search import Hit
from rag.thai.chars import is_thai
from rag.thai.sentences import clip, is_fragment_end, is_fragment_start, split_sentences, stretches

EXTRACT_PASSAGES = 3  # the extract quotes only the best passages
WINDOW_CHARS = 420  # the longest window, but for a list question
LIST_CHARS = 720  # a list question's window: room for the whole enumeration
EXTRACT_CHARS = 900  # the whole extract, references of a source question included
SECOND_MARGIN = 0.03  # a second window must score within this of the first
SECOND_ROOM = 450  # ... and the extract stay this short with it
GROW_CHARS = 400  # a lone window is shown with its neighbouring pieces up to this length
HEAD_CHARS = 20  # ... and the head of the next piece when at least this much of it fits (a name, a date)
EXTRACT_SENTENCE_CHARS = 280  # a reference longer than this is shown by its head
PART_CHARS = 180  # a piece too long for a window is scored and quoted in parts of this size
REFERENCE_CHARS = 280
LEXICAL_WEIGHT = 0.08  # share of the question's words a window holds, next to its cosine
SIGNAL_WEIGHT = 0.02  # the window holds the kind of thing asked for
CUT_PENALTY = 0.03  # the window stops where its text announces what follows
LENGTH_PENALTY = 0.02  # per 1,000 characters over BASE_CHARS
BASE_CHARS = 250
UNDECIDED = 0.85  # the second passage's search score, as a share of the first's, that leaves them undecided
UNDECIDED_CHARS = 320  # ... then each window is at most this long
UNDECIDED_ROOM = 700  # ... and the two share this much
RANK_PRIOR = 0.03  # per rank of the passage: the search read all of it, a window is read by its words
# Thai words that cannot open a sentence: they go on from the words before them (conjunctions,
# relative words, auxiliaries and copulas whose subject comes first, a demonstrative).
CONTINUES = frozenset("""และ ซึ่ง ที่ โดย แต่ หรือ ก็ จึง ว่า แล้ว นี้ ได้ เป็น คือ จะ ให้ ถูก ทำให้ อย่างเช่น ดังนั้น มี""".split())


@dataclass
class ExtractSentence:
    text: str
    cite: int  # number of the passage it comes from (1-based)
    reference: int | None = None  # set when the text is that footnote of the passage, not its text


@dataclass
class Piece:
    """A piece of a passage the extract may quote: where it sits, whether it begins or ends
    inside a sentence, and its cosine to the question."""

    cite: int  # number of its passage (1-based)
    pos: int  # its place in the passage
    text: str
    start: int  # offsets in the passage's text
    end: int
    open_start: bool = False
    open_end: bool = False
    sim: float = 0.0
    sentence_sim: float = 0.0  # its whole sentence's (stored) cosine: what the gate reads


@dataclass
class Pool:
    """The pieces of the best passages, passage by passage, with their cosines."""

    passages: list[list[Piece]] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)

    @property
    def sims(self) -> np.ndarray:
        """The cosines of the passages' sentences as the index stored them (a long sentence's
        parts share its own)."""
        return np.array([p.sentence_sim for ps in self.passages for p in ps], dtype=np.float32)


def _cut(text: str, size: int) -> list[tuple[int, int]]:
    """``text`` cut at spaces into consecutive parts of at most ``size`` characters (a word
    longer than that is cut where it must)."""
    parts, start = [], 0
    while len(text) - start > size:
        end = text.rfind(" ", start + size // 2, start + size)
        end = end if end > start else start + size
        parts.append((start, end))
        start = end + 1 if text[end:end + 1] == " " else end
    parts.append((start, len(text)))
    return parts


def build_pool(hits: Sequence[Hit], qvec: np.ndarray | None, stored: Callable[[Hit], np.ndarray | None],
               encoder: Encoder | None) -> Pool:
    """The pieces of the best passages (``split_sentences``), each with its cosine to the
    question: from the index's stored vectors (``stored``) where it has them, else encoded. A
    piece too long to quote whole is cut into parts (``EXTRACT_SENTENCE_CHARS``) scored on
    their own (encoded; without an encoder each part takes its piece's cosine)."""
    pool = Pool(hits=list(hits[:EXTRACT_PASSAGES]))
    missing: list[Piece] = []
    for n, hit in enumerate(pool.hits, 1):
        sentences = split_sentences(hit.text)
        vectors = stored(hit) if qvec is not None else None
        sims = (vectors @ qvec).tolist() if vectors is not None and len(vectors) == len(sentences) else None
        pieces: list[Piece] = []
        for j, sent in enumerate(sentences):
            head_cut = j == 0 and is_fragment_start(sent.text)
            tail_cut = j == len(sentences) - 1 and is_fragment_end(sent.text)
            sim = float(sims[j]) if sims is not None else 0.0
            if len(sent.text) <= WINDOW_CHARS:
                piece = Piece(cite=n, pos=len(pieces), text=sent.text, start=sent.start, end=sent.end,
                              open_start=head_cut, open_end=tail_cut, sim=sim, sentence_sim=sim)
                pieces.append(piece)
                if sims is None:
                    missing.append(piece)
                continue
            parts = _cut(sent.text, PART_CHARS)
            for k, (a, b) in enumerate(parts):
                piece = Piece(cite=n, pos=len(pieces), text=sent.text[a:b].strip(), start=sent.start + a,
                              end=sent.start + b, open_start=k > 0 or head_cut,
                              open_end=k < len(parts) - 1 or tail_cut, sim=sim, sentence_sim=sim)
                pieces.append(piece)
                missing.append(piece)
        pool.passages.append(pieces)
    if missing and qvec is not None and encoder is not None:
        sims = encoder.encode_passages([p.text for p in missing]) @ qvec
        for p, s in zip(missing, sims.tolist(), strict=True):
            p.sim = float(s)
            if p.sentence_sim == 0.0:  # no stored vector for its sentence either
                p.sentence_sim = float(s)
    return pool


# ------------------------------------------------------------------ choosing the windows


@dataclass
class Window:
    cite: int
    first: int
    last: int
    text: str
    score: float
    cut_end: bool = False  # its text ends with the head of the piece after ``last``, cut at a space


def _windows(pieces: list[Piece], cap: int) -> list[tuple[int, int]]:
    out = []
    for i in range(len(pieces)):
        length = 0
        for j in range(i, len(pieces)):
            length += len(pieces[j].text) + 1
            if length > cap and j > i:
                break
            out.append((i, j))
    return out


def _score(pieces: list[Piece], i: int, j: int, lexicon: Lexicon, held: list[list[float]], ask: Asks,
           rank: int, marked: Sequence[tuple[int, str]]) -> float:
    text = " ".join(p.text for p in pieces[i:j + 1])
    best = max(p.sim for p in pieces[i:j + 1])
    words = lexicon.share([max(h[k] for h in held[i:j + 1]) for k in range(len(lexicon.groups))])
    if ask.kind == SOURCE:  # a source question wants the claim that cites something, and its words
        cited = [t for pos, t in marked if pieces[i].start <= pos <= pieces[j].end + 1]
        signal = float(bool(cited))
        if cited:
            more = lexicon.holds(" ".join(cited))
            words = lexicon.share([max(*(h[k] for h in held[i:j + 1]), more[k]) for k in range(len(lexicon.groups))])
    else:
        signal = answer_signal(ask.kind, lexicon.strip(text), lexicon.forms())
    score = best + LEXICAL_WEIGHT * words + SIGNAL_WEIGHT * signal - RANK_PRIOR * rank
    score -= LENGTH_PENALTY * max(0, len(text) - BASE_CHARS) / 1000
    if j + 1 < len(pieces):
        nxt = pieces[j + 1]
        if ANNOUNCES.search(pieces[j].text) or ITEM.search(nxt.text[:12]) or pieces[j].open_end \
                or (ask.many and (nxt.open_start or ENUMERATION.search(pieces[j].text))):
            score -= CUT_PENALTY  # stops where its own text says more follows
    if i > 0 and pieces[i].open_start:
        score -= CUT_PENALTY / 2  # opens halfway through a sentence whose head is there to quote
    return score


def choose(pool: Pool, lexicon: Lexicon, ask: Asks, whole: bool = False) -> list[Window]:
    """The best window of the pool and, when it scores nearly as well and the extract stays
    short, the best one of another passage (never for a source question: its references
    follow the one claim). A question about the whole document (``whole``: its passages are
    the opening and closing sections) gets the best window of a second passage whatever its
    score, within ``EXTRACT_CHARS``: what the paper is about and what it concludes."""
    cap = LIST_CHARS if ask.many else WINDOW_CHARS
    undecided = not whole and ask.kind != SOURCE and not ask.many and _undecided(pool.hits)
    if undecided:
        cap = UNDECIDED_CHARS
    found: list[Window] = []
    for rank, pieces in enumerate(pool.passages):
        if not pieces:
            continue
        held = [lexicon.holds(p.text) for p in pieces]
        refs = {r.n: r.text for r in pool.hits[rank].footnotes}
        marked = [(pos, refs.get(n, "")) for pos, n in pool.hits[rank].markers]
        best: Window | None = None
        for i, j in _windows(pieces, cap):
            s = _score(pieces, i, j, lexicon, held, ask, rank, marked)
            if best is None or s > best.score:
                best = Window(cite=rank + 1, first=i, last=j, text=" ".join(p.text for p in pieces[i:j + 1]), score=s)
        if best is not None:
            found.append(best)
    if not found:
        return []
    found.sort(key=lambda w: -w.score)
    chosen = [found[0]]
    for w in found[1:] if ask.kind != SOURCE else []:
        margin, room = (float("inf"), EXTRACT_CHARS) if whole else (SECOND_MARGIN, SECOND_ROOM)
        if undecided and {w.cite, chosen[0].cite} == {1, 2}:
            margin, room = float("inf"), UNDECIDED_ROOM
        if w.score >= chosen[0].score - margin and len(chosen[0].text) + len(w.text) <= room \
                and w.text not in chosen[0].text and chosen[0].text not in w.text:
            chosen.append(w)
            break
    if len(chosen) == 1 and ask.kind != SOURCE:  # a source question's references follow its one claim
        chosen[0] = grow(chosen[0], pool.passages[chosen[0].cite - 1], GROW_CHARS)
    elif len(chosen) == 2 and not whole:  # two windows share the room they were admitted within
        room = UNDECIDED_ROOM if undecided and {w.cite for w in chosen} == {1, 2} else SECOND_ROOM
        chosen[0] = grow(chosen[0], pool.passages[chosen[0].cite - 1], room - len(chosen[1].text) - 1)
        chosen[1] = grow(chosen[1], pool.passages[chosen[1].cite - 1], room - len(chosen[0].text) - 1)
    return chosen


def _undecided(hits: Sequence[Hit]) -> bool:
    """The search scored its first two passages, from two documents, too close to tell which
    answers (``UNDECIDED``)."""
    return len(hits) > 1 and hits[0].score > 0 and hits[1].score >= UNDECIDED * hits[0].score \
        and hits[0].doc_id != hits[1].doc_id


def grow(window: Window, pieces: list[Piece], room: int) -> Window:
    """``window`` with the pieces around it, the next one after it, then the one before it, in
    turn, while it stays within ``room`` characters (a side with no room left lets the other
    go on), then as much of the next piece's head as fits (cut at a space, shown with "…").
    The best-scoring window is the piece that restates the question, and the answer is most
    often the words right after it (a name, a date, what it is called) or right before it
    (the subject of what it says): the window is read in its context rather than alone."""
    first, last, length = window.first, window.last, len(window.text)
    if first > 0 and continues(pieces[first].text) and length + 1 + len(pieces[first - 1].text) <= room:
        first -= 1  # its first words go on from the piece before: the subject, the name is there
        length += 1 + len(pieces[first].text)
    moved = True
    while moved:
        moved = False
        if last + 1 < len(pieces) and length + 1 + len(pieces[last + 1].text) <= room:
            last += 1
            length += 1 + len(pieces[last].text)
            moved = True
        if first > 0 and length + 1 + len(pieces[first - 1].text) <= room:
            first -= 1
            length += 1 + len(pieces[first].text)
            moved = True
    text = " ".join(p.text for p in pieces[first:last + 1])
    if last + 1 < len(pieces) and room - length - 1 > HEAD_CHARS:  # the room left takes the head
        nxt = pieces[last + 1].text  # of the next piece, cut at a space
        cut = nxt.rfind(" ", 0, room - length - 1)
        if cut >= HEAD_CHARS:
            return Window(cite=window.cite, first=first, last=last, text=text + " " + nxt[:cut].rstrip(" ,;:"),
                          score=window.score, cut_end=True)
    return Window(cite=window.cite, first=first, last=last, text=text, score=window.score)


def continues(text: str) -> bool:
    """``text`` begins with a Thai word that goes on from the words before it (``CONTINUES``)."""
    words = tokenize(text[:24]) if is_thai(text[:1]) else []
    return bool(words) and words[0] in CONTINUES


def show(window: Window, pool: Pool) -> str:
    """A window as quoted, with "…" where it begins or ends inside a sentence."""
    pieces = pool.passages[window.cite - 1]
    text = window.text
    if pieces[window.first].open_start and not text.startswith("…"):
        text = "… " + text
    if (window.cut_end or pieces[window.last].open_end) and not text.endswith("…"):
        text = text + " …"
    return text


def cited_in(window: Window, pool: Pool, lexicon: Lexicon) -> list[int]:
    """The footnotes of the window's claim: the markers from its piece that holds the most of
    the question's words on (within the window, then just after it), else the last one before."""
    hit = pool.hits[window.cite - 1]
    pieces = pool.passages[window.cite - 1][window.first:window.last + 1]
    best = max(pieces, key=lambda p: (lexicon.share(lexicon.holds(p.text)), p.sim))
    marks = sorted(hit.markers)
    after = [n for pos, n in marks if pos >= best.start]
    inside = [n for pos, n in marks if best.start <= pos <= pieces[-1].end + 1]
    before = [n for pos, n in marks if pos < best.start]
    found = inside or after[:1] or before[-1:] or [r.n for r in hit.footnotes[:1]]
    return list(dict.fromkeys(found))


def extract(pool: Pool, lexicon: Lexicon, ask: Asks, whole: bool = False) -> list[ExtractSentence]:
    """The extract: the chosen windows in reading order, and for a source question the
    references its window cites."""
    windows = choose(pool, lexicon, ask, whole)
    out = [ExtractSentence(text=show(w, pool), cite=w.cite) for w in sorted(windows, key=lambda w: (w.cite, w.first))]
    if ask.kind == SOURCE and windows:
        refs = {r.n: r for r in pool.hits[windows[0].cite - 1].footnotes}
        total = sum(len(s.text) for s in out)
        for n in cited_in(windows[0], pool, lexicon)[:2]:
            if n not in refs:
                continue
            text = refs[n].text if len(refs[n].text) <= REFERENCE_CHARS \
                else clip(refs[n].text, *stretches(refs[n].text, REFERENCE_CHARS)[0])
            if total + len(text) <= EXTRACT_CHARS:
                out.append(ExtractSentence(text=text, cite=windows[0].cite, reference=n))
                total += len(text)
    return out


__all__ = ["EXTRACT_PASSAGES", "EXTRACT_SENTENCE_CHARS", "LIST", "ExtractSentence", "Piece",
           "Pool", "Window", "build_pool", "choose", "extract"]
