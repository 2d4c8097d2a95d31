"""Reaching Milvus: the URI, the client (one clear line when it cannot be had), the three
collections and their schema, and the manifest row.

``milvus:///path/file.db`` is Milvus Lite (the native engine, embedded in the ``milvus-lite``
package; one process at a time), ``milvus://host:19530[/collection]`` a Milvus server
(standalone or a cluster, ``RAG_MILVUS_TOKEN`` for its login). ``?collection=NAME`` names the
collections' prefix on either (default ``thai_rag``), ``?index=FLAT|IVF_FLAT|HNSW|AUTOINDEX``
the dense index a new store gets (default FLAT on Lite: exact, as the embedded index below
20,000 chunks; AUTOINDEX on a server).

Every key the filters compare is an integer (a 63-bit hash of a document id or a section
heading): Milvus' expression parser takes no string escapes but \\" and \\\\, and document
ids and headings are the users'.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rag.errors import RagError

DEFAULT_COLLECTION = "thai_rag"
DEFAULT_PORT = 19530
TOKEN_ENV = "RAG_MILVUS_TOKEN"
# the store's own layout version (the manifest row's format_version)
MILVUS_FORMAT = 1
TIMEOUT_S = 30.0  # every call: a wrong expression or a dead server fails within this
CONNECT_TIMEOUT_S = 5.0
INDEX_KINDS = ("FLAT", "IVF_FLAT", "HNSW", "AUTOINDEX")
IVF_NPROBE = 64
HNSW_EF = 96
MAX_VARCHAR = 65_535
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")
# The three collections: chunk rows (vectors, BM25 sparse vectors, payload), unit vectors that
# do not fit in a chunk row, and the store's own rows (manifest, documents, statistics, marks).
CHUNKS, UNITS, META = "chunks", "units", "meta"
# kinds of meta rows
MANIFEST, DOC, STATS, MARK, GENERATION, GATE = "manifest", "doc", "stats", "mark", "generation", "gate"
INSTALL = "pip install 'thai-rag[milvus]'"


def key63(text: str) -> int:
    """A 63-bit integer key for a string (document id, heading, meta row name)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little") & (2**63 - 1)


@dataclass(frozen=True)
class Location:
    """A parsed ``milvus://`` URI: what to connect to and which collections."""

    uri: str  # as the user gave it (in messages)
    target: str  # what pymilvus connects to: a file path (Lite) or http://host:port
    lite: bool
    collection: str
    index: str

    def name(self, kind: str) -> str:
        return f"{self.collection}_{kind}"


def parse_uri(uri: str) -> Location:
    """``milvus:///path/file.db`` (Lite) or ``milvus://host[:port][/collection]`` (a server)."""
    parts = urlsplit(uri)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    collection = query.get("collection", "")
    index = query.get("index", "").upper()
    if parts.scheme != "milvus":
        raise RagError(f"not a Milvus store URI: {uri} (milvus:///path/file.db or milvus://host:19530/collection)")
    if not parts.netloc:  # milvus:///path/file.db
        path = Path(parts.path)
        if not parts.path or path.suffix != ".db":
            raise RagError(f"a Milvus Lite store is a .db file: milvus:///path/file.db, not {uri}")
        lite, target = True, str(path.expanduser().absolute())
    else:
        try:
            host, port = parts.hostname, parts.port or DEFAULT_PORT
        except ValueError:
            raise RagError(f"bad port in {uri}: milvus://host:19530[/collection]") from None
        lite, target = False, f"http://{host}:{port}"
        collection = collection or parts.path.strip("/")
    collection = collection or DEFAULT_COLLECTION
    if not NAME.match(collection):
        raise RagError(f"bad collection name {collection!r} in {uri}: letters, digits and _ (not first a digit)")
    if index and index not in INDEX_KINDS:
        raise RagError(f"unknown dense index {index!r} in {uri}: one of {', '.join(INDEX_KINDS)}")
    return Location(uri=uri, target=target, lite=lite, collection=collection,
                    index=index or ("FLAT" if lite else "AUTOINDEX"))


