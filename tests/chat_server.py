"""A real `rag serve` for the chat tests: a copy of the article's index plus a hostile
document, served on a free port until the test module ends.

The hostile document carries markup that would run if the chat ever let document text
through as HTML; tests ask for it and check it shows as text.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import RAG, ROOT

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def rag_serve(index_dir: Path, log: Path, *, env: dict[str, str] | None = None,
              timeout: float = 300) -> Iterator[str]:
    """Start `rag serve` on a free port, wait until the page answers, yield its URL, stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen([*RAG, "serve", "--index", str(index_dir), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"rag serve exited with {proc.returncode}:\n{log.read_text(encoding='utf-8')}")
            try:
                with urllib.request.urlopen(url + "/", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"rag serve did not answer in {timeout:.0f} s:\n{log.read_text(encoding='utf-8')}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
