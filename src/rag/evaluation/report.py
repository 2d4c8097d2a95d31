"""How ``rag eval`` shows its numbers: a terminal table, and report.md / metrics.json / a plot.

Kept apart from the metrics (rag.evaluation.metrics, rag.evaluation.evaluate) so the figures
can be computed, tested and compared without any of the rendering libraries.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.evaluation.evaluate import ANSWER_K, Evaluation
from rag.evaluation.metrics import Outcome

PLOT = "recall_at_k.png"
TOP_SHOWN = 3        # hits shown for a failed question
SNIPPET_CHARS = 200
QUESTION_CHARS = 90  # of a question in the per-question table
STYLES = (("-", "o"), ("--", "s"), (":", "^"))


def _columns(rows: list[dict[str, float | int]]) -> list[str]:
    names: dict[str, None] = {}
    for r in rows:
        for name in r:
            if name not in ("n", "n_off"):
                names.setdefault(name, None)
    return list(names)


def _table_rows(table: dict[str, dict[str, dict[str, float | int]]]) -> tuple[list[str], list[list[str]]]:
    """mode -> group -> metrics as rows of (group, n, mode, metrics...): the modes of one group
    sit on consecutive lines, so they read side by side."""
    modes = list(table)
    groups = list(dict.fromkeys(g for m in modes for g in table[m]))
    metrics = _columns([table[m][g] for m in modes for g in table[m]])
    rows = []
    for g in groups:
        for i, m in enumerate(modes):
            row = table[m].get(g)
            if row is None:
                continue
            rows.append([g if i == 0 else "", str(row["n"]) if i == 0 else "", m,
                         *(f"{row[c]:.3f}" if c in row else "-" for c in metrics)])
    return metrics, rows


def print_table(ev: Evaluation) -> None:
    from rich.console import Console
    from rich.table import Table

    metrics, rows = _table_rows(ev.metrics())
    table = Table(title=f"{_shown(ev.qa_path)} · {len(ev.questions)} questions{_offtopic_note(ev)} · top {ev.k} · "
                        f"{ev.index_dir} · {ev.seconds:.1f} s")
    for col in ("set", "n", "mode"):
        table.add_column(col)
    for col in metrics:
        table.add_column(col, justify="right")
    for i, row in enumerate(rows):
        table.add_row(*row, end_section=i + 1 < len(rows) and rows[i + 1][0] != "")
    # piped, rich would fold the table to 80 columns: too narrow for its dozen figures
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def _offtopic_note(ev: Evaluation) -> str:
    return f" + {len(ev.offtopic)} off-topic" if ev.offtopic else ""


def _markdown_table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def _snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")


def _failed_lines(o: Outcome) -> list[str]:
    q = o.question
    kind = "gold ids" if q.gold is not None else "key phrases (any)"
    tags = " · ".join(t for t in (q.lang, q.type) if t)
    lines = [f"#### {q.qid} · {tags}", "", f"> {q.question}", "",
             f"- expected {kind}: " + ", ".join(f"“{e}”" for e in q.expected)]
    if q.footnotes:
        lines.append(f"- footnotes of the answering passage: {list(q.footnotes)}")
    if o.error:
        lines.append(f"- search failed: {o.error}")
    elif not o.hits:
        lines.append("- no hits came back")
    else:
        lines.append(f"- came back instead (top {min(TOP_SHOWN, len(o.hits))} of {len(o.hits)}):")
        for i, h in enumerate(o.hits[:TOP_SHOWN], 1):
            page = h.get("page")
            fns = [f["n"] if isinstance(f, dict) else f for f in h.get("footnotes") or []]
            where = " · ".join(str(x) for x in (h.get("doc_id"), h.get("section") or "(no section)",
                                                   f"p. {page}" if page is not None else "p. -"))
            cites = f" · cites {fns}" if fns else ""
            lines.append(f"  {i}. **{where}**{cites}: {_snippet(h.get('text', ''))}")
    lines.append("")
    return lines


def _rank_rows(ev: Evaluation) -> list[list[str]]:
    firsts = {m: {o.question.qid: o.first for o in ev.outcomes[m]} for m in ev.modes}
    rows = []
    for q in ev.questions:
        ranks = [str(firsts[m][q.qid] + 1) if firsts[m][q.qid] is not None else "-" for m in ev.modes]
        text = _snippet(q.question, QUESTION_CHARS).replace("|", "/")
        rows.append([q.qid, q.lang, q.type or "", *ranks, text])
    return rows


def render_markdown(ev: Evaluation) -> str:
    metrics, rows = _table_rows(ev.metrics())
    lines = [
        "# Retrieval evaluation",
        "",
        f"Questions: `{_shown(ev.qa_path)}` ({len(ev.questions)}){_offtopic_note(ev)} · index: `{_shown(ev.index_dir)}` · "
        f"model: `{ev.model}` · top {ev.k} hits per question · {ev.seconds:.1f} s.",
        "",
        "R@k: share of questions answered in the first k hits (a key phrase in the first 1,500 characters "
        "of a hit or in a reference it cites; for gold-id sets, a gold document). MRR@10: mean reciprocal "
        "rank of the first answering hit. FnR@5: share of questions with footnotes whose footnotes are all "
        "cited by the first 5 hits. nDCG@10: over distinct documents, for gold-id questions. "
        f"Of the answer (`rag ask`, {ANSWER_K} passages): AnsR, share of questions with key phrases whose "
        "extract holds one; Shown, whose answer shows one anywhere (extract, passages, sources); Refused, "
        "share of the questions answered \"nothing relevant found\"; OffRefused, share of the off-topic "
        "questions refused" + (f" ({len(ev.offtopic)}, `{_shown(ev.offtopic_path)}`)." if ev.offtopic else "."),
        "",
        "## By language",
        "",
        *_markdown_table(["set", "n", "mode", *metrics], rows),
        "",
    ]
    by_type = ev.by_type()
    if by_type:
        t_metrics, t_rows = _table_rows(by_type)
        lines += ["## By question type", "", *_markdown_table(["type", "n", "mode", *t_metrics], t_rows), ""]
    lines += [f"## Recall@k, k = 1..{ev.k}", "", f"![recall at k per mode and language]({PLOT})", ""]
    lines += [f"## Per question: rank of the first answering hit (- = none in the top {ev.k})", "",
              *_markdown_table(["id", "lang", "type", *ev.modes, "question"], _rank_rows(ev)), ""]
    lines += [f"## Failed questions (no answer in the top {ev.k})", ""]
    for mode in ev.modes:
        failed = ev.failed(mode)
        lines += [f"### {mode}: {len(failed)} of {len(ev.questions)}", ""]
        if not failed:
            lines += ["Every question was answered.", ""]
        for o in failed:
            lines += _failed_lines(o)
    return "\n".join(lines).rstrip() + "\n"


def metrics_json(ev: Evaluation) -> dict[str, Any]:
    return {
        "questions": _shown(ev.qa_path),
        "index": _shown(ev.index_dir),
        "model": ev.model,
        "k": ev.k,
        "modes": ev.modes,
        "n": len(ev.questions),
        "offtopic": _shown(ev.offtopic_path) if ev.offtopic else None,
        "n_offtopic": len(ev.offtopic),
        "seconds": round(ev.seconds, 2),
        "metrics": ev.metrics(),
        "by_type": ev.by_type(),
        "recall_at_k": ev.recall_curve(),
        "failed": {m: [o.question.qid for o in ev.failed(m)] for m in ev.modes},
    }


def plot_recall(ev: Evaluation, path: Path) -> None:
    """One panel per language, one line per mode: where each mode gains or loses with depth."""
    from matplotlib.figure import Figure  # no pyplot: no global figure state, no display needed

    curve = ev.recall_curve()
    groups = list(dict.fromkeys(g for m in ev.modes for g in curve[m]))
    sizes = {g: row["n"] for g, row in ev.metrics()[ev.modes[0]].items()}
    fig = Figure(figsize=(4.2 * len(groups), 3.6), layout="constrained")
    axes = fig.subplots(1, len(groups), sharey=True, squeeze=False)[0]
    xs = list(range(1, ev.k + 1))
    for ax, g in zip(axes, groups, strict=True):
        for i, m in enumerate(ev.modes):  # distinct styles, so two modes with equal recall both show
            ax.plot(xs, curve[m][g], label=m, linestyle=STYLES[i % len(STYLES)][0],
                    marker=STYLES[i % len(STYLES)][1], markersize=4, alpha=0.85)
        ax.set_title(f"{g} (n={sizes.get(g, '?')})")
        ax.set_xlabel("k")
        ax.set_xticks(xs if len(xs) <= 20 else xs[::len(xs) // 10])
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("answer recall@k")
    axes[0].legend(loc="lower right")
    fig.savefig(path, dpi=110)


def write_report(ev: Evaluation, out_dir: Path) -> list[Path]:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        report, metrics, plot = out_dir / "report.md", out_dir / "metrics.json", out_dir / PLOT
        report.write_text(render_markdown(ev), encoding="utf-8")
        metrics.write_text(json.dumps(metrics_json(ev), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        plot_recall(ev, plot)
    except OSError as e:
        raise RagError(f"cannot write the report to {out_dir} ({e.strerror or e})") from None
    return [report, metrics, plot]
