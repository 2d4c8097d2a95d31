"""Headings that text extractors leave no type size or weight for, told by the paragraph under
them naming them (an encyclopedia's entry, a glossary's, a report section that opens with its
subject), where the line above ran near the margin and so says nothing. Small made-up documents
shaped as pypdf and pdfminer.six write LibreOffice's pages."""

from __future__ import annotations

import pytest

from rag.document.structure import structure_document
from rag.repair.text import repair_document
from rag.repair.titles import restates

# a paragraph whose last line ends near the margin, as justified text's last line may
_BEFORE = [
    "สะพานแห่งนี้เป็นที่รู้จักในฐานะจุดชมพระอาทิตย์ตกที่มีนักท่องเที่ยว",
    "แวะมาถ่ายภาพเป็นประจำทุกวัน และยังเป็นเส้นทางหลักของผู้ที่เดิน",
    "ทางไปทำงานในเขตเมืองใหม่ซึ่งมีผู้ใช้เพิ่มขึ้นทุกปีตามลำดับมาก",
]
_AFTER = [
    "ตลาดน้ำบ้านคลองสาม เป็นตลาดที่ชาวบ้านตั้งถิ่นฐานริมคลองมาตั้งแต่",
    "สมัยก่อน พ่อค้าแม่ค้าพายเรือนำผลไม้และขนมพื้นบ้านมาขายให้ผู้มา",
    "เยือน ในช่วงเทศกาลจะมีการแสดงดนตรีพื้นเมืองที่ลานวัดใกล้เคียง",
]


def _titles(lines: list[str]) -> list[str]:
    doc = structure_document(repair_document("\n".join(lines)), doc_id="d", title="d")
    return [s.title for s in doc.sections]


def test_a_title_the_next_paragraph_restates_is_a_heading_though_the_line_above_ran_long() -> None:
    assert _titles(["สะพานแขวนเมืองท่า", *_BEFORE, "ตลาดน้ำบ้านคลองสาม", *_AFTER]) == [
        "สะพานแขวนเมืองท่า", "ตลาดน้ำบ้านคลองสาม"]
    # the same short line, not named by what follows, is the paragraph's last line
    other = ["ผู้คนจากหลายจังหวัดนิยมมาเที่ยวตลาดน้ำแห่งนี้ในวันหยุดสุดสัปดาห์", *_AFTER[1:]]
    assert _titles(["สะพานแขวนเมืองท่า", *_BEFORE, "ตลาดน้ำบ้านคลองสาม", *other]) == ["สะพานแขวนเมืองท่า"]


def test_a_title_after_a_line_that_ends_with_a_number_is_not_put_back_onto_it() -> None:
    """pypdf: `…พุทธบริษัท 4` reads as a line cut at a note number, and the short line under it
    as that line's rest; the paragraph under the short line names it, so it is a heading."""
    before = [*_BEFORE[:2], "ทางไปทำงานในเขตเมืองใหม่ซึ่งมีผู้ใช้เพิ่มขึ้นทุกปีตามลำดับ 4"]
    lines = ["สะพานแขวนเมืองท่า", *before, "ตลาดน้ำบ้านคลองสาม", *_AFTER, "", "4 อ้างแล้ว, หน้า 18."]
    doc = structure_document(repair_document("\n".join(lines)), doc_id="d", title="d")
    assert [s.title for s in doc.sections] == ["สะพานแขวนเมืองท่า", "ตลาดน้ำบ้านคลองสาม"]
    assert doc.paragraphs[1].text.startswith("ตลาดน้ำบ้านคลองสาม เป็นตลาด")


def test_the_line_that_restates_a_heading_opens_its_paragraph() -> None:
    """pdfminer.six sets the first piece of the paragraph's first line, which repeats the title,
    on a line of its own: it is no second heading, nor part of the first."""
    lines = ["สะพานแขวนเมืองท่า", *_BEFORE, "ตลาดน้ำบ้านคลองสาม", "ตลาดน้ำบ้านคลองสาม",
             "เป็นตลาดที่ชาวบ้านตั้งถิ่นฐานริมคลองมาตั้งแต่สมัยก่อนนานแล้ว", *_AFTER[1:]]
    doc = structure_document(repair_document("\n".join(lines)), doc_id="d", title="d")
    assert [s.title for s in doc.sections] == ["สะพานแขวนเมืองท่า", "ตลาดน้ำบ้านคลองสาม"]
    assert "".join(doc.paragraphs[1].text.split()).startswith("ตลาดน้ำบ้านคลองสามเป็นตลาด")


