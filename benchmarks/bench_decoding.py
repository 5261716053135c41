"""Benchmark the decode stage: mojibake repair and charset decoding.

Run: ``.venv/bin/python benchmarks/bench_decoding.py [-v]`` (the eval data is read from
``../shared/eval`` relative to the repository, or from ``$CLEANER_EVAL_DIR``).

Prints two figures:

1. **Mojibake** (``mojibake/*.json``, ftfy's test cases): the share of ``expect: pass`` cases
   whose ``original`` comes out equal to ``fixed`` (whitespace aside), through
   :func:`cleaner.text.repair.repair_text` and through the decode stage's ``DecodeStep`` on the
   text as a UTF-8 ``.txt`` document; and how many negative cases (text that must not be
   "fixed") come out unchanged. ``known-failures.json`` (``expect: fail``) is reported apart.
2. **Encodings** (``parallel/docs.jsonl``, real zh/en news): each document re-encoded as
   servers send it (GB18030, GBK, cp1252, latin-1, UTF-16, UTF-8 with BOM), as a ``.txt`` and
   as an ``.html`` page with and without ``<meta charset>`` and with a lying one (it says
   UTF-8, or names another legacy charset). A document is intact when DecodeStep gives the
   same text as it gives for the page in plain UTF-8 (so only decoding is measured, not
   repair policy). Encodings that cannot represent a document are skipped and counted.
   Printed on the whole set and on its two halves by ``doc_id`` (``benchmarks/evalsplit.py``:
   ``tune``, where settings may be chosen, ``confirm``, where none was).

3. **Short texts** (``langid/sentences.jsonl``): one-sentence texts in 26 languages, each
   encoded undeclared in its language's legacy code page(s) (GB18030/Big5, Shift_JIS/EUC-JP,
   EUC-KR, cp1250-cp1258, KOI8-R, TIS-620): the share decoded exactly (detection on little
   evidence; not a target figure).

4. **Other corpora** (``translation/*.jsonl``, the article bodies of
   ``extraction/ground-truth.json``): every text with non-ASCII characters, undeclared, in
   cp1252, latin-1, cp1250 and cp1251 where it fits: the share decoded exactly, per halves.
   Texts of one language in another's code page (an English story naming "Jiří") are often
   ambiguous by nature: a stress figure, not a target.

``-v`` lists every failure.
"""

from __future__ import annotations

import html
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from evalsplit import HALVES, eval_dir, half, require  # noqa: E402

from cleaner.document import Document, Drop  # noqa: E402
from cleaner.pipeline import StepStats  # noqa: E402
from cleaner.stages.decode.evidence import decode_bytes  # noqa: E402
from cleaner.stages.decode.step import DecodeStep  # noqa: E402
from cleaner.text.repair import repair_text  # noqa: E402

EVAL_DIR = eval_dir()
MOJIBAKE_FILES = ["in-the-wild", "synthetic", "negative", "language-names", "known-failures"]
# Python codec -> the label a server would send for it.
ENCODINGS = {"gb18030": "gb18030", "gbk": "gbk", "cp1252": "windows-1252",
             "latin-1": "iso-8859-1", "utf-16": "utf-16", "utf-8-sig": "utf-8"}
# The labels a lying page declares instead of the real one: UTF-8 (the usual lie), and
# another legacy charset.
LIES = {"gb18030": "utf-8", "gbk": "utf-8", "cp1252": "utf-8", "latin-1": "utf-8",
        "utf-16": "iso-8859-1", "utf-8-sig": "gbk"}
LEGACY_LIES = {"gb18030": "iso-8859-1", "gbk": "big5", "cp1252": "gbk", "latin-1": "koi8-r",
               "utf-16": "gbk", "utf-8-sig": "windows-1252"}
VARIANTS = ["txt", "html", "html+meta", "html+lying-meta", "html+lying-legacy"]
# ftfy's expected outputs straighten curly quotes (ftfy's default); cleaner keeps them by
# default ([ingest] uncurl_quotes = false), so the repair is measured with ftfy's convention.
STEP = DecodeStep(uncurl_quotes=True)


def squash(text: str) -> str:
    """Text with all whitespace runs made one space (the comparison is whitespace-blind)."""
    return " ".join(text.split())


