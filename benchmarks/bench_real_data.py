"""A new user's first day on real data: what a build keeps and removes, by reason.

Builds, each with the built-in defaults (as ``cleaner build INPUT`` outside the repository):

1. **folder** — the real pages of ``eval/extraction/html`` (55, gzipped) and
   ``eval/extraction/trafilatura_eval/html`` (150, 13+ languages), given as two folders;
2. **warc** — the same pages written here with warcio as a crawl would hold them: one
   ``request`` and one ``response`` record a page, every fifth page served with a charset header
   that lies (ISO-8859-1 for UTF-8 bytes), a redirect (301) and a 404 for some URLs, a
   robots.txt, an image, a digits-only text file, and a WARC-Date of 2024-03-01;
3. **jsonl** — the documents of ``eval/translation`` (news, chat turns, reviews, e-commerce;
   about half under 150 characters) as a JSONL dump with ``id``, ``text`` and a crawl
   ``timestamp``.

For each it prints the documents read, kept and removed by reason (and the filters' removals
one by one), and, for the WARC, how many ``published`` dates come from the pages against the
crawl date kept in ``extra_meta``. The evaluation data is read from ``../shared/eval`` (or
``$CLEANER_EVAL_DIR``); nothing is copied into the repository.

Run: ``nice .venv/bin/python benchmarks/bench_real_data.py [--workers 2] [--only warc]``
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVAL_DIR = Path(os.environ.get("CLEANER_EVAL_DIR", ROOT.parent / "shared" / "eval"))
EXTRACTION = EVAL_DIR / "extraction"
CRAWL_DATE = "2024-03-01T10:00:00Z"


def page_urls() -> list[tuple[str, bytes]]:
    """(url, html bytes) of every evaluation page."""
    pages = []
    truth = json.loads((EXTRACTION / "ground-truth.json").read_text(encoding="utf-8"))
    for path in sorted((EXTRACTION / "html").glob("*.html.gz")):
        page_id = path.name.split(".")[0]
        url = truth.get(page_id, {}).get("url") or f"https://example.org/{page_id}"
        pages.append((url, gzip.decompress(path.read_bytes())))
    expected = json.loads((EXTRACTION / "trafilatura_eval" / "expected.json").read_text(
        encoding="utf-8"))
    for path in sorted((EXTRACTION / "trafilatura_eval" / "html").glob("*.html")):
        raw = expected.get(path.stem, {}).get("url", "") or path.stem
        name = raw.split("::", 1)[-1]
        host, _, rest = name.partition("-")
        url = raw if raw.startswith("http") else f"https://{host}/{rest or path.stem}"
        pages.append((url, path.read_bytes()))
    return pages


def write_warc(path: Path) -> Counter[str]:
    """The pages as a crawl: requests, responses (some lying about their charset), a redirect
    and a 404 now and then, a robots.txt, an image and a digits-only text."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    made: Counter[str] = Counter()
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)

        def record(url: str, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            request = writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True),
                warc_headers_dict={"WARC-Date": CRAWL_DATE})
            writer.write_record(request)
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Date": CRAWL_DATE}))

        for number, (url, html) in enumerate(page_urls()):
            if number % 20 == 3:
                record(url.replace("https://", "http://", 1), "301 Moved Permanently",
                       [("Location", url), ("Content-Type", "text/html")], b"")
                made["redirect (301)"] += 1
            if number % 40 == 7:
                record(url + "/missing", "404 Not Found", [("Content-Type", "text/html")],
                       b"<html><body><h1>Not Found</h1></body></html>")
                made["404"] += 1
            charset = "utf-8"
            if number % 5 == 0:
                try:
                    html.decode("utf-8")
                    charset = "ISO-8859-1"  # a lie: the bytes are UTF-8
                    made["lying charset"] += 1
                except UnicodeDecodeError:
                    charset = "utf-8"  # a lie the other way
                    made["lying charset"] += 1
            record(url, "200 OK", [("Content-Type", f"text/html; charset={charset}")], html)
            made["page"] += 1
        record("https://example.org/robots.txt", "200 OK", [("Content-Type", "text/plain")],
               b"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
               b"Sitemap: https://example.org/sitemap.xml\n")
        record("https://example.org/logo.png", "200 OK", [("Content-Type", "image/png")],
               b"\x89PNG\r\n\x1a\n" + bytes(64))
        record("https://example.org/prices.txt", "200 OK", [("Content-Type", "text/plain")],
               b"1024 2048 4096\n8192 16384 32768\n")
        made.update(["robots.txt", "image", "digits-only text"])
    return made


