"""Whether the hits answer the question at all: the relevance gate.

When nothing in the index answers, the answer says so (and still shows the closest passages)
instead of dressing weak matches up as an answer. multilingual-e5 cosines are compressed
(off-topic text still scores 0.74-0.82), Thai questions over Thai text sit higher than English
ones, and where they sit depends on the corpus: no single cosine threshold holds beyond one
document. The gate therefore reads several signals, each relative to something measured
(``signals``):

- ``c1``: the best passage's cosine; ``umax``: the best sentence's, among the top passages;
- ``zc``: how far the best passage stands above what the corpus's passages score on average
  for this question, in standard deviations (rag.answer.corpus.IndexView.spread);
- ``pmax``: how close the question is to one of the probe questions (``data/probes.json``:
  everyday questions on cooking, sport, weather, health, travel, shopping, tech support,
  entertainment..., written for this purpose): an off-topic question resembles them more than
  it resembles any passage;
- ``cov``: the share of the question's words (weighted by their rarity in the corpus) found in
  the top passages or their references; ``dcov``: for a question without Thai, the share of
  its words whose Thai translations (rag.lexical.bilingual) are there;
- ``n_abs`` / ``f_abs``: how many of the question's words (and what share) no passage of the
  corpus holds at all (for a question without Thai: words none of whose translations it holds);
- ``fgap``: how far the first hit's fused score stands above the second's.

A logistic score per question language weighs them (``rag.embed.profiles.GateModel``, fitted by
eval/fit_gate.py on the dev sets of three corpora and our own off-topic questions). Its
threshold is each index's own: ingest asks the index the probe questions and records where
their scores lie (``calibrate``, kept in the manifest); an index without a calibration uses the
model's default thresholds. Probes that this index turns out to answer (an everyday corpus:
recipes, travel) are left out of both the calibration and ``pmax``.

A question about the document as a whole ("What is this paper about?") has nothing else to
match and passes whatever its score (``about_document``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.answer.words import contains, content_terms, query_terms
from rag.embed.profiles import GateModel
from rag.lexical.tokenize import tokenize
from rag.thai.chars import is_thai

if TYPE_CHECKING:
    from rag.answer.corpus import IndexView
    from rag.answer.vectors import Encoder
    from rag.search import Hit

PROBES = Path(__file__).with_name("data") / "probes.json"
GATE_PASSAGES = 3  # the passages whose words count as evidence
CALIBRATION_VERSION = 1

# Words that ask about the document as a whole rather than a topic in it: what it is, who
# wrote it, its parts (summary, conclusion, recommendations) and what it does (argues,
# proposes). "What is this paper about?" or "Summarize the conclusion" have nothing else to
# match, so their cosine to any one passage is low although the documents answer them by
# definition. A question made only of these words (and stop words) is answered whatever its
# score; one more word ("... about pad thai") puts it back under the gate.
DOCUMENT_WORDS = frozenset("""
paper papers article articles document documents report reports study studies essay text
author authors writer writers
summary summaries summarize summarise summarized overview gist abstract outline
conclusion conclusions conclude concludes recommendation recommendations recommend recommends
suggestion suggestions suggest suggests proposal proposals propose proposes argument arguments
argue argues claim claims finding findings takeaway takeaways thesis message
main key point points idea ideas purpose aim aims goal goals objective objectives topic topics
theme themes discuss discusses cover covers give
บทความ เอกสาร รายงาน งานวิจัย ผู้เขียน ผู้แต่ง สรุป ข้อสรุป บทสรุป สรุปว่า ข้อเสนอแนะ เสนอแนะ ข้อเสนอ
ประเด็น ประเด็นหลัก หลัก ใจความ ใจความสำคัญ สาระ สาระสำคัญ สำคัญ เนื้อหา ภาพรวม วัตถุประสงค์
จุดประสงค์ เป้าหมาย ข้อค้นพบ โต้แย้ง
""".split())


def question_language(query: str) -> str:
    """``"th"`` for a question with Thai in it, else ``"en"`` (any other script reads as English)."""
    return "th" if is_thai(query) else "en"


def evidence(query: str, hits: Sequence[Hit]) -> list[str]:
    """The question's content words (numbers aside) that the passages or their references hold."""
    words = [t for t in query_terms(query) if not t.isdigit()]
    if not words or not hits:
        return []
    text = "\n".join(h.text + "\n" + "\n".join(r.text for r in h.footnotes) for h in hits)
    return [t for t in words if contains(text, t)]


