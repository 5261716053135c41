"""The tables' schemas: one source, many views.

``schemas/*.json`` describe every column of the three tables (``documents``, ``pairs`` and
``removed``, the audit) as Frictionless Table Schemas (https://datapackage.org/standard/table-schema/):
type, whether it may be null, constraints and a description. Everything else is derived here,
so the views never disagree:

* :func:`arrow_schema` — the exact Parquet/Arrow schema written and checked;
* :func:`hf_features` / :func:`card_features` — the ``datasets`` features (dates as ``date32``,
  floats as ``float64``, lists as sequences) and their YAML form for the dataset card;
* :func:`markdown_table` — the card's schema table;
* :func:`json_schema` — a JSON Schema of one row, for CI systems that speak JSON Schema
  (also written to ``schemas/json/<table>.schema.json`` by :func:`write_json_schemas`).

Types map as: ``string`` → ``string``, ``number`` → ``float64``, ``integer`` → ``int64``,
``boolean`` → ``bool``, ``date`` → ``date32``, ``array`` → a list whose items are given by the
field's ``constraints.jsonSchema.items`` (strings, or objects → structs).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.errors import SchemaError

if TYPE_CHECKING:
    import pyarrow as pa


def _schema_dir() -> Path:
    """Where ``schemas/`` is: inside the installed package (a wheel ships it as
    ``cleaner/publish/schemas``), else at the top of the source tree."""
    packaged = Path(__file__).resolve().parent / "schemas"
    if (packaged / "documents.json").is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "schemas"


SCHEMA_DIR = _schema_dir()
TABLES = ("documents", "pairs", "removed")
SPLITS = ("train", "validation", "test")
# data/<config>/<split>-NNNNN-of-NNNNN.parquet
SHARD_NAME = re.compile(r"^(train|validation|test)-(\d{5})-of-(\d{5})\.parquet$")
# A version folder's name: a semantic version X.Y.Z.
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
AUDIT_FILE = "audit/removed.parquet"

# Each type's pyarrow factory, by name: pyarrow is imported only where Arrow types are built
# (it takes most of a second, and `cleaner clean` never needs it).
_PRIMITIVES = {
    "string": "string",
    "number": "float64",
    "integer": "int64",
    "boolean": "bool_",
    "date": "date32",
}
_JSON_PRIMITIVES = {"string": "string", "number": "number", "integer": "integer",
                    "boolean": "boolean"}


@dataclass(frozen=True)
class FieldSpec:
    """One column, as its Table Schema field descriptor says."""

    name: str
    type: str
    description: str
    required: bool = False
    unique: bool = False
    pattern: str | None = None
    min_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    format: str | None = None
    # For ``array`` fields: the JSON Schema of one item.
    items: dict[str, Any] | None = None

    @property
    def regex(self) -> re.Pattern[str] | None:
        """The pattern, compiled; Table Schema patterns match the whole value."""
        return re.compile(self.pattern) if self.pattern else None


@dataclass(frozen=True)
class TableSchema:
    """A whole table: its fields in column order and its primary key."""
    name: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _field_spec(raw: dict[str, Any], table: str) -> FieldSpec:
    """Read one Table Schema field descriptor."""
    constraints = raw.get("constraints", {})
    kind = raw.get("type", "string")
    items = None
    if kind == "array":
        items = constraints.get("jsonSchema", {}).get("items")
        if not isinstance(items, dict):
            raise SchemaError(f"schemas/{table}.json: array field {raw.get('name')!r} needs "
                              "constraints.jsonSchema.items")
    elif kind not in _PRIMITIVES:
        raise SchemaError(f"schemas/{table}.json: field {raw.get('name')!r} has unsupported "
                          f"type {kind!r}")
    return FieldSpec(
        name=raw["name"], type=kind, description=raw.get("description", ""),
        required=bool(constraints.get("required", False)),
        unique=bool(constraints.get("unique", False)),
        pattern=constraints.get("pattern"), min_length=constraints.get("minLength"),
        minimum=constraints.get("minimum"), maximum=constraints.get("maximum"),
        format=raw.get("format"), items=items)


@functools.cache
def load_schema(name: str) -> TableSchema:
    """Read ``schemas/<name>.json``.

    >>> load_schema("pairs").names[:2]
    ['id_a', 'id_b']
    """
    path = SCHEMA_DIR / f"{name}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SchemaError(f"cannot read table schema {path}: {error}") from None
    fields = tuple(_field_spec(f, name) for f in raw["fields"])
    return TableSchema(name=raw.get("name", name), title=raw.get("title", name),
                       description=raw.get("description", ""), fields=fields,
                       primary_key=tuple(raw.get("primaryKey", [])))


def _item_arrow_type(items: dict[str, Any]) -> pa.DataType:
    """The Arrow type of a JSON Schema item (object → struct, array → list)."""
    import pyarrow as pa

    kind = items.get("type")
    if kind == "object":
        required = set(items.get("required", []))
        return pa.struct([pa.field(key, _item_arrow_type(sub), nullable=key not in required)
                          for key, sub in items["properties"].items()])
    if kind == "array":
        return pa.list_(_item_arrow_type(items["items"]))
    if kind in _PRIMITIVES:
        return getattr(pa, _PRIMITIVES[kind])()
    raise SchemaError(f"unsupported item type {kind!r}")


def arrow_type(spec: FieldSpec) -> pa.DataType:
    """The Arrow type of a column.

    >>> arrow_type(load_schema("documents").field("published"))
    DataType(date32[day])
    """
    import pyarrow as pa

    if spec.type == "array":
        return pa.list_(_item_arrow_type(spec.items or {}))
    return getattr(pa, _PRIMITIVES[spec.type])()


@functools.cache
def arrow_schema(name: str) -> pa.Schema:
    """The exact Arrow schema of a table; required columns are not nullable."""
    import pyarrow as pa

    table = load_schema(name)
    return pa.schema([pa.field(f.name, arrow_type(f), nullable=not f.required)
                      for f in table.fields])


def hf_features(name: str) -> Any:
    """The ``datasets.Features`` of a table (imported lazily: ``datasets`` is slow to import)."""
    from datasets import Features

    return Features.from_arrow_schema(arrow_schema(name))


def card_features(name: str) -> list[dict[str, Any]]:
    """The features as the dataset card's YAML writes them (``dataset_info.features``)."""
    return hf_features(name)._to_yaml_list()


