"""Reliability through the real CLI: bad input, broken indexes, interrupted and concurrent ingests.

Every mistake a user can make gets exactly one line on stderr and a non-zero exit, never a
traceback; unusual but valid input works. An ingest that fails, is killed or races another one
leaves the previous index byte for byte as it was, usable, with nothing left inside it. A
damaged index is reported with how to rebuild it. Each test works on its own copy of the
session's article index (tests/conftest.py), never on the checkout's index/.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTICLE, RAG, ROOT, run_rag
from index_files import beside, snapshot

from rag._util import sample_sha256
from rag.errors import RagError
from rag.index import open_index_files, read_manifest, verify_files
from rag.index.format import manifest_digest

REBUILD = "rag ingest --rebuild"
NOTE = "# ความร่วมมือไทย-ญี่ปุ่น\n\nไทยและญี่ปุ่นลงนามความตกลงด้านเซมิคอนดักเตอร์ในปี 2024\n"



def one_line_error(r: subprocess.CompletedProcess[str], *needles: str, code: int | None = None) -> str:
    """The run failed with exactly one line on stderr, holding every needle, and no traceback."""
    assert r.returncode != 0, (r.stdout[-500:], r.stderr[-500:])
    if code is not None:
        assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]



@pytest.fixture
def index_copy(article_index: Path, tmp_path: Path) -> Path:
    index_dir = tmp_path / "index"
    shutil.copytree(article_index, index_dir)
    return index_dir


def searchable(index_dir: Path) -> None:
    r = run_rag("search", "How does China use STAs?", "--k", "3", "--json", "--index", str(index_dir))
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)["hits"]
    assert len(hits) == 3 and all(h["text"] for h in hits)


# --------------------------------------------------------------------------- invalid input


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text file"),
    "notes-latin1.txt": ("Grüße aus München, Straße der Einheit".encode("latin-1"), "not UTF-8"),
    "empty.txt": (b"", "empty"),
    "blank.md": (b" \n\t\n\n", "empty"),
    "slides.docx": (b"PK\x03\x04 not a text format", "unsupported file type"),
    "broken.jsonl": (b'{"id": "a", "text": "x"}\n\n{"id": "b", "text": \n', "broken.jsonl:3: invalid JSON"),
    "no-text.jsonl": (b'{"id": "a", "text": "x"}\n{"id": "b", "title": "B"}\n', "no-text.jsonl:2:"),
    "not-object.jsonl": (b'{"id": "a", "text": "x"}\n["b", "x"]\n', "not-object.jsonl:2:"),
    "escape.jsonl": (b'{"id": "../escape", "text": "x"}\n', "invalid document id '../escape'"),
    "slash.jsonl": (b'{"id": "a/b", "text": "x"}\n', "invalid document id 'a/b'"),
    "duplicate.jsonl": (b'{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "duplicate.jsonl:2: document id 'a'"),
    "notes.pdf": (b"just text, not a PDF", "not a readable PDF"),
    "truncated.pdf": (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Ty",
                      "not a readable PDF"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_refused_in_one_line_and_the_index_is_untouched(name: str, index_copy: Path,
                                                                     tmp_path: Path) -> None:
    data, needle = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(data)
    good = tmp_path / "note.md"
    good.write_text(NOTE, encoding="utf-8")
    before = snapshot(index_copy)
    # a good file in the same ingest is not added either: every input is checked first
    r = run_rag("ingest", str(good), str(bad), "--index", str(index_copy))
    one_line_error(r, needle, code=2)
    assert snapshot(index_copy) == before
    assert beside(index_copy) == []


def test_a_file_named_with_spaces_is_ingested_and_named_with_them_or_its_id(index_copy: Path, tmp_path: Path) -> None:
    """Most files a user keeps are named with spaces: `รายงาน ปี 2566.md` is the document
    `รายงาน-ปี-2566` (its title keeps the spaces), which `--doc` and `rag remove` find by the
    file's name as well."""
    doc = tmp_path / "รายงาน ปี 2566.md"
    doc.write_text(NOTE, encoding="utf-8")
    r = run_rag("ingest", str(doc), "--index", str(index_copy), "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    listed = json.loads(run_rag("list", "--json", "--index", str(index_copy)).stdout)
    entry = next(d for d in listed if d["doc_id"] == "รายงาน-ปี-2566")
    assert entry["title"] == "รายงาน ปี 2566"
    for name in ("รายงาน ปี 2566", "รายงาน-ปี-2566"):
        r = run_rag("search", "เซมิคอนดักเตอร์", "--doc", name, "--json", "--index", str(index_copy))
        assert r.returncode == 0, r.stderr[-2000:]
        assert {h["doc_id"] for h in json.loads(r.stdout)["hits"]} == {"รายงาน-ปี-2566"}
    r = run_rag("remove", "รายงาน ปี 2566", "--index", str(index_copy))
    assert r.returncode == 0, r.stderr[-2000:]
    listed = json.loads(run_rag("list", "--json", "--index", str(index_copy)).stdout)
    assert [d["doc_id"] for d in listed] == ["tech-diplomacy-th"]


@pytest.mark.parametrize("doc_id", ["../x", "a/b", "..\\x", "..", ".", "/etc/passwd", "a\x00b", "a\nb", "",
                                    "x" * 201, "tab\there"])
def test_document_ids_that_could_escape_are_refused(doc_id: str, tmp_path: Path) -> None:
    from rag.document.reading import read_sources
    from rag.errors import RagError

    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": doc_id, "text": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(RagError, match=r"c.jsonl:1: invalid document id") as e:
        read_sources([corpus])
    assert "\n" not in str(e.value)


def test_a_folder_without_documents_and_a_missing_path_are_refused(index_copy: Path, tmp_path: Path) -> None:
    before = snapshot(index_copy)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    (folder / "notes.docx").write_bytes(b"PK")
    one_line_error(run_rag("ingest", str(folder), "--index", str(index_copy)), "no .txt, .md, .jsonl or .pdf files",
                   code=2)
    one_line_error(run_rag("ingest", str(tmp_path / "missing.txt"), "--index", str(index_copy)), "no such file",
                   code=2)
    one_line_error(run_rag("ingest", str(tmp_path / "missing.pdf"), "--index", str(index_copy)), "no such file",
                   code=2)
    assert snapshot(index_copy) == before


def test_a_folder_is_ingested_as_the_documents_directly_inside_it(tmp_path: Path) -> None:
    """`rag ingest FOLDER` adds the supported files directly inside it, as the default corpus
    folder is read; other files and subfolders are left alone."""
    folder = tmp_path / "papers"
    (folder / "older").mkdir(parents=True)
    (folder / "a.txt").write_text("ความร่วมมือด้านเซมิคอนดักเตอร์ระหว่างไทยและญี่ปุ่น\n", encoding="utf-8")
    (folder / "b.md").write_text("# พลังงาน\n\nการประชุมอาเซียนว่าด้วยพลังงานสะอาด\n", encoding="utf-8")
    (folder / "c.docx").write_bytes(b"PK")
    (folder / "older" / "d.txt").write_text("เอกสารเก่า\n", encoding="utf-8")
    index = tmp_path / "index"
    r = run_rag("ingest", str(folder), "--index", str(index), "--quiet", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    assert sorted(json.loads(r.stdout)["added"]) == ["a", "b"]


def test_removing_the_only_document_leaves_an_index_of_none(index_copy: Path, tmp_path: Path) -> None:
    """Removing an index's last document leaves an index of no documents (its rows hidden: an
    index of no rows cannot be built, bm25s indexing one text at least): it lists none, finds
    nothing, refuses to compact in one line, and the next ingest adds to it. (The removal once
    failed with a traceback while writing the empty index.)"""
    r = run_rag("remove", "tech-diplomacy-th", "--index", str(index_copy))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    r = run_rag("list", "--index", str(index_copy), "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == [], r.stderr[-2000:]
    r = run_rag("search", "STAs", "--index", str(index_copy), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["hits"] == [], r.stderr[-2000:]
    one_line_error(run_rag("compact", "--index", str(index_copy)), "holds no documents")
    doc = tmp_path / "note.txt"
    doc.write_text(NOTE, encoding="utf-8")
    r = run_rag("ingest", str(doc), "--index", str(index_copy), "--quiet", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["n_documents"] == 1, r.stderr[-2000:]
    r = run_rag("search", "เซมิคอนดักเตอร์", "--index", str(index_copy), "--json")
    assert [h["doc_id"] for h in json.loads(r.stdout)["hits"]][:1] == ["note"], r.stderr[-2000:]


def test_clean_reads_files_as_ingest_does(tmp_path: Path) -> None:
    """`rag clean` refuses a folder or a missing file in the same one line as ingest (it
    shares ingest's reader), and a PDF with where to look instead; it prints nothing for an
    empty file rather than refusing it."""
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    one_line_error(run_rag("clean", str(folder)), "is a directory", code=2)
    one_line_error(run_rag("clean", str(tmp_path / "missing.txt")), "no such file", code=2)
    pdf = tmp_path / "report.pdf"  # a PDF is read from its layout: `rag inspect` shows it
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    one_line_error(run_rag("clean", str(pdf)), "a PDF", "rag inspect", code=2)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n  \n")
    r = run_rag("clean", str(empty))
    assert r.returncode == 0 and r.stdout.strip() == "" and r.stderr == "", r
    r = run_rag("clean", str(empty), "--lines")  # one output line per input line
    assert r.returncode == 0 and r.stdout.split("\n") == ["", "", ""] and r.stderr == "", r


def test_inspect_prints_the_tree_of_sections_chunks_and_references(article: Path) -> None:
    """`rag inspect FILE` without --json prints each section with its chunks, the text before
    the first heading included, then the references (it once failed on the first chunk with a
    traceback, and left out the chunks before the first heading)."""
    r = run_rag("inspect", str(article))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    data = json.loads(run_rag("inspect", str(article), "--json").stdout)
    assert f"{len(data['sections'])} sections, {len(data['footnotes'])} references" in r.stdout
    for c in data["chunks"]:
        assert f"{c['chunk_id']} p. {c['page']} {len(c['text'])} chars" in r.stdout
    assert "(introduction)" in r.stdout
    assert data["footnotes"][-1]["text"][:30] in r.stdout.replace("\n", "")


def test_inspect_and_search_print_brackets_in_a_document_as_written(tmp_path: Path) -> None:
    """A title or text holding what the terminal library reads as markup (`[/bold]`) is
    printed as written by `rag inspect` and `rag search`, not taken for a style or refused
    with a traceback."""
    doc = tmp_path / "brackets.md"
    doc.write_text("ความร่วมมือด้านเซมิคอนดักเตอร์ระหว่างไทยและญี่ปุ่น [/x]\n", encoding="utf-8")
    title = "[/bold] ความร่วมมือ [red]"
    r = run_rag("inspect", str(doc), "--title", title)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert title in r.stdout
    assert "None" not in r.stdout  # Markdown has no pages to name
    index = tmp_path / "index"
    r = run_rag("ingest", str(doc), "--title", title, "--index", str(index), "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    r = run_rag("search", "เซมิคอนดักเตอร์", "--index", str(index))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert title in r.stdout and "[/x]" in r.stdout


@pytest.mark.parametrize("args, needle", [
    (["search", ""], "empty query"),
    (["search", " \t\n "], "empty query"),
    (["search", "\x07\x1b"], "empty query"),
    (["ask", "   "], "empty query"),
    (["ask", "???"], "has no words"),
    (["search", "… 👍"], "has no words"),
    (["search"], "give a QUERY or --queries"),
    (["search", "x", "--mode", "fuzzy"], "invalid choice: 'fuzzy'"),
    (["ask", "x", "--mode", "BM25"], "invalid choice"),
    (["search", "x", "--k", "0"], "must be at least 1"),
    (["search", "x", "--k", "-1"], "must be at least 1"),
    (["ask", "x", "--k", "-5"], "must be at least 1"),
    (["search", "x", "--k", "ten"], "expected a whole number"),
    (["eval", "--k", "0"], "must be at least 1"),
    (["search", "x", "--doc", "../etc"], "no document '../etc'"),
    (["remove", "../tech-diplomacy-th"], "no document"),
], ids=lambda v: "-".join(v) if isinstance(v, list) else None)
def test_bad_arguments_get_one_line(article_index: Path, args: list[str], needle: str) -> None:
    before = snapshot(article_index)
    one_line_error(run_rag(*args, "--index", str(article_index)), needle, code=2)
    assert snapshot(article_index) == before


def test_question_files_with_a_broken_line_name_the_line(article_index: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"qid": "a", "question": "STAs"}\n\n{"qid": "b" "question": "x"}\n', encoding="utf-8")
    one_line_error(run_rag("search", "--queries", str(queries), "--index", str(article_index)),
                   f"{queries}:3: invalid JSON", code=2)
    queries.write_text('{"qid": "a", "question": "STAs"}\n{"qid": "b", "q": "x"}\n', encoding="utf-8")
    one_line_error(run_rag("search", "--queries", str(queries), "--index", str(article_index)),
                   f"{queries}:2:", code=2)
    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"id": "q1", "question": "What are STAs?", "answers": ["STAs"]}\nnot json at all\n',
                  encoding="utf-8")
    one_line_error(run_rag("eval", "--qa", str(qa), "--index", str(article_index)), f"{qa}:2: invalid JSON", code=2)
    qa.write_text('{"id": "q1", "question": "What are STAs?"}\n', encoding="utf-8")
    one_line_error(run_rag("eval", "--qa", str(qa), "--index", str(article_index)), f"{qa}:1:", code=2)
    missing = run_rag("search", "--queries", str(tmp_path / "none.jsonl"), "--index", str(article_index))
    one_line_error(missing, "no such file", code=2)


LONG = ("การทูตเชิงเทคโนโลยีของจีนและ STAs technology diplomacy ๒๕๖๖ " * 600)[:29_999] + "ก"  # 30,000 after cleaning
ODD_QUERIES = {
    "emoji": "🇹🇭🤖 จีนใช้ STAs อย่างไร 🚀✨?",
    "mixed": "China จีน 中国 Китай الصين STAs science and technology agreements",
    "thai-digits": "ความตกลง STAs ปี ๒๕๖๖ และ ๑๐ ประเทศ",
    "control": "จีน\x07ใช้\x1b STAs\x00 อย่าง\x7fไร\u200b",
    "clean": "จีนใช้ STAs อย่างไร",
    "long": LONG,
    "rtl-and-marks": "\u202e STAs \u0e48\u0e49 \ufeff",
}


def test_unusual_but_valid_queries_work(article_index: Path, tmp_path: Path) -> None:
    queries = tmp_path / "odd.jsonl"
    queries.write_text("".join(json.dumps({"qid": k, "question": v}, ensure_ascii=False) + "\n"
                               for k, v in ODD_QUERIES.items()), encoding="utf-8")
    r = run_rag("search", "--queries", str(queries), "--k", "3", "--json", "--index", str(article_index))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    results = {d["qid"]: d for d in map(json.loads, r.stdout.strip().splitlines())}
    assert list(results) == list(ODD_QUERIES)
    for qid, res in results.items():
        assert "error" not in res and len(res["hits"]) == 3, qid
    # control characters are dropped, not turned into spaces: the same query as the clean one
    ids = {qid: [h["chunk_id"] for h in res["hits"]] for qid, res in results.items()}
    assert ids["control"] == ids["clean"]
    assert r.stderr.strip().splitlines() == ["long: warning: query truncated from 30,000 to 2,000 characters"]


def test_a_30000_character_question_is_answered_with_a_warning(article_index: Path) -> None:
    r = run_rag("ask", LONG, "--json", "--index", str(article_index))
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == ["warning: query truncated from 30,000 to 2,000 characters"]
    answer = json.loads(r.stdout)
    assert answer["passages"]


@pytest.mark.parametrize("question", ["๑๒๓๔", "مرحبا بالعالم", "\u200b x \u200b",
                                      "<script>alert(1)</script>", "' OR 1=1 --", "a" * 5000, "จีน" * 700])
def test_odd_questions_through_the_api_never_crash(assistant, question: str) -> None:
    from rag.answer import render_markdown

    answer = assistant.ask(question, k=3)
    md = render_markdown(answer)
    assert isinstance(md, str) and md.strip()
    assert "<script>" not in md


@pytest.mark.parametrize("question", ["🙂🙂🙂", "\u0e48\u0e49\u0e4a", "?!"])
def test_questions_without_a_letter_or_digit_are_refused_in_one_line(assistant, question: str) -> None:
    """Symbols or Thai marks alone ask nothing: one clear line, not an answer quoting whatever
    passage came first."""
    with pytest.raises(RagError, match="has no words") as e:
        assistant.ask(question, k=3)
    assert "\n" not in str(e.value)


def test_an_index_path_holding_other_files_is_never_replaced(tmp_path: Path) -> None:
    """The swap would delete what stands at --index: a folder of the user's or a file."""
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.txt").write_text("ten years of work", encoding="utf-8")
    for args in (["--index", str(folder)], ["--index", str(folder), "--rebuild"]):
        one_line_error(run_rag("ingest", str(note), *args, "--quiet"), "is not an index", "thesis.txt", code=2)
        assert (folder / "thesis.txt").read_text(encoding="utf-8") == "ten years of work"
    plain = tmp_path / "notes.txt"
    plain.write_text("keep me", encoding="utf-8")
    one_line_error(run_rag("ingest", str(note), "--index", str(plain), "--quiet"), "not an index directory", code=2)
    assert plain.read_text(encoding="utf-8") == "keep me"
    one_line_error(run_rag("ingest", str(note), "--index", str(plain / "index"), "--quiet"),
                   "cannot write beside the index", code=2)
    leftovers = {p.name for p in tmp_path.iterdir()} - {"Documents", "note.md", "notes.txt"}
    assert all(name.endswith(".lock") for name in leftovers), leftovers  # no temporary build left
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_rag("ingest", str(note), "--index", str(empty), "--quiet").returncode == 0


# --------------------------------------------------------------------------- nothing lost


@pytest.mark.parametrize("stage", ["embedded", "write", "swap"])
def test_an_ingest_killed_at_any_stage_loses_nothing(stage: str, index_copy: Path, tmp_path: Path) -> None:
    """``RAG_FAULT=<stage>`` ends the process with os._exit (no cleanup runs, as with a kill):
    after embedding, while the new index is half written, and just before the swap."""
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    before = snapshot(index_copy)
    r = run_rag("ingest", str(note), "--index", str(index_copy), "--quiet", env={"RAG_FAULT": stage})
    assert r.returncode == 70, r.stderr
    assert snapshot(index_copy) == before  # same files, same bytes: no lock or temp file inside
    searchable(index_copy)
    # the next ingest clears what the killed one left beside the index, then does its work
    done = run_rag("ingest", str(note), "--index", str(index_copy), "--quiet", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == ["note"]
    assert beside(index_copy) == []
    assert set(snapshot(index_copy)) == set(before)
    searchable(index_copy)


def big_document(path: Path, sections: int = 40) -> Path:
    rnd = random.Random(7)
    words = ("การทูต เทคโนโลยี ความร่วมมือ นโยบาย เศรษฐกิจ ประเทศไทย ภูมิภาค semiconductor supply chain "
             "diplomacy innovation").split()
    body = "\n\n".join(f"## ส่วนที่ {i}\n\n" + " ".join(rnd.choice(words) for _ in range(160)) + "."
                       for i in range(sections))
    path.write_text(f"# Big\n\n{body}\n", encoding="utf-8")
    return path


def test_sigkill_while_embedding_loses_nothing(index_copy: Path, tmp_path: Path) -> None:
    big = big_document(tmp_path / "big.md")
    before = snapshot(index_copy)
    err = tmp_path / "ingest.err"
    with err.open("w") as f:
        proc = subprocess.Popen([*RAG, "ingest", str(big), "--index", str(index_copy)], stdout=subprocess.DEVNULL,
                                stderr=f, cwd=ROOT, env=os.environ.copy())
    try:
        deadline = time.monotonic() + 120
        while "embedding" not in err.read_text(encoding="utf-8", errors="replace"):
            assert proc.poll() is None, err.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "ingest never started embedding"
            time.sleep(0.1)
        time.sleep(1.0)
        assert proc.poll() is None, "ingest finished before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(index_copy) == before
    searchable(index_copy)
    listed = run_rag("list", "--json", "--index", str(index_copy))
    assert [d["doc_id"] for d in json.loads(listed.stdout)] == ["tech-diplomacy-th"]


def test_a_second_ingest_while_one_runs_says_busy(index_copy: Path, tmp_path: Path) -> None:
    from filelock import FileLock

    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    before = snapshot(index_copy)
    lock = FileLock(str(index_copy.parent / f".{index_copy.name}.lock"))  # beside the index, as ingest takes it
    with lock.acquire(timeout=5):
        r = run_rag("ingest", str(note), "--index", str(index_copy), "--quiet")
        one_line_error(r, "index busy", code=3)
        one_line_error(run_rag("remove", "tech-diplomacy-th", "--index", str(index_copy)), "index busy", code=3)
    assert snapshot(index_copy) == before
    assert not any(p.name.endswith(".lock") for p in index_copy.rglob("*"))


def test_two_ingests_at_once_leave_a_valid_index(index_copy: Path, tmp_path: Path) -> None:
    docs = []
    for name in ("alpha", "beta"):
        doc = big_document(tmp_path / f"{name}.md", sections=2)
        docs.append(doc)
    procs = [subprocess.Popen([*RAG, "ingest", str(d), "--index", str(index_copy), "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                              env=os.environ.copy()) for d in docs]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    codes = [code for code, _ in results]
    assert set(codes) <= {0, 3} and 0 in codes, results
    for code, err in results:
        if code == 3:
            assert "busy" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    listed = run_rag("list", "--json", "--index", str(index_copy))
    assert listed.returncode == 0, listed.stderr
    expected = {"tech-diplomacy-th"} | {d.stem for d, (code, _) in zip(docs, results, strict=True) if code == 0}
    assert {d["doc_id"] for d in json.loads(listed.stdout)} == expected
    assert beside(index_copy) == []
    searchable(index_copy)


# --------------------------------------------------------------------------- broken index


def _seal(manifest: dict, index_dir: Path) -> None:
    """Make a hand-edited manifest's own checks agree with it again (each listed file's size and
    samples, the manifest's hash), as a careful hand editor would: so that what a case damages
    is left for the readers' other checks to find."""
    checks = {}
    for rel in manifest.get("files", {}) if isinstance(manifest.get("files"), dict) else {}:
        path = index_dir / rel
        if ".." not in Path(rel).parts and path.is_file():
            checks[rel] = [path.stat().st_size, sample_sha256(path)]
    manifest["file_checks"] = checks
    manifest["manifest_sha256"] = manifest_digest(manifest)


def _edit_manifest(change: Callable[[dict], None], *, seal: bool = True) -> Callable[[Path], None]:
    def damage(index_dir: Path) -> None:
        path = index_dir / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        change(manifest)
        if seal:
            _seal(manifest, index_dir)
        path.write_text(json.dumps(manifest), encoding="utf-8")
    return damage


def _truncate(rel: str, size: int) -> Callable[[Path], None]:
    def damage(index_dir: Path) -> None:
        path = index_dir / rel
        path.write_bytes(path.read_bytes()[:size])
    return damage


def _flip_byte(index_dir: Path) -> None:
    path = index_dir / "chunks.jsonl"
    data = bytearray(path.read_bytes())
    i = data.index(b"STAs")
    data[i:i + 4] = b"STAS"
    path.write_bytes(bytes(data))


def _garbage_bm25(index_dir: Path) -> None:
    rnd = random.Random(3)
    for p in (index_dir / "bm25").iterdir():
        p.write_bytes(bytes(rnd.randrange(256) for _ in range(300)))


def _edited_chunk_with_checksum(index_dir: Path) -> None:
    """Hand-edited chunks.jsonl whose checksum was 'fixed' too: a row without its text (one that
    the cases' search for "STAs" reads: search parses a row when it reads it)."""
    path = index_dir / "chunks.jsonl"
    rows = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, r in enumerate(rows) if "STAs" in r)
    row = json.loads(rows[at])
    del row["text"]
    rows[at] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _edit_manifest(lambda m: m["files"].update({"chunks.jsonl": hashlib.sha256(path.read_bytes()).hexdigest()}))(
        index_dir)


def _cut_with_checksum(index_dir: Path, name: str, drop: int) -> None:
    """Drop the last ``drop`` entries of an array file and 'fix' its checksum in the manifest,
    so only the readers' shape checks can see it."""
    path = index_dir / name
    np.save(path, np.load(path)[:-drop], allow_pickle=False)
    _edit_manifest(lambda m: m["files"].update({name: hashlib.sha256(path.read_bytes()).hexdigest()}))(index_dir)


def _latent_of_fewer_chunks(index_dir: Path) -> None:
    """Latent terms for one chunk too few, checksums 'fixed': caught by the shape check."""
    _cut_with_checksum(index_dir, "latent_indptr.npy", 1)


def _trigrams_of_another_index(index_dir: Path) -> None:
    """A trigram table whose two arrays disagree, checksums 'fixed': caught by the shape check."""
    _cut_with_checksum(index_dir, "trigram_df.npy", 5)


def _pairs_of_fewer_chunks(index_dir: Path) -> None:
    """Sentence-pair counts for one chunk too few, checksum 'fixed': caught by the shape check."""
    _cut_with_checksum(index_dir, "unit_windows.npy", 1)


def _more_pairs_than_units(index_dir: Path) -> None:
    """A chunk said to hold more sentence pairs than it has units, checksum 'fixed'."""
    path = index_dir / "unit_windows.npy"
    counts = np.load(path)
    counts[0] = np.diff(np.load(index_dir / "unit_offsets.npy"))[0] + 1
    np.save(path, counts, allow_pickle=False)
    _edit_manifest(lambda m: m["files"].update({path.name: hashlib.sha256(path.read_bytes()).hexdigest()}))(index_dir)


def _set(path: tuple[str, ...], value: object) -> Callable[[dict], None]:
    def change(m: dict) -> None:
        for key in path[:-1]:
            m = m[key]
        m[path[-1]] = value
    return change


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated-vectors": (_truncate("vectors.npy", 1000), "vectors.npy"),
    "empty-vectors": (_truncate("vectors.npy", 0), "vectors.npy"),
    "edited-chunks": (_flip_byte, "chunks.jsonl"),
    "missing-tokens": (lambda d: (d / "tokens.jsonl").unlink(), "tokens.jsonl is missing"),
    "missing-references": (lambda d: (d / "references.jsonl").unlink(), "references.jsonl is missing"),
    "missing-bm25": (lambda d: shutil.rmtree(d / "bm25"), "is missing"),
    "garbage-bm25": (_garbage_bm25, "bm25/"),
    "truncated-manifest": (_truncate("manifest.json", 300), "manifest"),
    "format-version": (_edit_manifest(_set(("format_version",), 99)), "format version 99"),
    "no-model": (_edit_manifest(lambda m: m.pop("model")), "'model'"),
    "no-documents": (_edit_manifest(_set(("documents",), ["tech-diplomacy-th"])), "'documents'"),
    "unlisted-vectors": (_edit_manifest(lambda m: m["files"].pop("vectors.npy")), "no checksum for vectors.npy"),
    "escaping-file-entry": (_edit_manifest(_set(("files", "../../etc/passwd"), "0" * 64)), "../../etc/passwd"),
    "edited-chunk-and-checksum": (_edited_chunk_with_checksum, "chunks.jsonl"),
    "truncated-latent": (_truncate("latent_values.npy", 100), "latent_values.npy"),
    "unlisted-latent": (_edit_manifest(lambda m: m["files"].pop("latent_indices.npy")),
                        "no checksum for latent_indices.npy"),
    "latent-of-fewer-chunks": (_latent_of_fewer_chunks, "latent"),
    "truncated-trigrams": (_truncate("trigram_keys.npy", 100), "trigram_keys.npy"),
    "no-trigram-settings": (_edit_manifest(lambda m: m.pop("trigrams")), "'trigrams'"),
    "missing-unit-windows": (lambda d: (d / "unit_windows.npy").unlink(), "unit_windows.npy is missing"),
    "pairs-of-fewer-chunks": (_pairs_of_fewer_chunks, "inconsistent"),
    "more-pairs-than-units": (_more_pairs_than_units, "inconsistent"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_a_broken_index_is_reported_with_how_to_rebuild(case: str, index_copy: Path) -> None:
    damage, needle = DAMAGE[case]
    damage(index_copy)
    one_line_error(run_rag("search", "STAs", "--json", "--index", str(index_copy)), REBUILD, needle, code=2)
    before = snapshot(index_copy)
    # an update of a broken index is refused too, and leaves it as it was
    note = index_copy.parent / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    one_line_error(run_rag("ingest", str(note), "--index", str(index_copy), "--quiet"), REBUILD, code=2)
    assert snapshot(index_copy) == before


def _refused_then_mended_by_an_update(index_dir: Path, tmp_path: Path, needle: str) -> None:
    """Search refuses the index in one line; an update of it succeeds and leaves it searchable."""
    one_line_error(run_rag("search", "STAs", "--index", str(index_dir)), needle, REBUILD, code=2)
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    r = run_rag("ingest", str(note), "--index", str(index_dir), "--quiet")
    assert r.returncode == 0, r.stderr
    searchable(index_dir)


def test_a_manifest_with_a_wrong_dimension_is_refused_and_an_update_repairs_it(index_copy: Path,
                                                                                tmp_path: Path) -> None:
    # the stored vectors are what they were: an update embeds alike and writes a true manifest
    _edit_manifest(_set(("model", "dim"), 768))(index_copy)
    _refused_then_mended_by_an_update(index_copy, tmp_path, "768")


def test_a_trigram_table_out_of_step_is_refused_and_an_update_rebuilds_it(index_copy: Path,
                                                                            tmp_path: Path) -> None:
    """Its checksums 'fixed', so only the shape check sees it; the table is counted afresh from
    the chunks at every write, so an update repairs it."""
    _trigrams_of_another_index(index_copy)
    _refused_then_mended_by_an_update(index_copy, tmp_path, "trigram_keys.npy")
    assert len(np.load(index_copy / "trigram_df.npy")) == len(np.load(index_copy / "trigram_keys.npy"))


def test_a_missing_manifest_says_to_ingest(index_copy: Path) -> None:
    (index_copy / "manifest.json").unlink()
    one_line_error(run_rag("search", "STAs", "--index", str(index_copy)), "no index", "rag ingest", code=2)
    one_line_error(run_rag("list", "--index", str(index_copy)), "no index", "rag ingest", code=2)


@pytest.mark.parametrize("field, value, needle", [
    ("id", "sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"),
    ("vector_space", "e5-small-fp32/0000", "rag ingest"),
])
def test_an_index_from_another_model_is_refused_in_one_line(index_copy: Path, field: str, value: str,
                                                            needle: str) -> None:
    _edit_manifest(_set(("model", field), value))(index_copy)
    one_line_error(run_rag("search", "STAs", "--index", str(index_copy)), needle, code=2)


def test_rebuild_repairs_a_broken_index(index_copy: Path, tmp_path: Path) -> None:
    _truncate("vectors.npy", 100)(index_copy)
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    r = run_rag("ingest", "--rebuild", str(note), "--index", str(index_copy), "--quiet", "--json")
    assert r.returncode == 0, r.stderr
    hits = json.loads(run_rag("search", "เซมิคอนดักเตอร์", "--json", "--index", str(index_copy)).stdout)["hits"]
    assert hits and hits[0]["doc_id"] == "note"


# --------------------------------------------------------------------------- what is stored


def test_the_index_holds_no_pickle_and_no_executable_format(article_index: Path) -> None:
    for path in sorted(article_index.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".npy":
            arr = np.load(path, allow_pickle=False)  # raises on an object (pickled) array
            assert arr.dtype != object
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                json.loads(line)
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        else:
            pytest.fail(f"unexpected file in the index: {path.relative_to(article_index)}")
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "rag").glob("*.py"))
    assert "import pickle" not in sources and "allow_pickle=True" not in sources and "torch.load(" not in sources


def test_after_an_ingest_the_index_holds_only_its_files(index_copy: Path, tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text(NOTE, encoding="utf-8")
    r = run_rag("ingest", str(note), str(ARTICLE), "--index", str(index_copy), "--quiet")
    assert r.returncode == 0, r.stderr
    inside = [p.name for p in index_copy.rglob("*")]
    assert not any(n.endswith(".lock") or ".tmp-" in n for n in inside), inside
    # exactly the files the manifest vouches for, and the manifest
    listed = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert set(snapshot(index_copy)) == set(listed) | {"manifest.json"}


def test_what_ingest_keeps_beside_the_default_index_is_ignored_by_git(article_index: Path) -> None:
    """The lock and the temporary folder live beside the index (never inside it): for the
    default ./index that is the checkout's root, where a user's `git status` must stay clean
    (the lock file was once listed as untracked after `make run`)."""
    import fnmatch

    names = {p.name for p in article_index.parent.iterdir() if p.name.startswith(f".{article_index.name}.")}
    assert f".{article_index.name}.lock" in names  # what an ingest leaves behind
    patterns = [line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    for name in (".index.lock", ".index.tmp-x1y2z3"):
        assert any(fnmatch.fnmatch(name, pattern.strip("/")) for pattern in patterns), name


# ----------------------------------------------------------------------------- checks on open, `rag check`

def _flip_inside(path: Path) -> None:
    """One byte changed at an eighth of the file: between the samples an open hashes
    (rag._util.sample_sha256: head, tail, quarters), the size kept."""
    data = bytearray(path.read_bytes())
    data[len(data) // 8] ^= 0xFF
    path.write_bytes(bytes(data))


def test_rag_check_says_ok_in_one_line_and_reports_damage_with_a_nonzero_exit(index_copy: Path) -> None:
    # the manifest ingest wrote holds what it added after its files (the gate's calibration),
    # sealed by its own hash with it: the check passes
    assert "calibration" in read_manifest(index_copy)
    r = run_rag("check", "--index", str(index_copy))
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    n_chunks = len((index_copy / "chunks.jsonl").read_text(encoding="utf-8").splitlines())
    assert len(lines) == 1 and "ok" in lines[0] and f"{n_chunks} chunks" in lines[0], r.stderr
    report = json.loads(run_rag("check", "--json", "--index", str(index_copy)).stdout)
    assert report["ok"] and report["chunks"] == n_chunks and report["files"] == len(read_manifest(index_copy)["files"])
    _flip_inside(index_copy / "units.npy")
    one_line_error(run_rag("check", "--index", str(index_copy)), "units.npy", REBUILD, code=2)
    one_line_error(run_rag("check", "--index", str(index_copy.parent / "nowhere")), "no index", code=2)


def test_opening_reads_samples_of_a_large_file_and_a_full_check_every_byte(index_copy: Path) -> None:
    """What the cheap open sees and what it leaves to `rag check`, on a file taken as large (the
    threshold set to 0 bytes, as every file of a large index is)."""
    units = index_copy / "units.npy"
    assert units.stat().st_size > 5 * (1 << 16)  # more than the samples cover
    manifest = read_manifest(index_copy)
    assert verify_files(index_copy, manifest, hash_whole_up_to=0) < units.stat().st_size
    _flip_inside(units)
    verify_files(index_copy, manifest, hash_whole_up_to=0)  # the documented blind spot
    with pytest.raises(RagError, match="units.npy.*checksum mismatch"):
        verify_files(index_copy, manifest, full=True)
    # a build directory beside the index (an ingest was killed): every open checks in full
    (index_copy.parent / f".{index_copy.name}.tmp-killed").mkdir()
    with pytest.raises(RagError, match="units.npy"):
        verify_files(index_copy, manifest, hash_whole_up_to=0)
    shutil.rmtree(index_copy.parent / f".{index_copy.name}.tmp-killed")
    # a changed size, or a change in a sample, is seen by the cheap open
    data = units.read_bytes()
    units.write_bytes(data[: len(data) // 2] + bytes([data[len(data) // 2] ^ 1]) + data[len(data) // 2 + 1:])
    with pytest.raises(RagError, match="units.npy.*checksum mismatch"):
        verify_files(index_copy, manifest, hash_whole_up_to=0)
    units.write_bytes(data + b"\0")
    with pytest.raises(RagError, match="units.npy.*bytes, not"):
        verify_files(index_copy, manifest, hash_whole_up_to=0)


def test_a_damaged_chunk_line_that_passes_the_open_checks_is_reported_when_search_reads_it(
        index_copy: Path) -> None:
    """Search parses a chunk's line only when it reads that chunk (rag.index.chunkfile), so a
    line damaged past what the open checks see (its checksums 'fixed', as in the middle of a
    large file) is found at query time: still one line with the rebuild hint, no traceback.
    `rag check` parses every line and finds it at once."""
    from rag.search import Searcher

    top = Searcher(index_copy).search("STAs", k=1).hits[0].chunk_id
    path = index_copy / "chunks.jsonl"
    lines = path.read_bytes().split(b"\n")
    row = next(i for i, line in enumerate(lines) if line and json.loads(line)["chunk_id"] == top)
    lines[row] = lines[row].replace(b'"text": "', b'"text": ', 1)  # no longer JSON
    path.write_bytes(b"\n".join(lines))
    _edit_manifest(lambda m: m["files"].update({"chunks.jsonl": hashlib.sha256(path.read_bytes()).hexdigest()}))(
        index_copy)
    r = run_rag("search", "STAs", "--k", "1", "--index", str(index_copy))
    one_line_error(r, "chunks.jsonl", "could not be read", REBUILD, code=2)
    one_line_error(run_rag("check", "--index", str(index_copy)), "chunks.jsonl", REBUILD, code=2)


def test_a_manifest_edited_by_hand_is_caught_by_its_own_hash(index_copy: Path) -> None:
    _edit_manifest(lambda m: next(iter(m["documents"].values())).update(title="edited"), seal=False)(index_copy)
    one_line_error(run_rag("search", "STAs", "--index", str(index_copy)), "own hash", REBUILD, code=2)
    one_line_error(run_rag("check", "--index", str(index_copy)), "own hash", REBUILD, code=2)


def test_an_index_written_before_the_open_checks_still_opens_and_is_checked_in_full(index_copy: Path) -> None:
    _edit_manifest(lambda m: [m.pop("file_checks"), m.pop("manifest_sha256")], seal=False)(index_copy)
    searchable(index_copy)
    assert open_index_files(index_copy).chunks
    assert run_rag("check", "--index", str(index_copy)).returncode == 0
    _flip_byte(index_copy)
    one_line_error(run_rag("search", "STAs", "--index", str(index_copy)), "chunks.jsonl", REBUILD, code=2)