def decode(data: bytes, name: str) -> str | None:
    """Run DecodeStep on ``data`` as a file called ``name``; its text or markup, or None."""
    kind = "html" if name.endswith(".html") else "text"
    result = STEP.process(Document(source=name, data=data, content_type=kind),
                          StepStats("decode"))
    if isinstance(result, Drop):
        return None
    return result.html if result.html is not None else result.text


def bench_mojibake(verbose: bool) -> None:
    print("== Mojibake repair (ftfy test cases) ==")
    totals: Counter[str] = Counter()
    for name in MOJIBAKE_FILES:
        path = EVAL_DIR / "mojibake" / f"{name}.json"
        cases = json.loads(path.read_text(encoding="utf-8"))
        counts: Counter[str] = Counter()
        for case in cases:
            expected = squash(case["fixed"])
            by_function = squash(repair_text(case["original"])[0])
            by_step = squash(decode(case["original"].encode("utf-8"), "case.txt") or "")
            # ftfy's own test adds a layer: the original's UTF-8 read as latin-1 once more.
            extra_bad = case["original"].encode("utf-8").decode("latin-1")
            counts["cases"] += 1
            counts["function"] += by_function == expected
            counts["step"] += by_step == expected
            if case["expect"] == "pass":
                totals["extra"] += squash(repair_text(extra_bad)[0]) == expected
            if verbose and case["expect"] == "pass" and by_step != expected:
                print(f"  FAIL {name}: {case['original'][:70]!r}\n"
                      f"       got  {by_step[:70]!r}\n       want {expected[:70]!r}")
            if case["expect"] == "pass":
                totals["pass"] += 1
                totals["pass_function"] += by_function == expected
                totals["pass_step"] += by_step == expected
            if name == "negative":
                totals["negative"] += 1
                totals["negative_unchanged"] += by_step == expected
        print(f"  {name:16} {counts['cases']:4} cases  repair_text {counts['function']:4}  "
              f"DecodeStep {counts['step']:4}")
    print(f"  expect=pass: repair_text {totals['pass_function'] / totals['pass']:.1%}, "
          f"DecodeStep {totals['pass_step'] / totals['pass']:.1%} "
          f"({totals['pass_step']}/{totals['pass']}) equal to `fixed`")
    print(f"  negative cases unchanged: {totals['negative_unchanged']}/{totals['negative']}")
    print(f"  with one more layer of mojibake (ftfy's own check): repair_text "
          f"{totals['extra']}/{totals['pass']}")


def page(text: str, meta: str | None) -> str:
    """An HTML page around ``text`` (first line as title), with an optional meta charset."""
    lines = [html.escape(line, quote=False) for line in text.splitlines() if line.strip()]
    head = f'<meta charset="{meta}">' if meta else ""
    body = "\n".join(f"<p>{line}</p>" for line in lines[1:])
    return (f"<!DOCTYPE html>\n<html><head>{head}<title>{lines[0] if lines else ''}</title>"
            f"</head>\n<body>\n<h1>{lines[0] if lines else ''}</h1>\n{body}\n</body></html>\n")


