"""Per-document updates of the embedded index (rag.index.segments): an update of a large index
writes the new documents as a segment and a new manifest, never the rest; search reads the
parts as one index, and `rag compact` writes them back as one with the same answers.

The shipped article's index stands for the large index: the policy that makes a segment
(``UpdatePolicy``, by default only from 5,000 chunks) is lowered to it here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_rag
from index_files import snapshot

from rag.api import open_index, render_markdown
from rag.index import UpdatePolicy, read_manifest
from rag.index.embedded import EmbeddedStore, SegmentedReader
from rag.ingest import ingest, remove
from rag.search.searcher import Searcher

ANY_SIZE = UpdatePolicy(min_chunks=0, share=1.0)
RIVER = ("# นโยบายน้ำของเนเธอร์แลนด์\n\n"
         "เนเธอร์แลนด์ใช้แนวทาง Room for the River เพื่อลดความเสี่ยงจากน้ำท่วม โดยขยายพื้นที่ให้แม่น้ำไหลผ่านได้"
         "มากขึ้น แทนการสร้างเขื่อนที่สูงขึ้นเรื่อย ๆ โครงการนี้เริ่มในปี 2006 และครอบคลุมพื้นที่มากกว่า 30 แห่ง\n\n"
         "## ความร่วมมือกับประเทศไทย\n\n"
         "กรมชลประทานของไทยศึกษาแนวทางดังกล่าวร่วมกับผู้เชี่ยวชาญชาวดัตช์ หลังน้ำท่วมใหญ่ในปี 2011\n")
QUESTIONS = ["จีนใช้ STAs อย่างไร", "How does China use STAs?", "Chip 4 Alliance ประกอบด้วยประเทศใด",
             "What did the EU do about semiconductors?", "Room for the River", "กรมชลประทานศึกษาอะไร"]


def base_files(index_dir: Path) -> dict[str, str]:
    """The hashes of the files written whole (everything but the manifest and the segments)."""
    return {k: v for k, v in snapshot(index_dir).items() if not k.startswith(("segments/", "manifest.json"))}


def hits(searcher: Searcher, mode: str) -> list[list[tuple[str, float]]]:
    return [[(h.chunk_id, round(h.score, 4)) for h in searcher.search(q, k=5, mode=mode).hits] for q in QUESTIONS]


@pytest.fixture()
def grown(article_index: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the article's index with a second document added as a segment."""
    index_dir = tmp_path / "index"
    shutil.copytree(article_index, index_dir)
    before = base_files(index_dir)
    doc = tmp_path / "river.txt"
    doc.write_text(RIVER, encoding="utf-8")
    report = ingest([doc], EmbeddedStore(index_dir, ANY_SIZE), progress=False)
    assert report.added == ["river"] and (index_dir / "segments").is_dir()
    assert base_files(index_dir) == before  # nothing written whole was touched
    return index_dir, doc


def test_segment_reads_as_the_compacted_index(grown: tuple[Path, Path], tmp_path: Path) -> None:
    index_dir, _ = grown
    manifest = read_manifest(index_dir)
    assert manifest["format_version"] == 6 and manifest["n_chunks"] == manifest["segments"]["base_chunks"] + 2
    seg = Searcher(index_dir)
    assert isinstance(seg.index, SegmentedReader)
    assert seg.search("Room for the River", k=1).hits[0].doc_id == "river"
    assert seg.sections("river") == ["# นโยบายน้ำของเนเธอร์แลนด์", "## ความร่วมมือกับประเทศไทย"]
    assert [seg.chunk_at(key).doc_id for key, _ in seg.index.document_rows("river")] == ["river", "river"]
    in_section = seg.search("กรมชลประทาน", k=5, section="ความร่วมมือกับประเทศไทย").hits
    assert in_section and {h.doc_id for h in in_section} == {"river"}

    # the API on top: the gate (its corpus sample from every part), a whole-document question
    # (the document's first and last sections, by key), a question of the base's document
    assistant = open_index(index_dir)
    answer = assistant.ask("What does this document conclude?", doc="river")
    assert answer.found and answer.about_document and {p.hit.doc_id for p in answer.passages} == {"river"}
    assert "กรมชลประทาน" in render_markdown(assistant.ask("กรมชลประทานของไทยศึกษาแนวทางใด"))
    assert assistant.ask("How does China use STAs?").found

    r = run_rag("check", "--index", str(index_dir))
    assert r.returncode == 0 and "1 segments" in r.stderr, r.stderr
    whole = tmp_path / "whole"
    shutil.copytree(index_dir, whole)
    r = run_rag("compact", "--index", str(whole))
    assert r.returncode == 0, r.stderr
    assert not (whole / "segments").exists() and "segments" not in read_manifest(whole)
    one = Searcher(whole)
    # dense scores are the same vectors: identical; BM25 differs only by the base's length
    # normalisation (its average chunk length when written), which leaves these rankings alone
    assert hits(seg, "dense") == hits(one, "dense")
    assert [[c for c, _ in row] for row in hits(seg, "hybrid")] == [[c for c, _ in row] for row in hits(one, "hybrid")]
    for a, b in zip(hits(seg, "bm25"), hits(one, "bm25"), strict=True):
        assert [c for c, _ in a] == [c for c, _ in b]
        assert all(abs(x - y) <= 0.05 * abs(y) for (_, x), (_, y) in zip(a, b, strict=True))


