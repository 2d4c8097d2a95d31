"""Makes the Thai test PDF: a short policy paper with headings, footnotes and page numbers.

The PDF route needs a Thai PDF whose true text, headings, footnotes and pages are known, and
no such file may come from the evaluation data, so the tests lay one out themselves with
fpdf2 and a TLWG font from Debian's fonts-thai-tlwg. The layout does what a word processor
does and what the extraction has to undo: lines wrap at Thai word boundaries (no space) as
well as at spaces, footnote markers are raised small digits, footnotes sit at the foot of
the page that cites them under a drawn rule, pages carry printed numbers in a footer (not
starting at 1, as in a journal), headings are short bold lines. The text is ours, written
for this test; it is also the structure stage's second document, so that stage is not tuned
to one article.

Without text shaping fpdf2 draws Thai marks as separate glyphs (they may sit imperfectly on
the page) but the text layer keeps every character in logical order, which is what
extraction reads; so uharfbuzz is not needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/tlwg")
BODY_FONT = FONT_DIR / "Loma.ttf"
BOLD_FONT = FONT_DIR / "Loma-Bold.ttf"

# Paragraph text marks footnote markers as {n}. None as a heading: the untitled introduction.
SECTIONS: list[tuple[str | None, list[str]]] = [
    (None, [
        "น้ำเป็นทรัพยากรพื้นฐานของเศรษฐกิจและสังคมไทย ทั้งภาคเกษตรกรรม ภาคอุตสาหกรรม และการอุปโภคบริโภค"
        "ของครัวเรือน แต่ในช่วงสองทศวรรษที่ผ่านมา ประเทศไทยต้องเผชิญกับอุทกภัยและภัยแล้งที่รุนแรงและถี่ขึ้น"
        " ความเสียหายจากมหาอุทกภัยเมื่อ พ.ศ. 2554 เพียงครั้งเดียวมีมูลค่าสูงกว่าหนึ่งล้านล้านบาท{1} "
        "เหตุการณ์ดังกล่าวแสดงให้เห็นว่าการบริหารจัดการน้ำไม่ใช่เพียงเรื่องทางวิศวกรรม แต่เป็นเรื่องของ"
        "นโยบายสาธารณะ การประสานงานระหว่างหน่วยงาน และการมีส่วนร่วมของชุมชน",
        "บทความนี้ทบทวนสถานการณ์น้ำของไทย ถอดบทเรียนจากต่างประเทศที่ประสบความสำเร็จในการจัดการ"
        "ความเสี่ยงด้านน้ำ และเสนอแนวทางเชิงนโยบายที่ไทยสามารถนำไปปรับใช้ได้ โดยให้ความสำคัญกับ"
        "ความมั่นคงด้านน้ำ (water security) ตามกรอบเป้าหมายการพัฒนาที่ยั่งยืนขององค์การสหประชาชาติ{2}",
    ]),
    ("สถานการณ์น้ำของไทย: ความเสี่ยงที่เพิ่มขึ้น", [
        "ปริมาณฝนเฉลี่ยของไทยในแต่ละปีค่อนข้างคงที่ แต่การกระจายตัวของฝนเปลี่ยนไปอย่างชัดเจน ฝนตกหนัก"
        "ในช่วงเวลาสั้นลงและทิ้งช่วงนานขึ้น ทำให้อ่างเก็บน้ำขนาดใหญ่ไม่สามารถรองรับน้ำได้ตามแผน ขณะที่"
        "พื้นที่เกษตรนอกเขตชลประทานซึ่งมีสัดส่วนมากกว่าร้อยละ 70 ของพื้นที่เกษตรทั้งหมดยังต้องพึ่งพาน้ำฝน"
        "เป็นหลัก{3} ความเปราะบางนี้ส่งผลโดยตรงต่อรายได้ของเกษตรกรรายย่อยและความมั่นคงทางอาหารของประเทศ",
        "ในด้านโครงสร้างการบริหาร ไทยมีหน่วยงานที่เกี่ยวข้องกับน้ำมากกว่า 30 หน่วยงานภายใต้หลายกระทรวง"
        " แม้จะมีการจัดตั้งสำนักงานทรัพยากรน้ำแห่งชาติ (สทนช.) ขึ้นเป็นหน่วยงานกลางเมื่อ พ.ศ. 2560 และ"
        "ตราพระราชบัญญัติทรัพยากรน้ำ พ.ศ. 2561 แล้วก็ตาม{4} แต่การบูรณาการข้อมูลและงบประมาณระหว่าง"
        "หน่วยงานยังเป็นความท้าทายสำคัญ ข้อมูลระดับน้ำ ปริมาณฝน และการใช้น้ำยังกระจัดกระจายอยู่ในระบบ"
        "ของแต่ละหน่วยงาน ทำให้การตัดสินใจในภาวะวิกฤตล่าช้า",
        "นอกจากนี้ การขยายตัวของเมืองทำให้พื้นที่รับน้ำตามธรรมชาติลดลง ถนนและหมู่บ้านจัดสรรที่สร้าง"
        "ขวางทางน้ำเดิมทำให้น้ำท่วมขังนานขึ้น ขณะที่การสูบน้ำบาดาลเกินขีดจำกัดในกรุงเทพมหานครและปริมณฑล"
        "เคยทำให้แผ่นดินทรุดตัวปีละหลายเซนติเมตร ปัญหาเหล่านี้ชี้ว่าการลงทุนในโครงสร้างพื้นฐานเพียงอย่างเดียว"
        "ไม่เพียงพอ หากไม่มีการวางผังเมืองและการกำกับดูแลการใช้ที่ดินควบคู่กัน",
    ]),
    ("บทเรียนจากต่างประเทศ", [
        "เนเธอร์แลนด์ซึ่งพื้นที่ประมาณหนึ่งในสี่อยู่ต่ำกว่าระดับน้ำทะเล เปลี่ยนแนวคิดจากการสร้างเขื่อนกั้นน้ำ"
        "เพียงอย่างเดียวมาสู่แนวทาง Room for the River ที่คืนพื้นที่ให้แม่น้ำ ขยายทางระบายน้ำ และย้ายคันกั้นน้ำ"
        "ออกไปจากลำน้ำ{5} โครงการนี้ดำเนินการในกว่า 30 พื้นที่และอาศัยการเจรจากับเจ้าของที่ดินและท้องถิ่น"
        "อย่างเป็นระบบ แสดงให้เห็นว่าการยอมให้น้ำมีที่อยู่อาจลดความเสียหายได้มากกว่าการพยายามกั้นน้ำทุกจุด",
        "สิงคโปร์ซึ่งมีแหล่งน้ำธรรมชาติจำกัดพัฒนายุทธศาสตร์ Four National Taps ได้แก่ น้ำจากแหล่งกักเก็บ"
        "ในประเทศ น้ำนำเข้า น้ำรีไซเคิล NEWater และน้ำทะเลที่ผ่านการกลั่น{6} หน่วยงาน PUB ดูแลวัฏจักรน้ำ"
        "ทั้งระบบภายใต้องค์กรเดียว ตั้งแต่การผลิตน้ำประปาไปจนถึงการบำบัดน้ำเสียและการระบายน้ำ ทำให้"
        "การวางแผนระยะยาวและการลงทุนด้านเทคโนโลยีเป็นไปอย่างต่อเนื่อง",
        "ญี่ปุ่นให้ความสำคัญกับระบบเตือนภัยล่วงหน้าและการสื่อสารความเสี่ยงถึงประชาชน เทศบาลทุกแห่ง"
        "ต้องจัดทำแผนที่ความเสี่ยงอุทกภัย (hazard map) และเผยแพร่ให้ประชาชนเข้าถึงได้ ขณะที่ชุมชนมีการซ้อม"
        "อพยพเป็นประจำ{7} แนวทางนี้ช่วยลดความสูญเสียต่อชีวิตได้แม้ในเหตุการณ์ที่รุนแรงเกินกว่าที่"
        "โครงสร้างป้องกันจะรับได้",
    ]),
    ("Smart Water: เทคโนโลยีกับการจัดการน้ำ", [
        "เทคโนโลยีดิจิทัลเปิดโอกาสให้การบริหารจัดการน้ำแม่นยำขึ้น เซ็นเซอร์วัดระดับน้ำที่เชื่อมต่อ"
        "อินเทอร์เน็ตของสรรพสิ่ง (Internet of Things) ภาพถ่ายดาวเทียม และแบบจำลองพยากรณ์ฝนช่วยให้"
        "หน่วยงานคาดการณ์ปริมาณน้ำได้ล่วงหน้าหลายวัน การประปาหลายแห่งในต่างประเทศใช้มาตรวัดน้ำอัจฉริยะ"
        "ตรวจจับท่อรั่วและลดน้ำสูญเสียได้อย่างมีนัยสำคัญ{8} สำหรับไทย การเชื่อมโยงข้อมูลจากหน่วยงานต่าง ๆ"
        " เข้าสู่คลังข้อมูลน้ำแห่งชาติเป็นก้าวแรกที่จำเป็นก่อนการนำระบบอัตโนมัติมาใช้",
        "อย่างไรก็ตาม เทคโนโลยีไม่ใช่คำตอบสำเร็จรูป ระบบที่ซับซ้อนต้องการบุคลากรที่มีทักษะ งบประมาณ"
        "บำรุงรักษาที่ต่อเนื่อง และมาตรฐานข้อมูลที่ทุกหน่วยงานใช้ร่วมกัน หากขาดองค์ประกอบเหล่านี้ อุปกรณ์"
        "ที่ติดตั้งไว้อาจถูกทิ้งร้างภายในไม่กี่ปี",
    ]),
    ("ข้อเสนอแนะเชิงนโยบาย", [
        "ประการแรก ควรเสริมอำนาจของหน่วยงานกลางให้สามารถจัดสรรงบประมาณด้านน้ำแบบบูรณาการตาม"
        "ลุ่มน้ำ แทนการจัดสรรแยกตามหน่วยงาน ประการที่สอง ควรกำหนดพื้นที่รับน้ำและพื้นที่ชะลอน้ำไว้ใน"
        "ผังเมืองอย่างมีผลบังคับ พร้อมกลไกชดเชยให้เจ้าของที่ดินที่ได้รับผลกระทบ ประการที่สาม ควรลงทุน"
        "ในระบบเตือนภัยและการสื่อสารความเสี่ยงที่ชุมชนเข้าใจและนำไปใช้ได้จริง",
        "ท้ายที่สุด ความมั่นคงด้านน้ำต้องอาศัยความร่วมมือระหว่างประเทศ เพราะแม่น้ำสายหลักหลายสาย"
        "ของภูมิภาคไหลผ่านหลายประเทศ ไทยควรมีบทบาทเชิงรุกในคณะกรรมาธิการแม่น้ำโขง (Mekong River"
        " Commission) เพื่อแลกเปลี่ยนข้อมูลการปล่อยน้ำจากเขื่อนต้นน้ำและร่วมกันวางแผนรับมือภัยพิบัติ{9}",
    ]),
]

FOOTNOTES: dict[int, str] = {
    1: "ธนาคารโลก. (2555). การประเมินความเสียหายและความต้องการฟื้นฟูจากอุทกภัย พ.ศ. 2554. กรุงเทพฯ: ธนาคารโลก.",
    2: "United Nations. (2015). Transforming our world: the 2030 Agenda for Sustainable Development."
       " https://sdgs.un.org/2030agenda",
    3: "สำนักงานสถิติแห่งชาติ. (2563). สถิติการเกษตรของประเทศไทย. กรุงเทพฯ: สำนักงานสถิติแห่งชาติ.",
    4: "ดูรายละเอียดเพิ่มเติมใน พระราชบัญญัติทรัพยากรน้ำ พ.ศ. 2561. ราชกิจจานุเบกษา เล่ม 135 ตอนที่ 103 ก.",
    5: "Rijkswaterstaat. (2019, March 15). Room for the River programme."
       " https://www.rijkswaterstaat.nl/en/water/water-safety/room-for-the-river",
    6: "PUB, Singapore's National Water Agency. (2022). Our Water, Our Future."
       " https://www.pub.gov.sg/Resources/Publications/our-water-our-future",
    7: "Cabinet Office of Japan. (2021). White Paper on Disaster Management in Japan.",
    8: "International Water Association. (2020). Digital Water: Industry leaders chart the transformation journey.",
    9: "Mekong River Commission. (2021, June 2). Basin Development Strategy 2021-2030."
       " https://www.mrcmekong.org/publications/basin-development-strategy-2021-2030/",
}

FIRST_PAGE = 7  # printed number of the first page: an article inside a journal issue

# Layout, in mm on an A5 page.
PAGE_W, PAGE_H = 148.0, 210.0
LEFT, RIGHT, TOP, BOTTOM = 18.0, 18.0, 18.0, 22.0
BODY_PT, HEAD_PT, NOTE_PT, MARK_PT, FOOT_PT = 12.0, 13.0, 8.5, 7.0, 9.0
BODY_LH, NOTE_LH = 6.6, 4.2
INDENT = 8.0
MARK_RISE = 1.6
RULE_GAP = 2.5


@dataclass
class Placed:
    """Where the generator put everything: the tests' ground truth."""

    pages: list[int] = field(default_factory=list)  # printed page numbers, in order
    headings: list[tuple[str, int]] = field(default_factory=list)  # (title, printed page)
    footnotes: dict[int, tuple[str, int]] = field(default_factory=dict)  # n -> (text, page)
    lines: list[tuple[str, int]] = field(default_factory=list)  # body lines (no markers), page
    marker_context: dict[int, str] = field(default_factory=dict)  # n -> text just before it


