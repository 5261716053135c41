"""The Python API for notebooks: clean_text, clean_files, build_dataset, load, describe."""

from __future__ import annotations

from pathlib import Path

import pytest

import cleaner
from cleaner.config import ConfigError

PAGE = """<!DOCTYPE html><html lang="en"><head><title>Wind farms expand | Daily Site</title>
</head><body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>Wind farms expand along the coast</h1>
<p>The regional government approved three new offshore wind farms on Monday, adding enough
capacity to power two hundred thousand homes by the end of the decade.</p>
<p>Officials said the projects would be financed with green bonds issued by the provincial
development bank, the first such issue in the region.</p>
<p>Fishing groups asked for more consultation on the cable routes, which cross traditional
fishing grounds near the harbour.</p></article>
<footer>Copyright 2024 Daily Site. All rights reserved.</footer></body></html>"""

GERMAN = ("Die Regierung hat am Montag drei neue Windparks vor der Küste genehmigt. Sie sollen "
          "bis zum Ende des Jahrzehnts genug Strom für zweihunderttausend Haushalte liefern. "
          "Finanziert werden sie mit grünen Anleihen der regionalen Entwicklungsbank.\n")


def test_clean_text_from_html_string():
    record = cleaner.clean_text(PAGE, source="wind.html")
    assert record["source"] == "wind.html"
    assert record["lang"] == "en"
    assert "offshore wind farms" in record["text"]
    assert "Copyright" not in record["text"] and "<p>" not in record["text"]
    assert "Wind farms expand" in (record["title"] or "")


def test_clean_text_from_bytes_detects_the_charset():
    record = cleaner.clean_text(GERMAN.encode("cp1252"), source="de.txt", content_type="text")
    assert record["lang"] == "de"
    assert "Küste" in record["text"] and "\ufffd" not in record["text"]


def test_clean_text_of_nothing_is_a_dropped_record_not_an_error():
    record = cleaner.clean_text(b"")
    assert record["text"] == "" and record["dropped"] == "empty"


def test_clean_text_rejects_other_types():
    with pytest.raises(TypeError, match="str or bytes"):
        cleaner.clean_text(123)  # type: ignore[arg-type]


def test_clean_text_takes_a_config_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[extract]\nnot_a_key = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not_a_key"):
        cleaner.clean_text(PAGE, config=bad)


def test_clean_files_keeps_input_order(tmp_path):
    (tmp_path / "b.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "a.html").write_text(PAGE, encoding="utf-8")
    records = cleaner.clean_files(tmp_path)
    assert [r["source"] for r in records] == ["a.html", "b.txt"]
    assert [r["lang"] for r in records] == ["en", "de"]


@pytest.fixture(scope="module")
def version(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("api")
    pages = work / "pages"
    pages.mkdir()
    (pages / "wind.html").write_text(PAGE, encoding="utf-8")
    (pages / "wind-copy.html").write_text(PAGE, encoding="utf-8")
    (pages / "wind.de.txt").write_text(GERMAN, encoding="utf-8")
    (pages / "empty.txt").write_text("", encoding="utf-8")
    result = cleaner.build_dataset(pages, output=work / "dist", name="wind", version="0.1.0",
                                   workers=1)
    assert result.write.status == "written"
    assert result.inputs == 4
    return result.write.path


def test_build_dataset_writes_the_named_version(version):
    assert version.parts[-2:] == ("wind", "0.1.0")
    assert (version / "manifest.json").is_file()


def test_load_as_datasets(version):
    import datasets

    loaded = cleaner.load(version)
    assert isinstance(loaded, datasets.DatasetDict)
    rows = [row for split in loaded.values() for row in split]
    assert sorted(row["lang"] for row in rows) == ["de", "en"]
    assert loaded[next(iter(loaded))].features["lang_score"].dtype == "float64"


def test_load_as_arrow_tables(version):
    documents = cleaner.load(version, as_arrow=True)
    assert sum(t.num_rows for t in documents.values()) == 2
    assert set(documents) <= {"train", "validation", "test"}
    removed = cleaner.load(version, "removed", as_arrow=True)["removed"]
    assert sorted(removed.column("reason").to_pylist()) == ["empty", "exact_duplicate"]


def test_load_refuses_what_is_not_a_version(tmp_path, version):
    with pytest.raises(FileNotFoundError, match="not a version folder"):
        cleaner.load(tmp_path)
    with pytest.raises(ValueError, match="not one of"):
        cleaner.load(version, "docs")
    with pytest.raises(ValueError, match="as_arrow=True"):
        cleaner.load(version, "removed")


def test_describe_is_the_inspect_text(version):
    text = cleaner.describe(version, samples=1)
    assert text.startswith("wind 0.1.0")
    assert "4 input documents: 2 kept, 2 removed" in text


def test_build_dataset_checks_name_and_version(tmp_path):
    with pytest.raises(ConfigError, match="not allowed"):
        cleaner.build_dataset(tmp_path, output=tmp_path / "out", name="../x")
    with pytest.raises(ConfigError, match="semantic version"):
        cleaner.build_dataset(tmp_path, output=tmp_path / "out", version="2")


def test_the_api_is_listed():
    assert {"clean_text", "clean_files", "build_dataset", "load", "describe"} <= set(dir(cleaner))
    with pytest.raises(AttributeError):
        cleaner.no_such_function  # noqa: B018


def test_a_version_without_pairs_loads_an_empty_typed_pairs_table(version):
    """Scripts that read pairs keep working on a version where none was found."""
    assert not (version / "data" / "pairs").exists()
    pairs = cleaner.load(version, "pairs")
    assert pairs["train"].num_rows == 0 and pairs["train"].features["score"].dtype == "float64"
    tables = cleaner.load(version, "pairs", as_arrow=True)
    assert tables["train"].num_rows == 0 and "id_a" in tables["train"].column_names
