"""The language stage: codes, scripts, detectors, marker words, paragraphs."""

from __future__ import annotations

import pickle

import pytest

from cleaner.document import Document
from cleaner.pipeline import StepStats
from cleaner.stages.language import backends, decide, scripts
from cleaner.stages.language import identify as detect_module
from cleaner.stages.language.backends import detectable_languages, normalize_code
from cleaner.stages.language.identify import LanguageConfig, detect
from cleaner.stages.language.step import LanguageStep
from cleaner.text.langcodes import LANGUAGE_CODES, is_valid_language

ENGLISH = (
    "Shanghai's city government said on Monday that it would speed up the building of an "
    "international green finance hub, steering private capital away from polluting industries.\n"
    "The meeting also approved a plan to modernise the collection of statistics, making more "
    "use of big data and artificial intelligence in official surveys."
)
SIMPLIFIED = (
    "上海市委副书记、市长龚正今天主持召开市政府常务会议，强调按照市委部署，持续推动上海绿色低碳"
    "循环经济发展，加快打造国际绿色金融枢纽。\n会议还研究了其他事项，要求各部门认真落实。"
)
TRADITIONAL = (
    "上海市委副書記、市長龔正今天主持召開市政府常務會議，強調按照市委部署，持續推動上海綠色低碳"
    "循環經濟發展，加快打造國際綠色金融樞紐。\n會議還研究了其他事項，要求各部門認真落實。"
)
BOKMAL = (
    "Regjeringen vil gjøre det enklere for folk å bytte jobb, og foreslår derfor endringer i "
    "reglene for arbeidsledighetstrygd. Det er viktig at flere kommer i arbeid, sier statsråden."
)


def run_step(text: str, config: LanguageConfig | None = None) -> tuple[Document, StepStats]:
    stats = StepStats("language")
    doc = LanguageStep(config or LanguageConfig()).process(Document(source="t", text=text), stats)
    return doc, stats


def test_english_paragraphs() -> None:
    doc, stats = run_step(ENGLISH)
    assert (doc.lang, doc.script) == ("en", "Latn")
    assert doc.lang_score > 0.8
    assert doc.langs == {"en": 1.0}
    assert stats.counters["lang:en"] == 1
    assert stats.counters["mixed"] == 0


def test_simplified_and_traditional_chinese() -> None:
    simplified, _ = run_step(SIMPLIFIED)
    traditional, _ = run_step(TRADITIONAL)
    assert (simplified.lang, simplified.script) == ("zh", "Hans")
    assert (traditional.lang, traditional.script) == ("zh", "Hant")
    assert simplified.lang_score > 0.8


def test_norwegian_is_published_as_nb() -> None:
    assert normalize_code("no") == "nb"
    assert normalize_code("iw") == "he"
    assert normalize_code("in") == "id"
    assert detect(BOKMAL)[0] == "nb"
    assert is_valid_language("nb")
    assert not is_valid_language("no")
    assert not is_valid_language("english")
    assert is_valid_language("und")


def test_static_language_codes_are_what_the_detectors_produce() -> None:
    """``cleaner validate`` checks codes against a static list (no model to load): it must be
    exactly the set the detectors can produce."""
    assert detectable_languages() == LANGUAGE_CODES


def test_other_scripts() -> None:
    assert run_step("東京都は新しい計画を発表しました。市民の生活を守るためです。")[0].lang == "ja"
    korean, _ = run_step("서울시는 오늘 새로운 교통 정책을 발표했습니다.")
    assert (korean.lang, korean.script) == ("ko", "Kore")
    serbian, _ = run_step("Влада Србије је данас усвојила нови закон о шећеру и пореском систему.")
    assert (serbian.lang, serbian.script) == ("sr", "Cyrl")
    russian, _ = run_step("Правительство России сегодня приняло новый закон о налогах.")
    assert (russian.lang, russian.script) == ("ru", "Cyrl")
    assert run_step("รัฐบาลประกาศนโยบายใหม่ในวันนี้")[0].lang == "th"


def test_two_words_get_a_guess_with_a_low_score() -> None:
    lang, score = detect("railway station")
    assert lang == "en"
    assert 0.0 < score < 0.6
    long_lang, long_score = detect(ENGLISH)
    assert long_score > score


