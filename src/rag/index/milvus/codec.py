"""How a document's chunks and statistics are written into Milvus rows and read back.

A chunk row holds what search reads of a candidate: the chunk (text, section, page, footnotes,
markers) and the references it cites, its latent terms (uint16 / float16, as the embedded
files keep them), its BM25 terms (each distinct token's 64-bit hash and count, and its
length) and, base64 in a field of its own, its vector followed by its unit vectors (float32);
what does not fit in a row's 65,535 bytes goes to rows of the units collection.

A document's statistics (its chunks' count and total length, each token's and each character
trigram's document frequency, its section headings) are one blob, zlib-compressed, in meta
rows: the global BM25 statistics are their sum over the live documents, exactly what the
embedded index counts over all its chunks, so both score alike (rag.index.bm25).
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from rag.document.chunking import Chunk
from rag.document.structure import Reference
from rag.embed.latent import Codes
from rag.errors import RagError
from rag.index.bm25 import PLACEHOLDER, idf, saturated
from rag.index.format import chunk_from_dict
from rag.index.store import NewDocument, Rows
from rag.lexical.trigrams import TrigramTable, trigram_keys

SPARSE_DIMS = 2**32 - 1  # Milvus' sparse dimensions are uint32, the last one reserved
PART_BYTES = 49_140  # whole float32s, and base64 of it (65,520 characters) fits one VARCHAR field
MAX_PARTS = 16  # unit rows of one chunk: pk << 4 | part
MAX_CHUNKS = 1 << 14  # chunk rows of one document version: version << 14 | chunk number
ROW_LIMIT = 65_535
ZIPPED = "z:"


@lru_cache(maxsize=65_536)
def term_hash(token: str) -> int:
    """A token's 64-bit hash: its key in the BM25 statistics (exact in practice: two tokens
    collide with probability ~n^2 / 2^65)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def term_hashes(tokens: Iterable[str]) -> np.ndarray:
    return np.fromiter((term_hash(t) for t in tokens), dtype=np.uint64)


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _un64(s: str, dtype: type) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype=dtype)


def pk_of(version: int, i: int) -> int:
    return (version << 14) | i


def unit_pk(pk: int, part: int) -> int:
    return (pk << 4) | part


@dataclass
class ChunkRow:
    """A chunk row as read back: what a query's views need of one candidate."""

    key: int
    chunk: Chunk
    refs: dict[int, Reference]
    vectors: np.ndarray  # the chunk vector, then its units
    windows: int
    latent: tuple[np.ndarray, np.ndarray]
    terms: np.ndarray  # uint64, sorted
    tf: np.ndarray  # per term
    dl: int
    parts: int = 1

    @property
    def nbytes(self) -> int:
        return self.vectors.nbytes + self.terms.nbytes * 2 + len(self.chunk.text) * 4 + 512


