"""Search: takes an index (a store of rag.index: the embedded files or Milvus) and a question,
gives the ranked passages.

- ``rag.search.searcher``: ``Searcher`` (open an index once; ``search``, ``explain``, and each
  view alone), the orchestration: the store gives the candidates and their rows, the views
  here score them;
- ``rag.search.query``: ``clean_query``, ``has_words``, ``check_mode``, ``check_k``, ``MODES``;
- ``rag.search.fusion``: ``FusionWeights`` (from the model's profile) and ``fuse``;
- ``rag.search.dense``, ``rag.search.views``: the dense rescoring (chunk, sentence and pair
  vectors), and the trigram, dictionary and latent-term views;
- ``rag.search.results``: ``Hit``, ``SearchResult``, ``Explanation``.
"""

from rag.search.fusion import FusionWeights, fuse
from rag.search.query import MODES, check_k, check_mode, clean_query, has_words
from rag.search.results import Explanation, Hit, SearchResult
from rag.search.searcher import BACK_MATTER, Searcher

__all__ = [
    "BACK_MATTER", "MODES", "Explanation", "FusionWeights", "Hit", "SearchResult", "Searcher",
    "check_k", "check_mode", "clean_query", "fuse", "has_words",
]
