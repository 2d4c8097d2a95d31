"""The Milvus store against Milvus Lite 2.5 (the native engine, no mocks): the same retrieval as
the embedded index, filters, per-document updates, interrupted and concurrent writes, the chat
served from it, and the one-line errors of a missing server or package.

Milvus Lite serves one process per file: each test that runs the CLI uses a file of its own,
and the in-process tests let go of theirs (``MilvusStore.close``) before a subprocess opens it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import ARTICLE, ROOT, run_rag

try:
    import milvus_lite  # noqa: F401
    import pymilvus  # noqa: F401
except ImportError as e:  # skipped without the extra, except under CI (`make test` installs it), where it fails
    if os.environ.get("CI"):
        pytest.fail(f"the Milvus tests cannot run: {e} (CI is set, so they must; make test installs '.[test,milvus]')",
                    pytrace=False)
    pytest.skip("the milvus extra is not installed (pip install 'thai-rag[milvus]')", allow_module_level=True)

from rag.errors import RagError  # noqa: E402

README_QUESTIONS = ("จีนใช้ STAs อย่างไร", "How does China use STAs?", "ความมั่นคงทางเทคโนโลยี")
NOTE = "# Quantum orchard notes\n\nThe quantum orchard grows teal apples in the valley of Nong Khai.\n\n" \
       "## Harvest\n\nสวนควอนตัมเก็บเกี่ยวแอปเปิลสีฟ้าในเดือนพฤศจิกายน ที่หนองคาย\n"


def _questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "qa_dev.jsonl").open(encoding="utf-8") if line.strip()]
    return [r["question"] for r in rows] + list(README_QUESTIONS)


@pytest.fixture(scope="module")
def milvus_uri(article_index: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The session's article index copied into Milvus Lite (its vectors reused)."""
    from rag.ingest import copy_index

    uri = f"milvus://{tmp_path_factory.mktemp('milvus')}/article.db"
    report = copy_index(article_index, uri)
    assert report.added == ["tech-diplomacy-th"] and report.chunks_embedded == 0
    return uri


@pytest.fixture(scope="module")
def pair(article_index: Path, milvus_uri: str):
    from rag.search import Searcher

    embedded = Searcher(article_index)
    return embedded, Searcher(milvus_uri, embedder=embedded.embedder)


def _same(a, b) -> bool:
    return [h.chunk_id for h in a.hits] == [h.chunk_id for h in b.hits] and \
        all(abs(x.score - y.score) < 1e-5 for x, y in zip(a.hits, b.hits, strict=True))


def test_same_top5_as_the_embedded_index(pair) -> None:
    embedded, milvus = pair
    assert milvus.manifest["n_chunks"] == len(embedded.chunks)
    assert milvus.documents.keys() == embedded.documents.keys()
    for q in _questions():
        for mode in ("hybrid", "dense", "bm25"):
            a, b = embedded.search(q, k=5, mode=mode), milvus.search(q, k=5, mode=mode)
            assert _same(a, b), (q, mode, [h.chunk_id for h in a.hits], [h.chunk_id for h in b.hits])
            assert [h.footnotes for h in a.hits] == [h.footnotes for h in b.hits]


def test_filters_go_down_to_milvus(pair) -> None:
    embedded, milvus = pair
    section = "จีน"
    for q in README_QUESTIONS[:2]:
        a = embedded.search(q, k=5, doc="tech-diplomacy-th", section=section)
        b = milvus.search(q, k=5, doc="tech-diplomacy-th", section=section)
        assert b.hits and all(section in h.section for h in b.hits) and _same(a, b)
    assert milvus.search(README_QUESTIONS[0], section="no such heading anywhere").hits == []
    with pytest.raises(RagError, match="no document"):
        milvus.search(README_QUESTIONS[0], doc="nope")
    assert milvus.sections() == embedded.sections()
    ends = milvus.document_ends("tech-diplomacy-th")
    assert len(ends) == len(embedded.document_ends("tech-diplomacy-th"))
    hits = milvus.search(README_QUESTIONS[1], k=10, within=ends).hits
    assert {h.chunk_id for h in hits} == {embedded.chunks[i].chunk_id for i in embedded.document_ends("tech-diplomacy-th")}


OFF_TOPIC = ("Who is the best tennis player of all time?", "How do I make pad thai at home?",
             "วิธีทำผัดกะเพราไก่ไข่ดาว", "ราคาทองคำวันนี้เท่าไหร่")


@pytest.fixture(scope="module")
def milvus_assistant(milvus_uri: str):
    from rag.api import open_index

    return open_index(store=milvus_uri)


