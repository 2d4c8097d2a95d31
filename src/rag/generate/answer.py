"""The generation step as a whole: the prompt from the answer's passages, the model's text,
the citation check, and the verdict on whether to show it. Any failure of the LLM becomes the
``GeneratedAnswer``'s one-line ``error`` (and a warning on the answer): the quoted answer is
always there to fall back on.

The answer is always streamed from the server, also when no one watches it being written: once
a piece may have closed a sentence (its citation, its stop, the next one's start), the check
encodes it when the next piece arrives, while the model writes on. What it adds after the
model's last token (``GeneratedAnswer.check_ms``) is the checks themselves and at most the last
sentence's encoding, when its citation was the model's last piece."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from rag.answer import Answer, Encoder, GeneratedAnswer, IndexView
from rag.generate.check import CitationChecker, enough
from rag.generate.client import LLMClient, LLMError
from rag.generate.prompt import build_messages

# a piece of the stream that may close a sentence (its end, a citation, a Thai clause's space)
MAY_CLOSE = re.compile(r"[.!?\]\s]")


def _failed(answer: Answer, model: str, error: str) -> GeneratedAnswer:
    answer.warnings.append(f"no generated answer: {error}; showing the quoted answer")
    return GeneratedAnswer(text="", sentences=[], model=model, shown=False, error=error)


def generate(answer: Answer, client: LLMClient, encoder: Encoder,
             view: IndexView | None = None) -> GeneratedAnswer | None:
    """The checked generated answer for ``answer`` (set on it too); None when the search found
    nothing to answer from (no request is made then). ``view``: the index the answer came
    from, whose stored sentence vectors and dictionary the check reads."""
    for _ in stream_generate(answer, client, encoder, view):
        pass
    return answer.generated


def stream_generate(answer: Answer, client: LLMClient, encoder: Encoder,
                    view: IndexView | None = None) -> Iterator[str]:
    """The model's text as it comes (for the chat to show while it writes); when it ends the
    checked ``GeneratedAnswer`` is set on ``answer``. Nothing is yielded when the search found
    nothing or the LLM fails (``answer.generated.error`` says why)."""
    if not answer.found or not answer.passages:
        return
    checker = CitationChecker(encoder) if view is None else CitationChecker(
        encoder, stored=view.sentence_vectors_of, dictionary=view.dictionary)
    model = client.settings.model
    t0 = time.perf_counter()
    text = ""
    closed = False  # whether the last piece may have closed a sentence
    try:
        for piece in client.stream(build_messages(answer)):
            if closed:  # encode what the model wrote before this piece while it writes on
                checker.prepare(text)
            text += piece
            yield piece
            closed = bool(MAY_CLOSE.search(piece))
    except LLMError as e:
        answer.generated = _failed(answer, model, str(e))
        return
    took_ms = (time.perf_counter() - t0) * 1000
    sentences, check_ms = checker.check(text, answer.passages)
    answer.generated = GeneratedAnswer(text=text, sentences=sentences, model=model, shown=enough(sentences),
                                       took_ms=took_ms, check_ms=check_ms)
