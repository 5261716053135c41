"""Tests for cleaner.stages.ingest.reader: finding input documents and reading their bytes."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from cleaner.document import Document, Removal, document_id
from cleaner.errors import InputError
from cleaner.stages.ingest.reader import IngestConfig, Reader
from cleaner.text.dates import parse_date


def read_all(paths: list[Path], **config: object) -> list[Document | Removal]:
    return list(Reader(IngestConfig(**config)).read(paths))


def by_source(items: list[Document | Removal]) -> dict[str, Document | Removal]:
    return {item.source: item for item in items}


def test_folder_is_read_recursively_in_sorted_order_with_relative_posix_sources(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.html").write_bytes(b"<p>z</p>")
    (tmp_path / "a.txt").write_bytes(b"a")
    (tmp_path / "b" / "c.txt").write_bytes(b"c")
    (tmp_path / "b.txt").write_bytes(b"b")
    items = read_all([tmp_path])
    assert [item.source for item in items] == ["a.txt", "b.txt", "b/c.txt", "b/z.html"]
    assert all(isinstance(item, Document) for item in items)
    assert items[0].data == b"a"
    assert items[0].id == document_id("a.txt")
    assert items[3].content_type == "html" and items[2].content_type == "text"


def test_file_given_directly_is_named_by_its_file_name_however_it_is_typed(tmp_path,
                                                                           monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "page.htm").write_bytes(b"<p>x</p>")
    monkeypatch.chdir(tmp_path)
    (relative,) = read_all([Path("sub/page.htm")])
    (absolute,) = read_all([tmp_path / "sub" / "page.htm"])
    monkeypatch.chdir(tmp_path / "sub")
    (here,) = read_all([Path("page.htm")])
    assert relative.source == absolute.source == here.source == "page.htm"
    assert relative.id == absolute.id == here.id == document_id("page.htm")


def test_file_digests_are_sha256_of_input_files(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello")
    reader = Reader(IngestConfig())
    list(reader.read([tmp_path]))
    assert reader.file_digests == {"a.txt": hashlib.sha256(b"hello").hexdigest()}


def test_missing_input_raises_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="nope"):
        read_all([tmp_path / "nope"])


def test_too_large_file_is_recorded_not_read(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"x" * 1000)
    (tmp_path / "small.txt").write_bytes(b"x")
    items = by_source(read_all([tmp_path], max_file_bytes=100))
    removal = items["big.txt"]
    assert isinstance(removal, Removal)
    assert (removal.reason, removal.step) == ("too_large", "ingest")
    assert removal.id == document_id("big.txt")
    assert isinstance(items["small.txt"], Document)


def test_gzip_bomb_is_too_large(tmp_path):
    (tmp_path / "bomb.html.gz").write_bytes(gzip.compress(b"a" * 10_000))
    (item,) = read_all([tmp_path], max_file_bytes=1000)
    assert isinstance(item, Removal) and item.reason == "too_large"


def test_gzip_of_html_is_decompressed_and_truncated_gzip_is_recorded(tmp_path):
    packed = gzip.compress(b"<html><body><p>hello</p></body></html>" * 50)
    (tmp_path / "good.html.gz").write_bytes(packed)
    (tmp_path / "cut.html.gz").write_bytes(packed[: len(packed) // 2])
    items = by_source(read_all([tmp_path]))
    assert items["good.html.gz"].data.startswith(b"<html>")
    assert items["good.html.gz"].content_type == "html"
    assert isinstance(items["cut.html.gz"], Removal)
    assert items["cut.html.gz"].reason == "corrupt_archive"


def test_jsonl_records_bad_lines_rejected_good_ones_kept(tmp_path):
    lines = [
        json.dumps({"id": "r1", "text": "first", "url": "https://a.example/1",
                    "date": "2021-09-13", "title": "T1"}),
        "{not json",
        "",
        json.dumps({"html": "<p>third</p>", "published": "Mon, 13 Sep 2021 08:46:47 GMT"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"nothing": "here"}),
    ]
    (tmp_path / "recs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = by_source(read_all([tmp_path]))
    first = items["recs.jsonl#r1"]
    assert isinstance(first, Document)
    assert first.data == b"first" and first.url == "https://a.example/1"
    assert first.published == dt.date(2021, 9, 13) and first.title == "T1"
    assert first.meta["record_id"] == "r1" and first.charset_hint == "utf-8"
    assert items["recs.jsonl#2"].reason == "malformed_record"
    assert "recs.jsonl#3" not in items  # blank line: no record
    assert items["recs.jsonl#4"].content_type == "html"
    assert items["recs.jsonl#4"].published == dt.date(2021, 9, 13)
    assert items["recs.jsonl#5"].reason == "malformed_record"
    assert items["recs.jsonl#6"].reason == "malformed_record"


def test_json_field_names_are_configurable(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"story": "x", "where": "https://e.x/"}) + "\n")
    (item,) = read_all([tmp_path], json_text_fields=["story"], json_url_fields=["where"])
    assert item.data == b"x" and item.url == "https://e.x/"


def test_json_text_given_as_a_list_of_paragraphs(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": ["One.", "Two."]}) + "\n")
    (item,) = read_all([tmp_path])
    assert item.data == b"One.\n\nTwo."


def test_json_object_holding_an_array_of_records(tmp_path):
    (tmp_path / "export.json").write_text(json.dumps(
        {"site": "x", "articles": [{"text": "a"}, {"content": "b"}]}))
    items = read_all([tmp_path])
    assert [(i.source, i.data) for i in items] == [("export.json#1", b"a"),
                                                   ("export.json#2", b"b")]


def test_json_array_file_and_gzipped_jsonl(tmp_path):
    (tmp_path / "arr.json").write_text(json.dumps([{"text": "a"}, {"text": "b"}]))
    (tmp_path / "lines.jsonl.gz").write_bytes(gzip.compress(b'{"text": "c"}\n{"text": "d"}\n'))
    items = by_source(read_all([tmp_path]))
    assert items["arr.json#2"].data == b"b"
    assert items["lines.jsonl.gz#2"].data == b"d"


def test_symlink_leaving_the_input_folder_is_not_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    root = tmp_path / "in"
    root.mkdir()
    (root / "ok.txt").write_text("ok")
    os.symlink(outside, root / "link.txt")
    os.symlink(root / "ok.txt", root / "inside.txt")
    items = by_source(read_all([root]))
    assert items["link.txt"].reason == "outside_input"
    assert isinstance(items["inside.txt"], Document)
    assert "secret" not in [getattr(i, "data", b"").decode() for i in items.values()]


def test_symlink_loop_does_not_hang(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    items = read_all([tmp_path])
    assert [i.source for i in items] == ["a/x.txt"]


def _warc_bytes() -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    pages = [("https://a.example/ok", "200 OK", "text/html; charset=GBK",
              "<p>上海</p>".encode("gbk")),
             ("https://a.example/missing", "404 Not Found", "text/html", b"nope"),
             ("https://a.example/logo.png", "200 OK", "image/png", b"\x89PNG")]
    for url, status, ctype, body in pages:
        headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                           http_headers=headers,
                                           warc_headers_dict={"WARC-Date": "2022-07-28T11:50:54Z"})
        writer.write_record(record)
    return buffer.getvalue()


def test_warc_response_records_with_url_date_and_http_charset(tmp_path):
    (tmp_path / "crawl.warc.gz").write_bytes(_warc_bytes())
    items = read_all([tmp_path])
    docs = [i for i in items if isinstance(i, Document)]
    assert len(docs) == 1
    (doc,) = docs
    assert doc.source == "crawl.warc.gz#https://a.example/ok"
    assert doc.url == "https://a.example/ok" and doc.charset_hint == "gbk"
    # The crawl date is not the publication date: extraction looks for the page's own.
    assert doc.meta["crawled"] == "2022-07-28" and doc.published is None
    assert doc.content_type == "html"
    assert doc.data == "<p>上海</p>".encode("gbk")
    reasons = sorted(i.reason for i in items if isinstance(i, Removal))
    assert reasons == ["http_status", "unsupported_type"]


def test_truncated_warc_keeps_earlier_records(tmp_path):
    data = _warc_bytes()
    (tmp_path / "cut.warc.gz").write_bytes(data[: len(data) - 40])
    items = read_all([tmp_path])
    assert any(isinstance(i, Document) for i in items)


@pytest.mark.parametrize(("value", "expected"), [
    ("2021-09-13", dt.date(2021, 9, 13)),
    ("2021-09-13T08:46:47Z", dt.date(2021, 9, 13)),
    ("Mon, 13 Sep 2021 08:46:47 GMT", dt.date(2021, 9, 13)),
    ("2021年9月13日", dt.date(2021, 9, 13)),
    ("13.09.2021", dt.date(2021, 9, 13)),
    ("2021/9/13 10:00", dt.date(2021, 9, 13)),
    ("September 13, 2021", dt.date(2021, 9, 13)),
    (dt.datetime(2021, 9, 13, 8), dt.date(2021, 9, 13)),
    ("03/04/2021", None),
    ("not a date", None),
    (True, None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_same_relative_name_in_two_inputs_keeps_both_with_unique_sources(tmp_path):
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "page.txt").write_text(folder)
    items = read_all([tmp_path / "one", tmp_path / "two"])
    assert [item.source for item in items] == ["one/page.txt", "two/page.txt"]
    assert [item.data for item in items] == [b"one", b"two"]
    backward = read_all([tmp_path / "two", tmp_path / "one"])
    assert [(i.source, i.data) for i in backward] == [(i.source, i.data) for i in items]


def test_input_order_does_not_change_the_output(tmp_path):
    for name in ("b.txt", "a.txt"):
        (tmp_path / name).write_text(name)
    forward = read_all([tmp_path / "a.txt", tmp_path / "b.txt"])
    backward = read_all([tmp_path / "b.txt", tmp_path / "a.txt"])
    assert [i.source for i in forward] == [i.source for i in backward]


def test_hidden_files_are_skipped_and_extensions_filter(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "a.html").write_text("<p>a</p>")
    (tmp_path / "b.css").write_text("p{}")
    reader = Reader(IngestConfig(extensions=[".html"]))
    assert [i.source for i in reader.read([tmp_path])] == ["a.html"]
    assert sorted(reader.skipped) == [".git", "b.css"]


def test_file_with_undecodable_name_gets_a_safe_source(tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")
    try:
        (tmp_path / name).write_text("x")
    except (OSError, UnicodeEncodeError):
        pytest.skip("file system does not allow non-UTF-8 names")
    (item,) = read_all([tmp_path])
    assert item.source == "caf\ufffd.txt" and item.id


def test_unreadable_special_file_is_recorded(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (item,) = read_all([tmp_path])
    assert isinstance(item, Removal) and item.reason == "unreadable"


def test_broken_symlink_is_recorded(tmp_path):
    os.symlink(tmp_path / "gone.txt", tmp_path / "dangling.txt")
    (item,) = read_all([tmp_path])
    assert item.reason == "unreadable"


def test_json_file_named_json_holding_jsonl(tmp_path):
    (tmp_path / "x.json").write_text('{"text": "a"}\n{"text": "b"}\n')
    items = read_all([tmp_path])
    assert [i.source for i in items] == ["x.json#1", "x.json#2"]


def test_content_sniffing_gzip_without_gz_name_and_warc_without_warc_name(tmp_path):
    (tmp_path / "page.html").write_bytes(gzip.compress(b"<p>zipped</p>"))
    (tmp_path / "crawl.bin").write_bytes(_warc_bytes())
    items = by_source(read_all([tmp_path]))
    assert items["page.html"].data == b"<p>zipped</p>"
    assert "crawl.bin#https://a.example/ok" in items


def test_every_record_of_a_container_is_accounted_for(tmp_path):
    lines = [json.dumps({"text": f"t{n}"}) if n % 3 else "{broken" for n in range(1, 31)]
    (tmp_path / "r.jsonl").write_text("\n".join(lines))
    items = read_all([tmp_path])
    assert len(items) == 30
    assert sum(isinstance(i, Removal) for i in items) == 10


def test_truncated_warc_gz_records_the_loss(tmp_path):
    data = _warc_bytes()
    (tmp_path / "cut.warc.gz").write_bytes(data[: len(data) * 2 // 3])
    items = read_all([tmp_path])
    assert isinstance(items[0], Document)
    assert items[-1].reason == "corrupt_archive" and "truncated" in items[-1].detail


def test_garbage_after_warc_magic_does_not_crash(tmp_path):
    (tmp_path / "bad.warc").write_bytes(b"WARC/1.0\r\nnonsense\r\n\r\n\x00\x01garbage")
    items = read_all([tmp_path])
    assert all(isinstance(i, (Document, Removal)) for i in items)


def test_a_growing_file_is_hashed_exactly_as_far_as_it_is_parsed(tmp_path):
    """A crawl still being written: the digest is that of the bytes the documents came from."""
    crawl = tmp_path / "live.jsonl"
    crawl.write_text(json.dumps({"id": "a", "text": "first"}) + "\n")
    first_line = crawl.read_bytes()
    reader = Reader(IngestConfig())
    items = reader.read([crawl])
    first = next(items)
    with crawl.open("a") as grow:  # written to while it is read
        grow.write(json.dumps({"id": "b", "text": "second"}) + "\n")
    assert [first.source, *(i.source for i in items)] == ["live.jsonl#a"]
    assert reader.file_digests == {"live.jsonl": hashlib.sha256(first_line).hexdigest()}


def test_json_record_ids_name_records_and_repeated_ids_stay_unique(tmp_path):
    lines = [{"id": "x-1", "text": "a"}, {"id": "x-1", "text": "b"}, {"text": "c"},
             {"id": 7, "text": "d"}, {"id": "bad\nid", "text": "e"}]
    (tmp_path / "dump.jsonl").write_text("\n".join(json.dumps(r) for r in lines))
    items = read_all([tmp_path / "dump.jsonl"])
    assert [i.source for i in items] == ["dump.jsonl#x-1", "dump.jsonl#x-1~2", "dump.jsonl#3",
                                         "dump.jsonl#7", "dump.jsonl#5"]
    assert len({i.id for i in items}) == 5


def test_crawl_dump_timestamps_are_crawl_dates_not_publication_dates(tmp_path):
    record = {"url": "https://a.example/x", "text": "words", "timestamp": "2019-04-25T12:57:54Z"}
    (tmp_path / "c4.jsonl").write_text(json.dumps(record))
    (doc,) = read_all([tmp_path])
    assert doc.meta["crawled"] == "2019-04-25" and doc.published is None


def test_a_built_version_inside_an_input_folder_is_not_read(tmp_path):
    (tmp_path / "page.txt").write_text("words")
    version = tmp_path / "old" / "news" / "1.0.0"
    (version / "audit").mkdir(parents=True)
    (version / "manifest.json").write_text("{}")
    (version / "audit" / "removed.parquet").write_bytes(b"PAR1")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x.txt").write_text("written by a build")
    reader = Reader(IngestConfig(), exclude=[tmp_path / "out"])
    assert [i.source for i in reader.read([tmp_path])] == ["page.txt"]
    assert sorted(reader.skipped) == ["old/news/1.0.0/ (a built version)",
                                      "out/ (the output folder)"]
    with pytest.raises(InputError, match="output folder"):
        reader.read([tmp_path / "out" / "x.txt"])


def test_folders_nested_1200_deep_are_read_without_recursion(tmp_path):
    """The walk keeps its own stack: Python's (1 000 frames) would run out (issue 19)."""
    from helpers import nested_folders, remove_nested

    from cleaner.pipeline.progress import count_files

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "top.txt").write_text("The mayor opened the library.")
    try:
        deepest = nested_folders(folder, 1200)
        (deepest / "page.txt").write_text("The council met on Tuesday.")
        items = list(Reader(IngestConfig()).read([folder]))
        sources = sorted(item.source for item in items)
        assert sources == ["/".join(["d"] * 1200) + "/page.txt", "top.txt"]
        assert count_files([folder]) == 2
    finally:
        remove_nested(folder)  # pytest's clean-up of old temporary folders recurses
