"""Generated answers against real servers: ``transformers serve`` (an OpenAI-compatible server)
over a tiny Llama the test builds itself (random weights, a tokenizer trained on the article),
whose nonsense the citation check must reject, leaving the quoted answer; a server that is
down, one that never answers and one that answers with something that is not JSON each give
one clear line and the quoted answer; with no LLM configured no request is made."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ARTICLE, run_rag

QUESTION = "How does China use STAs?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_tiny_llama(out: Path) -> None:
    """A two-layer Llama with random weights and a byte-level BPE tokenizer trained on the
    article, with a chat template: what ``transformers serve`` needs, built without the hub."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=800, special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(ARTICLE.read_text(encoding="utf-8").splitlines(), trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>")
    fast.chat_template = ("{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}</s>{% endfor %}"
                          "{% if add_generation_prompt %}<s>assistant: {% endif %}")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=8192,
                         bos_token_id=1, eos_token_id=2, pad_token_id=3)
    LlamaForCausalLM(config).save_pretrained(out)
    fast.save_pretrained(out)


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("openai")
    pytest.importorskip("fastapi")
    model = tmp_path_factory.mktemp("llm") / "tiny-llama"
    build_tiny_llama(model)
    port = free_port()
    log = model.parent / "serve.log"
    cli = Path(sys.executable).with_name("transformers")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen([str(cli), "serve", str(model), "--port", str(port), "--host", "127.0.0.1",
                                 "--device", "cpu"], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("transformers serve did not start:\n" + log.read_text()[-2000:]) from None
                time.sleep(1)
        yield {"url": f"http://127.0.0.1:{port}/v1", "model": str(model), "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def ask(index: Path, *flags: str, env: dict[str, str] | None = None) -> tuple[dict, list[str], subprocess.CompletedProcess]:
    r = run_rag("ask", "--index", str(index), QUESTION, "--json", *flags,
                env={"RAG_LLM_MAX_TOKENS": "40", "RAG_LLM_TIMEOUT": "2", **(env or {})})
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout), [line for line in r.stderr.splitlines() if line.strip()], r


def chat_requests(log: Path) -> int:
    return log.read_text().count("POST /v1/chat/completions")


def test_nonsense_from_a_real_server_is_rejected_and_the_quoted_answer_shown(tiny_server, article_index) -> None:
    before = chat_requests(tiny_server["log"])
    data, err, _ = ask(article_index, "--llm", tiny_server["url"], "--llm-model", tiny_server["model"],
                       env={"RAG_LLM_TIMEOUT": "120"})
    assert chat_requests(tiny_server["log"]) == before + 1
    assert '"POST /v1/chat/completions HTTP/1.1" 200' in tiny_server["log"].read_text()  # well formed
    gen = data["generated"]
    assert gen["model"] == tiny_server["model"] and gen["error"] is None
    assert gen["text"].strip()  # the model wrote something ...
    assert gen["sentences"] and not any(s["supported"] for s in gen["sentences"])  # ... and none of it holds
    assert gen["shown"] is False
    assert data["extract"] and data["passages"]  # the quoted answer stands
    # the terminal rendering says the generated answer was withheld, above the quoted one
    r = run_rag("ask", "--index", str(article_index), QUESTION, "--llm", tiny_server["url"], "--llm-model",
                tiny_server["model"], env={"RAG_LLM_MAX_TOKENS": "40", "RAG_LLM_TIMEOUT": "120"})
    assert r.returncode == 0 and "generated answer was not shown" in r.stdout


def test_no_llm_configured_makes_no_request(tiny_server, article_index) -> None:
    before = chat_requests(tiny_server["log"])
    env = {k: "" for k in ("RAG_LLM_URL", "RAG_LLM_MODEL", "RAG_LLM_KEY")}
    data, err, _ = ask(article_index, env=env)
    assert "generated" not in data
    assert not err
    assert chat_requests(tiny_server["log"]) == before


def one_line(err: list[str], phrase: str) -> None:
    lines = [line for line in err if "no generated answer" in line]
    assert len(lines) == 1 and phrase in lines[0], err


def test_server_down_gives_one_line_and_the_quoted_answer(article_index) -> None:
    data, err, _ = ask(article_index, "--llm", f"http://127.0.0.1:{free_port()}/v1", "--llm-model", "m")
    one_line(err, "cannot reach")
    assert data["generated"]["error"] and data["extract"]


def test_a_server_that_never_answers_times_out(article_index) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # accepts connections, never answers
    try:
        t0 = time.monotonic()
        data, err, _ = ask(article_index, "--llm", f"http://127.0.0.1:{sock.getsockname()[1]}/v1",
                           "--llm-model", "m", env={"RAG_LLM_TIMEOUT": "1"})
        assert time.monotonic() - t0 < 60
    finally:
        sock.close()
    one_line(err, "did not answer within 1 s")
    assert data["extract"]


class Garbage(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = b"<html>not json{"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_server_that_answers_garbage_gives_one_line(article_index) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        data, err, _ = ask(article_index, "--llm", f"http://127.0.0.1:{server.server_port}/v1", "--llm-model", "m")
    finally:
        server.shutdown()
        server.server_close()
    one_line(err, "not a chat completion")
    assert data["extract"]


def test_bad_settings_are_one_line(article_index) -> None:
    r = run_rag("ask", "--index", str(article_index), QUESTION, "--llm", "localhost:8000")
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1 and "http(s) URL" in r.stderr
    r = run_rag("ask", "--index", str(article_index), QUESTION, "--llm", "http://localhost:8000/v1",
                env={"RAG_LLM_MODEL": ""})
    assert r.returncode != 0 and "model name" in r.stderr


def test_the_chat_streams_the_generated_answer_then_its_verdict(tiny_server, article_index) -> None:
    from rag.api import open_index
    from rag.app.chat import make_respond
    from rag.generate import LLMSettings

    assistant = open_index(article_index, llm=LLMSettings(url=tiny_server["url"], model=tiny_server["model"],
                                                         timeout=120, max_tokens=24))
    before = chat_requests(tiny_server["log"])
    outputs = list(make_respond(assistant)(QUESTION, []))
    assert chat_requests(tiny_server["log"]) == before + 1
    assert "### Passages" in outputs[0] and "generated" not in outputs[0]  # the quoted answer first
    assert len(outputs) > 2 and any("Being written by the model" in o for o in outputs[1:-1])  # streamed
    assert "The generated answer was not shown" in outputs[-1] and "### Passages" in outputs[-1]


def test_rag_eval_llm_reports_the_generated_figures(tiny_server, article_index, tmp_path) -> None:
    off = tmp_path / "offtopic.jsonl"
    off.write_text("\n".join(json.dumps({"question": q}, ensure_ascii=False) for q in (
        "How do I bake sourdough bread at home?", "สูตรต้มยำกุ้งน้ำข้นทำอย่างไร")) + "\n", encoding="utf-8")
    before = chat_requests(tiny_server["log"])
    r = run_rag("eval", "--index", str(article_index), "--qa", str(Path(__file__).parents[1] / "data" /
                "eval_questions.jsonl"), "--llm", tiny_server["url"], "--llm-model", tiny_server["model"], "--json",
                "--offtopic", str(off), env={"RAG_LLM_MAX_TOKENS": "16", "RAG_LLM_TIMEOUT": "120"})
    assert r.returncode == 0, r.stderr
    figures = json.loads(r.stdout)["generated"]
    # random weights: nothing the model writes holds up, so every question falls back to the quoted answer
    assert figures["all"]["n"] == 13 and figures["all"]["holds_key_phrase"] == 0.0
    assert figures["all"]["refused"] == 1.0 and figures["all"]["llm_failed"] == 0
    assert figures["all"]["sentences_supported"] in (0.0, None)
    # off-topic questions: refused by the gate before any request (one request per on-topic question at most)
    assert figures["offtopic"] == {"n": 2, "refused": 1.0, "asked_the_model": 0}
    assert chat_requests(tiny_server["log"]) - before <= 13
