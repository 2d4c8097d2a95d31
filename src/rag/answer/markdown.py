"""The answer as one markdown string: what the chat shows and the API returns.

Document text is data: HTML and markdown in it are escaped so that it can never become markup
(the chat sanitizes HTML on top); the only markup is ours: headings, the question's words
marked, footnote markers as superscripts where they sit in the text, links for the URLs of
references (http/https only, so never script).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from rag.answer.compose import Answer
from rag.answer.labels import LABELS, URL, generated_notes, where
from rag.answer.words import query_terms, spans
from rag.search import Hit

_LINE_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-=])")


def _md_escape(text: str) -> str:
    """Document text is data: escape HTML and markdown so it can never become markup."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~<>$])", r"\\\1", text)


def _md_line_start(line: str) -> str:
    """A line of document text that would open a list or a heading in markdown stays text."""
    return _LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}" if m.group(2)
                           else f"{m.group(4)}\\{m.group(5)}", line, count=1)


def _render_text(hit: Hit, terms: Sequence[str]) -> str:
    """Escaped passage text with query words marked and footnote markers as superscripts."""
    text = hit.text
    marks = sorted((max(0, min(pos, len(text))), n) for pos, n in hit.markers)
    found = spans(text, terms)
    # (offset, order, markup): at one offset a highlight closes, then the marker of the word
    # before stands, then the next highlight opens
    events: list[tuple[int, int, str]] = []
    for a, b in found:
        events += [(a, 2, "<mark>"), (b, 0, "</mark>")]
    for pos, n in marks:
        events.append((pos, 1, f"<sup>{n}</sup>"))
    out: list[str] = []
    last = 0
    in_mark = False
    for pos, _, tag in sorted(events):
        out.append(_md_escape(text[last:pos]))
        last = pos
        if tag.startswith("<sup>"):
            out.append(f"</mark>{tag}<mark>" if in_mark else tag)
        else:
            in_mark = tag == "<mark>"
            out.append(tag)
    out.append(_md_escape(text[last:]))
    return "".join(out)


def _linkify(text: str) -> str:
    """Escaped reference text with its URLs as links (http/https only, so never script)."""
    out: list[str] = []
    last = 0
    for m in URL.finditer(text):
        url = m.group().rstrip(".,;:)")
        out.append(_md_escape(text[last:m.start()]))
        out.append(f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
                   f"{html.escape(url, quote=False)}</a>")
        last = m.start() + len(url)
    out.append(_md_escape(text[last:]))
    return "".join(out)


def render_markdown(answer: Answer, draft: str | None = None) -> str:
    """The answer as one markdown string: what the chat shows and the API returns. ``draft`` is
    a generated answer still being written (the chat streams it): shown, marked unchecked,
    above the quoted answer until the check has judged it."""
    lab = LABELS[answer.lang]
    lines = [f"### {lab['answer']}", ""]
    if answer.context:
        lines += [f"*{lab['followup']}: “{_md_escape(answer.context)}”*", ""]
    if answer.scope and answer.found:
        lines += [f"*{lab['scope']} “{_md_escape(answer.scope)}”*", ""]
    if not answer.found:
        lines += [lab["none"], "", f"*{lab['hint']}*"]
        if not answer.passages:
            return "\n".join(lines) + "\n"
        lines += ["", f"### {lab['closest']}", ""]
    else:
        gen = answer.generated
        if draft is not None and gen is None:
            lines += [_md_escape(draft) + " …", "", f"*{_md_escape(lab['checking'])}*", "",
                      f"#### {lab['quoted']}", ""]
        if gen is not None:
            if gen.shown:
                lines += [" ".join(_md_escape(s.text) for s in gen.kept), ""]
            lines += [f"*{_md_escape(note)}*" for note in generated_notes(gen, lab)] + [""]
            if gen.shown:
                lines += [f"#### {lab['quoted']}", ""]
        for s in answer.extract:
            lines.append(f"- {_md_escape(s.text)} [{s.cite}]")
        lines += ["", f"### {lab['passages']}", ""]
    terms = query_terms(" ".join(filter(None, [answer.search_query or answer.question, answer.context])))
    for p in answer.passages:
        title, *rest = where(p.hit, lab)
        lines.append(f"**[{p.n}]** **{_md_escape(title)}** · " + " · ".join(_md_escape(x) for x in rest))
        lines.append("")
        for para in _render_text(p.hit, terms).split("\n"):
            lines.append(f"> {_md_line_start(para.strip())}" if para.strip() else ">")
        lines.append("")
    if answer.sources:
        lines += [f"### {lab['sources']}", ""]
        several = len({s.doc_id for s in answer.sources}) > 1
        for s in answer.sources:
            cited = ", ".join(f"[{n}]" for n in s.cited_by)
            doc = f"*{_md_escape(s.title)}*: " if several else ""
            lines.append(f"- <sup>{s.n}</sup> {doc}{_linkify(s.text)} ({cited})")
    return "\n".join(lines).rstrip() + "\n"
