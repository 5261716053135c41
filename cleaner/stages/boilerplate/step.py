"""Boilerplate removal: site chrome out of ``doc.text``, credits into ``doc.meta``.

Two steps live here:

* :class:`BoilerplateStep` (per document) applies *phrase rules* kept as data in
  ``cleaner/stages/boilerplate/rules/*.txt`` (one file per language, format described at the top of
  ``rules/common.txt``). A rule removes a line only when the whole line is chrome ("Leave a
  Comment", "分享到：微信"), or cuts chrome glued to the end of a line ("… other matters.
  (Editor: Yan Yuan) Sharing let more people see."). Credits ("责任编辑：…", "(Reporter …)",
  "Source: …", "原标题：…") become ``doc.meta`` values instead of text. It works the same on
  text extracted from HTML and on plain-text pages.
* :class:`RepeatedBlocksStep` (corpus) removes lines that recur across many different
  documents of one site (the cc_net paragraph-dedup idea): chrome in any language, without a
  rule for it.

The headline (what a user expects: the headline in ``doc.title``, the body in ``doc.text``,
as extraction of an HTML page gives them):

* a first line that repeats the title (exactly, without the site name, or as a close variant
  sharing most of its words) is removed from the text;
* when the document has no title, a breadcrumb's last step or a headline-like first line
  (short, two words or more, no sentence-final full stop, more text after it) becomes it.

Audit: every removal is counted in the step's stats as ``rule:<name>`` (credits as
``rule:credit:<meta key>``) with a few removed lines kept as samples; headline moves are
counted as ``headline:repeated_title`` and ``headline:to_title``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from cleaner.document import Document, Drop
from cleaner.pipeline import CorpusContext, CorpusStep, DocumentStep, StepStats
from cleaner.text.chars import INVISIBLE

RULES_DIR = Path(__file__).parent / "rules"
RULE_KINDS = ("line", "tail", "credit", "tailcredit")
# Whole-line chrome is short; longer lines are only checked for a chrome tail (and stay fast).
MAX_CHROME_LINE = 1000
# A chrome tail is short too: tail rules only look at a line's last characters (this also keeps
# a regular expression's worst case bounded on a very long line).
MAX_CHROME_TAIL = 400


@dataclass
class BoilerplateConfig:
    """``[boilerplate]``: phrase rules and corpus-level repetition thresholds."""

    # Rule files shipped in this stage's rules/ folder, by name (common.txt, en.txt, zh.txt...).
    rules: list[str] = field(
        default_factory=lambda: ["common", "en", "zh", "de", "es", "fr", "pt"])
    # More rule files in the same format (paths, relative to the config file).
    extra_rule_files: list[str] = field(default_factory=list)
    # A first line that looks like a headline becomes doc.title when the document has none.
    headline_to_title: bool = True
    # Corpus-level repetition (RepeatedBlocksStep).
    repeated_blocks: bool = True
    # A line is chrome when it appears in at least this many different documents of a site...
    repeated_min_docs: int = 3
    # ...and in at least this share of that site's documents...
    repeated_min_share: float = 0.05
    # ...or, for a line that reads as a sentence (ends with . ! ? 。), this larger share: a
    # formulaic sentence ("The meeting also studied other matters.") recurs in some articles,
    # a footer sentence ("This site uses Akismet…") in most pages of its site.
    repeated_sentence_share: float = 0.5
    # Lines shorter than this (in characters, after normalisation) are never counted: a
    # lone "Yes." or "1." repeats by chance.
    repeated_min_chars: int = 10

    def check(self) -> None:
        available = sorted(p.stem for p in RULES_DIR.glob("*.txt"))
        for name in self.rules:
            if name not in available:
                raise ValueError(f"rules: no rule file {name!r}; available: {', '.join(available)}")
        for path in self.extra_rule_files:
            if not Path(path).is_file():
                raise ValueError(f"extra_rule_files: {path!r} is not a file")
            # A broken rule file is reported when the config is read, not mid-build.
            parse_rules(Path(path).read_text(encoding="utf-8"), path)
        if self.repeated_min_docs < 2:
            raise ValueError("repeated_min_docs: must be at least 2 (a line seen once stays)")
        for key in ("repeated_min_share", "repeated_sentence_share"):
            if not 0.0 <= getattr(self, key) <= 1.0:
                raise ValueError(f"{key}: {getattr(self, key)} is not in [0, 1]")
        if self.repeated_min_chars < 0:
            raise ValueError("repeated_min_chars: must not be negative")


# --- Rules -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One phrase rule: ``kind`` (line, tail, credit, tailcredit), ``name`` and its pattern."""

    kind: str
    name: str
    pattern: re.Pattern[str]
    origin: str = ""

    @property
    def counter(self) -> str:
        """The stats key: ``rule:<name>``, or ``rule:credit:<meta key>`` for credits."""
        return f"rule:credit:{self.name}" if self.kind.endswith("credit") else f"rule:{self.name}"


