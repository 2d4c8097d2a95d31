"""How the views' scores are mixed: the weights (``FusionWeights``, from the model's profile),
per-query min-max scaling, and the convex mix of two score lists over their candidates.

A score list is a dict from chunk row to score, over the candidates a view scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.embed import DEFAULT_MODEL
from rag.embed.profiles import profile_for

_DEFAULT = profile_for(DEFAULT_MODEL).fusion


@dataclass(frozen=True)
class FusionWeights:
    """How the scores are mixed; each model's values live in its profile (rag.embed.profiles,
    chosen on the dev sets only with eval/tune_fusion.py), and the defaults are the default
    model's.

    ``chunk_share``: the chunk vector's share of the dense score, ``window_share`` its best
    sentence pair's (rag.document.chunking.Chunk.window_texts), the rest going to its best
    sentence or cited reference: three views of one passage, averaged.
    ``bm25_thai`` / ``bm25_other``: word BM25's share of the hybrid score for a query with /
    without Thai script. An English question shares only names and acronyms with Thai text, so
    BM25 mostly adds noise to it. ``depth``: candidates taken from each side before fusion.
    ``latent_thai`` / ``latent_other``: the share of the latent terms (rag.embed.latent) over
    the same candidates, where the index and the embedder have them: the one word-level signal
    an English question has over Thai text (a Thai question has BM25 for that).
    ``trigram_thai`` / ``trigram_other``: the share of character-trigram BM25
    (rag.lexical.trigrams) over the ``trigram_depth`` best candidates so far, which matches where
    the word segmenter cuts a name or a compound differently in the question and the passage;
    for a Thai question it takes over most of word BM25's share. An English question over Thai
    text shares only Latin names with it, and trigrams only push other passages up.
    ``dictionary_other``: for a question without Thai script, the share of trigram BM25 for its
    words put into Thai (rag.lexical.bilingual) over the ``dictionary_depth`` best candidates,
    mixed in last. The second-stage views rescore only the best candidates: as good as
    rescoring them all, at a fraction of the cost.
    """

    chunk_share: float = _DEFAULT["chunk_share"]
    window_share: float = _DEFAULT["window_share"]
    bm25_thai: float = _DEFAULT["bm25_thai"]
    bm25_other: float = _DEFAULT["bm25_other"]
    latent_thai: float = _DEFAULT["latent_thai"]
    latent_other: float = _DEFAULT["latent_other"]
    trigram_thai: float = _DEFAULT["trigram_thai"]
    trigram_other: float = _DEFAULT["trigram_other"]
    trigram_depth: int = int(_DEFAULT["trigram_depth"])
    dictionary_other: float = _DEFAULT["dictionary_other"]
    dictionary_depth: int = int(_DEFAULT["dictionary_depth"])
    depth: int = int(_DEFAULT["depth"])

    @classmethod
    def for_model(cls, model_id: str) -> FusionWeights:
        """The weights of ``model_id``'s profile (the default model's where it has none)."""
        return cls(**profile_for(model_id).fusion)  # type: ignore[arg-type]


def best(scores: dict[int, float], n: int) -> list[int]:
    """The ``n`` best-scored rows, best first (ties: lower row first)."""
    return sorted(scores, key=lambda i: (-scores[i], i))[:n]


def ranked(scores: dict[int, float], n: int) -> list[tuple[int, float]]:
    """The ``n`` best (row, score) pairs, best first (ties: lower row first)."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def normalise(scores: dict[int, float]) -> dict[int, float]:
    """Scale to [0, 1] over the candidates, so two scoring scales can be mixed."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    if span <= 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {i: (s - lo) / span for i, s in scores.items()}


def fuse(dense: dict[int, float], lexical: dict[int, float], w_lexical: float) -> dict[int, float]:
    """Convex mix of two normalised score lists over the union of their candidates: ``dense``
    (or the mix so far) weighs ``1 - w_lexical``, ``lexical`` (BM25, or a later view) ``w_lexical``."""
    nd, nl = normalise(dense), normalise(lexical)
    ids = set(nd) | set(nl)
    return {i: (1 - w_lexical) * nd.get(i, 0.0) + w_lexical * nl.get(i, 0.0) for i in ids}
