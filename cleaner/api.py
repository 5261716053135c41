"""The Python API, for notebooks and scripts: the commands, as functions.

>>> import cleaner
>>> record = cleaner.clean_text("<html><body><p>Hello, world. This is a page.</p></body></html>")
>>> sorted(record)[:4]
['author', 'id', 'lang', 'lang_score']

* :func:`clean_text` — clean one page given as a string or bytes (what ``cleaner clean`` does
  to a file), returning a dict;
* :func:`clean_files` — clean files and folders, one dict per document;
* :func:`build_dataset` — build a version (what ``cleaner build`` does);
* :func:`load` — read a version as a ``datasets.DatasetDict`` or as pyarrow tables;
* :func:`describe` — the text ``cleaner inspect`` prints.

These are thin: each calls the same code as the command, so a notebook and the command line
give the same results. (``build`` and ``inspect`` are the names of submodules of ``cleaner``,
so the functions are ``build_dataset`` and ``describe``: ``cleaner.build(...)`` would stop
working as soon as the module ``cleaner.build`` was imported.)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from cleaner.build import BuildResult
    from cleaner.config import Config

# The tables of a version that :func:`load` reads.
CONFIGS = ("documents", "pairs", "removed")


def _config(config: Config | str | Path | None) -> Config:
    """A :class:`Config` from a Config, a path to a ``dataset.toml``, or the defaults."""
    from cleaner.config import Config, load_config

    if config is None:
        return Config(base_dir=Path.cwd())
    if isinstance(config, (str, Path)):
        return load_config(Path(config))
    return config


def clean_text(page: str | bytes, source: str = "page", content_type: str = "",
               config: Config | str | Path | None = None) -> dict[str, Any]:
    """Clean one page: decode and repair, extract the main text, strip boilerplate, detect the
    language. Returns the record ``cleaner clean`` prints (``text``, ``title``, ``lang``,
    ``lang_score``, ``url``, ``published``, ``meta``, ``repairs``...).

    ``page`` is HTML or plain text, as ``str`` or raw ``bytes`` (the charset is detected).
    ``content_type`` is ``"html"``, ``"text"`` or ``""`` to decide from the content. A page
    that cannot be cleaned gives empty ``text`` and a ``dropped`` reason instead of raising.

    >>> clean_text("")["dropped"]
    'empty'
    """
    from cleaner.build import clean_record, clean_steps
    from cleaner.document import Document
    from cleaner.pipeline import process_document

    settings = _config(config)
    if isinstance(page, bytes):
        doc = Document(source, data=page, content_type=content_type)
    elif isinstance(page, str):
        doc = Document(source, text=page, content_type=content_type)
    else:
        raise TypeError(f"page must be str or bytes, not {type(page).__name__}")
    # Under the same [limits] as the command line: one pathological page cannot hang a notebook.
    result = process_document(doc, clean_steps(settings), {}, settings.limits.step_seconds)
    return clean_record(result)


def clean_files(paths: str | Path | list[str | Path],
                config: Config | str | Path | None = None, workers: int = 1
                ) -> list[dict[str, Any]]:
    """Clean every document in ``paths`` (files or folders), in input order, as dicts."""
    from cleaner.build import clean_paths

    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return list(clean_paths([Path(p) for p in items], _config(config), workers=workers))


def build_dataset(inputs: str | Path | list[str | Path] | None = None,
          config: Config | str | Path | None = None, output: str | Path | None = None,
          name: str | None = None, version: str | None = None, workers: int | None = None,
          progress: bool = False) -> BuildResult:
    """Build a dataset version, like ``cleaner build``; returns what was done.

    ``config`` is a ``dataset.toml`` path or a :class:`~cleaner.config.Config` (default: the
    built-in settings); ``inputs``, ``output``, ``name`` and ``version`` override it. The
    result's ``write.path`` is the version folder; ``cleaner.load(result.write.path)`` reads
    it.
    ``progress=True`` shows progress on stderr.
    """
    from cleaner.build import build
    from cleaner.config import check_name, check_version, default_name
    from cleaner.pipeline.progress import Progress, make_progress

    settings = _config(config)
    if config is None and inputs is not None and name is None:
        items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
        settings.dataset.name = default_name([Path(p) for p in items])
    if name is not None:
        settings.dataset.name = check_name(name)
    if version is not None:
        settings.dataset.version = check_version(version)
    if inputs is not None:
        items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
        input_list: list[Path] | None = [Path(p) for p in items]
    else:
        input_list = None
    return build(settings, inputs=input_list,
                     output=Path(output) if output is not None else None, workers=workers,
                     progress=make_progress() if progress else Progress("off"))


def _check_version_folder(path: Path) -> None:
    if not (path / "manifest.json").is_file():
        raise FileNotFoundError(f"{path} is not a version folder (no manifest.json)")


def load(path: str | Path, config: str = "documents", as_arrow: bool = False
         ) -> Any:
    """Read a built version.

    By default returns a ``datasets.DatasetDict`` (one ``Dataset`` per split) of ``config``,
    ``"documents"`` or ``"pairs"``, loaded offline with its typed features. With
    ``as_arrow=True`` returns ``{split: pyarrow.Table}`` instead (no ``datasets`` cache);
    ``config="removed"`` (the audit) is only available that way, as ``{"removed": table}``.
    """
    folder = Path(path)
    _check_version_folder(folder)
    if config not in CONFIGS:
        raise ValueError(f"config {config!r} is not one of {', '.join(CONFIGS)}")
    if as_arrow:
        return load_tables(folder, config)
    if config == "removed":
        raise ValueError("the audit (config 'removed') is read with as_arrow=True")
    import datasets

    if config == "pairs" and not read_tables(folder, "pairs"):
        # A version without pairs declares no pairs config (datasets cannot load a Parquet
        # file without rows): the same typed, empty table, so scripts work across versions.
        from cleaner.publish import schema

        empty = schema.arrow_schema("pairs").empty_table()
        return datasets.DatasetDict({"train": datasets.Dataset(
            empty, info=datasets.DatasetInfo(features=schema.hf_features("pairs")))})
    return datasets.load_dataset(str(folder), config)


def read_tables(folder: Path, config: str = "documents") -> dict[str, pa.Table]:
    """``{split: table}`` of a version's ``config`` (``{"removed": table}`` for the audit)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cleaner.publish import schema

    if config == "removed":
        return {"removed": pq.read_table(folder / schema.AUDIT_FILE)}
    tables: dict[str, pa.Table] = {}
    for split in schema.SPLITS:
        files = sorted((folder / "data" / config).glob(f"{split}-*.parquet"))
        if files:
            tables[split] = pa.concat_tables([pq.read_table(f) for f in files])
    return tables


def load_tables(folder: Path, config: str = "documents") -> dict[str, pa.Table]:
    """:func:`read_tables`, with an empty ``train`` table of the right schema for a config
    that has no rows in this version (``pairs`` when no translation was found)."""
    from cleaner.publish import schema

    tables = read_tables(folder, config)
    if not tables and config != "removed":
        tables["train"] = schema.arrow_schema(config).empty_table()
    return tables


def describe(path: str | Path, samples: int = 3) -> str:
    """The summary ``cleaner inspect`` prints, as a string."""
    from cleaner.publish.describe import render_summary

    return render_summary(Path(path), samples=samples)


__all__ = ["build_dataset", "clean_files", "clean_text", "describe", "load", "load_tables",
           "read_tables"]
