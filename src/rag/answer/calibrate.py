"""Placing an index's relevance gate on its own corpus: the probe questions (rag.answer.gate,
``data/probes.json``) are asked of the index as any question is, and the gate's threshold for
each question language goes just above where their scores lie
(rag.answer.gate.place_threshold). Probes the index turns out to answer are left out
(rag.answer.gate.answered). Run by ingest on the index it has just built; the result is kept in
the manifest (a Milvus store: its gate row), where ``rag.api.Assistant`` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer.corpus import IndexView
from rag.answer.extract import build_pool
from rag.answer.gate import (
    Calibration,
    Gate,
    answered,
    load_probes,
    model_fingerprint,
    place_threshold,
    probe_texts,
)
from rag.embed import CachedEmbedder, Embedder, Terms, latent_id, load_embedder_for
from rag.embed.profiles import profile_for
from rag.index.stores import open_store
from rag.search import Searcher


class ProbeEmbedder:
    """An embedder that knows the probes' vectors and the English probes' latent terms already
    (shipped with the model's gate), so calibrating asks the encoder only for what it has not."""

    def __init__(self, inner: Embedder, known: dict[str, np.ndarray],
                 known_terms: dict[str, Terms] | None = None) -> None:
        self.inner = inner
        self.known = known
        self.known_terms = known_terms or {}

    def __getattr__(self, name: str) -> Any:
        if name in ("inner", "known", "known_terms"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.known]
        fresh = dict(zip(missing, self.inner.encode_queries(missing), strict=True)) if missing else {}
        return np.stack([self.known[t] if t in self.known else fresh[t] for t in texts]).astype(np.float32)

    def encode_query_and_latent(self, text: str) -> tuple[np.ndarray, Any]:
        if text in self.known:
            terms = self.known_terms.get(text)
            return self.known[text], terms if terms is not None else self.inner.encode_query_latent(text)
        return self.inner.encode_query_and_latent(text)


def open_for_calibration(index: Path | str) -> Searcher:
    """A searcher over ``index`` (an embedded index's folder, or a store URI) whose encoder
    reads the shipped probe vectors."""
    store = open_store(index)
    stored = store.manifest()["model"]
    inner = CachedEmbedder(load_embedder_for(stored["id"], stored["vector_space"]), maxsize=512)
    texts, _, fingerprint = probe_texts()
    vectors = profile_for(stored["id"]).gate.stored_probe_vectors(fingerprint)
    known = dict(zip(texts, vectors, strict=True)) if vectors is not None and len(vectors) == len(texts) else {}
    terms = profile_for(stored["id"]).gate.stored_probe_terms(fingerprint, latent_id(inner))
    return Searcher(store, embedder=ProbeEmbedder(inner, known, terms), verify=False)  # type: ignore[arg-type]


def gate_for(searcher: Searcher, view: IndexView | None = None, calibrated: bool = True) -> Gate:
    """The gate of an opened index: its model's weights and probes, and its calibration when
    it has one (``calibrated``) that was measured with these probes."""
    model = profile_for(searcher.manifest["model"]["id"]).gate
    probes = load_probes(model, searcher.embedder)
    gate = Gate(model=model, probes=probes, view=view or IndexView(searcher))
    raw = searcher.manifest.get("calibration")
    if calibrated and raw is not None:
        gate.calibration = Calibration.from_dict(raw, probes.fingerprint, model_fingerprint(model))
    return gate


def calibrate(searcher: Searcher) -> Calibration:
    """Ask the probes of the index behind ``searcher`` and place the gate's thresholds."""
    gate = gate_for(searcher, calibrated=False)
    probes = gate.probes
    results = [searcher.search(text, k=5) for text in probes.texts]
    langs = np.array(probes.langs)
    c1 = np.array([max((h.similarity or 0.0 for h in r.hits), default=0.0) for r in results])
    held = np.zeros(len(results), dtype=bool)
    for lang in set(probes.langs):
        held[langs == lang] = answered(c1[langs == lang])
    skip = frozenset(np.flatnonzero(held).tolist())
    scores = np.full(len(results), np.nan)
    for i, r in enumerate(results):
        if held[i] or not r.hits or r.qvec is None:
            continue
        pool = build_pool(r.hits, r.qvec, gate.view.sentence_vectors_of, None)
        scores[i] = gate.judge(r.query, r.hits, r.qvec, pool.sims, skip=skip | {i})[0]
    thresholds, summary = {}, {}
    for lang in gate.model.languages:
        mine = scores[(langs == lang) & ~np.isnan(scores)]
        thresholds[lang] = round(place_threshold(gate.model, lang, mine), 4)
        if len(mine):
            summary[lang] = {"n": int(len(mine)), "mean": round(float(mine.mean()), 4),
                             "std": round(float(mine.std()), 4), "max": round(float(mine.max()), 4)}
    return Calibration(thresholds=thresholds, answered_probes=sorted(skip), probe_scores=summary,
                       probes=probes.fingerprint, model=model_fingerprint(gate.model))
