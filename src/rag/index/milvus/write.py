"""Writing a Milvus store, one document at a time: each document's rows are written under a new
version, the document is switched to it, then the old version's rows are deleted.

Search shows a chunk row only if no mark hides its version (searches read the marks at least
every ``MARKS_TTL_S``; a writer waits ``MARK_WAIT_S`` after marking before the marked rows
appear or their document switches). A writer (for each document):

1. marks the new version V hidden ("pending") and writes its rows and statistics;
2. marks the live version L hidden ("retired"), switches the document's row to V (one row: the
   document's live version, its record and where its statistics are), reads it back and
   unmarks V (or, if another writer switched later, deletes V: the last switch wins);
3. deletes every other version of the document (L, and any a writer left), each hidden first
   and kept if it turns out live when read again, except those another writer is still
   writing (a young pending mark).

So an interrupted ingest leaves its rows hidden and the document as it was, and a later write
(any ``rag ingest`` or ``rag remove`` on the store) clears what it left: marks of a version that
is live are dropped, hidden versions that are not live are deleted (a pending one only once
it is older than ``PENDING_TIMEOUT_S``: it may be another writer's, still writing). Two
processes writing the same document: the last to switch wins, the other's rows are deleted.
After the switch, for up to ``MARKS_TTL_S`` a search may still miss the document (its old
version hidden, the new one's mark not yet read again); when two writers switch the same
document at once, both versions may show until the later one's step 3.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict
from typing import Any

from rag.errors import RagError
from rag.index.format import DocumentInfo
from rag.index.milvus import codec
from rag.index.milvus.connect import (
    CHUNKS,
    DOC,
    GATE,
    GENERATION,
    MANIFEST,
    MARK,
    META,
    MILVUS_FORMAT,
    STATS,
    TIMEOUT_S,
    UNITS,
    Location,
    create_collections,
    drop,
    int_list,
    key63,
    load,
    meta_row,
    query_all,
    read_manifest,
)
from rag.index.milvus.versions import fresh_version
from rag.index.store import NewDocument, Settings, Update, spread_rows

# A search reads the marks again when they are older than MARKS_TTL_S; a writer waits
# MARK_WAIT_S after marking a version before that version's rows appear or its document
# switches, so every search has seen the mark by then.
MARKS_TTL_S = 0.5
MARK_WAIT_S = MARKS_TTL_S + 0.1
PENDING_TIMEOUT_S = 3600.0  # a pending version older than this was left by a writer that died
RETIRED_GRACE_S = 60.0  # a retired mark on a live version younger than this is a writer mid-switch
BATCH_BYTES = 8 << 20  # rows per insert call: well under gRPC's message limit


def _insert(client: Any, name: str, rows: list[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        batch.append(row)
        size += len(row.get("row", "")) + len(row.get("units", "")) + len(row.get("data", "")) + 8 * len(row.get("vector", ()))
        if size > BATCH_BYTES:
            client.insert(name, batch, timeout=TIMEOUT_S)
            batch, size = [], 0
    if batch:
        client.insert(name, batch, timeout=TIMEOUT_S)


class Documents(Mapping[str, DocumentInfo]):
    """The store's documents, read from Milvus as they are asked for: an ingest looks up its
    own files' documents only (the work stays proportional to them, whatever the store's size);
    iterating reads them all."""

    def __init__(self, update: MilvusUpdate, *, empty: bool = False) -> None:
        self.update = update
        self.empty = empty
        self.known: dict[str, DocumentInfo | None] = {}

    def __getitem__(self, doc_id: str) -> DocumentInfo:
        if doc_id not in self.known:
            rows = [] if self.empty else self.update.doc_rows([doc_id])
            self.known[doc_id] = DocumentInfo(**rows[0]["info"]) if rows else None
        found = self.known[doc_id]
        if found is None:
            raise KeyError(doc_id)
        return found

    def _all(self) -> dict[str, DocumentInfo]:
        if self.empty:
            return {k: v for k, v in self.known.items() if v is not None}
        rows = {d["info"]["doc_id"]: DocumentInfo(**d["info"]) for d in self.update.doc_rows()}
        return {k: v for k, v in {**rows, **self.known}.items() if v is not None}

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class MilvusUpdate(Update):
    """One ingest or removal on a Milvus store. ``finish``: measurements of the store once
    written (called with its URI), kept in its gate row with the corpus sample (``measure``):
    the answer gate's calibration, which ingest sets."""

    def __init__(self, client: Any, loc: Location, rebuild: bool, *, repair: bool = True) -> None:
        self.client, self.loc = client, loc
        self.finish: Callable[[str], dict[str, Any] | None] | None = None
        self.wrote = False
        if rebuild:
            drop(client, loc)
        self.manifest = read_manifest(client, loc) if self._exists() else None
        if self.manifest is None:
            self.settings, self.documents = None, Documents(self, empty=True)
            return
        load(client, loc)
        m = self.manifest
        self.settings = Settings(m["model"], m["chunking"], m["lexical"], m.get("latent_head"))
        if repair:
            self.repair()
        self.documents = Documents(self)

    def _exists(self) -> bool:
        return self.client.has_collection(self.loc.name(META))

    # ----------------------------------------------------------------- reading
    def doc_rows(self, doc_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """The documents' rows (``data`` parsed, plus ``version``): all, or these."""
        name = self.loc.name(META)
        if doc_ids is None:
            rows = query_all(self.client, name, f'kind == "{DOC}"', ["version", "data"])
        else:
            rows = self.client.get(name, ids=[key63(f"{DOC}:{d}") for d in doc_ids], output_fields=["version", "data"],
                                   timeout=TIMEOUT_S, consistency_level="Strong")
        return [{**json.loads(r["data"]), "version": int(r["version"])} for r in rows]

    def marks(self) -> list[dict[str, Any]]:
        rows = self.client.query(self.loc.name(META), filter=f'kind == "{MARK}"', output_fields=["version", "data"],
                                 timeout=TIMEOUT_S, consistency_level="Strong")
        return [{**json.loads(r["data"]), "version": int(r["version"])} for r in rows]

    # ----------------------------------------------------------------- marks and cleaning
    def _mark(self, docs: list[tuple[str, int]], state: str) -> None:
        if docs:
            now = time.time()
            _insert(self.client, self.loc.name(META),
                    [meta_row(MARK, str(v), {"state": state, "doc_id": d, "at": now}, doc=d, version=v) for d, v in docs])

    def _unmark(self, versions: list[int]) -> None:
        if versions:
            self.client.delete(self.loc.name(META), ids=[key63(f"{MARK}:{v}") for v in versions], timeout=TIMEOUT_S)

    def _delete_versions(self, versions: list[int]) -> None:
        """Every row of these versions (chunks, units, statistics), then their marks."""
        if not versions:
            return
        expr = f"version in {int_list(versions)}"
        self.client.delete(self.loc.name(CHUNKS), filter=expr, timeout=TIMEOUT_S)
        self.client.delete(self.loc.name(UNITS), filter=expr, timeout=TIMEOUT_S)
        self.client.delete(self.loc.name(META), filter=f'kind == "{STATS}" and {expr}', timeout=TIMEOUT_S)
        self._unmark(versions)

    def repair(self) -> None:
        """Clear what interrupted writers left (see the module's docstring)."""
        marks = self.marks()
        if not marks:
            return
        live = {d["info"]["doc_id"]: d["version"] for d in self.doc_rows(sorted({m["doc_id"] for m in marks}))}
        now = time.time()
        unmark, delete = [], []
        for m in marks:
            age = now - float(m.get("at", 0))
            if live.get(m["doc_id"]) == m["version"]:
                if m["state"] == "pending" or age > RETIRED_GRACE_S:
                    unmark.append(m["version"])
            elif m["state"] == "retired" or age > PENDING_TIMEOUT_S:
                delete.append(m["version"])
        self._unmark(unmark)
        self._delete_versions(delete)

    # ----------------------------------------------------------------- writing
    def _start(self, settings: Settings) -> None:
        """Create the store on its first ingest: collections and the manifest row."""
        dim = int(settings.model["dim"])
        create_collections(self.client, self.loc, dim)
        load(self.client, self.loc)
        manifest = read_manifest(self.client, self.loc)
        if manifest is None:
            manifest = {"format_version": MILVUS_FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "model": settings.model, "chunking": settings.chunking, "lexical": settings.lexical,
                        "latent_head": settings.latent_head, "dense": {"kind": f"milvus-{self.loc.index}", "dim": dim},
                        "bm25_estimate": {"n": 0, "dl": 0}}
            self.client.upsert(self.loc.name(META), [meta_row(MANIFEST, "", manifest)], timeout=TIMEOUT_S)
            manifest = read_manifest(self.client, self.loc)
        assert manifest is not None
        if (manifest["model"].get("id"), manifest["model"].get("vector_space"), manifest.get("latent_head")) != \
                (settings.model.get("id"), settings.model.get("vector_space"), settings.latent_head):
            raise RagError(f"the Milvus store {self.loc.uri} was just created by another ingest with model "
                           f"{manifest['model'].get('id')}; ingest with that model, or --rebuild")
        self.manifest = manifest

    def _estimate(self, added: tuple[int, int], removed: tuple[int, int]) -> float:
        """The running estimate of the chunks' average BM25 length that new rows' stored
        weights use (updated by each writer; a lost update only makes it rougher: search
        scores candidates exactly from the documents' statistics)."""
        assert self.manifest is not None
        est = self.manifest.setdefault("bm25_estimate", {"n": 0, "dl": 0})
        est["n"] = max(0, int(est["n"]) + added[0] - removed[0])
        est["dl"] = max(0, int(est["dl"]) + added[1] - removed[1])
        return est["dl"] / est["n"] if est["n"] else 1.0

    def _save_manifest(self) -> None:
        self.client.upsert(self.loc.name(META), [meta_row(MANIFEST, "", self.manifest),
                                                 meta_row(GENERATION, "", secrets.token_hex(8))], timeout=TIMEOUT_S)

    def put(self, settings: Settings, docs: list[NewDocument]) -> tuple[int, int]:
        if self.manifest is None:
            self._start(settings)
        stats = [codec.doc_stats(d) for d in docs]
        before = {d["info"]["doc_id"]: d for d in self.doc_rows([d.info.doc_id for d in docs])}
        old = [(int(d["info"]["n_chunks"]), int(d.get("dl", 0))) for d in before.values()]
        avgdl = self._estimate((sum(s.n for s in stats), sum(s.dl for s in stats)),
                               (sum(n for n, _ in old), sum(dl for _, dl in old)))
        k1, b = float(settings.lexical["k1"]), float(settings.lexical["b"])
        versions = [fresh_version() for _ in docs]  # (distinct even within one millisecond)
        self._mark([(d.info.doc_id, v) for d, v in zip(docs, versions, strict=True)], "pending")
        time.sleep(MARK_WAIT_S)
        meta, chunk_rows, unit_rows, doc_rows = [], [], [], []
        for d, v, s in zip(docs, versions, stats, strict=True):
            doc_id = d.info.doc_id
            parts = codec.pack_stats(s)
            meta += [meta_row(STATS, f"{doc_id}\x00{v}\x00{j}", p, doc=doc_id, version=v) for j, p in enumerate(parts)]
            rows, units = codec.encode_chunks(d, v, avgdl, k1, b, key63(doc_id),
                                              {sec: key63(sec) for sec in s.sections})
            chunk_rows += rows
            unit_rows += units
            doc_rows.append(meta_row(DOC, doc_id, {"info": asdict(d.info), "stats": len(parts), "dl": s.dl},
                                     doc=doc_id, version=v))
        _insert(self.client, self.loc.name(META), meta)
        _insert(self.client, self.loc.name(UNITS), unit_rows)
        _insert(self.client, self.loc.name(CHUNKS), chunk_rows)
        if os.environ.get("RAG_FAULT") == "milvus-written":
            os._exit(70)
        retired = [(doc_id, int(d["version"])) for doc_id, d in before.items()]
        self._mark(retired, "retired")
        if retired:
            time.sleep(MARK_WAIT_S)
        self.client.upsert(self.loc.name(META), doc_rows, timeout=TIMEOUT_S)  # the switch
        ids = [d.info.doc_id for d in docs]
        live = {d["info"]["doc_id"]: d["version"] for d in self.doc_rows(ids)}
        lost = [v for d, v in zip(ids, versions, strict=True) if live.get(d) != v]  # another writer switched later
        self._delete_versions(lost)
        self._unmark([v for v in versions if v not in lost])
        self._clean(ids)
        self._save_manifest()
        for d in docs:
            self.documents.known[d.info.doc_id] = d.info
        self.wrote = True
        return self.totals()

    def _clean(self, doc_ids: list[str]) -> None:
        """Delete every version of these documents but the live one and those another writer
        is writing (a young pending mark): each is hidden first, and kept if it turns out
        live when the documents' rows are read again."""
        if not doc_ids:
            return
        by_key = {key63(d): d for d in doc_ids}
        expr = f"doc in {int_list(list(by_key))}"
        found = query_all(self.client, self.loc.name(CHUNKS), expr, ["doc", "version"])
        found += query_all(self.client, self.loc.name(META), f'kind == "{STATS}" and {expr}', ["doc", "version"])
        versions = {(by_key[int(r["doc"])], int(r["version"])) for r in found}
        live = {d["info"]["doc_id"]: d["version"] for d in self.doc_rows(doc_ids)}
        now = time.time()
        young = {m["version"] for m in self.marks() if m["state"] == "pending" and now - m["at"] < PENDING_TIMEOUT_S}
        stale = sorted((d, v) for d, v in versions if live.get(d) != v and v not in young)
        if not stale:
            return
        self._mark(stale, "retired")  # (the old live version was hidden before the switch)
        live = {d["info"]["doc_id"]: d["version"] for d in self.doc_rows(doc_ids)}
        self._unmark([v for d, v in stale if live.get(d) == v])
        self._delete_versions([v for d, v in stale if live.get(d) != v])

    def remove(self, doc_id: str) -> int:
        if self.manifest is None or doc_id not in self.documents:
            raise RagError(f"no document {doc_id!r} in {self.loc.uri} (see `rag list`)")
        row = self.doc_rows([doc_id])[0]
        version = int(row["version"])
        self._mark([(doc_id, version)], "retired")
        time.sleep(MARK_WAIT_S)
        self.client.delete(self.loc.name(META), ids=[key63(f"{DOC}:{doc_id}")], timeout=TIMEOUT_S)
        self._delete_versions([version])
        self._clean([doc_id])
        n = int(row["info"]["n_chunks"])
        self._estimate((0, 0), (n, int(row.get("dl", 0))))
        self._save_manifest()
        self.documents.known[doc_id] = None
        self.wrote = True
        return n

    # ----------------------------------------------------------------- what the answer's gate reads
    def measure(self) -> None:
        """After a write, when ``finish`` is set: the corpus sample the answer's gate compares a
        question with (the keys of ``spread_rows`` of the live chunks, in key order), then what
        ``finish`` measures on the store with that sample (the gate's calibration), both in the
        gate row, which readers read when they open or refresh. Reads every live chunk's key:
        the gate's calibration is the corpus's, as on the embedded index (rag.answer.calibrate)."""
        if self.finish is None or not self.wrote or self.manifest is None:
            return
        live = [int(d["version"]) for d in self.doc_rows()]
        keys = sorted(int(r["pk"]) for r in query_all(self.client, self.loc.name(CHUNKS),
                                                       f"version in {int_list(live)}", ["pk"])) if live else []
        sample = [keys[i] for i in spread_rows(len(keys)).tolist()]
        self._save_gate({"sample": sample})
        self._save_gate({"sample": sample, **(self.finish(self.loc.uri) or {})})

    def _save_gate(self, data: dict[str, Any]) -> None:
        self.client.upsert(self.loc.name(META), [meta_row(GATE, "", data),
                                                 meta_row(GENERATION, "", secrets.token_hex(8))], timeout=TIMEOUT_S)

    def totals(self) -> tuple[int, int]:
        """Counted by Milvus (the chunk rows include any another writer has not switched yet)."""
        if self.manifest is None:
            return 0, 0
        count = [self.client.query(self.loc.name(kind), filter=expr, output_fields=["count(*)"], timeout=TIMEOUT_S,
                                   consistency_level="Strong")[0]["count(*)"]
                 for kind, expr in ((META, f'kind == "{DOC}"'), (CHUNKS, ""))]
        return int(count[0]), int(count[1])
