"""A note's number alone on a line of the body, put back onto the line it was raised in.

pypdfium2 writes a superscript number that ends a printed line on a line of its own, right
between that line and the next (`… (Religious Coalition for ` + `13` + `Reproductive Choice …`);
pdftotext writes a raised number on a line of its own before the line it was raised in, a blank
line after it (`บทที่ 1 แม่น้ำไรน์` + `1` + `` + `ดินดอนสามเหลี่ยม ไรน์ -เมิส …`, the marker after
`ดินดอนสามเหลี่ยม`). Left alone, the number read as a stray one and the note lost its link.
Done once the notes are read (a note's own number alone over its text is a note line by then),
and only for numbers the notes define. Written here because it is ours: no extractor says
which line a raised number belongs to.
"""

from __future__ import annotations

from rag.repair.layout import BLANK, BODY, FILLER, LONE_NUMBER, NOTE, RawLine
from rag.repair.lines import GLUES_MARKER


def glue_lone_markers(raws: list[RawLine]) -> None:
    """Each note number alone on a body line goes onto the end of a neighbouring body line, glued
    to its last word, for the marker rules to read (the chunk that holds the line then cites
    the note): the line right above it where both neighbours touch it (pypdfium2), the line
    under it where a blank line follows it (pdftotext). Not the line above in pdftotext's text:
    that is often a heading over the number's paragraph, which would then cite the note and
    read as running text."""
    defined = {r.note for r in raws if r.kind == NOTE and r.note is not None}
    text_at = [k for k, r in enumerate(raws) if r.kind not in (BLANK, FILLER) and r.text.strip()]
    for at in range(1, len(text_at) - 1):
        i, k, j = text_at[at - 1], text_at[at], text_at[at + 1]
        above, line, below = raws[i], raws[k], raws[j]
        lone = LONE_NUMBER.match(line.text)
        if line.kind != BODY or lone is None or int(lone.group(1)) not in defined \
                or not above.kind == below.kind == BODY:
            continue
        if i == k - 1 and j == k + 1:
            onto = above
        elif j > k + 1:
            onto = below
        else:
            continue
        if GLUES_MARKER.search(onto.text.rstrip()):
            onto.text = onto.text.rstrip() + lone.group(1) + (" " if onto.text[-1:].isspace() else "")
            line.kind, line.text = FILLER, ""
