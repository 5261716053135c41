"""write_version: layout, determinism, immutability, splits, loading (datasets, mlcroissant)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaner.config import Config
from cleaner.document import Document, Pair, Removal
from cleaner.pipeline import RunState
from cleaner.publish.settings import PackageConfig, PublishSettings, SplitsConfig
from cleaner.publish.tables import shard_bounds
from cleaner.publish.validate import validate_version
from cleaner.publish.version import (
    PublishError,
    clean_stale_temps,
    document_row,
    split_of,
    write_version,
)
from cleaner.publish.versions import diff_versions, previous_version, suggest_next_version

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TEXTS = {
    "news/001.txt": ("zh", "上海部署推动绿色低碳循环经济发展，打造世界级绿色金融中心。"),
    "news/000.txt": ("en", "Shanghai deploys green, low-carbon, circular economic development."),
    "news/002.txt": ("zh", "济南发布绿色金融改革创新试验区建设方案。"),
    "news/003.txt": ("en", "Jinan issues its plan for green finance reform."),
    "news/004.txt": ("en", "A second page on green bonds in municipal finance."),
}


def corpus(texts: dict[str, tuple[str, str]] = TEXTS) -> tuple[list[Document], RunState]:
    """5 kept documents, 1 removed translation, 1 pair (zh original, en translation)."""
    docs = [Document(source, text=text, title=text[:10], lang=lang, lang_score=0.97,
                     url=f"https://example.com/{source}", published=dt.date(2021, 9, 13),
                     langs={lang: 1.0}, repairs=["ftfy:fix_encoding"],
                     script="Hans" if lang == "zh" else "Latn",
                     meta={"categories": ["金融", "新浪财经"], "editor": "王", "tags": None})
            for source, (lang, text) in texts.items()]
    original = docs[0]
    translation = Document("news/005.txt", text="Shanghai deploys green finance.", lang="en")
    state = RunState()
    state.removals.append(Removal(translation.id, translation.source, "translation",
                                  "translation", original.id, "score 0.91"))
    state.pairs.append(Pair(original.id, translation.id, original.source, translation.source,
                            "zh", "en", original.text, translation.text, 0.91))
    stats = state.stats_for("decode")
    stats.docs_in, stats.docs_out, stats.changed = 6, 6, 2
    stats = state.stats_for("translation")
    stats.docs_in, stats.docs_out = 6, 5
    stats.dropped["translation"] += 1
    return docs, state


def config(**dataset) -> Config:
    cfg = Config()
    cfg.dataset = dataclasses.replace(cfg.dataset, name="news", pretty_name="Test news",
                                      description="Five pages.", **dataset)
    return cfg


def settings(**dataset) -> PublishSettings:
    return config(**dataset).publish_settings()


DIGESTS = {"news/000.txt": "0" * 64}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    docs, state = corpus()
    out = tmp_path_factory.mktemp("dist") / "news" / "1.0.0"
    result = write_version(docs, state, settings(), out, DIGESTS)
    assert result.status == "written" and result.written
    return out


def test_layout_and_manifest(built):
    names = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    assert {"README.md", "manifest.json", "croissant.json", "audit/removed.parquet"} <= set(names)
    shards = [n for n in names if n.startswith("data/")]
    assert shards and all(n.split("/")[-1].split("-")[0] in ("train", "validation", "test")
                          for n in shards)
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["version"] == "1.0.0" and manifest["tool"]["name"] == "cleaner"
    assert manifest["inputs"] == DIGESTS
    assert manifest["counts"] == {"inputs": 6, "documents": 5, "removed": 1, "pairs": 1}
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    docs_rows = sum(e.get("rows", 0) for n, e in manifest["files"].items()
                    if n.startswith("data/documents/"))
    assert docs_rows == 5
    text = (built / "manifest.json").read_text()
    assert str(dt.date.today().year) + "-" not in text  # no wall-clock time


def test_written_version_validates(built):
    assert [str(v) for v in validate_version(built)] == []


def test_parquet_is_zstd_with_statistics(built):
    shard = next((built / "data" / "documents").glob("*.parquet"))
    meta = pq.ParquetFile(shard).metadata
    column = meta.row_group(0).column(0)
    assert column.compression == "ZSTD"
    assert column.statistics is not None and column.statistics.has_min_max


def test_audit_columns(built):
    audit = pq.read_table(built / "audit" / "removed.parquet").to_pylist()
    assert audit == [{"id": audit[0]["id"], "source": "news/005.txt", "reason": "translation",
                      "step": "translation", "duplicate_of": Document("news/001.txt").id,
                      "detail": "score 0.91"}]


def test_identical_rebuild_is_a_noop(built):
    before = {p: p.read_bytes() for p in built.rglob("*") if p.is_file()}
    docs, state = corpus()
    result = write_version(docs, state, settings(), built, DIGESTS)
    assert result.status == "unchanged"
    assert {p: p.read_bytes() for p in built.rglob("*") if p.is_file()} == before
    assert not list(built.parent.glob(".*tmp*"))


def test_changed_content_is_refused_and_next_version_has_a_changelog(built):
    before = {p: p.read_bytes() for p in built.rglob("*") if p.is_file()}
    texts = dict(TEXTS)
    texts["news/004.txt"] = ("en", "A second page on green bonds, corrected.")
    texts["news/006.txt"] = ("en", "A new page about carbon markets.")
    docs, state = corpus(texts)
    with pytest.raises(PublishError) as error:
        write_version(docs, state, settings(), built, DIGESTS)
    message = str(error.value)
    assert "\n" not in message and "already exists with different content" in message
    assert "1.1.0" in message  # the suggested next version
    assert {p: p.read_bytes() for p in built.rglob("*") if p.is_file()} == before

    nxt = built.parent / "1.1.0"
    result = write_version(docs, state, settings(version="1.1.0"), nxt, DIGESTS)
    assert result.status == "written" and result.previous == "1.0.0"
    assert result.suggested_version == "1.1.0"
    card = (nxt / "README.md").read_text()
    assert "previous version, 1.0.0" in card
    assert "1 document added, 0 removed, 1 changed" in card
    changes = json.loads((nxt / "manifest.json").read_text())["changes"]
    assert changes["from"] == "1.0.0" and changes["documents_changed"] == 1
    assert validate_version(nxt) == [] and validate_version(built) == []
    assert previous_version(built.parent, "1.1.0") == built
    log = diff_versions(built, nxt)
    assert log.added == [Document("news/006.txt").id]
    assert log.changed == [Document("news/004.txt").id]
    assert suggest_next_version("1.0.0", log) == "1.1.0"


def test_bytes_are_deterministic(tmp_path):
    for name in ("a", "b"):
        docs, state = corpus()
        write_version(docs, state, settings(), tmp_path / name / "news" / "1.0.0", DIGESTS)
    files_a = sorted((tmp_path / "a").rglob("*"))
    for path in files_a:
        if path.is_file():
            twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
            assert path.read_bytes() == twin.read_bytes(), path


def test_no_empty_split_is_written_or_declared(tmp_path):
    docs, state = corpus()
    cfg = config()
    cfg.splits = SplitsConfig(train=0.5, validation=0.0, test=0.5, seed=3)
    out = tmp_path / "news" / "1.0.0"
    write_version(docs, state, cfg.publish_settings(), out, DIGESTS)
    assert not list(out.glob("data/*/validation-*"))
    assert "split: validation" not in (out / "README.md").read_text()
    assert validate_version(out) == []


def test_splits_are_stable_and_keep_clusters_together():
    ratios = SplitsConfig().ratios()
    keys = [f"{i:016x}" for i in range(2000)]
    first = {k: split_of(k, 7, ratios) for k in keys}
    assert {k: split_of(k, 7, ratios) for k in reversed(keys)} == first
    share = sum(1 for s in first.values() if s == "train") / len(keys)
    assert 0.75 < share < 0.85
    assert [split_of(k, 8, ratios) for k in keys] != [first[k] for k in keys]  # seed matters
    docs, state = corpus()
    # A near-duplicate kept in the cluster of another document lands in that document's split.
    docs[3].cluster = docs[2].cluster
    rows = {}
    for doc in docs:
        rows[doc.id] = split_of(doc.cluster, 0, ratios)
    assert rows[docs[3].id] == rows[docs[2].id]


def test_adding_documents_never_moves_existing_ones(tmp_path):
    docs, state = corpus()
    write_version(docs, state, settings(), tmp_path / "news" / "1.0.0", DIGESTS)
    more = dict(TEXTS)
    more.update({f"extra/{i}.txt": ("en", f"Extra page number {i}.") for i in range(20)})
    docs, state = corpus(more)
    write_version(docs, state, settings(), tmp_path / "news" / "1.1.0", DIGESTS)
    log = diff_versions(tmp_path / "news" / "1.0.0", tmp_path / "news" / "1.1.0")
    assert len(log.added) == 20 and log.moved == [] and log.changed == []


def test_splits_config_check():
    SplitsConfig().check()
    with pytest.raises(ValueError, match="must be 1"):
        SplitsConfig(train=0.5, validation=0.1, test=0.1).check()
    with pytest.raises(ValueError, match="not between 0 and 1"):
        SplitsConfig(train=1.2, validation=-0.2, test=0.0).check()
    with pytest.raises(ValueError, match="not between 0 and 1"):
        SplitsConfig(train=float("nan"), validation=0.5, test=0.5).check()
    with pytest.raises(ValueError, match="compression"):
        PackageConfig(compression="lzma").check()
    with pytest.raises(ValueError, match="1..9 for gzip"):
        PackageConfig(compression="gzip", compression_level=12).check()
    PackageConfig(compression="snappy", compression_level=12).check()  # level unused


def test_shards_are_bounded(tmp_path, monkeypatch):
    docs, state = corpus()
    cfg = config()
    cfg.package = PackageConfig(max_rows_per_shard=1)
    cfg.splits = SplitsConfig(train=1.0, validation=0.0, test=0.0)
    out = tmp_path / "news" / "1.0.0"
    write_version(docs, state, cfg.publish_settings(), out, DIGESTS)
    names = sorted(p.name for p in (out / "data" / "documents").glob("*.parquet"))
    assert names == [f"train-{i:05d}-of-00005.parquet" for i in range(5)]
    assert validate_version(out) == []
    import datasets

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    assert list(loaded) == ["train"] and sorted(loaded["train"]["id"]) == sorted(d.id for d in docs)
    assert shard_bounds([10, 10, 10], max_rows=10, max_bytes=15) == [(0, 1), (1, 2), (2, 3)]


def test_accounting_is_enforced(tmp_path):
    docs, state = corpus()
    state.removals.append(Removal(docs[1].id, docs[1].source, "empty", "extract"))
    with pytest.raises(PublishError, match="kept and removed"):
        write_version(docs, state, settings(), tmp_path / "news" / "1.0.0", DIGESTS)
    assert not (tmp_path / "news" / "1.0.0").exists()
    assert not list((tmp_path / "news").glob(".*"))


def test_bad_documents_fail_loudly_and_leave_nothing(tmp_path):
    docs, state = corpus()
    docs[1].text = "   "
    with pytest.raises(PublishError, match="text is empty"):
        write_version(docs, state, settings(), tmp_path / "news" / "1.0.0", DIGESTS)
    assert list((tmp_path / "news").iterdir()) == []


def test_stale_temporary_folders_are_removed(tmp_path):
    out = tmp_path / "news" / "1.0.0"
    stale = tmp_path / "news" / ".1.0.0.tmp-999999999"
    (stale / "data").mkdir(parents=True)
    assert clean_stale_temps(out) == [stale] and not stale.exists()
    docs, state = corpus()
    write_version(docs, state, settings(), out, DIGESTS)
    assert sorted(p.name for p in out.parent.iterdir()) == ["1.0.0"]


def test_meta_becomes_typed_columns():
    doc = Document("a.txt", text="x", meta={"categories": "one", "reporter": ["A", "B"],
                                              "site_name": "", "headimg": "https://x/y.png"})
    row = document_row(doc)
    assert row["categories"] == ["one"] and row["tags"] == []
    assert row["reporter"] == "A, B" and row["site_name"] is None
    assert json.loads(row["extra_meta"]) == {"headimg": "https://x/y.png"}


def test_load_dataset_offline_gives_typed_features(built, tmp_path, monkeypatch):
    import datasets

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    documents = datasets.load_dataset(str(built), cache_dir=str(tmp_path / "cache"))
    pairs = datasets.load_dataset(str(built), "pairs", cache_dir=str(tmp_path / "cache"))
    manifest = json.loads((built / "manifest.json").read_text())
    assert sum(len(split) for split in documents.values()) == manifest["counts"]["documents"]
    assert sum(len(split) for split in pairs.values()) == 1
    for split in documents.values():
        features = split.features
        assert features["published"].dtype == "date32"
        assert features["lang_score"].dtype == "float64"
        assert isinstance(features["repairs"], datasets.List)
        assert features["langs"].feature["share"].dtype == "float64"
        assert split[0]["published"] == dt.date(2021, 9, 13)
    for split in pairs.values():
        assert split.features["score"].dtype == "float64"
        assert split[0]["lang_a"] == "zh"


def test_mlcroissant_loads_the_metadata(built):
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(built / "croissant.json"))
    names = [record_set.name for record_set in dataset.metadata.record_sets]
    assert names == ["documents", "pairs", "removed"]
    records = list(dataset.records("documents"))
    assert len(records) == 5
    assert {r["documents/split"] for r in records} <= {b"train", b"validation", b"test"}


def test_schema_changes_decide_the_next_version():
    import pyarrow as pa

    from cleaner.publish.versions import Changelog, schema_changes

    old = pa.schema([pa.field("id", pa.string(), nullable=False), pa.field("x", pa.float64())])
    added = schema_changes(old, old.append(pa.field("y", pa.string())), "documents")
    assert [(c.column, c.change, c.breaking) for c in added] == [("y", "added", False)]
    retyped = schema_changes(old, pa.schema([old.field("id"), pa.field("x", pa.string())]),
                             "documents")
    assert [(c.column, c.change, c.breaking) for c in retyped] == [("x", "type", True)]
    dropped = schema_changes(old, pa.schema([pa.field("id", pa.string())]), "documents")
    assert {(c.column, c.change) for c in dropped} == {("x", "removed"), ("id", "nullable")}
    assert suggest_next_version("1.4.2", Changelog("1.4.2", "n", schema_changes=retyped)) == "2.0.0"
    assert suggest_next_version("1.4.2", Changelog("1.4.2", "n", schema_changes=added)) == "1.5.0"
    assert suggest_next_version("1.4.2", Changelog("1.4.2", "n")) == "1.4.3"
    text = Changelog("1.4.2", "2.0.0", added=["a"], schema_changes=retyped).render()
    assert text.splitlines()[0].startswith("Changes from 1.4.2 to 2.0.0: 1 document added")
    assert "documents.x: type double → string (breaking)" in text


def test_card_header_lists_languages_of_documents_and_pairs(tmp_path):
    from cleaner.publish.card import read_card_metadata

    docs, state = corpus({"news/001.txt": TEXTS["news/001.txt"]})  # zh only; its pair is en
    out = tmp_path / "news" / "1.0.0"
    write_version(docs, state, settings(), out, DIGESTS)
    meta = read_card_metadata((out / "README.md").read_text())
    assert meta["language"] == ["en", "zh"]
    assert meta["configs"][0] == {"config_name": "documents", "default": True,
                                  "data_files": meta["configs"][0]["data_files"]}
    assert meta["version"] == "1.0.0" and meta["size_categories"] == ["n<1K"]
    assert validate_version(out) == []


def test_a_damaged_previous_version_does_not_block_the_next(tmp_path):
    docs, state = corpus()
    old = tmp_path / "news" / "1.0.0"
    write_version(docs, state, settings(), old, DIGESTS)
    for shard in (old / "data" / "documents").glob("*.parquet"):
        shard.write_bytes(b"not parquet")
    docs, state = corpus()
    new = tmp_path / "news" / "1.1.0"
    result = write_version(docs, state, settings(version="1.1.0"), new, DIGESTS)
    assert result.previous == "1.0.0" and result.changelog is None
    assert "could not be compared" in (new / "README.md").read_text()
    assert validate_version(new) == [] and validate_version(old) != []


def test_card_header_parses_as_the_hub_and_datasets_read_it(built):
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    data = DatasetCard.load(built / "README.md").data
    assert data.pretty_name == "Test news" and data.license == "other"
    assert data.language == ["en", "zh"] and data.size_categories == ["n<1K"]
    configs = MetadataConfigs.from_dataset_card_data(data)
    assert list(configs) == ["documents", "pairs"] and configs["documents"]["default"]
    infos = DatasetInfosDict.from_dataset_card_data(data)
    assert sum(s.num_examples for s in infos["documents"].splits.values()) == 5
    assert infos["documents"].features["published"].dtype == "date32"


def test_a_full_disk_names_the_folder_and_leaves_nothing(tmp_path, monkeypatch):
    import errno

    from cleaner.errors import PublishError

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")  # as write() says: no file

    monkeypatch.setattr("cleaner.publish.version._write_tables", full)
    docs, state = corpus()
    out = tmp_path / "news" / "1.0.0"
    with pytest.raises(PublishError) as raised:
        write_version(docs, state, settings(), out, DIGESTS)
    message = str(raised.value)
    assert str(out.parent) in message and "No space left on device" in message
    assert list(out.parent.iterdir()) == []  # no temporary folder, no lock file
