"""The gate's shipped probe data is what the default model makes of the probe texts: an ingest's
calibration reads it instead of encoding (rag.answer.calibrate.ProbeEmbedder), so a stale file
would move every index's thresholds without a word."""

from __future__ import annotations

import numpy as np

from rag.answer.gate import probe_texts
from rag.embed import DEFAULT_MODEL, latent_id, latent_terms, load_embedder
from rag.embed.profiles import profile_for


def test_shipped_probe_terms_and_vectors_are_the_default_models() -> None:
    texts, langs, fingerprint = probe_texts()
    emb = load_embedder(DEFAULT_MODEL)
    gate = profile_for(DEFAULT_MODEL).gate
    terms = gate.stored_probe_terms(fingerprint, latent_id(emb))
    english = [t for t, lang in zip(texts, langs, strict=True) if lang == "en"]
    assert set(terms) == set(english) and english
    for text in english[:: max(1, len(english) // 12)]:  # a dozen, spread over the list
        idx, val = latent_terms(emb).encode_query_latent(text)
        assert np.array_equal(terms[text][0], idx) and np.allclose(terms[text][1], val, atol=1e-6), text
    vectors = gate.stored_probe_vectors(fingerprint)
    assert vectors is not None and len(vectors) == len(texts)
    fresh = emb.encode_queries([texts[0], texts[-1]])
    assert np.allclose(vectors[[0, -1]], fresh, atol=2e-3)  # stored as float16
    # another head's terms are not taken for these
    assert gate.stored_probe_terms(fingerprint, "another-head") == {}