def encode_chunks(doc: NewDocument, version: int, avgdl: float, k1: float, b: float,
                  doc_key: int, section_key: dict[str, int]) -> tuple[list[dict], list[dict]]:
    """A document's chunk rows and unit rows (those that do not fit in a chunk row)."""
    if len(doc.chunks) >= MAX_CHUNKS:
        raise RagError(f"{doc.info.doc_id}: {len(doc.chunks)} chunks, more than a Milvus store takes in one "
                       f"document ({MAX_CHUNKS - 1}); split the file")
    rows, units = [], []
    offsets = np.concatenate([[0], np.cumsum(doc.unit_counts)]).astype(np.int64)
    for i, c in enumerate(doc.chunks):
        pk = pk_of(version, i)
        tokens = doc.tokens[i] or [PLACEHOLDER]
        counts = Counter(tokens)
        terms = term_hashes(counts)
        order = np.argsort(terms)
        terms = terms[order]
        tf = np.fromiter(counts.values(), dtype=np.uint16, count=len(counts))[order]
        weights = saturated(tf, len(tokens), avgdl, k1, b)
        sparse: dict[int, float] = {}
        for h, w in zip((terms % np.uint64(SPARSE_DIMS)).tolist(), weights.tolist(), strict=True):
            sparse[h] = sparse.get(h, 0.0) + w
        li, lv = doc.latent.rows([i])[0]
        refs = [[n, doc.references[n].text, doc.references[n].page] for n in c.footnotes if n in doc.references]
        payload = {"c": {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "title": c.title, "section": c.section,
                         "page": c.page, "text": c.text, "footnotes": c.footnotes, "markers": [list(m) for m in c.markers]},
                   "refs": refs, "w": int(doc.window_counts[i]), "li": _b64(np.asarray(li, np.uint16)),
                   "lv": _b64(np.asarray(lv, np.float16)), "t": _b64(terms), "f": _b64(tf), "dl": len(tokens)}
        vec = np.concatenate([np.asarray(doc.vectors[i:i + 1], np.float32),
                              np.asarray(doc.units[offsets[i]:offsets[i + 1]], np.float32)]).tobytes()
        parts = [vec[j:j + PART_BYTES] for j in range(0, len(vec), PART_BYTES)] or [b""]
        if len(parts) > MAX_PARTS:
            raise RagError(f"{c.chunk_id}: {doc.unit_counts[i]} sentence vectors, more than a Milvus row takes")
        payload["p"] = len(parts)
        text = _fit(json.dumps(payload, ensure_ascii=False), c.chunk_id)
        rows.append({"pk": pk, "doc": doc_key, "version": version, "section": section_key[c.section], "row": text,
                     "units": base64.b64encode(parts[0]).decode("ascii"),
                     "vector": np.asarray(doc.vectors[i], np.float32).tolist(), "sparse": sparse})
        units += [{"pk": unit_pk(pk, j), "version": version, "data": base64.b64encode(p).decode("ascii"),
                   "dummy": [0.0, 0.0]} for j, p in enumerate(parts) if j]
    return rows, units


def _fit(text: str, what: str) -> str:
    if len(text.encode("utf-8")) <= ROW_LIMIT:
        return text
    packed = ZIPPED + base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")
    if len(packed) > ROW_LIMIT:
        raise RagError(f"{what}: too much text and too many references for one Milvus row")
    return packed


def decode_chunk(pk: int, row: str, units: Sequence[str]) -> ChunkRow:
    """A chunk row read back; ``units``: its vector field and any unit rows, in order."""
    if row.startswith(ZIPPED):
        row = zlib.decompress(base64.b64decode(row[len(ZIPPED):])).decode("utf-8")
    d = json.loads(row)
    chunk = chunk_from_dict(d["c"])
    refs = {int(n): Reference(n=int(n), text=t, page=p) for n, t, p in d["refs"]}
    vectors = np.frombuffer(b"".join(base64.b64decode(u) for u in units), dtype=np.float32)
    return ChunkRow(key=pk, chunk=chunk, refs=refs, vectors=vectors, windows=int(d["w"]),
                    latent=(_un64(d["li"], np.uint16), _un64(d["lv"], np.float16)), terms=_un64(d["t"], np.uint64),
                    tf=_un64(d["f"], np.uint16), dl=int(d["dl"]), parts=int(d.get("p", 1)))


