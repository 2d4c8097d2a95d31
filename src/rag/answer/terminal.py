"""The answer for a terminal (``rag ask``): the same parts as the markdown, as a rich
renderable. Document text goes in as ``Text``, so it is never parsed as rich markup."""

from __future__ import annotations

from typing import Any

from rag.answer.compose import Answer
from rag.answer.labels import LABELS, URL, generated_notes, where
from rag.answer.words import query_terms, spans


def render_rich(answer: Answer) -> Any:
    """The same answer for a terminal, as a rich renderable (text is never parsed as markup)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.text import Text

    lab = LABELS[answer.lang]
    items: list[Any] = [Rule(lab["answer"], style="bold")]
    if answer.context:
        items.append(Text(f"{lab['followup']}: “{answer.context}”", style="italic dim"))
    if answer.scope and answer.found:
        items.append(Text(f"{lab['scope']} “{answer.scope}”", style="italic dim"))
    if not answer.found:
        items += [Text(lab["none"]), Text(lab["hint"], style="italic dim")]
        if not answer.passages:
            return Group(*items)
        items.append(Rule(lab["closest"], style="bold"))
    else:
        gen = answer.generated
        if gen is not None:
            if gen.shown:
                items.append(Text(" ".join(s.text for s in gen.kept)))
            items += [Text(note, style="italic dim") for note in generated_notes(gen, lab)]
            if gen.shown:
                items.append(Rule(lab["quoted"], style="dim"))
        for s in answer.extract:
            t = Text("• ")
            t.append(s.text)
            t.append(f" [{s.cite}]", style="bold cyan")
            items.append(t)
        items.append(Rule(lab["passages"], style="bold"))
    terms = query_terms(" ".join(filter(None, [answer.search_query or answer.question, answer.context])))
    for p in answer.passages:
        h = p.hit
        title, *rest = where(h, lab)
        head = Text(f"[{p.n}] ", style="bold cyan")
        head.append(title, style="bold")
        head.append(" · " + " · ".join(rest))
        body = Text()
        marks = sorted((max(0, min(pos, len(h.text))), n) for pos, n in h.markers)
        last = 0
        shift: list[tuple[int, int]] = []  # (text offset, chars inserted before it)
        for pos, n in marks:
            body.append(h.text[last:pos])
            tag = f"[{n}]"
            body.append(tag, style="magenta")
            shift.append((pos, len(tag)))
            last = pos
        body.append(h.text[last:])
        for a, b in spans(h.text, terms):
            da = sum(k for off, k in shift if off <= a)
            db = sum(k for off, k in shift if off < b)
            body.stylize("bold yellow", a + da, b + db)
        items.append(Panel(body, title=head, title_align="left"))
    if answer.sources:
        items.append(Rule(lab["sources"], style="bold"))
        for s in answer.sources:
            t = Text(f"{s.n}. ", style="magenta")
            t.append(s.text)
            t.highlight_regex(URL.pattern, style="underline blue")
            t.append("  (" + ", ".join(f"[{n}]" for n in s.cited_by) + ")", style="dim")
            items.append(t)
    return Group(*items)