def write_jsonl(path: Path) -> int:
    """The translation evaluation's documents as one crawl dump."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for source in sorted((EVAL_DIR / "translation").glob("*.jsonl")):
            if source.name == "pairs.jsonl":
                continue
            for line in source.read_text(encoding="utf-8").splitlines():
                doc = json.loads(line)
                out.write(json.dumps({"id": doc["id"], "text": doc["text"],
                                      "timestamp": CRAWL_DATE}, ensure_ascii=False) + "\n")
                count += 1
    return count


def report(title: str, inputs: list[Path], work: Path, workers: int) -> None:
    import pyarrow.parquet as pq

    from cleaner.build import build
    from cleaner.config import Config, default_name

    config = Config(base_dir=work)
    config.dataset.name = default_name(inputs)
    started = time.perf_counter()
    result = build(config, inputs=inputs, output=work / "dist", workers=workers)
    seconds = time.perf_counter() - started
    version = result.write.path
    audit = pq.read_table(version / "audit" / "removed.parquet").to_pylist()
    docs = []
    for shard in sorted((version / "data" / "documents").glob("*.parquet")):
        docs += pq.read_table(shard, columns=["source", "published", "extra_meta", "lang",
                                              "text"]).to_pylist()
    print(f"\n== {title}: {result.inputs} documents read, {result.kept} kept, "
          f"{len(audit)} removed ({seconds:.0f} s)")
    by_step = Counter((row["step"], row["reason"]) for row in audit)
    for (step, reason), count in sorted(by_step.items()):
        print(f"   removed by {step:12} {reason:22} {count}")
    languages = Counter(doc["lang"] for doc in docs)
    print("   kept languages: " + ", ".join(f"{k} {v}" for k, v in languages.most_common()))
    for row in audit:
        if row["step"] == "filters":
            print(f"   filters: {row['reason']:12} {row['source'][:70]!r}: {row['detail']}")
    crawled = sum(1 for d in docs if d["extra_meta"] and '"crawled"' in d["extra_meta"])
    published = sum(1 for d in docs if d["published"] is not None)
    on_crawl_day = sum(1 for d in docs if d["published"] is not None
                       and d["published"].isoformat() == CRAWL_DATE[:10])
    print(f"   published dates: {published} of {result.kept} kept ({on_crawl_day} on the crawl "
          f"day); crawl date kept in extra_meta: {crawled}")
    short = sorted((len(d["text"]), d["source"]) for d in docs)[:3]
    print("   shortest kept: " + "; ".join(f"{n} chars ({s[:50]})" for n, s in short))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["folder", "warc", "jsonl"], default=None)
    args = parser.parse_args()
    if not (EXTRACTION / "html").is_dir() or not (EVAL_DIR / "translation").is_dir():
        print(f"evaluation data not found under {EVAL_DIR} (set CLEANER_EVAL_DIR); skipped")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.only in (None, "folder"):
            report("folder (extraction/html + trafilatura_eval/html)",
                   [EXTRACTION / "html", EXTRACTION / "trafilatura_eval" / "html"],
                   work / "folder", args.workers)
        if args.only in (None, "warc"):
            crawl = work / "crawl.warc.gz"
            made = write_warc(crawl)
            print("\nWARC written: " + ", ".join(f"{k} {v}" for k, v in sorted(made.items())))
            report("warc", [crawl], work / "warc", args.workers)
        if args.only in (None, "jsonl"):
            dump = work / "translation-dump.jsonl"
            print(f"\nJSONL written: {write_jsonl(dump)} records")
            report("jsonl (translation eval documents)", [dump], work / "jsonl", args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
