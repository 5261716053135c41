"""schemas/: one source for the Arrow schema, the datasets features, the card and JSON Schema."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pytest
from helpers import ROOT

from cleaner.document import Document, Pair, Removal
from cleaner.publish import schema
from cleaner.publish.version import document_row


@pytest.mark.parametrize("name", schema.TABLES)
def test_json_schema_files_are_in_sync(name):
    """schemas/json/*.schema.json are generated: `python -m cleaner.publish.schema` writes them."""
    path = schema.SCHEMA_DIR / "json" / f"{name}.schema.json"
    assert path.read_text(encoding="utf-8") == schema.render_json_schema(name)


def test_contract_columns_are_present():
    assert schema.load_schema("documents").names[:8] == [
        "id", "source", "text", "title", "lang", "lang_score", "url", "published"]
    assert schema.load_schema("pairs").names == [
        "id_a", "id_b", "source_a", "source_b", "lang_a", "lang_b", "text_a", "text_b", "score"]
    assert {"id", "source", "reason", "duplicate_of", "step", "detail"} <= set(
        schema.load_schema("removed").names)


def test_rows_of_the_records_fit_the_schemas():
    """Every field of Pair and Removal, and every Document row, has a column."""
    doc = Document("a.txt", text="x", meta={"categories": ["c"]})
    assert list(document_row(doc)) == schema.load_schema("documents").names
    assert set(Pair.__dataclass_fields__) == set(schema.load_schema("pairs").names)
    assert set(Removal.__dataclass_fields__) == set(schema.load_schema("removed").names)


def test_arrow_types():
    docs = schema.arrow_schema("documents")
    assert docs.field("published").type == pa.date32()
    assert docs.field("lang_score").type == pa.float64()
    assert not docs.field("text").nullable and docs.field("title").nullable
    assert docs.field("repairs").type == pa.list_(pa.string())
    langs = docs.field("langs").type.value_type
    assert pa.types.is_struct(langs) and langs.field("share").type == pa.float64()


def test_datasets_features():
    import datasets

    features = schema.hf_features("documents")
    assert features["published"] == datasets.Value("date32")
    assert features["lang_score"] == datasets.Value("float64")
    assert features["categories"] == datasets.List(datasets.Value("string"))
    yaml_features = {f["name"]: f for f in schema.card_features("documents")}
    assert yaml_features["published"]["dtype"] == "date32"
    assert yaml_features["repairs"]["list"] == "string"


def test_json_schema_describes_rows():
    docs = schema.json_schema("documents")
    assert docs["required"] == schema.load_schema("documents").names
    text = docs["properties"]["text"]
    assert text["minLength"] == 1 and re.search(text["pattern"], "  ") is None
    assert docs["properties"]["published"]["anyOf"][0] == {"type": "string", "format": "date"}
    lang = re.compile(docs["properties"]["lang"]["pattern"])
    assert lang.search("zh") and lang.search("und") and not lang.search("english")
    json.dumps(docs)  # plain JSON


def test_markdown_table_lists_every_column():
    table = schema.markdown_table("pairs")
    for name in schema.load_schema("pairs").names:
        assert f"| `{name}` |" in table


def test_bad_schema_file_is_a_clear_error(monkeypatch, tmp_path):
    (tmp_path / "broken.json").write_text('{"fields": [{"name": "x", "type": "geopoint"}]}')
    monkeypatch.setattr(schema, "SCHEMA_DIR", tmp_path)
    schema.load_schema.cache_clear()
    try:
        with pytest.raises(schema.SchemaError, match="unsupported type 'geopoint'"):
            schema.load_schema("broken")
        with pytest.raises(schema.SchemaError, match="cannot read"):
            schema.load_schema("missing")
    finally:
        schema.load_schema.cache_clear()


def test_the_version_format_document_has_the_schemas_columns():
    """docs/version-format.md shows every column as the schemas define it:
    `python -m cleaner.publish.schema` rewrites its tables."""
    path = ROOT / "docs" / "version-format.md"
    text = path.read_text(encoding="utf-8")
    assert text == schema.with_column_tables(text)
    for name in schema.TABLES:
        assert schema.markdown_table(name) in text
