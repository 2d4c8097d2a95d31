"""The citation check: every sentence of a generated answer must cite a passage and be backed
by it, or it is not shown.

A sentence is supported when

1. it cites at least one passage that exists ([n], [n][m], [n, m]);
2. its meaning is close to one of the cited passages' own sentences: the cosine, in the
   index's own embedder (multilingual, so an English sentence is measured against Thai text),
   between the sentence (as a query) and the best sentence of the cited passages (as
   passages, the vectors the extract already cached) is at least the threshold for a sentence
   in the passage's language or in the other one, calibrated on the dev sets
   (eval/bench_check.py, docs/answers.md);
3. no passage it does not cite is clearly closer to it (``OTHER_MARGIN``): a claim put under
   the wrong number;
4. a Thai sentence over Thai passages keeps their words: at least ``THAI_COVERAGE`` of its
   content words (rag.lexical tokens less stop words and question words) are in the cited
   passages. A model answering in the passages' own language copies their words; a claim
   the passages do not make brings its own (ห้าม "forbid", ยกเลิก "abolish"), which the
   sentence vectors, close on topic, let through. Across languages the dictionary's one
   sense per word is too narrow for such a test (a faithful English paraphrase of a Thai
   passage keeps as few as a third of its words in translation), so there the similarity
   decides alone;
5. every number (Thai digits read as Arabic ones, a Buddhist-era year as its Common-era one
   and back; in an English sentence a count written as a word too, "eight":
   rag.generate.numbers) and every Latin-script name in it is in the cited passages or the
   references they cite: as written, or in Thai text as the dictionary's Thai word for it or
   in Thai letters that sound like it (rag.lexical.names: Peyton Manning is เพย์ตัน แมนนิง,
   Finnish is ฟินแลนด์). In an English sentence a capitalised word the dictionary knows that
   is not a name by it (Ministry, Bush ไม้พุ่ม: no transliteration, no country) may translate
   the passage's own word, so it is left to the similarity; its names (George จอร์จ, Vietnam,
   Kerry, OFAC) must be there, and so must the kind of an organisation it names (the
   Ministry of ...: กระทรวง) and, in a Thai sentence, a name in Thai letters
   (rag.generate.entities). A Latin name a Thai sentence carries counts as held in its word
   coverage (4);
6. a word that turns the topic into a claim of its own (should, abolished, banned, the largest,
   reduces, irrelevant; ควร, ยกเลิก, ห้าม, ที่สุด, ลด) has a word of its class somewhere in the
   cited passages (rag.generate.markers): the similarity reads topic more than assertion, so
   an invented recommendation or reversal on the passage's own subject passes it.

The choice for what fails: the sentence is dropped, and the answer says how many were left
out (rag.answer renders it). When fewer than half of the sentences hold, or none does, the
generated answer is withheld and the quoted extract stands alone.

Sentences: the generated text is split with rag.thai.sentences; a citation that follows a
full stop is moved before it ("... claim. [1]" is "... claim [1]."), and a Thai clause with no
citation and no full stop joins the next one (the splitter cuts Thai at spaces, and the
citation at a claim's end covers its clauses).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.answer import Encoder, GeneratedSentence, Passage, query_terms
from rag.generate.entities import (
    LATIN_WORD,
    kind_held,
    latin_names,
    load_name_lists,
    missing_thai_names,
    organisation_kinds,
)
from rag.generate.markers import unbacked_markers
from rag.generate.numbers import number_backed, numbers_in, unbacked_number_words
from rag.lexical.bilingual import Dictionary
from rag.lexical.names import ThaiNames
from rag.lexical.tokenize import QUESTION_WORDS, tokenize
from rag.search import Hit
from rag.thai.chars import is_thai
from rag.thai.sentences import split_sentences

# Cosine a sentence needs to the best sentence of a passage it cites, for a sentence in the
# passage's language and in the other one; each the lowest that rejects 95 % of statements
# paired with another paragraph of the same article on XQuAD-th dev (eval/bench_check.py,
# eval/results/check.md), then read on the shipped article.
SAME_LANGUAGE_THRESHOLD = 0.87
CROSS_LANGUAGE_THRESHOLD = 0.80
# A sentence closer by this much to a passage it does not cite than to the one it cites is that
# other passage's claim: a generated answer's usual slip (overlapping chunks repeat sentences,
# so a tie is no slip).
OTHER_MARGIN = 0.02
# Share of a Thai sentence's content words that must be in the Thai passages it cites: the
# lowest that keeps 95 % of XQuAD-th dev statements (question + answer) against their gold
# paragraph (eval/bench_check.py; it rejects 94.5 % against another paragraph of the article).
THAI_COVERAGE = 0.6
MIN_KEPT_SHARE = 0.5  # below this share of supported sentences the quoted answer is shown instead
_CITE = re.compile(r"\[\s*(\d+(?:\s*[,;–-]\s*\d+)*)\s*\]")
_CITES = re.compile(rf"(?:\s*{_CITE.pattern})+")
_MOVE_CITE = re.compile(rf"([.!?。])((?:\s*{_CITE.pattern})+)")
_ENDS_CITED = re.compile(rf"{_CITE.pattern}\s*$")
_AFTER_CITE_THAI = re.compile(rf"((?:{_CITE.pattern}\s*)+)\s+(?=[\u0E01-\u0E5B])")
# "... claim [1], while another [2]." is two claims, each with its citation
_AFTER_CITE_CLAUSE = re.compile(rf"((?:{_CITE.pattern})+)\s*[,;]\s+(?=\w)")
_LATIN_TEXT = re.compile(r"[A-Za-z0-9&'’ -]+")


def cites_of(text: str) -> list[int]:
    """Passage numbers cited in ``text``, in order, once each ("[2-4]" is 2, 3, 4)."""
    out: list[int] = []
    for m in _CITE.finditer(text):
        for part in re.split(r"\s*[,;]\s*", m.group(1)):
            ends = [int(x) for x in re.split(r"\s*[–-]\s*", part)]
            lo, hi = ends[0], ends[-1]
            out += [n for n in range(lo, min(hi, lo + 20) + 1) if n not in out]
    return out


def strip_cites(text: str) -> str:
    return " ".join(_CITES.sub(" ", text).split())


def claim_text(sentence: str) -> str:
    """What is encoded of a generated sentence: its words without citations or the final stop
    (so a sentence encoded when its citation came is the same text once its stop follows)."""
    return strip_cites(sentence).rstrip(" .!?;:,")


def split_generated(text: str) -> list[str]:
    """The generated answer's sentences, each with the citations that close it."""
    text = _MOVE_CITE.sub(lambda m: f" {m.group(2).strip()}{m.group(1)}", text.strip())
    text = _AFTER_CITE_THAI.sub(lambda m: m.group(1).rstrip() + "\n", text)
    text = _AFTER_CITE_CLAUSE.sub(lambda m: m.group(1) + "\n", text)
    pieces = [s.text for s in split_sentences(text, min_chars=8)]
    out: list[str] = []
    pending = ""
    for piece in pieces:
        piece = f"{pending} {piece}".strip() if pending else piece
        pending = ""
        if not cites_of(piece) and is_thai(piece) and not re.search(r"[.!?]\s*$", piece):
            pending = piece
            continue
        out.append(piece)
    if pending:
        out.append(pending)
    return [s for s in out if strip_cites(s).strip(" .,;:!?")]


