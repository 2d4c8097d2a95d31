"""The citation check on real passages of the shipped article, with written answers: faithful
sentences (Thai and English) pass; a wrong number, a wrong name, a claim from another passage,
no citation or a citation of no passage fail; the answer is withheld when too little holds."""

from __future__ import annotations

import zlib

import pytest

from rag.answer import Passage
from rag.generate.check import CitationChecker, cites_of, enough, split_generated
from rag.generate.entities import is_thai_name, latin_names, organisation_kinds
from rag.generate.markers import markers_in
from rag.generate.numbers import number_backed, number_words, unbacked_number_words
from rag.lexical.names import latin_skeletons, sounds_like, thai_skeleton
from rag.search import Hit

KERRY = "จอห์น เคอร์รี่"
JAPAN = "จำนวน 33 ฉบับ"
CHINA = "ค.ศ. 2027"


def passages(assistant, *needles: str) -> list[Passage]:
    out = []
    s = assistant.searcher
    for n, needle in enumerate(needles, 1):
        c = next(c for c in s.chunks if needle in c.text)
        refs = s.references.get(c.doc_id, {})
        hit = Hit(rank=n, score=0.0, chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title, section=c.section,
                  page=c.page, text=c.text, footnotes=[refs[k] for k in c.footnotes if k in refs],
                  markers=list(c.markers), similarity=None)
        out.append(Passage(n=n, hit=hit))
    return out


@pytest.fixture(scope="module")
def checker(assistant) -> CitationChecker:
    return CitationChecker(assistant.sentences)


def verdicts(checker, assistant, text, *needles):
    return checker.check(text, passages(assistant, *needles))[0]


@pytest.mark.parametrize("text", [
    "John Kerry, a former Secretary of State under President Barack Obama, said that economic policy is "
    "foreign policy [1].",
    "จอห์น เคอร์รี่ อดีตรัฐมนตรีกระทรวงการต่างประเทศสหรัฐอเมริกา กล่าวว่านโยบายเศรษฐกิจคือนโยบายการต่างประเทศ [1]",
])
def test_faithful_sentences_pass(checker, assistant, text) -> None:
    [v] = verdicts(checker, assistant, text, KERRY, JAPAN)
    assert v.supported, v
    assert v.cites == [1]


def test_a_faithful_answer_of_several_sentences_is_shown(checker, assistant) -> None:
    text = ("Japan has signed 33 bilateral science and technology cooperation agreements, in force with 47 "
            "countries and the EU [2]. Japan is a member of the International Science and Technology Center "
            "(ISTC) and takes part in ITER [2]. John Kerry said that economic policy is foreign policy. [1]")
    vs = verdicts(checker, assistant, text, KERRY, JAPAN)
    assert [v.cites for v in vs] == [[2], [2], [1]]  # a citation after the full stop belongs to its sentence
    assert all(v.supported for v in vs), vs
    assert enough(vs)


@pytest.mark.parametrize("text, why", [
    ("Japan has signed 35 bilateral science and technology agreements [2].", "35 not in [2]"),
    ("ญี่ปุ่นลงนามความร่วมมือด้านวิทยาศาสตร์และเทคโนโลยีแบบทวิภาคีจำนวน 53 ฉบับ [2]", "53 not in [2]"),
    # "Clinton" the dictionary knows, as ประธานาธิบดีคลินตัน: a name too, and neither is in [1]
    ("Hillary Clinton, a former Secretary of State, said that economic policy is foreign policy [1].",
     "Hillary Clinton not in [1]"),
    ("ฮิลลารี คลินตัน (Hillary Clinton) กล่าวว่านโยบายเศรษฐกิจคือนโยบายการต่างประเทศ [1]", "Hillary Clinton not in [1]"),
    ("Japan takes part in the international nuclear fusion reactor project [1].", "[1]"),
    ("ญี่ปุ่นเข้าร่วมโครงการเครื่องปฏิกรณ์ทดลองฟิวชันนานาชาติ [1]", "[1]"),
    ("John Kerry said that economic policy is foreign policy.", "no citation"),
    ("John Kerry said that economic policy is foreign policy [3].", "cites no such passage"),
])
def test_unfaithful_sentences_fail(checker, assistant, text, why) -> None:
    [v] = verdicts(checker, assistant, text, KERRY, JAPAN)
    assert not v.supported
    # a claim of passage [2] cited as [1]: too far from [1], or closer to [2]
    # a claim of another passage: too far from [1], its words not in [1], or closer to [2]
    assert v.why == why or (why == "[1]" and (v.why.endswith("not in [1]") or v.why == "closer to [2] than to [1]")), v