@pytest.mark.parametrize("text", ["", "   ", "12 345 -- 67.8%", "!!! ??? ... 2024-01-01", "© ®"])
def test_no_letters_is_und(text: str) -> None:
    doc, stats = run_step(text)
    assert (doc.lang, doc.lang_score, doc.langs) == ("und", 0.0, {})
    assert stats.counters["lang:und"] == 1


def test_min_letters_threshold() -> None:
    assert detect("ok 42", LanguageConfig(min_letters=5))[0] == "und"
    assert detect("ok 42", LanguageConfig(min_letters=1))[0] != "und"


def test_mixed_chinese_english_shares() -> None:
    doc, stats = run_step(SIMPLIFIED + "\n" + ENGLISH)
    assert set(doc.langs) == {"zh", "en"}
    assert sum(doc.langs.values()) == pytest.approx(1.0, abs=1e-3)
    assert min(doc.langs.values()) >= 0.2
    assert stats.counters["mixed"] == 1
    assert stats.samples["mixed"]


def test_short_paragraphs_do_not_count_in_shares() -> None:
    doc, stats = run_step(ENGLISH + "\n" + "登录")
    assert doc.langs == {"en": 1.0}
    assert stats.counters["mixed"] == 0


def test_deterministic_and_picklable() -> None:
    config = LanguageConfig()
    texts = [ENGLISH, SIMPLIFIED, BOKMAL, "Dia pergi ke pasar", "Svi su došli na vrijeme."]
    first = [detect(t, config) for t in texts]
    assert [detect(t, config) for t in texts] == first
    step = pickle.loads(pickle.dumps(LanguageStep(config)))
    doc = step.process(Document(source="x", text=SIMPLIFIED + "\n" + ENGLISH), StepStats("l"))
    again, _ = run_step(SIMPLIFIED + "\n" + ENGLISH)
    assert (doc.lang, doc.lang_score, doc.script, doc.langs) == (
        again.lang, again.lang_score, again.script, again.langs)


def test_langdetect_backend_alone() -> None:
    config = LanguageConfig(backends=["langdetect"])
    assert detect(ENGLISH, config)[0] == "en"
    assert detect(BOKMAL, config)[0] == "nb"


def test_config_check() -> None:
    LanguageConfig().check()
    for bad in [dict(backends=[]), dict(backends=["cld3"]), dict(min_letters=-1),
                dict(backends=["fasttext", "fasttext"]), dict(priors={"nn": 0.0}),
                dict(max_chars=10), dict(mixed_share=0.9), dict(weights={"lingua": -1.0})]:
        with pytest.raises(ValueError):
            LanguageConfig(**bad).check()


def test_single_paragraph_shares_agree_with_lang() -> None:
    for text in ["aaaa " * 40, "word " * 60, "Dia pergi ke pasar kerana mahu membeli ikan."]:
        doc, _ = run_step(text)
        assert doc.langs == {doc.lang: 1.0}


def test_hostile_text_never_crashes() -> None:
    doc, _ = run_step("\ud800 broken surrogate in an English sentence about the weather")
    assert doc.lang == "en"
    emoji, _ = run_step("😀😀 🎉 👍")
    assert emoji.lang == "und"
    # Letters of a script the rules do not know still get a (weak) guess, not und.
    unknown, _ = run_step("ꯀꯁꯂ ꯃꯄ")
    assert unknown.lang != "und" and unknown.script == "Zzzz" and unknown.lang_score < 0.3
    huge, _ = run_step("x" * 200_000)
    assert huge.lang != "und"


def test_marker_words_separate_close_relatives() -> None:
    assert detect("Kerajaan akan memperkenalkan cukai baharu kerana ekonomi lemah.")[0] == "ms"
    assert detect("Pemerintah akan memperkenalkan pajak baru karena ekonomi lemah.")[0] == "id"
    assert detect("Deca su se igrala pored reke dok je vreme bilo lepo.")[0] == "sr"
    assert detect("Predsjednik Vlade rekao je da će tijekom tjedna biti poznata odluka.")[0] == "hr"