def as_rows(found: list[ChunkRow], dim: int) -> Rows:
    """Chunk rows (sorted by key: ingest order, as the embedded index's rows) as ``Rows``."""
    vectors = [r.vectors.reshape(-1, dim) for r in found]
    counts = [len(v) - 1 for v in vectors]
    references: dict[str, dict[int, Reference]] = {}
    for r in found:
        references.setdefault(r.chunk.doc_id, {}).update(r.refs)
    indptr = np.concatenate([[0], np.cumsum([len(r.latent[0]) for r in found])]).astype(np.int64)
    latent = Codes(indptr, np.concatenate([np.zeros(0, np.uint16), *(r.latent[0] for r in found)]),
                   np.concatenate([np.zeros(0, np.float16), *(r.latent[1] for r in found)]))
    return Rows(chunks=[r.chunk for r in found], references=references,
                vectors=np.stack([v[0] for v in vectors]) if found else np.zeros((0, dim), np.float32),
                units=np.concatenate([np.zeros((0, dim), np.float32), *(v[1:] for v in vectors)]),
                unit_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                unit_windows=np.asarray([r.windows for r in found], np.int64), latent=latent,
                keys=np.asarray([r.key for r in found], np.int64))


# --------------------------------------------------------------------------- statistics


@dataclass
class DocStats:
    """One document's share of the global statistics."""

    n: int
    dl: int
    terms: np.ndarray  # uint64, sorted
    df: np.ndarray  # int32
    trigrams: np.ndarray  # int64, sorted
    tdf: np.ndarray  # int32
    tlen: int
    sections: list[str] = field(default_factory=list)


def doc_stats(doc: NewDocument) -> DocStats:
    """A document's statistics, counted as the embedded index counts them (bm25s; TrigramTable)."""
    term_parts, tri_parts, dl, tlen = [], [], 0, 0
    for c, tokens in zip(doc.chunks, doc.tokens, strict=True):
        tokens = tokens or [PLACEHOLDER]
        dl += len(tokens)
        term_parts.append(np.unique(term_hashes(tokens)))
        k = trigram_keys(c.lexical_text(doc.references))
        tlen += len(k)
        tri_parts.append(np.unique(k))
    terms, df = np.unique(np.concatenate([np.zeros(0, np.uint64), *term_parts]), return_counts=True)
    tri, tdf = np.unique(np.concatenate([np.zeros(0, np.int64), *tri_parts]), return_counts=True)
    sections = list(dict.fromkeys(c.section for c in doc.chunks))
    return DocStats(len(doc.chunks), dl, terms, df.astype(np.int32), tri, tdf.astype(np.int32), tlen, sections)


def pack_stats(s: DocStats) -> list[str]:
    """A document's statistics as base64 parts of at most one VARCHAR field each."""
    head = json.dumps({"n": s.n, "dl": s.dl, "tn": len(s.terms), "gn": len(s.trigrams), "tlen": s.tlen,
                       "sections": s.sections}, ensure_ascii=False).encode("utf-8")
    body = b"".join([len(head).to_bytes(4, "little"), head, s.terms.astype(np.uint64).tobytes(),
                     s.df.astype(np.int32).tobytes(), s.trigrams.astype(np.int64).tobytes(),
                     s.tdf.astype(np.int32).tobytes()])
    data = base64.b64encode(zlib.compress(body, 6)).decode("ascii")
    return [data[i:i + 65_532] for i in range(0, len(data), 65_532)] or [""]


def unpack_stats(parts: Sequence[str]) -> DocStats:
    body = zlib.decompress(base64.b64decode("".join(parts)))
    n_head = int.from_bytes(body[:4], "little")
    head = json.loads(body[4:4 + n_head].decode("utf-8"))
    at = 4 + n_head
    arrays = []
    for count, dtype in ((head["tn"], np.uint64), (head["tn"], np.int32), (head["gn"], np.int64), (head["gn"], np.int32)):
        size = count * np.dtype(dtype).itemsize
        arrays.append(np.frombuffer(body[at:at + size], dtype=dtype))
        at += size
    return DocStats(int(head["n"]), int(head["dl"]), *arrays, tlen=int(head["tlen"]), sections=list(head["sections"]))


