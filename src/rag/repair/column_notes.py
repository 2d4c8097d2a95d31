"""Notes at the foot of a page's first column, in text from any extractor: LaTeX sets each
column's notes at the column's foot, so in a two-column page the first column's notes stand
in the middle of the page's text, the second column's body resuming after them.
``note_blocks`` reads each page's blocks with this."""

from __future__ import annotations

from rag.repair.layout import LONE_NUMBER, RawLine, number_form, thai_share
from rag.repair.note_lines import (
    ENDED_SHORT,
    NOTE_ENDED,
    URL_START,
    Block,
    cited_above,
    closes_a_field,
    closes_reference,
    display_width,
    in_sequence,
    note_evidence,
    note_start,
    runs_on_range,
    runs_on_url,
    wider_than_body,
)
from rag.thai.chars import is_thai

_PROSE_SPACES = 2  # spaces a line of Thai prose holds at most, where a reference's words are spaced apart
_RESUMED_LINES = 2  # lines of body text after a column's notes that show the body goes on


def column_foot_blocks(raws: list[RawLine], body: list[int], last_note: int,
                       full: float) -> list[tuple[Block, int, int | None]]:
    """Notes at the foot of a page's first column, with the second column's body after them:
    each block as its notes, its last line, and that line again where it was taken only for
    following a wide one (``note_blocks`` may give it back to the body with a split note's
    tail). A block opens with the next note's number and runs while its lines read as notes:
    the next number, a line after one cut in a URL, a line in Latin script (references run on
    in it; Thai bodies don't), a line that closes one of a reference's fields and goes on where
    the note has not ended (`(2545). ทฤษฎี ความ ซับ ซ้อน ใน`), a line that closes a reference
    (`หน้า 79–279.`), the last lines before the next note (``_next_note_within``), or a line after a wide one (a note line wraps only when full, and
    in its smaller type a full line is wider than the body's), unless that last one reads as the
    next column's first line (``_resumes_after_split_note``) with more of the page after it than
    the lines that show the body resuming. One of its numbers must be cited above on the page
    (not always the first: a marker glued to a number, `500` + `6`, reads as part of it), it
    must hold a wide line, a URL or a line that closes a reference, and the body must resume
    after it (a block that runs to the page's end, or to its number, is the page foot's). A
    line that opens with one of the block's numbers again, set otherwise (`2. ธรณีวิทยา` under
    `2 European ...`), is the next column's numbered heading: the block ends there and the body
    resumes with it. Only in text set in columns (`COLUMN_MEASURE`): in a page-wide measure the
    notes are the page's."""
    blocks: list[tuple[Block, int, int | None]] = []
    in_blocks: set[int] = set()
    at = 0
    while at < len(body):
        start = note_start(raws, body, at)
        if start is None or not in_sequence(start[0], last_note):
            at += 1
            continue
        above = [raws[k].text for k in body[:at] if k not in in_blocks]
        notes: Block = [(body[at], start[0], start[1])]
        # evidence that the lines are notes, not running text: a line wider than the body's, one
        # that closes a reference (`4อ้างแล้ว, หน้า 3.`: a note of one short line) or a URL
        evidence = note_evidence(raws[body[at]].text, full)
        end = at + 1
        after_wide = False  # whether the last line came in only for following a wide one
        form = number_form(raws[body[at]].text[:start[1]])
        heading = False  # whether the block ended at a numbered heading: the body resumes there
        field = False  # whether the last line came in only for closing a reference's field
        while end < len(body):
            prev, text = raws[body[end - 1]].text, raws[body[end]].text
            nxt = note_start(raws, body, end)
            if nxt is not None and nxt[0] == notes[-1][1] + 1:
                notes.append((body[end], nxt[0], nxt[1]))
                after_wide = field = False
            elif nxt is not None and nxt[0] <= notes[-1][1] and number_form(text[:nxt[1]]) != form:
                heading = True  # a block's number again, set otherwise: a numbered heading (`2. ธรณีวิทยา`)
                break
            elif ((runs_on_url(prev) and not _prose_after_url(prev, text)) or LONE_NUMBER.match(prev)
                  or (thai_share(text) <= 0.5 and not (field and _opens_in_thai(text)))) \
                    and not LONE_NUMBER.match(text):
                # the note goes on (references run on in Latin script; Thai bodies don't), but after
                # a field it closed, in a field of its own (`2548, https://`), not in a line of Thai
                # prose naming something in Latin letters (`จาก Magdalen Tower ของออกซฟ`): a note
                # that LaTeX split across the columns ends there
                after_wide = field = False
            elif closes_a_field(text) and not NOTE_ENDED.search(prev):
                # a reference that has not ended goes on (`… ประเทศไทย.` + `(2545). ทฤษฎี ความ ซับ ซ้อน
                # ใน` + `การ คำนวณ: ข้อ เสนอ เชิง นโยบาย.`; `ประเทศไทย, “รายงาน สถานการณ์`)
                after_wide, field = False, True
            elif _next_note_within(raws, body, end, notes[-1], full) or closes_reference(text):
                after_wide = field = False  # the note's last lines: the next note comes before the body could resume, or a reference closes
            elif wider_than_body(prev, full) and not LONE_NUMBER.match(text):
                after_wide, field = True, False  # a wide line wraps: the note goes on
            elif after_wide and _wraps_on(raws[body[end - 2]].text, prev, full) \
                    and _ends_short(text, full) and _body_resumes(raws, body, end + 1, notes[-1][1] + 1, form):
                # the note's short last line under its full wrapped one (`หมายกว้าง ซึ่งครอบคลุมทั้งมิติทาง`
                # + `ประวัติศาสตร์และสังคม`), the next column's body under it
                end += 1
                after_wide = False
                break
            else:
                break
            evidence = evidence or note_evidence(text, full)
            end += 1
        # (the next column goes on for more than the lines that show the body resuming: lines
        # that only end the page are the note's)
        if (after_wide and len(body) - (end - 1) > _RESUMED_LINES
                and _resumes_after_split_note(raws[body[end - 1]].text, full)):
            end -= 1
            after_wide = False
        cited = any(cited_above(above, n) for _, n, _ in notes)
        if cited and evidence and (heading or _body_resumes(raws, body, end, notes[-1][1] + 1, form)):
            blocks.append((notes, body[end - 1], body[end - 1] if after_wide else None))
            in_blocks.update(body[at:end])
            last_note = notes[-1][1]
        at = end if cited else at + 1
    return blocks


