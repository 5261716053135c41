"""Repairing broken text: mojibake, HTML entities, control characters, odd forms.

:func:`repair_text` is the one repair function of the pipeline. The decode stage applies it
to plain text, the extraction stage to the text it takes out of HTML (inside markup, entities
are left to the HTML parser: unescaping ``&lt;p&gt;`` before parsing would turn text into
tags). It wraps ftfy line by line, skipping lines ftfy would leave alone, and names every
repair it applied so that the audit trail says what changed.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterator

import ftfy
import ftfy.badness
import ftfy.chardata
import ftfy.fixes

from cleaner.text.chars import strip_terminal_codes

# Control characters other than tab, line feed, form feed and carriage return: never text.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
CJK_RE = re.compile(r"[\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                    r"\uf900-\ufaff\U00020000-\U0003134f]")
# ftfy's fixes, minus HTML entities (repair_text unescapes them itself, only with their ";").
# Straightening quotes and narrowing full-width forms are ftfy defaults too, but only on
# lines without CJK characters: in CJK text full-width punctuation and curly quotation
# marks are the norm.
CJK_SAFE_CONFIG = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False,
                                       fix_character_width=False, explain=True)


@functools.cache
def _ftfy_config(uncurl_quotes: bool, fix_width: bool) -> ftfy.TextFixerConfig:
    return ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=uncurl_quotes,
                                fix_character_width=fix_width, explain=True)


# ftfy explanation steps -> repair names.
FTFY_STEP_NAMES = {"encode": "fix_encoding", "decode": "fix_encoding",
                   "transcode": "fix_encoding"}


def unescape_entities(text: str, rounds: int = 3) -> tuple[str, int]:
    """Replace HTML entities (with their ``;``) by characters, also entities escaped twice.

    Returns the text and how many rounds changed it (2 means double-escaped entities).
    A bare ``&`` and entity-like words without ``;`` (``AT&T``, ``&copy 2020``) stay.

    >>> unescape_entities("Tom &amp;amp; Jerry &amp;#123; &#x4e0a;&#28023; &EACUTE;")
    ('Tom & Jerry { 上海 É', 2)
    """
    changed = 0
    for _ in range(rounds):
        new = ENTITY_RE.sub(lambda m: _unescape_one(m[0]), text)
        if new == text:
            break
        text, changed = new, changed + 1
    return text, changed


def _unescape_one(entity: str) -> str:
    char = html.unescape(entity)
    if char == entity and entity[1:-1].isupper():
        char = html.unescape(entity.lower()).upper()  # &EACUTE; from upper-cased text
    # Entities of NUL, surrogates or controls would smuggle in what repairs remove.
    if char == entity or any(unicodedata.category(c) in ("Cs", "Cc") and c not in "\t\n"
                             for c in char):
        return entity
    return char


def _ftfy_names(explanation: list[tuple[str, str]]) -> set[str]:
    """Name the repairs in an ftfy explanation.

    >>> sorted(_ftfy_names([("encode", "sloppy-windows-1252"), ("decode", "utf-8")]))
    ['fix_encoding']
    >>> sorted(_ftfy_names([("encode", "latin-1"), ("decode", "windows-1252")]))
    ['fix_c1_controls']
    """
    steps = list(explanation)
    if steps[:2] == [("encode", "latin-1"), ("decode", "windows-1252")]:
        steps = steps[2:] + [("apply", "fix_c1_controls")]  # C1 controls read as cp1252
    names = set()
    for step, detail in steps:
        if step == "apply":
            names.add(detail)
        elif step == "normalize":
            names.add(detail.lower())
        else:
            names.add(FTFY_STEP_NAMES.get(step, step))
    return names


def _segments(text: str, size: int = 100_000) -> Iterator[str]:
    """Lines of ``text`` (with their ends), very long lines cut into ``size`` pieces.

    ftfy's cost grows with the length of what it is given at once; markup is often one line.
    """
    # Only "\n" ends a line here: str.splitlines would also cut at U+0085, which is half
    # of many mojibake sequences ("Ã\x85").
    start = 0
    while start < len(text):
        end = min(text.find("\n", start) + 1 or len(text), start + size)
        yield text[start:end]
        start = end


# Characters one of ftfy's fixes (other than its mojibake repair, quotes and widths) acts on:
# C1 and other control characters, ligatures, odd line breaks, surrogates, terminal escapes.
FTFY_TRIGGERS = re.compile("[" + "".join(sorted(
    {re.escape(chr(c)) for c in (*range(0x80, 0xA0), *ftfy.chardata.LIGATURES,
                                 *ftfy.chardata.CONTROL_CHARS)}
    | {"\r", "\u2028", "\u2029", "\x1b"})) + "\ud800-\udfff]")
WIDTH_TRIGGERS = re.compile("[" + "".join(sorted(re.escape(chr(c))
                                                 for c in ftfy.chardata.WIDTH_MAP)) + "]")


def _without_ftfy(line: str, uncurl_quotes: bool, fix_width: bool) -> str | None:
    """What ftfy would make of ``line`` when that is at most straightened quotes; None when
    ftfy has to look (mojibake, or a character one of its other fixes acts on).

    ftfy's cost is in running every fix twice (the second round checks that nothing changes);
    most lines of a page need none of them, and this tells which, with ftfy's own test for
    mojibake (``is_bad``) and its own character tables.

    >>> _without_ftfy("“Quoted” text", True, True), _without_ftfy("CafÃ©", True, True)
    ('"Quoted" text', None)
    """
    if (FTFY_TRIGGERS.search(line) or (fix_width and WIDTH_TRIGGERS.search(line))
            or not unicodedata.is_normalized("NFC", line) or ftfy.badness.is_bad(line)):
        return None
    if not uncurl_quotes:
        return line
    fixed = ftfy.fixes.uncurl_quotes(line)
    # ftfy would look again at the straightened line (its second round): so do we.
    return fixed if fixed == line or not ftfy.badness.is_bad(fixed) else None


def _ftfy_lines(text: str, uncurl_quotes: bool, fix_width: bool) -> tuple[str, set[str]]:
    """ftfy line by line (bounded cost on long texts), with the names of the fixes applied.

    Lines without CJK characters get the quote and width fixes too (ftfy interleaves them
    with its decoding rounds, which undoes some double mojibake) unless the repaired line
    turns out to be CJK text (mojibake of Chinese has no CJK character before it is fixed):
    then it is fixed again without them. Lines ftfy would leave alone, or only straighten
    the quotes of, skip it (:func:`_without_ftfy`).
    """
    latin_config = _ftfy_config(uncurl_quotes, fix_width)
    out, names = [], set()
    for line in _segments(text):
        if line.isascii() and not CONTROL_RE.search(line) and "\r" not in line:
            out.append(line)  # nothing ftfy could change: save the time
            continue
        cjk = CJK_RE.search(line) is not None
        quick = _without_ftfy(line, uncurl_quotes and not cjk, fix_width and not cjk)
        if quick is not None:
            if quick != line:
                names.add("uncurl_quotes")
            out.append(quick)
            continue
        config = CJK_SAFE_CONFIG if cjk else latin_config
        fixed, explanation = ftfy.fix_and_explain(line, config)
        if not cjk and (uncurl_quotes or fix_width) and CJK_RE.search(fixed):
            config = CJK_SAFE_CONFIG
            fixed, explanation = ftfy.fix_and_explain(line, config)
        if "\xa0" in fixed and ftfy.badness.is_bad(fixed):
            # A no-break space next to mojibake ("\xa0â€œ") can pass for the last byte of a
            # sequence and keep ftfy from reading it; the text's spaces are normalised later
            # anyway, so the line is fixed as it will read then (else a second cleaning would
            # repair what the first left).
            fixed, more = ftfy.fix_and_explain(fixed.replace("\xa0", " "), config)
            explanation = [*(explanation or []), *(more or [])]
        names |= _ftfy_names(explanation or [])
        if fixed != line and not explanation:
            names.add("ftfy")
        out.append(fixed)
    return "".join(out), names


def repair_text(text: str, *, unescape: bool = True, uncurl_quotes: bool = True,
                fix_width: bool = True) -> tuple[str, list[str]]:
    """Repair broken text; return it with the sorted names of the repairs applied.

    Fixes mojibake (UTF-8 read as cp1252/latin-1/..., also twice), HTML entities (also
    escaped twice, ``&amp;#123;``), C1 controls, stray control characters, ligatures, line
    breaks, and normalises to NFC. Terminal codes go (ANSI sequences, what is left of them
    once their ESC was lost, bidirectional overrides: :func:`strip_terminal_codes`).
    Outside CJK text it also straightens curly quotes and narrows full-width forms (ftfy's
    defaults). Pass ``unescape=False`` for markup, where
    entities belong to the HTML parser.

    >>> repair_text("CafÃ© &amp;amp; â€œbarâ€\\x9d")
    ('Café & "bar"', ['fix_encoding', 'uncurl_quotes', 'unescape_html', 'unescape_html_twice'])
    """
    names: set[str] = set()
    if unescape and "&" in text:
        text, rounds = unescape_entities(text)
        if rounds:
            names.add("unescape_html")
        if rounds > 1:
            names.add("unescape_html_twice")
    stripped = strip_terminal_codes(text)
    if stripped != text:
        text = stripped
        names.add("terminal_codes")
    text, fixed = _ftfy_lines(text, uncurl_quotes, fix_width)
    names |= fixed
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        names.add("nfc")
    return text, sorted(names)


def straighten_lines(text: str, uncurl_quotes: bool = True, fix_width: bool = True) -> str:
    """Straight quotes and narrow forms on every line without CJK text, as the text will
    finally be cut into lines.

    :func:`repair_text` decides per line of its input; later steps cut lines further (a form
    feed or CR becomes a line break, a credit line glued on is taken away) and a line can
    lose the CJK text that kept its curly quotes. Cleaning the result again would then
    straighten them: applied last, this makes cleaning idempotent.

    >>> straighten_lines("“quoted” ｆｕｌｌ\\n上海“引号”")
    '"quoted" full\\n上海“引号”'
    """
    if not (uncurl_quotes or fix_width) or text.isascii():
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.isascii() or CJK_RE.search(line):
            continue
        if uncurl_quotes:
            line = ftfy.fixes.uncurl_quotes(line)
        if fix_width:
            line = ftfy.fixes.fix_character_width(line)
        lines[number] = line
    return "\n".join(lines)


__all__ = ["CJK_RE", "repair_text", "straighten_lines", "unescape_entities"]