def parse_rules(text: str, origin: str = "") -> list[Rule]:
    """Parse a rule file: ``KIND NAME REGEX`` per line, ``#`` comment lines, blank lines.

    Line and credit rules must match a whole line; tail rules match at a line's end, so they
    are compiled with ``$`` appended. Every rule ignores case.

    >>> [(r.kind, r.name) for r in parse_rules("# c\\nline akismet this site uses akismet.*")]
    [('line', 'akismet')]
    """
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) != 3 or parts[0] not in RULE_KINDS:
            raise ValueError(f"{origin}:{number}: expected 'KIND NAME REGEX' with KIND one of "
                             f"{', '.join(RULE_KINDS)}: {line[:80]!r}")
        kind, name, regex = parts
        if kind.startswith("tail"):
            regex = f"(?:{regex})$"
        try:
            pattern = re.compile(regex, re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"{origin}:{number}: bad regular expression: {error}") from None
        if kind.endswith("credit") and "value" not in pattern.groupindex:
            raise ValueError(f"{origin}:{number}: a credit rule needs a (?P<value>...) group")
        rules.append(Rule(kind, name, pattern, f"{origin}:{number}"))
    return rules


def load_rules(names: list[str], extra_files: list[str] = ()) -> list[Rule]:
    """The rules of the shipped files ``names`` (e.g. ``["common", "en"]``) and ``extra_files``."""
    paths = [RULES_DIR / f"{name}.txt" for name in names] + [Path(p) for p in extra_files]
    rules: list[Rule] = []
    for path in paths:
        rules.extend(parse_rules(path.read_text(encoding="utf-8"), path.name))
    return rules


@functools.lru_cache(maxsize=1)
def credit_rules() -> tuple[Rule, ...]:
    """The credit rules of every shipped rule file (for finding credits outside the text)."""
    names = sorted(path.stem for path in RULES_DIR.glob("*.txt"))
    return tuple(rule for rule in load_rules(names) if rule.kind.endswith("credit"))


def is_credit_line(line: str, rules: tuple[Rule, ...] | list[Rule]) -> bool:
    """Whether ``rules`` take ``line`` as a credit (all of it, or a credit glued to its end)."""
    return bool(clean_line(line, list(rules)).credits)


class CreditLines:
    """Whether a line is a credit by the shipped rules: a picklable test that build.py hands
    to the extract stage (which must not import this one).

    >>> CreditLines()("责任编辑：李墨轩"), CreditLines()("The mayor spoke on Monday.")
    (True, False)
    """

    def __init__(self) -> None:
        self.rules = credit_rules()

    def __call__(self, line: str) -> bool:
        return is_credit_line(line, self.rules)


# --- Line-level cleaning -----------------------------------------------------------------------

# A credit value is a list of names, never a sentence.
SENTENCE_INSIDE = re.compile(r"[.!?。！？]\s|[!?。！？]$")


def _credit_value(value: str | None) -> str | None:
    """A credit's value, tidied; None when it reads like a sentence rather than names."""
    value = " ".join((value or "").split()).strip(" ,;，；")
    if not value or len(value) > 200 or SENTENCE_INSIDE.search(value):
        return None
    return value


def credits_of(rule: Rule, match: re.Match[str]) -> list[tuple[str, str]] | None:
    """The (meta key, value) pairs a credit rule's match holds; None if any is not a credit.

    Group ``value`` goes to the rule's own key; any other named group to the key it is named
    after, so one line can credit several people ("Reporting by A; Editing by B").
    """
    found = []
    for group, raw in match.groupdict().items():
        if raw is None:
            continue
        value = _credit_value(raw)
        if value is None:
            return None
        found.append((rule.name if group == "value" else group, value))
    return found or None


def _add_meta(meta: dict, key: str, value: str) -> None:
    """Store a credit; a second, different value for the same key is appended with '; '."""
    current = meta.get(key)
    if not current:
        meta[key] = value
    elif isinstance(current, str) and value not in current.split("; "):
        meta[key] = f"{current}; {value}"


@dataclass
class LineResult:
    """What the rules made of one line: the kept part and what was taken out."""

    kept: str
    removed: list[tuple[Rule, str]] = field(default_factory=list)
    credits: list[tuple[str, str]] = field(default_factory=list)


