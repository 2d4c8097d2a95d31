"""Search over an embedded index with segments (rag.index.segments), as one index.

Each part (the files written whole, then each segment) is opened as the plain reader opens
an index. A query's candidates are each part's best among its live rows (the rows of replaced
or removed documents are hidden), merged; the rows search reads are those candidates,
gathered from their parts (as a Milvus store fetches its candidates), keyed by their global
position (the parts' rows one after another).

Word BM25 is scored with the global statistics of the live rows, as a whole rewrite would
score it: each word's document frequency summed over the parts less the hidden rows, the
chunk count and average length likewise. A segment's rows are scored from their term counts
(kept in memory: a segment is small); the base's stored bm25s scores are scaled word by word
from its own idf to the global one. Their length normalisation stays the base's (the average
chunk length when it was written): a compaction makes it exact again. The character trigrams'
table is summed the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from rag.document.chunking import Chunk
from rag.embed.latent import Codes
from rag.errors import RagError
from rag.index import bm25 as bm25_side
from rag.index.bm25 import PLACEHOLDER, idf, saturated
from rag.index.format import TOKENS
from rag.index.read import read_manifest
from rag.index.reader import EmbeddedReader, dense_candidates
from rag.index.segments import (
    BASE,
    Layout,
    as_index_error,
    base_manifest,
    layout_of,
    part_dir,
    read_rows,
    verify_index,
)
from rag.index.store import Candidates, Rows, StoredChunk, spread_rows, top
from rag.lexical.trigrams import TrigramTable, trigram_keys


def idfs(df: np.ndarray, n: int) -> np.ndarray:
    """bm25s's idf (``bm25.idf``) of each of the words' document frequencies ``df``."""
    return np.asarray([idf(int(d), n) for d in df], np.float32)


class WordCounts:
    """A segment's word postings (term counts per row) and row lengths, from its tokens."""

    def __init__(self, tokens: list[list[str]]) -> None:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[int] = []
        self.dl = np.zeros(len(tokens), np.float64)
        for r, toks in enumerate(tokens):
            toks = toks or [PLACEHOLDER]
            self.dl[r] = len(toks)
            for word, tf in Counter(toks).items():
                rows.append(r)
                cols.append(vocab.setdefault(word, len(vocab)))
                tfs.append(tf)
        order = np.argsort(np.asarray(cols, np.int64), kind="stable")
        self.vocab = vocab
        self.rows = np.asarray(rows, np.int64)[order]
        self.tf = np.asarray(tfs, np.float64)[order]
        self.indptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(np.bincount(np.asarray(cols, np.int64), minlength=len(vocab)), out=self.indptr[1:])

    def postings(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        col = self.vocab.get(word)
        if col is None:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        a, b = self.indptr[col], self.indptr[col + 1]
        return self.rows[a:b], self.tf[a:b]


class Part:
    """One part opened for search: its reader, its live rows, its global offset."""

    def __init__(self, name: str, reader: EmbeddedReader, offset: int, hidden: list[int]) -> None:
        self.name, self.reader, self.offset = name, reader, offset
        n = len(reader.whole.chunks)
        self.alive = np.ones(n, bool)
        self.alive[np.asarray(hidden, np.int64)] = False
        self.hidden = np.asarray(sorted(hidden), np.int64)
        self.words: WordCounts | None = None  # a segment's, for global BM25 (the base keeps bm25s's)


class SegmentedReader(EmbeddedReader):
    """An embedded index with segments, read as one (the module's docstring)."""

    def __init__(self, index_dir: Path, *, verify: bool = True, manifest: dict[str, Any] | None = None) -> None:
        self.index_dir = index_dir
        self.location = str(index_dir)
        self.manifest = manifest or read_manifest(index_dir)
        self.layout: Layout = layout_of(self.manifest, index_dir)
        base_m = base_manifest(self.manifest, self.layout)
        if verify:
            verify_index(index_dir, self.manifest, self.layout)
        self.parts: list[Part] = []
        offset = 0
        for name in self.layout.names():
            where = part_dir(index_dir, name)
            with as_index_error(index_dir, where):
                reader = EmbeddedReader(where, verify=False, manifest=base_m if name == BASE else None)
                part = Part(name, reader, offset, self.layout.hidden.get(name, []))
                if name != BASE:
                    part.words = WordCounts([d["tokens"] for d in read_rows(where / TOKENS, list(range(len(part.alive))))])
            self.parts.append(part)
            offset += len(part.alive)
        self._dead_df, self._dead_words = self._hidden_words()
        k1, b = float(self.manifest["lexical"]["k1"]), float(self.manifest["lexical"]["b"])
        self.k1, self.b = k1, b
        self.n_live = sum(int(p.alive.sum()) for p in self.parts)
        words = (self.layout.base_words or 0) + sum(int(p["words"]) for p in self.layout.parts) - self._dead_words
        self.avgdl = words / self.n_live if self.n_live else 1.0
        self.trigrams = self._trigram_table()
        self.ann = None
        self.bm25 = self.parts[0].reader.bm25
        self.bm25_bound = self.parts[0].reader.bm25_bound

    # ------------------------------------------------------------------ statistics
    def _hidden_words(self) -> tuple[Counter[str], int]:
        """The words of the hidden rows: each one's document frequency there, and their total."""
        df: Counter[str] = Counter()
        total = 0
        for p in self.parts:
            if len(p.hidden):
                for d in read_rows(p.reader.index_dir / TOKENS, p.hidden.tolist()):
                    toks = d["tokens"] or [PLACEHOLDER]
                    total += len(toks)
                    df.update(set(toks))
        return df, total

    def _trigram_table(self) -> TrigramTable:
        keys, counts, length = [], [], 0.0
        for p in self.parts:
            t = p.reader.trigrams
            keys.append(np.asarray(t.keys))
            counts.append(np.asarray(t.df, np.int64))
            length += t.avgdl * t.n_docs
            if len(p.hidden):
                refs = p.reader.whole.references
                for r in p.hidden.tolist():
                    c = p.reader.whole.chunks[r]
                    k = trigram_keys(c.lexical_text(refs.get(c.doc_id, {})))
                    length -= len(k)
                    keys.append(np.unique(k))
                    counts.append(-np.ones(len(keys[-1]), np.int64))
        allk = np.concatenate(keys)
        uniq, inv = np.unique(allk, return_inverse=True)
        df = np.bincount(inv, weights=np.concatenate(counts), minlength=len(uniq)).astype(np.int64)
        keep = df > 0
        base = self.parts[0].reader.trigrams
        return TrigramTable(keys=uniq[keep], df=df[keep].astype(np.int32), n_docs=self.n_live,
                            avgdl=float(length / self.n_live) if self.n_live else 0.0, k1=base.k1, b=base.b)

    def global_df(self, words: list[str]) -> np.ndarray:
        """Each word's document frequency over the live rows of every part."""
        base = self.parts[0].reader.bm25
        indptr = base.scores["indptr"]
        out = np.zeros(len(words), np.int64)
        for j, w in enumerate(words):
            i = base.vocab_dict.get(w)
            out[j] = 0 if i is None else int(indptr[i + 1] - indptr[i])
            for p in self.parts[1:]:
                assert p.words is not None
                col = p.words.vocab.get(w)
                if col is not None:
                    out[j] += int(p.words.indptr[col + 1] - p.words.indptr[col])
            out[j] -= self._dead_df.get(w, 0)
        return out

    # ------------------------------------------------------------------ candidates
    def scope(self, doc: str | None, section: str | None, within: Sequence[int] | None = None) -> Any | None:
        if doc and doc not in self.documents:
            raise RagError(f"no document {doc!r} in the index (see `rag list`)")
        if within is None and not doc and not section:
            return None
        out = {}
        keys = None if within is None else np.fromiter(within, dtype=np.int64)
        for p in self.parts:
            n = len(p.alive)
            mask = np.ones(n, bool)
            if keys is not None:
                mask[:] = False
                mine = keys[(keys >= p.offset) & (keys < p.offset + n)] - p.offset
                mask[mine] = True
            if doc:
                mask &= self._rows_of(doc, p.name)
            if section:
                needle = section.casefold()
                for r in np.flatnonzero(mask):
                    mask[r] = needle in p.reader.whole.chunks[r].section.casefold()
            out[p.name] = mask
        return out

    def _rows_of(self, doc: str, name: str) -> np.ndarray:
        part = next(p for p in self.parts if p.name == name)
        mask = np.zeros(len(part.alive), bool)
        where = (self.layout.placement or {}).get(doc)
        if where is not None and where[0] == name:
            mask[where[1]:where[1] + where[2]] = True
        return mask

    def _allowed(self, p: Part, scope: Any | None) -> np.ndarray | None:
        if scope is None:
            return p.alive if len(p.hidden) else None
        return scope[p.name] & p.alive

    def candidates(self, qvec: np.ndarray | None, tokens: list[str] | None, depth: int,
                   scope: Any | None) -> Candidates:
        chunk: dict[int, float] = {}
        words: dict[int, float] = {}
        for p in self.parts:
            allowed = self._allowed(p, scope)
            if allowed is not None and not allowed.any():
                continue
            if qvec is not None:
                chunk.update({p.offset + i: s for i, s in self._dense(p, qvec, depth, allowed).items()})
            if tokens is not None:
                words.update({p.offset + i: s for i, s in self._bm25(p, tokens, depth, allowed).items()})
        chunk = _best(chunk, depth)
        words = _best(words, depth)
        keys = sorted(set(chunk) | set(words))
        rows = self.gather(keys)
        pos = {k: i for i, k in enumerate(keys)}
        return Candidates(rows=rows, chunk={pos[k]: s for k, s in chunk.items()},
                          bm25={pos[k]: s for k, s in words.items()})

    def _dense(self, p: Part, qvec: np.ndarray, depth: int, allowed: np.ndarray | None) -> dict[int, float]:
        r = p.reader
        if r.ann is not None and allowed is not None and len(p.hidden) and allowed.sum() == p.alive.sum():
            # hidden rows only: the FAISS index asked for as many more, those dropped
            found = dense_candidates(r.whole.vectors, r.ann, qvec, depth + len(p.hidden), None)
            return _best({i: s for i, s in found.items() if p.alive[i]}, depth)
        return dense_candidates(r.whole.vectors, r.ann, qvec, depth, allowed)

    def _bm25(self, p: Part, tokens: list[str], depth: int, allowed: np.ndarray | None) -> dict[int, float]:
        if p.words is None:  # the base: its stored scores, each word's idf made the global one
            bm25 = p.reader.bm25
            word_of = {bm25.vocab_dict[t]: t for t in tokens if t in bm25.vocab_dict}

            def scale(ids: np.ndarray) -> np.ndarray:
                indptr = bm25.scores["indptr"]
                own = indptr[ids + 1] - indptr[ids]
                words = [word_of[int(i)] for i in ids]
                return idfs(self.global_df(words), self.n_live) / idfs(own, len(p.alive))

            return bm25_side.bm25_candidates(bm25, p.reader.bm25_bound, tokens, depth, allowed, len(p.alive), scale)
        scores = np.zeros(len(p.alive), np.float32)
        known = [t for t in tokens if t in p.words.vocab]
        if not known:
            return {}
        weight = dict(zip(known, idfs(self.global_df(known), self.n_live), strict=True))
        for t in known:  # query order, repeats included, as bm25s sums
            rows, tf = p.words.postings(t)
            sat = saturated(tf, p.words.dl[rows], self.avgdl, self.k1, self.b)
            np.add.at(scores, rows, (np.float64(weight[t]) * sat).astype(np.float32))
        mask = scores > 0 if allowed is None else (scores > 0) & allowed
        cand = np.flatnonzero(mask)
        return top(cand, scores[cand], depth)

    # ------------------------------------------------------------------ rows
    def locate(self, key: int) -> tuple[Part, int]:
        for p in reversed(self.parts):
            if key >= p.offset:
                return p, key - p.offset
        raise IndexError(key)

    def gather(self, keys: list[int]) -> Rows:
        """The rows at global positions ``keys``, from their parts, as one ``Rows``."""
        chunks, refs, vecs, units, counts, windows, latent = [], {}, [], [], [], [], []
        for key in keys:
            p, r = self.locate(key)
            w = p.reader.whole
            c = w.chunks[r]
            chunks.append(c)
            refs.setdefault(c.doc_id, w.references.get(c.doc_id, {}))
            vecs.append(np.asarray(w.vectors[r], np.float32))
            a, b = int(w.unit_offsets[r]), int(w.unit_offsets[r + 1])
            units.append(np.asarray(w.units[a:b], np.float32))
            counts.append(b - a)
            windows.append(int(w.unit_windows[r]))
            latent += w.latent.rows([r])
        dim = int(self.manifest["model"].get("dim") or self.parts[0].reader.whole.vectors.shape[1])
        offsets = np.zeros(len(keys) + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        return Rows(chunks=chunks, references=refs,
                    vectors=np.stack(vecs) if vecs else np.zeros((0, dim), np.float32),
                    units=np.concatenate([np.zeros((0, dim), np.float32), *units]), unit_offsets=offsets,
                    unit_windows=np.asarray(windows, np.int64),
                    latent=Codes.from_rows(latent) if latent else Codes.blank(0), keys=np.asarray(keys, np.int64))

    @cached_property
    def whole(self) -> Rows:  # type: ignore[override]
        """Every row of every part (hidden ones included, so a row's position is its key): what
        an evaluation or a document's outline reads; gathered the first time it is asked for."""
        return self.gather(list(range(sum(len(p.alive) for p in self.parts))))

    def live_keys(self) -> np.ndarray:
        return np.concatenate([p.offset + np.flatnonzero(p.alive) for p in self.parts])

    def spread_sample(self) -> np.ndarray:
        keys = self.live_keys()[spread_rows(self.n_live)]
        return np.stack([np.asarray(p.reader.whole.vectors[r], np.float32)
                         for p, r in map(self.locate, keys.tolist())]) if len(keys) else \
            np.zeros((0, self.parts[0].reader.whole.vectors.shape[1]), np.float32)

    def stored_chunk(self, chunk_id: str) -> StoredChunk | None:
        for p in reversed(self.parts):
            row = p.reader.chunk_row(chunk_id)
            if row is not None and p.alive[row]:
                return p.reader.stored_chunk(chunk_id)
        return None

    def sample_token(self) -> str | None:
        return self.parts[0].reader.sample_token()

    def sections(self, doc_id: str | None = None) -> list[str]:
        seen: dict[str, None] = {}
        placement = self.layout.placement or {}
        names = self.layout.names()
        docs = [doc_id] if doc_id is not None else \
            sorted(placement, key=lambda d: (names.index(placement[d][0]), placement[d][1]))
        for d in docs:
            for _, section in self.document_rows(d):
                if section:
                    seen.setdefault(section, None)
        return list(seen)

    def chunk_at(self, key: int) -> Chunk:
        """The chunk at a key (its global position), from its part."""
        part, row = self.locate(key)
        return part.reader.whole.chunks[row]

    def references_of(self, doc_id: str) -> dict[int, Any]:
        """A live document's references, from the part that holds it."""
        where = (self.layout.placement or {}).get(doc_id)
        if where is None:
            return {}
        p = next(p for p in self.parts if p.name == where[0])
        return dict(p.reader.whole.references.get(doc_id, {}))

    def document_rows(self, doc_id: str) -> list[tuple[int, str]]:
        where = (self.layout.placement or {}).get(doc_id)
        if where is None:
            return []
        p = next(p for p in self.parts if p.name == where[0])
        return [(p.offset + r, p.reader.whole.chunks[r].section) for r in range(where[1], where[1] + where[2])]


def _best(scores: dict[int, float], depth: int) -> dict[int, float]:
    if len(scores) <= depth:
        return scores
    keys = np.fromiter(scores, dtype=np.int64, count=len(scores))
    vals = np.fromiter(scores.values(), dtype=np.float32, count=len(scores))
    return top(keys, vals, depth)