@pytest.mark.parametrize("mode", ["hybrid", "bm25"])
def test_ask_from_milvus_gives_the_same_answer(assistant, milvus_assistant, mode: str) -> None:
    """The whole answer, the relevance gate's score, threshold and signals included: the
    calibration, the corpus sample and the stored sentence vectors come from Milvus; in bm25
    mode the hits' cosines too (the search measures none: the stored chunk vectors give them)."""
    a = assistant.ask(README_QUESTIONS[1], mode=mode).to_dict()
    b = milvus_assistant.ask(README_QUESTIONS[1], mode=mode).to_dict()
    a.pop("took_ms"), b.pop("took_ms")
    assert a["found"] and a == b


def test_the_gate_is_calibrated_on_milvus_as_on_the_embedded_index(assistant, milvus_assistant) -> None:
    """Copying the index into Milvus calibrated the gate there (ingest does, as for an embedded
    index): the same thresholds, the same probes left out, the same corpus sample; so every
    question gets the same score, threshold and decision on both stores, refusals included."""
    a, b = assistant.gate, milvus_assistant.gate
    assert a.calibration is not None and b.calibration is not None
    assert b.calibration.to_dict() == a.calibration.to_dict()
    assert np.array_equal(milvus_assistant.searcher.index.spread_sample(), assistant.searcher.index.spread_sample())
    refused = 0
    for q in _questions() + list(OFF_TOPIC):
        x, y = assistant.ask(q), milvus_assistant.ask(q)
        assert (y.found, y.threshold) == (x.found, x.threshold), q
        assert y.relevance == pytest.approx(x.relevance, abs=1e-6), q
        refused += not x.found
    assert refused >= len(OFF_TOPIC)


def _rows(uri: str, doc_id: str) -> list[int]:
    """The chunk rows of ``doc_id`` in Milvus, every version."""
    from rag.index.milvus.connect import CHUNKS, connect, key63, parse_uri

    loc = parse_uri(uri)
    got = connect(loc).query(loc.name(CHUNKS), filter=f"doc == {key63(doc_id)}", output_fields=["pk"],
                             consistency_level="Strong")
    return sorted(int(r["pk"]) for r in got)


def test_updates_touch_only_their_document(tmp_path: Path, article_index: Path) -> None:
    from rag.index.embedded import new_documents
    from rag.index.read import load_index_data
    from rag.index.store import Settings
    from rag.index.stores import open_store

    uri = f"milvus://{tmp_path}/u.db"
    data = load_index_data(article_index)
    settings = Settings(data.model, data.chunking, data.lexical, data.latent_head)
    article = new_documents(data)[0]
    small = new_documents(data)[0]
    small.info = type(small.info)(**{**small.info.__dict__, "doc_id": "part", "sha256": "x", "n_chunks": 5})
    small.chunks = [type(c)(**{**c.__dict__, "doc_id": "part", "chunk_id": f"part#{i:04d}"})
                    for i, c in enumerate(small.chunks[:5])]
    small.tokens, small.vectors, small.window_counts = small.tokens[:5], small.vectors[:5], small.window_counts[:5]
    small.units, small.unit_counts = small.units[:sum(small.unit_counts[:5])], small.unit_counts[:5]
    small.latent = type(small.latent).from_rows(small.latent.rows(range(5)))
    store = open_store(uri)
    with store.update() as up:
        assert up.put(settings, [article, small]) == (2, len(data.chunks) + 5)
    before = _rows(uri, "tech-diplomacy-th")
    first = _rows(uri, "part")
    with store.update() as up:  # replace one document: new rows for it, the other's untouched
        up.put(settings, [small])
    assert _rows(uri, "tech-diplomacy-th") == before
    again = _rows(uri, "part")
    assert len(again) == 5 and not set(again) & set(first)
    with store.update() as up:
        assert up.remove("part") == 5
    assert _rows(uri, "part") == [] and _rows(uri, "tech-diplomacy-th") == before
    assert list(store.manifest()["documents"]) == ["tech-diplomacy-th"]
    store.close()


