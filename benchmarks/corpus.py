"""Generate a benchmark corpus of any size from real paragraphs, deterministically.

Sentences come from the real news texts of ``eval/parallel/*.jsonl`` (English and Chinese)
and the article bodies of ``eval/extraction/ground-truth.json`` (read from ``../shared/eval``
or ``$CLEANER_EVAL_DIR``). Each generated document is a headline and a few paragraphs of
sentences drawn from one language, so that its lines are almost never repeated elsewhere
(otherwise the repeated-blocks step would strip them) and two documents rarely look alike by
chance. The mix exercises every stage:

* plain-text pages (``.txt``) with a site line and a copyright line around the story;
* HTML pages (``.html``) with navigation, a sidebar, a script and a footer around an article;
* exact duplicates (a copy of an earlier document under another name);
* near duplicates (an earlier document with one sentence changed and a line added);
* the real parallel documents once each (translation pairs for the translation step).

The corpus is written to a folder (a temporary one at benchmark time; never commit it), in
sub-folders of 1,000 files. The same ``n`` and ``seed`` give the same bytes.

Run: ``.venv/bin/python benchmarks/corpus.py 10000 /tmp/corpus``
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))

# Shares of the generated documents (the rest are plain-text pages).
HTML_SHARE = 0.25
EXACT_SHARE = 0.04
NEAR_SHARE = 0.04
CHINESE_SHARE = 0.3

SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


@dataclass(frozen=True)
class Pools:
    """Real sentences by language, and the real parallel documents."""

    sentences: dict[str, list[str]]
    parallel: list[tuple[str, str, str]]  # (doc_id, lang, text)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, by its end punctuation; short fragments are left out.

    >>> split_sentences("One two three four. 五六七八九十。 x")
    ['One two three four.', '五六七八九十。']
    """
    return [s.strip() for s in SENTENCE_END.split(text) if len(s.strip()) >= 6]


def load_pools(eval_dir: Path = EVAL_DIR) -> Pools:
    """Read every sentence of the eval texts, grouped by language, in a fixed order."""
    sentences: dict[str, list[str]] = {"en": [], "zh": []}
    parallel = []
    for path in sorted((eval_dir / "parallel").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if "text" not in record or record.get("lang") not in sentences:
                continue
            for segment in record["text"].splitlines()[1:]:  # the headline is not prose
                sentences[record["lang"]].extend(split_sentences(segment))
            if path.name == "docs.jsonl":
                parallel.append((record["doc_id"], record["lang"], record["text"]))
    truth = json.loads((eval_dir / "extraction" / "ground-truth.json").read_text("utf-8"))
    for key in sorted(truth):
        for paragraph in truth[key]["articleBody"].split("\n"):
            sentences["en"].extend(split_sentences(paragraph))
    if not sentences["en"] or not sentences["zh"]:
        raise SystemExit(f"no sentences found under {eval_dir} (set CLEANER_EVAL_DIR)")
    return Pools({lang: sorted(set(s)) for lang, s in sentences.items()}, parallel)


def story(rng: random.Random, sentences: list[str]) -> tuple[str, list[str]]:
    """A headline and 3-8 paragraphs of 2-5 random sentences each."""
    joiner = "" if _is_chinese(sentences[0]) else " "
    headline = rng.choice(sentences).rstrip(".。!！?？")[:90]
    paragraphs = [joiner.join(rng.sample(sentences, rng.randint(2, 5)))
                  for _ in range(rng.randint(3, 8))]
    return headline, paragraphs


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def as_text(number: int, headline: str, paragraphs: list[str]) -> str:
    """A plain-text page: site line, headline, story, copyright line."""
    return "\n\n".join(["Daily Wire Service | News | Business | Sport", headline, *paragraphs,
                        f"Copyright 2024 Daily Wire Service. Story {number}."]) + "\n"


def as_html(number: int, headline: str, paragraphs: list[str]) -> str:
    """An HTML page: navigation, sidebar, script and footer around an article."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(headline)} - Daily Wire</title>"
        "<script>window.dataLayer=[];function track(){}</script></head>\n<body>"
        "<nav><a href=\"/\">Home</a> <a href=\"/news\">News</a> <a href=\"/sport\">Sport</a></nav>"
        f"<main><article><h1>{html.escape(headline)}</h1>"
        f"<p class=\"byline\">By Staff Reporter · 2024-03-{number % 28 + 1:02d}</p>\n{body}\n"
        "</article><aside><h3>Most read</h3><ul><li><a href=\"/a\">Markets rally</a></li>"
        "<li><a href=\"/b\">Storm warning</a></li></ul></aside></main>"
        "<footer>© 2024 Daily Wire. All rights reserved. <a href=\"/privacy\">Privacy</a>"
        "</footer></body></html>\n")


def near_copy(rng: random.Random, text: str) -> str:
    """An earlier page with one sentence-sized change and an added line."""
    lines = text.split("\n")
    middle = [i for i, line in enumerate(lines) if len(line) > 40]
    if middle:
        i = rng.choice(middle)
        lines[i] = lines[i][: len(lines[i]) * 3 // 4] + " (updated)"
    lines.insert(len(lines) // 2, "Editor's note: this story has been updated.")
    return "\n".join(lines)


def generate(n: int, out: Path, seed: int = 0, eval_dir: Path = EVAL_DIR) -> dict[str, int]:
    """Write ``n`` documents under ``out``; return how many of each kind."""
    pools = load_pools(eval_dir)
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[str, str]] = []  # (suffix, content) of unique pages, for duplicates
    kinds = {"text": 0, "html": 0, "exact": 0, "near": 0, "parallel": 0}
    parallel = iter(pools.parallel)
    for number in range(n):
        roll = rng.random()
        if written and roll < EXACT_SHARE:
            suffix, content = rng.choice(written)
            kind = "exact"
        elif written and roll < EXACT_SHARE + NEAR_SHARE:
            suffix, content = rng.choice(written)
            content, kind = near_copy(rng, content), "near"
        elif number % 50 == 25 and (doc := next(parallel, None)):
            suffix, content, kind = ".txt", doc[2] + "\n", "parallel"
        else:
            lang = "zh" if rng.random() < CHINESE_SHARE else "en"
            headline, paragraphs = story(rng, pools.sentences[lang])
            if rng.random() < HTML_SHARE:
                suffix, content, kind = ".html", as_html(number, headline, paragraphs), "html"
            else:
                suffix, content, kind = ".txt", as_text(number, headline, paragraphs), "text"
            if len(written) < 5000:
                written.append((suffix, content))
        folder = out / f"{number // 1000:04d}"
        folder.mkdir(exist_ok=True)
        (folder / f"{number:07d}{suffix}").write_text(content, encoding="utf-8")
        kinds[kind] += 1
    return kinds


def corpus_bytes(folder: Path) -> int:
    """Total size of the files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("docs", type=int, help="number of documents, e.g. 10000")
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    kinds = generate(args.docs, args.out, args.seed)
    print(json.dumps({"docs": args.docs, "bytes": corpus_bytes(args.out), **kinds}),
          file=sys.stdout)


if __name__ == "__main__":
    main()
