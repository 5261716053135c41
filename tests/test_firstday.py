"""A new user's first day (issue 15): the existing-version check before the pipeline runs,
sources and ids that do not depend on where the build runs, provenance of command-line inputs,
and the config that applies to a user's own data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from helpers import ROOT

import cleaner.build
from cleaner.build import build
from cleaner.cli import main
from cleaner.config import Config, load_config
from cleaner.errors import ConfigError, PublishError

PAGE = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        "<p>{body}</p></article></body></html>")
BODIES = [
    "The council met on Tuesday and agreed a new budget for the schools of the district, "
    "after a long debate about the cost of heating old buildings in winter.",
    "Fishermen on the northern coast report the best herring season in a decade, and the "
    "harbour master expects more boats to return next spring.",
    "A small museum in the valley reopened its doors with an exhibition of hand-drawn maps "
    "that volunteers restored over three patient years.",
    "Rail workers and the operator signed an agreement on night shifts, ending a dispute "
    "that had cancelled many trains since the autumn.",
]


def pages(folder: Path, count: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"page{n}.html").write_text(
            PAGE.format(title=f"Story {n}", body=BODIES[n]), encoding="utf-8")
    return folder


def rows(version: Path, table: str = "documents") -> list[dict]:
    out = []
    for path in sorted((version / "data" / table).glob("*.parquet")):
        out += pq.read_table(path).to_pylist()
    return out


def refuse_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, fail if the pipeline runs: the early check must decide alone."""
    def refuse(*args, **kwargs):
        raise AssertionError("the pipeline ran")
    monkeypatch.setattr(cleaner.build, "run_pipeline", refuse)


# --- the existing-version check, before the pipeline ---------------------------------------

def test_an_identical_rebuild_is_unchanged_without_running_the_pipeline(tmp_path, monkeypatch,
                                                                         capsys):
    folder = pages(tmp_path / "crawl")
    first = build(Config(base_dir=tmp_path), inputs=[folder], output=tmp_path / "dist",
                  workers=1)
    assert first.write.status == "written"
    before = {p: p.read_bytes() for p in first.write.path.rglob("*") if p.is_file()}
    refuse_to_run(monkeypatch)
    again = build(Config(base_dir=tmp_path), inputs=[folder], output=tmp_path / "dist",
                  workers=1)
    assert again.write.status == "unchanged" and again.kept == first.kept == 3
    assert again.languages == first.languages
    assert before == {p: p.read_bytes() for p in first.write.path.rglob("*") if p.is_file()}


