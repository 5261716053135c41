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
