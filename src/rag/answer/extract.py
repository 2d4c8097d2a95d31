"""The answer's extract: the stretch of the best passages that answers, quoted, followed by the
number of the passage it comes from.

Thai PDF text has few sentence ends, so a passage is read as its pieces (rag.thai.sentences:
cut at spaces between Thai words, at Latin sentence ends) and the extract is a run of
consecutive pieces of one passage, a window, chosen for what the question asks
(rag.answer.asks):

- each window scores its best piece's cosine to the question, plus the share of the question's
  words it holds (weighted by their rarity in the corpus; for a question without Thai, its
  words' Thai translations too), plus a share when it holds what the question asks for (a
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
stays short (``EXTRACT_CHARS``). A window quoted alone is shown with the pieces around it, the
following ones first, up to ``GROW_CHARS`` (two windows share ``SECOND_ROOM`` so): the
best-scoring window is most often the one that restates the question, and the answer sits
just after it. The room left holds the head of the next piece, cut at a space and marked "…"
(a piece of Thai text may run long). Sentence vectors are the index's own (rag.answer.corpus);
text the index did not embed is encoded through ``SentenceCache`` (rag.answer.vectors).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.answer.asks import ANNOUNCES, ENUMERATION, ITEM, LIST, SOURCE, Asks, answer_signal
from rag.answer.vectors import Encoder
from rag.answer.words import contains, query_terms
from rag.lexical.names import spellings
from rag.lexical.tokenize import ENGLISH_STOPWORDS
from rag.search import Hit
from rag.thai.chars import is_thai
from rag.thai.sentences import clip, is_fragment_end, is_fragment_start, split_sentences, stretches

import os
EXP = os.environ.get("EXP", "")
ENGLISH_Q = [False]
EXPW = float(os.environ.get("EXPW", "0.5"))
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
RANK_PRIOR = 0.03  # per rank of the passage: the search read all of it, a window is read by its words
# Words that frame an English question rather than name what it is about ("What does X mean
# in the context of ...", "according to the article"): not looked for in the passages.
FRAMING = frozenset("""mean means meaning meant called call named name context according article paper text
document author refer refers referred describe described example examples kind kinds type types""".split())


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
    vec: np.ndarray | None = None


@dataclass
class Pool:
    """The pieces of the best passages, passage by passage, with their cosines."""

    passages: list[list[Piece]] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    qvec: np.ndarray | None = None

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
    pool = Pool(hits=list(hits[:EXTRACT_PASSAGES]), qvec=qvec)
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
                              open_start=head_cut, open_end=tail_cut, sim=sim, sentence_sim=sim,
                              vec=vectors[j] if sims is not None else None)
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
        vecs = encoder.encode_passages([p.text for p in missing])
        sims = vecs @ qvec
        for p, s, v in zip(missing, sims.tolist(), vecs, strict=True):
            p.sim = float(s)
            p.vec = v
            if p.sentence_sim == 0.0:  # no stored vector for its sentence either
                p.sentence_sim = float(s)
    return pool


# ------------------------------------------------------------------ the question's words


@dataclass(frozen=True)
class Lexicon:
    """The question's words as the extract looks for them: each a set of alternative forms
    (a word, or an English word and its Thai translations) with a weight (its rarity), and
    each form's own weight (``form_weights``; none: each counts its group's)."""

    groups: tuple[tuple[float, tuple[str, ...]], ...] = ()
    form_weights: tuple[tuple[float, ...], ...] = ()

    def holds(self, text: str) -> list[float]:
        """For each word, how much of it ``text`` holds (0 to 1): its rarest form found."""
        if not self.form_weights:
            return [float(any(_found(text, f) for f in forms)) for _, forms in self.groups]
        out = []
        for (w, forms), fws in zip(self.groups, self.form_weights, strict=True):
            found = [fw for f, fw in zip(forms, fws, strict=True) if _found(text, f)]
            out.append(min(1.0, max(found) / w) if found and w > 0 else 0.0)
        return out

    def share(self, held: Sequence[float]) -> float:
        total = sum(w for w, _ in self.groups)
        return sum(w * h for (w, _), h in zip(self.groups, held, strict=True)) / total if total > 0 else 0.0

    def forms(self) -> tuple[str, ...]:
        return tuple(f for _, forms in self.groups for f in forms)

    def strip(self, text: str) -> str:
        """``text`` without the question's own words (what it holds besides them)."""
        for _, forms in self.groups:
            for f in forms:
                text = re.sub(re.escape(f), " ", text, flags=re.IGNORECASE) if len(f) > 1 else text
        return text


