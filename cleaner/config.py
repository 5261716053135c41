"""The build configuration: ``dataset.toml``.

Each section belongs to the stage that uses it and is a dataclass defined in that stage's
module, next to the code it steers (``[language]`` is the language stage's ``LanguageConfig``,
and so on). This module only reads the file, checks every key and value, and assembles the
sections. An unknown key is an error that names the key and suggests the closest valid one.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
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
    check_section(section, section_config, where)
    return section_config


def _numbers(name: str, value: Any) -> list[tuple[str, float]]:
    """(name, number) of a setting's numbers: itself, or each value of a table of numbers.

    >>> _numbers("weights", {"lingua": 1.0, "x": "y"}), _numbers("exact", True)
    ([('weights.lingua', 1.0)], [])
    """
    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if number(value):
        return [(name, value)]
    if isinstance(value, dict):
        return [(f"{name}.{key}", v) for key, v in value.items() if number(v)]
    return []


def out_of_range(section_config: Any) -> str | None:
    """What is wrong with the first number of a section outside its range, or ``None``.

    Every number must be finite (``nan`` and ``inf`` are valid TOML: ``train = nan`` would
    send every document to ``test``) and inside the range its section declares in
    ``RANGES``; a table of numbers (``weights``) has the range for each value.

    >>> from cleaner.publish.settings import SplitsConfig
    >>> out_of_range(SplitsConfig(train=float("nan")))
    'train = nan is not a finite number'
    >>> out_of_range(SplitsConfig(seed=-1))
    'seed = -1 is out of range: it must be between 0 and 9223372036854775807'
    """
    ranges = getattr(section_config, "RANGES", {})
    for item in dataclasses.fields(section_config):
        value = getattr(section_config, item.name)
        for name, number in _numbers(item.name, value):
            shown = f"{name} = {number!r}"
            if isinstance(number, float) and not math.isfinite(number):
                return f"{shown} is not a finite number"
            low, high = ranges.get(item.name, (-math.inf, math.inf))
            if not low <= number <= high:
                return (f"{shown} is out of range: it must be between {_bound(low)} and "
                        f"{_bound(high)}")
    return None


def _bound(number: float) -> str:
    """``1073741824`` for a whole number, ``0.5`` for a fraction."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def check_section(section: str, section_config: Any, where: str = DEFAULT_CONFIG_FILE) -> None:
    """Raise :class:`ConfigError` (one line) for a value out of range or an invalid one."""
    problem = out_of_range(section_config)
    if problem is None:
        check = getattr(section_config, "check", None)
        try:
            if check is not None:
                check()
        except ValueError as error:
            problem = str(error)
    if problem is not None:
        raise ConfigError(f"{where}: [{section}] {problem}")


def check_config(config: Config, where: str = DEFAULT_CONFIG_FILE) -> Config:
    """Check every section of a :class:`Config` made in Python (as reading a file does)."""
    for section in SECTIONS:
        check_section(section, getattr(config, section), where)
    check_name(config.dataset.name)
    check_version(config.dataset.version)
    return config


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
