"""Searching a Milvus store: Milvus gives the candidates, their rows come back, and they are
scored exactly as the embedded index scores them.

One ``hybrid_search`` gives the union of the dense side (the chunk vectors' nearest, FLAT:
exact) and the BM25 side (the stored sparse vectors against the query's idf weights); the
filters (document, section, a document's ends, the versions that marks hide) go down to Milvus
as expressions over integer keys. The candidates' rows are fetched (and kept: a row never
changes, a new version has new keys) and both sides' scores computed here from them: the
cosines from the stored vectors, BM25 from each row's term counts and the global statistics
(the live documents' sum), bitwise bm25s's. So the ``depth`` best of each side, and all the
rescoring above, are the embedded index's.

The marks (the versions a write hides) are read again when they are older than
``MARKS_TTL_S`` (a writer waits longer than that between marking a version and writing or
switching it, so no search misses a mark); when another process has written (the generation
row changed), the documents and statistics are read again in the background.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.errors import RagError
from rag.index.milvus import codec
from rag.index.milvus.connect import (
    CHUNKS,
    DOC,
    GATE,
    GENERATION,
    MARK,
    META,
    STATS,
    TIMEOUT_S,
    UNITS,
    Location,
    dense_index,
    fail,
    int_list,
    key63,
    load,
    pymilvus,
    query_all,
    read_manifest,
)
from rag.index.milvus.write import MARKS_TTL_S, RETIRED_GRACE_S
from rag.index.store import Candidates, Reader, StoredChunk, top

CACHE_BYTES = 512 << 20  # decoded rows kept between queries
SPARSE_OVERFETCH = 1.5  # BM25 candidates asked of Milvus per one kept (stored weights use an estimated avgdl)
NOTHING = "nothing"  # a scope no chunk is in


class MilvusReader(Reader):
    def __init__(self, client: Any, loc: Location) -> None:
        self.client, self.loc = client, loc
        self.location = loc.uri
        try:
            base = read_manifest(client, loc) if client.has_collection(loc.name(META)) else None
        except RagError:
            raise
        except Exception as e:  # noqa: BLE001
            raise fail(loc, "reading the manifest", e) from None
        if base is None:
            raise RagError(f"no index at {loc.uri}: run `rag ingest --store {loc.uri}` first")
        load(client, loc)
        self.base = base
        self.dim = int(base["model"]["dim"])
        self.k1, self.b = float(base["lexical"]["k1"]), float(base["lexical"]["b"])
        self.search_params = dense_index(str(base["dense"]["kind"]).removeprefix("milvus-"))[1]
        self._marks_at = -1e9
        self._cache: OrderedDict[int, codec.ChunkRow] = OrderedDict()
        self._cache_bytes = 0
        self._key_of: dict[str, int] = {}  # chunk id -> key, of the cached rows
        self._sample_keys: list[int] = []
        self._sample = np.zeros((0, self.dim), np.float32)
        self._stats: dict[str, tuple[int, codec.DocStats]] = {}
        self._lock = threading.Lock()
        self._refreshing = False
        self.hidden: set[int] = set()
        self.generation: str | None = None
        self._refresh()
        self._state()

    # ----------------------------------------------------------------- documents and statistics
    def _refresh(self) -> None:
        """The live documents, their statistics (read for new versions only) and the sum."""
        docs = query_all(self.client, self.loc.name(META), f'kind == "{DOC}"', ["version", "data"])
        docs = sorted(({**json.loads(r["data"]), "version": int(r["version"])} for r in docs),
                      key=lambda d: d["version"])
        stats: dict[str, tuple[int, codec.DocStats]] = {}
        want = []
        for d in docs:
            doc_id, v = d["info"]["doc_id"], d["version"]
            if doc_id in self._stats and self._stats[doc_id][0] == v:
                stats[doc_id] = self._stats[doc_id]
            else:
                want.append((doc_id, v, int(d["stats"])))
        ids = [key63(f"{STATS}:{doc_id}\x00{v}\x00{j}") for doc_id, v, n in want for j in range(n)]
        got: dict[int, str] = {}
        for i in range(0, len(ids), 1000):
            for r in self.client.get(self.loc.name(META), ids=ids[i:i + 1000], output_fields=["data"], timeout=TIMEOUT_S):
                got[int(r["pk"])] = r["data"]
        for doc_id, v, n in want:
            parts = [got.get(key63(f"{STATS}:{doc_id}\x00{v}\x00{j}")) for j in range(n)]
            if any(p is None for p in parts):
                continue  # removed meanwhile: the next refresh settles it
            stats[doc_id] = (v, codec.unpack_stats(parts))  # type: ignore[arg-type]
        lex = codec.Lexicon.total((s for _, s in stats.values()), self.k1, self.b)
        documents = {d["info"]["doc_id"]: d["info"] for d in docs if d["info"]["doc_id"] in stats}
        calibration = self._read_gate()
        manifest = {**self.base, "calibration": calibration, "documents": documents, "n_chunks": lex.n,
                    "store": self.loc.uri,
                    "trigrams": {"n": 3, "n_docs": lex.trigrams.n_docs, "avgdl": lex.trigrams.avgdl,
                                 "k1": self.k1, "b": self.b},
                    "latent": {"head": self.base["latent_head"]} if self.base.get("latent_head") else None}
        with self._lock:
            self._stats, self.lex, self.trigrams, self.manifest = stats, lex, lex.trigrams, manifest
            self.live = {doc_id: v for doc_id, (v, _) in stats.items()}

    def _read_gate(self) -> Any:
        """The gate row (rag.index.milvus.write.MilvusUpdate.measure): the corpus sample's
        vectors, fetched when its keys change, and the calibration it returns (None: none)."""
        rows = self.client.get(self.loc.name(META), ids=[key63(f"{GATE}:")], output_fields=["data"],
                               timeout=TIMEOUT_S, consistency_level="Strong")
        gate = json.loads(rows[0]["data"]) if rows else {}
        keys = [int(k) for k in gate.get("sample", [])]
        if keys != self._sample_keys:
            got: dict[int, list[float]] = {}
            for i in range(0, len(keys), 1000):
                for r in self.client.get(self.loc.name(CHUNKS), ids=keys[i:i + 1000], output_fields=["vector"],
                                         timeout=TIMEOUT_S):
                    got[int(r["pk"])] = r["vector"]
            vectors = [got[k] for k in keys if k in got]  # a row deleted since drops out
            self._sample = np.asarray(vectors, np.float32).reshape(-1, self.dim)
            self._sample_keys = keys
        return gate.get("calibration")

    def spread_sample(self) -> np.ndarray:
        return self._sample

    def stored_chunk(self, chunk_id: str) -> StoredChunk | None:
        key = self._key_of.get(chunk_id)
        row = self._cache.get(key) if key is not None else None
        if row is None:
            return None
        vectors = row.vectors.reshape(-1, self.dim)
        return StoredChunk(chunk=row.chunk, references=row.refs, units=vectors[1:], windows=row.windows,
                           vector=vectors[0])

    def _refresh_later(self) -> None:
        if self._refreshing:
            return
        self._refreshing = True

        def run() -> None:
            try:
                self._refresh()
            except Exception:  # noqa: BLE001 - the next change tries again; search goes on meanwhile
                self.generation = None
            finally:
                self._refreshing = False

        threading.Thread(target=run, name="rag-milvus-refresh", daemon=True).start()

    def _state(self) -> set[int]:
        """The versions the marks hide now; starts a refresh when another process has written."""
        started = time.monotonic()
        rows = self.client.query(self.loc.name(META), filter=f'kind in ["{MARK}", "{GENERATION}"]',
                                 output_fields=["kind", "version", "data"], timeout=TIMEOUT_S,
                                 consistency_level="Strong")
        hidden, now = set(), time.time()
        for r in rows:
            if r["kind"] == GENERATION:
                if r["data"] != self.generation:
                    if self.generation is not None:
                        self._refresh_later()
                    self.generation = r["data"]
                continue
            m = json.loads(r["data"])
            v = int(r["version"])
            # as a writer's repair would see it (rag.index.milvus.write)
            if self.live.get(m["doc_id"]) == v and (m["state"] == "pending" or now - m["at"] > RETIRED_GRACE_S):
                continue
            hidden.add(v)
        self.hidden, self._marks_at = hidden, started
        return hidden

    # ----------------------------------------------------------------- the Reader interface
    def scope(self, doc: str | None, section: str | None, within: Sequence[int] | None = None) -> Any | None:
        parts = []
        if within is not None:
            if not within:
                return NOTHING
            parts.append(f"pk in {int_list(list(within))}")
        if doc:
            if doc not in self.documents:
                self._refresh()
            if doc not in self.documents:
                raise RagError(f"no document {doc!r} in the index (see `rag list`)")
            parts.append(f"doc == {key63(doc)}")
        if section:
            needle = section.casefold()
            heads = {s for d, (_, st) in self._stats.items() if not doc or d == doc
                     for s in st.sections if needle in s.casefold()}
            if not heads:
                return NOTHING
            parts.append(f"section in {int_list([key63(s) for s in sorted(heads)])}")
        return " and ".join(parts) or None

    def candidates(self, qvec: np.ndarray | None, tokens: list[str] | None, depth: int,
                   scope: Any | None) -> Candidates:
        if scope == NOTHING:
            return Candidates(rows=codec.as_rows([], self.dim))
        lex = self.lex
        sparse = codec.sparse_query(tokens, lex) if tokens else {}
        pm = pymilvus()
        reqs = []
        if qvec is not None:
            reqs.append(("vector", [np.asarray(qvec, np.float32).tolist()], self.search_params, depth))
        if sparse:
            reqs.append(("sparse", [sparse], {"metric_type": "IP"}, int(depth * SPARSE_OVERFETCH)))
        if not reqs:
            return Candidates(rows=codec.as_rows([], self.dim))
        if time.monotonic() - self._marks_at > MARKS_TTL_S:
            try:
                self._state()
            except Exception as e:  # noqa: BLE001
                raise fail(self.loc, "reading the marks", e) from None
        found = self._rows(sorted(self._search(pm, reqs, scope, self.hidden)))
        rows = codec.as_rows(found, self.dim)
        out = Candidates(rows=rows)
        every = np.arange(len(found))
        if qvec is not None:
            out.chunk = top(every, np.asarray(rows.vectors @ qvec, dtype=np.float32), depth)
        if tokens:
            scores = codec.bm25_scores(found, tokens, lex, self.k1, self.b)
            keep = scores > 0
            out.bm25 = top(every[keep], scores[keep], depth)
        return out

    def _search(self, pm: Any, reqs: list[tuple], scope: str | None, hidden: set[int]) -> list[int]:
        """Candidate keys from one search or hybrid search."""
        expr = " and ".join(p for p in (scope, f"version not in {int_list(sorted(hidden))}" if hidden else None) if p)
        try:
            if len(reqs) == 1:
                field, data, params, limit = reqs[0]
                res = self.client.search(self.loc.name(CHUNKS), data, anns_field=field, limit=limit, filter=expr,
                                         search_params=params, timeout=TIMEOUT_S)
            else:
                anns = [pm.AnnSearchRequest(data, field, params, limit, expr=expr or None)
                        for field, data, params, limit in reqs]
                res = self.client.hybrid_search(self.loc.name(CHUNKS), anns, pm.WeightedRanker(1.0, 0.0),
                                                 limit=sum(r[3] for r in reqs), timeout=TIMEOUT_S)
        except Exception as e:  # noqa: BLE001
            raise fail(self.loc, "searching", e) from None
        return [int(h["id"]) for h in res[0]]

    def _rows(self, keys: list[int]) -> list[codec.ChunkRow]:
        """The rows of ``keys`` (from the cache, else fetched); rows deleted meanwhile drop out."""
        missing = [k for k in keys if k not in self._cache]
        if missing:
            try:
                got = self.client.get(self.loc.name(CHUNKS), ids=missing, output_fields=["row", "units"],
                                      timeout=TIMEOUT_S)
                raw = {int(r["pk"]): r for r in got}
                decoded = {k: codec.decode_chunk(k, r["row"], [r["units"]]) for k, r in raw.items()}
                spill = [codec.unit_pk(k, j) for k, row in decoded.items() for j in range(1, row.parts)]
                if spill:
                    extra = {int(r["pk"]): r["data"] for r in self.client.get(
                        self.loc.name(UNITS), ids=spill, output_fields=["data"], timeout=TIMEOUT_S)}
                    for k, row in decoded.items():
                        if row.parts > 1:
                            units = [raw[k]["units"]] + [extra.get(codec.unit_pk(k, j), "") for j in range(1, row.parts)]
                            decoded[k] = codec.decode_chunk(k, raw[k]["row"], units)
            except RagError:
                raise
            except Exception as e:  # noqa: BLE001
                raise fail(self.loc, "reading chunk rows", e) from None
            for k, row in decoded.items():
                self._cache[k] = row
                self._key_of[row.chunk.chunk_id] = k
                self._cache_bytes += row.nbytes
            while self._cache_bytes > CACHE_BYTES and self._cache:
                gone = self._cache.popitem(last=False)[1]
                self._cache_bytes -= gone.nbytes
                if self._key_of.get(gone.chunk.chunk_id) == gone.key:
                    del self._key_of[gone.chunk.chunk_id]
        out = []
        for k in keys:
            row = self._cache.get(k)
            if row is not None:
                self._cache.move_to_end(k)
                out.append(row)
        return out

    def sections(self, doc_id: str | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for d, (_, st) in self._stats.items():
            if doc_id is None or d == doc_id:
                for s in st.sections:
                    if s:
                        seen.setdefault(s, None)
        return list(seen)

    def document_rows(self, doc_id: str) -> list[tuple[int, str]]:
        if doc_id not in self._stats:
            return []
        version, st = self._stats[doc_id]
        heads = {key63(s): s for s in st.sections}
        rows = query_all(self.client, self.loc.name(CHUNKS), f"doc == {key63(doc_id)} and version == {version}",
                         ["pk", "section"])
        return [(int(r["pk"]), heads.get(int(r["section"]), "")) for r in sorted(rows, key=lambda r: int(r["pk"]))]

    def close(self) -> None:
        self._cache.clear()
        self._key_of.clear()