def test_a_buddhist_era_year_matches_its_common_era_one(checker, assistant) -> None:
    [v] = verdicts(checker, assistant, "เอกสาร Document 79 กำหนดเส้นตายใน พ.ศ. 2570 ให้จีนจำกัดการพึ่งพาเทคโนโลยีจากตะวันตก [1]",
                   CHINA)
    assert v.supported, v


def test_an_english_name_of_what_the_thai_text_names_in_thai_is_present(checker, assistant) -> None:
    # "Japan" and "European Union" are in the Thai passage as ญี่ปุ่น and สหภาพยุโรป
    [v] = verdicts(checker, assistant, "Japan's agreements are in force with 47 countries and the European Union [1].",
                   JAPAN)
    assert v.supported, v


def test_too_little_supported_withholds_the_answer(checker, assistant) -> None:
    text = ("Japan has signed 33 bilateral science and technology agreements [2]. Japan has 99 agreements [2]. "
            "Hillary Clinton visited Japan [2].")
    vs = verdicts(checker, assistant, text, KERRY, JAPAN)
    assert [v.supported for v in vs] == [True, False, False]
    assert not enough(vs)


def test_sentences_and_citations_are_read_as_written() -> None:
    assert cites_of("a [1][3] b [2, 4] c [5-6]") == [1, 3, 2, 4, 5, 6]
    thai = "จีนใช้ STAs เป็นเครื่องมือการทูต [1] ญี่ปุ่นลงนามความตกลง 33 ฉบับ [2]"
    assert split_generated(thai) == ["จีนใช้ STAs เป็นเครื่องมือการทูต [1]", "ญี่ปุ่นลงนามความตกลง 33 ฉบับ [2]"]
    assert split_generated("One claim. [1] Another claim [2].") == ["One claim [1].", "Another claim [2]."]


class Counting:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.queries: list[str] = []
        self.passages: list[str] = []

    def encode_queries(self, texts):
        self.queries += list(texts)
        return self.encoder.encode_queries(texts)

    def encode_passages(self, texts):
        self.passages += list(texts)
        return self.encoder.encode_passages(texts)


def test_the_check_reads_stored_passage_vectors_and_encodes_sentences_as_they_are_written(assistant) -> None:
    """The passages' sentences come from the index; each generated sentence is encoded once,
    while the model writes on (the last one when its citation comes), so nothing is left to
    encode after the last token (a sentence with no citation fails without being encoded)."""
    text = ("Japan has signed 33 bilateral science and technology cooperation agreements, in force with 47 "
            "countries and the EU [2]. Japan is a member of the International Science and Technology Center "
            "(ISTC) and takes part in ITER [2]. John Kerry said that economic policy is foreign policy [1].")
    ps = passages(assistant, KERRY, JAPAN)
    counting = Counting(assistant.searcher.embedder)
    fast = CitationChecker(counting, stored=assistant.gate.view.sentence_vectors_of,
                           dictionary=assistant.gate.view.dictionary)
    for end in range(1, len(text) + 1):  # the text as a stream of one-character pieces
        fast.prepare(text[:end])
    written = list(counting.queries)
    assert len(written) == 3 and not counting.passages  # all three done while writing; no passage encoded
    got, _ = fast.check(text, ps)
    assert len(counting.queries) == 3  # nothing encoded after the last token
    more = text + " Japan takes part in ITER."  # a last sentence without citation: not encoded at all
    fast.check(more, ps)
    assert len(counting.queries) == 3
    slow, _ = CitationChecker(assistant.searcher.embedder).check(text, ps)  # everything encoded at the end
    assert [v.supported for v in got] == [v.supported for v in slow] == [True, True, True]
    assert all(abs(a.similarity - b.similarity) < 0.01 for a, b in zip(got, slow, strict=True))