# What keeps rules from being joined into one pattern: backreferences (their numbers and names
# would change meaning) and named groups (a name may be used once per pattern).
BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")
NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@dataclass(frozen=True)
class QuickCheck:
    """All rules of a list joined into two patterns (whole-line rules, tail rules), to tell
    in one search per line that no rule matches, so most lines skip the rule-by-rule loop.

    Exact: the joined pattern matches a line if and only if one of the rules does.
    """

    whole: re.Pattern[str]
    tail: re.Pattern[str]

    @classmethod
    def of(cls, rules: list[Rule]) -> QuickCheck | None:
        """The check for ``rules``; None when they cannot be joined (a backreference)."""
        if any(BACKREFERENCE.search(rule.pattern.pattern) for rule in rules):
            return None

        def joined(kinds: tuple[str, ...]) -> re.Pattern[str]:
            sources = [NAMED_GROUP.sub("(?:", rule.pattern.pattern)
                       for rule in rules if rule.kind in kinds]
            return re.compile("|".join(f"(?:{source})" for source in sources) or "(?!)",
                              re.IGNORECASE)

        try:
            return cls(joined(("line", "credit")), joined(("tail", "tailcredit")))
        except re.error:  # e.g. a rule with inline flags: they only work at its own start
            return None

    def may_match(self, stripped: str) -> bool:
        if len(stripped) <= MAX_CHROME_LINE and self.whole.fullmatch(stripped):
            return True
        return self.tail.search(stripped, max(0, len(stripped) - MAX_CHROME_TAIL)) is not None


def clean_line(line: str, rules: list[Rule], quick: QuickCheck | None = None) -> LineResult:
    """Apply ``rules`` to one line: drop it if it is all chrome, else cut chrome off its end.

    Tail rules are applied again and again, so a run of glued credits and prompts is peeled
    off one by one; what stays is never cut inside. ``quick`` (:meth:`QuickCheck.of` the same
    rules) only saves time.

    >>> rules = parse_rules("tail share \\\\s*Share this\\\\.?\\n"
    ...                     "tailcredit editor \\\\s*\\\\(Editor: (?P<value>[^()]+)\\\\)")
    >>> clean_line("It rained. (Editor: Li) Share this.", rules).kept
    'It rained.'
    """
    result = LineResult(line)
    while result.kept.strip():
        stripped = result.kept.strip()
        if quick is not None and not quick.may_match(stripped):
            break
        for rule in rules:
            if rule.kind in ("line", "credit"):
                if len(stripped) > MAX_CHROME_LINE:
                    continue
                match = rule.pattern.fullmatch(stripped)
            else:
                offset = max(0, len(stripped) - MAX_CHROME_TAIL)
                match = rule.pattern.search(stripped, offset)
            if not match:
                continue
            if rule.kind.endswith("credit"):
                credits = credits_of(rule, match)
                if credits is None:
                    continue
                result.credits.extend(credits)
            result.removed.append((rule, match.group(0).strip()))
            result.kept = "" if rule.kind in ("line", "credit") else stripped[:match.start()]
            break
        else:
            break
    if not result.kept.strip():
        result.kept = ""
    return result


BREADCRUMB_SEPARATOR = re.compile(r"\s*[»›>|/]\s*")


def breadcrumb_title(line: str) -> str | None:
    """The page title a breadcrumb ends with, when its last step reads like one.

    >>> breadcrumb_title("Home » today » News » Jinan holds a study meeting on green growth")
    'Jinan holds a study meeting on green growth'
    >>> breadcrumb_title("Home » News » World") is None
    True
    """
    last = BREADCRUMB_SEPARATOR.split(line.strip())[-1].strip()
    long_enough = len(last.split()) >= 4 or len(re.findall(r"[\u3040-\u9fff]", last)) >= 8
    return last if long_enough and looks_like_headline(last) else None


def looks_like_headline(line: str) -> bool:
    """Whether ``line`` reads like a headline: short and not ended by a full stop (a closing
    quote or bracket after the stop does not hide it).

    >>> looks_like_headline("Accelerate the building of international green financial hub")
    True
    >>> looks_like_headline('He was eliminated from "Dancing with the Stars."')
    False
    """
    line = line.strip()
    end = line.rstrip("\"'”’»)]）】」』")
    return 0 < len(line) <= 300 and not end.endswith((".", "。", ",", "，", ":", "：", ";", "；"))


CJK_CHAR = r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"
WORD = re.compile(rf"{CJK_CHAR}|(?:(?!{CJK_CHAR})[^\W_])+")


