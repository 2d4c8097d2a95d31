"""The generation step as a whole: the prompt from the answer's passages, the model's text,
the citation check, and the verdict on whether to show it. Any failure of the LLM becomes the
``GeneratedAnswer``'s one-line ``error`` (and a warning on the answer): the quoted answer is
always there to fall back on."""

from __future__ import annotations

import time
from collections.abc import Iterator

from rag.answer import Answer, Encoder, GeneratedAnswer
from rag.generate.check import CitationChecker, enough
from rag.generate.client import LLMClient, LLMError
from rag.generate.prompt import build_messages


def _finish(answer: Answer, text: str, model: str, encoder: Encoder, took_ms: float) -> GeneratedAnswer:
    sentences, check_ms = CitationChecker(encoder).check(text, answer.passages)
    return GeneratedAnswer(text=text, sentences=sentences, model=model, shown=enough(sentences),
                           took_ms=took_ms, check_ms=check_ms)


def _failed(answer: Answer, model: str, error: str) -> GeneratedAnswer:
    answer.warnings.append(f"no generated answer: {error}; showing the quoted answer")
    return GeneratedAnswer(text="", sentences=[], model=model, shown=False, error=error)


def generate(answer: Answer, client: LLMClient, encoder: Encoder) -> GeneratedAnswer | None:
    """The checked generated answer for ``answer`` (set on it too); None when the search found
    nothing to answer from (no request is made then)."""
    if not answer.found or not answer.passages:
        return None
    t0 = time.perf_counter()
    try:
        text = client.complete(build_messages(answer))
    except LLMError as e:
        answer.generated = _failed(answer, client.settings.model, str(e))
        return answer.generated
    answer.generated = _finish(answer, text, client.settings.model, encoder, (time.perf_counter() - t0) * 1000)
    return answer.generated


def stream_generate(answer: Answer, client: LLMClient, encoder: Encoder) -> Iterator[str]:
    """The model's text as it comes (for the chat to show while it writes); when it ends the
    checked ``GeneratedAnswer`` is set on ``answer``. Nothing is yielded when the search found
    nothing or the LLM fails (``answer.generated.error`` says why)."""
    if not answer.found or not answer.passages:
        return
    t0 = time.perf_counter()
    parts: list[str] = []
    try:
        for piece in client.stream(build_messages(answer)):
            parts.append(piece)
            yield piece
    except LLMError as e:
        answer.generated = _failed(answer, client.settings.model, str(e))
        return
    answer.generated = _finish(answer, "".join(parts), client.settings.model, encoder,
                               (time.perf_counter() - t0) * 1000)
