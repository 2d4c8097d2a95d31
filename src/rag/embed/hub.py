"""The Hugging Face hub and its local cache, for models named by id.

``hub_reachable`` asks the hub, briefly, whether it answers (never when ``rag.config.hub_offline``
says not to); ``cached_snapshot`` finds a model in the local cache without the network;
``download_snapshot`` fetches the files a sentence-transformers model needs.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import urlparse

from rag.config import hub_offline
from rag.embed.base import DEFAULT_MODEL
from rag.errors import RagError

HUB_CHECK_SECONDS = 1.5


def hub_reachable(timeout: float = HUB_CHECK_SECONDS) -> bool:
    """Whether the hub answers as the hub within ``timeout`` seconds.

    Asks for the default model's record and wants HTTP 200: a bare TCP connect is not enough
    (sandboxes and captive networks accept any connection and answer 404). Never blocks
    longer: name resolution has no timeout of its own, so the probe runs in a daemon thread
    that is abandoned when time is up.
    """
    if hub_offline():
        return False
    endpoint = (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")
    url = f"{endpoint}/api/models/{DEFAULT_MODEL}"
    if urlparse(url).scheme not in ("http", "https"):
        return False
    answered: list[bool] = []

    def probe() -> None:
        import urllib.request

        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked
                answered.append(response.status == 200)
        except Exception:  # DNS, TLS, HTTP error, timeout: all mean "not usable now"
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answered and answered[0])


def _complete_model_folder(path: Path) -> bool:
    has_config = (path / "modules.json").is_file() or (path / "config.json").is_file()
    has_weights = any(path.glob("*.safetensors")) or (path / "pytorch_model.bin").is_file()
    return has_config and has_weights


def cached_snapshot(repo_id: str) -> Path | None:
    """The model's folder in the Hugging Face cache, if it is there complete (no network)."""
    from huggingface_hub import snapshot_download

    try:
        path = Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not cached, or an id the hub would reject: either way, not here
        return None
    return path if _complete_model_folder(path) else None


def download_snapshot(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download

    patterns = ["*.json", "*.safetensors", "*.txt", "*.model", "*.py", "1_Pooling/*", "2_Normalize/*"]
    try:
        path = Path(snapshot_download(repo_id, allow_patterns=patterns))
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RagError(f"cannot download model {repo_id}: {first}") from None
    if not _complete_model_folder(path):
        raise RagError(f"model {repo_id} has no sentence-transformers or transformers weights")
    return path
