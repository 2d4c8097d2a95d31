"""Thai PDFs with known text, printed by the producers real users print with.

The PDF route must read what LibreOffice Writer (footnotes at the page foot, endnotes),
headless Chromium (superscript markers, a list of notes at the end) and XeLaTeX (KOMA-Script
articles: footnotes, hyphenated English, Thai line breaking) print, and a test can only say the
text came out right if it knows the text. This module writes documents whose content it chose
and has the three producers print them for real (not an imitation such as fpdf2): the
text layer, the glyph decomposition of SARA AM and tone marks, the private-use glyph variants,
line breaking and the placement of notes are then exactly what a user's file has, while the
ground truth is known.

Pipeline, one document:
  Spec (drawn from a seed, or written out)  ->  compose(): GoldDocument (title, sections,
  paragraphs, notes with their marker offsets)  ->  to_fodt() / to_html() / pdf_latex.to_tex()
  ->  soffice / chromium / xelatex  ->  NAME.pdf  ->  NAME.gold.json (the benchmark's format), NAME.spec.json,
  NAME.<extractor>.txt

The gold format is the one ../shared/bench/pdf_real uses and its score_pdf.py reads:
  {"title", "sections": [heading, ...], "paragraphs": [{"section", "text"}],
   "footnotes": {"n": text}, "markers": [[paragraph_index, n, char_offset]]}
paragraph text without the markers; the offset is where the marker stood in that text.

The extractor texts are made as the benchmark's files were: `pdftotext` in its default mode
(one form feed after every page), pypdf `page.extract_text()` joined with "\\n\\f\\n",
pdfminer.six `extract_text()` (its own form feeds), pypdfium2 `get_text_range()` joined with
"\\n\\f\\n".

Text content comes from the project's own test data (XQuAD Thai paragraphs, tests/data) and
the shipped article after the project's repair; headings and a share of the note texts are
written here. Nothing is taken from the evaluation data.

CLI (a set for eval/bench_pdf.py or for looking at):
  python tests/pdf_producers.py OUTDIR --n N --seed S [--producer lo|chrome|tex|both|all] [--split all|a|b]
Only the standard library (and rag, for the article's repair) is needed to compose and print;
pypdf, pdfminer.six and pypdfium2 are imported when the extractor texts are written, edlib
when the gold is checked.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from html import escape as html_escape
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape as xml_escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pdf_latex  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = Path("/usr/share/fonts/truetype/tlwg")
# The TLWG families a Thai user meets on Debian/Ubuntu (fonts-thai-tlwg); all have a Bold face.
FONTS: tuple[str, ...] = (
    "Laksaman",
    "Norasi",
    "Garuda",
    "Loma",
    "Kinnari",
    "Sawasdee",
    "Waree",
    "Umpush",
    "Purisa",
)
SOFFICE = "soffice"
CHROMIUM = "chromium"
EXTRACTORS: tuple[str, ...] = ("pdftotext", "pypdf", "pdfminer", "pdfium")

Producer = Literal["lo", "chrome", "tex"]
NoteMode = Literal["footnote", "endnote", "manual"]

# Headings that close a document's notes when they are printed as a list at its end (the
# heading itself is not a section of the gold: shared/bench/pdf_real leaves it out).
NOTES_HEADINGS: tuple[str, ...] = (
    "เชิงอรรถ",
    "หมายเหตุ",
    "เอกสารอ้างอิง",
    "บรรณานุกรม",
    "อ้างอิง",
    "Notes",
    "References",
    "Endnotes",
)
HEADER_TEXTS: tuple[str, ...] = (
    "วารสารวิชาการ ปีที่ 12 ฉบับที่ 2 (กรกฎาคม–ธันวาคม 2566)",
    "รายงานการศึกษา ฉบับร่างเพื่อรับฟังความคิดเห็น",
    "เอกสารประกอบการสัมมนา",
    "บทความปริทัศน์",
    "Journal of Thai Studies, Vol. 9 No. 1",
    "Working Paper Series",
    "สรุปสาระสำคัญสำหรับผู้บริหาร",
)
# Printed page-number shapes; {n} is the number field.
PAGE_FORMATS: tuple[str, ...] = ("{n}", "- {n} -", "หน้า {n}", "Page {n}")

# Thai names for the XQuAD article titles of the project's test corpus (written here, so that a
# section has a Thai heading over Thai Wikipedia text); a title not listed keeps its English name.
THAI_TOPICS: dict[str, str] = {
    "Computational_complexity_theory": "ทฤษฎีความซับซ้อนในการคำนวณ",
    "Teacher": "ครูและวิชาชีพครู",
    "Huguenot": "ชาวอูเกอโน",
    "1973_oil_crisis": "วิกฤตการณ์น้ำมัน พ.ศ. 2516",
    "Apollo_program": "โครงการอะพอลโล",
    "European_Union_law": "กฎหมายสหภาพยุโรป",
    "Amazon_rainforest": "ป่าฝนแอมะซอน",
    "Ctenophora": "หวีวุ้น",
    "Fresno,_California": "เฟรสโน รัฐแคลิฟอร์เนีย",
    "Black_Death": "กาฬมรณะ",
    "Geology": "ธรณีวิทยา",
    "American_Broadcasting_Company": "บริษัทแพร่ภาพกระจายเสียงอเมริกัน",
    "Genghis_Khan": "เจงกิสข่าน",
    "Immune_system": "ระบบภูมิคุ้มกัน",
    "Civil_disobedience": "การดื้อแพ่ง",
    "Construction": "อุตสาหกรรมก่อสร้าง",
    "Harvard_University": "มหาวิทยาลัยฮาร์วาร์ด",
    "Economic_inequality": "ความเหลื่อมล้ำทางเศรษฐกิจ",
    "Doctor_Who": "ดอกเตอร์ฮู",
    "Intergovernmental_Panel_on_Climate_Change": "คณะกรรมการระหว่างรัฐบาลว่าด้วยการเปลี่ยนแปลงสภาพภูมิอากาศ",
    "Chloroplast": "คลอโรพลาสต์",
    "Islamism": "อิสลามนิยม",
    "Imperialism": "จักรวรรดินิยม",
    "French_and_Indian_War": "สงครามฝรั่งเศสและอินเดียนแดง",
    "Force": "แรงในทางฟิสิกส์",
    "Normans": "ชาวนอร์มัน",
    "Nikola_Tesla": "นิโคลา เทสลา",
    "Martin_Luther": "มาร์ติน ลูเทอร์",
    "Sky_(United_Kingdom)": "สกาย (สหราชอาณาจักร)",
    "Jacksonville,_Florida": "แจ็กสันวิลล์ รัฐฟลอริดา",
    "Rhine": "แม่น้ำไรน์",
    "Super_Bowl_50": "ซูเปอร์โบวล์ 50",
    "Southern_California": "แคลิฟอร์เนียตอนใต้",
    "Newcastle_upon_Tyne": "นิวคาสเซิลอะพอนไทน์",
    "Victoria_and_Albert_Museum": "พิพิธภัณฑ์วิกตอเรียและอัลเบิร์ต",
    "Private_school": "โรงเรียนเอกชน",
    "University_of_Chicago": "มหาวิทยาลัยชิคาโก",
    "Warsaw": "กรุงวอร์ซอ",
    "Victoria_(Australia)": "รัฐวิกตอเรีย (ออสเตรเลีย)",
    "Steam_engine": "เครื่องจักรไอน้ำ",
    "Packet_switching": "การสลับแพ็กเก็ต",
    "Kenya": "ประเทศเคนยา",
    "Prime_number": "จำนวนเฉพาะ",
    "Oxygen": "ออกซิเจน",
    "Pharmacy": "เภสัชกรรม",
    "Yuan_dynasty": "ราชวงศ์หยวน",
    "Scottish_Parliament": "รัฐสภาสกอตแลนด์",
    "United_Methodist_Church": "คริสตจักรเมทอดิสต์รวม",
}
TITLE_PATTERNS: tuple[str, ...] = (
    "รายงานการศึกษาเรื่อง{t}",
    "ความรู้เบื้องต้นเกี่ยวกับ{t}",
    "{t}: ภาพรวมและข้อสังเกต",
    "บทความวิชาการ: {t}",
    "{t} และประเด็นที่เกี่ยวข้อง",
    "A Short Survey: {t}",
)

_TH_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_AUTHORS = (
    "Smith, J.",
    "Nakamura, K.",
    "Srisuk, P. & Chen, L.",
    "Müller, A.",
    "Park, S.-Y.",
    "Wongsakul, T., Lee, M., & Brown, R.",
    "Dupont, C.",
    "Rahman, N. & O'Neill, D.",
)
_ORGS = (
    "World Bank",
    "OECD",
    "United Nations Development Programme",
    "Asian Development Bank",
    "International Energy Agency",
)
_TH_ORGS = (
    "กระทรวงการต่างประเทศ",
    "สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ",
    "กรมส่งเสริมการค้าระหว่างประเทศ",
    "สำนักงานสถิติแห่งชาติ",
    "สถาบันวิจัยเพื่อการพัฒนาประเทศไทย",
)
_TH_HOSTS = ("www.mfa.go.th", "www.nesdc.go.th", "www.ditp.go.th", "www.nso.go.th", "tdri.or.th")


# --------------------------------------------------------------------------- spec


@dataclass
class Spec:
    """Everything that decides how one document looks; the content is drawn from `seed`.

    Lengths are in cm, sizes in pt. Both producers honour every field except two: `lo_columns`
    is LibreOffice's choice between page and section columns (Chromium has only CSS columns),
    and `notes` must be "manual" for Chromium, which has no footnote area. Written beside each
    PDF as NAME.spec.json; `Spec.from_dict` reads it back."""

    name: str
    producer: Producer
    font: str
    seed: int
    size_pt: float = 16.0
    justify: bool = True
    line_spacing: float = 1.15  # multiple of the font's line height
    margin_cm: float = 2.0
    first_indent_cm: float = 1.0
    para_gap_pt: float = 4.0
    page_size: Literal["A4", "Letter"] = "A4"
    heading_bold: bool = True
    heading_scale: float = 1.25
    heading_align: Literal["left", "center"] = "left"
    heading_numbering: Literal["none", "dot", "chapter", "part", "thai"] = "none"
    english_headings: float = 0.15  # share of sections whose heading is the English topic name
    show_title: bool = False
    columns: int = 1
    column_gap_cm: float = 0.8
    lo_columns: Literal["page", "section"] = "page"  # LibreOffice: columns of the page or of a section
    header_text: str = ""
    page_numbers: Literal["none", "top", "bottom"] = "none"
    page_number_align: Literal["center", "right"] = "center"
    page_format: str = "{n}"
    page_start: int = 1
    notes: NoteMode = "footnote"
    notes_heading: str = "เชิงอรรถ"
    notes_style: Literal["plain", "dot", "bracket", "sup"] = "plain"
    n_sections: int = 5
    paras_per_section: tuple[int, int] = (1, 3)
    max_para_chars: int = 1600
    body_chars: int = 7000  # stop adding sections past this many body characters
    markers_per_para: float = 1.2  # mean number of note markers in a paragraph
    lead_paragraph: bool = False  # a paragraph before the first heading (section "")

    @classmethod
    def from_dict(cls, d: dict) -> Spec:
        """A spec from its JSON (lists back to tuples), to print a document again."""
        d = dict(d)
        d["paras_per_section"] = tuple(d.get("paras_per_section", (1, 3)))
        return cls(**d)


def draw_specs(n: int, seed: int, producer: str = "both", prefix: str | None = None) -> list[Spec]:
    """n varied specs from one seed: fonts go round a shuffled list (every font in 9 documents),
    producers alternate for "both" and go round LibreOffice, Chromium and XeLaTeX for "all";
    each draw stays inside what a real document would use."""
    rng = random.Random(seed)
    fonts = list(FONTS)
    rng.shuffle(fonts)
    prefix = f"gen{seed}-" if prefix is None else prefix
    specs = []
    for i in range(n):
        prod: Producer
        if producer == "both":
            prod = ("lo", "chrome")[i % 2]
        elif producer == "all":  # shifted each round of fonts, so every font meets every producer
            prod = ("lo", "chrome", "tex")[(i + i // len(fonts)) % 3]
        else:
            prod = producer  # type: ignore[assignment]
        font = fonts[i % len(fonts)]
        columns = 2 if rng.random() < 0.3 else 1
        gap = rng.choice((0.6, 0.8, 1.0, 1.25))
        size = rng.choice((14.0, 14.5, 15.0, 15.5, 16.0, 16.0, 17.0, 18.0))
        if columns == 2:
            size = min(size, 15.0)
        bold = rng.random() < 0.8
        scale = rng.choice((1.0, 1.15, 1.25, 1.4, 1.6)) if bold else rng.choice((1.25, 1.4, 1.6))
        pages: Literal["none", "top", "bottom"] = rng.choice(("none", "bottom", "bottom", "top"))
        if prod == "lo":
            notes: NoteMode = rng.choices(("footnote", "endnote", "manual"), weights=(6, 1, 2))[0]
        elif prod == "tex":
            notes = rng.choices(("footnote", "manual"), weights=(3, 1))[0]
        else:
            notes = "manual"
        specs.append(
            Spec(
                name=f"{prefix}{i + 1:02d}-{prod}-{font.lower()}",
                producer=prod,
                font=font,
                seed=rng.randrange(1 << 30),
                size_pt=size,
                justify=rng.random() < 0.65,
                line_spacing=rng.choice((1.0, 1.1, 1.15, 1.25, 1.4, 1.5)),
                margin_cm=rng.choice((1.5, 2.0, 2.0, 2.54, 3.0)),
                first_indent_cm=rng.choice((0.0, 0.0, 0.75, 1.0, 1.25)),
                para_gap_pt=rng.choice((0.0, 3.0, 6.0, 8.0)),
                page_size=rng.choice(("A4", "A4", "Letter")),
                heading_bold=bold,
                heading_scale=scale,
                heading_align=rng.choice(("left", "left", "left", "center")),
                heading_numbering=rng.choice(("none", "none", "dot", "dot", "chapter", "part", "thai")),
                english_headings=rng.choice((0.0, 0.0, 0.15, 0.3)),
                show_title=rng.random() < 0.5,
                columns=columns,
                column_gap_cm=gap,
                lo_columns=rng.choice(("page", "section")),
                header_text=rng.choice(HEADER_TEXTS) if rng.random() < 0.5 else "",
                page_numbers=pages,
                page_number_align=rng.choice(("center", "right")),
                page_format=rng.choice(PAGE_FORMATS),
                page_start=rng.choice((1, 1, 1, 5, 23, 121, 307)) if pages != "none" else 1,
                notes=notes,
                notes_heading=rng.choice(NOTES_HEADINGS),
                notes_style=rng.choice(("plain", "dot", "bracket", "sup")),
                n_sections=rng.randint(3, 7),
                paras_per_section=rng.choice(((1, 2), (1, 3), (2, 4))),
                max_para_chars=rng.choice((900, 1600, 2400)),
                body_chars=rng.choice((4000, 6000, 8000, 10000)),
                markers_per_para=rng.choice((0.6, 1.0, 1.5, 2.2)),
                lead_paragraph=rng.random() < 0.3,
            )
        )
        if specs[-1].notes == "footnote":
            # Writer drops or cuts footnotes cited inside a section set in columns (LibreOffice
            # 7.4: one note not printed, the next cut short), so the gold would not be what is
            # printed; page columns carry footnotes well.
            specs[-1].lo_columns = "page"
    return specs


# --------------------------------------------------------------------------- content


def clean_text(s: str) -> str:
    """One line of printable text: NFC, SARA AM as one code point, no zero-width or control
    characters, single spaces (both producers collapse runs of spaces, so the gold must too)."""
    s = unicodedata.normalize("NFC", s).replace("\u0e4d\u0e32", "\u0e33")
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\t\n")
    return " ".join(s.split())


@dataclass
class TextSource:
    """A run of paragraphs about one thing, with the heading(s) it may print under."""

    key: str  # stable id (used to split the pool into disjoint halves)
    heading_th: str
    heading_en: str
    paragraphs: list[str]


@dataclass
class TextPool:
    """The Thai text documents are made of: sources (heading + paragraphs) and note texts."""

    sources: list[TextSource]
    references: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, xquad_jsonl: Path, article_text: str | None = None) -> TextPool:
        """XQuAD Thai paragraphs grouped by article title, plus the repaired article split into
        its sections and its numbered references (used as note texts as they are printed there)."""
        groups: dict[str, list[str]] = {}
        for line in Path(xquad_jsonl).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                groups.setdefault(row["title"], []).append(clean_text(row["text"]))
        sources = [
            TextSource(f"xq:{t}", THAI_TOPICS.get(t, t.replace("_", " ")), t.replace("_", " "), ps)
            for t, ps in groups.items()
        ]
        refs: list[str] = []
        if article_text:
            art, refs = split_article(article_text)
            sources += art
        return cls(sources, refs)

    @classmethod
    def from_project(cls, root: Path) -> TextPool:
        """The project's test corpus and its shipped article, repaired as `rag clean` repairs it
        (the raw article has broken glyphs)."""
        from rag.document.reading import decode_text
        from rag.repair.text import repair_document

        root = Path(root)
        path = root / "corpus" / "tech-diplomacy-th.txt"
        article = repair_document(decode_text(path.read_bytes(), str(path))).text if path.exists() else None
        return cls.load(root / "tests" / "data" / "xquad_th" / "corpus.jsonl", article)

    def split(self, part: str) -> TextPool:
        """Half of the pool ("a" or "b", by a hash of each source's key; references by their
        text) so that two generated sets share no paragraph; "all" is the whole pool."""
        if part == "all":
            return self
        want = 0 if part == "a" else 1
        return TextPool(
            [s for s in self.sources if zlib.crc32(s.key.encode()) % 2 == want],
            [r for r in self.references if zlib.crc32(r.encode()) % 2 == want],
        )


def split_article(text: str) -> tuple[list[TextSource], list[str]]:
    """Sections and references of the repaired article, from its blank-line separated blocks.

    A block is a heading when it is short Thai with a colon, or a short unspaced Thai phrase;
    a block that starts with a number and a space is a reference (blocks without Thai that
    follow it are its wrapped lines); a short other block is the tail of a paragraph cut by a
    page break and is joined back to it."""
    blocks = [clean_text(b) for b in re.split(r"\n\s*\n", text) if b.strip()]
    sources: list[TextSource] = []
    refs: list[str] = []
    cur = TextSource("art:0", "บทนำ", "Introduction", [])
    last = ""
    for b in blocks:
        thai = bool(re.search(r"[\u0e01-\u0e4f]", b))
        if re.match(r"\d{1,2} \S", b) and (len(b) < 700):
            refs.append(b.split(" ", 1)[1])
            last = "ref"
        elif not thai and last == "ref":
            refs[-1] += " " + b
        elif (
            thai
            and len(b) <= 60
            and not re.match(r"\d", b)
            and ((":" in b) or (" " not in b and 12 < len(b) <= 45))
        ):
            if cur.paragraphs:
                sources.append(cur)
            cur = TextSource(f"art:{len(sources) + 1}", b, b, [])
            last = "head"
        elif len(b) < 150 and cur.paragraphs:
            cur.paragraphs[-1] += " " + b
            last = "body"
        else:
            cur.paragraphs.append(b)
            last = "body"
    if cur.paragraphs:
        sources.append(cur)
    return sources, [clean_text(r) for r in refs]


@dataclass
class GoldParagraph:
    """One printed body paragraph: its text without markers and its (offset, note number) pairs."""

    section: str
    text: str
    markers: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class GoldDocument:
    """The content of one document; `gold()` is its ground truth in the benchmark's format."""

    name: str
    title: str
    show_title: bool
    sections: list[str]
    paragraphs: list[GoldParagraph]
    notes: dict[int, str]

    def gold(self) -> dict:
        """Benchmark format; the title is the printed one, or the file's name when none is
        printed (as in shared/bench/pdf_real)."""
        return {
            "title": self.title if self.show_title else self.name,
            "sections": list(self.sections),
            "paragraphs": [{"section": p.section, "text": p.text} for p in self.paragraphs],
            "footnotes": {str(n): t for n, t in self.notes.items()},
            "markers": [[i, n, off] for i, p in enumerate(self.paragraphs) for off, n in p.markers],
        }

    def pieces(self, p: GoldParagraph) -> list[tuple[str, int | None]]:
        """A paragraph cut at its markers: [(text, note number after it or None)]."""
        out: list[tuple[str, int | None]] = []
        pos = 0
        for off, n in sorted(p.markers):
            out.append((p.text[pos:off], n))
            pos = off
        out.append((p.text[pos:], None))
        return out


