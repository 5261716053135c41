"""cleaner push: the dry run and the prepared commit operations (no network)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd

from cleaner.config import Config
from cleaner.document import Document
from cleaner.pipeline import RunState
from cleaner.publish.push import check_repo_id, prepare_operations, push_version, stale_operations
from cleaner.publish.version import PublishError, write_version


@pytest.fixture(scope="module")
def version(tmp_path_factory) -> Path:
    docs = [Document(f"{i}.txt", text=f"Page {i} about green bonds.", lang="en", lang_score=0.9)
            for i in range(4)]
    config = Config()
    config.dataset = dataclasses.replace(config.dataset, name="news")
    out = tmp_path_factory.mktemp("dist") / "news" / "1.0.0"
    write_version(docs, RunState(), config.publish_settings(), out, {})
    return out


def test_operations_cover_every_file(version):
    operations = prepare_operations(version)
    assert all(isinstance(op, CommitOperationAdd) for op in operations)
    on_disk = sorted(p.relative_to(version).as_posix() for p in version.rglob("*") if p.is_file())
    assert [op.path_in_repo for op in operations] == on_disk
    readme = next(op for op in operations if op.path_in_repo == "README.md")
    assert readme.upload_info.size == (version / "README.md").stat().st_size


def test_dry_run_lists_uploads_and_tag(version, monkeypatch):
    import huggingface_hub

    def no_network(*args, **kwargs):
        raise AssertionError("the dry run must not reach the Hub")

    monkeypatch.setattr(huggingface_hub.HfApi, "create_commit", no_network)
    lines = push_version(version, "my-org/news", dry_run=True)
    assert lines[0].startswith("dry run")
    assert any(line.startswith("would upload README.md") for line in lines)
    assert any("data/documents/" in line for line in lines)
    assert lines[-1] == "would tag the commit 1.0.0"


def test_invalid_version_is_not_pushed(version, tmp_path):
    import shutil

    copy = tmp_path / "news" / "1.0.0"
    shutil.copytree(version, copy)
    (copy / "README.md").write_text("changed\n")
    with pytest.raises(PublishError, match="not valid"):
        push_version(copy, "my-org/news", dry_run=True)


@pytest.mark.parametrize("repo_id", ["news", "a/b/c", "org/../x", "/news", "org/"])
def test_bad_repo_id(repo_id):
    with pytest.raises(PublishError, match="ORG/NAME"):
        check_repo_id(repo_id)


def test_stale_files_of_an_older_version_are_deleted():
    existing = ["README.md", ".gitattributes", "data/documents/train-00000-of-00002.parquet",
                "data/documents/train-00001-of-00002.parquet", "audit/removed.parquet"]
    new = ["README.md", "data/documents/train-00000-of-00001.parquet", "audit/removed.parquet"]
    assert [op.path_in_repo for op in stale_operations(existing, new)] == [
        "data/documents/train-00000-of-00002.parquet",
        "data/documents/train-00001-of-00002.parquet"]


class FakeApi:
    """Records what push_version asks of the Hub (no network)."""

    calls: list = []
    tags: list[str] = []

    def __init__(self, token=None):
        self.token = token

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))

    def list_repo_refs(self, repo_id, **kwargs):
        from types import SimpleNamespace

        return SimpleNamespace(tags=[SimpleNamespace(name=t) for t in self.tags])

    def list_repo_files(self, repo_id, **kwargs):
        return ["README.md", "data/documents/train-00000-of-00009.parquet"]

    def create_commit(self, repo_id, operations, **kwargs):
        from types import SimpleNamespace

        self.calls.append(("create_commit", repo_id, operations, kwargs))
        return SimpleNamespace(oid="abc123def4567890")

    def create_tag(self, repo_id, **kwargs):
        self.calls.append(("create_tag", repo_id, kwargs))


def test_push_commits_every_file_and_tags_the_version(version, monkeypatch):
    import huggingface_hub

    FakeApi.calls, FakeApi.tags = [], []
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    lines = push_version(version, "my-org/news", dry_run=False, token="t")
    kinds = [call[0] for call in FakeApi.calls]
    assert kinds == ["create_repo", "create_commit", "create_tag"]
    _, _, operations, kwargs = FakeApi.calls[1]
    assert kwargs["repo_type"] == "dataset"
    paths = [op.path_in_repo for op in operations]
    assert "README.md" in paths and "manifest.json" in paths
    assert "data/documents/train-00000-of-00009.parquet" in paths  # the stale shard is deleted
    assert FakeApi.calls[2][2]["tag"] == "1.0.0"
    assert FakeApi.calls[2][2]["revision"] == "abc123def4567890"
    assert lines[-1].startswith("tagged 1.0.0")


def test_push_never_replaces_a_published_version(version, monkeypatch):
    import huggingface_hub

    FakeApi.calls, FakeApi.tags = [], ["1.0.0"]
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    with pytest.raises(PublishError, match="already has version 1.0.0"):
        push_version(version, "my-org/news", dry_run=False)
    assert [call[0] for call in FakeApi.calls] == ["create_repo"]


def test_a_network_failure_is_one_line_not_an_internal_error(version, monkeypatch, capsys):
    import huggingface_hub

    from cleaner.cli import main

    class Offline(FakeApi):
        def create_repo(self, repo_id, **kwargs):
            raise ConnectionError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(huggingface_hub, "HfApi", Offline)
    assert main(["push", str(version), "--repo-id", "my-org/news"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "internal error" not in err
    assert "push to my-org/news failed (ConnectionError)" in err


def _with_card_license(version: Path, tmp_path: Path, lines: str) -> Path:
    import shutil

    from helpers import refresh_manifest

    copy = tmp_path / "news" / "1.0.0"
    shutil.copytree(version, copy)
    card = copy / "README.md"
    card.write_text(card.read_text(encoding="utf-8").replace("license: other\n", lines, 1),
                    encoding="utf-8")
    refresh_manifest(copy)
    return copy


@pytest.mark.parametrize(("lines", "problem"), [
    ("license: CC BY 4.0\n", "did you mean 'cc-by-4.0'"),
    ("license: mit\nlicense_name: my-licence\n", "license_name is only for license 'other'"),
])
def test_validate_and_dry_run_reject_unknown_licence_ids(version, tmp_path, lines, problem):
    from cleaner.publish.validate import validate_version

    copy = _with_card_license(version, tmp_path, lines)
    assert any(problem in str(v) for v in validate_version(copy))
    with pytest.raises(PublishError, match="not valid"):
        push_version(copy, "my-org/news", dry_run=True)


def test_other_with_a_name_and_link_is_valid(version, tmp_path):
    from cleaner.publish.validate import validate_version

    copy = _with_card_license(version, tmp_path, "license: other\nlicense_name: news-terms\n"
                              "license_link: https://news.example/terms\n")
    assert validate_version(copy) == []
