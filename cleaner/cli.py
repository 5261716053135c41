"""The ``cleaner`` command: build, clean, validate, diff, inspect, push.

Every failure a user can cause (bad config, missing input, a version that exists with other
content...) ends with one line on stderr, ``cleaner: error: ...``, and a non-zero exit code;
never a traceback. An unexpected (internal) error is one line too, unless the environment
variable ``CLEANER_DEBUG=1`` asks for the traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

from cleaner import __version__
from cleaner.errors import CleanerError, EngineError, UsageError
from cleaner.text.escape import terminal

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
# 128 + the signal's number, as a shell reports a process ended by it.
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143
DEBUG_VARIABLE = "CLEANER_DEBUG"

DESCRIPTION = """\
Turn messy scraped pages into a clean, versioned, documented dataset.

  cleaner build                      build what ./dataset.toml describes into dist/
  cleaner clean page.html            print the cleaned document as JSON
  cleaner validate dist/NAME/1.0.0   check a built version
  cleaner inspect dist/NAME/1.0.0    summarise a built version in the terminal

Run `cleaner COMMAND --help` for the options of a command, each with an example.
Set CLEANER_DEBUG=1 to see the traceback of an unexpected error.
"""


def _add_workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="worker processes for the per-document steps (default: the machine's cores). "
             "The output does not depend on N. Example: --workers 4")
    parser.add_argument(
        "--engine", choices=["local", "ray"], default="local",
        help="where the per-document steps run: local processes (default) or a Ray cluster "
             "(needs `pip install ray`); the output is the same. Example: --engine ray")
    parser.add_argument(
        "--ray-address", default=None, metavar="auto|HOST:PORT",
        help="the Ray cluster to use with --engine ray (default: start Ray on this machine). "
             "Example: --ray-address auto")


def _add_version_folder(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, metavar="PATH",
                        help="a version folder DIR/NAME/X.Y.Z. Example: dist/news/1.0.0")


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q", "--quiet", action="store_true",
        help="print only errors: no progress, no summary. Example: --quiet")
    group.add_argument(
        "-v", "--verbose", action="store_true",
        help="also show what each step did, with examples (e.g. the lines each boilerplate "
             "rule removed). Progress is a bar on a terminal and a line every few seconds "
             "otherwise, in every mode but --quiet. Example: --verbose")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleaner", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-V", "--version", "--tool-version", action="version",
                        version=f"cleaner {__version__}",
                        help="print the tool's version (before a command; `build --version` is "
                             "the dataset's version)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build", help="build a dataset version",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the whole pipeline (ingest, clean, language, dedup) and write "
                    "DIR/NAME/X.Y.Z/ (Parquet splits, audit, card, manifest, Croissant).\n"
                    "With no arguments it builds what dataset.toml says. An existing version is "
                    "never overwritten with different content; rebuilding identical content "
                    "succeeds and changes nothing.\n\n"
                    "example: cleaner build crawl/ --name news --version 1.1.0 --output dist")
    build.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                       help="a file or a folder (read recursively); default: [dataset] inputs "
                            "of the config. Example: crawl/ extra/page.html")
    build.add_argument("--config", type=Path, default=None, metavar="FILE",
                       help="the build configuration (default: ./dataset.toml when no INPUT "
                            "is given; with INPUTs, built-in defaults and the dataset named "
                            "after the input). Example: --config my.toml")
    build.add_argument("--output", type=Path, default=None, metavar="DIR",
                       help="where versions are written (default: [dataset] output, 'dist'). "
                            "Example: --output /data/releases")
    build.add_argument("--name", default=None, metavar="NAME",
                       help="dataset name, one folder name (default: [dataset] name). "
                            "Example: --name green-finance-news")
    build.add_argument("--version", default=None, metavar="X.Y.Z",
                       help="semantic version of this build (default: [dataset] version). "
                            "Example: --version 1.1.0")
    shards = build.add_argument_group(
        "large corpora", "By default every stage runs as tasks over files in a work directory "
        "(the driver holds no documents; a rerun resumes). The bytes written are the same "
        "as --in-memory's.")
    shards.add_argument("--in-memory", action="store_true",
                        help="run the reference in-memory pipeline instead (every kept "
                             "document in this process; no work directory). Example: "
                             "cleaner build crawl/ --in-memory")
    shards.add_argument("--work-dir", default=None, metavar="DIR|URI",
                        help="where the tasks write their files (default: "
                             "OUTPUT/.cleaner-work/NAME-VERSION): a folder, or a URI of a "
                             "file system pyarrow opens (file://, s3://, gs://, hdfs://, "
                             "abfs://); one every worker reaches for --engine ray on several "
                             "nodes. Example: --work-dir s3://bucket/work")
    shards.add_argument("--keep-work", action="store_true",
                        help="keep the work directory after success: the next version of a "
                             "grown corpus reuses the work of its unchanged shards. Example: "
                             "--work-dir /data/work --keep-work")
    shards.add_argument("--shard-files", type=int, default=None, metavar="N",
                        help="input files per shard, on average (default: 500). "
                             "Example: --shard-files 200")
    shards.add_argument("--buckets", type=int, default=None, metavar="N",
                        help="buckets per shuffle: site blocks, digests, id ranges "
                             "(default: 16). Example: --buckets 64")
    shards.add_argument("--tile", type=int, default=None, metavar="N",
                        help="near dedup: an LSH band group of more than N documents is "
                             "compared in tiles of N by N documents, one task each "
                             "(default: 1000). Example: --tile 500")
    _add_verbosity(build)
    _add_workers(build)

    clean = commands.add_parser(
        "clean", help="clean documents and print them as JSON lines",
        description="Clean each document (decode, repair, extract, strip boilerplate, detect "
                    "language), with no corpus-level step and no filtering, and print one JSON "
                    "object per document to stdout, in input order.\n\n"
                    "example: cleaner clean page.html crawl/ > cleaned.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    clean.add_argument("inputs", nargs="+", type=Path, metavar="INPUT",
                       help="files or folders (read recursively). Example: seeds/ page.html")
    clean.add_argument("--config", type=Path, default=None, metavar="FILE",
                       help="take the cleaning settings from this dataset.toml (default: "
                            "built-in defaults). Example: --config my.toml")
    _add_verbosity(clean)
    _add_workers(clean)

    validate = commands.add_parser(
        "validate", help="check a built version",
        description="Check a built version: schema, constraints, manifest checksums, card, "
                    "accounting. Exit codes: 0 valid, 1 violations found, 2 not a version "
                    "folder or bad usage.\n\nexample: cleaner validate dist/news/1.0.0",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_version_folder(validate)
    validate.add_argument("--format", choices=["text", "json"], default="text",
                          help="text: one line per violation (default); json: a JSON report. "
                               "Example: --format json")
    validate.add_argument("--junit", type=Path, default=None, metavar="FILE",
                          help="also write a JUnit XML report for CI systems. "
                               "Example: --junit validate.xml")

    inspect = commands.add_parser(
        "inspect", help="summarise a built version in the terminal",
        description="Print what a version holds: documents per split and language, text "
                    "lengths, translation pairs, removals by reason, and a few sample rows.\n\n"
                    "example: cleaner inspect dist/news/1.0.0 --samples 5",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_version_folder(inspect)
    inspect.add_argument("--samples", type=int, default=3, metavar="N",
                         help="sample rows to show per table (default 3; 0 for none). "
                              "Example: --samples 5")

    diff = commands.add_parser(
        "diff", help="print the changes between two versions",
        description="Documents added, removed and changed, and schema changes, between two "
                    "versions.\n\nexample: cleaner diff dist/news/1.0.0 dist/news/1.1.0",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    diff.add_argument("old", type=Path, metavar="OLD",
                      help="the earlier version folder. Example: dist/news/1.0.0")
    diff.add_argument("new", type=Path, metavar="NEW",
                      help="the later version folder. Example: dist/news/1.1.0")

    push = commands.add_parser(
        "push", help="upload a version to the Hugging Face Hub",
        description="Upload a version folder to a dataset repository on the Hub, tagged with "
                    "its version. Needs a token (HF_TOKEN) and network.\n\n"
                    "example: cleaner push dist/news/1.0.0 --repo-id my-org/news --dry-run",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_version_folder(push)
    push.add_argument("--repo-id", required=True, metavar="ORG/NAME",
                      help="the dataset repository. Example: --repo-id my-org/news")
    push.add_argument("--dry-run", action="store_true",
                      help="list what would be uploaded; send nothing. Example: --dry-run")
    return parser


def _load_config(path: Path | None, inputs: list[Path] | None = None):
    """The config a command uses, and a line saying which (shown on stderr).

    ``--config FILE`` when given; else, with no INPUT, ``./dataset.toml``; with INPUTs, the
    built-in defaults, the dataset named after the input: a dataset.toml lying in the current
    folder describes its own inputs, not the ones given here.
    """
    from cleaner.config import DEFAULT_CONFIG_FILE, Config, default_name, load_config

    if path is not None:
        return load_config(path), f"config:     {path}"
    default = Path(DEFAULT_CONFIG_FILE)
    if not inputs:
        if default.is_file():
            return load_config(default), f"config:     {DEFAULT_CONFIG_FILE}"
        return Config(base_dir=Path(".")), "config:     built-in defaults"
    config = Config(base_dir=Path("."))  # paths shown as the user typed them
    config.dataset.name = default_name(inputs)
    note = (f" ({DEFAULT_CONFIG_FILE} here is not used with INPUTs; --config {DEFAULT_CONFIG_FILE}"
            " to use it)" if default.is_file() else "")
    return config, f"config:     built-in defaults{note}"


def _check_workers(workers: int | None) -> None:
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")


def _engine(args: argparse.Namespace, workers: int | None):
    from cleaner.pipeline.engines import make_engine

    return make_engine(args.engine, workers, args.ray_address)


def _shard_options(args: argparse.Namespace):
    """The sharded build's options, or ``None`` for ``--in-memory``."""
    from cleaner.build import ShardOptions

    sizes = {"--shard-files": args.shard_files, "--buckets": args.buckets,
             "--tile": args.tile}
    for flag, value in sizes.items():
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be at least 1, not {value}")
    if args.in_memory:
        given = [flag for flag, value in {**sizes, "--work-dir": args.work_dir,
                                          "--keep-work": args.keep_work or None}.items()
                 if value is not None]
        if given:
            raise UsageError(f"{given[0]} is for the sharded build; drop it or --in-memory")
        return None
    options = ShardOptions(work_dir=args.work_dir, keep_work=args.keep_work)
    if args.shard_files is not None:
        options.shard_files = args.shard_files
    if args.buckets is not None:
        options.buckets = args.buckets
    if args.tile is not None:
        options.tile = args.tile
    return options


