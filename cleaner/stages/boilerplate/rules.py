"""Phrase rules as data: the rule files, their format, and how a line is checked against them.

Rules live in ``rules/*.txt`` (one file per language; the format is described at the top of
``rules/common.txt``). A rule removes a line only when the whole line is chrome (a share
prompt, a comment form, a copyright line...), or a tail glued to a sentence; a credit rule
turns the line into metadata (``editor``, ``reporter``, ``credit_source``...).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

RULES_DIR = Path(__file__).parent / "rules"
RULE_KINDS = ("line", "tail", "credit", "tailcredit")
# Whole-line chrome is short; longer lines are only checked for a chrome tail (and stay fast).
MAX_CHROME_LINE = 1000
# A chrome tail is short too: tail rules only look at a line's last characters (this also keeps
# a regular expression's worst case bounded on a very long line).
MAX_CHROME_TAIL = 400
# A rule file is a short list of phrases; anything larger is not one.
MAX_RULE_FILE_BYTES = 1 << 20

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
            # The line itself is not quoted: the file may be anything (a dataset.toml of a
            # pull request can name /etc/shadow), and an error message is shown in CI logs.
            raise ValueError(f"{origin}:{number}: not a rule: expected 'KIND NAME REGEX' with "
                             f"KIND one of {', '.join(RULE_KINDS)}")
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


def read_rule_file(path: Path | str, origin: str | None = None) -> list[Rule]:
    """The rules of one file, bounded in size; errors say where, never what the file holds.

    >>> read_rule_file("/nonexistent/rules.txt")
    Traceback (most recent call last):
    ValueError: /nonexistent/rules.txt: cannot read the rule file (No such file or directory)
    """
    path = Path(path)
    origin = origin or str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_RULE_FILE_BYTES + 1)
    except OSError as error:
        raise ValueError(f"{origin}: cannot read the rule file ({error.strerror})") from None
    if len(data) > MAX_RULE_FILE_BYTES:
        raise ValueError(f"{origin}: a rule file is at most {MAX_RULE_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{origin}: not UTF-8 text (byte {error.start})") from None
    return parse_rules(text, origin)


def load_rules(names: list[str], extra_files: list[str] = ()) -> list[Rule]:
    """The rules of the shipped files ``names`` (e.g. ``["common", "en"]``) and ``extra_files``."""
    rules: list[Rule] = []
    for name in names:
        rules.extend(read_rule_file(RULES_DIR / f"{name}.txt", f"{name}.txt"))
    for path in extra_files:
        rules.extend(read_rule_file(path, Path(path).name))
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


def add_meta(meta: dict, key: str, value: str) -> None:
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


__all__ = ["CreditLines", "QuickCheck", "Rule", "clean_line", "credit_rules", "is_credit_line",
           "load_rules", "parse_rules"]