def source_text() -> str:
    """Headings and paragraphs in reading order, markers left out: what extraction, repair
    and structure should give back."""
    out: list[str] = []
    for heading, paragraphs in SECTIONS:
        if heading:
            out.append(heading)
        out.extend(re.sub(r"\{\d+\}", "", p) for p in paragraphs)
    return "\n".join(out)


def fonts_available() -> bool:
    return BODY_FONT.exists() and BOLD_FONT.exists()


# --- line breaking ------------------------------------------------------------------------

_CLOSE = set(")]}.,:;!?”’")
_OPEN = set("([{“‘")


def _units(text: str) -> list[tuple[str, str]]:
    """Break opportunities of a text: ("w", word), ("s", space), ("m", marker digits).

    Thai words (PyThaiNLP newmm) may break between them with no space, as a word processor
    breaks Thai; Latin runs, brackets and punctuation stay glued to their neighbours, except
    after a hyphen or a slash (`Asia-` + `Pacific`, URLs).
    """
    from pythainlp.tokenize import word_tokenize

    units: list[tuple[str, str]] = []
    for piece in re.split(r"(\{\d+\}| )", text):
        if not piece:
            continue
        if piece == " ":
            units.append(("s", " "))
        elif piece.startswith("{"):
            units.append(("m", piece[1:-1]))
        elif re.search(r"[\u0e00-\u0e7f]", piece):
            units.extend(("w", w) for w in word_tokenize(piece, engine="newmm", keep_whitespace=False) if w)
        else:
            units.extend(("w", w) for w in re.findall(r"[^/\-]+[/\-]*|[/\-]+", piece))
    merged: list[tuple[str, str]] = []
    for kind, t in units:
        glue = merged and kind == "w" and merged[-1][0] == "w" and (
            t[0] in _CLOSE or merged[-1][1][-1] in _OPEN
            or (t.isascii() and merged[-1][1].isascii() and not merged[-1][1].endswith(("/", "-")))
        )
        if glue:
            merged[-1] = ("w", merged[-1][1] + t)
        else:
            merged.append((kind, t))
    return merged


