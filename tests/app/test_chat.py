"""The chat's API, as a program would call it: gradio_client against a real `rag serve`.

One server per module, on a copy of the article's index plus a document full of markup
(tests/chat_server.py); every test asks it real questions through ``/chat``.
"""

from __future__ import annotations

import re

import pytest
from chat_server import XSS_DOC_ID, XSS_QUESTION, index_with_probe, rag_serve
from conftest import run_rag

pytestmark = pytest.mark.slow

LABELS_EN = ("### Answer", "### Passages", "### Sources")
LABELS_TH = ("### คำตอบ", "### ข้อความที่เกี่ยวข้อง", "### แหล่งอ้างอิง")
CHINA = "จีน: เทคโนโลยี อำนาจ และการทูต"
JAPAN = "ญี่ปุ่น: นวัตกรรม การทูต และความร่วมมือ"


@pytest.fixture(scope="module")
def served(article_index, tmp_path_factory):
    work = tmp_path_factory.mktemp("chat")
    index_dir = index_with_probe(article_index, work)
    log = work / "serve.log"
    with rag_serve(index_dir, log) as url:
        yield url, log


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served[0], verbose=False, analytics_enabled=False, download_files=False)


def ask(client, message: str, *settings) -> str:
    answer = client.predict(message, *settings, api_name="/chat")
    assert isinstance(answer, str)
    return answer


def parts(md: str, labels: tuple[str, str, str]) -> tuple[str, str, str]:
    """The extract, passages and sources sections of a composed answer."""
    a, p, s = (md.index(label) for label in labels)
    assert a < p < s
    return md[a:p], md[p:s], md[s:]


def passage_headers(md: str) -> list[str]:
    return re.findall(r"^\*\*\[(\d+)\]\*\* (.+)$", md, flags=re.M)


def check_cited_answer(md: str, labels: tuple[str, str, str]) -> None:
    extract, passages, sources = parts(md, labels)
    lines = [x for x in extract.splitlines() if x.startswith("- ")]
    assert lines, extract
    cited = [int(n) for n in re.findall(r" \[(\d+)\]$", "\n".join(lines), flags=re.M)]
    assert len(cited) == len(lines), "every extract sentence ends with its citation"
    shown = [int(n) for n, _ in passage_headers(passages)]
    assert shown[:3] == [1, 2, 3] and set(cited) <= set(shown)
    assert all(CHINA in header for _, header in passage_headers(passages)[:3])
    assert "<sup>18</sup>" in passages, "the footnote marker of the STAs sentence"
    assert "<mark>STAs</mark>" in passages
    source = next(x for x in sources.splitlines() if x.startswith("- <sup>18</sup>"))
    assert "Wagner" in source and "Simon" in source and "2023" in source


def test_english_question_gets_english_labels_extract_passages_and_sources(client):
    md = ask(client, "How does China use STAs?")
    check_cited_answer(md, LABELS_EN)
    assert not any(label in md for label in LABELS_TH)


def test_thai_question_gets_thai_labels_extract_passages_and_sources(client):
    md = ask(client, "จีนใช้ STAs อย่างไร")
    check_cited_answer(md, LABELS_TH)
    assert not any(label in md for label in LABELS_EN)


def test_settings_are_optional_inputs_that_filter_and_limit(client):
    md = ask(client, "How does Japan use science diplomacy?", 2, "dense", "tech-diplomacy-th", JAPAN)
    headers = passage_headers(md)
    assert [n for n, _ in headers] == ["1", "2"]
    assert all(JAPAN in h for _, h in headers)


def test_off_topic_question_says_nothing_was_found(client):
    md = ask(client, "Who is the best tennis player of all time?")
    assert md.startswith("### Answer") and "No passage in the indexed documents answers this question." in md
    assert "### Passages" not in md and "### Closest passages" in md  # shown under the "not found" line
    md = ask(client, "วิธีทำผัดกะเพราไก่ไข่ดาว")
    assert "ไม่พบข้อความในเอกสารที่ตอบคำถามนี้" in md and "### ข้อความที่เกี่ยวข้อง" not in md


def test_follow_up_in_one_session_is_searched_with_the_previous_question(served):
    from gradio_client import Client

    session = Client(served[0], verbose=False, analytics_enabled=False, download_files=False)
    ask(session, "How does China use STAs?")
    md = ask(session, "and Japan?")
    assert "Searched together with the previous question: “How does China use STAs?”" in md
    headers = [h for _, h in passage_headers(md)]
    assert sum(JAPAN in h for h in headers) > len(headers) / 2, headers


def test_document_markup_comes_back_escaped(client):
    md = ask(client, XSS_QUESTION, 5, "hybrid", XSS_DOC_ID)
    assert "### Passages" in md
    assert "&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt;" in md  # markdown escapes "_" too
    assert "&lt;img src=x onerror=" in md
    assert "<script" not in md and "<img" not in md and 'href="javascript' not in md


def test_bad_login_setting_is_one_clear_line(article_index):
    r = run_rag("serve", "--index", str(article_index), env={"RAG_AUTH": "nopassword"}, timeout=120)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == ["rag serve: RAG_AUTH must look like user:password"]


def test_server_log_holds_no_document_text(served, client):
    ask(client, "How does China use STAs?")
    log = served[1].read_text(encoding="utf-8")
    assert "serving" in log and "127.0.0.1" in log
    for text in ("Wagner", "STAs", "__pwned", "กระทรวง", "จีน"):
        assert text not in log, f"{text!r} in the server log:\n{log}"
