"""The boilerplate stage: phrase rules, credits to metadata, repeated blocks, seeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import ROOT

from cleaner.document import Document
from cleaner.pipeline import RunState, StepStats
from cleaner.pipeline.run import run_corpus_step
from cleaner.stages.boilerplate.repeated import RepeatedBlocksStep, site_of
from cleaner.stages.boilerplate.rules import RULES_DIR, CreditLines, parse_rules
from cleaner.stages.boilerplate.step import (
    BoilerplateConfig,
    BoilerplateStep,
    QuickCheck,
    clean_line,
    load_rules,
    repeats_title,
)
from cleaner.stages.decode.step import DecodeStep
from cleaner.stages.extract.step import ExtractConfig, ExtractStep
from cleaner.stages.normalize import NormalizeStep

SEEDS = ROOT / "seeds"
FORBIDDEN = ["Leave a Comment", "Akismet", "Home »", "Sharing let more people see",
             "all right reserved", "&#123;", "<p", "appendQr", "海量资讯", "责任编辑", "\u3000"]


def clean(text: str, title: str | None = None) -> tuple[Document, StepStats]:
    stats = StepStats("boilerplate")
    doc = BoilerplateStep(BoilerplateConfig()).process(
        Document(source="x.txt", text=text, title=title), stats)
    return doc, stats


def test_glued_credits_become_metadata_and_share_prompt_goes():
    doc, stats = clean("Headline here\n\nFirst sentence of the story.\n\n"
                       "The meeting also studied other matters. (Reporter Meng Shunshu) "
                       "(Editor: Yan Yuan, Han Qing) Sharing let more people see.")
    assert doc.text.endswith("The meeting also studied other matters.")
    assert doc.meta["reporter"] == "Meng Shunshu"
    assert doc.meta["editor"] == "Yan Yuan, Han Qing"
    assert stats.counters["rule:share-prompt"] == 1
    assert stats.samples["rule:share-prompt"] == ["Sharing let more people see."]


@pytest.mark.parametrize(("line", "meta"), [
    ("Reporting by Jane Doe; Editing by John Roe", {"reporter": "Jane Doe", "editor": "John Roe"}),
    ("Associated Press writers Al Fram and Jill Colvin contributed to this report.",
     {"contributors": "Associated Press writers Al Fram and Jill Colvin"}),
    ("Additional reporting by Kim Lee", {"contributors": "Kim Lee"}),
    ("Source: Xinhua", {"credit_source": "Xinhua"}),
    ("（记者 王五）", {"reporter": "王五"}),
    ("发布时间：2023-02-24 来源：济南日报 作者：张三 浏览次数：12",
     {"credit_source": "济南日报", "reporter": "张三"}),
    ("By Jane Doe", {"reporter": "Jane Doe"}),
])
def test_credit_lines_become_metadata(line, meta):
    doc, stats = clean(f"Storm Headline\n\nThe body.\n\n{line}")
    assert doc.text == "The body."
    assert doc.meta == meta


def test_chinese_credits_and_promo():
    doc, stats = clean("原标题：绿色金融\n来源：上观新闻\n会议指出，要坚定不移推进绿色发展。\n"
                       "海量资讯、精准解读，尽在新浪财经APP\n责任编辑：李墨轩 ", title="绿色金融")
    assert doc.text == "会议指出，要坚定不移推进绿色发展。"
    assert doc.meta == {"original_title": "绿色金融", "credit_source": "上观新闻",
                        "editor": "李墨轩"}
    assert stats.counters["rule:app-promo"] == 1


def test_comment_form_breadcrumb_and_copyright():
    text = ("Home » today » News » Town floods\n\nTown floods\n\nThe river rose overnight.\n\n"
            "Leave a Comment\n\nThis site uses Akismet to reduce spam. Learn how your comment "
            "data is processed.\n\nCharity In China reported , all right reserved")
    doc, stats = clean(text)
    assert doc.title == "Town floods"
    assert doc.text == "The river rose overnight."
    assert stats.counters["rule:breadcrumb"] == 1
    assert stats.counters["rule:akismet"] == 1


@pytest.mark.parametrize("sentence", [
    "Share prices fell sharply on Monday after the report.",
    "Reporter: Why did you decide to stand for election?",
    "记者：你为什么决定参加这次选举？",
    "Growth > 5% and inflation > 3% were the targets for the year.",
    "分享经济在中国发展迅速。",
    "He said the source of the problem was clear: money.",
    "评论员认为，这一政策将带来深远影响。",
    "We use cookies in the recipe, said the baker, and everyone laughed.",
    "Get the app developers to agree on one standard, the minister said.",
])
def test_article_sentences_are_never_removed(sentence):
    doc, stats = clean(f"Some headline\n\n{sentence}\n\nMore text follows here.")
    assert sentence in doc.text, stats.counters


def test_rule_file_format_errors_are_clear():
    with pytest.raises(ValueError, match="KIND NAME REGEX"):
        parse_rules("remove foo bar", "x.txt")
    with pytest.raises(ValueError, match="bad regular expression"):
        parse_rules("line foo (", "x.txt")
    with pytest.raises(ValueError, match="value"):
        parse_rules("credit editor Editor: .*", "x.txt")


def test_every_shipped_rule_file_parses_and_is_on_by_default():
    shipped = sorted(p.stem for p in RULES_DIR.glob("*.txt"))
    assert sorted(BoilerplateConfig().rules) == shipped
    rules = load_rules(shipped)
    assert {r.kind for r in rules} >= {"line", "tail", "credit", "tailcredit"}


@pytest.mark.parametrize("line", [
    "Like this story? Share it with a friend!",
    "Related: Seven signs of an allergic reaction",
    "Follow The Daily Bugle Opinion section on Facebook, Twitter (@bugle) and Instagram.",
    "copyright Example Media 2019 - ISSN: 1234-5678",
    "© 2021 Example Media Group",
    "05/10/2018 - Publicado por: Ana Souza - Categoria: Saúde - Tags: sus",
    "Tags: politics, economy",
    "Listen: http://po.st/abc",
    "Todos los derechos reservados.",
    "Lire aussi : La réforme des retraites",
    "分享到：微信 微博 QQ空间",
    "扫描二维码关注我们",
    "We use cookies to improve your experience. By continuing you accept our policy.",
])
def test_chrome_lines_are_removed(line):
    doc, _ = clean(f"Storm Headline\n\nThe article body sentence.\n\n{line}")
    assert doc.text == "The article body sentence."


@pytest.mark.parametrize("sentence", [
    "Copyright law is changing fast in Europe, experts say.",
    "The video, posted by a user on Twitter, went viral within hours.",
    "Más información sobre el caso se conocerá mañana, dijo el juez.",
    "Auch interessant ist, dass die Preise gestiegen sind.",
    "Saiba mais sobre o programa no site do governo.",
    "http://example.com/report.pdf",
    "Follow the money, the investigators said.",
    "By Tuesday, the storm had passed.",
    "首页新闻很多。",
])
def test_more_article_sentences_stay(sentence):
    doc, _ = clean(f"Storm Headline\n\n{sentence}\n\nMore text.")
    assert sentence in doc.text


def test_extra_rule_file(tmp_path):
    extra = tmp_path / "site.txt"
    extra.write_text("# my site\nline house-ad  Buy our magazine!\n", encoding="utf-8")
    config = BoilerplateConfig(extra_rule_files=[str(extra)])
    config.check()
    stats = StepStats("boilerplate")
    doc = BoilerplateStep(config).process(
        Document(source="x", text="Body text here.\nBuy our magazine!", title="T"), stats)
    assert doc.text == "Body text here." and stats.counters["rule:house-ad"] == 1


def test_config_check():
    BoilerplateConfig().check()
    with pytest.raises(ValueError, match="rules"):
        BoilerplateConfig(rules=["klingon"]).check()
    with pytest.raises(ValueError, match="repeated_min_docs"):
        BoilerplateConfig(repeated_min_docs=1).check()


def test_broken_extra_rule_file_is_reported_at_check(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("line oops (unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.txt:1: bad regular expression"):
        BoilerplateConfig(extra_rule_files=[str(bad)]).check()


def test_clean_line_keeps_sentence_before_tail():
    rules = load_rules(["common", "en", "zh"])
    assert clean_line("It rained. (Editor: Li Wei)", rules).kept == "It rained."
    assert clean_line("会议还研究了其他事项。（记者 王五）", rules).kept == "会议还研究了其他事项。"


def _corpus(n: int, host: str = "https://example.com/") -> list[Document]:
    return [Document(source=f"{i}.html", url=f"{host}{i}",
                     text=f"Story {i} begins with its own unique opening paragraph number {i}.\n"
                          "Follow our newsroom on the platform of your choice\n"
                          f"Story {i} ends here with words found nowhere else {i * 7}.")
            for i in range(n)]


def test_repeated_blocks_removed_across_a_site_only():
    docs = _corpus(4) + _corpus(1, "https://other.org/")
    state = RunState()
    kept = run_corpus_step(docs, RepeatedBlocksStep(BoilerplateConfig()), state)
    assert len(kept) == 5
    for doc in kept[:4]:
        assert "Follow our newsroom" not in doc.text and "unique opening" in doc.text
    assert "Follow our newsroom" in kept[4].text  # another site: seen once, stays
    assert state.stats["repeated-blocks"].counters["repeated-line"] == 4


def test_repeated_blocks_ignore_copies_of_one_article():
    docs = [Document(source=f"{i}.txt", text="The same article body, copied three times.\n"
                     "And its second paragraph, copied too.") for i in range(3)]
    kept = run_corpus_step(docs, RepeatedBlocksStep(BoilerplateConfig()), RunState())
    assert [d.text for d in kept] == [d.text for d in docs]


def test_headline_repeating_the_title_is_removed():
    doc, stats = clean("Big River Floods Town\n\nThe river rose.",
                       title="Big River Floods Town | Example News")
    assert doc.text == "The river rose." and doc.title == "Big River Floods Town | Example News"
    assert repeats_title("Town", "Town - A Very Long Site Name Here") is False
    doc, _ = clean("A sentence that starts the story.\n\nAnother one.", title="Other")
    assert doc.text.startswith("A sentence")


def test_headline_variant_of_the_title_is_removed_but_a_lead_sentence_stays():
    doc, _ = clean("Julian Assange: Sweden drops rape investigation\n\nProsecutors said so.",
                   title="Sweden drops Assange rape investigation")
    assert doc.text == "Prosecutors said so."
    lead = 'Sweden has dropped the Assange rape investigation, prosecutors said.'
    doc, _ = clean(f"{lead}\n\nMore.", title="Sweden drops Assange rape investigation")
    assert doc.text.startswith(lead)


def test_a_date_line_does_not_become_the_title():
    doc, _ = clean("2023-02-24\n\nThe river rose.")
    assert doc.title is None and doc.text.startswith("2023-02-24")


def test_breadcrumb_gives_the_title_when_there_is_none():
    doc, _ = clean("Home » News » Jinan holds a study meeting on green growth\n\n"
                   "On Thursday the city held a meeting.\n\nIt ended at noon.")
    assert doc.title == "Jinan holds a study meeting on green growth"
    assert doc.text.startswith("On Thursday")


def test_chinese_glued_share_prompt_and_credits():
    doc, _ = clean("会议还研究了其他事项。（记者 孟顺舒）（责任编辑：颜元）分享让更多人看到",
                   title="标题")
    assert doc.text == "会议还研究了其他事项。"
    assert doc.meta == {"reporter": "孟顺舒", "editor": "颜元"}


def test_formulaic_sentence_in_a_minority_of_a_sites_pages_stays():
    docs = _corpus(10)
    for doc in docs[:3]:
        doc.text += "\nThe meeting also studied other matters."
    kept = run_corpus_step(docs, RepeatedBlocksStep(BoilerplateConfig()), RunState())
    assert sum("other matters" in doc.text for doc in kept) == 3
    assert not any("Follow our newsroom" in doc.text for doc in kept)


def test_site_of():
    assert site_of(Document(source="a", url="http://WWW.Example.com/x")) == "example.com"
    assert site_of(Document(source="x/y/z.txt")) == "folder:x/y"
    assert site_of(Document(source="z.jsonl#3")) == "folder:."


def _read_seed(path: Path) -> Document:
    """The seed as ingest hands it over: raw bytes, to be decoded by the decode step."""
    return Document(source=path.name, data=path.read_bytes())


def _squash(text: str) -> str:
    """Word characters only, lower-cased: compares text across punctuation/space fixes."""
    return "".join(re.findall(r"\w+", text)).lower()


CHROME = ("原标题", "来源", "责任编辑", "Home »", "Akismet", "Leave a Comment",
          "all right reserved")


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seeds_clean_path(path):
    steps = [DecodeStep(), ExtractStep(ExtractConfig(), is_credit_line=CreditLines()),
             BoilerplateStep(BoilerplateConfig()), NormalizeStep()]
    doc = _read_seed(path)
    for step in steps:
        doc = step.process(doc, StepStats(step.name))
        assert isinstance(doc, Document), doc
    for junk in FORBIDDEN:
        assert junk not in doc.text, junk
    assert doc.title
    # No article sentence is lost: every sentence of every article paragraph is in the output
    # (the headline may have moved to the title, glued credits to the metadata).
    raw = path.read_text(encoding="utf-8")
    paragraphs = re.findall(r"<p[^>]*>(.*?)</p>", raw) or raw.split("\n\n")
    output = _squash(f"{doc.title} {doc.text}")
    checked = 0
    for paragraph in paragraphs:
        plain = re.sub(r"<[^>]+>", "", paragraph).split(" (Reporter")[0]
        if any(marker in plain for marker in CHROME):
            continue
        for sentence in re.split(r"(?<=[。.!?])", plain):
            if _squash(sentence):
                assert _squash(sentence) in output, sentence
                checked += 1
    assert checked >= 5


def test_seed_credits_land_in_metadata():
    steps = [DecodeStep(), ExtractStep(ExtractConfig(), is_credit_line=CreditLines()),
             BoilerplateStep(BoilerplateConfig()), NormalizeStep()]
    docs = {}
    for path in sorted(SEEDS.glob("*.txt")):
        doc = _read_seed(path)
        for step in steps:
            doc = step.process(doc, StepStats(step.name))
        docs[path.name[:3]] = doc
    assert docs["000"].meta["reporter"] == "Meng Shunshu"
    assert docs["000"].meta["editor"] == "Yan Yuan, Han Qing"
    assert docs["000"].text.endswith("The meeting also studied other matters.")
    assert docs["001"].meta["editor"] == "李墨轩"
    assert docs["001"].meta["original_title"].startswith("上海部署推动绿色低碳循环经济发展")
    assert docs["003"].meta["credit_source"] == "上观新闻"
    assert docs["004"].title.startswith("The portal website of Jinan Municipal Government")
    assert docs["004"].text.startswith("On the afternoon of February 23")


@pytest.mark.parametrize("line", [
    " " * 100_000 + "x",
    "a " * 50_000 + "(Editor: Li)",
    "字号" + " " * 990 + "x",
    "Home » " * 140 + "»" * 5,
    "发布时间：2023-02-24 " * 60 + "x",
])
def test_adversarial_lines_do_not_blow_up_the_regex_engine(line):
    # Would hang (catastrophic backtracking) if a rule's quantifiers overlapped.
    rules = load_rules(BoilerplateConfig().rules)
    clean_line(line, rules)
    clean_line(line, rules, QuickCheck.of(rules))


def test_quick_check_changes_nothing_but_the_time():
    rules = load_rules(sorted(path.stem for path in RULES_DIR.glob("*.txt")))
    quick = QuickCheck.of(rules)
    assert quick is not None
    seeds = ROOT / "seeds"
    lines = [line for path in sorted(seeds.iterdir())
             for line in path.read_text(encoding="utf-8").splitlines()]
    lines += ["Leave a Comment", "It rained. (Editor: Li) Share this.", "责任编辑：李墨轩",
              "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
              "Home » today » News » Jinan holds a study meeting", "© 2024 Example News"]
    changed = 0
    for line in lines:
        expected = clean_line(line, rules)
        assert clean_line(line, rules, quick) == expected, line
        changed += expected.kept != line
    assert changed >= 6  # the rules did fire: the check was not trivially true


def test_rules_with_backreferences_are_not_joined():
    assert QuickCheck.of(parse_rules(r"line twice (\w+) \1")) is None
    assert QuickCheck.of(parse_rules("line a a+\nline b b+")) is not None


def test_repeated_banner_longer_than_the_articles_is_still_found():
    banner = ("Our partners and we store and access information on your device to show you "
              "personalised content and measure how our pages are used, see our notice")
    docs = [Document(source=f"{i}.html", url=f"https://short.example/{i}",
                     text=f"Short item number {i} about the weather.\n{banner}") for i in range(4)]
    kept = run_corpus_step(docs, RepeatedBlocksStep(BoilerplateConfig()), RunState())
    assert [d.text for d in kept] == [f"Short item number {i} about the weather." for i in range(4)]


def test_repeated_blocks_ignore_near_copies_of_one_article():
    body = ["The same story was syndicated to three sites of one group.",
            "Its second paragraph travelled with it, word for word."]
    docs = [Document(source=f"{i}.txt", text="\n".join([*body, f"Copy {i} has its own footer."]))
            for i in range(3)]
    kept = run_corpus_step(docs, RepeatedBlocksStep(BoilerplateConfig()), RunState())
    assert all(body[0] in d.text and body[1] in d.text for d in kept)


def test_a_source_named_in_a_copyright_line_becomes_credit_source():
    from cleaner.document import Document
    from cleaner.pipeline import StepStats
    from cleaner.stages.boilerplate.step import BoilerplateConfig, BoilerplateStep

    doc = Document(source="x", text="The meeting also studied other matters.\n\n"
                                    "Charity In China reported , all right reserved")
    doc = BoilerplateStep(BoilerplateConfig()).process(doc, StepStats("boilerplate"))
    assert doc.text.strip() == "The meeting also studied other matters."
    assert doc.meta["credit_source"] == "Charity In China"


@pytest.mark.parametrize("heading", [
    "Auch lesen:", "Mehr zum Thema auf Example.de", "Weiterlesen", "À lire aussi",
    "Lire également : la suite", "Lee también", "Leia também",
])
def test_related_links_headings_in_other_languages_are_removed(heading):
    body = "Der erste Satz des Artikels ist lang genug.\n{}\nDer letzte Satz steht hier."
    doc, _ = clean(body.format(heading), title="T")
    assert heading not in doc.text and "letzte Satz" in doc.text


def test_a_sentence_that_starts_like_a_related_links_heading_stays():
    line = "Mehr dazu lesen Sie in unserem Bericht über die Wahl."
    doc, _ = clean(f"Der erste Satz des Artikels ist lang genug.\n{line}", title="T")
    assert line in doc.text


@pytest.mark.parametrize("line", [
    # French: two quotations « … » in one sentence (a laviedesidees.fr paragraph lost both).
    "Le philosophe oppose la « démocratie » à la « république », sans jamais les définir.",
    "Il a parlé de « réforme » puis de « rupture » devant les députés.",
    # Russian quotes « … » too; German »…« and Swedish »…» have no spaces inside.
    "Рядом с «Восстановить учетную запись» нажмите «Восстановить».",
    "»Das ist gut«, sagte er. »Wirklich?«, fragte sie.",
    "Han sa »ja» och sedan »nej» till förslaget.",
])
def test_quoted_prose_is_not_a_breadcrumb(line):
    doc, stats = clean(f"First paragraph of the story.\n\n{line}\n\nLast paragraph.")
    assert line in doc.text and not stats.counters["rule:breadcrumb"]


@pytest.mark.parametrize("line", ["Accueil › Actualités › Politique",
                                  "Startseite » Politik » Ausland » Ein Artikel",
                                  "Home » today » News » The portal website"])
def test_breadcrumbs_in_several_languages_still_go(line):
    doc, stats = clean(f"{line}\n\nThe story itself, in a sentence.")
    assert line not in doc.text and stats.counters["rule:breadcrumb"] == 1


@pytest.mark.parametrize("byline", ["Par Marie Dupont", "Von Hans Müller", "Por Juan Pérez",
                                    "By JANE DOE | May 3, 2021", "Jane Doe, Staff Writer",
                                    "Door Jan de Vries", "Автор: Иван Петров", "文/记者 张三",
                                    "作者：李四"])
def test_a_byline_never_becomes_the_title(byline):
    doc, _ = clean(f"{byline}\n\nThe article text is here. It is long enough.")
    assert doc.title is None


@pytest.mark.parametrize("headline", ["Von der Leyen besucht Kiew", "Par for the course in Paris",
                                      "Por qué sube el precio del pan", "文化部发布新规定",
                                      "记者调查：城市里的新工厂"])
def test_headlines_that_start_like_bylines_still_become_titles(headline):
    doc, _ = clean(f"{headline}\n\nThe article text is here. It is long enough.")
    assert doc.title == headline
