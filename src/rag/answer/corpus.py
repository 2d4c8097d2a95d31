"""What the answer reads of the index beyond the hits: the stored vectors of a passage's
sentences, how the question scores against the corpus as a whole, and how common a word is in
it.

- **Sentence vectors.** Ingest already embedded every chunk's sentences (and the references it
  cites) for search (rag.document.chunking.Chunk.unit_texts); the extract scores the same
  sentences, split the same way, so it reads their vectors instead of encoding them again (a
  cold answer encoded ~25 sentences, ~0.5 s on 2 cores).
- **Spread.** The question's cosine to a fixed sample of the chunks (mean and deviation): the
  gate compares the best passage with what any passage of this corpus scores for the question.
- **Word frequency.** How many chunks may hold a word, from the character-trigram table
  (rag.lexical.trigrams): a word one of whose trigrams no chunk has is in no chunk; otherwise
  its rarest trigram bounds its count from above. No second index is needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from rag.lexical.trigrams import trigram_keys
from rag.thai.sentences import split_sentences

if TYPE_CHECKING:
    from rag.lexical.bilingual import Dictionary
    from rag.search import Hit, Searcher


class IndexView:
    """An opened index (``rag.search.Searcher``) as the answer reads it, through its store's
    reader (rag.index.store.Reader): the embedded files and a Milvus store alike."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._df: dict[str, int] = {}
        self._n = int(searcher.manifest.get("n_chunks") or 0)
        self._sample = np.asarray(searcher.index.spread_sample(), dtype=np.float32)

    @property
    def n_chunks(self) -> int:
        return self._n

    @cached_property
    def dictionary(self) -> Dictionary:
        return self.searcher.dictionary

    def sentence_vectors(self, hit: Hit) -> tuple[list[str], np.ndarray] | None:
        """The sentences of a hit's text (``split_sentences``) and their stored vectors, or None
        when the hit is not a chunk of this index as stored."""
        found = self.searcher.index.stored_chunk(hit.chunk_id)
        if found is None or found.chunk.text != hit.text:
            return None
        sentences = [s.text for s in split_sentences(found.chunk.text)]
        if len(found.units) < len(sentences):
            return None
        return sentences, found.units[:len(sentences)]

    def sentence_vectors_of(self, hit: Hit) -> np.ndarray | None:
        """The stored vectors of ``split_sentences(hit.text)`` (None: not stored)."""
        found = self.sentence_vectors(hit)
        return None if found is None else found[1]

    def reference_vectors(self, hit: Hit) -> dict[int, np.ndarray]:
        """The stored vectors of the references a hit cites, by footnote number."""
        found = self.searcher.index.stored_chunk(hit.chunk_id)
        if found is None:
            return {}
        chunk, refs = found.chunk, found.references
        numbers = [n for n in chunk.footnotes if n in refs and refs[n].text.strip()]
        start = len(split_sentences(chunk.text))
        end = len(found.units) - found.windows
        if end - start != len(numbers):
            return {}
        return {n: found.units[start + k] for k, n in enumerate(numbers)}

    def similarity(self, hit: Hit, qvec: np.ndarray) -> float | None:
        """The cosine of a hit's stored chunk vector to ``qvec`` (None: not a chunk of this
        index as stored): what the search gives each hit, for a search that had no query
        vector (bm25 mode), so the gate reads the same cosines in every mode."""
        found = self.searcher.index.stored_chunk(hit.chunk_id)
        if found is None or found.vector is None or found.chunk.text != hit.text:
            return None
        return float(np.dot(np.asarray(found.vector, dtype=np.float32), np.asarray(qvec, dtype=np.float32)))

    def spread(self, qvec: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of the question's cosine over the sampled chunks."""
        if not len(self._sample):
            return 0.0, 1.0
        sims = self._sample @ np.asarray(qvec, dtype=np.float32)
        return float(sims.mean()), float(sims.std()) or 1e-6

    def document_frequency(self, word: str) -> int:
        """How many chunks may hold ``word`` (0: none does)."""
        found = self._df.get(word)
        if found is None:
            table = self.searcher.trigrams
            keys = trigram_keys(word)
            if not len(keys) or not len(table.keys):
                found = self.n_chunks if len(word) < 3 else 0
            else:
                pos = np.minimum(np.searchsorted(table.keys, keys), len(table.keys) - 1)
                held = table.keys[pos] == keys
                found = int(table.df[pos].min()) if held.all() else 0
            if len(self._df) > 100_000:
                self._df.clear()
            self._df[word] = found
        return found

    def idf(self, word: str) -> float:
        """BM25's idf of ``word`` over the chunks (from ``document_frequency``)."""
        df = self.document_frequency(word)
        return math.log(1 + (self.n_chunks - df + 0.5) / (df + 0.5))

    def rarest(self, words: Sequence[str]) -> float:
        """The highest idf among alternative forms of one word (any of them may be the one used)."""
        return max((self.idf(w) for w in words), default=0.0)

    def weight(self, words: Sequence[str]) -> float:
        """How telling it is to find one of these alternative forms of a word in a passage: the
        highest idf among the forms some chunk holds (0 when none does: it can tell no two
        passages apart)."""
        return max((self.idf(w) for w in words if self.document_frequency(w) > 0), default=0.0)