def _thai_number(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))


def _heading(i: int, text: str, style: str) -> str:
    return {
        "none": text,
        "dot": f"{i}. {text}",
        "chapter": f"บทที่ {i} {text}",
        "part": f"ส่วนที่ {i}: {text}",
        "thai": f"{_thai_number(i)}. {text}",
    }[style]


def _cut(text: str, limit: int, rng: random.Random) -> list[str]:
    """Long source paragraphs cut at a space near `limit` so a page holds one or two of them,
    yet many still run across a page break."""
    out = []
    while len(text) > limit * 1.3:
        at = text.rfind(" ", int(limit * 0.6), int(limit * rng.uniform(0.8, 1.1)))
        if at <= 0:
            break
        out.append(text[:at].strip())
        text = text[at + 1 :]
    out.append(text.strip())
    return [t for t in out if t]


def make_reference(rng: random.Random, topic: str, topic_en: str) -> str:
    """A note text in the shapes Thai papers use: Thai and English citations with authors, years,
    pages and URLs, short notes ("อ้างแล้ว", "Ibid.") that test the 3% tolerance of the scorer, and
    now and then a Japanese or Chinese title: the TLWG fonts have no CJK glyphs, so these print
    as empty boxes and some extractors give NUL characters for them, as in real Thai papers."""
    be = rng.randint(2545, 2567)
    year = be - 543
    day = rng.randint(1, 28)
    slug = re.sub(r"\W+", "-", topic_en.lower()).strip("-") or "report"
    k = rng.randrange(11)
    if k == 0:
        i = rng.randrange(len(_TH_ORGS))
        return (
            f"{_TH_ORGS[i]}, “รายงานสถานการณ์{topic} ประจำปี {be},” {be}, "
            f"https://{_TH_HOSTS[i]}/th/content/{slug}-{be}"
        )
    if k == 1:
        return (
            f"{rng.choice(_TH_ORGS)}. ({be}). {topic}: ข้อเสนอเชิงนโยบาย. กรุงเทพฯ: "
            f"โรงพิมพ์แห่งจุฬาลงกรณ์มหาวิทยาลัย, หน้า {rng.randint(5, 90)}–{rng.randint(91, 300)}."
        )
    if k == 2:
        url = "https://th.wikipedia.org/wiki/" + topic.replace(" ", "_")
        return f"สืบค้นข้อมูลเรื่อง{topic}เมื่อวันที่ {day} {rng.choice(_TH_MONTHS)} {be} จาก {url}"
    if k == 3:
        return f"อ้างแล้ว, หน้า {rng.randint(3, 250)}."
    if k == 4:
        return f"ในที่นี้หมายถึง{topic}ในความหมายกว้าง ซึ่งครอบคลุมทั้งมิติทางประวัติศาสตร์และสังคม"
    if k == 5:
        return (
            f"{rng.choice(_AUTHORS)} ({year}). {topic_en}: A Review of the Evidence. Journal of "
            f"Southeast Asian Studies, {rng.randint(3, 40)}({rng.randint(1, 4)}), {rng.randint(1, 99)}–"
            f"{rng.randint(100, 300)}. https://doi.org/10.{rng.randint(1000, 9999)}/{slug}.{year}"
        )
    if k == 6:
        return (
            f"{rng.choice(_ORGS)}. ({year}, {rng.choice(_EN_MONTHS)} {day}). {topic_en} Fact Sheet. "
            f"https://www.example.org/{year}/{slug}"
        )
    if k == 7:
        page = rng.randint(2, 400)
        return f"See {rng.choice(_AUTHORS)}, {topic_en} (Bangkok: Silkworm Books, {year}), {page}."
    if k == 8:
        return f"Ibid., p. {rng.randint(2, 120)}."
    if k == 10:
        if rng.random() < 0.5:
            return (
                f"外務省 (Ministry of Foreign Affairs of Japan). ({year}). 外交青書 {year} "
                f"[Diplomatic Bluebook {year}]. https://www.mofa.go.jp/mofaj/gaiko/bluebook/{year}/"
            )
        return f"中华人民共和国外交部. ({year}). 《{topic_en}》相关资料. https://www.mfa.gov.cn/web/{year}/{slug}"
    return f"ดูรายละเอียดเพิ่มเติมใน {rng.choice(_AUTHORS)} ({year}) และ {rng.choice(_TH_ORGS)} ({be})"