@functools.cache
def pymilvus() -> Any:
    """The Milvus client package, or one line saying how to get it. Its loggers are silenced:
    what goes wrong reaches the user as one line of ours."""
    try:
        import pymilvus as pm
    except ImportError:
        raise RagError(f"a milvus:// store needs the Milvus client: {INSTALL}") from None
    for name in ("pymilvus", "pymilvus.milvus_client", "pymilvus.bulk_writer"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    return pm


_CLIENTS: dict[str, Any] = {}


def connect(loc: Location) -> Any:
    """The process's ``MilvusClient`` for ``loc`` (pymilvus shares one connection per address, so
    one client serves every store object on it); a missing package, an unreachable server or a
    Lite file held by another process is one line."""
    if loc.target in _CLIENTS:
        return _CLIENTS[loc.target]
    pm = pymilvus()
    if loc.lite:
        try:
            with warnings.catch_warnings():  # milvus-lite 2.5 still imports pkg_resources
                warnings.simplefilter("ignore")
                import milvus_lite  # noqa: F401
        except ImportError:
            raise RagError(f"a milvus:///file.db store needs Milvus Lite: {INSTALL}") from None
        Path(loc.target).parent.mkdir(parents=True, exist_ok=True)
    token = os.environ.get(TOKEN_ENV, "")
    try:
        client = _CLIENTS[loc.target] = pm.MilvusClient(uri=loc.target, token=token, timeout=CONNECT_TIMEOUT_S)
        return client
    except Exception as e:  # noqa: BLE001 - pymilvus raises several kinds; all mean "no server"
        if loc.lite:
            raise RagError(f"cannot open the Milvus Lite file {loc.target}: another process has it open "
                           f"(Milvus Lite serves one process; use a Milvus server for several)") from None
        raise RagError(f"cannot reach Milvus at {loc.target[len('http://'):]} ({_reason(e)}); "
                       f"start the server or check --store / $RAG_STORE and ${TOKEN_ENV}") from None


def release(loc: Location) -> None:
    """Close the process's connection to ``loc`` (a Milvus Lite file is then free for another
    process)."""
    client = _CLIENTS.pop(loc.target, None)
    if client is not None:
        client.close()


def _reason(e: Exception) -> str:
    msg = str(getattr(e, "message", "") or e).strip().splitlines()
    return (msg[0] if msg else type(e).__name__)[:160]


def fail(loc: Location, doing: str, e: Exception) -> RagError:
    """One line for a Milvus call that failed."""
    return RagError(f"Milvus at {loc.uri} failed while {doing} ({_reason(e)})")


def dense_index(kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The dense index's build parameters and search parameters."""
    if kind == "IVF_FLAT":
        return {"nlist": 1024}, {"metric_type": "IP", "params": {"nprobe": IVF_NPROBE}}
    if kind == "HNSW":
        return {"M": 32, "efConstruction": 200}, {"metric_type": "IP", "params": {"ef": HNSW_EF}}
    return {}, {"metric_type": "IP"}


def create_collections(client: Any, loc: Location, dim: int) -> None:
    """The three collections, with their indexes, loaded; existing ones are left as they are
    (two first ingests racing both get here)."""
    pm = pymilvus()
    dt = pm.DataType

    def make(kind: str, fields: list[tuple[str, Any, dict[str, Any]]], indexes: list[tuple[str, str, str, dict]]) -> None:
        name = loc.name(kind)
        if client.has_collection(name):
            return
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        for field_name, kind_, kw in fields:
            schema.add_field(field_name, kind_, **kw)
        params = client.prepare_index_params()
        for field_name, index_type, metric, p in indexes:
            params.add_index(field_name, index_type=index_type, metric_type=metric, params=p)
        try:
            client.create_collection(name, schema=schema, index_params=params, consistency_level="Bounded")
        except Exception:  # noqa: BLE001 - created meanwhile by another ingest
            if not client.has_collection(name):
                raise

    dummy = ("dummy", dt.FLOAT_VECTOR, {"dim": 2})
    dummy_index = ("dummy", "FLAT", "L2", {})
    make(CHUNKS, [("pk", dt.INT64, {"is_primary": True}), ("doc", dt.INT64, {}), ("version", dt.INT64, {}),
                  ("section", dt.INT64, {}), ("row", dt.VARCHAR, {"max_length": MAX_VARCHAR}),
                  ("units", dt.VARCHAR, {"max_length": MAX_VARCHAR}), ("vector", dt.FLOAT_VECTOR, {"dim": dim}),
                  ("sparse", dt.SPARSE_FLOAT_VECTOR, {})],
         [("vector", loc.index, "IP", dense_index(loc.index)[0]),
          ("sparse", "SPARSE_INVERTED_INDEX", "IP", {"drop_ratio_build": 0.0})])
    make(UNITS, [("pk", dt.INT64, {"is_primary": True}), ("version", dt.INT64, {}),
                 ("data", dt.VARCHAR, {"max_length": MAX_VARCHAR}), dummy], [dummy_index])
    make(META, [("pk", dt.INT64, {"is_primary": True}), ("kind", dt.VARCHAR, {"max_length": 16}),
                ("doc", dt.INT64, {}), ("version", dt.INT64, {}), ("data", dt.VARCHAR, {"max_length": MAX_VARCHAR}),
                dummy], [dummy_index])


def exists(client: Any, loc: Location) -> bool:
    return all(client.has_collection(loc.name(k)) for k in (CHUNKS, UNITS, META))


def load(client: Any, loc: Location) -> None:
    for kind in (CHUNKS, UNITS, META):
        client.load_collection(loc.name(kind), timeout=TIMEOUT_S)


QUERY_CAP = 16_383  # a Milvus query returns at most this many rows; more come from an iterator


def query_all(client: Any, name: str, expr: str, fields: list[str]) -> list[dict[str, Any]]:
    """Every row ``expr`` matches (a plain query stops at ``QUERY_CAP`` rows, silently)."""
    rows = client.query(name, filter=expr, output_fields=fields, timeout=TIMEOUT_S, consistency_level="Strong")
    if len(rows) < QUERY_CAP:
        return list(rows)
    out: list[dict[str, Any]] = []
    it = client.query_iterator(name, batch_size=10_000, filter=expr, output_fields=fields, timeout=TIMEOUT_S)
    try:
        while batch := it.next():
            out += batch
    finally:
        it.close()
    return out


def int_list(values: list[int]) -> str:
    """A list of integers as a Milvus expression (``pk in [1, 2]``)."""
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def meta_row(kind: str, name: str, data: Any, *, doc: str | None = None, version: int = 0) -> dict[str, Any]:
    """A row of the meta collection: ``data`` as JSON (at most 65,535 bytes)."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return {"pk": key63(f"{kind}:{name}"), "kind": kind, "doc": key63(doc) if doc is not None else 0,
            "version": version, "data": text, "dummy": [0.0, 0.0]}


def read_manifest(client: Any, loc: Location) -> dict[str, Any] | None:
    """The manifest row (None: the store has none yet)."""
    rows = client.get(loc.name(META), ids=[key63(f"{MANIFEST}:")], output_fields=["data"], timeout=TIMEOUT_S)
    if not rows:
        return None
    manifest = json.loads(rows[0]["data"])
    if manifest.get("format_version") != MILVUS_FORMAT:
        raise RagError(f"the Milvus store {loc.uri} has layout {manifest.get('format_version')}, this version reads "
                       f"{MILVUS_FORMAT}; rebuild it with: rag ingest --rebuild --store {loc.uri}")
    return manifest


def drop(client: Any, loc: Location) -> None:
    for kind in (CHUNKS, UNITS, META):
        if client.has_collection(loc.name(kind)):
            client.drop_collection(loc.name(kind))
