"""Every boilerplate phrase rule against real prose, to find false positives.

1. **prose** — lines that must stay: the article bodies of ``eval/extraction/ground-truth.json``,
   the snippets trafilatura's evaluation requires (``expected.json``, ``with``), and every line
   of ``eval/translation/*.jsonl`` and ``eval/parallel/docs.jsonl`` (news, chat turns, reviews in
   about 15 languages). Any rule that matches one of them is printed with its examples.
2. **pages** (``--pages``) — every line trafilatura extracts (recall mode, no cleaning) from the
   205 evaluation pages: what each rule would remove there, to read through by hand.

Reads ``../shared/eval`` (or ``$CLEANER_EVAL_DIR``).
Run: ``.venv/bin/python benchmarks/bench_rules_audit.py [--pages]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.stages.boilerplate.rules import (  # noqa: E402
    MAX_CHROME_LINE,
    MAX_CHROME_TAIL,
    RULES_DIR,
    parse_rules,
)

EVAL_DIR = Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))


def prose_lines() -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []

    def add(origin: str, text: str) -> None:
        lines.extend((origin, line.strip()) for line in text.split("\n") if line.strip())

    truth = json.loads((EVAL_DIR / "extraction" / "ground-truth.json").read_text("utf-8"))
    for key, value in truth.items():
        add(f"ground-truth {key[:8]}", value["articleBody"])
    expected = json.loads((EVAL_DIR / "extraction" / "trafilatura_eval" / "expected.json")
                          .read_text("utf-8"))
    for key, value in expected.items():
        for snippet in value.get("with") or []:
            add(f"trafilatura with {key}", snippet)
    for path in sorted((EVAL_DIR / "translation").glob("*.jsonl")):
        if path.name != "pairs.jsonl":
            for row in map(json.loads, path.read_text("utf-8").splitlines()):
                add(f"translation {row['id']}", row["text"])
    for row in map(json.loads, (EVAL_DIR / "parallel" / "docs.jsonl").read_text("utf-8")
                   .splitlines()):
        add(f"parallel {row['doc_id']}", row["text"])
    return lines


def page_lines() -> list[tuple[str, str]]:
    import trafilatura

    base = EVAL_DIR / "extraction"
    lines = []
    for path in sorted((base / "html").glob("*.html.gz")) + sorted(
            (base / "trafilatura_eval" / "html").glob("*.html")):
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        text = trafilatura.extract(raw, favor_recall=True) or ""
        lines.extend((path.name[:16], line.strip()) for line in text.split("\n") if line.strip())
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", action="store_true", help="audit extracted pages instead")
    args = parser.parse_args()
    if not (EVAL_DIR / "extraction").is_dir():
        print(f"evaluation data not found under {EVAL_DIR} (set CLEANER_EVAL_DIR); skipped")
        return 0
    lines = page_lines() if args.pages else prose_lines()
    print(f"{len(lines)} lines of {'extracted pages' if args.pages else 'real prose'}")
    total = 0
    for path in sorted(RULES_DIR.glob("*.txt")):
        for rule in parse_rules(path.read_text(encoding="utf-8"), path.name):
            found = []
            for origin, line in lines:
                if rule.kind in ("line", "credit"):
                    match = len(line) <= MAX_CHROME_LINE and rule.pattern.fullmatch(line)
                else:
                    match = rule.pattern.search(line, max(0, len(line) - MAX_CHROME_TAIL))
                if match:
                    found.append((origin, line))
            if found:
                total += len(found)
                print(f"{rule.origin} {rule.kind} {rule.name}: {len(found)}")
                for origin, line in found[:6]:
                    print(f"    {origin}: {line[:140]!r}")
    print(f"{total} lines matched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