def words(text: str) -> list[str]:
    """Case-folded words (single characters for Chinese/Japanese), punctuation ignored.

    >>> words("‘He died’: Bolivia's 会议")
    ['he', 'died', 'bolivia', 's', '会', '议']
    """
    return WORD.findall(unicodedata.normalize("NFKC", text).casefold())


# What sites put between a headline and their name in <title>: "Headline | Site", "Headline - Site".
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·»]\s+|\s*[|｜_]\s*")
# A headline-like first line sharing this much of its words with the title (and the title with
# it) is a variant of the headline (<h1> and <title> often differ by a few words).
HEADLINE_OVERLAP = 0.5


def repeats_title(line: str, title: str) -> bool:
    """Whether ``line`` is the headline that ``title`` holds: the same words, the title minus
    a site name ("Headline | Site"), or, for a headline-like line, mostly the same words.

    >>> repeats_title("Big River Floods Town", "Big River Floods Town | Example News")
    True
    >>> repeats_title("Julian Assange: Sweden drops rape investigation",
    ...               "Sweden drops Assange rape investigation")
    True
    >>> repeats_title("The river rose.", "Big River Floods Town")
    False
    """
    line_words, title_words = words(line), words(title)
    if not line_words:
        return False
    if line_words == title_words:
        return True
    for part in TITLE_SEPARATORS.split(title):
        if words(part) == line_words and 2 * len(line_words) >= len(title_words):
            return True
    if not looks_like_headline(line) or len(set(line_words)) < 3:
        return False
    shared = len(set(line_words) & set(title_words))
    return (shared >= HEADLINE_OVERLAP * len(set(line_words))
            and shared >= HEADLINE_OVERLAP * len(set(title_words)))


class BoilerplateStep(DocumentStep):
    """Line-level phrase rules (data in ``rules/``), credits to metadata, headline."""

    name = "boilerplate"

    def __init__(self, config: BoilerplateConfig | None = None) -> None:
        self.config = config or BoilerplateConfig()
        self._rules: list[Rule] | None = None
        self._quick: QuickCheck | None = None

    @property
    def rules(self) -> list[Rule]:
        if self._rules is None:
            self._rules = load_rules(self.config.rules, self.config.extra_rule_files)
            self._quick = QuickCheck.of(self._rules)
        return self._rules

    def __getstate__(self) -> dict:
        # Compiled rules are rebuilt in each worker from the (small, plain) config.
        return {"config": self.config, "_rules": None, "_quick": None}

    def process(self, doc: Document, stats: StepStats) -> Document | Drop:
        kept: list[str] = []
        for line in doc.text.splitlines():
            if not line.strip():
                kept.append("")
                continue
            # Rules read the line as a reader sees it: "Share this\u200b" is "Share this".
            result = clean_line(INVISIBLE.sub("", line), self.rules, self._quick)
            for rule, removed in result.removed:
                stats.counters[rule.counter] += 1
                stats.sample(rule.counter, removed)
                if rule.name == "breadcrumb" and doc.title is None \
                        and self.config.headline_to_title:
                    doc.title = breadcrumb_title(removed)
            for key, value in result.credits:
                _add_meta(doc.meta, key, value)
            if result.kept:
                # Keep the line's own indentation when nothing was cut (normalize decides).
                kept.append(line if not result.removed else result.kept)
        kept = self._headline(doc, kept, stats)
        doc.text = "\n".join(kept).strip("\n")
        return doc

    def _headline(self, doc: Document, lines: list[str], stats: StepStats) -> list[str]:
        """Remove a first line that repeats the title, or make it the title when there is none."""
        first = next((i for i, line in enumerate(lines) if _shown(line)), None)
        if first is None:
            return lines
        headline = _shown(lines[first])
        rest = any(_shown(line) for line in lines[first + 1:])
        if doc.title and repeats_title(headline, doc.title) and rest:
            stats.counters["headline:repeated_title"] += 1
            return lines[first + 1:]
        # Two words at least: a lone date or section name ("2023-02-24", "Sports") is no title.
        if doc.title is None and self.config.headline_to_title and rest \
                and looks_like_headline(headline) and len(words(headline)) >= 2 \
                and re.search(r"[^\W\d_]", headline):
            doc.title = headline
            stats.counters["headline:to_title"] += 1
            return self._headline(doc, lines[first + 1:], stats)
        return lines


def _shown(line: str) -> str:
    """What a reader sees of a line: no surrounding space, no zero-width characters (a line of
    only those is blank, and the headline is the line after it)."""
    return INVISIBLE.sub("", line).strip()


# --- Corpus-level repetition -------------------------------------------------------------------

