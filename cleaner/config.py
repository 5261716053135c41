"""The build configuration: ``dataset.toml``.

Each section belongs to the stage that uses it and is a dataclass defined in that stage's
module, next to the code it steers (``[language]`` is the language stage's ``LanguageConfig``,
and so on). This module only reads the file, checks every key and value, and assembles the
sections. An unknown key is an error that names the key and suggests the closest valid one.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.errors import ConfigError
from cleaner.pipeline.limits import LimitsConfig
from cleaner.publish import schema
from cleaner.publish.settings import DatasetConfig, PackageConfig, PublishSettings, SplitsConfig
from cleaner.stages.boilerplate.step import BoilerplateConfig
from cleaner.stages.dedup.near import DedupConfig
from cleaner.stages.extract.step import ExtractConfig
from cleaner.stages.filters.config import FiltersConfig
from cleaner.stages.ingest.reader import IngestConfig
from cleaner.stages.language.identify import LanguageConfig

DEFAULT_CONFIG_FILE = "dataset.toml"
MAX_CONFIG_BYTES = 1 << 20
# A dataset name is one safe path component: it becomes a folder under the output directory.
DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass
class Config:
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    language: LanguageConfig = field(default_factory=LanguageConfig)
    filters: FiltersConfig = field(default_factory=FiltersConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    splits: SplitsConfig = field(default_factory=SplitsConfig)
    package: PackageConfig = field(default_factory=PackageConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    # The folder relative paths in the config are resolved against (not part of the data).
    base_dir: Path = field(default=Path("."), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Every setting, as plain data (for the manifest and the card)."""
        return {f.name: dataclasses.asdict(getattr(self, f.name))
                for f in dataclasses.fields(self) if f.name != "base_dir"}

    def publish_settings(self) -> PublishSettings:
        """What publishing needs: its own three sections, and every setting as plain data."""
        return PublishSettings(self.dataset, self.splits, self.package, self.to_dict())


SECTIONS = [f.name for f in dataclasses.fields(Config) if f.name != "base_dir"]


def check_name(name: str) -> str:
    if not DATASET_NAME.match(name) or name in {".", ".."}:
        raise ConfigError(f"dataset name {name!r} is not allowed: use letters, digits, '.', '_' "
                          "or '-', starting with a letter or digit (no '/' or '..')")
    return name


def check_version(version: str) -> str:
    if not schema.SEMVER.match(version):
        raise ConfigError(f"version {version!r} is not a semantic version like 1.2.3")
    return version


def default_name(paths: list[Path]) -> str:
    """The dataset name when no config gives one: the input's name (file endings dropped),
    ``dataset`` for several inputs or a name that cannot be a folder name.

    >>> default_name([Path("/data/crawl-2024.warc.gz")]), default_name([Path("a"), Path("b")])
    ('crawl-2024', 'dataset')
    """
    if len(paths) != 1:
        return "dataset"
    name = Path(os.path.abspath(paths[0])).name
    while (stem := re.sub(r"\.(?:gz|gzip|warc|jsonl|json|ndjson|html?|txt|md)$", "", name,
                          flags=re.IGNORECASE)) != name:
        name = stem
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._")
    return name if DATASET_NAME.match(name) else "dataset"


def _suggest(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(valid)}"


def _matches(value: Any, annotation: Any) -> bool:
    """Whether a TOML value fits a dataclass field's type annotation."""
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if origin is dict:
        key_type, value_type = typing.get_args(annotation) or (Any, Any)
        return isinstance(value, dict) and all(
            _matches(k, key_type) and _matches(v, value_type) for k, v in value.items())
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True


def _unknown(section: str, values: dict[str, Any], names: list[str]) -> list[str]:
    """One note per unknown key of a section, with the closest valid key."""
    return [f"unknown key '{key}' in [{section}]{_suggest(key, names)}"
            for key in values if key not in names]


def _build_section(section: str, cls: type, values: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    for key, value in values.items():
        if not _matches(value, hints[key]):
            raise ConfigError(f"{where}: [{section}] {key} = {value!r} is not of type "
                              f"{getattr(hints[key], '__name__', hints[key])}")
        if hints[key] is float and isinstance(value, int):
            values[key] = float(value)
    section_config = cls(**values)
    check = getattr(section_config, "check", None)
    if check is not None:
        try:
            check()
        except ValueError as error:
            raise ConfigError(f"{where}: [{section}] {error}") from None
    return section_config


# Keys whose values are file paths, relative to the config file's folder.
PATH_KEYS = {("boilerplate", "extra_rule_files")}


def _resolve_paths(section: str, values: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    for key, value in values.items():
        if (section, key) in PATH_KEYS and isinstance(value, list):
            values[key] = [str(base_dir / item) if isinstance(item, str) else item
                           for item in value]
    return values


def config_from_dict(data: dict[str, Any], base_dir: Path = Path("."),
                     where: str = DEFAULT_CONFIG_FILE) -> Config:
    """Build a :class:`Config` from parsed TOML, checking every key and value."""
    config = Config(base_dir=base_dir)
    # Every unknown name is reported at once, not one per run.
    unknown = [f"unknown section [{section}]{_suggest(section, SECTIONS)}"
               for section in data if section not in SECTIONS]
    for section, values in data.items():
        if section in SECTIONS and isinstance(values, dict):
            names = [f.name for f in dataclasses.fields(type(getattr(config, section)))]
            unknown += _unknown(section, values, names)
    if unknown:
        more = f" ({len(unknown)} unknown names)" if len(unknown) > 1 else ""
        raise ConfigError(f"{where}{more}: " + " | ".join(unknown))
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        cls = type(getattr(config, section))
        values = _resolve_paths(section, dict(values), base_dir)
        setattr(config, section, _build_section(section, cls, values, where))
    check_name(config.dataset.name)
    check_version(config.dataset.version)
    return config


def load_config(path: Path) -> Config:
    """Read and check a ``dataset.toml``."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    raw = path.read_bytes()
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: config file larger than {MAX_CONFIG_BYTES} bytes")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return config_from_dict(data, base_dir=path.resolve().parent, where=str(path))
