"""Attacker-controlled strings (file names, WARC headers, page titles, tampered versions)
never act on what shows them: the dataset card (Markdown), the terminal and CI logs
(``inspect``, ``diff``, ``validate``, the build summary, error lines) and JUnit reports.

:func:`write_injection_corpus` writes the inputs; ``benchmarks/bench_hostile.py`` builds the
same corpus and counts, with :func:`markdown_injections` and :func:`terminal_injections`,
what got through.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import refresh_manifest
from test_hostile import paragraphs

from cleaner.cli import main

NAME = "injection"
# Payloads as they would act: a heading, raw HTML, links, a tracking image, terminal
# escapes (window title, clear screen, colour), a bidi override, a forged CI annotation.
FILE_NAMES = [
    "tick`s `# heading`.html",
    "line\n# Injected heading\n.html",
    "<img src=x onerror=alert(1)>.html",
    "[click](javascript:alert(1)).html",
    "esc\x1b]0;pwned\x07\x1b[2J.html",
    "bidi\u202eevil.lmth.html",
    "ci\n::error file=a.py,line=1::forged.html",
    "<details open><summary><img src=http:tracker.example>.html",
    "pipe | cell | split.html",
]
RECORD_IDS = [
    "<urn:a></details><script>alert(1)</script>",
    "<urn:b>![t](http://tracker.example/p.gif)",
    "<urn:c>\x1b]0;pwned\x07\x1b[2J\u202e",
    "<urn:d>\n::warning::forged",
]
TITLE = "<script>alert(1)</script> \x1b[31mRed\x1b[0m \u202eevil [0m"


def page(rng: random.Random, title: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs(rng, 5))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}"
            "</article></body></html>")


def warc(rng: random.Random) -> bytes:
    """A WARC whose record ids and target URIs (which name its records) carry markup, links
    and terminal escapes (written by hand: a WARC writer would refuse them, a crawler's
    output need not)."""
    out = []
    for record_id in RECORD_IDS:
        html = page(rng, "A record").encode()
        http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Content-Length: " + str(len(html)).encode() + b"\r\n\r\n" + html)
        record_id = record_id.replace("\n", " ")  # a header line cannot hold a line break
        head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: {record_id}\r\n"
                f"WARC-Target-URI: http://example.com/{len(out)}/{record_id}\r\n"
                "WARC-Date: 2022-07-28T11:50:54Z\r\n"
                "Content-Type: application/http; msgtype=response\r\n"
                f"Content-Length: {len(http)}\r\n\r\n").encode()
        out.append(head + http + b"\r\n\r\n")
    return b"".join(out)


@dataclass
class InjectionCorpus:
    inputs: Path
    # Every input file written (relative names, as bytes: some are not UTF-8).
    files: list[bytes]


def write_injection_corpus(root: Path, base: int = 4, seed: int = 3) -> InjectionCorpus:
    """``root/input`` with ``base`` plain pages; :func:`add_hostile_inputs` adds the rest."""
    rng = random.Random(seed)
    inputs = root / "input"
    inputs.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(base):
        name = f"plain-{number}.html"
        (inputs / name).write_text(page(rng, f"Plain page {number}"))
        files.append(name.encode())
    return InjectionCorpus(inputs, files)


def add_hostile_inputs(corpus: InjectionCorpus, seed: int = 4) -> None:
    """Files with hostile names, a WARC with hostile record ids, titles with escapes."""
    rng = random.Random(seed)
    folder = os.fsencode(corpus.inputs)
    names = [name.encode() for name in FILE_NAMES] + [b"caf\xe9\x1b[31m.html"]
    for name in names:
        with open(os.path.join(folder, name), "w") as handle:
            handle.write(page(rng, TITLE))
        corpus.files.append(name)
    (corpus.inputs / "crawl.warc").write_bytes(warc(rng))
    corpus.files.append(b"crawl.warc")


def write_config(root: Path) -> None:
    (root / "dataset.toml").write_text(
        f'[dataset]\nname = "{NAME}"\npretty_name = "Injection <b>test</b>"\n'
        'inputs = ["input"]\noutput = "dist"\nhomepage = "javascript:alert(1)"\n'
        'description = """\n# Not a heading\n<img src=x onerror=alert(1)>\n"""\n')


# --- what counts as an injection --------------------------------------------------------

