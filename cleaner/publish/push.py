"""``cleaner push``: upload a built version to the Hugging Face Hub.

The version folder becomes the root of a dataset repository in one commit (the card at the
root is what the Hub shows), and the commit is tagged with the version, so
``load_dataset("ORG/NAME", revision="1.2.0")`` gets exactly that version. Shards of an older
version that the new one no longer has are deleted in the same commit. A version is checked
with ``cleaner validate`` first and never pushed over an existing tag.

``--dry-run`` lists what would happen without touching the network.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from huggingface_hub import CommitOperationAdd, CommitOperationDelete

from cleaner.errors import PublishError

REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
# Folders of a version that the packager owns on the Hub side: stale files there are removed.
MANAGED = ("data/", "audit/", "images/")


def check_repo_id(repo_id: str) -> str:
    """``ORG/NAME``, as the Hub spells dataset repositories.

    >>> check_repo_id("my-org/news")
    'my-org/news'
    """
    if not REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".git", ".")):
        raise PublishError(f"--repo-id {repo_id!r} is not of the form ORG/NAME")
    return repo_id


def version_files(path: Path) -> list[str]:
    """The files of a version, as listed by its manifest (plus the manifest), sorted."""
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PublishError(f"{path}: cannot read manifest.json: {error}") from None
    return sorted([*manifest.get("files", {}), "manifest.json"])


def prepare_operations(path: Path) -> list[CommitOperationAdd]:
    """One ``CommitOperationAdd`` per file of the version, at the same path in the repo."""
    return [CommitOperationAdd(path_in_repo=relative, path_or_fileobj=str(path / relative))
            for relative in version_files(path)]


def stale_operations(existing: list[str], new: list[str]) -> list[CommitOperationDelete]:
    """Deletions for the packager's files of an older version that this one no longer has.

    >>> [op.path_in_repo for op in stale_operations(["data/a.parquet", "x.md"], [])]
    ['data/a.parquet']
    """
    keep = set(new)
    return [CommitOperationDelete(path_in_repo=name) for name in sorted(existing)
            if name.startswith(MANAGED) and name not in keep]


def _size(num_bytes: int) -> str:
    """A byte count for humans: ``11.6 kB``."""
    for unit in ("B", "kB", "MB", "GB"):
        if num_bytes < 1000 or unit == "GB":
            return f"{num_bytes:.0f} {unit}" if unit == "B" else f"{num_bytes:.1f} {unit}"
        num_bytes /= 1000
    return ""  # unreachable


def push_version(path: Path, repo_id: str, dry_run: bool, token: str | None = None) -> list[str]:
    """Upload the version folder ``path`` to the dataset repo ``repo_id`` and tag it.

    Returns the lines to print. With ``dry_run`` nothing leaves the machine.
    """
    from cleaner.publish.validate import validate_version

    check_repo_id(repo_id)
    path = Path(path)
    violations = validate_version(path)
    if violations:
        raise PublishError(f"{path} is not valid ({len(violations)} violations, first: "
                           f"{violations[0]}); run `cleaner validate {path}`")
    version = path.name
    operations = prepare_operations(path)
    url = f"https://huggingface.co/datasets/{repo_id}"
    if dry_run:
        lines = [f"dry run: would create {url} if it does not exist"]
        lines += [f"would upload {op.path_in_repo} ({_size(op.upload_info.size)})"
                  for op in operations]
        lines.append(f"would delete files of an older version under {', '.join(MANAGED)} "
                     "that this one does not have")
        lines.append(f"would tag the commit {version}")
        return lines

    try:
        return _upload(path, repo_id, version, operations, url, token)
    except PublishError:
        raise
    except Exception as error:  # noqa: BLE001 - network, token, Hub refusals: one line
        message = " ".join(str(error).split())[:300] or type(error).__name__
        raise PublishError(f"push to {repo_id} failed ({type(error).__name__}): {message}; "
                           "check the network and HF_TOKEN, then run the same command again"
                           ) from None


def _upload(path: Path, repo_id: str, version: str, operations: list[CommitOperationAdd],
            url: str, token: str | None) -> list[str]:
    """The network half of :func:`push_version`."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
    tags = {ref.name for ref in api.list_repo_refs(repo_id, repo_type="dataset").tags}
    if version in tags:
        raise PublishError(f"{repo_id} already has version {version} (tag {version}); "
                           "a published version is never replaced: build a new version")
    existing = api.list_repo_files(repo_id, repo_type="dataset")
    deletions = stale_operations(existing, [op.path_in_repo for op in operations])
    commit = api.create_commit(repo_id, [*operations, *deletions], repo_type="dataset",
                               commit_message=f"{path.parent.name} {version}")
    api.create_tag(repo_id, tag=version, revision=commit.oid, repo_type="dataset",
                   tag_message=f"{path.parent.name} {version}")
    return [f"uploaded {len(operations)} files, deleted {len(deletions)} to {url} "
            f"(commit {commit.oid[:12]})", f"tagged {version}: "
            f'load_dataset("{repo_id}", revision="{version}")']