def _found(text: str, form: str) -> bool:
    return form in text if is_thai(form) else contains(text, form)


def question_lexicon(query: str, rarity: Callable[[Sequence[str]], float] | None = None,
                     translate: Callable[[str], list[tuple[str, tuple[str, ...]]]] | None = None,
                     sounds: dict[str, tuple[str, ...]] | None = None) -> Lexicon:
    """The question's content words (numbers included), each weighted by ``rarity`` (the
    highest idf of its forms in the corpus; 1 without one); for a question without Thai, each
    English word with its Thai translations (``translate``) as alternative forms, and a name
    with the Thai spellings that sound like it (``sounds``, by lower-cased word:
    rag.lexical.names)."""
    sounds = {k.lower(): v for k, v in (sounds or {}).items()}
    terms = [t.removesuffix("'s").removesuffix("’s") for t in query_terms(query)]
    terms = [t for t in dict.fromkeys(terms) if t not in FRAMING]
    weigh = rarity or (lambda forms: 1.0)
    groups: list[tuple[float, tuple[str, ...]]] = []
    if is_thai(query) or translate is None:
        groups = [(weigh((t,)), (t,)) for t in terms]
    else:
        translated = {w: thai for w, thai in translate(query) if thai}
        done: set[str] = set()
        for word, thai in translated.items():
            if word in FRAMING:
                continue
            forms = (word.replace("_", " "), *thai, *sounds.get(word, ()))
            groups.append((weigh(forms), forms))
            done.update(word.split("_"))
        groups += [(weigh(forms), forms) for forms in ((t, *sounds.get(t, ())) for t in terms if t not in done)]
    kept = tuple((w, f) for w, f in groups if w > 0)
    if "fw" in EXP and rarity is not None and not is_thai(query):
        return Lexicon(groups=kept, form_weights=tuple(tuple(weigh((x,)) for x in f) for _, f in kept))
    return Lexicon(groups=kept)


_NAME = re.compile(r"(?<![^\W_])[A-Z][^\W\d_]*(?:[-'’][^\W\d_]+)*")


def spoken_names(query: str, pool: Pool) -> dict[str, tuple[str, ...]]:
    """The names of an English question (its capitalised words but stop words) with the Thai
    stretches of the pool's passages that sound like them (rag.lexical.names), by lower-cased
    word: a name is written in Thai as it sounds, and few are in the dictionary. A
    hyphenated name gets what each of its parts finds."""
    if is_thai(query) or "nonm" in EXP:
        return {}
    names = [m.group() for m in _NAME.finditer(query) if m.group().lower() not in ENGLISH_STOPWORDS]
    parts = {n: [p for p in re.split(r"[-'’]", n) if p] for n in names}
    found = spellings({p for ps in parts.values() for p in ps}, [p.text for ps in pool.passages for p in ps])
    out = {n.lower(): tuple(dict.fromkeys(f for p in ps for f in found.get(p, ()))) for n, ps in parts.items()}
    return {n: f for n, f in out.items() if f}


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




def _sims(pieces: list[Piece], qvec) -> list[float]:
    base = [p.sim for p in pieces]
    if "ctx" not in EXP or qvec is None or any(p.vec is None for p in pieces):
        return base
    vs = np.stack([p.vec for p in pieces])
    out = []
    for k in range(len(pieces)):
        v = vs[max(0, k - 1):k + 2].sum(0)
        c = float(v @ qvec / (np.linalg.norm(v) + 1e-9))
        out.append(EXPW * c + (1 - EXPW) * base[k])
    return out


