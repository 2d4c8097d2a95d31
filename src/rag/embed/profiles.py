"""Settings that belong to an embedding model, not to the code: how search mixes its scores
and how the answer's relevance gate weighs its signals both depend on the model's score scale
(multilingual-e5 cosines are compressed: off-topic text still scores 0.74-0.82).

The default model's values were chosen on the dev sets (docs/retrieval.md, docs/answers.md;
eval/tune_fusion.py re-measures the fusion, eval/fit_gate.py fits the gate and writes
``data/gate-e5-small.json`` and the probe vectors beside it). Another model gets the same
fusion as a starting point, marked untuned, and the default model's gate with its own probe
vectors (encoded when the index is opened); each index calibrates the gate's threshold on its
own corpus (rag.answer.gate).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed.base import DEFAULT_MODEL, Terms

DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class GateWeights:
    """A logistic score over the gate's signals for one question language: each signal is
    centred and scaled (``mean``, ``scale``), then weighted (``coef``) and summed with the
    ``intercept``. ``threshold``: the least score that answers, where the index has no
    calibration of its own."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def score(self, values: tuple[float, ...]) -> float:
        x = (np.asarray(values, dtype=np.float64) - np.asarray(self.mean)) / np.asarray(self.scale)
        return float(x @ np.asarray(self.coef) + self.intercept)


@dataclass(frozen=True)
class GateModel:
    """The relevance gate of one model: which signals (``features``, rag.answer.gate), their
    weights per question language (``"th"``: a question with Thai in it; ``"en"``: one
    without), how an index places its thresholds on its probe questions (``calibration``),
    and the probe questions' vectors under this model (``probe_vectors``: a ``.npy`` beside
    the JSON, valid for the probe texts with ``probe_fingerprint``), with the English probes'
    latent terms (``probe_terms``: a ``.npz``, valid for the head ``probe_terms_head``): every
    ingest asks the probes, and encoding their terms was most of its cost."""

    features: tuple[str, ...]
    languages: dict[str, GateWeights]
    calibration: dict[str, float]
    probe_vectors: str | None = None
    probe_fingerprint: str | None = None
    probe_terms: str | None = None
    probe_terms_head: str | None = None

    def score(self, lang: str, signals: dict[str, float]) -> float:
        return self.languages[lang].score(tuple(float(signals[f]) for f in self.features))

    def stored_probe_vectors(self, fingerprint: str) -> np.ndarray | None:
        """The shipped probe vectors, if they are those of the probe texts with ``fingerprint``."""
        if not self.probe_vectors or fingerprint != self.probe_fingerprint:
            return None
        path = DATA / self.probe_vectors
        if not path.is_file():
            return None
        return np.asarray(np.load(path, allow_pickle=False), dtype=np.float32)

    def stored_probe_terms(self, fingerprint: str, head: str | None) -> dict[str, Terms]:
        """The shipped latent terms of the English probes by text, if they were made by the
        latent head ``head`` from the probe texts with ``fingerprint`` (else none)."""
        if not self.probe_terms or head is None or head != self.probe_terms_head \
                or fingerprint != self.probe_fingerprint:
            return {}
        path = DATA / self.probe_terms
        if not path.is_file():
            return {}
        with np.load(path, allow_pickle=False) as z:
            texts, offsets = [str(t) for t in z["texts"]], z["offsets"]
            indices, values = z["indices"], z["values"]
        return {t: (indices[offsets[i]:offsets[i + 1]].astype(np.int32), values[offsets[i]:offsets[i + 1]].astype(np.float32))
                for i, t in enumerate(texts)}

    @staticmethod
    def from_dict(raw: dict[str, Any]) -> GateModel:
        langs = {k: GateWeights(mean=tuple(v["mean"]), scale=tuple(v["scale"]), coef=tuple(v["coef"]),
                                intercept=float(v["intercept"]), threshold=float(v["threshold"]))
                 for k, v in raw["languages"].items()}
        return GateModel(features=tuple(raw["features"]), languages=langs,
                         calibration={k: float(v) for k, v in raw["calibration"].items()},
                         probe_vectors=raw.get("probe_vectors"), probe_fingerprint=raw.get("probe_fingerprint"),
                         probe_terms=raw.get("probe_terms"), probe_terms_head=raw.get("probe_terms_head"))


@lru_cache(maxsize=4)
def load_gate(name: str) -> GateModel:
    """A gate model shipped in ``data/`` (written by eval/fit_gate.py)."""
    return GateModel.from_dict(json.loads((DATA / name).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Profile:
    """One model's search and answer settings.

    ``fusion``: the weights of rag.search's score fusion, by field name (chunk/pair/sentence
    shares of the dense score; BM25, latent-term, trigram and dictionary shares by the
    question's script; candidate depths). ``gate``: the file of the answer's relevance gate
    (``load_gate``).
    """

    fusion: dict[str, float] = field(default_factory=dict)
    gate_file: str = "gate-e5-small.json"
    tuned: bool = True

    @property
    def gate(self) -> GateModel:
        return load_gate(self.gate_file)


E5_SMALL = Profile(
    fusion={
        "chunk_share": 0.3, "window_share": 0.35,
        "bm25_thai": 0.1, "bm25_other": 0.05,
        "latent_thai": 0.0, "latent_other": 0.25,
        "trigram_thai": 0.3, "trigram_other": 0.0, "trigram_depth": 20,
        "dictionary_other": 0.2, "dictionary_depth": 30,
        "depth": 50,
    },
)
PROFILES: dict[str, Profile] = {DEFAULT_MODEL: E5_SMALL}


def profile_for(model_id: str) -> Profile:
    """The settings for ``model_id``: its own where it was tuned, else the default model's,
    marked untuned."""
    known = PROFILES.get(model_id)
    if known is not None:
        return known
    return Profile(fusion=dict(E5_SMALL.fusion), gate_file=E5_SMALL.gate_file, tuned=False)