def normalize_block(line: str) -> str:
    """The form in which lines are compared across documents: NFKC, case- and space-folded.

    >>> normalize_block("  Follow   US on X ")
    'follow us on x'
    """
    return " ".join(unicodedata.normalize("NFKC", line).casefold().split())


def is_sentence(line: str) -> bool:
    """Whether a (normalised) line reads as a sentence: it ends with a full stop.

    >>> is_sentence("the meeting also studied other matters.")
    True
    >>> is_sentence("follow us on x")
    False
    """
    return line.rstrip("\"'”’)）」").endswith((".", "!", "?", "。", "！", "？"))


def site_of(doc: Document) -> str:
    """The group a document's chrome is shared in: its URL host, else its source folder.

    >>> site_of(Document(source="a/b.txt", url="https://www.example.com/x"))
    'example.com'
    >>> site_of(Document(source="feeds/sina/1.txt"))
    'folder:feeds/sina'
    """
    if doc.url:
        host = (urlsplit(doc.url).hostname or "").lower()
        if host:
            return host.removeprefix("www.")
    return f"folder:{PurePosixPath(doc.source.split('#', 1)[0]).parent}"


def context_keys(blocks: set[str], exclude: set[str] = frozenset()) -> dict[str, str]:
    """For each block of a document, what tells *this document* apart when that block is
    shared: its longest other block (known chrome in ``exclude`` left out).

    A line shared by copies of one article (exact or near duplicates, handled later by dedup)
    sits next to the same longest paragraph in each copy, so it counts once and is never taken
    for chrome; a footer shared by different articles sits next to different paragraphs.

    >>> context_keys({"footer line", "a long article paragraph", "short"})["footer line"]
    'a long article paragraph'
    """
    ranked = sorted(blocks - exclude, key=lambda b: (-len(b), b))
    return {block: next((b for b in ranked if b != block), "") for block in blocks}


class RepeatedBlocksStep(CorpusStep):
    """Remove lines that recur across many different documents of the same site."""

    name = "repeated-blocks"

    def __init__(self, config: BoilerplateConfig | None = None) -> None:
        self.config = config or BoilerplateConfig()

    def _blocks(self, doc: Document) -> set[str]:
        blocks = {normalize_block(line) for line in doc.text.splitlines()}
        return {b for b in blocks if len(b) >= self.config.repeated_min_chars}

    def _chrome(self, texts: list[set[str]], exclude: set[str]) -> set[str]:
        """The blocks of one site's distinct ``texts`` that recur next to different content."""
        config = self.config
        contexts: dict[str, set[str]] = defaultdict(set)
        for blocks in texts:
            for block, key in context_keys(blocks, exclude).items():
                contexts[block].add(key)
        need = max(config.repeated_min_docs, config.repeated_min_share * len(texts))
        need_sentence = max(need, config.repeated_sentence_share * len(texts))
        return {block for block, keys in contexts.items()
                if len(keys) >= (need_sentence if is_sentence(block) else need)}

    def repeated(self, docs: list[Document]) -> dict[str, set[str]]:
        """Per site, the normalised lines that count as chrome under the config's thresholds."""
        texts: dict[str, dict[str, set[str]]] = defaultdict(dict)
        for doc in docs:
            blocks = self._blocks(doc)
            if blocks:  # exact copies count once
                texts[site_of(doc)]["\n".join(sorted(blocks))] = blocks
        chrome: dict[str, set[str]] = {}
        for site, site_texts in sorted(texts.items()):
            found = self._chrome(list(site_texts.values()), set())
            # Once more without the chrome found: a long footer next to a shorter one hid it.
            chrome[site] = found | self._chrome(list(site_texts.values()), found)
        return chrome

    def run(self, docs: list[Document], context: CorpusContext) -> Iterator[Document]:
        stats = context.stats
        chrome = self.repeated(docs) if self.config.repeated_blocks else {}
        for doc in docs:
            site_chrome = chrome.get(site_of(doc))
            if not site_chrome:
                yield doc
                continue
            kept, removed = [], 0
            for line in doc.text.splitlines():
                if normalize_block(line) in site_chrome:
                    removed += 1
                    stats.sample("repeated-line", line.strip())
                else:
                    kept.append(line)
            if removed:
                stats.counters["repeated-line"] += removed
                stats.changed += 1
                doc.text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
            if not doc.text.strip():
                context.drop(doc, "empty", detail="only repeated site chrome")
                continue
            yield doc


__all__ = ["BoilerplateConfig", "BoilerplateStep", "RepeatedBlocksStep", "Rule", "clean_line",
           "load_rules", "parse_rules", "site_of"]