# A Thai passage that names people and places only in Thai letters (written for the test).
TESLA = ("หลังออกจากบริษัทของเอดิสัน เทสลาก็ร่วมหุ้นกับนักธุรกิจสองคนในปี 1886 คือ โรเบิร์ต เลน และเบนจามิน เวล "
         "ทั้งสองคนสนับสนุนเงินทุนแก่บริษัทผลิตหลอดไฟฟ้าในสหรัฐอเมริกา และต่อมาเทสลาเดินทางไปสวีเดน")


def thai_passage(text: str) -> list[Passage]:
    # the checker keeps what it read of a passage under its chunk id: one id per text
    hit = Hit(rank=1, score=0.0, chunk_id=f"test#{zlib.crc32(text.encode())}", doc_id="test", title="test",
              section="", page=None, text=text, footnotes=[])
    return [Passage(n=1, hit=hit)]


@pytest.fixture(scope="module")
def rules() -> CitationChecker:
    """The check's rules alone (no similarity: each verdict is asked with a passing one)."""
    return CitationChecker(encoder=None)


@pytest.mark.parametrize("text", [
    "After leaving Edison's company, Tesla partnered with Robert Lane and Benjamin Vail in 1886 [1].",
    "Tesla's partners funded a light bulb company in the United States, and Tesla later went to Sweden [1].",
    "Tesla later travelled to Swedish territory [1].",  # a nationality adjective for the country the text names
    "เทสลาร่วมหุ้นกับ Robert Lane และ Benjamin Vail ในปี 1886 [1]",  # Latin names in a Thai sentence
])
def test_a_name_written_in_thai_letters_is_found(rules, text) -> None:
    v = rules.check_sentence(text, thai_passage(TESLA), sim=0.95)
    assert v.supported, v


@pytest.mark.parametrize("text, missing", [
    ("After leaving Edison's company, Tesla partnered with Robert Lane and Benjamin Franklin in 1886 [1].",
     "Franklin"),
    ("After leaving the company of George Westinghouse, Tesla partnered with two businessmen in 1886 [1].",
     "George Westinghouse"),
    # words the dictionary knows, as a name: a country, a nationality
    ("Tesla's partners funded a light bulb company in Germany [1].", "Germany"),
    ("Tesla later went to Finland, where he partnered with two Finnish businessmen [1].", "Finland"),
    ("เทสลาร่วมหุ้นกับ John Pierpont Morgan ในปี 1886 [1]", "John Pierpont Morgan"),
])
def test_a_wrong_name_is_not_found(rules, text, missing) -> None:
    v = rules.check_sentence(text, thai_passage(TESLA), sim=0.95)
    assert not v.supported
    assert v.why == f"{missing} not in [1]", v


def test_a_common_word_capitalised_is_left_to_the_similarity(rules) -> None:
    # "Bush" (ไม้พุ่ม) and "Ministry" translate Thai words; only names must be found
    v = rules.check_sentence("The Ministry funded Tesla's light bulb company [1].", thai_passage(TESLA), sim=0.95)
    assert v.supported, v


def test_names_sound_alike_across_scripts() -> None:
    assert thai_skeleton("เคอร์รี่") in latin_skeletons("Kerry")
    assert thai_skeleton("ทรัมป์") in latin_skeletons("Trump")  # the silenced ป์ is Trump's p
    assert any(sounds_like(s, thai_skeleton("แมนนิง")) for s in latin_skeletons("Manning"))
    assert not any(sounds_like(s, thai_skeleton("แมนนิง")) for s in latin_skeletons("Brady"))


def test_name_runs_end_at_a_lower_case_word() -> None:
    assert latin_names("Temujin married Borte of the Tatar tribe") == [["Temujin"], ["Borte"], ["Tatar"]]
    assert latin_names("under President Barack Obama, said") == [["President", "Barack", "Obama"]]


def test_a_function_word_opening_a_sentence_is_no_name(rules) -> None:
    # WordNet knows no conjunctions: "Because" read as an unknown word, hence a name to find
    assert latin_names("Because Article 9 limits Japan, Although May") == [["Japan"], ["May"]]
    v = rules.check_sentence("Because the EU adopted the GDPR, personal data is protected [1].", thai_passage(EU),
                             sim=0.95)
    assert v.supported, v