class _Layout:
    def __init__(self, footnotes: dict[int, str] | None = None) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(unit="mm", format=(PAGE_W, PAGE_H))
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("Body", "", str(BODY_FONT))
        self.pdf.add_font("Body", "B", str(BOLD_FONT))
        self.placed = Placed()
        self.footnotes = FOOTNOTES if footnotes is None else footnotes
        self.page_notes: list[int] = []
        self.y = 0.0
        self.width = PAGE_W - LEFT - RIGHT

    def w(self, text: str, size: float, style: str = "") -> float:
        self.pdf.set_font("Body", style, size)
        return self.pdf.get_string_width(text)

    def wrap(self, units: list[tuple[str, str]], size: float, first_indent: float) -> list[list[tuple[str, str]]]:
        lines: list[list[tuple[str, str]]] = [[]]
        used = first_indent
        for kind, t in units:
            uw = self.w(t, MARK_PT if kind == "m" else size)
            if kind == "w" and used + uw > self.width and any(k == "w" for k, _ in lines[-1]):
                lines.append([])
                used = 0.0
            if kind == "s" and not lines[-1]:
                continue
            lines[-1].append((kind, t))
            used += uw
        return lines

    def note_lines(self, n: int) -> list[list[tuple[str, str]]]:
        return self.wrap(_units(f"{n} {self.footnotes[n]}"), NOTE_PT, 0.0)

    def notes_height(self, notes: list[int]) -> float:
        if not notes:
            return 0.0
        return RULE_GAP * 2 + sum(len(self.note_lines(n)) for n in notes) * NOTE_LH

    def limit(self, notes: list[int]) -> float:
        return PAGE_H - BOTTOM - self.notes_height(notes)

    def new_page(self) -> None:
        if self.placed.pages:
            self.finish_page()
        self.pdf.add_page()
        self.placed.pages.append(FIRST_PAGE + len(self.placed.pages))
        self.page_notes = []
        self.y = TOP

    @property
    def page(self) -> int:
        return self.placed.pages[-1]

    def draw(self, x: float, y: float, line: list[tuple[str, str]], size: float, style: str = "") -> None:
        """Draw a line run by run, markers raised and small: the text layer gets the
        characters in order, trailing spaces included, as a word processor writes them."""
        runs: list[tuple[str, str]] = []
        for kind, t in line:
            kind = "m" if kind == "m" else "t"
            if runs and runs[-1][0] == kind:
                runs[-1] = (kind, runs[-1][1] + t)
            else:
                runs.append((kind, t))
        for kind, t in runs:
            if kind == "m":
                self.pdf.set_font("Body", "", MARK_PT)
                self.pdf.text(x, y - MARK_RISE, t)
            else:
                self.pdf.set_font("Body", style, size)
                self.pdf.text(x, y, t)
            x += self.pdf.get_string_width(t)

    def heading(self, title: str) -> None:
        if self.y + 3 * BODY_LH + 4 > self.limit(self.page_notes):
            self.new_page()
        self.y += 3.0
        self.draw(LEFT, self.y + BODY_LH * 0.75, [("w", title)], HEAD_PT, "B")
        self.placed.headings.append((title, self.page))
        self.y += BODY_LH + 1.5

    def paragraph(self, text: str) -> None:
        for i, line in enumerate(self.wrap(_units(text), BODY_PT, INDENT)):
            notes = [int(t) for k, t in line if k == "m"]
            if self.y + BODY_LH > self.limit(self.page_notes + notes):
                self.new_page()
            self.draw(LEFT + (INDENT if i == 0 else 0.0), self.y + BODY_LH * 0.75, line, BODY_PT)
            words = "".join(t for k, t in line if k != "m")
            self.placed.lines.append((words, self.page))
            for j, (k, t) in enumerate(line):
                if k == "m":
                    before = "".join(u for kk, u in line[:j] if kk != "m").strip()
                    self.placed.marker_context[int(t)] = before[-12:]
            self.page_notes += notes
            self.y += BODY_LH

    def finish_page(self) -> None:
        if self.page_notes:
            y = PAGE_H - BOTTOM - self.notes_height(self.page_notes) + RULE_GAP
            self.pdf.set_line_width(0.2)
            self.pdf.line(LEFT, y, LEFT + 40, y)
            y += RULE_GAP
            for n in self.page_notes:
                for line in self.note_lines(n):
                    self.draw(LEFT, y + NOTE_LH * 0.8, line, NOTE_PT)
                    y += NOTE_LH
                self.placed.footnotes[n] = (self.footnotes[n], self.page)
        self.pdf.set_font("Body", "", FOOT_PT)
        label = str(self.page)
        self.pdf.text((PAGE_W - self.pdf.get_string_width(label)) / 2, PAGE_H - 10, label)


