"""Lexical matching, apart from the vectors: takes text, gives tokens and term statistics.

``tokenize``: Thai words through PyThaiNLP (newmm), other scripts by word, folded for BM25,
and a question's tokens without its question words; ``trigrams``: character-trigram BM25,
which matches where the segmenter cuts a name or a compound differently in the question and
the passage; ``bilingual``: the English -> Thai dictionary (WordNet 3.0 and the Thai WordNet,
shipped in ``data/``) that puts an English question's words into Thai; ``names``: an English
name in Thai text by the sound of its letters: whether a Thai passage holds it (the citation
check) and the Thai stretches that spell it (the extract).
"""

from rag.lexical.bilingual import Dictionary
from rag.lexical.tokenize import (
           ENGLISH_STOPWORDS,
           QUESTION_WORDS,
           query_pieces,
           thai_engine,
           tokenize,
           tokenize_query,
)
from rag.lexical.trigrams import TrigramTable, trigram_keys

__all__ = ["Dictionary", "ENGLISH_STOPWORDS", "QUESTION_WORDS", "query_pieces", "thai_engine", "tokenize",
           "tokenize_query", "TrigramTable", "trigram_keys"]