def _body_resumes(raws: list[RawLine], body: list[int], at: int, next_note: int, form: str) -> bool:
    """Whether the body resumes at ``body[at]``: two lines of running text, mostly Thai
    together or the first one mostly Thai and the next one with Thai in it (one of them may
    name something in Latin letters: `มาตรฐานยุโรป เช่น General Data` + `Protection Regulation
    (GDPR) และ`), neither the next note (``next_note``, its number set as the block's ``form``;
    a heading numbered otherwise, `2. ชาวอูเกอโน` under `1Wagner ...`, is body) nor a URL (what
    follows a page foot's notes is more of them, or a URL that wrapped, never a column of body
    text)."""
    lines = body[at:at + _RESUMED_LINES]
    starts = [note_start(raws, body, i) for i in range(at, at + len(lines))]
    if len(lines) < _RESUMED_LINES or not all(
            (start is None or start[0] != next_note or number_form(raws[k].text[:start[1]]) != form)
            and not URL_START.match(raws[k].text)
            for k, start in zip(lines, starts, strict=True)):
        return False
    shares = [thai_share(raws[k].text) for k in lines]
    return thai_share(" ".join(raws[k].text for k in lines)) > 0.5 or (shares[0] > 0.5 and min(shares) > 0)


def _next_note_within(raws: list[RawLine], body: list[int], at: int, last: tuple[int, int, int],
                      full: float) -> bool:
    """Whether the note after ``last`` (its first line, number and text offset) opens the line
    after ``body[at]``, or the one after that where the line between ends a note (it closes a
    reference, or it is short), its number set as the last one's: ``body[at]`` then ends the
    note above however narrow it is (`th.wikipedia.org/ wiki/` + `จักรวรรดินิยม`; `หมายก ว้าง
    ซึ่ง ครอบคลุม` + `ประวัติศาสตร์และสังคม`), since the body cannot resume in one line
    (``_body_resumes``). Two full lines before it may be the body's, resumed for the column's
    last two lines. (A numbered heading of the second column, `2. ชาวอูเกอโน`, is set
    otherwise than `1Wagner`.)"""
    form = number_form(raws[last[0]].text[:last[2]])
    for i in range(at + 1, min(at + _RESUMED_LINES, len(body) - 1) + 1):
        start = note_start(raws, body, i)
        if start is not None and start[0] == last[1] + 1 and number_form(raws[body[i]].text[:start[1]]) == form:
            return True
        text = raws[body[i]].text
        if not (closes_reference(text) or display_width(text) < ENDED_SHORT * full):
            return False
    return False