def _score(pieces: list[Piece], i: int, j: int, lexicon: Lexicon, held: list[list[bool]], ask: Asks,
           rank: int, marked: Sequence[tuple[int, str]], sims: list[float] | None = None) -> float:
    text = " ".join(p.text for p in pieces[i:j + 1])
    best = max(sims[i:j + 1]) if sims is not None else max(p.sim for p in pieces[i:j + 1])
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
    ENGLISH_Q[0] = any(is_thai(f) for _, fs in lexicon.groups for f in fs[:1])
    found: list[Window] = []
    for rank, pieces in enumerate(pool.passages):
        if not pieces:
            continue
        held = [lexicon.holds(p.text) for p in pieces]
        refs = {r.n: r.text for r in pool.hits[rank].footnotes}
        marked = [(pos, refs.get(n, "")) for pos, n in pool.hits[rank].markers]
        best: Window | None = None
        sims = _sims(pieces, pool.qvec) if ("ctx" in EXP and not ENGLISH_Q[0]) else None
        for i, j in _windows(pieces, cap):
            s = _score(pieces, i, j, lexicon, held, ask, rank, marked, sims)
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
        if "m2" in EXP and not whole and not ENGLISH_Q[0]:
            margin = EXPW
        if w.score >= chosen[0].score - margin and len(chosen[0].text) + len(w.text) <= room \
                and w.text not in chosen[0].text and chosen[0].text not in w.text:
            chosen.append(w)
            break
    if len(chosen) == 1 and ask.kind != SOURCE:  # a source question's references follow its one claim
        chosen[0] = grow(chosen[0], pool.passages[chosen[0].cite - 1], int(EXPW) if ("g" in EXP and not ENGLISH_Q[0]) else GROW_CHARS)
    elif len(chosen) == 2 and not whole:  # two windows share the room they were admitted within
        chosen[0] = grow(chosen[0], pool.passages[chosen[0].cite - 1], SECOND_ROOM - len(chosen[1].text) - 1)
        chosen[1] = grow(chosen[1], pool.passages[chosen[1].cite - 1], SECOND_ROOM - len(chosen[0].text) - 1)
    return chosen


def grow(window: Window, pieces: list[Piece], room: int) -> Window:
    """``window`` with the pieces that follow it, then those before it, while it stays within
    ``room`` characters, then as much of the next piece's head as fits (cut at a space, shown
    with "…"). The best-scoring window is the piece that restates the question, and
    the answer is most often the words right after it (a name, a date, what it is called) or,
    less often, right before: the window is read in its context rather than alone."""
    first, last, length = window.first, window.last, len(window.text)
    while last + 1 < len(pieces) and length + 1 + len(pieces[last + 1].text) <= room:
        last += 1
        length += 1 + len(pieces[last].text)
    while first > 0 and length + 1 + len(pieces[first - 1].text) <= room:
        first -= 1
        length += 1 + len(pieces[first].text)
    text = " ".join(p.text for p in pieces[first:last + 1])
    if last + 1 < len(pieces):  # the room left takes the head of the next piece, cut at a space
        nxt = pieces[last + 1].text
        cut = nxt.rfind(" ", 0, room - length - 1)
        if cut >= HEAD_CHARS:
            return Window(cite=window.cite, first=first, last=last, text=text + " " + nxt[:cut].rstrip(" ,;:"),
                          score=window.score, cut_end=True)
    return Window(cite=window.cite, first=first, last=last, text=text, score=window.score)


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


__all__ = ["EXTRACT_PASSAGES", "EXTRACT_SENTENCE_CHARS", "LIST", "ExtractSentence", "Lexicon", "Piece",
           "Pool", "Window", "build_pool", "choose", "extract", "question_lexicon"]