def test_concurrent_writers_leave_one_version_per_document(tmp_path: Path, article_index: Path) -> None:
    """Writers racing on the same and on different documents (threads sharing one Lite
    file; a server takes processes): each document ends with one live version's rows and no
    marks are left."""
    from rag.index.embedded import new_documents
    from rag.index.milvus.write import MilvusUpdate
    from rag.index.read import load_index_data
    from rag.index.store import Settings
    from rag.index.stores import open_store

    uri = f"milvus://{tmp_path}/c.db"
    data = load_index_data(article_index)
    settings = Settings(data.model, data.chunking, data.lexical, data.latent_head)
    store = open_store(uri)
    with store.update() as up:
        up.put(settings, new_documents(data))
    errors: list[BaseException] = []

    def write(doc_id: str) -> None:
        try:
            doc = new_documents(data)[0]
            doc.info = type(doc.info)(**{**doc.info.__dict__, "doc_id": doc_id, "sha256": threading.current_thread().name})
            doc.chunks = [type(c)(**{**c.__dict__, "doc_id": doc_id}) for c in doc.chunks]
            for _ in range(2):
                with store.update() as up:
                    up.put(settings, [doc])
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=write, args=(d,), name=f"w{i}") for i, d in enumerate(["a", "a", "b"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    n = len(data.chunks)
    assert len(_rows(uri, "a")) == n and len(_rows(uri, "b")) == n and len(_rows(uri, "tech-diplomacy-th")) == n
    up = MilvusUpdate(store.client, store.loc, rebuild=False)  # type: ignore[attr-defined]
    assert up.marks() == [] and sorted(up.documents) == ["a", "b", "tech-diplomacy-th"]
    store.close()


def test_cli_ingest_list_search_remove_reingest(tmp_path: Path) -> None:
    uri = f"milvus://{tmp_path}/cli.db"
    note = tmp_path / "orchard.md"
    note.write_text(NOTE, encoding="utf-8")
    out = run_rag("ingest", str(note), "--store", uri, "--json", "--quiet")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == ["orchard"]
    listed = json.loads(run_rag("list", "--store", uri, "--json").stdout)
    assert [d["doc_id"] for d in listed] == ["orchard"]
    found = json.loads(run_rag("search", "teal apples", "--store", uri, "--json", "--k", "1").stdout)
    assert found["hits"][0]["doc_id"] == "orchard" and "teal apples" in found["hits"][0]["text"]
    # RAG_STORE names the store when no flag does
    env_out = run_rag("search", "แอปเปิลสีฟ้า", "--json", "--k", "1", env={"RAG_STORE": uri})
    assert env_out.returncode == 0 and json.loads(env_out.stdout)["hits"][0]["doc_id"] == "orchard"
    note.write_text(NOTE.replace("teal apples", "violet pears"), encoding="utf-8")
    again = json.loads(run_rag("ingest", str(note), "--store", uri, "--json", "--quiet").stdout)
    assert again["updated"] == ["orchard"]
    hits = json.loads(run_rag("search", "violet pears", "--store", uri, "--json", "--k", "5").stdout)["hits"]
    assert "violet pears" in hits[0]["text"] and not any("teal apples" in h["text"] for h in hits)
    same = json.loads(run_rag("ingest", str(note), "--store", uri, "--json", "--quiet").stdout)
    assert same["unchanged"] == ["orchard"]
    gone = run_rag("remove", "orchard", "--store", uri)
    assert gone.returncode == 0, gone.stderr
    assert json.loads(run_rag("list", "--store", uri, "--json").stdout) == []
    missing = run_rag("remove", "orchard", "--store", uri)
    assert missing.returncode != 0 and missing.stderr.count("\n") == 1 and "no document" in missing.stderr


def test_an_interrupted_ingest_leaves_no_half_document(tmp_path: Path) -> None:
    uri = f"milvus://{tmp_path}/crash.db"
    note = tmp_path / "orchard.md"
    note.write_text(NOTE, encoding="utf-8")
    assert run_rag("ingest", str(note), "--store", uri, "--quiet").returncode == 0
    note.write_text(NOTE.replace("teal apples", "violet pears"), encoding="utf-8")
    crashed = run_rag("ingest", str(note), "--store", uri, "--quiet", env={"RAG_FAULT": "milvus-written"})
    assert crashed.returncode == 70  # killed after writing the new rows, before the switch
    hits = json.loads(run_rag("search", "apples pears", "--store", uri, "--json", "--k", "10").stdout)["hits"]
    assert hits and all("teal apples" in h["text"] or "teal" not in h["text"] for h in hits)
    assert not any("violet pears" in h["text"] for h in hits)
    listed = json.loads(run_rag("list", "--store", uri, "--json").stdout)
    assert len(listed) == 1 and listed[0]["n_chunks"] == len({h["chunk_id"] for h in hits})
    redo = json.loads(run_rag("ingest", str(note), "--store", uri, "--json", "--quiet").stdout)
    assert redo["updated"] == ["orchard"]
    hits = json.loads(run_rag("search", "violet pears", "--store", uri, "--json", "--k", "10").stdout)["hits"]
    assert "violet pears" in hits[0]["text"] and len({h["chunk_id"] for h in hits}) == len(hits)


def test_chat_served_from_a_milvus_store(milvus_uri: str, tmp_path: Path) -> None:
    from gradio_client import Client

    from rag.evaluation.serve_process import serving

    uri = f"milvus://{tmp_path}/chat.db"
    shutil.copy(milvus_uri[len("milvus://"):], tmp_path / "chat.db")  # a copy no process holds
    with serving(uri, tmp_path / "serve.log", cwd=ROOT) as url:  # type: ignore[arg-type]
        answer = Client(url, verbose=False).predict("How does China use STAs?", api_name="/chat")
    assert "Wagner" in answer and "### Sources" in answer


def test_unreachable_server_or_missing_package_is_one_line(tmp_path: Path) -> None:
    out = run_rag("search", "anything", "--store", "milvus://127.0.0.1:9/none", timeout=120)
    assert out.returncode != 0 and out.stderr.count("\n") == 1, out.stderr
    assert "cannot reach Milvus at 127.0.0.1:9" in out.stderr
    no_index = run_rag("search", "anything", "--store", f"milvus://{tmp_path}/empty.db")
    assert no_index.returncode != 0 and no_index.stderr.count("\n") == 1 and "no index at" in no_index.stderr
    bad = run_rag("list", "--store", "milvus:///tmp/x.txt")
    assert bad.returncode != 0 and ".db file" in bad.stderr
    both = run_rag("list", "--store", "milvus:///tmp/x.db", "--index", "idx")
    assert both.returncode != 0 and "not both" in both.stderr
    hide = "import sys; sys.modules['pymilvus'] = None; from rag.app.cli import main; sys.exit(main(sys.argv[1:]))"
    out = subprocess.run([sys.executable, "-c", hide, "list", "--store", f"milvus://{tmp_path}/x.db"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode != 0 and out.stderr.count("\n") == 1
    assert "pip install 'thai-rag[milvus]'" in out.stderr


def test_embedded_default_needs_no_milvus(article_index: Path) -> None:
    """The embedded index neither imports nor needs the Milvus packages."""
    code = ("import sys; sys.modules['pymilvus'] = None; sys.modules['milvus_lite'] = None\n"
            "from rag.api import open_index\n"
            f"print(open_index({str(article_index)!r}).search('STAs', k=1).hits[0].doc_id)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**__import__('os').environ, "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0 and out.stdout.strip() == "tech-diplomacy-th", out.stderr


def test_article_ingest_shape(milvus_uri: str) -> None:
    from rag.index.stores import open_store

    manifest = open_store(milvus_uri).manifest()
    assert manifest["model"]["id"] == "intfloat/multilingual-e5-small"
    assert manifest["n_chunks"] > 40 and list(manifest["documents"]) == ["tech-diplomacy-th"]
    assert ARTICLE.stem == "tech-diplomacy-th"


def test_unit_vectors_past_one_row_spill_and_come_back(tmp_path: Path, article_index: Path) -> None:
    """A chunk with more sentence vectors than a row's 64 KB holds keeps the rest in the units
    collection; they come back whole, in order."""
    import numpy as np

    from rag.index.embedded import new_documents
    from rag.index.read import load_index_data
    from rag.index.store import Settings
    from rag.index.stores import open_store

    data = load_index_data(article_index)
    settings = Settings(data.model, data.chunking, data.lexical, data.latent_head)
    doc = new_documents(data)[0]
    first = doc.unit_counts[0]
    many = np.concatenate([doc.units[:first]] * 12 + [doc.units[first:]])  # chunk 0: 12x its units
    doc.units, doc.unit_counts = many, [first * 12, *doc.unit_counts[1:]]
    doc.window_counts = [doc.window_counts[0] * 12, *doc.window_counts[1:]]
    uri = f"milvus://{tmp_path}/spill.db"
    store = open_store(uri)
    with store.update() as up:
        up.put(settings, [doc])
    reader = store.open_reader()
    key = reader.document_rows(doc.info.doc_id)[0][0]
    row = reader._rows([key])[0]  # noqa: SLF001 - the fetch path itself
    assert row.parts > 1
    assert np.array_equal(row.vectors.reshape(-1, many.shape[1])[1:], many[:first * 12])
    reader.close()
    store.close()


def test_writers_on_threads_never_draw_one_version() -> None:
    """A version is milliseconds and 3 random bits: writers on threads drawing at once drew the
    same one now and then, and a writer of one document that lost its switch deleted that
    version's rows, a second document's with them (the concurrent-writers test above lost
    document `b` so). The store's writers draw from one source that never repeats a version."""
    from rag.index.milvus.versions import Versions, new_version

    def draw(source, n: int = 4000, workers: int = 4) -> list[int]:
        got: list[int] = []
        lock = threading.Lock()

        def run() -> None:
            mine = [source() for _ in range(n)]
            with lock:
                got.extend(mine)

        threads = [threading.Thread(target=run) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return got

    raw = draw(new_version)
    assert len(set(raw)) < len(raw)  # (thousands drawn in a few milliseconds repeat)
    fresh = draw(Versions().fresh)
    assert len(set(fresh)) == len(fresh) == 16000
