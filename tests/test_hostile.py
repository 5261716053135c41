"""Hostile inputs through `cleaner build`: the build exits 0, keeps every good page, accounts
for every bad one with a reason, and leaks nothing (script/style text, files outside the input
folder, output outside the output folder).

The corpus is written by :func:`write_corpus`; ``benchmarks/bench_hostile.py`` builds the same
kinds at full size (tens of MB pages, 20 MB lines, 100k nested elements).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaner.cli import main
from cleaner.document import Document, Removal
from cleaner.pipeline import DocumentStep, RunState, StepStats, map_documents
from cleaner.pipeline.limits import (
    DEFAULT_STEP_SECONDS,
    LimitsConfig,
    TimeLimitExceeded,
    signals_available,
    time_limit,
)

ROOT = Path(__file__).resolve().parent.parent
# Text that sits where no data may come from: scripts, styles, files outside the input.
LEAK = "LEAKMARKER"

WORDS = (
    "council", "bank", "bond", "market", "carbon", "river", "bridge", "budget", "harbour",
    "school", "museum", "railway", "farmer", "teacher", "solar", "wind", "storage", "grid",
    "loan", "investor", "credit", "forest", "village", "mayor", "report", "plan", "policy",
    "tax", "water", "energy", "factory", "port", "train", "clinic", "library", "garden",
    "union", "minister", "court", "audit", "price", "steel", "copper", "wheat", "rice",
    "coffee", "orchard", "festival", "lake", "island", "valley", "tunnel", "airport",
    "station", "hospital", "student", "reader", "editor", "street", "square", "program",
    "climate", "ocean", "mountain", "harvest", "export", "import", "shipping", "insurance",
    "pension", "fund", "index", "share", "profit", "salary", "worker", "engineer", "doctor",
    "nurse", "painter", "singer",
)
VERBS = (
    "approved", "announced", "reviewed", "expanded", "reduced", "opened", "closed", "visited",
    "measured", "built", "funded", "studied", "planned", "delayed", "welcomed", "questioned",
)


def sentence(rng: random.Random) -> str:
    """A plausible English sentence of random words (distinct pages never look alike)."""
    words = rng.sample(WORDS, 9)
    return (f"The {words[0]} {rng.choice(VERBS)} the {words[1]} and the {words[2]} of the "
            f"{words[3]} near the {words[4]}, while the {words[5]} {rng.choice(VERBS)} a "
            f"{words[6]} for the {words[7]} {words[8]}.")


def paragraphs(rng: random.Random, count: int = 6) -> list[str]:
    return [" ".join(sentence(rng) for _ in range(4)) for _ in range(count)]


def good_page(rng: random.Random, title: str) -> str:
    """A whole news page whose script, style and other non-content elements carry LEAK."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs(rng))
    return (f"<!DOCTYPE html><html><head><title>{title}</title>"
            f"<style>body {{ content: '{LEAK}-style'; }}</style>"
            f"<script>var x = '{LEAK}-script';</script>"
            f'<script type="application/ld+json">{{"name": "{LEAK}-jsonld"}}</script>'
            f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}"
            f"<script>document.write('{LEAK}-inline')</script>"
            f"<noscript>{LEAK}-noscript</noscript><template><p>{LEAK}-template</p></template>"
            f"<iframe>{LEAK}-iframe</iframe><svg><text>{LEAK}-svg</text></svg>"
            f"<style>p {{ color: red }} /* {LEAK}-style2 */</style>"
            "</article></body></html>")


@dataclass
class Corpus:
    """What :func:`write_corpus` wrote: the input folder and what should become of each source."""

    inputs: Path
    good: list[str] = field(default_factory=list)
    # source -> the reasons that are acceptable for it in the audit
    bad: dict[str, set[str]] = field(default_factory=dict)
    # files that must never be touched or read (outside the input folder)
    outside: list[Path] = field(default_factory=list)


