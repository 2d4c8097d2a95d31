"""Load benchmark of the chat: concurrent gradio_client users asking questions of one `rag serve`.

    python eval/load_test.py                          # 20 users x 50 questions -> eval/results/load.{json,md}
    python eval/load_test.py --users 4 --questions 5 --out /tmp/load
    python eval/load_test.py --url http://127.0.0.1:7860 --out /tmp/load   # a server already running

Without ``--url`` the shipped article is ingested into a temporary index (``--index DIR`` copies an
existing index there instead) and ``rag serve`` is started on 127.0.0.1 on a free port; the
checkout's ``index/`` is never read or written. Each user is one gradio_client session that asks
its questions one after another, as a person waits for an answer before asking again; all users
start together. Questions are the Thai and English questions of eval/qa_dev.jsonl, each user
starting at a different one. An error is an exception from the client, an answer that is not
text, or a warning line (the chat's "⚠️" for a failed request). Traffic goes to 127.0.0.1 only,
and the run is bounded: users x questions requests, each with a timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rag.evaluation.serve_process import serving

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "tech-diplomacy-th.txt"
QA = ROOT / "eval" / "qa_dev.jsonl"
RESULTS = ROOT / "eval" / "results"
REQUEST_TIMEOUT = 120.0
# gradio_client's HTTP calls (config, queue join, the answer stream) otherwise time out after 5 s
# on a busy 2-core machine, where a browser would simply wait: a user's wait is what we measure.
HTTP_TIMEOUT = 60.0


def load_questions(path: Path = QA) -> list[tuple[str, str]]:
    """(language, question) pairs, in file order."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out.append((rec.get("lang") or "?", rec["question"]))
    if not out:
        raise SystemExit(f"{path}: no questions")
    return out


def plan(questions: list[tuple[str, str]], users: int, per_user: int) -> list[list[tuple[str, str]]]:
    """Each user asks ``per_user`` questions, starting at a different place in the list."""
    n = len(questions)
    return [[questions[(u * 5 + i) % n] for i in range(per_user)] for u in range(users)]


def _check(answer: Any) -> str | None:
    """Why an answer counts as an error, or None."""
    if not isinstance(answer, str) or not answer.strip():
        return f"not an answer ({type(answer).__name__})"
    if answer.lstrip().startswith("⚠️"):
        return "warning answer: " + answer.strip().splitlines()[0][:120]
    if "###" not in answer:
        return "answer without its sections"
    return None


def _user(url: str, questions: list[tuple[str, str]], start: threading.Barrier) -> list[dict[str, Any]]:
    from gradio_client import Client

    records: list[dict[str, Any]] = []
    try:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False,
                        httpx_kwargs={"timeout": HTTP_TIMEOUT})
    except Exception as e:  # the whole user fails: every question is an error
        start.wait()
        return [{"lang": lang, "question": q, "ms": None, "error": f"connect: {type(e).__name__}: {e}"[:200],
                 "answer": None} for lang, q in questions]
    start.wait()
    for lang, q in questions:
        t0 = time.perf_counter()
        answer, error = None, None
        try:
            job = client.submit(q, api_name="/chat")
            answer = job.result(timeout=REQUEST_TIMEOUT)
            error = _check(answer)
        except Exception as e:
            error = f"{type(e).__name__}: {e}"[:200]
        records.append({"lang": lang, "question": q, "ms": (time.perf_counter() - t0) * 1000, "error": error,
                        "answer": answer if isinstance(answer, str) else None})
    try:
        client.close()
    except Exception:
        pass
    return records


def _pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))]


def _latency(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50_ms": round(_pct(values, 50), 1), "p95_ms": round(_pct(values, 95), 1),
            "p99_ms": round(_pct(values, 99), 1), "mean_ms": round(statistics.fmean(values), 1),
            "max_ms": round(max(values), 1)}


def run_load(url: str, users: int, per_user: int, questions: list[tuple[str, str]] | None = None,
             *, keep_answers: bool = False) -> dict[str, Any]:
    """Send ``users`` x ``per_user`` questions to the chat at ``url``; returns the summary."""
    work = plan(questions or load_questions(), users, per_user)
    start = threading.Barrier(users + 1)
    with ThreadPoolExecutor(max_workers=users) as pool:
        futures = [pool.submit(_user, url, qs, start) for qs in work]
        start.wait(timeout=300)
        t0 = time.perf_counter()
        per_user_records = [f.result() for f in futures]
        wall = time.perf_counter() - t0
    records = [r for rs in per_user_records for r in rs]
    ok = [r["ms"] for r in records if r["error"] is None]
    errors = [r for r in records if r["error"] is not None]
    by_lang = {lang: _latency([r["ms"] for r in records if r["lang"] == lang and r["error"] is None])
               for lang in sorted({r["lang"] for r in records})}
    summary: dict[str, Any] = {
        "users": users,
        "questions_per_user": per_user,
        "requests": len(records),
        "errors": len(errors),
        "error_kinds": dict(Counter(e["error"].split(":")[0] for e in errors)),
        "error_samples": [e["error"] for e in errors[:5]],
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(records) / wall, 2) if wall > 0 else None,
        "latency": _latency(ok),
        "latency_by_lang": by_lang,
    }
    if keep_answers:
        summary["records"] = records
    return summary