@dataclass
class Lexicon:
    """The global BM25 statistics of the live documents: each token's document frequency, the
    chunks' count and average length, and the character trigrams' table."""

    terms: np.ndarray
    df: np.ndarray
    n: int
    avgdl: float
    trigrams: TrigramTable

    @staticmethod
    def total(stats: Iterable[DocStats], k1: float, b: float) -> Lexicon:
        stats = list(stats)
        n = sum(s.n for s in stats)
        dl = sum(s.dl for s in stats)
        terms, df = _sum([s.terms for s in stats], [s.df for s in stats], np.uint64)
        tri, tdf = _sum([s.trigrams for s in stats], [s.tdf for s in stats], np.int64)
        tlen = sum(s.tlen for s in stats)
        table = TrigramTable(keys=tri, df=tdf.astype(np.int32), n_docs=n, avgdl=float(tlen / n if n else 0.0), k1=k1, b=b)
        return Lexicon(terms=terms, df=df, n=n, avgdl=dl / n if n else 0.0, trigrams=table)

    def frequencies(self, hashes: np.ndarray) -> np.ndarray:
        if not len(self.terms):
            return np.zeros(len(hashes), np.int64)
        pos = np.minimum(np.searchsorted(self.terms, hashes), len(self.terms) - 1)
        return np.where(self.terms[pos] == hashes, self.df[pos], 0).astype(np.int64)


def _sum(keys: list[np.ndarray], counts: list[np.ndarray], dtype: type) -> tuple[np.ndarray, np.ndarray]:
    if not keys:
        return np.zeros(0, dtype), np.zeros(0, np.int64)
    allk = np.concatenate([np.zeros(0, dtype), *keys])
    uniq, inv = np.unique(allk, return_inverse=True)
    return uniq, np.bincount(inv, weights=np.concatenate([np.zeros(0), *counts]), minlength=len(uniq)).astype(np.int64)


def query_weights(tokens: list[str], lex: Lexicon) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The query's known distinct terms (hashes), their idf, and each token's place among them
    (query order, repeats kept; -1: a token no chunk holds)."""
    hashes = term_hashes(tokens)
    uniq, inv = np.unique(hashes, return_inverse=True)
    df = lex.frequencies(uniq)
    known = df > 0
    remap = np.where(known, np.cumsum(known) - 1, -1)
    weights = np.asarray([idf(int(d), lex.n) for d in df[known]], np.float32)
    return uniq[known], weights, remap[inv]


def sparse_query(tokens: list[str], lex: Lexicon) -> dict[int, float]:
    """The query as a sparse vector over the stored chunks' saturated term frequencies: each
    known term's idf times how often the query has it (their inner product is BM25)."""
    terms, weights, order = query_weights(tokens, lex)
    counts = np.bincount(order[order >= 0], minlength=len(terms))
    out: dict[int, float] = {}
    for h, w in zip((terms % np.uint64(SPARSE_DIMS)).tolist(), (weights.astype(np.float64) * counts).tolist(),
                    strict=True):
        out[h] = out.get(h, 0.0) + w
    return out


def bm25_scores(found: Sequence[ChunkRow], tokens: list[str], lex: Lexicon, k1: float, b: float) -> np.ndarray:
    """Each row's BM25 for the query ``tokens``, bitwise as bm25s scores it over the same
    statistics: per term float32(idf * saturated tf), summed in float32 in query order."""
    scores = np.zeros(len(found), np.float32)
    terms, weights, order = query_weights(tokens, lex)
    if not len(terms) or not found:
        return scores
    tf = np.zeros((len(found), len(terms)))
    for r, row in enumerate(found):
        pos = np.minimum(np.searchsorted(row.terms, terms), len(row.terms) - 1)
        hit = row.terms[pos] == terms
        tf[r, hit] = row.tf[pos[hit]]
    dl = np.asarray([row.dl for row in found], np.float64)[:, None]
    values = (weights.astype(np.float64)[None, :] * (tf / (k1 * ((1 - b) + b * dl / lex.avgdl) + tf))).astype(np.float32)
    for j in order:
        if j >= 0:
            scores += values[:, j]
    return scores