@pytest.mark.parametrize(("title", "line", "named"), [
    ("ชะมดเช็ด", "ชะมดเช็ด หรือ ชะมดเชียง (อังกฤษ: Indian civet)", True),
    ("แนวร่วมประชาชน (สิงคโปร์)", "แนวร่วมประชาชน (อังกฤษ: People's Front) เป็น", True),  # qualifier left out
    ("เซ็นทรัลพัฒนา", "บริษัท เซ็นทรัลพัฒนา จำกัด (มหาชน) เป็นบริษัท", True),  # a few letters in
    ("เพื่อน..ที่ระลึก", "พื่อน..ที่ระลึก (อังกฤษ: The Promise) เป็นภาพยนตร์", True),  # a letter lost
    ("ต้นยางนา", "ไม้ยางใหญ่ หรือ ต้นยางนา เป็นไม้ยืนต้นขนาดใหญ่", True),  # named second
    ("ภาพรวมในระดับโลก", "การทูตเชิงเศรษฐกิจ: ภาพรวมในระดับโลก", False),  # a heading ending as a title's line
    ("ประเทศไทย", "ประชาชนในเทศกาลของไทยมีมาก", False),  # the letters scattered, not a run
    ("ตลาดน้ำ", "นักท่องเที่ยวในหลายจังหวัดรู้จักตลาดน้ำที่มีชื่อ", False),  # named, but too far in
    ("ที่ดิน", "ที่ดินแปลงนี้", False),  # three letters and their marks: too short to tell
])
def test_which_lines_name_a_title(title: str, line: str, named: bool) -> None:
    assert restates(title, line) is named


def test_a_numbered_heading_that_repeats_the_title_above_is_a_heading_of_its_own() -> None:
    """XeLaTeX's title wrapped onto a second line (`คลอโรพลาสต์`) over the first numbered heading
    `ส่วนที่ 1: คลอโรพลาสต์`: the numbered line names the title's words, but it is a heading, not
    the title's paragraph, and the title's lines stay one title."""
    lines = ["รายงานการศึกษาเรื่อง", "คลอโรพลาสต์", "ส่วนที่ 1: คลอโรพลาสต์", *_BEFORE,
             "ส่วนที่ 2: ตลาดน้ำบ้านคลองสาม", *_AFTER, "ส่วนที่ 3: หอสมุดประชาชน", *_BEFORE]
    assert _titles(lines) == ["รายงานการศึกษาเรื่องคลอโรพลาสต์", "ส่วนที่ 1: คลอโรพลาสต์",
                              "ส่วนที่ 2: ตลาดน้ำบ้านคลองสาม", "ส่วนที่ 3: หอสมุดประชาชน"]


def test_a_heading_that_repeats_the_end_of_the_title_above_is_no_second_line_of_it() -> None:
    lines = ["บทความวิชาการ: ตลาดน้ำบ้านคลองสาม", "ตลาดน้ำบ้านคลองสาม", *_AFTER[1:], *_BEFORE]
    assert _titles(lines) == ["บทความวิชาการ: ตลาดน้ำบ้านคลองสาม", "ตลาดน้ำบ้านคลองสาม"]


def test_a_paragraphs_last_words_that_the_next_one_opens_with_are_no_title() -> None:
    """`…เป็นหนึ่ง` + `ในตลาดน้ำบ้านคลองสาม` over `ตลาดน้ำบ้านคลองสาม เป็นตลาด…`: the short line
    opens as a clause goes on (`ใน`), which no title does; it ends its paragraph."""
    lines = ["สะพานแขวนเมืองท่า", *_BEFORE[:2], "ในตลาดน้ำบ้านคลองสาม", *_AFTER]
    assert _titles(lines) == ["สะพานแขวนเมืองท่า"]