def test_changed_inputs_fail_at_once_with_one_line_and_a_version_suggestion(tmp_path,
                                                                             monkeypatch,
                                                                             capsys):
    folder = pages(tmp_path / "crawl")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "crawl", "--workers", "1", "-q"]) == 0
    (folder / "page1.html").write_text(PAGE.format(title="Other", body="Changed."))
    (folder / "page9.html").write_text(PAGE.format(title="New", body=BODIES[3]))
    refuse_to_run(monkeypatch)
    capsys.readouterr()
    assert main(["build", "crawl", "--workers", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "already exists, built from other inputs (1 added, 1 changed)" in err
    assert "--version 1.1.0" in err


def test_changed_settings_are_named(tmp_path, monkeypatch):
    folder = pages(tmp_path / "crawl")
    config = Config(base_dir=tmp_path)
    build(config, inputs=[folder], output=tmp_path / "dist", workers=1)
    refuse_to_run(monkeypatch)
    config.dedup.near_threshold = 0.9
    with pytest.raises(PublishError, match=r"settings \(dedup\.near_threshold\)"):
        build(config, inputs=[folder], output=tmp_path / "dist", workers=1)


def test_a_hand_edited_version_is_not_called_unchanged(tmp_path):
    folder = pages(tmp_path / "crawl")
    result = build(Config(base_dir=tmp_path), inputs=[folder], output=tmp_path / "dist",
                   workers=1)
    card = result.write.path / "README.md"
    card.write_text(card.read_text() + "\nedited\n")
    with pytest.raises(PublishError, match="README.md does not match its manifest"):
        build(Config(base_dir=tmp_path), inputs=[folder], output=tmp_path / "dist", workers=1)


# --- sources, ids and provenance ------------------------------------------------------------

def test_a_file_input_typed_absolute_or_relative_gives_the_same_version(tmp_path, monkeypatch):
    """Ids, sources, card and manifest hold no path as typed; from any folder the bytes are
    the same."""
    folder = pages(tmp_path / "data" / "crawl", 1)
    page = folder / "page0.html"
    monkeypatch.chdir(tmp_path / "data")
    absolute = build(Config(base_dir=Path.cwd()), inputs=[page], output=tmp_path / "a",
                     workers=1).write.path
    relative = build(Config(base_dir=Path.cwd()), inputs=[Path("crawl/page0.html")],
                     output=tmp_path / "b", workers=1).write.path
    monkeypatch.chdir(folder)
    here = build(Config(base_dir=Path.cwd()), inputs=[Path("page0.html")],
                 output=tmp_path / "c", workers=1).write.path
    (row,) = rows(absolute)
    assert row["source"] == "page0.html"
    for other in (relative, here):
        for path in absolute.rglob("*"):
            if path.is_file():
                twin = other / path.relative_to(absolute)
                assert path.read_bytes() == twin.read_bytes(), path.name
    for name in ("README.md", "manifest.json", "croissant.json"):
        text = (absolute / name).read_text(encoding="utf-8")
        assert str(tmp_path) not in text and "crawl/page0" not in text, name


def test_provenance_names_the_inputs_that_were_built(tmp_path, monkeypatch):
    pages(tmp_path / "my-crawl")
    (tmp_path / "dataset.toml").write_text('[dataset]\nname = "other"\ninputs = ["seeds"]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(tmp_path / "my-crawl"), "--workers", "1", "-q"]) == 0
    version = tmp_path / "dist" / "my-crawl" / "1.0.0"
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["config"]["dataset"]["inputs"] == ["my-crawl"]
    assert manifest["name"] == "my-crawl"
    assert sorted(manifest["inputs"]) == ["page0.html", "page1.html", "page2.html"]
    card = (version / "README.md").read_text(encoding="utf-8")
    assert "read from `my-crawl`" in card and "`seeds`" not in card


def test_the_output_folder_inside_the_input_is_never_read(tmp_path, monkeypatch):
    pages(tmp_path, 2)
    monkeypatch.chdir(tmp_path)
    assert main(["build", ".", "--name", "site", "--workers", "1", "-q"]) == 0
    # dist/ is now inside the input: a second version must not read the first one.
    assert main(["build", ".", "--name", "site", "--version", "1.0.1", "--workers", "1",
                 "-q"]) == 0
    second = tmp_path / "dist" / "site" / "1.0.1"
    manifest = json.loads((second / "manifest.json").read_text())
    assert sorted(manifest["inputs"]) == ["page0.html", "page1.html"]
    # A built version given as input, or the output folder itself, is refused in one line.
    assert main(["build", "dist/site/1.0.0", "--workers", "1", "-q"]) == 1
    assert main(["build", "dist", "--name", "x", "--output", "dist", "-q"]) == 1


# --- which config applies -------------------------------------------------------------------

def test_outside_the_repository_a_folder_builds_with_defaults_named_after_it(tmp_path,
                                                                            monkeypatch,
                                                                            capsys):
    pages(tmp_path / "reports")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "reports", "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "config:     built-in defaults" in err
    card = (tmp_path / "dist" / "reports" / "1.0.0" / "README.md").read_text(encoding="utf-8")
    assert "green-finance" not in card.lower()
    assert main(["build"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nothing to build" in err and len(err.splitlines()) == 1


def test_the_repository_config_does_not_apply_to_other_inputs_unless_asked(tmp_path,
                                                                          monkeypatch, capsys):
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "seeds", work / "seeds")
    shutil.copy(ROOT / "dataset.toml", work / "dataset.toml")
    pages(work / "mine")
    monkeypatch.chdir(work)
    assert main(["build", "mine", "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "dataset.toml here is not used with INPUTs" in err
    assert (work / "dist" / "mine" / "1.0.0").is_dir()
    assert not (work / "dist" / "green-finance-news").exists()
    assert load_config(work / "dataset.toml").dataset.name == "green-finance-news"


# --- real crawls: WARC dates, not-prose documents, JSONL ids ---------------------------------

def write_warc(path: Path) -> None:
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    dated = ('<html><head><meta property="article:published_time" content="2021-05-04">'
             '<title>Floods</title></head><body><article><h1>Floods</h1><p>'
             + BODIES[0] + "</p></article></body></html>")
    undated = PAGE.format(title="Harbour", body=BODIES[1])
    records = [("https://news.example/floods", "text/html; charset=utf-8", dated.encode()),
               ("https://news.example/harbour", "text/html", undated.encode()),
               ("https://news.example/robots.txt", "text/plain",
                b"User-agent: *\nDisallow: /admin/\n"),
               ("https://news.example/numbers.txt", "text/plain", b"1024 2048\n4096 8192\n")]
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, ctype, body in records:
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http,
                warc_headers_dict={"WARC-Date": "2024-03-01T10:00:00Z"}))


def test_a_warc_build_dates_pages_by_their_own_date_and_drops_what_is_not_prose(tmp_path):
    crawl = tmp_path / "crawl.warc.gz"
    write_warc(crawl)
    version = build(Config(base_dir=tmp_path), inputs=[crawl], output=tmp_path / "dist",
                    workers=1).write.path
    docs = {row["source"]: row for row in rows(version)}
    floods = docs["crawl.warc.gz#https://news.example/floods"]
    harbour = docs["crawl.warc.gz#https://news.example/harbour"]
    assert floods["published"].isoformat() == "2021-05-04"
    assert harbour["published"] is None  # the crawl date is not a publication date
    for row in (floods, harbour):
        assert json.loads(row["extra_meta"])["crawled"] == "2024-03-01"
    audit = {row["source"]: row for row in
             pq.read_table(version / "audit" / "removed.parquet").to_pylist()}
    assert audit["crawl.warc.gz#https://news.example/robots.txt"]["reason"] == "robots_txt"
    assert audit["crawl.warc.gz#https://news.example/numbers.txt"]["reason"] == "no_letters"
    assert {row["step"] for row in audit.values()} == {"filters"}
    card = (version / "README.md").read_text(encoding="utf-8")
    assert "| robots_txt | 1 |" in card and "| no_letters | 1 |" in card


def test_jsonl_results_join_back_to_the_users_ids(tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(json.dumps({"id": f"doc-{n}", "text": text})
                              for n, text in enumerate(BODIES[:3])) + "\n", encoding="utf-8")
    version = build(Config(base_dir=tmp_path), inputs=[dump], output=tmp_path / "dist",
                    workers=1).write.path
    sources = sorted(row["source"] for row in rows(version))
    assert sources == ["dump.jsonl#doc-0", "dump.jsonl#doc-1", "dump.jsonl#doc-2"]


def test_license_other_with_its_name_and_link_reaches_the_card(tmp_path):
    folder = pages(tmp_path / "crawl", 1)
    config = Config(base_dir=tmp_path)
    config.dataset.license_name = "news-terms"
    config.dataset.license_link = "LICENSE.md"
    version = build(config, inputs=[folder], output=tmp_path / "dist", workers=1).write.path
    header = (version / "README.md").read_text(encoding="utf-8").split("---")[1]
    assert "license: other\n" in header and "license_name: news-terms\n" in header
    assert "license_link: LICENSE.md\n" in header
    config.dataset.license = "CC BY 4.0"
    with pytest.raises(ConfigError, match="cc-by-4.0"):
        build(config, inputs=[folder], output=tmp_path / "other", workers=1)


def test_croissant_says_when_and_in_which_languages(tmp_path):
    crawl = tmp_path / "crawl.warc.gz"
    write_warc(crawl)
    version = build(Config(base_dir=tmp_path), inputs=[crawl], output=tmp_path / "dist",
                    workers=1).write.path
    croissant = json.loads((version / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["inLanguage"] == ["en"]
    assert croissant["datePublished"] == "2024-03-01"  # the newest date of the data
    config = Config(base_dir=tmp_path)
    config.dataset.date_published = "2024-06-30"
    again = build(config, inputs=[crawl], output=tmp_path / "set", workers=1).write.path
    assert json.loads((again / "croissant.json").read_text())["datePublished"] == "2024-06-30"