def _resumes_after_split_note(text: str, full: float) -> bool:
    """Whether a block's last line, taken only for following a wide one, is the next column's
    first line instead. A note that goes on in the next column (LaTeX and LibreOffice split a
    long note there) fills its column, so the line under its wide last line is the next
    column's: nearly full, not closed the way a note's own short last line is (`สังคม`,
    `หน้า 3.`), and run together as Thai prose is, with few spaces (a reference's words are
    spaced apart in XeLaTeX's justified notes, `“รายงาน สถานการณ์ รัฐ วิกตอเรีย`: such a line
    stays the note's)."""
    return (ENDED_SHORT * full <= display_width(text) and not wider_than_body(text, full) and thai_share(text) > 0.5
            and len(text.split()) <= _PROSE_SPACES + 1 and not NOTE_ENDED.search(text)
            and not closes_a_field(text))


def _prose_after_url(prev: str, text: str) -> bool:
    """``prev`` ends with a URL and ``text`` is words set apart by spaces, which no URL holds
    (`https://doi.org/10.5470/…` + `อดทนต่อกัน และมีหลากหลายขั้ว`), or Thai under a URL whose
    last piece ended in Latin letters or digits (`…/content/geology-2566` +
    `ที่จะกลับมาพร้อมเรื่องราวการค้น`; a Thai piece goes on after a slash, `wiki/` +
    `จักรวรรดินิยม`): the URL ended and the next column's body goes on under it."""
    last = prev.rstrip()[-1:]
    return not runs_on_range(prev) and (
        len(text.split()) > 1 or (last.isascii() and last.isalnum() and thai_share(text) > 0.5))


def _wraps_on(wide: str, line: str, full: float) -> bool:
    """Whether ``line``, under a note's ``wide`` line, reads as the note's next line rather than
    the next column's first: the wide line did not end the note (`Strategic Studies.`), and
    ``line`` is full (a short one ended the note, `ทั้งมิติทางประวัติศาสตร์และสังคม`) and in the
    wide line's script (`(GPAI). https:// oecd.ai/ en/ about/` goes on in Latin letters)."""
    return (not NOTE_ENDED.search(wide) and not _ends_short(line, full)
            and (thai_share(wide) > 0.5) == (thai_share(line) > 0.5))


def _ends_short(text: str, full: float) -> bool:
    """A line that ends a paragraph or a note: well short of the body's full line ``full``."""
    return display_width(text) < ENDED_SHORT * full and not LONE_NUMBER.match(text)


def _opens_in_thai(text: str) -> bool:
    """The line's first letter is Thai (digits, brackets and marks before it aside)."""
    first = next((c for c in text if c.isalpha()), "")
    return bool(first) and is_thai(first)
