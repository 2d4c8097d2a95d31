"""Settings that belong to an embedding model, not to the code: how search mixes its scores
and where the answer's relevance gate stands both depend on the model's score scale
(multilingual-e5 cosines are compressed: off-topic text still scores 0.74-0.82).

The default model's values were chosen on the dev sets (docs/retrieval.md, docs/answers.md;
eval/tune_fusion.py and eval/bench_answer.py re-measure them). Another model gets the same
values as a starting point, marked untuned: re-run those two scripts for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.embed.base import DEFAULT_MODEL


@dataclass(frozen=True)
class Gate:
    """Least relevance for the hits to count as an answer: ``with_words`` when a content word
    of the question (not a number) appears in the top passages or their references, else
    ``alone``."""

    alone: float
    with_words: float

    def least(self, words: bool) -> float:
        return self.with_words if words else self.alone


@dataclass(frozen=True)
class Profile:
    """One model's search and answer settings.

    ``fusion``: the weights of rag.search's score fusion, by field name (chunk/pair/sentence
    shares of the dense score; BM25, latent-term, trigram and dictionary shares by the
    question's script; candidate depths). ``gates``: the relevance gate by question script,
    ``"th"`` for a question with Thai in it, ``"other"`` for one without.
    """

    fusion: dict[str, float] = field(default_factory=dict)
    gates: dict[str, Gate] = field(default_factory=dict)
    tuned: bool = True


E5_SMALL = Profile(
    fusion={
        "chunk_share": 0.3, "window_share": 0.35,
        "bm25_thai": 0.1, "bm25_other": 0.05,
        "latent_thai": 0.0, "latent_other": 0.25,
        "trigram_thai": 0.3, "trigram_other": 0.0, "trigram_depth": 20,
        "dictionary_other": 0.2, "dictionary_depth": 30,
        "depth": 50,
    },
    gates={"th": Gate(alone=0.836, with_words=0.836), "other": Gate(alone=0.819, with_words=0.776)},
)
PROFILES: dict[str, Profile] = {DEFAULT_MODEL: E5_SMALL}


def profile_for(model_id: str) -> Profile:
    """The settings for ``model_id``: its own where it was tuned, else the default model's,
    marked untuned."""
    known = PROFILES.get(model_id)
    if known is not None:
        return known
    return Profile(fusion=dict(E5_SMALL.fusion), gates=dict(E5_SMALL.gates), tuned=False)
