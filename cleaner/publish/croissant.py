"""ML Croissant metadata (``croissant.json``): the version described for ML tooling.

Croissant 1.0 (https://docs.mlcommons.org/croissant/docs/croissant-spec.html) describes a
dataset as ``distribution`` (files) and ``recordSet`` (typed records read from them). Here each
config (``documents``, ``pairs``) and the audit is a record set read from a ``FileSet`` of
Parquet shards; every file is also listed as a ``FileObject`` with its sha256. Field types come
from ``schemas/`` like every other view, and a ``split`` field is read from the shard name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.publish import schema
from cleaner.publish.settings import PublishSettings, citation

if TYPE_CHECKING:
    from cleaner.publish.settings import PublishSettings

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
PARQUET = "application/x-parquet"
_DATA_TYPES = {"string": "sc:Text", "number": "sc:Float", "integer": "sc:Integer",
               "boolean": "sc:Boolean", "date": "sc:Date"}
_ITEM_TYPES = {"string": "sc:Text", "number": "sc:Float", "integer": "sc:Integer",
               "boolean": "sc:Boolean"}

CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def _file_object(relative: str, sha256: str) -> dict[str, Any]:
    """A Parquet file with its checksum."""
    return {"@type": "cr:FileObject", "@id": relative, "name": relative,
            "contentUrl": relative, "encodingFormat": PARQUET, "sha256": sha256}


def _file_set(name: str, pattern: str) -> dict[str, Any]:
    """The shards of one table, by glob."""
    return {"@type": "cr:FileSet", "@id": f"{name}-files", "name": f"{name}-files",
            "encodingFormat": PARQUET, "includes": pattern}


def _field(record_set: str, spec: schema.FieldSpec, file_set: str) -> dict[str, Any]:
    """One ``cr:Field``: a column; a list column is ``repeated``, a list of objects has
    ``subField``s."""
    out: dict[str, Any] = {"@type": "cr:Field", "@id": f"{record_set}/{spec.name}",
                           "name": spec.name, "description": spec.description}
    source = {"fileSet": {"@id": file_set}, "extract": {"column": spec.name}}
    if spec.type != "array":
        out["dataType"] = _DATA_TYPES[spec.type]
        out["source"] = source
        return out
    items = spec.items or {}
    out["repeated"] = True
    if items.get("type") == "object":
        out["source"] = source
        out["subField"] = [
            {"@type": "cr:Field", "@id": f"{record_set}/{spec.name}/{key}", "name": key,
             "dataType": _ITEM_TYPES.get(sub.get("type", "string"), "sc:Text"),
             "source": {"fileSet": {"@id": file_set},
                        "extract": {"column": spec.name}, "transform": {"jsonPath": key}}}
            for key, sub in items["properties"].items()]
    else:
        out["dataType"] = _ITEM_TYPES.get(items.get("type", "string"), "sc:Text")
        out["source"] = source
    return out


def _record_set(name: str, table: str, file_set: str, split_field: bool) -> dict[str, Any]:
    """The records of one table: its fields (and the split, for configs)."""
    spec = schema.load_schema(table)
    fields = [_field(name, f, file_set) for f in spec.fields]
    if split_field:
        fields.append({
            "@type": "cr:Field", "@id": f"{name}/split", "name": "split", "dataType": "sc:Text",
            "description": "The split (train, validation or test), from the shard's name.",
            "source": {"fileSet": {"@id": file_set}, "extract": {"fileProperty": "filename"},
                       "transform": {"regex": r"^(train|validation|test)-\d+-of-\d+\.parquet$"}},
        })
    record: dict[str, Any] = {"@type": "cr:RecordSet", "@id": name, "name": name,
                              "description": spec.description, "field": fields}
    if spec.primary_key:
        key = [{"@id": f"{name}/{column}"} for column in spec.primary_key]
        record["key"] = key[0] if len(key) == 1 else key
    return record


def croissant_metadata(settings: PublishSettings, version: str, checksums: dict[str, str],
                       configs: dict[str, bool], cite_as: str = "",
                       languages: list[str] | None = None, date: str = "") -> dict[str, Any]:
    """The JSON-LD document. ``checksums`` maps each Parquet file to its sha256; ``configs``
    says which of ``documents``/``pairs`` have files (an empty config is not described);
    ``languages`` are the data's (``inLanguage``), ``date`` is ``datePublished``."""
    dataset = settings.dataset
    distribution = [_file_object(path, digest) for path, digest in sorted(checksums.items())]
    record_sets = []
    for name, present in configs.items():
        if present:
            distribution.append(_file_set(name, f"data/{name}/*.parquet"))
            record_sets.append(_record_set(name, name, f"{name}-files", split_field=True))
    distribution.append(_file_set("removed", schema.AUDIT_FILE))
    record_sets.append(_record_set("removed", "removed", "removed-files", split_field=False))
    metadata: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": dataset.name,
        "description": dataset.description.strip() or dataset.pretty_name or dataset.name,
        "conformsTo": CONFORMS_TO,
        "version": version,
        "license": dataset.license,
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if dataset.homepage:
        metadata["url"] = dataset.homepage
    if dataset.pretty_name:
        metadata["alternateName"] = dataset.pretty_name
    if cite_as:
        metadata["citeAs"] = cite_as
    if date:
        metadata["datePublished"] = date
    if languages:
        metadata["inLanguage"] = list(languages)
    return metadata


def write_croissant(folder: Path, settings: PublishSettings, version: str,
                    documents: dict[str, list[str]], pairs: dict[str, list[str]],
                    languages: list[str] | None = None, newest: str = "") -> Path:
    """Write ``croissant.json`` for the Parquet files already in ``folder``.

    ``datePublished`` is ``[dataset] date_published``, else ``newest`` (the newest date of
    the data): never the day of the build, so the same inputs give the same bytes.
    """
    from cleaner.publish.layout import sha256_file

    files = [f for paths in (*documents.values(), *pairs.values()) for f in paths]
    files.append(schema.AUDIT_FILE)
    checksums = {relative: sha256_file(folder / relative) for relative in files}
    metadata = croissant_metadata(settings, version, checksums,
                                  {"documents": bool(documents), "pairs": bool(pairs)},
                                  cite_as=citation(settings.dataset, version),
                                  languages=languages,
                                  date=settings.dataset.date_published or newest)
    path = folder / "croissant.json"
    path.write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
