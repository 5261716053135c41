"""Errors a user can act on: one line on stderr, a non-zero exit code, never a traceback.

Each mistake is made through ``cleaner.cli.main([...])``; a few also through a real
subprocess, which is what a user sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import cli

ROOT = Path(__file__).resolve().parent.parent


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(argv)
    return code, capsys.readouterr().err


def assert_one_line(err: str, *fragments: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("cleaner: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture(autouse=True)
def _empty_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each test in an empty folder: no dataset.toml is picked up by accident."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cli.DEBUG_VARIABLE, raising=False)


def test_missing_input_names_the_path(capsys):
    code, err = run(["build", "no-such-folder", "--output", "out"], capsys)
    assert code != 0
    assert_one_line(err, "input not found", "no-such-folder")
    assert not Path("out").exists()


def test_missing_input_of_clean(capsys):
    code, err = run(["clean", "missing.html"], capsys)
    assert code != 0
    assert_one_line(err, "missing.html")


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-beta", "01.2.3"])
def test_bad_version_string(version, capsys):
    Path("in").mkdir()
    code, err = run(["build", "in", "--version", version], capsys)
    assert code != 0
    assert_one_line(err, repr(version), "semantic version")


@pytest.mark.parametrize("name", ["a/b", "..", "../up", ".hidden", "x\\y"])
def test_dataset_name_that_is_not_one_folder(name, capsys):
    Path("in").mkdir()
    code, err = run(["build", "in", "--name", name], capsys)
    assert code != 0
    assert_one_line(err, "dataset name", "not allowed")


def test_unknown_key_names_it_and_suggests_the_closest(capsys):
    Path("dataset.toml").write_text('[dataset]\nnmae = "news"\n', encoding="utf-8")
    code, err = run(["build"], capsys)
    assert code != 0
    assert_one_line(err, "unknown key 'nmae'", "did you mean 'name'")


def test_unknown_section_suggests_the_closest(capsys):
    Path("my.toml").write_text("[dedupe]\nseed = 1\n", encoding="utf-8")
    code, err = run(["build", "--config", "my.toml"], capsys)
    assert code != 0
    assert_one_line(err, "unknown section [dedupe]", "did you mean 'dedup'")


def test_config_file_not_found(capsys):
    code, err = run(["build", "--config", "nope.toml"], capsys)
    assert code != 0
    assert_one_line(err, "nope.toml")


def test_config_that_is_not_toml(capsys):
    Path("dataset.toml").write_text("[dataset\nname = \n", encoding="utf-8")
    code, err = run(["build"], capsys)
    assert code != 0
    assert_one_line(err, "dataset.toml", "not valid TOML")


@pytest.mark.parametrize("command", [["validate"], ["inspect"], ["push", "--dry-run",
                                                                 "--repo-id", "o/n"]])
def test_a_folder_that_is_not_a_version(command, tmp_path, capsys):
    folder = tmp_path / "not-a-version"
    folder.mkdir()
    code, err = run([command[0], str(folder), *command[1:]], capsys)
    assert code == cli.EXIT_USAGE
    assert_one_line(err, "not a version folder", "not-a-version")


def test_a_version_folder_that_does_not_exist(capsys):
    code, err = run(["inspect", "dist/news/9.9.9"], capsys)
    assert code == cli.EXIT_USAGE
    assert_one_line(err, "dist/news/9.9.9", "does not exist")


def test_diff_of_folders_that_are_not_versions(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    code, err = run(["diff", str(tmp_path / "a"), str(tmp_path / "b")], capsys)
    assert code == cli.EXIT_USAGE
    assert_one_line(err, "not a version folder")


def test_workers_below_one(capsys):
    code, err = run(["clean", "x.html", "--workers", "0"], capsys)
    assert code == cli.EXIT_USAGE
    assert_one_line(err, "--workers must be at least 1")


def test_an_internal_error_is_one_line_with_a_hint(monkeypatch, capsys):
    import cleaner.build

    def broken(*args, **kwargs):
        raise KeyError("lang")

    monkeypatch.setattr(cleaner.build, "build", broken)
    Path("in").mkdir()
    code, err = run(["build", "in"], capsys)
    assert code != 0
    line = assert_one_line(err, "internal error", "KeyError")
    assert line.endswith("(set CLEANER_DEBUG=1 for the traceback)")


def test_cleaner_debug_shows_the_traceback(monkeypatch, capsys):
    import cleaner.build

    def broken(*args, **kwargs):
        raise KeyError("lang")

    monkeypatch.setattr(cleaner.build, "build", broken)
    monkeypatch.setenv(cli.DEBUG_VARIABLE, "1")
    Path("in").mkdir()
    code, err = run(["build", "in"], capsys)
    assert code != 0
    assert "Traceback (most recent call last)" in err
    assert "in broken" in err
    assert err.strip().splitlines()[-1].startswith("cleaner: error: internal error: KeyError")


def test_a_user_error_has_no_traceback_even_with_debug(monkeypatch, capsys):
    monkeypatch.setenv(cli.DEBUG_VARIABLE, "1")
    code, err = run(["build", "missing"], capsys)
    assert code != 0
    assert_one_line(err, "input not found")


def test_an_os_error_names_the_file(capsys):
    Path("in").mkdir()
    Path("in/page.txt").write_text("hello", encoding="utf-8")
    Path("blocked").write_text("a file where a folder is needed", encoding="utf-8")
    code, err = run(["build", "in", "--output", "blocked", "--quiet"], capsys)
    assert code != 0
    assert_one_line(err, "blocked")


def _subprocess(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != cli.DEBUG_VARIABLE}
    environment.update(env)
    environment["PYTHONPATH"] = str(ROOT) + os.pathsep + environment.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "cleaner", *argv], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_subprocess_missing_input_and_bad_name(tmp_path):
    done = _subprocess(["build", "nowhere"], tmp_path)
    assert done.returncode != 0
    assert_one_line(done.stderr, "input not found", "nowhere")
    assert done.stdout == ""
    (tmp_path / "in").mkdir()
    done = _subprocess(["build", "in", "--name", "../escape"], tmp_path)
    assert done.returncode != 0
    assert_one_line(done.stderr, "not allowed")


def test_subprocess_not_a_version(tmp_path):
    done = _subprocess(["validate", str(tmp_path)], tmp_path)
    assert done.returncode == cli.EXIT_USAGE
    assert_one_line(done.stderr, "not a version folder")


def test_subprocess_unknown_key(tmp_path):
    (tmp_path / "dataset.toml").write_text("[language]\nmin_scor = 0.5\n", encoding="utf-8")
    done = _subprocess(["build"], tmp_path)
    assert done.returncode != 0
    line = assert_one_line(done.stderr, "unknown key 'min_scor'", "[language]")
    assert "did you mean" in line or "valid keys" in line


# --- help ----------------------------------------------------------------------------------

def _subparsers(parser) -> dict:
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("command", ["build", "clean", "validate", "inspect", "diff", "push"])
def test_every_option_of_every_command_is_explained_with_an_example(command):
    parser = _subparsers(cli.make_parser())[command]
    assert "example:" in (parser.description or "")
    for action in parser._actions:
        if action.dest == "help":
            continue
        assert action.help, f"{command} {action.option_strings or action.dest} has no help"
        assert "example" in action.help.lower(), (
            f"{command} {action.option_strings or action.dest}: no example in {action.help!r}")


@pytest.mark.parametrize("command", ["build", "clean", "validate", "inspect", "diff", "push"])
def test_help_exits_zero(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: cleaner " + command in capsys.readouterr().out


def test_ray_failing_at_the_first_batch_is_one_line(monkeypatch, tmp_path, capsys):
    """Ray is installed but the cluster cannot be joined: `cleaner build` says so in one line
    (exit 2, no traceback), at the first batch, where the engine connects."""
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        pytest.skip("a Ray instance of this process is in use")

    def refuse(**kwargs):
        raise ConnectionError("Failed to connect to GCS at 10.0.0.9:6379\nTraceback (most ...")

    monkeypatch.setattr(ray, "init", refuse)
    monkeypatch.setattr("cleaner.pipeline.ray_engine.check_reachable", lambda address: None)
    code = cli.main(["build", str(ROOT / "seeds"), "--output", str(tmp_path), "--engine", "ray",
                     "--ray-address", "10.0.0.9:6379", "--quiet"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("cleaner: error: could not start Ray on 10.0.0.9:6379: ")


def test_clean_into_head_ends_without_a_broken_pipe_error(tmp_path):
    # More output than a pipe holds, so that writes go on after the reader has gone.
    sentence = "Words of a small page that fills the pipe before the reader stops. "
    with (tmp_path / "many.jsonl").open("w") as dump:
        for number in range(400):
            dump.write(f'{{"id": {number}, "text": "{sentence * 4}"}}\n')
    clean = subprocess.Popen([sys.executable, "-m", "cleaner", "clean",
                              str(tmp_path / "many.jsonl"), "--workers", "1", "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = clean.stdout.readline()
    clean.stdout.close()  # what `head -1` does after one line
    err = clean.stderr.read().decode()
    assert clean.wait(timeout=120) == 0
    assert head.startswith(b"{") and "Broken pipe" not in err and "Traceback" not in err


def test_version_flag_prints_the_tool_version(capsys):
    from cleaner import __version__
    from cleaner.cli import main

    for flag in ("--version", "-V"):
        with pytest.raises(SystemExit) as stopped:
            main([flag])
        assert stopped.value.code == 0
        assert capsys.readouterr().out.strip() == f"cleaner {__version__}"


def test_validate_json_reports_a_bad_path_as_json(tmp_path, capsys):
    import json

    from cleaner.cli import main

    assert main(["validate", str(tmp_path / "nope"), "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False and "does not exist" in report["error"]