def names_only_absent_topic(question: str, signals: dict[str, float]) -> bool:
    """The question names the document ("What does this paper say about pad thai?") and
    otherwise only words that no passage of the corpus holds (nor, for a question without
    Thai, their translations): the document words match any paper's framing, and the topic is
    not in it."""
    if not signals or not DOCUMENT_WORDS.intersection(tokenize(question)):
        return False
    return signals.get("f_abs", 0.0) >= 1.0 and signals.get("cov", 1.0) == 0.0 and signals.get("dcov", 1.0) == 0.0


def about_document(question: str) -> bool:
    """The question names the document or one of its parts and asks nothing else. (Its
    document words are looked for among all its tokens: "paper" is also a stop word.)"""
    tokens = tokenize(question)
    if not DOCUMENT_WORDS.intersection(tokens):
        return False
    return all(t in DOCUMENT_WORDS for t in content_terms(tokens))


# ------------------------------------------------------------------ probes


@dataclass(frozen=True)
class Probes:
    """The probe questions (everyday, off-topic for documents of other kinds) and their vectors."""

    texts: tuple[str, ...]
    langs: tuple[str, ...]
    vectors: np.ndarray
    fingerprint: str

    def nearest(self, qvec: np.ndarray, skip: frozenset[int] = frozenset()) -> float:
        """The question's best cosine to a probe (``skip``: probes left out)."""
        sims = self.vectors @ np.asarray(qvec, dtype=np.float32)
        if skip:
            sims = sims.copy()
            sims[list(skip)] = -1.0
        return float(sims.max()) if len(sims) else 0.0


@lru_cache(maxsize=1)
def probe_texts() -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """The probe questions, their languages, and a fingerprint of the file."""
    raw = PROBES.read_bytes()
    data = json.loads(raw)
    texts = tuple(q for lang in ("th", "en") for q in data[lang])
    langs = tuple(lang for lang in ("th", "en") for _ in data[lang])
    return texts, langs, hashlib.sha256(raw).hexdigest()[:16]


def load_probes(model: GateModel, encoder: Encoder) -> Probes:
    """The probes with their vectors: shipped with the model's gate, else encoded now."""
    texts, langs, fingerprint = probe_texts()
    vectors = model.stored_probe_vectors(fingerprint)
    if vectors is None or len(vectors) != len(texts):
        vectors = np.asarray(encoder.encode_queries(list(texts)), dtype=np.float32)
    return Probes(texts=texts, langs=langs, vectors=vectors, fingerprint=fingerprint)


# ------------------------------------------------------------------ signals


def signals(query: str, hits: Sequence[Hit], qvec: np.ndarray, view: IndexView, probes: Probes,
            sentence_sims: np.ndarray | None = None, skip: frozenset[int] = frozenset()) -> dict[str, float]:
    """The gate's signals for one question (see the module docstring). ``sentence_sims``: the
    question's cosines to the sentences of the top passages (the extract's pool), when known."""
    measured = [h.similarity for h in hits if h.similarity is not None]
    c1 = max(measured) if measured else 0.0
    umax = max(c1, float(np.max(sentence_sims))) if sentence_sims is not None and len(sentence_sims) else c1
    mean, std = view.spread(qvec)
    top = hits[:GATE_PASSAGES]
    blob = "\n".join(h.text + "\n" + "\n".join(r.text for r in h.footnotes) for h in top)
    terms = [t for t in query_terms(query) if not t.isdigit()]
    weights = [view.idf(t) for t in terms]
    total = sum(weights)
    cov = sum(w for t, w in zip(terms, weights, strict=True) if contains(blob, t)) / total if total > 0 else 0.0
    dcov = 0.0
    if is_thai(query):
        thai_terms = [t for t in terms if is_thai(t)]
        absent = [t for t in thai_terms if view.document_frequency(t) == 0]
        n_words = len(thai_terms)
    else:
        groups = [thai for _, thai in view.dictionary.translate(query) if thai]
        rarity = [view.rarest(thai) for thai in groups]
        if sum(rarity) > 0:
            dcov = sum(w for thai, w in zip(groups, rarity, strict=True) if any(t in blob for t in thai)) / sum(rarity)
        absent = [thai for thai in groups if all(view.document_frequency(t) == 0 for t in thai)]
        n_words = len(groups)
    fgap = float(hits[0].score - hits[1].score) if len(hits) > 1 else float(hits[0].score) if hits else 0.0
    return {"c1": c1, "umax": umax, "zc": (c1 - mean) / std, "pmax": probes.nearest(qvec, skip), "cov": cov,
            "dcov": dcov, "n_abs": float(len(absent)), "f_abs": len(absent) / n_words if n_words else 0.0,
            "fgap": fgap}