def test_marker_rules_match_word_beginnings_endings_and_letter_groups() -> None:
    from cleaner.stages.language.markers import apply_markers

    even = {"da": 0.45, "nb": 0.45, "en": 0.1}
    # Norwegian -sjon and ei against Danish -tion and ej, whatever the word.
    assert max(apply_markers("stasjonen og veien", even, 3.0).items(),
               key=lambda kv: kv[1])[0] == "nb"
    assert max(apply_markers("stationen og vejen", even, 3.0).items(),
               key=lambda kv: kv[1])[0] == "da"
    # A stem: every form of Bosnian "historija" points to Bosnian, of Serbian "istorija" to
    # Serbian; a language outside the family (en) keeps its probability.
    sh = {"bs": 0.3, "hr": 0.3, "sr": 0.3, "en": 0.1}
    after = apply_markers("historijskim", sh, 3.0)
    assert after["bs"] > after["hr"] == after["sr"] and after["en"] == 0.1
    after = apply_markers("istorijom", sh, 3.0)
    assert after["sr"] > after["bs"] == after["hr"]
    # A verb in -izirati is Croatian or Bosnian, in -izovati Bosnian or Serbian.
    after = apply_markers("organizirali", sh, 3.0)
    assert after["hr"] == after["bs"] > after["sr"]
    after = apply_markers("organizovali", sh, 3.0)
    assert after["sr"] == after["bs"] > after["hr"]
    # Loanword spellings: Malay -iti, Indonesian -itas.
    msid = {"ms": 0.5, "id": 0.5}
    assert apply_markers("produktiviti", msid, 3.0)["ms"] > 0.7
    assert apply_markers("produktivitas", msid, 3.0)["id"] > 0.7


def test_lingua_shares_a_family_fasttext_cannot_split() -> None:
    from cleaner.stages.language.decide import within_family

    mixed = {"hr": 0.5, "bs": 0.1, "sr": 0.2, "sl": 0.1, "en": 0.1}
    judged = within_family(mixed, {"bs": 0.7, "hr": 0.3, "sl": 0.4}, frozenset({"sr"}))
    # bs and hr share their 0.6 as lingua does; sr (lingua has no Latin Serbian) and the
    # languages outside the judged family keep theirs; nothing is created or lost.
    assert abs(judged["bs"] - 0.42) < 1e-9 and abs(judged["hr"] - 0.18) < 1e-9
    assert (judged["sr"], judged["sl"], judged["en"]) == (0.2, 0.1, 0.1)
    assert abs(sum(judged.values()) - 1.0) < 1e-9
    # A family lingua says nothing about stays as the mix has it.
    assert within_family({"ms": 0.6, "id": 0.4}, {"en": 1.0}) == {"ms": 0.6, "id": 0.4}


def test_short_text_candidates_include_a_second_opinion() -> None:
    # fastText alone does not propose Slovak for this word (nor Turkish for "yarin"); lingua
    # decides once langdetect has put them among the candidates.
    assert detect("vlastne")[0] == "sk"
    assert detect("yarin")[0] == "tr"


def test_japanese_name_in_chinese_text_stays_chinese() -> None:
    text = SIMPLIFIED + "\n日本经济产业省（経済産業省）今天发布了新的政策。\n" + SIMPLIFIED
    doc, _ = run_step(text)
    assert (doc.lang, doc.script) == ("zh", "Hans")
    assert run_step("経済産業省")[0].lang == "ja"


def test_language_section_of_the_config_file() -> None:
    from cleaner.config import ConfigError, config_from_dict

    config = config_from_dict({"language": {"backends": ["fasttext"], "min_letters": 3,
                                            "priors": {"nn": 0.4}}})
    assert config.language.backends == ["fasttext"] and config.language.min_letters == 3
    with pytest.raises(ConfigError):
        config_from_dict({"language": {"backends": ["cld3"]}})


def test_models_load_from_installed_packages_without_network(monkeypatch) -> None:
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network used during language detection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    backends.fasttext_model.cache_clear()
    backends._lingua_detector.cache_clear()
    assert detect("Dia pergi ke pasar kerana mahu membeli ikan.")[0] == "ms"
    assert detect(ENGLISH)[0] == "en"


