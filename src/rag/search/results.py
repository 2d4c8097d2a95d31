"""What a search returns: ranked hits (``Hit``, ``SearchResult``), and for a benchmark or a
test, every view's scores behind a ranking (``Explanation``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.document.structure import Reference
from rag.index.store import Rows
from rag.search.fusion import ranked


@dataclass
class Hit:
    """One retrieved chunk, its place and score in the ranking, and what it cites."""

    rank: int
    score: float
    chunk_id: str
    doc_id: str
    title: str
    section: str
    page: int | None
    text: str
    footnotes: list[Reference]
    markers: list[tuple[int, int]] = field(default_factory=list)
    # Cosine of the stored passage vector to the query vector (None without one, in bm25 mode):
    # the fused score is rank-normalised, so the answer's "nothing relevant" gate needs this.
    # Not part of to_dict (a JSON contract).
    similarity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a hit: a contract other tools read (README, "CLI")."""
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "page": self.page,
            "text": self.text,
            "footnotes": [{"n": r.n, "text": r.text} for r in self.footnotes],
        }


@dataclass
class SearchResult:
    """The hits for one query (cleaned as searched), with timings and any warnings."""

    query: str
    mode: str
    hits: list[Hit]
    took_ms: float
    embed_ms: float
    warnings: list[str] = field(default_factory=list)
    qvec: np.ndarray | None = None  # the query vector, reused to pick extract sentences


@dataclass
class Explanation:
    """How one query was ranked: each view's score of each candidate it scored (chunk row ->
    score), in the order the search mixes them, and the shares it mixed them with.

    ``chunk``: the chunk-vector candidates' cosines; ``dense``: the dense score of those and of
    BM25's candidates (rag.search.dense.rescore); ``bm25``: word BM25; ``trigram``,
    ``latent``, ``dictionary``: the second-stage views (rag.search.views; empty where the
    query's script or the mode leaves them out); ``fused``: the final scores, which rank the
    hits. ``shares``: each view's weight in the mix for this query (rag.search.fusion). The
    scores are keyed by position in ``rows`` (for an embedded index, the row of the chunk).
    """

    query: str
    context: str | None
    mode: str
    thai: bool
    chunk: dict[int, float] = field(default_factory=dict)
    bm25: dict[int, float] = field(default_factory=dict)
    dense: dict[int, float] = field(default_factory=dict)
    trigram: dict[int, float] = field(default_factory=dict)
    latent: dict[int, float] = field(default_factory=dict)
    dictionary: dict[int, float] = field(default_factory=dict)
    fused: dict[int, float] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)
    qvec: np.ndarray | None = None
    embed_ms: float = 0.0
    warnings: list[str] = field(default_factory=list)
    rows: Rows | None = None  # where the keys above point: the candidates' chunks, vectors, units

    def top(self, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (chunk row, fused score) pairs, as the hits are ranked."""
        return ranked(self.fused, k)
