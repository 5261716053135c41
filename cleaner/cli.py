"""The ``cleaner`` command: build, clean, validate, diff, inspect, push.

Every failure a user can cause (bad config, missing input, a version that exists with other
content...) ends with one line on stderr, ``cleaner: error: ...``, and a non-zero exit code;
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cleaner import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Turn messy scraped pages into a clean, versioned, documented dataset.

  cleaner build                      build what ./dataset.toml describes into dist/
  cleaner clean page.html            print the cleaned document as JSON
  cleaner validate dist/NAME/1.0.0   check a built version
"""


class UsageError(Exception):
    """A mistake in how the command was called; the message is one line for the user."""


def _add_workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="worker processes for the per-document steps (default: the machine's cores). "
             "The output does not depend on N. Example: --workers 4")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleaner", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-V", "--tool-version", action="version",
                        version=f"cleaner {__version__}", help="print the tool's version")
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
                            "of the config")
    build.add_argument("--config", type=Path, default=None, metavar="FILE",
                       help="the build configuration (default: ./dataset.toml when it exists, "
                            "else built-in defaults). Example: --config my.toml")
    build.add_argument("--output", type=Path, default=None, metavar="DIR",
                       help="where versions are written (default: [dataset] output, 'dist'). "
                            "Example: --output /data/releases")
    build.add_argument("--name", default=None, metavar="NAME",
                       help="dataset name, one folder name (default: [dataset] name). "
                            "Example: --name green-finance-news")
    build.add_argument("--version", default=None, metavar="X.Y.Z",
                       help="semantic version of this build (default: [dataset] version). "
                            "Example: --version 1.1.0")
    build.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    _add_workers(build)

    clean = commands.add_parser(
        "clean", help="clean documents and print them as JSON lines",
        description="Clean each document (decode, repair, extract, strip boilerplate, detect "
                    "language), with no corpus-level step and no filtering, and print one JSON "
                    "object per document to stdout, in input order.\n\n"
                    "example: cleaner clean page.html crawl/ > cleaned.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    clean.add_argument("inputs", nargs="+", type=Path, metavar="INPUT",
                       help="files or folders (read recursively)")
    clean.add_argument("--config", type=Path, default=None, metavar="FILE",
                       help="take the cleaning settings from this dataset.toml")
    _add_workers(clean)

    validate = commands.add_parser(
        "validate", help="check a built version",
        description="Check a built version: schema, constraints, manifest checksums, card, "
                    "accounting. Exit codes: 0 valid, 1 violations found, 2 not a version "
                    "folder or bad usage.\n\nexample: cleaner validate dist/news/1.0.0",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    validate.add_argument("path", type=Path, metavar="PATH", help="a version folder DIR/NAME/X.Y.Z")
    validate.add_argument("--format", choices=["text", "json"], default="text",
                          help="text: one line per violation (default); json: a JSON report")
    validate.add_argument("--junit", type=Path, default=None, metavar="FILE",
                          help="also write a JUnit XML report for CI systems")

    diff = commands.add_parser(
        "diff", help="print the changes between two versions",
        description="Documents added, removed and changed, and schema changes, between two "
                    "versions.\n\nexample: cleaner diff dist/news/1.0.0 dist/news/1.1.0",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    diff.add_argument("old", type=Path, metavar="OLD", help="the earlier version folder")
    diff.add_argument("new", type=Path, metavar="NEW", help="the later version folder")

    push = commands.add_parser(
        "push", help="upload a version to the Hugging Face Hub",
        description="Upload a version folder to a dataset repository on the Hub, tagged with "
                    "its version. Needs a token (HF_TOKEN) and network.\n\n"
                    "example: cleaner push dist/news/1.0.0 --repo-id my-org/news --dry-run",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    push.add_argument("path", type=Path, metavar="PATH", help="a version folder")
    push.add_argument("--repo-id", required=True, metavar="ORG/NAME",
                      help="the dataset repository, e.g. my-org/news")
    push.add_argument("--dry-run", action="store_true",
                      help="list what would be uploaded; send nothing")
    return parser


def _load_config(path: Path | None):
    from cleaner.config import DEFAULT_CONFIG_FILE, Config, load_config

    if path is not None:
        return load_config(path)
    default = Path(DEFAULT_CONFIG_FILE)
    return load_config(default) if default.is_file() else Config(base_dir=Path.cwd())


def _check_workers(workers: int | None) -> None:
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")


def cmd_build(args: argparse.Namespace) -> int:
    from cleaner.build import build, summary_table
    from cleaner.config import check_name, check_version

    _check_workers(args.workers)
    config = _load_config(args.config)
    if args.name is not None:
        config.dataset.name = check_name(args.name)
    if args.version is not None:
        config.dataset.version = check_version(args.version)
    result = build(config, inputs=args.inputs or None, output=args.output, workers=args.workers)
    if not args.quiet:
        print(summary_table(result.state), file=sys.stderr)
        unchanged = result.write.status == "unchanged"
        status = "unchanged (identical rebuild)" if unchanged else "written"
        print(f"\n{result.inputs} input documents: {result.kept} kept, "
              f"{len(result.state.removals)} in the audit, {len(result.state.pairs)} "
              f"translation pairs", file=sys.stderr)
        print(f"{result.write.path}: {status}", file=sys.stderr)
        print(f'load it: datasets.load_dataset("{result.write.path}")', file=sys.stderr)
    return EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    from cleaner.build import clean_paths

    _check_workers(args.workers)
    config = _load_config(args.config)
    out = sys.stdout
    for record in clean_paths(args.inputs, config, workers=args.workers or 1):
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
    out.flush()
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from cleaner import validate

    if not (args.path / "manifest.json").is_file():
        raise UsageError(f"{args.path} is not a version folder (no manifest.json)")
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
    from cleaner.versions import diff_versions

    for path in (args.old, args.new):
        if not (path / "manifest.json").is_file():
            raise UsageError(f"{path} is not a version folder (no manifest.json)")
    print(diff_versions(args.old, args.new).render())
    return EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    from cleaner.push import push_version

    if not (args.path / "manifest.json").is_file():
        raise UsageError(f"{args.path} is not a version folder (no manifest.json)")
    for line in push_version(args.path, args.repo_id, dry_run=args.dry_run):
        print(line)
    return EXIT_OK


COMMANDS = {"build": cmd_build, "clean": cmd_clean, "validate": cmd_validate,
            "diff": cmd_diff, "push": cmd_push}


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("cleaner: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the user gets one line, not a traceback
        print(f"cleaner: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE if isinstance(error, UsageError) else EXIT_INVALID


def _one_line(error: Exception) -> str:
    message = " ".join(str(error).split()) or type(error).__name__
    known = ("ConfigError", "BuildError", "PublishError", "UsageError", "FileNotFoundError")
    if type(error).__name__ in known:
        return message
    return f"{type(error).__name__}: {message}"


if __name__ == "__main__":
    sys.exit(main())
