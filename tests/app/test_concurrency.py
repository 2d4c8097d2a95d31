"""The served chat under concurrent users, and what it exposes.

A small run of eval/load_test.py (4 gradio_client users x 5 questions, all at once) against a
real `rag serve` on 127.0.0.1 must give zero errors and the same answer to the same question
whoever asks; a burst of 20 users must all be queued, none refused. The server serves no file
from disk, logs one line per failed request and no traceback to the user, and warns when it
listens on every interface without a login.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from chat_server import free_port, rag_serve
from conftest import ROOT, run_rag

pytestmark = pytest.mark.slow


def _load_test_module():
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "eval" / "load_test.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


load_test = _load_test_module()


@pytest.fixture(scope="module")
def served(article_index: Path, tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("load")
    index_dir = work / "index"
    shutil.copytree(article_index, index_dir)
    log = work / "serve.log"
    with rag_serve(index_dir, log) as url:
        yield url, log, index_dir


def test_four_users_five_questions_each_get_answers_and_no_errors(served) -> None:
    from rag.api import is_followup

    url, log, _ = served
    result = load_test.run_load(url, users=4, per_user=5, keep_answers=True)
    assert result["requests"] == 20
    assert result["errors"] == 0, result["error_samples"]
    assert result["latency"]["p95_ms"] > 0 and result["throughput_rps"] > 0
    answers: dict[str, set[str]] = {}
    for r in result["records"]:
        assert r["answer"] and r["answer"].startswith(("### Answer", "### คำตอบ")), r["answer"][:200]
        if not is_followup(r["question"]):
            answers.setdefault(r["question"], set()).add(r["answer"])
    assert any(len(qs) > 0 for qs in answers.values())
    # concurrent sessions do not mix: one question, one answer, whoever asked it
    assert all(len(a) == 1 for a in answers.values()), [q for q, a in answers.items() if len(a) > 1]
    server_log = log.read_text(encoding="utf-8")
    assert "chat request failed" not in server_log and "Traceback" not in server_log, server_log


def test_a_burst_of_twenty_users_is_queued_not_refused(served) -> None:
    from rag.app import chat as chat

    assert chat.QUEUE_SIZE >= 20 and chat.CONCURRENCY >= 1
    questions = load_test.load_questions()
    result = load_test.run_load(served[0], users=20, per_user=1, questions=questions)
    assert result["requests"] == 20 and result["errors"] == 0, result["error_samples"]


@pytest.mark.parametrize("path", [
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file={index}/chunks.jsonl",
    "/gradio_api/file={index}/manifest.json",
    "/gradio_api/file={root}/README.md",
    "/gradio_api/file=README.md",
    "/gradio_api/file=src/rag/app/chat.py",
    "/gradio_api/file=../../../../etc/passwd",
    "/gradio_api/file=%2Fetc%2Fpasswd",
    "/gradio_api/file=/proc/self/environ",
    "/file=/etc/passwd",
    "/file={index}/chunks.jsonl",
    "/static/../../README.md",
    "/gradio_api/upload",
])
def test_the_chat_serves_no_file_from_disk(served, path: str) -> None:
    url, _, index_dir = served
    target = url + path.format(index=index_dir, root=ROOT)
    try:
        with urllib.request.urlopen(target, timeout=10) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    assert status in (401, 403, 404, 405), (path, status, body[:200])
    assert b"root:" not in body and b"tech-diplomacy-th" not in body and b"thai-rag" not in body


def test_the_page_configuration_opens_no_extra_paths(served) -> None:
    with urllib.request.urlopen(served[0] + "/config", timeout=10) as r:
        config = json.loads(r.read())
    assert not config.get("allowed_paths"), config.get("allowed_paths")
    text = json.dumps(config, ensure_ascii=False)
    assert str(served[2]) not in text, "the index path is not exposed to the page"


def test_a_failed_request_is_one_log_line_and_a_plain_message(assistant, caplog: pytest.LogCaptureFixture) -> None:
    from rag.app.chat import FAILED, make_respond

    respond = make_respond(assistant)
    secret = "คำถามลับของผู้ใช้ secret-question-42"
    with caplog.at_level(logging.DEBUG, logger="rag.app.chat"):
        out = respond(secret, [], k="not a number")  # what a bug inside the pipeline looks like
    assert out == FAILED
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1 and errors[0].name == "rag.app.chat"
    line = errors[0].getMessage()
    assert line.startswith("chat request failed: ValueError at ") and "\n" not in line
    assert secret not in line and "Traceback" not in out
    # a user's mistake is an answer, not a logged failure
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="rag.app.chat"):
        assert respond("   ", []).startswith("⚠️")
    assert not caplog.records


def test_serve_defaults_to_loopback_and_warns_on_all_interfaces(article_index: Path) -> None:
    from rag.app.cli import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    port = free_port()
    with socket.socket() as taken:  # the port is taken, so nothing ever listens on 0.0.0.0
        taken.bind(("0.0.0.0", port))
        taken.listen(1)
        r = run_rag("serve", "--host", "0.0.0.0", "--port", str(port), "--index", str(article_index),
                    env={"RAG_AUTH": ""}, timeout=180)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("warning: serving on 0.0.0.0 without a login") and "RAG_AUTH" in lines[0]
    assert lines[-1].startswith(f"rag serve: cannot serve on 0.0.0.0:{port}")
    assert "Traceback" not in r.stderr