# ------------------------------------------------------------------ calibration


def model_fingerprint(model: GateModel) -> str:
    """What the scores a calibration placed its thresholds on depend on: the signals and their
    weights per language (a refitted gate scores on another scale, so an index's recorded
    thresholds no longer mean anything)."""
    raw = {"features": list(model.features),
           "languages": {k: asdict(v) for k, v in sorted(model.languages.items())}}
    return hashlib.sha256(json.dumps(raw, sort_keys=True).encode("utf-8")).hexdigest()[:16]


@dataclass
class Calibration:
    """Where one index's gate stands: the least score that answers, per question language,
    placed on the scores its probe questions get (``calibrate``); ``answered_probes``: probes
    this index answers, left out of ``pmax``. Kept in the index's manifest."""

    thresholds: dict[str, float]
    answered_probes: list[int] = field(default_factory=list)
    probe_scores: dict[str, dict[str, float]] = field(default_factory=dict)  # per language: summary
    probes: str = ""  # fingerprint of the probe file it was measured with
    model: str = ""  # fingerprint of the gate model whose scores it placed (model_fingerprint)
    version: int = CALIBRATION_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "probes": self.probes, "model": self.model, "thresholds": self.thresholds,
                "answered_probes": self.answered_probes, "probe_scores": self.probe_scores}

    @staticmethod
    def from_dict(raw: Any, probes: str, model: str = "") -> Calibration | None:
        """The calibration an index recorded, if it is one this version reads, measured with
        the same probes and, where it names one, placed on the same gate model's scores (one
        that names none predates the check and is read as before); else None (the model's
        default thresholds apply until ``eval/fit_gate.py calibrate`` places them again)."""
        try:
            if raw["version"] != CALIBRATION_VERSION or raw["probes"] != probes:
                return None
            if raw.get("model") and model and raw["model"] != model:
                return None
            return Calibration(thresholds={k: float(v) for k, v in raw["thresholds"].items()},
                               answered_probes=[int(i) for i in raw.get("answered_probes", [])],
                               probe_scores=dict(raw.get("probe_scores", {})), probes=probes,
                               model=str(raw.get("model") or ""))
        except (KeyError, TypeError, ValueError):
            return None


def answered(c1: np.ndarray) -> np.ndarray:
    """Which probes an index answers: those whose best passage stands far above the other
    probes' (a robust z-score over 4: a corpus about cooking answers the cooking probes)."""
    med = float(np.median(c1))
    mad = float(np.median(np.abs(c1 - med))) * 1.4826 or 1e-6
    return (c1 - med) / mad > 4.0


def place_threshold(model: GateModel, lang: str, scores: np.ndarray) -> float:
    """The threshold for one language from its probes' scores: a high quantile of them plus a
    margin, kept within ``spread`` of the model's default."""
    cal = model.calibration
    default = model.languages[lang].threshold
    if len(scores) < cal.get("min_probes", 20):
        return default
    placed = float(np.quantile(scores, cal["quantile"])) + cal["margin"]
    return float(np.clip(placed, default - cal["spread"], default + cal["spread"]))


@dataclass
class Gate:
    """One opened index's relevance gate: the model's weights, the probes, what the answer
    reads of the index, and the index's calibration (None: the model's default thresholds)."""

    model: GateModel
    probes: Probes
    view: IndexView
    calibration: Calibration | None = None

    @property
    def skip(self) -> frozenset[int]:
        return frozenset(self.calibration.answered_probes) if self.calibration else frozenset()

    def threshold(self, lang: str) -> float:
        if self.calibration is not None and lang in self.calibration.thresholds:
            return self.calibration.thresholds[lang]
        return self.model.languages[lang].threshold

    def judge(self, text: str, hits: Sequence[Hit], qvec: np.ndarray, sentence_sims: np.ndarray | None = None,
              skip: frozenset[int] | None = None) -> tuple[float, float, dict[str, float]]:
        """The gate's score for a question (``text``: as searched, with a follow-up's earlier
        question), the threshold it must reach, and the signals it weighed."""
        lang = question_language(text)
        measured = signals(text, hits, qvec, self.view, self.probes, sentence_sims,
                           self.skip if skip is None else skip)
        return self.model.score(lang, measured), self.threshold(lang), measured
