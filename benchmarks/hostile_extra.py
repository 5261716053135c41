"""The hostile reviewer's probes of issue 19, as measurements for ``bench_hostile.py``.

Each function runs one family of probes through the ``cleaner`` command (subprocesses, as a
user would) and returns a :class:`Probe`: how many cases ran, how many crashed (a traceback,
an internal error, a signal, an exit code other than the one promised), what got through
(injected strings in the card, the terminal, JUnit, logs; tampered versions accepted), and a
line per problem. Definitions of what is hostile come from the tests (one definition each):
``tests/test_injection.py`` (names, WARC headers, titles, what counts as an injection),
``tests/publish/test_validate.py`` (tampered versions), ``tests/test_config.py`` (numbers).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}


def test_module(relative: str):
    """A test file as a module (its helpers and fixtures' data, not its tests)."""
    for folder in (ROOT / "tests", ROOT / "tests" / "publish"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    path = ROOT / "tests" / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def cleaner(*args: str, cwd: Path | None = None, timeout: float = 600
            ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaner", *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=timeout)


def crashed(result: subprocess.CompletedProcess, expected: int) -> bool:
    """A crash: not the promised exit code, or a traceback / internal error on stderr."""
    return (result.returncode != expected or "Traceback" in result.stderr
            or "internal error" in result.stderr)


@dataclass
class Probe:
    name: str
    cases: int = 0
    crashes: int = 0
    injections: int = 0
    accepted: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, kind: str, message: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        self.problems.append(message)


def injections(root: Path, version: Path, outputs: list[str]) -> Probe:
    """The card, inspect, diff, validate (text, json, junit) of a version built from the
    injection corpus, and the build's own output (``outputs``: its stdout and stderr)."""
    inject = test_module("test_injection.py")
    probe = Probe("injection")
    card = (version / "README.md").read_text(encoding="utf-8")
    found = inject.markdown_injections(card)
    probe.cases += 1
    for item in found:
        probe.fail("injections", f"card: {item}")
    shown = {"build output": "\n".join(outputs)}
    for label, args, code in (("inspect", ["inspect", str(version), "--samples", "50"], 0),
                              ("validate", ["validate", str(version)], 0),
                              ("validate --format json", ["validate", str(version), "--format",
                                                          "json"], 0)):
        result = cleaner(*args)
        probe.cases += 1
        if crashed(result, code):
            probe.fail("crashes", f"{label}: exit {result.returncode} {result.stderr[-200:]}")
        shown[label] = result.stdout + result.stderr
    previous = sorted(p for p in version.parent.iterdir() if p.name != version.name
                      and (p / "manifest.json").is_file())
    if previous:
        result = cleaner("diff", str(previous[-1]), str(version))
        probe.cases += 1
        if crashed(result, 0):
            probe.fail("crashes", f"diff: exit {result.returncode} {result.stderr[-200:]}")
        shown["diff"] = result.stdout + result.stderr
    with tempfile.TemporaryDirectory() as temp:
        copy = Path(temp) / version.parent.name / version.name
        shutil.copytree(version, copy)
        inject.tamper(copy)
        junit = Path(temp) / "report.xml"
        result = cleaner("validate", str(copy), "--junit", str(junit))
        probe.cases += 1
        if crashed(result, 1):
            probe.fail("crashes", f"validate (tampered ids): exit {result.returncode}")
        shown["validate (tampered ids)"] = result.stdout + result.stderr
        try:
            ET.parse(junit)
        except (ET.ParseError, OSError) as error:
            probe.fail("injections", f"JUnit report is not valid XML: {error}")
        shown["junit"] = junit.read_text(encoding="utf-8").replace("\t", " ") \
            if junit.is_file() else ""
    for label, text in shown.items():
        for item in inject.terminal_injections(text):
            probe.fail("injections", f"{label}: {item}")
    return probe


def injection_project() -> Probe:
    """The injection corpus of the tests, built as two versions (the second adds the hostile
    inputs, so the changelog and ``diff`` list them), with ``--verbose``."""
    inject = test_module("test_injection.py")
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        corpus = inject.write_injection_corpus(root)
        inject.write_config(root)
        first = cleaner("build", "--quiet", "--workers", "2", "--version", "1.0.0", cwd=root)
        inject.add_hostile_inputs(corpus)
        second = cleaner("build", "--verbose", "--workers", "2", "--version", "1.1.0", cwd=root)
        probe = Probe("injection (2 versions)")
        for result in (first, second):
            probe.cases += 1
            if crashed(result, 0):
                probe.fail("crashes", f"build: exit {result.returncode} {result.stderr[-300:]}")
        version = root / "dist" / inject.NAME / "1.1.0"
        if not version.is_dir():
            return probe
        checked = injections(root, version, [second.stdout, second.stderr])
        checked.name, checked.cases = probe.name, checked.cases + probe.cases
        checked.crashes += probe.crashes
        checked.problems = probe.problems + checked.problems
        return checked


def tampered_versions() -> Probe:
    """Every tampered version of ``tests/publish/test_validate.py`` (checksums recomputed),
    through ``cleaner validate``: each must exit 1."""
    checks = test_module("publish/test_validate.py")
    import dataclasses

    from cleaner.config import Config
    from cleaner.publish.version import write_version

    probe = Probe("tampered versions")
    with tempfile.TemporaryDirectory() as temp:
        docs, state = checks.corpus()
        config = Config()
        config.dataset = dataclasses.replace(config.dataset, name="news")
        config.splits = dataclasses.replace(config.splits, train=1.0, validation=0.0, test=0.0)
        pristine = Path(temp) / "pristine" / "news" / "1.0.0"
        write_version(docs, state, config.publish_settings(), pristine, {"a.txt": "0" * 64})
        for number, (case, (tamper, _)) in enumerate(checks.TAMPERED.items()):
            copy = Path(temp) / f"case{number}" / "news" / "1.0.0"
            shutil.copytree(pristine, copy)
            tamper(copy)
            if case != "NaN in the manifest":
                checks.refresh_croissant(copy)
            result = cleaner("validate", str(copy), "--format", "json")
            probe.cases += 1
            if result.returncode == 0:
                probe.fail("accepted", f"accepted: {case}")
            elif crashed(result, 1):
                probe.fail("crashes", f"{case}: exit {result.returncode} {result.stderr[-200:]}")
    return probe


def bad_configs() -> Probe:
    """nan, inf and huge numbers in dataset.toml: each a one-line error (exit 1)."""
    probe = Probe("configs")
    cases = [("splits", "train", "nan"), ("splits", "test", "inf"),
             ("limits", "step_seconds", "nan"), ("language", "weights", "{ fasttext = nan }"),
             ("dedup", "near_threshold", "-inf"), ("extract", "min_coverage", "nan"),
             ("ingest", "max_file_bytes", "100000000000000000000"),
             ("dedup", "seed", "4294967296"), ("dedup", "translation_date_window_days",
                                               "999999999999"),
             ("package", "max_rows_per_shard", "9223372036854775807"),
             ("language", "priors", "{ nn = inf }"),
             ("boilerplate", "extra_rule_files", '["/etc/shadow"]'),
             ("boilerplate", "extra_rule_files", '["/etc/passwd"]')]
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        (root / "in").mkdir()
        (root / "in" / "a.txt").write_text("The council met on Tuesday. " * 20)
        for section, key, value in cases:
            (root / "dataset.toml").write_text(f'[dataset]\ninputs = ["in"]\n\n[{section}]\n'
                                               f"{key} = {value}\n")
            result = cleaner("build", "--quiet", "--workers", "1", cwd=root)
            probe.cases += 1
            lines = result.stderr.strip().splitlines()
            if crashed(result, 1) or len(lines) != 1:
                probe.fail("crashes", f"[{section}] {key} = {value}: exit {result.returncode} "
                           f"{result.stderr[-200:]!r}")
            elif "root:" in result.stderr or "/bin/" in result.stderr:
                probe.fail("injections", f"[{section}] {key}: the error quotes the file")
    return probe


AS_PID_1 = textwrap.dedent("""
    import os, sys
    os.getpid = lambda: 1
    from cleaner.cli import main
    sys.exit(main(["build", "--quiet", "--workers", "1"]))
""")


def concurrent_builds(rounds: int = 3) -> Probe:
    """Two builds of one version at once in a shared folder, both as PID 1 (two containers)."""
    interrupt = test_module("test_interrupt.py")
    probe = Probe("concurrent builds")
    with tempfile.TemporaryDirectory() as temp:
        root = interrupt.make_project(Path(temp), pages=12)
        parent = root / "dist" / interrupt.NAME
        for _ in range(rounds):
            shutil.rmtree(root / "dist", ignore_errors=True)
            processes = [subprocess.Popen([sys.executable, "-c", AS_PID_1], cwd=root, env=ENV,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True) for _ in range(2)]
            for process in processes:
                _, err = process.communicate(timeout=600)
                probe.cases += 1
                if process.returncode != 0:
                    probe.fail("crashes", f"a concurrent build exited {process.returncode}: "
                               f"{err.strip()[-200:]}")
            left = sorted(p.name for p in parent.iterdir()) if parent.is_dir() else []
            if left != [interrupt.VERSION]:
                probe.fail("crashes", f"left in the output folder: {left}")
            elif cleaner("validate", str(parent / interrupt.VERSION)).returncode != 0:
                probe.fail("crashes", "the version two builds raced for is not valid")
    return probe


def stopped_builds() -> Probe:
    """SIGTERM to the main process and Ctrl-C to the group, while cleaning: the promised exit
    code and line, no process left, nothing left in the output folder."""
    interrupt = test_module("test_interrupt.py")
    probe = Probe("stopped builds")
    for signum, code, line in ((signal.SIGTERM, 143, "cleaner: terminated"),
                               (signal.SIGINT, 130, "cleaner: interrupted")):
        with tempfile.TemporaryDirectory() as temp:
            root = interrupt.make_project(Path(temp), pages=400)
            process = interrupt.start_build(root)
            deadline = time.monotonic() + 120
            while not interrupt.children(process.pid) and time.monotonic() < deadline \
                    and process.poll() is None:
                time.sleep(0.01)
            time.sleep(0.2)
            if signum == signal.SIGINT:
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)
            process.wait(timeout=120)
            time.sleep(1)
            alive = interrupt.group_alive(process.pid)
            interrupt.kill(process)  # before reading: a worker left alive holds stderr open
            err = process.stderr.read().decode()
            parent = root / "dist" / interrupt.NAME
            left = sorted(p.name for p in parent.iterdir()) if parent.is_dir() else []
            probe.cases += 1
            if process.returncode != code or err.strip() != line or alive or left:
                probe.fail("crashes", f"{signal.Signals(signum).name}: exit "
                           f"{process.returncode}, {err.strip()[-200:]!r}, workers alive "
                           f"{alive}, left {left}")
    return probe


def report(probes: list[Probe]) -> dict[str, int]:
    """Print one line per probe family and its problems; the totals."""
    totals = {"cases": 0, "crashes": 0, "injections": 0, "accepted": 0}
    for probe in probes:
        print(f"  {probe.name:20} {probe.cases:3} cases: {probe.crashes} crashes, "
              f"{probe.injections} injected strings, {probe.accepted} tampered versions accepted")
        for problem in probe.problems[:10]:
            print(f"      {problem}")
        for key in totals:
            totals[key] += getattr(probe, key)
    return totals


__all__ = ["Probe", "bad_configs", "concurrent_builds", "injection_project", "injections",
           "report", "stopped_builds", "tampered_versions", "test_module"]