def _marker_offsets(text: str, k: int, rng: random.Random) -> list[int]:
    """Up to k places a note marker stands: the end of a word before a space (after Thai, a Latin
    word, a number or a closing bracket), or the end of the paragraph."""
    cands = [i for i, ch in enumerate(text) if ch == " " and i > 15 and text[i - 1] not in "(“‘-–—:,"]
    cands.append(len(text))
    picks = sorted(rng.sample(cands, min(k, len(cands))))
    out: list[int] = []
    for off in picks:  # two markers never side by side
        if not out or off - out[-1] > 20:
            out.append(off)
    return out


def compose(spec: Spec, pool: TextPool) -> GoldDocument:
    """The document's content, from spec.seed: sections of consecutive source paragraphs,
    note markers at word ends numbered continuously through the document, a note per marker."""
    rng = random.Random(spec.seed)
    srcs = rng.sample(pool.sources, min(spec.n_sections + 1, len(pool.sources)))
    paragraphs: list[GoldParagraph] = []
    sections: list[str] = []
    notes: dict[int, str] = {}
    lead = spec.lead_paragraph and spec.show_title
    title_src = srcs[0]
    title = rng.choice(TITLE_PATTERNS).format(
        t=title_src.heading_th if rng.random() < 0.8 else title_src.heading_en
    )
    number = 0
    for si, src in enumerate(srcs[: spec.n_sections + (1 if lead else 0)]):
        if si > 1 and sum(len(p.text) for p in paragraphs) >= spec.body_chars:
            break
        paras: list[str] = []
        for raw in src.paragraphs:
            paras += _cut(raw, spec.max_para_chars, rng)
        lo, hi = spec.paras_per_section
        k = min(len(paras), rng.randint(lo, hi))
        start = rng.randrange(len(paras) - k + 1)
        chosen = paras[start : start + k] if not (lead and si == 0) else paras[:1]
        if lead and si == 0:
            heading = ""
        else:
            text = src.heading_en if rng.random() < spec.english_headings else src.heading_th
            heading = _heading(number + 1, text, spec.heading_numbering)
            if heading in sections:
                continue
            number += 1
            sections.append(heading)
        for t in chosen:
            paragraphs.append(GoldParagraph(heading, t))
    n = 0
    refs = rng.sample(pool.references, len(pool.references))  # the article's, each used once at most
    for par in paragraphs:
        k = min(4, int(rng.expovariate(1 / spec.markers_per_para) + 0.5)) if spec.markers_per_para else 0
        for off in _marker_offsets(par.text, k, rng):
            n += 1
            par.markers.append((off, n))
            src = rng.choice(pool.sources)
            if refs and rng.random() < 0.35:
                notes[n] = refs.pop()
            else:
                notes[n] = make_reference(rng, src.heading_th, src.heading_en)
    return GoldDocument(spec.name, title, spec.show_title, sections, paragraphs, notes)