def _check_version_folder(path: Path) -> None:
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if not (path / "manifest.json").is_file():
        raise UsageError(f"{path} is not a version folder (no manifest.json); "
                         "expected DIR/NAME/X.Y.Z as written by cleaner build")


def cmd_build(args: argparse.Namespace) -> int:
    from cleaner.build import build
    from cleaner.config import check_name, check_version
    from cleaner.pipeline.progress import make_progress
    from cleaner.report import build_summary

    _check_workers(args.workers)
    config, which = _load_config(args.config, args.inputs)
    if args.name is not None:
        config.dataset.name = check_name(args.name)
    if args.version is not None:
        config.dataset.version = check_version(args.version)
    result = build(config, inputs=args.inputs or None, output=args.output, workers=args.workers,
                   progress=make_progress(quiet=args.quiet), engine=_engine(args, args.workers),
                   sharded=_shard_options(args))
    if not args.quiet:
        print("\n" + build_summary(result, verbose=args.verbose, config=which), file=sys.stderr)
    return EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    from cleaner.build import clean_paths
    from cleaner.pipeline import RunState
    from cleaner.pipeline.progress import make_progress
    from cleaner.report import samples_text, summary_table

    _check_workers(args.workers)
    config, which = _load_config(args.config, args.inputs)
    if args.verbose:
        print(which, file=sys.stderr)
    out = sys.stdout
    progress = make_progress(quiet=args.quiet)
    # Like build: the machine's cores unless told (the output does not depend on it).
    workers = args.workers or os.cpu_count() or 1
    engine = _engine(args, workers)
    state = RunState()
    for record in clean_paths(args.inputs, config, workers=workers, progress=progress,
                              engine=engine, state=state):
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
    out.flush()
    if args.verbose:
        print("\n" + summary_table(state), file=sys.stderr)
        if samples := samples_text(state):
            print("\nWhat the steps did, with examples:\n" + samples, file=sys.stderr)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from cleaner.publish import validate

    if args.format == "json":
        try:
            _check_version_folder(args.path)
        except UsageError as error:  # a JSON reader gets JSON whatever happens
            print(json.dumps({"path": str(args.path), "valid": False, "error": str(error),
                              "violations": []}, ensure_ascii=False, indent=2))
            raise
    _check_version_folder(args.path)
    violations = validate.validate_version(args.path)
    if args.junit is not None:
        validate.write_junit(args.junit, args.path, violations)
    if args.format == "json":
        print(validate.format_json(args.path, violations))
    else:
        text = validate.format_text(args.path, violations)
        if text:
            print(text)
    return EXIT_INVALID if violations else EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from cleaner.publish.versions import diff_versions

    for path in (args.old, args.new):
        _check_version_folder(path)
    print(diff_versions(args.old, args.new).render())
    return EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    from cleaner.publish.push import push_version

    _check_version_folder(args.path)
    for line in push_version(args.path, args.repo_id, dry_run=args.dry_run):
        print(terminal(line))
    return EXIT_OK


