"""Chunks read on demand (rag.index.chunkfile): search opens chunks.jsonl without parsing it,
and what it reads is what the full reader (ingest, `rag check`) reads, on the real article
index. A damaged line found at query time: tests/test_reliability.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag._util import read_jsonl
from rag.index import chunkfile, open_index_files
from rag.index.chunkfile import ChunkFile, line_spans
from rag.search import Searcher


def test_chunks_read_on_demand_are_the_chunks_stored(article_index: Path) -> None:
    eager = open_index_files(article_index, search=False).chunks
    lazy = open_index_files(article_index, search=False, lazy_chunks=True).chunks
    assert isinstance(lazy, ChunkFile) and isinstance(eager, list)
    assert len(lazy) == len(eager) > 10
    assert list(lazy) == eager
    assert lazy[-1] == eager[-1] and lazy[2:7] == eager[2:7] and lazy[::-3] == eager[::-3]
    with pytest.raises(IndexError):
        lazy[len(eager)]
    # a chunk id is found where the full reader has it; one never read makes it read them all
    assert lazy.row_of(eager[-2].chunk_id) == len(eager) - 2
    assert lazy.row_of("no-such-chunk") is None


def test_a_searchs_hits_are_the_stored_chunks_and_their_vectors_are_found(article_index: Path) -> None:
    eager = {c.chunk_id: c for c in open_index_files(article_index, search=False).chunks}
    searcher = Searcher(article_index)
    for query in ("ไทยควรมีนโยบายการทูตเทคโนโลยีอย่างไร", "How does China use STAs?"):
        result = searcher.search(query, k=5)
        assert len(result.hits) == 5
        for hit in result.hits:
            c = eager[hit.chunk_id]
            assert (hit.text, hit.section, hit.page, hit.doc_id, hit.markers) == (c.text, c.section, c.page,
                                                                                  c.doc_id, list(c.markers))
            stored = searcher.index.stored_chunk(hit.chunk_id)
            assert stored is not None and stored.chunk == c
    # filters by document and section walk the chunks when first asked, not at open
    doc = next(iter(searcher.documents))
    assert searcher.search("STAs", k=3, doc=doc).hits
    section = eager[result.hits[0].chunk_id].section
    assert all(section in h.section for h in searcher.search("STAs", k=3, section=section).hits)


@pytest.mark.parametrize("block", [5, chunkfile.SCAN_BLOCK])
def test_lines_are_split_as_the_full_reader_splits_them(block: int, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunkfile, "SCAN_BLOCK", block)  # newlines found across scan blocks too
    rows = [{"n": i, "text": t} for i, t in enumerate(["ก", "", "line\u2028sep", "x\ry", "last"])]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    for text in (body, body + "\n", "\n\n" + body.replace("\n", "\n\n") + "\n\n", ""):
        path = tmp_path / "rows.jsonl"
        path.write_text(text, encoding="utf-8")
        data = path.read_bytes()
        starts, ends = line_spans(data, len(data))
        assert [json.loads(data[a:b]) for a, b in zip(starts, ends, strict=True)] == read_jsonl(path)


def test_a_documents_outline_reads_its_own_chunks(assistant, article_index: Path) -> None:
    """The library's outline of a document (rag.app.library) from its rows alone: what a walk
    over every stored chunk gives."""
    from rag.app.library import document_outline

    eager = open_index_files(article_index, search=False).chunks
    doc = eager[0].doc_id
    want: dict[str, dict] = {}
    for c in eager:
        if c.doc_id == doc:
            want.setdefault(c.section, {"title": c.section, "page": c.page, "chunks": 0})["chunks"] += 1
    assert document_outline(assistant, doc)["sections"] == list(want.values())