def _note_label(n: int, style: str) -> str:
    return {"plain": f"{n} ", "dot": f"{n}. ", "bracket": f"[{n}] ", "sup": ""}[style]


# --------------------------------------------------------------------------- LibreOffice

_NS = " ".join(
    f'xmlns:{k}="{v}"'
    for k, v in {
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
        "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
        "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
        "dc": "http://purl.org/dc/elements/1.1/",
        "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    }.items()
)

PAGE_CM = {"A4": (21.0, 29.7), "Letter": (21.59, 27.94)}


def _x(s: str) -> str:
    return xml_escape(s, {'"': "&quot;"})


def _font(font: str, size: float | None = None, bold: bool | None = None) -> str:
    """Text properties for all three script classes: Thai is 'complex' to LibreOffice, Latin is
    'western'; both must name the TLWG font or the Latin words fall back to another face."""
    a = (
        f'style:font-name="{font}" style:font-name-asian="{font}" style:font-name-complex="{font}" '
        'fo:language="en" fo:country="US" style:language-complex="th" style:country-complex="TH"'
    )
    if size is not None:
        a += (
            f' fo:font-size="{size:g}pt" style:font-size-asian="{size:g}pt"'
            f' style:font-size-complex="{size:g}pt"'
        )
    if bold is not None:
        w = "bold" if bold else "normal"
        a += f' fo:font-weight="{w}" style:font-weight-asian="{w}" style:font-weight-complex="{w}"'
    return f"<style:text-properties {a}/>"


def to_fodt(doc: GoldDocument, spec: Spec) -> str:
    """Flat ODT of the document: real Writer footnotes/endnotes (text:note) or typed superscript
    markers with a note list, a running header and a page-number field in the page style, the
    first paragraph restarting the page count at spec.page_start, page or section columns."""
    f, size = spec.font, spec.size_pt
    w, h = PAGE_CM[spec.page_size]
    m = spec.margin_cm
    text_w = w - 2 * m
    align = "justify" if spec.justify else "start"
    hsize = round(size * spec.heading_scale, 1)
    nsize = round(max(10.0, size * 0.72), 1)
    cols = (
        f'<style:columns fo:column-count="2" fo:column-gap="{spec.column_gap_cm:g}cm"/>'
        if spec.columns == 2 and spec.lo_columns == "page"
        else ""
    )
    styles = f"""
 <office:font-face-decls>
  <style:font-face style:name="{f}" svg:font-family="{f}" style:font-pitch="variable"/>
 </office:font-face-decls>
 <office:styles>
  <style:default-style style:family="paragraph">
   <style:paragraph-properties style:writing-mode="lr-tb" fo:hyphenation-ladder-count="no-limit"/>
   {_font(f, size)}
  </style:default-style>
  <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
  <style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph"
    style:parent-style-name="Standard" style:class="text">
   <style:paragraph-properties fo:text-align="{align}" fo:text-indent="{spec.first_indent_cm:g}cm"
     fo:margin-top="0cm" fo:margin-bottom="{spec.para_gap_pt:g}pt"
     fo:line-height="{round(spec.line_spacing * 100)}%" fo:orphans="2" fo:widows="2"/>
  </style:style>
  <style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard"
    style:class="chapter">
   <style:paragraph-properties fo:text-align="center" fo:margin-bottom="12pt" fo:keep-with-next="always"/>
   {_font(f, round(size * 1.6, 1), True)}
  </style:style>
  <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph"
    style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:default-outline-level="1"
    style:class="text">
   <style:paragraph-properties fo:text-align="{"center" if spec.heading_align == "center" else "start"}"
     fo:margin-top="{round(size * 0.9)}pt" fo:margin-bottom="{round(size * 0.4)}pt"
     fo:keep-with-next="always"/>
   {_font(f, hsize, spec.heading_bold)}
  </style:style>
  <style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard"
    style:class="extra">
   <style:paragraph-properties>
    <style:tab-stops><style:tab-stop style:position="{text_w / 2:.2f}cm" style:type="center"/>
     <style:tab-stop style:position="{text_w:.2f}cm" style:type="right"/></style:tab-stops>
   </style:paragraph-properties>
   {_font(f, round(max(10.0, size * 0.7), 1))}
  </style:style>
  <style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Header"
    style:class="extra">
   <style:paragraph-properties fo:text-align="{"end" if spec.page_number_align == "right" else "center"}"/>
  </style:style>
  <style:style style:name="Footnote" style:family="paragraph" style:parent-style-name="Standard"
    style:class="extra">
   <style:paragraph-properties fo:margin-left="0.5cm" fo:text-indent="-0.5cm" fo:line-height="100%"/>
   {_font(f, nsize)}
  </style:style>
  <style:style style:name="Endnote" style:family="paragraph" style:parent-style-name="Footnote"
    style:class="extra"/>
  <style:style style:name="Note_20_list" style:display-name="Note list" style:family="paragraph"
    style:parent-style-name="Standard" style:class="extra">
   <style:paragraph-properties fo:margin-bottom="3pt" fo:line-height="100%"/>
   {_font(f, nsize)}
  </style:style>
  <style:style style:name="Footnote_20_Symbol" style:display-name="Footnote Symbol" style:family="text"/>
  <style:style style:name="Footnote_20_anchor" style:display-name="Footnote anchor" style:family="text">
   <style:text-properties style:text-position="super 58%"/>
  </style:style>
  <style:style style:name="Endnote_20_Symbol" style:display-name="Endnote Symbol" style:family="text"/>
  <style:style style:name="Endnote_20_anchor" style:display-name="Endnote anchor" style:family="text">
   <style:text-properties style:text-position="super 58%"/>
  </style:style>
  <style:style style:name="Sup" style:family="text">
   <style:text-properties style:text-position="super 58%"/></style:style>
  <text:notes-configuration text:note-class="footnote" text:citation-style-name="Footnote_20_Symbol"
    text:citation-body-style-name="Footnote_20_anchor" text:default-style-name="Footnote" style:num-format="1"
    text:start-value="0" text:footnotes-position="page" text:start-numbering-at="document"/>
  <text:notes-configuration text:note-class="endnote" text:citation-style-name="Endnote_20_Symbol"
    text:citation-body-style-name="Endnote_20_anchor" text:default-style-name="Endnote" style:num-format="1"
    text:start-value="0"/>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="pm1">
   <style:page-layout-properties fo:page-width="{w}cm" fo:page-height="{h}cm"
     style:print-orientation="portrait" style:writing-mode="lr-tb"
     fo:margin-top="{m * 0.7:.2f}cm" fo:margin-bottom="{m * 0.7:.2f}cm"
     fo:margin-left="{m}cm" fo:margin-right="{m}cm">
    {cols}
    <style:footnote-sep style:width="0.018cm" style:distance-before-sep="0.1cm"
      style:distance-after-sep="0.1cm" style:line-style="solid" style:adjustment="left"
      style:rel-width="25%" style:color="#000000"/>
   </style:page-layout-properties>
   <style:header-style><style:header-footer-properties fo:min-height="0cm"
     fo:margin-bottom="0.4cm"/></style:header-style>
   <style:footer-style><style:header-footer-properties fo:min-height="0cm"
     fo:margin-top="0.4cm"/></style:footer-style>
  </style:page-layout>
  <style:style style:name="First" style:family="paragraph" style:parent-style-name="FIRSTPARENT"
    style:master-page-name="Standard">
   <style:paragraph-properties style:page-number="{spec.page_start if spec.page_start > 1 else "auto"}"/>
  </style:style>
  <style:style style:name="Sect1" style:family="section">
   <style:section-properties text:dont-balance-text-columns="false" style:editable="false">
    <style:columns fo:column-count="2" fo:column-gap="{spec.column_gap_cm:g}cm"/>
   </style:section-properties>
  </style:style>
 </office:automatic-styles>"""
    master = _lo_master(spec)
    body = _lo_body(doc, spec)
    first_parent = (
        "Title" if doc.show_title else ("Heading_20_1" if doc.paragraphs[0].section else "Text_20_body")
    )
    styles = styles.replace("FIRSTPARENT", first_parent)
    meta = f"<office:meta><dc:title>{_x(doc.title)}</dc:title></office:meta>" if doc.show_title else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {_NS} office:version="1.3" '
        f'office:mimetype="application/vnd.oasis.opendocument.text">\n {meta}{styles}\n{master}\n'
        f" <office:body><office:text>\n{body}\n </office:text></office:body>\n</office:document>\n"
    )