def test_replace_and_remove_hide_the_old_rows(grown: tuple[Path, Path]) -> None:
    index_dir, doc = grown
    store = EmbeddedStore(index_dir, ANY_SIZE)
    doc.write_text(RIVER + "\nโครงการขยายไปถึงแม่น้ำไรน์และแม่น้ำเมิซในปี 2015\n", encoding="utf-8")
    report = ingest([doc], store, progress=False)
    assert report.updated == ["river"] and report.texts_reused > 0  # unchanged texts keep their vectors
    layout = read_manifest(index_dir)["segments"]
    assert len(layout["parts"]) == 2 and layout["hidden"] == {layout["parts"][0]["name"]: [0, 1]}
    s = Searcher(index_dir)
    found = s.search("แม่น้ำไรน์และแม่น้ำเมิซ", k=10).hits
    assert found[0].doc_id == "river" and "ไรน์" in found[0].text
    assert len({h.chunk_id for h in found if h.doc_id == "river"}) == len([h for h in found if h.doc_id == "river"])

    assert remove("tech-diplomacy-th", store) > 40  # the base's document: its rows hidden, nothing rewritten
    s = Searcher(index_dir)
    assert set(s.documents) == {"river"}
    assert {h.doc_id for h in s.search("จีนใช้ STAs อย่างไร", k=5).hits} == {"river"}
    assert s.search("x", k=5, doc="river").hits
    r = run_rag("search", "STAs", "--index", str(index_dir), "--doc", "tech-diplomacy-th")
    assert r.returncode != 0 and "no document 'tech-diplomacy-th'" in r.stderr


def test_past_the_share_an_update_writes_the_index_whole(grown: tuple[Path, Path]) -> None:
    index_dir, doc = grown
    remove("river", EmbeddedStore(index_dir, UpdatePolicy(min_chunks=0, share=0.01)))
    assert not (index_dir / "segments").exists() and "segments" not in read_manifest(index_dir)
    assert list(read_manifest(index_dir)["documents"]) == ["tech-diplomacy-th"]


SEGMENT_INGEST = ("import sys; from pathlib import Path; from rag.index import UpdatePolicy; "
                  "from rag.index.embedded import EmbeddedStore; from rag.ingest import ingest; "
                  "ingest([Path(sys.argv[2])], EmbeddedStore(Path(sys.argv[1]), UpdatePolicy(0, 1.0)), progress=False)")


@pytest.mark.parametrize("stage", ["write", "commit"])
def test_a_killed_segment_update_leaves_the_index_as_it_was(grown: tuple[Path, Path], tmp_path: Path,
                                                            stage: str) -> None:
    index_dir, _ = grown
    before = snapshot(index_dir)
    note = tmp_path / "note.txt"
    note.write_text("# ความร่วมมือไทย-ญี่ปุ่น\n\nไทยและญี่ปุ่นลงนามความตกลงด้านเซมิคอนดักเตอร์ในปี 2024\n",
                    encoding="utf-8")
    r = subprocess.run([sys.executable, "-c", SEGMENT_INGEST, str(index_dir), str(note)], capture_output=True,
                       text=True, env={**os.environ, "RAG_FAULT": stage}, cwd=ROOT, timeout=600)
    assert r.returncode == 70, r.stderr[-400:]
    # the manifest (the commit) and every file it lists are as they were; a segment written
    # before the kill is listed nowhere, and the next update removes it
    after = snapshot(index_dir)
    assert {k: v for k, v in after.items() if k in before} == before
    assert all(k.startswith("segments/") for k in set(after) - set(before))
    assert set(Searcher(index_dir).documents) == {"tech-diplomacy-th", "river"}
    remove("river", EmbeddedStore(index_dir, ANY_SIZE))
    names = {p.name for p in (index_dir / "segments").iterdir()}
    assert names == {p["name"] for p in read_manifest(index_dir)["segments"]["parts"]}


def test_a_damaged_segment_is_one_line_with_the_rebuild_hint(grown: tuple[Path, Path]) -> None:
    index_dir, _ = grown
    seg = next((index_dir / "segments").iterdir())
    vectors = seg / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-7] ^= 0xFF
    vectors.write_bytes(bytes(data))
    r = run_rag("search", "Room for the River", "--index", str(index_dir))
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "damaged" in r.stderr and "rag ingest --rebuild" in r.stderr
    manifest = json.loads((seg / "manifest.json").read_text(encoding="utf-8"))
    manifest["n_chunks"] += 1
    (seg / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    r = run_rag("check", "--index", str(index_dir))
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.parametrize("first", ["add", "remove"])
def test_an_index_written_before_the_counts_gets_them_at_its_first_change(article_index: Path, tmp_path: Path,
                                                                         first: str) -> None:
    """An index of an earlier version (no ``doc_rows``, no ``words`` in its manifest) gets both
    counted from its files at its first segment change, an addition or a removal alike."""
    from rag.index.write import write_manifest

    index_dir = tmp_path / "index"
    shutil.copytree(article_index, index_dir)
    manifest = read_manifest(index_dir)
    words, n = manifest.pop("words"), manifest["n_chunks"]
    del manifest["doc_rows"]
    write_manifest(index_dir, manifest)
    store = EmbeddedStore(index_dir, ANY_SIZE)
    if first == "add":
        doc = tmp_path / "river.txt"
        doc.write_text(RIVER, encoding="utf-8")
        ingest([doc], store, progress=False)
    else:
        remove("tech-diplomacy-th", store)
    layout = read_manifest(index_dir)["segments"]
    assert layout["base_words"] == words > n
    assert layout["placement"].get("tech-diplomacy-th", ["", 0, n]) == ["", 0, n]
    assert layout["hidden"] == ({} if first == "add" else {"": list(range(n))})
