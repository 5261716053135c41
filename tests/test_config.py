from pathlib import Path

import pytest

from cleaner.config import Config, ConfigError, config_from_dict, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_project_config_loads():
    config = load_config(ROOT / "dataset.toml")
    assert config.dataset.name == "green-finance-news"
    assert config.dataset.inputs == ["seeds"]
    assert config.base_dir == ROOT


def test_unknown_key_names_it_and_suggests_the_closest():
    expected = r"unknown key 'versoin' in \[dataset\]; did you mean 'version'"
    with pytest.raises(ConfigError, match=expected):
        config_from_dict({"dataset": {"versoin": "1.0.0"}})


def test_unknown_section_is_an_error():
    with pytest.raises(ConfigError, match=r"unknown section \[langauge\]; did you mean 'language'"):
        config_from_dict({"langauge": {}})


def test_wrong_type_is_an_error():
    with pytest.raises(ConfigError, match="is not of type"):
        config_from_dict({"dataset": {"inputs": "seeds"}})


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.0.0", "1.0.0-"])
def test_bad_version(version):
    with pytest.raises(ConfigError, match="not a semantic version"):
        config_from_dict({"dataset": {"version": version}})


@pytest.mark.parametrize("name", ["a/b", "..", "../x", "", "-x"])
def test_unsafe_dataset_name(name):
    with pytest.raises(ConfigError, match="not allowed"):
        config_from_dict({"dataset": {"name": name}})


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_invalid_toml(tmp_path):
    bad = tmp_path / "dataset.toml"
    bad.write_text("[dataset\nname=1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_to_dict_has_every_section():
    assert set(Config().to_dict()) == {"dataset", "ingest", "extract", "boilerplate", "language",
                                       "filters",
                                       "dedup", "splits", "package", "limits"}


def test_rule_file_paths_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.txt").write_text("line  promo  Download our app\n")
    (tmp_path / "dataset.toml").write_text(
        '[boilerplate]\nextra_rule_files = ["rules/site.txt"]\n')
    config = load_config(tmp_path / "dataset.toml")
    assert config.boilerplate.extra_rule_files == [str(tmp_path / "rules" / "site.txt")]


def test_every_unknown_key_is_reported_at_once():
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"dataset": {"versoin": "1.0.0", "nmae": "x"},
                          "ingest": {"max_file_byte": 1}, "langauge": {}})
    message = str(caught.value)
    assert "(4 unknown names)" in message and len(message.splitlines()) == 1
    for part in ("'versoin' in [dataset]; did you mean 'version'", "'nmae' in [dataset]",
                 "'max_file_byte' in [ingest]", "[langauge]; did you mean 'language'"):
        assert part in message, part


def test_license_other_takes_a_name_and_a_link_and_ids_are_checked():
    config = config_from_dict({"dataset": {"license": "other", "license_name": "news-terms",
                                           "license_link": "https://news.example/terms"}})
    assert config.dataset.license_name == "news-terms"
    with pytest.raises(ConfigError, match="did you mean 'cc-by-4.0'"):
        config_from_dict({"dataset": {"license": "CC BY 4.0"}})
    with pytest.raises(ConfigError, match="license_name is only for license 'other'"):
        config_from_dict({"dataset": {"license": "mit", "license_name": "x"}})


# --- every number finite and in range (issue 19) -------------------------------------------

def _numeric_fields() -> list[tuple[str, str]]:
    import dataclasses
    import typing

    from cleaner.config import SECTIONS

    found = []
    for section in SECTIONS:
        instance = getattr(Config(), section)
        hints = typing.get_type_hints(type(instance))
        for item in dataclasses.fields(instance):
            if any(t in str(hints[item.name]) for t in ("int", "float")):
                found.append((section, item.name))
    return found


def test_every_numeric_key_declares_a_finite_range():
    for section, name in _numeric_fields():
        ranges = getattr(getattr(Config(), section), "RANGES", {})
        assert name in ranges, f"[{section}] {name} has no range"
        low, high = ranges[name]
        assert float("-inf") < low <= high < float("inf"), (section, name)


@pytest.mark.parametrize("section, key, value", [
    ("splits", "train", "nan"), ("splits", "test", "inf"), ("limits", "step_seconds", "nan"),
    ("language", "weights", "{ fasttext = nan }"), ("dedup", "near_threshold", "-inf"),
    ("extract", "min_coverage", "nan"), ("boilerplate", "repeated_min_share", "nan"),
    ("ingest", "max_file_bytes", "100000000000000000000"), ("dedup", "seed", "4294967296"),
    ("dedup", "translation_date_window_days", "999999999999"),
    ("package", "max_rows_per_shard", "9223372036854775807"),
    ("language", "priors", "{ nn = inf }"), ("dedup", "length_ratios", '{ "en/zh" = nan }'),
])
def test_nan_inf_and_huge_numbers_are_one_line_errors(tmp_path, monkeypatch, capsys, section,
                                                       key, value):
    from cleaner.cli import main

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("The council met on Tuesday. " * 20)
    (tmp_path / "dataset.toml").write_text(f'[dataset]\ninputs = ["in"]\n\n[{section}]\n'
                                           f"{key} = {value}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--quiet", "--workers", "1"]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and f"[{section}] {key}" in error, error
    assert "finite" in error or "out of range" in error, error
    assert "internal error" not in error and not (tmp_path / "dist").exists()


def test_a_config_made_in_python_is_checked_too(tmp_path):
    import dataclasses

    from cleaner.build import build

    config = Config(base_dir=tmp_path)
    config.splits = dataclasses.replace(config.splits, train=float("nan"))
    with pytest.raises(ConfigError, match="train = nan"):
        build(config, inputs=[tmp_path])


def test_a_rule_file_that_fails_to_parse_is_never_quoted(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$SECRETHASH:19000:0:99999:7:::\n")
    with pytest.raises(ConfigError) as raised:
        config_from_dict({"boilerplate": {"extra_rule_files": [str(secret)]}})
    message = str(raised.value)
    assert "SECRETHASH" not in message and "root:" not in message
    assert "shadow:1" in message and len(message.splitlines()) == 1
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"# " + b"x" * (2 << 20))
    with pytest.raises(ConfigError, match="at most"):
        config_from_dict({"boilerplate": {"extra_rule_files": [str(huge)]}})
