"""Shared fixtures: one real index of the shipped article, built once per test session.

Tests run the real pipeline with the real default model; the index lives in a temporary
directory (tests never write the checkout's index/ or corpus/).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.config import apply_thread_policy

os.environ.setdefault("HF_HUB_OFFLINE", "1")
apply_thread_policy()  # the thread settings the CLI runs with, before numpy or a model loads

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "tech-diplomacy-th.txt"
DATA = Path(__file__).resolve().parent / "data"
RAG = [sys.executable, "-m", "rag"]


def run_rag(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*RAG, *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd or ROOT, timeout=timeout)


@pytest.fixture(scope="session")
def article() -> Path:
    return ARTICLE


@pytest.fixture(scope="session")
def article_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped article ingested with the default model into a temporary index."""
    from rag.ingest import ingest

    index_dir = tmp_path_factory.mktemp("article") / "index"
    ingest([ARTICLE], index_dir, progress=False)
    return index_dir


@pytest.fixture(scope="session")
def assistant(article_index: Path):
    from rag.api import open_index

    return open_index(article_index)