def _page_field(spec: Spec) -> str:
    pre, _, post = spec.page_format.partition("{n}")
    return f'{_x(pre)}<text:page-number text:select-page="current">1</text:page-number>{_x(post)}'


def _lo_master(spec: Spec) -> str:
    """Page style: header with the running text (left) and, for top numbers, the number at the
    right or centre tab; footer with the number for bottom numbers."""
    header = footer = ""
    num = _page_field(spec)
    if spec.header_text or spec.page_numbers == "top":
        parts = _x(spec.header_text)
        if spec.page_numbers == "top":
            # a long running header reaches past the centre tab: the number goes right then
            right = spec.page_number_align == "right" or bool(spec.header_text)
            parts += "<text:tab/>" * (2 if right else 1) + num
        header = f'<style:header><text:p text:style-name="Header">{parts}</text:p></style:header>'
    if spec.page_numbers == "bottom":
        footer = f'<style:footer><text:p text:style-name="Footer">{num}</text:p></style:footer>'
    return (
        ' <office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">'
        f"{header}{footer}</style:master-page></office:master-styles>"
    )


def _lo_body(doc: GoldDocument, spec: Spec) -> str:
    """The text of the document: title, headings (outline level 1, so Writer tags them as
    headings), paragraphs with their notes inline, the note list for manual notes."""
    out: list[str] = []
    first = True

    def style(name: str) -> str:
        nonlocal first
        if first:
            first = False
            return "First"
        return name

    if doc.show_title:
        out.append(f'<text:p text:style-name="{style("Title")}">{_x(doc.title)}</text:p>')
    section_open = False
    if spec.columns == 2 and spec.lo_columns == "section":
        out.append('<text:section text:style-name="Sect1" text:name="Columns">')
        section_open = True
    last = None
    for p in doc.paragraphs:
        if p.section != last and p.section:
            out.append(
                f'<text:h text:style-name="{style("Heading_20_1")}" text:outline-level="1">'
                f"{_x(p.section)}</text:h>"
            )
        last = p.section
        runs = []
        for text, n in doc.pieces(p):
            runs.append(_x(text))
            if n is None:
                continue
            if spec.notes == "manual":
                runs.append(f'<text:span text:style-name="Sup">{n}</text:span>')
            else:
                cls = spec.notes
                runs.append(
                    f'<text:note text:id="{cls[:3]}{n}" text:note-class="{cls}"><text:note-citation>{n}'
                    f'</text:note-citation><text:note-body><text:p text:style-name="'
                    f'{"Footnote" if cls == "footnote" else "Endnote"}">{_x(doc.notes[n])}</text:p>'
                    "</text:note-body></text:note>"
                )
        out.append(f'<text:p text:style-name="{style("Text_20_body")}">{"".join(runs)}</text:p>')
    if section_open:
        out.append("</text:section>")
    if spec.notes == "manual" and doc.notes:
        out.append(
            f'<text:h text:style-name="Heading_20_1" text:outline-level="1">{_x(spec.notes_heading)}</text:h>'
        )
        for n, t in doc.notes.items():
            lab = (
                f'<text:span text:style-name="Sup">{n}</text:span>'
                if spec.notes_style == "sup"
                else _x(_note_label(n, spec.notes_style))
            )
            out.append(f'<text:p text:style-name="Note_20_list">{lab}{_x(t)}</text:p>')
    return "\n".join(out)


