"""A real `rag serve` for the chat tests: a copy of the article's index plus a hostile
document, served on a free port until the test module ends.

The hostile document carries markup that would run if the chat ever let document text
through as HTML; tests ask for it and check it shows as text.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import ROOT

from rag.evaluation.serve_process import free_port, serving

__all__ = ["XSS_DOC_ID", "XSS_QUESTION", "free_port", "index_with_probe", "rag_serve"]

XSS_DOC_ID = "xss-probe"
XSS_TEXT = """# Quantum sandwich protocol

The quantum sandwich protocol note contains <script>window.__pwned=1</script> and
<img src=x onerror="window.__pwned=2"> and [a link](javascript:window.__pwned=3) markup,
which a reader must see as plain text inside the quantum sandwich protocol.
"""
XSS_QUESTION = "What does the quantum sandwich protocol note contain?"


def index_with_probe(article_index: Path, workdir: Path) -> Path:
    """The session's article index, copied, with the hostile document added."""
    from rag.ingest import ingest

    index_dir = workdir / "index"
    shutil.copytree(article_index, index_dir)
    doc = workdir / f"{XSS_DOC_ID}.md"
    doc.write_text(XSS_TEXT, encoding="utf-8")
    ingest([doc], index_dir, progress=False)
    return index_dir


@contextmanager
def rag_serve(index_dir: Path, log: Path, *, env: dict[str, str] | None = None,
              timeout: float = 300, read_only: bool = False) -> Iterator[str]:
    """Start `rag serve` on a free port, wait until the page answers, yield its URL, stop it."""
    with serving(index_dir, log, env=env, cwd=ROOT, timeout=timeout,
                 args=["--read-only"] if read_only else []) as url:
        yield url
