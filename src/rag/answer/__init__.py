"""The answer stage: takes a search result (rag.search) and gives a cited answer, or says
that nothing relevant was found; renders it as markdown for the chat and the API, and as rich
text for the terminal.

- ``compose``: ``Answer`` (extract, numbered passages, footnoted sources) from a ``SearchResult``;
- ``gate``: whether the hits answer at all (signals relative to the corpus and to probe
  questions, weighed per the model, thresholds calibrated per index), whole-document questions;
  ``calibrate``: placing an index's thresholds (run by ingest); ``corpus``: what the answer
  reads of the index (stored sentence vectors, the corpus's score spread, word frequency);
- ``asks``: what a question asks for (a list, a person, a time, a place, a number, a source);
- ``extract``: the window of the best passages that answers; ``lexicon``: the question's words
  as it looks for them; ``vectors``: ``SentenceCache``;
- ``words``: the question's content words and where they occur; ``labels``: the words we add;
- ``markdown`` (``render_markdown``), ``terminal`` (``render_rich``).
"""

from rag.answer.asks import Asks, asks
from rag.answer.compose import Answer, Passage, Source, cited_sources, compose
from rag.answer.corpus import IndexView
from rag.answer.extract import EXTRACT_SENTENCE_CHARS, ExtractSentence
from rag.answer.gate import DOCUMENT_WORDS, Calibration, Gate, about_document, question_language
from rag.answer.generated import GeneratedAnswer, GeneratedSentence
from rag.answer.labels import LABELS, answer_language
from rag.answer.markdown import render_markdown
from rag.answer.terminal import render_rich
from rag.answer.vectors import Encoder, SentenceCache
from rag.answer.words import query_terms

__all__ = [
    "Answer", "GeneratedAnswer", "GeneratedSentence", "Passage", "Source", "ExtractSentence", "cited_sources", "compose",
    "Encoder", "SentenceCache", "EXTRACT_SENTENCE_CHARS", "IndexView",
    "DOCUMENT_WORDS", "Calibration", "Gate", "about_document", "question_language", "Asks", "asks",
    "LABELS", "answer_language", "query_terms",
    "render_markdown", "render_rich",
]