def _kill(p: subprocess.Popen) -> None:
    """Kill a producer and every process it started (soffice forks oosplash/soffice.bin)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def convert_lo(fodts: Sequence[Path], outdir: Path, timeout: float | None = None) -> dict[Path, Path]:
    """Convert .fodt files to PDF with one soffice call (start-up is most of the cost), in a
    private profile so that a running or crashed office elsewhere cannot block it; soffice can
    hang, so the call is killed at `timeout` and the files it did not finish are retried one
    by one. Returns {fodt: pdf} for the files that were converted."""
    outdir.mkdir(parents=True, exist_ok=True)
    timeout = timeout or 60 + 15 * len(fodts)
    done: dict[Path, Path] = {}
    for fp in fodts:  # a PDF left from an earlier run must not pass for this one
        (outdir / (fp.stem + ".pdf")).unlink(missing_ok=True)

    def run(files: Sequence[Path], limit: float) -> None:
        prof = tempfile.mkdtemp(prefix="lo-profile-")
        try:
            cmd = [
                SOFFICE,
                f"-env:UserInstallation=file://{prof}",
                "--headless",
                "--norestore",
                "--nologo",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                str(outdir),
                *map(str, files),
            ]
            p = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            try:
                p.wait(limit)
            except subprocess.TimeoutExpired:
                _kill(p)
                p.wait()
        finally:
            shutil.rmtree(prof, ignore_errors=True)
        for fp in files:
            pdf = outdir / (fp.stem + ".pdf")
            if pdf.exists() and pdf.stat().st_size > 0:
                done[fp] = pdf

    run(list(fodts), timeout)
    for fp in [x for x in fodts if x not in done]:
        run([fp], 90)
    return done


# --------------------------------------------------------------------------- Chromium


def natural_line_height(font: str) -> float:
    """The font's own line height in em (OS/2 typo ascender - descender + line gap; the TLWG
    fonts set USE_TYPO_METRICS, so this is what Chromium's `normal` and Writer's 100% use).
    Spacing 1.15 then means the same in both producers; the TLWG fonts run 1.57-1.98 em, so a
    plain CSS number like 1.25 would squeeze lines far tighter than any word processor does."""
    try:
        b = (FONT_DIR / f"{font}.ttf").read_bytes()
        tables = {}
        for i in range(struct.unpack_from(">H", b, 4)[0]):  # the table directory
            tag, _, offset, _ = struct.unpack_from(">4sIII", b, 12 + 16 * i)
            tables[tag] = offset
        upm = struct.unpack_from(">H", b, tables[b"head"] + 18)[0]
        asc, desc, gap = struct.unpack_from(">hhh", b, tables[b"OS/2"] + 68)  # sTypo*
        return (asc - desc + gap) / upm
    except (OSError, KeyError, struct.error):
        return 1.6


def to_html(doc: GoldDocument, spec: Spec) -> str:
    """HTML for Chromium's print-to-pdf: superscript markers and a note list under a heading at
    the end (Chromium has no footnote area); running header and page numbers as CSS page-margin
    boxes (supported since Chromium 131), the count offset by counter-reset of `page`."""
    f, size = spec.font, spec.size_pt
    small = round(max(9.0, size * 0.65), 1)
    margin = f"{spec.margin_cm * 0.9:.2f}cm {spec.margin_cm:.2f}cm"
    boxes = []
    pre, _, post = spec.page_format.partition("{n}")
    num = f'"{pre}" counter(page) "{post}"'
    box_font = f"font-family: '{f}'; font-size: {small}pt; white-space: nowrap;"
    if spec.header_text:
        head = spec.header_text.replace("\\", "\\\\").replace('"', '\\"')
        boxes.append(f'@top-left {{ content: "{head}"; {box_font} }}')
    if spec.page_numbers != "none":
        # a centred number beside a long running header would squeeze both boxes: keep it right
        align = "right" if spec.page_numbers == "top" and spec.header_text else spec.page_number_align
        pos = f"{spec.page_numbers}-{align}"
        boxes.append(f"@{pos} {{ content: {num}; {box_font} }}")
    lh = "normal" if spec.line_spacing == 1.0 else f"{natural_line_height(f) * spec.line_spacing:.3f}"
    reset = f"html {{ counter-reset: page {spec.page_start - 1}; }}" if spec.page_start > 1 else ""
    css = f"""