def _type_label(spec: FieldSpec) -> str:
    """A short type for humans: ``string``, ``date``, ``list<string>``...

    >>> _type_label(load_schema("documents").field("langs"))
    'list<struct<lang: string, share: float64>>'
    """
    if spec.type != "array":
        return {"number": "float64", "integer": "int64"}.get(spec.type, spec.type)
    return f"list<{_item_label(spec.items or {})}>"


def _item_label(items: dict[str, Any]) -> str:
    """The human label of a JSON Schema item, e.g. ``struct<lang: string>``."""
    kind = items.get("type", "string")
    if kind == "object":
        inner = ", ".join(f"{key}: {_item_label(sub)}" for key, sub in items["properties"].items())
        return f"struct<{inner}>"
    if kind == "array":
        return f"list<{_item_label(items.get('items', {}))}>"
    return {"number": "float64", "integer": "int64"}.get(kind, kind)


def markdown_table(name: str) -> str:
    """The card's schema table: column, type, nullable, constraints, description."""
    rows = ["| column | type | null | constraints | description |",
            "| --- | --- | --- | --- | --- |"]
    for spec in load_schema(name).fields:
        rules = []
        if spec.unique:
            rules.append("unique")
        if spec.min_length:
            rules.append(f"length ≥ {spec.min_length}")
        if spec.minimum is not None or spec.maximum is not None:
            rules.append(f"{spec.minimum} ≤ x ≤ {spec.maximum}")
        if spec.pattern and spec.name != "text" and not spec.name.startswith("text_"):
            rules.append(f"`{spec.pattern}`")
        description = spec.description.replace("|", "\\|")
        rows.append(f"| `{spec.name}` | `{_type_label(spec)}` | {'no' if spec.required else 'yes'}"
                    f" | {', '.join(rules)} | {description} |")
    return "\n".join(rows)


def _json_property(spec: FieldSpec) -> dict[str, Any]:
    """The JSON Schema property of one column (null allowed unless required)."""
    if spec.type == "array":
        prop: dict[str, Any] = {"type": "array", "items": spec.items}
    elif spec.type == "date":
        prop = {"type": "string", "format": "date"}
    else:
        prop = {"type": _JSON_PRIMITIVES[spec.type]}
        if spec.format == "uri":
            prop["format"] = "uri"
    if spec.pattern:
        prop["pattern"] = f"^(?:{spec.pattern})$"
    if spec.min_length is not None:
        prop["minLength"] = spec.min_length
    if spec.minimum is not None:
        prop["minimum"] = spec.minimum
    if spec.maximum is not None:
        prop["maximum"] = spec.maximum
    if not spec.required:
        prop = {"anyOf": [prop, {"type": "null"}]}
    return {"description": spec.description, **prop}


def json_schema(name: str) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of one row of a table, e.g. as exported to JSON Lines."""
    table = load_schema(name)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"cleaner/{name}.schema.json",
        "title": table.title,
        "description": table.description + " Generated from schemas/" + name + ".json.",
        "type": "object",
        "additionalProperties": False,
        "required": table.names,
        "properties": {spec.name: _json_property(spec) for spec in table.fields},
    }


def render_json_schema(name: str) -> str:
    """The JSON Schema of a table as the text of ``schemas/json/<name>.schema.json``."""
    return json.dumps(json_schema(name), ensure_ascii=False, indent=2) + "\n"


def write_json_schemas(folder: Path = SCHEMA_DIR / "json") -> list[Path]:
    """Regenerate ``schemas/json/*.schema.json`` (run ``python -m cleaner.publish.schema``)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        path = folder / f"{name}.schema.json"
        path.write_text(render_json_schema(name), encoding="utf-8")
        written.append(path)
    return written


# Where the column tables of docs/version-format.md go: between these two lines per table.
DOC_START, DOC_END = "<!-- columns: {name} -->", "<!-- end of columns: {name} -->"


def with_column_tables(document: str) -> str:
    """``document`` with the column table of every table between its markers, as
    :func:`markdown_table` makes it (so the format document never disagrees with the schemas).

    >>> markers = "<!-- columns: removed -->\\nold\\n<!-- end of columns: removed -->"
    >>> text = with_column_tables(markers)
    >>> text.splitlines()[1]
    '| column | type | null | constraints | description |'
    """
    for name in TABLES:
        start, end = DOC_START.format(name=name), DOC_END.format(name=name)
        if start in document and end in document:
            head, rest = document.split(start, 1)
            _, tail = rest.split(end, 1)
            document = f"{head}{start}\n{markdown_table(name)}\n{end}{tail}"
    return document


if __name__ == "__main__":
    for written_path in write_json_schemas():
        print(written_path)
    format_doc = Path(__file__).resolve().parents[2] / "docs" / "version-format.md"
    if format_doc.is_file():
        format_doc.write_text(with_column_tables(format_doc.read_text(encoding="utf-8")),
                              encoding="utf-8")
        print(format_doc)
