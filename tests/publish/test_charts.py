"""Charts: SVG files drawn from a version's own Parquet files, byte-stable, shown in the card."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaner.publish import charts

SVG = "{http://www.w3.org/2000/svg}"


def _write(path: Path, columns: dict[str, list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)


def make_version(folder: Path, pairs: bool = True, removals: bool = True) -> Path:
    """A folder laid out like a version, with only the columns the charts read."""
    _write(folder / "data/documents/train-00000-of-00001.parquet",
           {"lang": ["en", "en", "zh", "de"], "text": ["a" * 120, "b" * 3000, "中" * 600, "x"]})
    _write(folder / "data/documents/test-00000-of-00001.parquet",
           {"lang": ["en"], "text": ["c" * 40_000]})
    if pairs:
        _write(folder / "data/pairs/train-00000-of-00001.parquet",
               {"score": [0.91, 0.55, 1.0]})
    _write(folder / "audit/removed.parquet",
           {"reason": ["near_duplicate", "translation", "near_duplicate"] if removals else
            pa.array([], pa.string())})
    return folder


def test_facts_are_read_from_the_parquet_files(tmp_path):
    facts = charts.read_facts(make_version(tmp_path))
    assert facts.languages == {("train", "en"): 2, ("train", "zh"): 1, ("train", "de"): 1,
                               ("test", "en"): 1}
    assert sorted(facts.lengths["en"]) == [120, 3000, 40_000]
    assert facts.lengths["zh"] == [600]  # characters, not bytes
    assert facts.removals == {"near_duplicate": 2, "translation": 1}
    assert sorted(facts.pair_scores) == [0.55, 0.91, 1.0]


def test_every_chart_is_written_as_valid_svg_with_alt_text(tmp_path):
    written = charts.write_charts(make_version(tmp_path))
    assert [c.file for c in written] == ["images/languages.svg", "images/text_length.svg",
                                         "images/removals.svg", "images/pair_scores.svg"]
    for chart in written:
        root = ET.parse(tmp_path / chart.file).getroot()
        assert root.tag == SVG + "svg"
        assert root.find(SVG + "title").text
        assert chart.alt.endswith(".")
    assert "en 3, de 1, zh 1" in written[0].alt  # biggest first, ties by name
    assert "near_duplicate 2, translation 1" in written[2].alt


def test_bars_are_proportional_to_the_counts(tmp_path):
    charts.write_charts(make_version(tmp_path))
    root = ET.parse(tmp_path / "images/removals.svg").getroot()
    widths = {r.find(SVG + "title").text: float(r.get("width"))
              for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None}
    near = widths["near_duplicate, removed: 2 documents"]
    translation = widths["translation, removed: 1 documents"]
    assert near == pytest.approx(2 * translation)


def test_the_same_data_gives_the_same_bytes(tmp_path):
    first = charts.write_charts(make_version(tmp_path / "a"))
    second = charts.write_charts(make_version(tmp_path / "b"))
    assert first == second
    for chart in first:
        a = (tmp_path / "a" / chart.file).read_bytes()
        assert a == (tmp_path / "b" / chart.file).read_bytes()
        assert b"\r\n" not in a
        assert not re.search(rb"20\d\d-\d\d-\d\d|uuid|id=\"", a)  # no dates, no generated ids


def test_charts_with_nothing_to_show_are_not_written(tmp_path):
    written = charts.write_charts(make_version(tmp_path, pairs=False, removals=False))
    assert [c.file for c in written] == ["images/languages.svg", "images/text_length.svg"]
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == ["languages.svg",
                                                                       "text_length.svg"]


def test_an_empty_version_gets_no_images_folder(tmp_path):
    (tmp_path / "data").mkdir()
    assert charts.write_charts(tmp_path) == []
    assert not (tmp_path / "images").exists()


def test_bins():
    assert charts.length_bins([0]) == [(0, 250)]
    assert charts.length_bins([250]) == [(0, 250), (250, 500)]
    bins = charts.length_bins([10**9])
    assert bins[-1][1] is None and len(bins) == 13  # capped: the last bin is open
    assert charts.score_bins([0.0, 0.1, 0.19, 1.0]) == [
        ("0.0–0.1", 1), ("0.1–0.2", 2), ("0.2–0.3", 0), ("0.3–0.4", 0), ("0.4–0.5", 0),
        ("0.5–0.6", 0), ("0.6–0.7", 0), ("0.7–0.8", 0), ("0.8–0.9", 0), ("0.9–1.0", 1)]


def test_markdown_lines_escape_brackets_in_alt_text():
    chart = charts.Chart("images/x.svg", "X", "Counts [a] and [b].")
    assert chart.markdown() == "![Counts (a) and (b).](images/x.svg)"
    text = charts.charts_markdown([chart, chart])
    assert text.count("![") == 2 and "**X**" in text


def test_the_card_shows_the_charts_it_is_given(tmp_path):
    from collections import Counter

    from cleaner.config import Config
    from cleaner.publish import card
    from cleaner.publish.version import SplitFiles

    written = charts.write_charts(make_version(tmp_path))
    documents = SplitFiles(files={"train": ["data/documents/train-00000-of-00001.parquet"]},
                           rows={"train": 4}, nbytes={"train": 100})
    data = card.CardData(settings=Config().publish_settings(), version="1.0.0", documents=documents,
                         pairs=SplitFiles(), languages={"train": Counter({"en": 4})},
                         removals=Counter(), stats=[],
                         counts={"inputs": 4, "documents": 4, "removed": 0, "pairs": 0})
    without = card.render_card(data)
    assert "](images/" not in without
    data.charts = written
    text = card.render_card(data)
    for chart in written:
        assert f"]({chart.file})" in text
    statistics = text.index("## Statistics")
    assert statistics < text.index("](images/languages.svg)") < text.index("## Changelog")


def test_the_seeds_card_shows_charts_whose_files_are_in_the_version(seeds_build):
    from cleaner.publish.validate import validate_version

    card = (seeds_build / "README.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\((images/[^)]+)\)", card)
    assert len(images) >= 2
    for relative in images:
        assert (seeds_build / relative).is_file(), relative
    manifest = (seeds_build / "manifest.json").read_text(encoding="utf-8")
    assert all(f'"{relative}"' in manifest for relative in images)
    assert validate_version(seeds_build) == []