def write_corpus(root: Path, *, big_bytes: int, line_bytes: int, depth: int,
                 good: int = 12, seed: int = 0) -> Corpus:
    """Write good pages beside every kind of hostile input under ``root/input``.

    ``big_bytes`` is the size of the over-the-cap page (build with ``max_file_bytes`` below
    it), ``line_bytes`` the size of the single-line documents, ``depth`` the nesting of the
    deep page. The outside files live in ``root/outside``.
    """
    rng = random.Random(seed)
    root = root.resolve()  # symlinks below point at absolute paths
    inputs = root / "input"
    (inputs / "pages").mkdir(parents=True)
    corpus = Corpus(inputs)

    def put(name: str, data: bytes | str) -> Path:
        path = inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    for number in range(good):
        put(f"pages/good-{number:03d}.html", good_page(rng, f"Report number {number}"))
        corpus.good.append(f"pages/good-{number:03d}.html")
    # Text and Markdown pages that are good too, one with harmless front matter.
    put("pages/good-text.txt", "\n\n".join(paragraphs(rng)))
    put("pages/good-front.md", "---\ntitle: Plain front matter\ntags: [a, b]\n---\n"
        + "\n\n".join(paragraphs(rng)))
    corpus.good += ["pages/good-text.txt", "pages/good-front.md"]
    # Front matter that attacks the YAML parser: the page is kept, its front matter is not.
    bomb = "\n".join(['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
                     + [f'{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},'
                        f'*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]'
                        for i in range(9)])
    put("pages/yaml-bomb.md", f"---\n{bomb}\n---\n" + "\n\n".join(paragraphs(rng)))
    witness = root / "outside" / "pwned"
    put("pages/yaml-python.md", "---\ntitle: !!python/object/apply:os.system "
        f"['touch {witness}']\nx: !!python/name:os.system\n---\n"
        + "\n\n".join(paragraphs(rng)))
    corpus.good += ["pages/yaml-bomb.md", "pages/yaml-python.md"]
    corpus.outside.append(witness)
    # A page with a few NUL bytes in it is repaired and kept.
    put("pages/few-nuls.txt", "\n\n".join(paragraphs(rng)).replace(". ", ".\x00 ", 2))
    corpus.good.append("pages/few-nuls.txt")
    # Deep nesting (beyond the parser's 256 levels): the text inside survives, read without
    # a tree (or, on a slow machine, the page is removed with a reason).
    nested = ("<html><body>" + "<div>" * depth + "<p>" + " ".join(paragraphs(rng, 2))
              + "</p>" + "</div>" * depth + "</body></html>")
    put("pages/deep.html", nested)
    corpus.bad["pages/deep.html"] = {"keep", "timeout"}
    # One enormous line of words with no break at all (text and markup).
    def one_line() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(line_bytes // 6))[:line_bytes]

    put("pages/one-line.txt", one_line())
    put("pages/one-line.html", f"<html><body><p>{one_line()}</p></body></html>")
    corpus.bad["pages/one-line.txt"] = {"keep", "timeout"}
    corpus.bad["pages/one-line.html"] = {"keep", "timeout"}

    # Binary data under page names, empty files, NUL-filled and invalid text.
    png = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(4096))
    put("pages/image.html", png)
    put("pages/noise.html", bytes(rng.randrange(256) for _ in range(8192)))
    put("pages/elf.txt", b"\x7fELF\x02\x01\x01" + bytes(2000))
    put("pages/nuls.html", b"<html><body><p>" + b"\x00" * 5000 + b"</p></body></html>")
    corpus.bad.update({"pages/image.html": {"binary"}, "pages/noise.html": {"binary",
                       "undecodable"}, "pages/elf.txt": {"binary"}, "pages/nuls.html": {
                       "binary"}})
    put("pages/empty.html", b"")
    put("pages/blank.txt", b" \n\t\r\n  ")
    put("pages/no-text.html", "<html><head><script>var a = 1;</script></head><body>"
        "<div><img src='x.png'></div></body></html>")
    corpus.bad.update({"pages/empty.html": {"empty"}, "pages/blank.txt": {"empty"},
                       "pages/no-text.html": {"empty"}})
    put("pages/invalid-utf8.html", b"<html><body><p>" + bytes(range(0x80, 0x100)) * 40
        + b"\xc3\x28\xa0\xa1\xe2\x28\xa1" * 200 + b"</p></body></html>")
    corpus.bad["pages/invalid-utf8.html"] = {"undecodable", "binary", "empty", "keep"}
    # Over the size cap: plain, and a small gzip that inflates past it (a gzip bomb).
    put("pages/huge.html", "<html><body>" + "<p>" + "big page " * (big_bytes // 9) + "</p>")
    put("pages/bomb.html.gz", gzip.compress(b" " * (big_bytes + 1), compresslevel=9))
    corpus.bad.update({"pages/huge.html": {"too_large"}, "pages/bomb.html.gz": {"too_large"}})
    # A truncated gzip download.
    whole = gzip.compress(good_page(rng, "Cut short").encode() * 20)
    put("pages/truncated.html.gz", whole[: len(whole) // 2])
    corpus.bad["pages/truncated.html.gz"] = {"corrupt_archive"}
    # JSONL with broken lines between good records: each record on its own.
    lines = []
    for number in range(1, 9):
        if number % 3 == 0:
            lines.append('{"text": "cut off in the mid' if number == 3 else "\x00\xff{{{")
            corpus.bad[f"records.jsonl#{number}"] = {"malformed_record"}
        else:
            lines.append(json.dumps({"id": number, "text": "\n\n".join(paragraphs(rng))}))
            corpus.good.append(f"records.jsonl#{number}")
    put("records.jsonl", "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")

    # Symbolic links leading out of the input folder: never followed.
    secret = root / "outside" / "secret.html"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(good_page(rng, f"{LEAK} secret").replace("<p>", f"<p>{LEAK} "))
    corpus.outside.append(secret)
    os.symlink(secret, inputs / "pages" / "link-out.html")
    os.symlink(secret.parent, inputs / "link-out-dir")
    os.symlink("../../outside/secret.html", inputs / "pages" / "relative-out.html")
    corpus.bad.update({"pages/link-out.html": {"outside_input"},
                       "link-out-dir": {"outside_input"},
                       "pages/relative-out.html": {"outside_input"}})
    # A link that stays inside is followed (a second name of a good page: a duplicate).
    os.symlink("good-000.html", inputs / "pages" / "link-in.html")
    corpus.bad["pages/link-in.html"] = {"exact_duplicate", "near_duplicate"}
    return corpus


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "cleaner", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def write_config(folder: Path, max_file_bytes: int, name: str = "hostile") -> Path:
    config = folder / "dataset.toml"
    config.write_text(f'[dataset]\nname = "{name}"\nversion = "1.0.0"\ninputs = ["input"]\n'
                      f'output = "dist"\n\n[ingest]\nmax_file_bytes = {max_file_bytes}\n')
    return config


def read_version(version: Path) -> tuple[list[dict], list[dict]]:
    """(documents, audit rows) of a built version."""
    docs = [row for path in sorted((version / "data" / "documents").glob("*.parquet"))
            for row in pq.read_table(path).to_pylist()]
    audit = pq.read_table(version / "audit" / "removed.parquet").to_pylist()
    return docs, audit


@dataclass
class Built:
    corpus: Corpus
    result: subprocess.CompletedProcess
    version: Path
    docs: list[dict]
    audit: list[dict]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("hostile")
    cap = 1_000_000
    corpus = write_corpus(root, big_bytes=3 * cap, line_bytes=600_000, depth=5_000)
    write_config(root, cap)
    # `cleaner build` in this process (a subprocess would import everything again); two
    # workers, so documents also go through worker processes.
    with pytest.MonkeyPatch.context() as patch, _captured() as (out, err):
        patch.chdir(root)
        code = main(["build", "--quiet", "--workers", "2"])
    result = subprocess.CompletedProcess(["cleaner", "build"], code, out.getvalue(),
                                         err.getvalue())
    version = root / "dist" / "hostile" / "1.0.0"
    docs, audit = read_version(version) if code == 0 else ([], [])
    return Built(corpus, result, version, docs, audit)


@contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        yield out, err


def test_the_build_exits_0(built):
    assert built.result.returncode == 0, built.result.stderr
    assert "Traceback" not in built.result.stderr


def test_every_good_page_is_kept(built):
    kept = {row["source"] for row in built.docs}
    assert sorted(set(built.corpus.good) - kept) == []


def test_every_bad_input_is_accounted_for_with_an_expected_reason(built):
    kept = {row["source"] for row in built.docs}
    reasons = {row["source"]: row["reason"] for row in built.audit}
    for source, expected in sorted(built.corpus.bad.items()):
        got = "keep" if source in kept else reasons.get(source, "missing")
        assert got in expected, (source, got, expected)


def test_every_input_is_counted_exactly_once(built):
    sources = [row["source"] for row in built.docs] + [row["source"] for row in built.audit]
    assert len(sources) == len(set(sources))
    manifest = json.loads((built.version / "manifest.json").read_text())
    assert manifest["counts"]["inputs"] == len(sources)
    assert set(built.corpus.good) | set(built.corpus.bad) <= set(sources)


def test_nothing_from_scripts_styles_or_outside_the_input_reaches_the_data(built):
    for row in built.docs:
        for column in ("text", "title", "author", "extra_meta", "url"):
            assert LEAK not in (row[column] or ""), (row["source"], column)
    for path in sorted(built.version.rglob("*")):
        if path.is_file():
            assert LEAK.encode() not in path.read_bytes(), path
    manifest = json.loads((built.version / "manifest.json").read_text())
    assert not any("outside" in source or "secret" in source for source in manifest["inputs"])


def test_yaml_tags_run_nothing_and_front_matter_errors_are_recorded(built):
    assert not built.corpus.outside[0].exists()  # the !!python/object/apply never ran
    errors = {row["source"]: row["front_matter_error"] for row in built.docs}
    assert errors["pages/yaml-python.md"] and errors["pages/yaml-bomb.md"]
    assert errors["pages/good-front.md"] is None


def test_the_version_validates(built, capsys):
    assert main(["validate", str(built.version)]) == 0, capsys.readouterr()


def test_deep_and_one_line_pages_keep_their_text(built):
    by_source = {row["source"]: row["text"] for row in built.docs}
    for source in ("pages/deep.html", "pages/one-line.txt", "pages/one-line.html"):
        if source in by_source:  # else a timeout, accounted for above
            assert len(by_source[source]) > 100


# --- output names cannot escape the output folder ------------------------------------------

@pytest.mark.parametrize("option, value", [
    ("--name", "../escape"), ("--name", "/tmp/escape"), ("--name", ".."),
    ("--name", "a/../../escape"), ("--version", "../../escape"), ("--version", "1.0.0/../..")])
def test_names_from_the_command_line_cannot_leave_the_output_folder(
        tmp_path, monkeypatch, capsys, option, value):
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "a.txt").write_text("\n\n".join(paragraphs(random.Random(1))))
    monkeypatch.chdir(tmp_path)
    code = main(["build", "input", "--output", "out", option, value, "--quiet", "--workers", "1"])
    error = capsys.readouterr().err
    assert code != 0
    assert len(error.strip().splitlines()) == 1 and option[2:] in error, error
    assert not (tmp_path / "escape").exists() and not Path("/tmp/escape").exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("manifest.json"))


@pytest.mark.parametrize("section", ['name = "../../escape"', 'version = "../escape"',
                                     'name = "x\\u0000y"'])
def test_names_from_the_config_cannot_leave_the_output_folder(
        tmp_path, monkeypatch, capsys, section):
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "a.txt").write_text("\n\n".join(paragraphs(random.Random(2))))
    (tmp_path / "dataset.toml").write_text(f'[dataset]\n{section}\ninputs = ["input"]\n')
    monkeypatch.chdir(tmp_path)
    code = main(["build", "--quiet", "--workers", "1"])
    error = capsys.readouterr().err
    assert code != 0
    assert len(error.strip().splitlines()) == 1 and section.split()[0] in error, error
    assert not (tmp_path.parent / "escape").exists() and not (tmp_path / "escape").exists()
    assert not any(tmp_path.rglob("manifest.json"))


# --- a time bound per step and document ----------------------------------------------------

class SleepyStep(DocumentStep):
    """A step that hangs on pages whose source says "slow" (a pathological page)."""

    name = "sleepy"

    def process(self, doc: Document, stats: StepStats) -> Document:
        if "slow" in doc.source:
            with contextlib.suppress(Exception):  # a broad fallback must not swallow the limit
                time.sleep(60)
        return doc


@pytest.mark.parametrize("workers", [1, 2])
def test_a_page_that_hangs_a_step_is_removed_as_timeout(workers):
    docs = [Document(source=name, text="x") for name in ("a", "slow-b", "c", "slow-d")]
    state = RunState()
    started = time.monotonic()
    out = list(map_documents(docs, [SleepyStep()], state, workers=workers, batch_size=1,
                             step_seconds=0.3))
    assert time.monotonic() - started < 20
    assert [item.source for item in out] == ["a", "slow-b", "c", "slow-d"]
    removed = {item.source: item for item in out if isinstance(item, Removal)}
    assert sorted(removed) == ["slow-b", "slow-d"]
    assert {r.reason for r in removed.values()} == {"timeout"}
    assert "sleepy" in removed["slow-b"].detail
    assert state.stats["sleepy"].dropped["timeout"] == 2


def test_time_limit_restores_an_outer_limit_and_does_nothing_off_the_main_thread():
    with pytest.raises(TimeLimitExceeded), time_limit(0.3):
        with time_limit(5):
            pass  # the inner limit ends; the outer one still holds
        time.sleep(5)
    seen = []

    def in_thread() -> None:
        with time_limit(0.01):
            time.sleep(0.1)
        seen.append(signals_available())

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert seen == [False]
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_runner_applies_the_limit_it_is_given():
    docs = [Document(source="slow-a", text="x")]
    out = list(map_documents(docs, [SleepyStep()], RunState(), step_seconds=0.3))
    assert out[0].reason == "timeout" and "0.3 s" in out[0].detail
    assert LimitsConfig().step_seconds == DEFAULT_STEP_SECONDS
    with pytest.raises(ValueError, match="step_seconds"):
        LimitsConfig(step_seconds=-1).check()