def test_lingua_low_accuracy_only_on_long_text(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, bool]] = []
    real = decide.lingua_distribution

    def spy(text: str, candidates: set[str], low_accuracy: bool = False) -> dict[str, float]:
        seen.append((len(text), low_accuracy))
        return real(text, candidates, low_accuracy)

    monkeypatch.setattr(decide, "lingua_distribution", spy)
    config = LanguageConfig()
    short, long = "Dia pergi ke pasar.", BOKMAL
    for text in (short, long):
        decide._backend_distribution("lingua", text, "Latn", config, {"nb", "nn", "da"})
    monkeypatch.setattr(decide, "LINGUA_LOW_ACCURACY_CHARS", 10**6)
    decide._backend_distribution("lingua", long, "Latn", config, {"nb", "nn", "da"})
    assert seen == [(len(short), False), (len(long), True), (len(long), False)]


def test_low_accuracy_mode_still_tells_relatives_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # Long enough for the trigram-only models; the answer must not change.
    assert detect(BOKMAL * 2)[0] == "nb"
    monkeypatch.setattr(decide, "LINGUA_LOW_ACCURACY_CHARS", 10**6)
    assert detect(BOKMAL * 2)[0] == "nb"


def _para(text: str, dist: dict[str, float]) -> decide.Paragraph:
    counts = scripts.script_counts(text)
    return decide.Paragraph(text, counts, "Latn", float(sum(counts.values())), dist)


def test_recheck_short_paragraph_needs_a_sure_fast_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lingua(*args: object, **kwargs: object) -> dict[str, float]:
        raise AssertionError("lingua must not run on a short paragraph")

    monkeypatch.setattr(decide, "lingua_distribution", no_lingua)
    config = LanguageConfig()
    unsure = _para("Kevin Harvick 5033", {"de": 0.6, "en": 0.3})
    assert detect_module.recheck_paragraph(unsure, "en", config) == "en"
    sure = _para("Der Ausschuss tagt am Montag.", {"de": 0.97, "en": 0.03})
    assert detect_module.recheck_paragraph(sure, "en", config) == "de"
    relative = _para("Hun kommer i morgen tidlig.", {"da": 0.95, "nb": 0.05})
    assert detect_module.recheck_paragraph(relative, "nb", config) == "nb"


def test_recheck_long_paragraph_gets_the_full_mix() -> None:
    text = ("Der Ausschuss des Bundestages wird seinen Bericht am Montagmorgen veröffentlichen, "
            "teilte die Sprecherin des Parlaments in Berlin mit. Die Opposition kritisierte den "
            "Zeitplan und verlangte eine Sondersitzung.")
    para = decide.read_paragraph(text, LanguageConfig())
    assert len(text) >= LanguageConfig().short_text
    assert detect_module.recheck_paragraph(para, "en", LanguageConfig()) == "de"


def test_a_letter_of_one_orthography_brings_its_language_into_play():
    # fastText knows nothing of the short word and proposes no Vietnamese; "ấ" is written
    # only in Vietnamese, so lingua is asked about it too.
    from cleaner.stages.language.scripts import telltale_languages

    assert telltale_languages("vấp") == {"vi"}
    assert telltale_languages("Straße") == set()  # ß: too many German varieties to list
    assert detect("vấp")[0] == "vi"


def test_a_page_hint_decides_between_close_relatives_only():
    from cleaner.stages.language.step import LanguageStep

    text = "Bio je jedan od glavnih ljudi studija sve do početka pedesetih godina."
    step = LanguageStep(LanguageConfig())
    plain = step.process(Document(source="a", text=text), StepStats("l"))
    hinted = step.process(Document(source="b", text=text, url="https://www.example.ba/x",
                                   meta={"language": "bs"}), StepStats("l"))
    assert hinted.lang == "bs"
    # Without evidence that separates them, the score says the text alone does not know.
    assert plain.lang_score < 0.5
    english = step.process(Document(source="c", text="The committee will publish its report "
                                    "on Monday morning.", meta={"language": "bs"}),
                           StepStats("l"))
    assert english.lang == "en"