@page {{ size: {spec.page_size}; margin: {margin}; {" ".join(boxes)} }}
{reset}
body {{ margin: 0; font-family: '{f}'; font-size: {size}pt; line-height: {lh};
  text-align: {"justify" if spec.justify else "left"}; }}
h1 {{ font-size: {size * 1.6:.1f}pt; text-align: center; margin: 0 0 12pt; }}
h2 {{ font-size: {size * spec.heading_scale:.1f}pt; font-weight: {"bold" if spec.heading_bold else "normal"};
  text-align: {spec.heading_align}; margin: {size * 0.9:.0f}pt 0 {size * 0.4:.0f}pt; break-after: avoid; }}
p {{ margin: 0 0 {spec.para_gap_pt}pt; text-indent: {spec.first_indent_cm}cm; orphans: 2; widows: 2; }}
sup {{ font-size: 0.6em; line-height: 0; }}
.cols {{ column-count: 2; column-gap: {spec.column_gap_cm:g}cm; }}
.notes p {{ font-size: {size * 0.8:.1f}pt; text-indent: 0; text-align: left; overflow-wrap: anywhere;
  margin: 0 0 3pt; }}
"""
    parts = [
        '<!DOCTYPE html>\n<html lang="th"><head><meta charset="utf-8">',
        f"<title>{html_escape(doc.title)}</title>" if doc.show_title else "",
        f"<style>{css}</style></head><body>",
    ]
    if doc.show_title:
        parts.append(f"<h1>{html_escape(doc.title)}</h1>")
    parts.append('<div class="cols">' if spec.columns == 2 else "<div>")
    last = None
    for p in doc.paragraphs:
        if p.section != last and p.section:
            parts.append(f"<h2>{html_escape(p.section)}</h2>")
        last = p.section
        runs = []
        for text, n in doc.pieces(p):
            runs.append(html_escape(text, quote=False))
            if n is not None:
                runs.append(f"<sup>{n}</sup>")
        parts.append(f"<p>{''.join(runs)}</p>")
    parts.append("</div>")
    if doc.notes:
        parts.append(f'<div class="notes"><h2>{html_escape(spec.notes_heading)}</h2>')
        for n, t in doc.notes.items():
            lab = (
                f"<sup>{n}</sup>"
                if spec.notes_style == "sup"
                else html_escape(_note_label(n, spec.notes_style))
            )
            parts.append(f"<p>{lab}{html_escape(t, quote=False)}</p>")
        parts.append("</div>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def print_chrome(html: Path, pdf: Path, timeout: float = 90) -> bool:
    """Print one HTML file with headless Chromium in a fresh profile (no network, no header or
    footer of its own); killed at `timeout`. True when the PDF was written."""
    pdf.unlink(missing_ok=True)
    prof = tempfile.mkdtemp(prefix="chrome-profile-")
    try:
        cmd = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={prof}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        p = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill(p)
            p.wait()
    finally:
        shutil.rmtree(prof, ignore_errors=True)
    return pdf.exists() and pdf.stat().st_size > 0


# --------------------------------------------------------------------------- extraction and checks


def extract(pdf: Path, route: str) -> str:
    """The text a user gets from one extractor, made as shared/bench/pdf_real made its files
    (byte-identical on its four dev PDFs)."""
    if route == "pdftotext":
        return subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120
        ).stdout
    if route == "pypdf":
        import pypdf

        return "\n\f\n".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages)
    if route == "pdfminer":
        from pdfminer.high_level import extract_text

        return extract_text(str(pdf))
    if route == "pdfium":
        import pypdfium2

        doc = pypdfium2.PdfDocument(str(pdf))
        try:
            pages = []
            for page in doc:
                tp = page.get_textpage()
                pages.append(tp.get_text_range())
                tp.close()
                page.close()
            return "\n\f\n".join(pages)
        finally:
            doc.close()
    raise ValueError(route)


def squash(s: str) -> str:
    return "".join(s.split())


def gold_cer(gold: dict, text: str, window: int = 0) -> float:
    """Share of gold body characters an extractor's text gets wrong: each paragraph aligned
    inside the whole text (edlib infix, whitespace removed), as score_pdf.py --raw does.

    With `window`, each paragraph is aligned in pieces of that many characters instead, so
    text printed inside a paragraph's run (the footnotes, header and page number of a page
    break it crosses) costs nothing: what is left is whether the gold text is printed at all
    and how the extractor spells it -- the check that a gold file is right."""
    import edlib

    body = squash(text)
    edits = chars = 0
    for p in gold["paragraphs"]:
        q = squash(p["text"])
        chars += len(q)
        for piece in [q[i : i + window] for i in range(0, len(q), window)] if window else [q]:
            if piece:
                edits += edlib.align(piece, body, mode="HW")["editDistance"] if body else len(piece)
    return edits / max(1, chars)


# --------------------------------------------------------------------------- generation


@dataclass
class Result:
    """What came of one spec: the PDF (None when the producer failed), page count, seconds."""

    spec: Spec
    pdf: Path | None
    pages: int = 0
    seconds: float = 0.0
    cer: dict[str, float] = field(default_factory=dict)  # as score_pdf.py --raw, per extractor
    cer_pieces: dict[str, float] = field(default_factory=dict)  # gold_cer(window=40): is the gold printed


def page_count(pdf: Path) -> int:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return len(doc)
    finally:
        doc.close()


def generate(
    outdir: Path,
    specs: Iterable[Spec],
    pool: TextPool,
    extractors: Sequence[str] = EXTRACTORS,
    check: bool = True,
    jobs: int = 4,
    keep_source: bool = False,
) -> list[Result]:
    """Write NAME.pdf, NAME.gold.json, NAME.spec.json and NAME.<extractor>.txt for every spec.

    LibreOffice documents are converted in one soffice call, Chromium ones in parallel; the
    time per document is the producer's share plus its own extraction. With `check`, each
    extractor's text is scored against the gold (gold_cer) so a document whose printed text
    differs from its gold shows up at once."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    specs = list(specs)
    docs = {s.name: compose(s, pool) for s in specs}
    work = Path(tempfile.mkdtemp(prefix="thai-pdfs-"))
    results: dict[str, Result] = {}
    try:
        lo = [s for s in specs if s.producer == "lo"]
        if lo:
            t0 = time.perf_counter()
            srcs = []
            for s in lo:
                fp = work / f"{s.name}.fodt"
                fp.write_text(to_fodt(docs[s.name], s), encoding="utf-8")
                srcs.append(fp)
            done = convert_lo(srcs, outdir)
            share = (time.perf_counter() - t0) / len(lo)
            for s, fp in zip(lo, srcs, strict=True):
                results[s.name] = Result(s, done.get(fp), seconds=share)
                if keep_source:
                    shutil.copy(fp, outdir / fp.name)
        ch = [s for s in specs if s.producer in ("chrome", "tex")]

        def one(s: Spec) -> Result:
            t0 = time.perf_counter()
            pdf = outdir / f"{s.name}.pdf"
            if s.producer == "tex":
                fp = work / f"{s.name}.tex"
                fp.write_text(pdf_latex.to_tex(docs[s.name], s), encoding="utf-8")
                missing = pdf_latex.print_xelatex(fp, pdf)
                if missing:  # the font lacks them: printed again without, so the gold is what prints
                    docs[s.name] = pdf_latex.printed_document(docs[s.name], missing)
                    fp.write_text(pdf_latex.to_tex(docs[s.name], s), encoding="utf-8")
                    missing = pdf_latex.print_xelatex(fp, pdf)
                ok = missing is not None
            else:
                fp = work / f"{s.name}.html"
                fp.write_text(to_html(docs[s.name], s), encoding="utf-8")
                ok = print_chrome(fp, pdf)
            if keep_source:
                shutil.copy(fp, outdir / fp.name)
            return Result(s, pdf if ok else None, seconds=time.perf_counter() - t0)

        with ThreadPoolExecutor(max(1, jobs)) as ex:
            for r in ex.map(one, ch):
                results[r.spec.name] = r
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = []
    for s in specs:
        r = results[s.name]
        out.append(r)
        if r.pdf is None:
            print(f"{s.name}: producer failed", file=sys.stderr)
            continue
        t0 = time.perf_counter()
        gold = docs[s.name].gold()
        (outdir / f"{s.name}.gold.json").write_text(
            json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        (outdir / f"{s.name}.spec.json").write_text(
            json.dumps(asdict(s), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        r.pages = page_count(r.pdf)
        for route in extractors:
            try:
                text = extract(r.pdf, route)
            except Exception as e:  # noqa: BLE001 -- an extractor crashing on a file is a finding, not a stop
                print(f"{s.name}: {route} failed: {e!r}", file=sys.stderr)
                continue
            (outdir / f"{s.name}.{route}.txt").write_text(text, encoding="utf-8")
            if check:
                r.cer[route] = gold_cer(gold, text)
                r.cer_pieces[route] = gold_cer(gold, text, window=40)
        r.seconds += time.perf_counter() - t0
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Thai PDFs with ground truth, printed by LibreOffice and Chromium."
    )
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--producer", choices=("lo", "chrome", "tex", "both", "all"), default="both")
    ap.add_argument(
        "--split",
        choices=("all", "a", "b"),
        default="all",
        help="draw text from one half of the pool only, so two sets share no paragraph",
    )
    ap.add_argument("--prefix", default=None, help="file name prefix (default gen<seed>-)")
    ap.add_argument("--keep-source", action="store_true", help="also keep the .fodt/.html printed")
    ap.add_argument("--no-check", action="store_true")
    a = ap.parse_args(argv)
    pool = TextPool.from_project(ROOT).split(a.split)
    specs = draw_specs(a.n, a.seed, a.producer, a.prefix)
    t0 = time.perf_counter()
    res = generate(a.outdir, specs, pool, check=not a.no_check, keep_source=a.keep_source)
    for r in res:
        cer = " ".join(f"{k}={100 * v:.2f}/{100 * r.cer_pieces[k]:.2f}" for k, v in r.cer.items())
        print(f"{r.spec.name:28s} pages={r.pages:2d} {r.seconds:5.1f}s CER% raw/pieces {cer}")
    print(f"{len(res)} documents in {time.perf_counter() - t0:.1f}s -> {a.outdir}")
    return 0 if all(r.pdf for r in res) else 1


if __name__ == "__main__":
    sys.exit(main())