# A Thai passage that states what the EU does, and nothing it abolished, banned, must do or leads
# in (written for the test).
EU = ("สหภาพยุโรปออกกฎหมาย GDPR เพื่อคุ้มครองข้อมูลส่วนบุคคล และส่งเสริมบริษัทสตาร์ทอัพด้าน AI "
      "ให้ลดการพึ่งพาเทคโนโลยีจากต่างประเทศ")


@pytest.mark.parametrize("text", [
    "The EU adopted the GDPR to protect personal data [1].",
    "The EU encourages AI start-ups to reduce their dependence on foreign technology [1].",  # ลด backs "reduce"
    "สหภาพยุโรปส่งเสริมสตาร์ทอัพด้าน AI ให้ลดการพึ่งพาเทคโนโลยีต่างประเทศ [1]",
    "First, the EU adopted the GDPR to protect personal data [1].",  # orders the answer, claims nothing
])
def test_a_sentence_whose_claim_words_the_passage_backs_is_kept(rules, text) -> None:
    v = rules.check_sentence(text, thai_passage(EU), sim=0.95)
    assert v.supported, v


@pytest.mark.parametrize("text, word", [
    ("The EU plans to abolish the GDPR to help its start-ups compete [1].", "abolish"),
    ("The EU should ban foreign technology in AI start-ups [1].", "should"),
    ("The EU is the largest investor in AI start-ups [1].", "largest"),
    ("The GDPR has become irrelevant to AI start-ups [1].", "irrelevant"),
    ("สหภาพยุโรปยกเลิก GDPR เพื่อช่วยบริษัทสตาร์ทอัพด้าน AI [1]", "ยกเลิก"),
    ("สหภาพยุโรปห้ามบริษัทสตาร์ทอัพใช้เทคโนโลยีจากต่างประเทศ [1]", "ห้าม"),
])
def test_a_claim_the_passage_has_no_word_for_is_rejected(rules, text, word) -> None:
    # on the passage's topic and in its words, so close to it by similarity (given here as 0.95)
    v = rules.check_sentence(text, thai_passage(EU), sim=0.95)
    assert not v.supported
    assert v.why == f"{word} not in [1]", v


def test_claim_words_are_read_in_their_inflections_and_not_in_names() -> None:
    # one word a class: "scrapped" is the ending "banned" already stands for
    assert [(m.word, m.kind) for m in markers_in("The EU banned it, then scrapped it and is reducing aid")] == [
        ("banned", "ending"), ("reducing", "decrease")]
    assert markers_in("UN Secretary-General Ban Ki-moon met the Most Favoured Nation delegates") == []
    assert markers_in("ความร่วมมือแบบเดียวกันที่ถูกต้อง") == []  # เดียวกัน "same", ถูกต้อง "correct": no claim words


# A Thai passage naming organisations by their Thai kinds, a city and a country (written for the test).
SUPPLY = ("รายงานฉบับนี้จัดทำโดยสภาความมั่นคงแห่งชาติของสหรัฐอเมริการ่วมกับกระทรวงพาณิชย์ เพื่อเสริมสร้าง"
          "ห่วงโซ่อุปทานเซมิคอนดักเตอร์ โดยมีโรงงานแห่งใหม่ในเมืองซีแอตเทิลและในประเทศเม็กซิโก "
          "ผู้เขียนสำเร็จการศึกษาจากมหาวิทยาลัยฮาร์เวิร์ด")


@pytest.mark.parametrize("text", [
    "The report was written by the US National Security Council with the Department of Commerce [1].",
    "The ministry's report aims to strengthen the semiconductor supply chain [1].",  # a kind alone: no name
    "รายงานของสภาความมั่นคงแห่งชาติสหรัฐฯ มุ่งเสริมสร้างห่วงโซ่อุปทานเซมิคอนดักเตอร์ในเมืองซีแอตเทิล [1]",
    "ผู้เขียนรายงานห่วงโซ่อุปทานเซมิคอนดักเตอร์จบจากมหาวิทยาลัยฮาร์วาร์ด [1]",  # the passage spells it ฮาร์เวิร์ด
])
def test_organisations_and_thai_names_the_passage_holds_are_kept(rules, text) -> None:
    v = rules.check_sentence(text, thai_passage(SUPPLY), sim=0.95)
    assert v.supported, v


