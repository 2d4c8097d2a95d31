"""Where the LLM is and how long to wait for it: flags beat ``RAG_LLM_*`` variables; with
neither there are no settings and no request is ever made."""

from __future__ import annotations

from dataclasses import dataclass

from rag.config import env_choice
from rag.errors import RagError

DEFAULT_TIMEOUT = 60.0  # seconds for one request; a local model on CPU can be slow
DEFAULT_RETRIES = 2  # the openai client's own retries, with its exponential backoff
DEFAULT_MAX_TOKENS = 400  # a brief answer (RAG_LLM_MAX_TOKENS)


@dataclass(frozen=True)
class LLMSettings:
    url: str  # base URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1
    model: str
    key: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    max_tokens: int = DEFAULT_MAX_TOKENS


def _float_env(name: str, default: float) -> float:
    raw = env_choice(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise RagError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise RagError(f"{name} must be above 0, got {raw!r}")
    return value


def llm_settings(url: str | None = None, model: str | None = None) -> LLMSettings | None:
    """The LLM to use: ``--llm URL --llm-model NAME`` beat ``RAG_LLM_URL`` / ``RAG_LLM_MODEL``;
    ``RAG_LLM_KEY`` is the API key when the server wants one, ``RAG_LLM_TIMEOUT`` the seconds to
    wait for one answer. None when no URL is given: generation is off."""
    url = url or env_choice("RAG_LLM_URL")
    if not url:
        if model:
            raise RagError("--llm-model needs --llm URL (or RAG_LLM_URL)")
        return None
    if not url.startswith(("http://", "https://")):
        raise RagError(f"the LLM address must be an http(s) URL, got {url!r}")
    model = model or env_choice("RAG_LLM_MODEL")
    if not model:
        raise RagError("an LLM URL needs a model name: --llm-model NAME or RAG_LLM_MODEL")
    return LLMSettings(url=url.rstrip("/"), model=model, key=env_choice("RAG_LLM_KEY"),
                       timeout=_float_env("RAG_LLM_TIMEOUT", DEFAULT_TIMEOUT),
                       max_tokens=int(_float_env("RAG_LLM_MAX_TOKENS", DEFAULT_MAX_TOKENS)))
