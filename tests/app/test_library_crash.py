"""The library's uploads against crashes: a server killed in the middle of an upload, a worker
that dies while it writes the index. Nothing is lost, nothing is corrupted: the index is the
one from before the upload, byte for byte, the server starts again on it, answers from it and
takes the next upload.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import thai_pdf
from chat_server import free_port, rag_serve
from conftest import ROOT
from index_files import beside, snapshot

from rag.evaluation.serve_process import start, stop, wait_ready

pytestmark = pytest.mark.slow
UPLOAD_TIMEOUT = 600




def client_for(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def workers_on(index_dir: Path) -> list[int]:
    """Pids of library workers writing ``index_dir`` (read from /proc, Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if "rag.app.worker" in cmdline and str(index_dir) in cmdline:
            found.append(int(entry.name))
    return found


def wait_for_stage(job, stage: str) -> None:
    deadline = time.monotonic() + UPLOAD_TIMEOUT
    while True:
        outputs = job.outputs()
        if outputs and json.loads(outputs[-1]).get("stage") == stage:
            return
        assert not job.done() and time.monotonic() < deadline, outputs[-1:]
        time.sleep(0.2)


def cited_answer(url: str) -> None:
    md = client_for(url).predict("How does China use STAs?", api_name="/chat")
    assert "<sup>18</sup>" in md and "Wagner" in md, md[:300]


@pytest.fixture
def water_pdf(tmp_path: Path) -> Path:
    if not thai_pdf.fonts_available():
        pytest.skip("no TLWG Thai font (fonts-thai-tlwg) to lay out the test PDF")
    path = tmp_path / "water-policy.pdf"
    thai_pdf.build_pdf(path)
    return path


@pytest.fixture
def index_copy(article_index: Path, tmp_path: Path) -> Path:
    index_dir = tmp_path / "index"
    shutil.copytree(article_index, index_dir)
    return index_dir


def test_a_server_killed_during_an_upload_loses_nothing_and_takes_the_next_one(index_copy, water_pdf, tmp_path):
    from filelock import FileLock
    from gradio_client import handle_file

    before = snapshot(index_copy)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as out:
        proc = start(index_copy, port, out, cwd=ROOT)
    try:
        wait_ready(proc, url, log)
        job = client_for(url).submit(handle_file(str(water_pdf)), "", api_name="/upload")
        wait_for_stage(job, "embedding")
        assert workers_on(index_copy), "the upload runs in a worker process"
        proc.kill()  # SIGKILL: no shutdown of any kind
        proc.wait(timeout=30)
    finally:
        stop(proc)
    deadline = time.monotonic() + 30
    while workers_on(index_copy):  # the worker dies with its server
        assert time.monotonic() < deadline, "the worker outlived its server"
        time.sleep(0.2)
    with FileLock(str(index_copy.parent / f".{index_copy.name}.lock")).acquire(timeout=10):
        pass
    assert snapshot(index_copy) == before, "the index is the one from before the upload, byte for byte"

    with rag_serve(index_copy, tmp_path / "serve2.log") as url:
        assert beside(index_copy) == [], "the half-built copy is cleaned when the server starts again"
        client = client_for(url)
        assert [d["doc_id"] for d in json.loads(client.predict(api_name="/documents"))] == ["tech-diplomacy-th"]
        cited_answer(url)
        report = json.loads(client.predict(handle_file(str(water_pdf)), "", api_name="/upload"))
        assert report["added"] == ["water-policy"]
        assert {d["doc_id"] for d in json.loads(client.predict(api_name="/documents"))} == \
            {"tech-diplomacy-th", "water-policy"}


@pytest.mark.parametrize("stage", ["write", "swap"])
def test_a_worker_dying_while_it_writes_leaves_the_index_as_it_was(stage, index_copy, water_pdf, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    before = snapshot(index_copy)
    log = tmp_path / "serve.log"
    with rag_serve(index_copy, log, env={"RAG_FAULT": stage}) as url:  # the worker exits at that step
        client = client_for(url)
        with pytest.raises(AppError) as e:
            client.submit(handle_file(str(water_pdf)), "", api_name="/upload").result(timeout=UPLOAD_TIMEOUT)
        assert str(e.value) == "water-policy.pdf: stopped unexpectedly; the library is unchanged (the error was logged)"
        assert snapshot(index_copy) == before and beside(index_copy) == []
        assert [d["doc_id"] for d in json.loads(client.predict(api_name="/documents"))] == ["tech-diplomacy-th"]
        cited_answer(url)
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if "library" in line]
    assert len(lines) == 1 and "library worker for an upload job exited with code 70" in lines[0], lines
    assert "Traceback" not in log.read_text(encoding="utf-8")
    assert not os.environ.get("RAG_FAULT")
