"""The second-stage views: scores for the best candidates so far, mixed into the hybrid score.

Character-trigram BM25 (rag.lexical.trigrams) matches where the word segmenter cuts the
question and the passage differently (Thai questions); the dictionary's Thai words for an
English question's words (rag.lexical.bilingual), matched as trigrams, and the latent terms
(rag.embed.latent) give a question without Thai script a word-level signal over Thai text.
Each view scores the candidates' text as the lexical index read it (``lexical_texts``).
"""

from __future__ import annotations

import numpy as np

from rag.document.chunking import Chunk
from rag.document.structure import Reference
from rag.embed.latent import Codes
from rag.lexical.bilingual import Dictionary
from rag.lexical.tokenize import query_pieces
from rag.lexical.trigrams import TrigramTable


def lexical_texts(chunks: list[Chunk], references: dict[str, dict[int, Reference]], cand: list[int]) -> list[str]:
    """The candidates' text as the lexical index read it (with the references they cite)."""
    return [chunks[i].lexical_text(references.get(chunks[i].doc_id, {})) for i in cand]


def trigram_scores(trigrams: TrigramTable, engine: str | None, chunks: list[Chunk],
                   references: dict[str, dict[int, Reference]], cand: list[int], text: str,
                   ctx: str | None) -> dict[int, float]:
    """Character-trigram BM25 of the candidates (rows of ``chunks``) for the question without its
    question words; a follow-up counts its own trigrams twice and the previous question's
    (``ctx``) once, as its word tokens are counted. Candidates scoring 0 are left out."""
    pieces = [(piece, 2 if ctx else 1) for piece in query_pieces(text, engine)]
    if ctx:
        pieces += [(piece, 1) for piece in query_pieces(ctx, engine)]
    terms = trigrams.query_terms(pieces)
    texts = lexical_texts(chunks, references, cand)
    scores = trigrams.scores(terms, texts)
    return {i: float(v) for i, v in zip(cand, scores.tolist(), strict=True) if v > 0}


def dictionary_scores(dictionary: Dictionary, trigrams: TrigramTable, chunks: list[Chunk],
                      references: dict[str, dict[int, Reference]], cand: list[int], text: str,
                      ctx: str | None) -> dict[int, float]:
    """Character-trigram BM25 of the candidates (rows of ``chunks``) for the question's words put
    into Thai: each English word scores a candidate by the best of its Thai words, and the
    words' scores add up, so a word with six Thai synonyms counts once, as a word with one
    does. A follow-up's previous question (``ctx``) counts half, as in the other lexical views.
    Candidates scoring 0 are left out."""
    groups = [(thai, 1.0) for _, thai in dictionary.translate(text)]
    if ctx:
        groups += [(thai, 0.5) for _, thai in dictionary.translate(ctx)]
    if not groups:
        return {}
    queries = trigrams.query_terms_each([word for thai, _ in groups for word in thai])
    texts = lexical_texts(chunks, references, cand)
    each = trigrams.scores_each(queries, texts)
    total = np.zeros(len(cand))
    start = 0
    for thai, weight in groups:
        total += weight * each[:, start:start + len(thai)].max(axis=1)
        start += len(thai)
    return {i: float(v) for i, v in zip(cand, total.tolist(), strict=True) if v > 0}


def latent_scores(latent: Codes, qlatent: np.ndarray, cand: dict[int, float]) -> dict[int, float]:
    """The latent terms' score of each candidate (the keys of ``cand``) for the dense query
    terms ``qlatent``."""
    rows = np.fromiter(cand, dtype=np.int64, count=len(cand))
    return dict(zip(rows.tolist(), latent.scores(qlatent, rows).tolist(), strict=True))