@dataclass
class Evidence:
    """What the cited passages hold, read once per passage."""

    text: str  # passage and cited references, lower-cased
    latin: str  # its Latin-script words, lower-cased, space-separated
    numbers: set[str]
    sentences: list[str]
    thai: bool  # the passage is Thai text
    key: str = ""  # the chunk's id, under which its romanised words are kept (rag.lexical.names)
    words: str = ""  # its tokens run together, read by ``content_coverage`` when first needed
    tokens: tuple[str, ...] = ()  # its tokens, read when first needed

    def tokenized(self) -> tuple[str, ...]:
        """Its tokens (rag.lexical), read once."""
        if not self.tokens:
            self.tokens = tuple(tokenize(self.text))
        return self.tokens


def content_words(sentence: str) -> list[str]:
    """The words of ``sentence`` that carry its claim: its terms as the answer reads a
    question's (rag.answer.query_terms: no stop words, particles, single letters or short
    numbers, which the number test checks), less question words."""
    return [t for t in query_terms(sentence) if t not in QUESTION_WORDS]


def content_coverage(sentence: str, evs: Sequence[Evidence], held: frozenset[str] = frozenset()
                     ) -> tuple[float, list[str]]:
    """The share of the sentence's content words that the passages hold (a word may sit inside
    one of their compounds, or be one of ``held``: Latin names the name test found, perhaps in
    Thai letters), and the words they do not."""
    words = content_words(sentence)
    if not words:
        return 1.0, []
    for e in evs:
        if not e.words:
            e.words = "".join(e.tokenized())
    missing = [w for w in words if w not in held and not any(w in e.words for e in evs)]
    return 1 - len(missing) / len(words), missing