def _environment() -> dict[str, Any]:
    from importlib.metadata import version

    from rag.app import chat as chat

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "gradio": version("gradio"),
            "gradio_client": version("gradio_client"), "concurrency_limit": chat.CONCURRENCY,
            "queue_max_size": chat.QUEUE_SIZE, "date": time.strftime("%Y-%m-%d %H:%M:%S%z"),
            "load_average_1min": round(os.getloadavg()[0], 2)}


def write_report(result: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    result = {k: v for k, v in result.items() if k != "records"}
    js = out / "load.json"
    js.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    lat, env = result["latency"], result["environment"]
    rows = "\n".join(f"| {lang} | {v.get('p50_ms', '-')} | {v.get('p95_ms', '-')} | {v.get('max_ms', '-')} |"
                     for lang, v in result["latency_by_lang"].items())
    md = out / "load.md"
    md.write_text(f"""# Chat load test

{result['users']} concurrent gradio_client users x {result['questions_per_user']} questions each
({result['requests']} requests) against one `rag serve` on 127.0.0.1, index of the shipped article,
questions from eval/qa_dev.jsonl (Thai and English). Made by `python eval/load_test.py`
on {env['cpus']} CPU cores (1-minute load average {env.get('load_average_1min')} when it ended), Gradio
{env['gradio']}, queue concurrency {env['concurrency_limit']}, queue size {env['queue_max_size']}, {env['date']}.

| errors | wall (s) | throughput (answers/s) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |
| --- | --- | --- | --- | --- | --- | --- |
| {result['errors']} | {result['wall_s']} | {result['throughput_rps']} | {lat.get('p50_ms', '-')} | \
{lat.get('p95_ms', '-')} | {lat.get('p99_ms', '-')} | {lat.get('max_ms', '-')} |

Latency by question language (successful requests):

| lang | p50 (ms) | p95 (ms) | max (ms) |
| --- | --- | --- | --- |
{rows}

Latency is what a user waits: time in the queue behind the other users plus the answer itself.
Search runs one request at a time (it is CPU-bound and the query encoder already uses every
core), so with N users asking back to back a request waits for about N-1 others: p50 grows
with the number of users while throughput stays that of one search at a time. A load average
above the number of cores means other work shared the machine during the run.
""" + (f"\nErrors: {result['error_kinds']}; first: {result['error_samples']}\n" if result["errors"] else ""),
                  encoding="utf-8")
    return [js, md]


@contextmanager
def _server(args: argparse.Namespace) -> Iterator[str]:
    if args.url:
        yield args.url
        return
    work = Path(tempfile.mkdtemp(prefix="rag-load-"))
    try:
        index_dir = work / "index"
        if args.index:
            shutil.copytree(args.index, index_dir)
        else:
            from rag.ingest import ingest

            print(f"ingesting {ARTICLE.name} into {index_dir}", file=sys.stderr)
            ingest([ARTICLE], index_dir, progress=False)
        with serving(index_dir, work / "serve.log", cwd=ROOT) as url:
            yield url
            log = (work / "serve.log").read_text(encoding="utf-8")
            failed = [line for line in log.splitlines() if "chat request failed" in line]
            if failed:
                print(f"server log: {len(failed)} failed requests, e.g. {failed[0]}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    from rag.config import apply_thread_policy

    apply_thread_policy()  # the CLI's thread settings, so timings match `rag`
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--questions", type=int, default=50, help="questions per user")
    p.add_argument("--url", help="an already running chat (default: start one on a temporary index)")
    p.add_argument("--index", help="copy this index instead of ingesting the article")
    p.add_argument("--out", default=str(RESULTS), help="where load.json and load.md go")
    args = p.parse_args(argv)
    if args.users < 1 or args.questions < 1:
        p.error("--users and --questions must be at least 1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    with _server(args) as url:
        print(f"{args.users} users x {args.questions} questions against {url}", file=sys.stderr)
        result = run_load(url, args.users, args.questions)
    result["environment"] = _environment()
    written = write_report(result, Path(args.out))
    lat = result["latency"]
    print(f"{result['requests']} requests, {result['errors']} errors, {result['throughput_rps']} answers/s, "
          f"p50 {lat.get('p50_ms')} ms, p95 {lat.get('p95_ms')} ms; wrote {', '.join(map(str, written))}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
