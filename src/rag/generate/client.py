"""The chat call, through the official ``openai`` client: the OpenAI-compatible API that
Ollama, vLLM, llama.cpp's server, ``transformers serve``, Typhoon's and OpenAI's APIs speak.

Timeouts and retries with exponential backoff are the client's own (``timeout``,
``max_retries``); what is ours is turning each way a call can fail into one line a user can
act on (``LLMError``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.errors import RagError
from rag.generate.settings import LLMSettings


class LLMError(RagError):
    """The LLM gave no usable answer; the message is one line saying why."""


class LLMClient:
    """One configured client; cheap to reuse across questions (it keeps its connections)."""

    def __init__(self, settings: LLMSettings) -> None:
        import openai

        self.settings = settings
        self._openai = openai
        self.client = openai.OpenAI(base_url=settings.url, api_key=settings.key or "not-needed",
                                    timeout=settings.timeout, max_retries=settings.retries)

    def _request(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        return {"model": self.settings.model, "messages": messages, "max_tokens": self.settings.max_tokens,
                "temperature": 0.0}

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """The model's answer in pieces as it writes them. A reply that holds no chat-completion
        event (an HTML page, plain JSON) or no text at all is an error, not an empty answer."""
        events = wrote = 0
        try:
            for chunk in self.client.chat.completions.create(**self._request(messages), stream=True):
                events += 1
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    wrote += 1
                    yield chunk.choices[0].delta.content
        except Exception as e:
            raise self._error(e) from None
        if not events:
            raise LLMError(f"the LLM at {self.settings.url} returned something that is not a chat completion")
        if not wrote:
            raise LLMError(f"the LLM at {self.settings.url} returned no answer text")

    def _error(self, e: Exception) -> LLMError:
        o, s = self._openai, self.settings
        where = f"the LLM at {s.url}"
        if isinstance(e, o.APITimeoutError):
            return LLMError(f"{where} did not answer within {s.timeout:g} s ({s.retries} retries)")
        if isinstance(e, o.APIConnectionError):
            return LLMError(f"cannot reach {where} ({s.retries} retries)")
        if isinstance(e, o.AuthenticationError):
            return LLMError(f"{where} refused the key (set RAG_LLM_KEY)")
        if isinstance(e, o.NotFoundError):
            return LLMError(f"{where} has no model {s.model!r} or no chat API at that URL")
        if isinstance(e, o.APIStatusError):
            return LLMError(f"{where} answered HTTP {e.status_code}")
        if isinstance(e, o.APIResponseValidationError | ValueError | LookupError | AttributeError | TypeError):
            return LLMError(f"{where} returned something that is not a chat completion")
        if isinstance(e, o.OpenAIError):
            return LLMError(f"{where} failed: {type(e).__name__}")
        raise e