def cmd_inspect(args: argparse.Namespace) -> int:
    from cleaner.publish.describe import render_summary

    _check_version_folder(args.path)
    if args.samples < 0:
        raise UsageError(f"--samples must be 0 or more, not {args.samples}")
    print(render_summary(args.path, samples=args.samples))
    return EXIT_OK


COMMANDS = {"build": cmd_build, "clean": cmd_clean, "validate": cmd_validate,
            "inspect": cmd_inspect, "diff": cmd_diff, "push": cmd_push}


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    previous = _on_sigterm_stop()
    try:
        return COMMANDS[args.command](args)
    except (KeyboardInterrupt, Terminated) as stop:
        # Whatever was running unwinds on the way here (a temporary version folder is
        # removed by the packager's clean-up); workers still busy are stopped.
        _stop_workers()
        if isinstance(stop, Terminated):
            print("cleaner: terminated", file=sys.stderr)
            return EXIT_TERMINATED
        print("cleaner: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout stopped (`cleaner clean ... | head`): not an error. Later writes
        # (and the interpreter's last flush) go nowhere.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the user gets one line, not a traceback
        if _debug() and not is_user_error(error):
            traceback.print_exc(file=sys.stderr)
        print(f"cleaner: error: {_one_line(error)}", file=sys.stderr)
        # Usage mistakes and an engine that cannot run exit 2, as argparse does.
        return EXIT_USAGE if isinstance(error, (UsageError, EngineError)) else EXIT_INVALID
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(BaseException):
    """SIGTERM arrived (a container stopping, a CI job cancelled): stop as Ctrl-C does."""


def _raise_terminated(signum: int, frame: object) -> None:
    # A second SIGTERM must not cut the clean-up the first one started.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def _on_sigterm_stop() -> object:
    """Make SIGTERM raise :class:`Terminated` in the main thread; the previous handler, to
    put back (``None`` off the main thread, where signals cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def _stop_workers() -> None:
    """Terminate worker processes still running (the process pool's own shutdown would wait
    for their batches)."""
    from cleaner.pipeline.local import terminate_workers

    terminate_workers()


def _debug() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "").strip() not in ("", "0")


def is_user_error(error: BaseException) -> bool:
    """Whether ``error`` says something the user can act on (bad config, missing file, a
    cluster that cannot be reached...), rather than a bug in the tool.

    >>> from cleaner.errors import EngineError
    >>> is_user_error(EngineError("no Ray head node answers at 10.0.0.1:6379"))
    True
    >>> is_user_error(KeyError("lang"))
    False
    """
    return isinstance(error, (CleanerError, OSError))


def _one_line(error: BaseException) -> str:
    """The error as one line: a user error as it is, an OS error with its file, anything
    else as an internal error with a hint to see the traceback.

    >>> _one_line(FileNotFoundError(2, "No such file or directory", "x.toml"))
    'x.toml: No such file or directory'
    >>> _one_line(KeyError("lang")).endswith("(set CLEANER_DEBUG=1 for the traceback)")
    True
    >>> _one_line(EngineError("\\x1b[31mRaySystemError\\x1b[39m: node lost"))
    'RaySystemError: node lost'
    """
    message = terminal(" ".join(str(error).split())) or type(error).__name__
    if isinstance(error, CleanerError):
        return message
    if isinstance(error, OSError):
        if error.strerror and error.filename is not None:
            return f"{terminal(error.filename)}: {error.strerror}"
        return message
    return (f"internal error: {type(error).__name__}: {message[:300]} "
            f"(set {DEBUG_VARIABLE}=1 for the traceback)")

if __name__ == "__main__":
    sys.exit(main())
