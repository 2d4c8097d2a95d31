"""Optional generated answers: an LLM writes the answer in the asker's language from the
numbered passages, and every sentence it writes is checked against the passage it cites
before it is shown. Takes an ``Answer`` (rag.answer) and an LLM's address; gives a
``GeneratedAnswer``. Without an LLM configured nothing here runs and nothing leaves the machine.

- ``settings``: ``LLMSettings`` from ``RAG_LLM_URL`` / ``RAG_LLM_MODEL`` / ``RAG_LLM_KEY`` or flags;
- ``client``: ``LLMClient`` over the OpenAI-compatible chat API (the ``openai`` client);
- ``prompt``: the messages, from the user-changeable template file ``prompts.txt``;
- ``check``: the citation check (sentences, citations, similarity, numbers and names);
- ``answer``: ``generate`` and ``stream_generate``, the whole step.
"""

from rag.generate.answer import generate, stream_generate
from rag.generate.check import (
    CROSS_LANGUAGE_THRESHOLD,
    SAME_LANGUAGE_THRESHOLD,
    CitationChecker,
    split_generated,
)
from rag.generate.client import LLMClient, LLMError
from rag.generate.prompt import build_messages, load_templates
from rag.generate.settings import LLMSettings, llm_settings

__all__ = [
    "generate", "stream_generate", "SAME_LANGUAGE_THRESHOLD", "CROSS_LANGUAGE_THRESHOLD", "CitationChecker", "split_generated",
    "LLMClient", "LLMError", "build_messages", "load_templates", "LLMSettings", "llm_settings",
]