@pytest.mark.parametrize("text, word", [
    ("The report was written by the US National Science Foundation [1].", "foundation"),
    ("The Federal Reserve Bank wrote the report on the semiconductor supply chain [1].", "bank"),
    ("สภาความมั่นคงแห่งชาติของสหรัฐอเมริกาเสริมสร้างห่วงโซ่อุปทานเซมิคอนดักเตอร์ด้วยโรงงานในเมืองชิคาโก [1]",
     "ชิคาโก"),
    ("รายงานของสภาความมั่นคงแห่งชาติระบุว่ามีโรงงานเซมิคอนดักเตอร์แห่งใหม่ในประเทศแคนาดา [1]", "แคนาดา"),
])
def test_a_swapped_organisation_or_thai_name_is_rejected(rules, text, word) -> None:
    # one word swapped: the rest of the sentence, its vector and most of its words stay faithful
    v = rules.check_sentence(text, thai_passage(SUPPLY), sim=0.95)
    assert not v.supported
    assert v.why == f"{word} not in [1]", v


def test_which_words_name_an_organisation_or_a_place() -> None:
    assert organisation_kinds("In 2008 Japan's Ministry of Education published it") == ["ministry"]
    assert organisation_kinds("The ministry said so, and the Ministry agreed") == []
    assert organisation_kinds("The Ministry said so, and the US Department of Energy agreed") == ["department"]
    assert [w for w in ("ชิคาโก", "อาร์เจนตินา", "ไบเดน") if is_thai_name(w)] == ["ชิคาโก", "อาร์เจนตินา", "ไบเดน"]
    # dictionary words and their compounds, a shortened name, a fragment newmm cut: none
    assert not any(is_thai_name(w) for w in ("โรงแรม", "ความสัมพันธ์", "สหรัฐฯ", "อัล"))


def test_counts_written_as_words_are_numbers() -> None:
    assert number_words("Fellows in eight embassies, twenty-five experts and two-thirds of one board") == [
        ("eight", 8), ("twenty-five", 25)]
    # backed in digits, as the English word, or as the Thai word a Thai text writes a count in
    assert unbacked_number_words("two approaches and six embassies", {"6"}, "สองแนวทางหลัก") == []
    assert unbacked_number_words("eight embassies", {"6"}, "สถานทูต 6 แห่ง") == ["eight"]


def test_a_wrong_count_written_as_a_word_is_rejected(rules) -> None:
    v = rules.check_sentence("The EU adopted three laws to protect personal data [1].", thai_passage(EU), sim=0.95)
    assert not v.supported
    assert v.why == "three not in [1]", v


def test_a_country_the_passage_writes_shortened_is_held(rules) -> None:
    # สหรัฐ for สหรัฐอเมริกา: the passage holds a Wikipedia title that begins the name
    passage = thai_passage("โรงงานเซมิคอนดักเตอร์แห่งใหม่ตั้งอยู่ในสหรัฐ ใกล้เมืองซีแอตเทิล และเริ่มผลิตในปี 2025")
    v = rules.check_sentence("โรงงานเซมิคอนดักเตอร์แห่งใหม่ตั้งอยู่ในสหรัฐอเมริกา ใกล้เมืองซีแอตเทิล [1]", passage, sim=0.95)
    assert v.supported, v
    v = rules.check_sentence("โรงงานเซมิคอนดักเตอร์แห่งใหม่ตั้งอยู่ในแคนาดา ใกล้เมืองซีแอตเทิล [1]", passage, sim=0.95)
    assert v.why == "แคนาดา not in [1]", v


def test_a_count_the_passage_writes_in_thai_words_is_held() -> None:
    # สิบคณะ: "10 faculties"; a year stays a year, not a Thai word
    assert number_backed("10", set(), "ถูกแบ่งออกเป็น สิบเอ็ดหน่วย—คือสิบคณะ")
    assert number_backed("11", set(), "สิบเอ็ดหน่วย")
    assert not number_backed("12", set(), "สิบเอ็ดหน่วย")
    assert number_backed("2023", {"2566"}, "")