# Characters that act on a terminal or a reader: controls (but the line feeds between
# lines), DEL, C1, bidi controls, line/paragraph separators.
ACTIVE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _prose(markdown: str) -> str:
    """The card without its YAML header, fenced code blocks and code spans (their content is
    shown as typed)."""
    if markdown.startswith("---\n"):
        markdown = markdown[markdown.index("\n---", 3) + 4:]
    out, fence = [], None
    for line in markdown.split("\n"):
        opening = re.match(r"^(`{3,}|~{3,})", line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.startswith(fence) and not line.strip(fence[0]):
            fence = None
        elif fence is None:
            out.append(re.sub(r"(?<!\\)`[^`\n]*`", "", line))
    return "\n".join(out)


def markdown_injections(markdown: str) -> list[str]:
    """What in a card could act when rendered: raw HTML, a link or image other than the
    card's own charts, a heading or annotation made from data, active characters."""
    found = [f"control {ch!r}" for ch in sorted(set(ACTIVE.findall(markdown)))]
    prose = _prose(markdown)
    found += [f"raw HTML {m.group(0)!r}" for m in re.finditer(r"(?<!\\)<[A-Za-z/!?][^\n]{0,20}",
                                                                prose)]
    found += [f"link {m.group(0)!r}" for m in re.finditer(r"(?<!\\)\]\((?!images/)[^\n]{0,30}",
                                                           prose)]
    found += [f"line {line!r}" for line in prose.split("\n")
              if line.startswith(("# Injected", "# Not a heading", "::", "</details"))]
    return found


def terminal_injections(text: str) -> list[str]:
    """What in terminal or CI output could act: active characters, a line that a CI system
    reads as a command (``::error ...::``)."""
    found = [f"control {ch!r}" for ch in sorted(set(ACTIVE.findall(text)))]
    found += [f"line {line!r}" for line in text.split("\n") if line.lstrip().startswith("::")]
    return found


# --- the build, and every place that shows its strings ----------------------------------

def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("injection")
    corpus = write_injection_corpus(root)
    write_config(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        first = run("build", "--quiet", "--workers", "1", "--version", "1.0.0")
        add_hostile_inputs(corpus)
        second = run("build", "--verbose", "--workers", "1", "--version", "1.1.0")
    return {"root": root, "first": first, "second": second,
            "old": root / "dist" / NAME / "1.0.0", "new": root / "dist" / NAME / "1.1.0"}


def test_the_builds_succeed(built):
    for code, _, err in (built["first"], built["second"]):
        assert code == 0, err


def test_the_card_shows_every_hostile_string_inert(built):
    card = (built["new"] / "README.md").read_text(encoding="utf-8")
    assert markdown_injections(card) == []
    # The strings are still there, escaped: the reader sees what the data holds.
    assert "\\<img src=x onerror=alert(1)\\>" in card
    assert "urn:a" in card and "urn:b" in card  # the changelog names the WARC records
    assert "javascript:alert" in card  # the homepage, as text, not as a link
    assert "# Not a heading" in card  # the description, shown as typed


def test_inspect_diff_and_the_build_summary_print_nothing_active(built):
    _, summary, err = built["second"]
    assert terminal_injections(summary + err) == []
    code, out, err = run("inspect", str(built["new"]), "--samples", "30")
    assert code == 0, err
    assert terminal_injections(out + err) == []
    assert "Red evil" in out  # a title, without its escapes
    code, out, err = run("diff", str(built["old"]), str(built["new"]))
    assert code == 0, err
    assert terminal_injections(out + err) == [] and "urn:c" in out


def tamper(version: Path) -> None:
    """Ids and a language that carry escapes, NUL and a forged annotation; checksums fixed."""
    relative = sorted((version / "data" / "documents").glob("*.parquet"))[0]
    table = pq.read_table(relative)
    ids = table.column("id").to_pylist()
    ids[0] = "\x1b]0;pwned\x07\x00<x>\n::error::forged\u202e"
    langs = table.column("lang").to_pylist()
    langs[-1] = "\x1b[2J"
    for name, values in (("id", ids), ("lang", langs)):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, table.schema.field(name), pa.array(values, pa.string()))
    pq.write_table(table, relative)
    refresh_manifest(version)


def test_validate_reports_on_tampered_data_are_inert_in_text_json_and_junit(built, tmp_path):
    version = tmp_path / NAME / "1.1.0"
    shutil.copytree(built["new"], version)
    tamper(version)
    junit = tmp_path / "report.xml"
    code, out, err = run("validate", str(version), "--junit", str(junit))
    assert code == 1
    assert terminal_injections(out + err) == [] and "::error::forged" in out
    code, out, _ = run("validate", str(version), "--format", "json")
    assert code == 1 and terminal_injections(out) == []
    assert json.loads(out)["valid"] is False
    text = junit.read_text(encoding="utf-8")
    assert terminal_injections(text.replace("\t", " ")) == []
    ET.parse(junit)  # well-formed XML


def test_error_lines_are_inert(built, tmp_path):
    code, out, err = run("inspect", str(tmp_path / "no\x1b]0;pwned\x07\n::error::x"))
    assert code == 2 and terminal_injections(out + err) == []
    assert len(err.strip().splitlines()) == 1


def test_the_hostile_version_validates(built):
    code, out, err = run("validate", str(built["new"]))
    assert code == 0, out + err


def test_titles_and_text_lose_terminal_codes(built):
    docs = [row for path in sorted((built["new"] / "data" / "documents").glob("*.parquet"))
            for row in pq.read_table(path).to_pylist()]
    titled = [row for row in docs if row["title"] and "Red" in row["title"]]
    assert titled
    for row in docs:
        for column in ("title", "text"):
            value = row[column] or ""
            assert not ACTIVE.search(value.replace("\n", " ")), (row["source"], column)
            assert "[31m" not in value and "[0m" not in value, (row["source"], column)
