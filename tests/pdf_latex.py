"""Thai PDFs with known text, printed by XeLaTeX: the third producer of tests/pdf_producers.py.

Thai papers written in LaTeX go through XeLaTeX (fontspec and an OpenType Thai font, ICU's
Thai word breaks through ``\\XeTeXlinebreaklocale "th"``, what polyglossia's Thai support sets
too), and what it prints differs from LibreOffice and Chromium where a reader can trip: the
footnote block sits above the page number in the foot, footnotes are set in a smaller size
under a short rule, headings come from the class (KOMA-Script here, whose sizes follow any
body size), English words are hyphenated at line ends, lines break between Thai words with no
space, and characters the font lacks (CJK in a TLWG font) are not printed at all.

``to_tex(doc, spec)`` writes the source of a ``GoldDocument`` under a ``Spec`` (the fields
both other producers honour: font, size, justification, spacing, margins, indents, paragraph
gaps, page size, heading style, one or two columns, running header, page numbers with a
format and a first number, footnotes at the page foot or notes listed under a heading at the
end); ``print_xelatex`` runs it and says what the font could not print
(``printed_document`` then takes it out of the gold). Only the standard library is needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

XELATEX = "xelatex"

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}
_SPECIAL_RE = re.compile("|".join(re.escape(k) for k in _SPECIAL))


def tex_escape(text: str) -> str:
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], text)


def without(text: str, missing: set[str]) -> str:
    """``text`` as XeLaTeX prints it when the font lacks ``missing``: those characters left out."""
    return "".join(ch for ch in text if ch not in missing)


def printed_document(doc: Any, missing: set[str]) -> Any:
    """``doc`` (a GoldDocument) without the characters ``missing`` from its font (CJK and Greek
    in a TLWG font), to be printed again: XeTeX draws them as glyphs that extractors read as
    "ff" or "fi", which no gold can foresee; each marker keeps its place in the shorter text."""
    if not missing:
        return doc
    for p in doc.paragraphs:
        kept = [0]
        for ch in p.text:
            kept.append(kept[-1] + (ch not in missing))
        p.markers = [(kept[off], n) for off, n in p.markers]
        p.text = without(p.text, missing)
    doc.notes = {n: without(t, missing).strip() for n, t in doc.notes.items()}
    doc.sections = [without(h, missing) for h in doc.sections]
    for p in doc.paragraphs:
        p.section = without(p.section, missing)
    doc.title = without(doc.title, missing)
    return doc


_MISSING = re.compile(r"Missing character: There is no (.) \(U\+[0-9A-F]+\)")


def _page_mark(spec: Any) -> str:
    pre, _, post = spec.page_format.partition("{n}")
    return f"{tex_escape(pre)}\\pagemark{{}}{tex_escape(post)}"


def _preamble(spec: Any) -> list[str]:
    size = spec.size_pt
    two = spec.columns == 2
    options = [f"fontsize={size:g}pt", "a4paper" if spec.page_size == "A4" else "letterpaper",
               "parskip=false", "headings=standardclasses"]
    if two:
        options.append("twocolumn")
    margin = spec.margin_cm
    lines = [
        f"\\documentclass[{','.join(options)}]{{scrartcl}}",
        "\\usepackage{fontspec}",
        f"\\setmainfont{{{spec.font}}}[Ligatures=TeXOff]",  # quotes printed as typed: the gold's
        f"\\usepackage[margin={margin:g}cm,top={margin * 0.9:.2f}cm,bottom={margin:g}cm]{{geometry}}",
        "\\usepackage{ragged2e}",
        "\\usepackage{scrlayer-scrpage}",
        '\\XeTeXlinebreaklocale "th"',
        "\\XeTeXlinebreakskip = 0pt plus 1pt",
        f"\\linespread{{{spec.line_spacing:g}}}",
        f"\\setlength{{\\parindent}}{{{spec.first_indent_cm:g}cm}}",
        f"\\setlength{{\\parskip}}{{{spec.para_gap_pt:g}pt}}",
        f"\\setlength{{\\columnsep}}{{{spec.column_gap_cm:g}cm}}",
        "\\clearpairofpagestyles",
        "\\setkomafont{pageheadfoot}{\\normalfont\\footnotesize}",
        "\\setkomafont{pagenumber}{\\normalfont\\footnotesize}",
    ]
    if spec.header_text:
        lines.append(f"\\ihead*{{{tex_escape(spec.header_text)}}}")
    if spec.page_numbers != "none":
        where = {"top": "head", "bottom": "foot"}[spec.page_numbers]
        side = "o" if spec.page_number_align == "right" or (spec.page_numbers == "top" and spec.header_text) \
            else "c"
        lines.append(f"\\{side}{where}*{{{_page_mark(spec)}}}")
    lines.append("\\pagestyle{scrheadings}")
    weight = "\\bfseries" if spec.heading_bold else ""
    hsize = size * spec.heading_scale
    lines += [
        f"\\setkomafont{{section}}{{\\normalfont{weight}\\fontsize{{{hsize:.1f}}}{{{hsize * 1.25:.1f}}}\\selectfont}}",
        f"\\RedeclareSectionCommand[beforeskip={size * 0.9:.0f}pt,afterskip={size * 0.4:.0f}pt]{{section}}",
    ]
    if spec.heading_align == "center":
        lines.append("\\renewcommand*{\\raggedsection}{\\centering}")
    return lines


def _note_label(n: int, style: str) -> str:
    return {"plain": f"{n} ", "dot": f"{n}. ", "bracket": f"[{n}] ", "sup": f"\\textsuperscript{{{n}}}"}[style]


def to_tex(doc: Any, spec: Any) -> str:
    """XeLaTeX source of ``doc`` (a tests/pdf_producers.GoldDocument) under ``spec``: real
    ``\\footnote``s when ``spec.notes`` is "footnote", else superscript markers and the notes
    listed under ``spec.notes_heading`` at the end."""
    body = ["\\begin{document}"]
    if spec.page_start > 1:
        body.append(f"\\setcounter{{page}}{{{spec.page_start}}}")
    if not spec.justify:
        body.append("\\RaggedRight")
    if doc.show_title:
        tsize = spec.size_pt * 1.6
        body.append(f"\\begin{{center}}\\bfseries\\fontsize{{{tsize:.1f}}}{{{tsize * 1.25:.1f}}}\\selectfont "
                    f"{tex_escape(doc.title)}\\par\\end{{center}}")
    footnotes = spec.notes == "footnote"
    last = None
    for p in doc.paragraphs:
        if p.section != last and p.section:
            body.append(f"\\section*{{{tex_escape(p.section)}}}")
        last = p.section
        runs = []
        for text, n in doc.pieces(p):
            runs.append(tex_escape(text))
            if n is not None:
                note = tex_escape(doc.notes[n])
                runs.append(f"\\footnote{{{note}}}" if footnotes else f"\\textsuperscript{{{n}}}")
        body.append("".join(runs) + "\n")
    if doc.notes and not footnotes:
        body.append(f"\\section*{{{tex_escape(spec.notes_heading)}}}")
        body.append("{\\small\\setlength{\\parindent}{0pt}\\RaggedRight")
        for n, t in doc.notes.items():
            body.append(f"{_note_label(n, spec.notes_style)}{tex_escape(t)}\\par")
        body.append("}")
    body.append("\\end{document}")
    return "\n".join(_preamble(spec) + body) + "\n"


def print_xelatex(tex: Path, pdf: Path, timeout: float = 120) -> set[str] | None:
    """Typeset ``tex`` with XeLaTeX into ``pdf`` (one run: no cross-references to settle).
    Returns the characters the font had no glyph for (printed as nothing), or None when no PDF
    was written; the log then goes beside the PDF as NAME.log."""
    pdf.unlink(missing_ok=True)
    work = Path(tempfile.mkdtemp(prefix="xelatex-"))
    try:
        shutil.copy(tex, work / "doc.tex")
        proc = subprocess.run([XELATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=work,
                              capture_output=True, text=True, timeout=timeout, errors="replace")
        out, log = work / "doc.pdf", work / "doc.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if proc.returncode != 0 or not out.exists():
            if log.exists():
                shutil.copy(log, pdf.with_suffix(".log"))
            return None
        shutil.move(out, pdf)
        return set(_MISSING.findall(text))
    except subprocess.TimeoutExpired:
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)