def squash(text: str) -> str:
    """Text without white space: how extracted text is compared with its source."""
    return "".join(text.split())


def levenshtein(a: str, b: str) -> int:
    """Edit distance in O(len(a) * len(b) / word) time (Myers/Hyyrö bit vectors on Python
    ints): whole pages compare in milliseconds, where the plain table would take seconds.
    No fast edit-distance package is in the project's dependencies."""
    if not a or not b:
        return len(a) + len(b)
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask, top = (1 << len(a)) - 1, 1 << (len(a) - 1)
    pv, mv, score = mask, 0, len(a)
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & mask
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv
    return score


def cer(reference: str, candidate: str) -> float:
    """Character error rate with white space ignored (as the project's CER tool counts)."""
    ref, cand = squash(reference), squash(candidate)
    return levenshtein(ref, cand) / max(1, len(ref))


def build_pdf(path: Path, sections: list[tuple[str | None, list[str]]] | None = None,
              footnotes: dict[int, str] | None = None) -> Placed:
    """Lay the sample paper out into `path` and say where everything went. Another paper:
    ``sections`` in the form of `SECTIONS` (markers as {n}) and its ``footnotes``."""
    layout = _Layout(footnotes)
    layout.new_page()
    for heading, paragraphs in SECTIONS if sections is None else sections:
        if heading:
            layout.heading(heading)
        for text in paragraphs:
            layout.paragraph(text)
    layout.finish_page()
    layout.pdf.output(str(path))
    return layout.placed


if __name__ == "__main__":  # python tests/thai_pdf.py out.pdf: look at it
    import sys

    placed = build_pdf(Path(sys.argv[1] if len(sys.argv) > 1 else "thai_sample.pdf"))
    print(placed.pages, placed.headings)