def bench_encodings(verbose: bool) -> None:
    print("== Charset decoding (parallel/docs.jsonl re-encoded) ==")
    docs = [json.loads(line) for line in
            (EVAL_DIR / "parallel" / "docs.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    intact: Counter[tuple[str, str]] = Counter()
    tried: Counter[tuple[str, str]] = Counter()
    by_half: Counter[tuple[str, bool]] = Counter()
    skipped: Counter[str] = Counter()
    started = time.perf_counter()
    for doc in docs:
        for codec, label in ENCODINGS.items():
            try:
                doc["text"].encode(codec)
            except UnicodeEncodeError:
                skipped[codec] += 1
                continue
            for variant in VARIANTS:
                if variant == "txt":
                    source, name = doc["text"], "doc.txt"
                else:
                    meta = {"html": None, "html+meta": label, "html+lying-meta": LIES[codec],
                            "html+lying-legacy": LEGACY_LIES[codec]}[variant]
                    source, name = page(doc["text"], meta), "doc.html"
                reference = decode(source.encode("utf-8"), name)
                got = decode(source.encode(codec), name)
                tried[codec, variant] += 1
                ok = got is not None and reference is not None and squash(got) == squash(
                    reference)
                intact[codec, variant] += ok
                by_half["whole", ok] += 1
                by_half[half(doc["doc_id"]), ok] += 1
                if verbose and not ok:
                    print(f"  FAIL {doc['doc_id']} as {codec} {variant}: "
                          f"{squash(got or '<dropped>')[:60]!r}")
    seconds = time.perf_counter() - started
    print(f"  {'encoding':10}" + "".join(f"{v:>19}" for v in VARIANTS) + "   skipped")
    for codec in ENCODINGS:
        cells = "".join(f"{intact[codec, v]:>12}/{tried[codec, v]:<6}" for v in VARIANTS)
        print(f"  {codec:10}{cells}   {skipped[codec]}")
    total_ok, total = sum(intact.values()), sum(tried.values())
    print(f"  intact: {total_ok}/{total} = {total_ok / total:.2%} of re-encoded documents "
          f"({sum(skipped.values())} document/encoding combinations skipped: not representable)")
    print("  intact by half: " + ", ".join(
        f"{name} {by_half[name, True]}/{by_half[name, True] + by_half[name, False]}"
        for name in HALVES))
    print(f"  {2 * total} decodes in {seconds:.1f} s")


# Legacy code pages per language, for the short-text figure.
LEGACY = {"ru": ["cp1251", "koi8_r"], "uk": ["cp1251"], "sr": ["cp1251"], "ja": ["cp932", "euc_jp"],
          "zh": ["gb18030", "big5hkscs"], "ko": ["cp949"], "pl": ["cp1250"], "cs": ["cp1250"],
          "sk": ["cp1250"], "hr": ["cp1250"], "bs": ["cp1250"], "tr": ["cp1254"],
          "he": ["cp1255"], "ar": ["cp1256"], "fa": ["cp1256"], "th": ["cp874"], "vi": ["cp1258"],
          **{lang: ["cp1252"] for lang in ("de", "fr", "es", "pt", "it", "nl", "sv", "da", "nb")}}


def bench_short_texts(verbose: bool) -> None:
    print("== Short texts (langid/sentences.jsonl, undeclared legacy encodings) ==")
    path = EVAL_DIR / "langid" / "sentences.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    ok = tried = 0
    for item in items:
        for codec in LEGACY.get(item["lang"], []):
            try:
                data = item["text"].encode(codec)
            except UnicodeEncodeError:
                continue
            if data.isascii():
                continue  # nothing to detect
            got = decode_bytes(data).text
            tried += 1
            ok += got == item["text"]
            if verbose and got != item["text"]:
                print(f"  FAIL {item['lang']} {codec}: {got[:50]!r}")
    print(f"  decoded exactly: {ok}/{tried} = {ok / tried:.1%}")


def other_texts() -> list[tuple[str, str]]:
    """(id, text) of the translation documents and the article-benchmark bodies."""
    texts = []
    for path in sorted((EVAL_DIR / "translation").glob("*.jsonl")):
        if path.name == "pairs.jsonl":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append((row["id"], row["text"]))
    truth = EVAL_DIR / "extraction" / "ground-truth.json"
    if truth.is_file():
        for page_id, item in sorted(json.loads(truth.read_text(encoding="utf-8")).items()):
            texts.append((page_id, item["articleBody"]))
    return texts


def bench_other_corpora(verbose: bool) -> None:
    print("== Other corpora (translation/, extraction ground truth; undeclared) ==")
    counts: Counter[tuple[str, str, bool]] = Counter()
    codecs_tried = ["cp1252", "latin-1", "cp1250", "cp1251"]
    for text_id, text in other_texts():
        for codec in codecs_tried:
            try:
                data = text.encode(codec)
            except UnicodeEncodeError:
                continue
            if data.isascii():
                continue
            ok = decode_bytes(data).text == text
            for name in ("whole", half(text_id)):
                counts[codec, name, ok] += 1
            if verbose and not ok:
                print(f"  FAIL {text_id} {codec}: {decode_bytes(data).codec}")
    for codec in codecs_tried:
        print(f"  {codec:8} " + ", ".join(
            f"{name} {counts[codec, name, True]}/"
            f"{counts[codec, name, True] + counts[codec, name, False]}" for name in HALVES))
    right = sum(counts[c, "whole", True] for c in codecs_tried)
    total = right + sum(counts[c, "whole", False] for c in codecs_tried)
    print(f"  decoded exactly: {right}/{total} = {right / total:.1%}")


def main() -> int:
    verbose = "-v" in sys.argv[1:]
    require("mojibake")
    require("parallel", "docs.jsonl")
    bench_mojibake(verbose)
    bench_encodings(verbose)
    bench_short_texts(verbose)
    bench_other_corpora(verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
