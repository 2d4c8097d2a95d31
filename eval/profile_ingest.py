"""Where ingest's encoding time goes: texts and tokens per view, padding, and batch sizes timed
A/B in one run (issue 29, item 1).

    PYTHONPATH=src python eval/profile_ingest.py [--xquad N] [--rounds 2] [--batches 8,16,32]

The article and the first N XQuAD-th paragraphs (../shared) are read and chunked as ingest
does; their unique chunk and unit texts go through the bulk backend (the one ingest uses for a
job of 64 texts or more). Each batch size encodes the same texts; the sizes take turns, round
after round, so that a machine whose load changes during the run weighs on all of them alike.
The vectors of each size are compared with those of the first (cosine, largest difference).
Writes eval/results/profile_ingest.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from rag.document.reading import read_sources
from rag.embed import latent_id, load_embedder
from rag.ingest import process_source, unit_texts

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").is_dir() else Path("/work/shared")
RESULTS = ROOT / "eval" / "results"


def corpus_texts(xquad: int) -> tuple[list[str], list[str], int]:
    """Unique chunk texts and unit texts (not among the chunks), as ingest's ``_embed`` encodes them."""
    with tempfile.TemporaryDirectory() as tmp:
        sliced = Path(tmp) / "xquad.jsonl"
        lines = (SHARED / "bench" / "xquad_th" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
        sliced.write_text("\n".join(lines[:xquad]) + "\n", encoding="utf-8")
        sources = read_sources([SHARED / "corpus" / "tech-diplomacy-th.txt", sliced], None)
        processed = [process_source(src, defaultdict(float)) for src in sources]
    chunks = list(dict.fromkeys(c.embed_text() for p in processed for c in p.chunks))
    units = [t for t in dict.fromkeys(u for us in unit_texts(processed)[0] for u in us) if t not in set(chunks)]
    return chunks, units, len(processed)


def token_stats(tokenizer, texts: list[str], prompt: str, batch: int) -> dict[str, float]:
    """Content tokens, and the tokens a longest-first batching of ``batch`` pads to."""
    lengths = sorted((len(e.ids) for e in tokenizer.encode_batch([prompt + t for t in texts],
                                                                 add_special_tokens=False)), reverse=True)
    padded = sum(lengths[i] * len(lengths[i:i + batch]) for i in range(0, len(lengths), batch))
    return {"texts": len(texts), "tokens": int(sum(lengths)), "mean_tokens": round(float(np.mean(lengths)), 1),
            "max_tokens": int(lengths[0]) if lengths else 0, "padded_tokens": int(padded),
            "padding_share": round(1 - sum(lengths) / padded, 3) if padded else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--xquad", type=int, default=40, help="XQuAD-th paragraphs beside the article")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batches", default="8,16,32")
    ap.add_argument("--sample", type=int, default=0, help="time only every k-th text, N of each view (0: all)")
    ap.add_argument("--out", default=str(RESULTS / "profile_ingest"))
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]

    t0 = time.perf_counter()
    chunks, units, n_docs = corpus_texts(args.xquad)
    read_s = time.perf_counter() - t0
    if args.sample:
        chunks = chunks[:: max(1, len(chunks) // args.sample)][: args.sample]
        units = units[:: max(1, len(units) // args.sample)][: args.sample]
    embedder = load_embedder()
    bulk = getattr(embedder, "passages", embedder)  # the side an ingest of >= 64 texts uses
    head = latent_id(embedder) is not None
    prompt = "passage: "
    stats = {"chunks": token_stats(bulk.tokenizer, chunks, prompt, batches[0]),
             "units": token_stats(bulk.tokenizer, units, prompt, batches[0])}
    times: dict[int, dict[str, list[float]]] = {b: {"chunks": [], "units": []} for b in batches}
    vectors: dict[int, dict[str, np.ndarray]] = {}
    bulk.encode_passages(units[:8])  # load the model outside the timings
    for _ in range(args.rounds):
        for b in batches:
            bulk.batch_size = b
            t = time.perf_counter()
            cv = bulk.encode_passages_latent(chunks)[0] if head else bulk.encode_passages(chunks)
            times[b]["chunks"].append(time.perf_counter() - t)
            t = time.perf_counter()
            uv = bulk.encode_passages(units)
            times[b]["units"].append(time.perf_counter() - t)
            vectors[b] = {"chunks": cv, "units": uv}
    ref = vectors[batches[0]]
    rows = []
    for b in batches:
        cos = min(float(np.min(np.sum(vectors[b][k] * ref[k], axis=1))) for k in ("chunks", "units"))
        same = all(np.array_equal(vectors[b][k], ref[k]) for k in ("chunks", "units"))
        rows.append({"batch": b, "chunks_s": round(min(times[b]["chunks"]), 2), "units_s": round(min(times[b]["units"]), 2),
                     "chunks_s_all": [round(x, 2) for x in times[b]["chunks"]],
                     "units_s_all": [round(x, 2) for x in times[b]["units"]],
                     "texts_per_s": round((len(chunks) + len(units)) / (min(times[b]["chunks"]) + min(times[b]["units"])), 1),
                     "min_cosine_vs_first": round(cos, 6), "bit_identical_to_first": same})
    result = {"documents": n_docs, "read_and_chunk_s": round(read_s, 2), "backend": bulk.backend,
              "rounds": args.rounds, "tokens": stats, "batches": rows,
              "note": "batch sizes interleaved round by round in one run on a shared, loaded 2-core machine; "
                      "min time of the rounds"}
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    sample = f", every k-th text, {args.sample} of each view" if args.sample else ""
    md = [f"# Ingest encoding profile: article + {args.xquad} XQuAD-th paragraphs ({n_docs} documents{sample})", "",
          f"Backend `{bulk.backend}`; reading and chunking {read_s:.1f} s. Batch sizes interleaved, "
          f"{args.rounds} rounds, min time; shared loaded 2-core machine.", "",
          f"| view | texts | tokens | mean | max | padded tokens (batch {batches[0]}) | padding |", "|---|---|---|---|---|---|---|"]
    for k, s in stats.items():
        md.append(f"| {k} | {s['texts']} | {s['tokens']} | {s['mean_tokens']} | {s['max_tokens']} | "
                  f"{s['padded_tokens']} | {s['padding_share']:.1%} |")
    md += ["", f"| batch | chunks s | units s | texts/s | min cosine vs batch {batches[0]} | bit-identical |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['batch']} | {r['chunks_s']} {r['chunks_s_all']} | {r['units_s']} {r['units_s_all']} | "
                  f"{r['texts_per_s']} | {r['min_cosine_vs_first']} | {r['bit_identical_to_first']} |")
    out.with_suffix(".md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