@dataclass
class CitationChecker:
    """Checks generated sentences against numbered passages with an index's embedder.

    The passages' sentences are read from the index when ``stored`` has them (ingest embedded
    every chunk's sentences; rag.answer.IndexView.sentence_vectors_of), so only the generated
    sentences are encoded; ``prepare`` encodes those already complete while the model is still
    writing, so the check after its last token encodes one sentence at most."""

    encoder: Encoder
    stored: Callable[[Hit], np.ndarray | None] | None = None
    same_language: float = SAME_LANGUAGE_THRESHOLD
    cross_language: float = CROSS_LANGUAGE_THRESHOLD
    dictionary: Dictionary | None = None
    names: ThaiNames | None = None
    _evidence: dict[str, Evidence] = field(default_factory=dict)
    _passage_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _query_vectors: dict[str, np.ndarray] = field(default_factory=dict)

    def prepare(self, text: str) -> None:
        """Encode the cited sentences of ``text``, an answer still being written, that are
        complete: all but its last piece, and that one too once a citation closes it (what
        follows a claim's citation is mostly its full stop). What the final split cuts
        otherwise is encoded then."""
        self.thai_names()
        pieces = split_generated(text)
        done = pieces if pieces and _ENDS_CITED.search(pieces[-1]) else pieces[:-1]
        self.query_vectors([claim_text(s) for s in done if cites_of(s)])

    def query_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The generated sentences' vectors (as queries), each encoded once."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in self._query_vectors]
        if missing:
            for t, v in zip(missing, self.encoder.encode_queries(missing), strict=True):
                self._query_vectors[t] = np.asarray(v, dtype=np.float32)
        return np.stack([self._query_vectors[t] for t in texts])

    def passage_vectors(self, passage: Passage) -> np.ndarray:
        """The vectors of a passage's sentences: stored in the index, or encoded when the
        passage is not a chunk of it as stored."""
        key = passage.hit.chunk_id
        if key not in self._passage_vectors:
            sentences = self.evidence(passage).sentences
            found = self.stored(passage.hit) if self.stored is not None else None
            if found is None or len(found) != len(sentences):
                found = self.encoder.encode_passages(sentences)
            self._passage_vectors[key] = np.asarray(found, dtype=np.float32)
        return self._passage_vectors[key]

    def evidence(self, passage: Passage) -> Evidence:
        hit = passage.hit
        key = hit.chunk_id
        if key not in self._evidence:
            full = "\n".join([hit.text, *(r.text for r in hit.footnotes)])
            latin = " ".join(w.lower() for w in LATIN_WORD.findall(full))
            self._evidence[key] = Evidence(
                text=full.lower(), latin=f" {latin} ", numbers=numbers_in(full),
                sentences=[s.text for s in split_sentences(hit.text)] or [hit.text], thai=is_thai(hit.text),
                key=key)
        return self._evidence[key]

    def missing_names(self, run: list[str], evs: Sequence[Evidence], thai_sentence: bool) -> list[str]:
        """The words of a name run the passages do not hold: in Latin script (a plural "s" or a
        possessive aside), or in a Thai passage as the dictionary's Thai word or by sound
        (rag.lexical.names). In an English sentence a capitalised word that is not a name by
        the dictionary (Ministry, Bush) may translate the Thai text's own word and is not
        asked for; in a Thai sentence every capitalised Latin word is."""
        latin = " ".join(e.latin for e in evs)
        covered: set[int] = set()
        for n in range(len(run), 0, -1):
            for i in range(len(run) - n + 1):
                phrase = " ".join(w.lower() for w in run[i:i + n])
                forms = {phrase, phrase.removesuffix("'s"), phrase.removesuffix("’s"), phrase.removesuffix("s")}
                if any(f and f" {f} " in latin for f in forms):
                    covered |= set(range(i, i + n))
        names = self.thai_names()
        # in an English sentence a common word may translate the passage's own (left to the
        # similarity); a name must be there in Thai
        if not thai_sentence:
            covered |= {i for i, w in enumerate(run) if i not in covered and not names.is_name(w)}
        thai = [e for e in evs if e.thai]
        for n in range(len(run), 0, -1):
            for i in range(len(run) - n + 1):
                span = set(range(i, i + n))
                if thai and not span & covered and any(names.found(run[i:i + n], e.key, e.text) for e in thai):
                    covered |= span
        return [run[i] for i in range(len(run)) if i not in covered]

    def thai_names(self) -> ThaiNames:
        """The name finder (its dictionaries read once per checker; ``prepare`` makes it while
        the model writes)."""
        if self.dictionary is None:
            self.dictionary = Dictionary.load()
        if self.names is None:
            self.names = ThaiNames(self.dictionary)
            load_name_lists()
        return self.names

    def check_sentence(self, sentence: str, passages: Sequence[Passage], sim: float | None,
                       other: float | None = None, other_n: int | None = None) -> GeneratedSentence:
        cites = cites_of(sentence)
        by_n = {p.n: p for p in passages}
        text = strip_cites(sentence)
        if not cites:
            return GeneratedSentence(text=sentence, cites=[], supported=False, why="no citation")
        if any(n not in by_n for n in cites):
            return GeneratedSentence(text=sentence, cites=cites, supported=False, why="cites no such passage")
        evs = [self.evidence(by_n[n]) for n in cites]
        where = "".join(f"[{n}]" for n in cites)
        have = set().union(*(e.numbers for e in evs))
        cited = "\n".join(e.text for e in evs)
        for num in sorted(numbers_in(text)):
            if not number_backed(num, have, cited):
                return GeneratedSentence(sentence, cites, False, f"{num} not in {where}", sim)
        if not is_thai(text):
            unbacked = unbacked_number_words(text, have, cited)
            if unbacked:
                return GeneratedSentence(sentence, cites, False, f"{unbacked[0]} not in {where}", sim)
        names: set[str] = set()
        for run in latin_names(text):
            missing = self.missing_names(run, evs, is_thai(text))
            if missing:
                return GeneratedSentence(sentence, cites, False, f"{' '.join(missing)} not in {where}", sim)
            names.update(w.lower() for w in run)
        if not is_thai(text):
            for kind in organisation_kinds(text):
                if not any(kind_held(kind, e.latin, e.tokenized()) for e in evs):
                    return GeneratedSentence(sentence, cites, False, f"{kind} not in {where}", sim)
        if is_thai(text) and all(e.thai for e in evs):
            share, missing = content_coverage(text, evs, frozenset(names))
            unheld = missing_thai_names(missing, [e.text for e in evs],
                                        [self.thai_names().sounds(e.key, e.text) for e in evs])
            if unheld:
                return GeneratedSentence(sentence, cites, False, f"{unheld[0]} not in {where}", sim)
            if share < THAI_COVERAGE:
                return GeneratedSentence(sentence, cites, False, f"{' '.join(missing[:4])} not in {where}", sim)
        unbacked = unbacked_markers(text, cited)
        if unbacked:
            return GeneratedSentence(sentence, cites, False, f"{unbacked[0].word} not in {where}", sim)
        if sim is None or sim < self.threshold_for(text, [by_n[n] for n in cites]):
            return GeneratedSentence(sentence, cites, False, f"not in {where}", sim)
        if other is not None and other > sim + OTHER_MARGIN:
            return GeneratedSentence(sentence, cites, False, f"closer to [{other_n}] than to {where}", sim)
        return GeneratedSentence(sentence, cites, True, "", sim)

    def threshold_for(self, sentence: str, cited: Sequence[Passage]) -> float:
        """Same-language pairs score higher than cross-lingual ones in the embedder's space:
        each has its own calibrated threshold."""
        same = any(is_thai(sentence) == is_thai(p.hit.text) for p in cited)
        return self.same_language if same else self.cross_language

    def similarities(self, sentences: Sequence[str], passages: Sequence[Passage]
                     ) -> list[tuple[float | None, float | None, int | None]]:
        """For each sentence: its cosine to the best sentence of the passages it cites, and to
        the best sentence of a passage it does not cite, with that passage's number (None
        when it cites no passage that exists)."""
        by_n = {p.n: p for p in passages}
        cited = [[n for n in cites_of(s) if n in by_n] for s in sentences]
        asked = [i for i, c in enumerate(cited) if c and claim_text(sentences[i])]
        out: list[tuple[float | None, float | None, int | None]] = [(None, None, None)] * len(sentences)
        if not asked or not passages:
            return out
        qv = self.query_vectors([claim_text(sentences[i]) for i in asked])
        for qi, i in enumerate(asked):
            best = {p.n: float((self.passage_vectors(p) @ qv[qi]).max()) for p in passages}
            own = max(best[n] for n in cited[i])
            others = [(v, n) for n, v in best.items() if n not in cited[i]]
            other, other_n = max(others) if others else (None, None)
            out[i] = (own, other, other_n)
        return out

    def check(self, text: str, passages: Sequence[Passage]) -> tuple[list[GeneratedSentence], float]:
        """The verdict on each sentence of ``text``, and the check's time in ms."""
        t0 = time.perf_counter()
        sentences = split_generated(text)
        sims = self.similarities(sentences, passages)
        out = [self.check_sentence(s, passages, *sim) for s, sim in zip(sentences, sims, strict=True)]
        return out, (time.perf_counter() - t0) * 1000


def enough(sentences: Sequence[GeneratedSentence]) -> bool:
    """Whether the supported sentences are enough to show the generated answer."""
    kept = sum(s.supported for s in sentences)
    return kept > 0 and kept >= MIN_KEPT_SHARE * len(sentences)
