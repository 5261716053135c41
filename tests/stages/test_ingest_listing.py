"""The streamed listing (Reader.plan_stream) gives the items of Reader.plan, in its order, or
says it cannot (UnsortedWalk) before yielding an item out of order."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.stages.ingest.reader import IngestConfig, Reader, UnsortedWalk


def both(root: Path, config: IngestConfig | None = None,
         exclude: tuple[Path, ...] = ()) -> tuple[list, list, bool]:
    """(plan, the streamed listing (re-listed whole when the walk says so), whether it was
    streamed to the end); the skipped names of each must agree too."""
    config = config or IngestConfig()
    whole = Reader(config, exclude=exclude)
    expected = whole.plan([root])
    streaming = Reader(config, exclude=exclude)
    got: list = []
    try:
        for item in streaming.plan_stream([root]):
            assert not got or item.source > got[-1].source  # never out of order
            got.append(item)
        streamed = True
    except UnsortedWalk:
        streaming = Reader(config, exclude=exclude)
        got, streamed = streaming.plan([root]), False
    assert sorted(streaming.skipped) == sorted(whole.skipped)
    return expected, got, streamed


def test_folders_sort_as_name_slash_among_files_of_the_same_stem(tmp_path):
    root = tmp_path / "in"
    for name in ["a/x.txt", "a.txt", "a-b/c.txt", "a b.txt", "a0.txt", "a~.txt", "ab/z/y.txt",
                 "é.txt", "Z.txt", "a/.hidden", "a/b.html", "2024.html", "2024/01.html",
                 "2024-01/02.html"]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    os.symlink(root / "a.txt", root / "a" / "same.txt")  # a symlink to a file: followed
    os.symlink(tmp_path / "gone", root / "broken.txt")
    os.symlink(tmp_path, root / "outside")
    os.mkfifo(root / "a-fifo")
    (root / "out").mkdir()
    (root / "out" / "x.txt").write_text("written by a build")
    expected, got, streamed = both(root, exclude=(root / "out",))
    assert streamed and got == expected
    assert [item.source for item in got][:4] == ["2024-01/02.html", "2024.html",
                                                  "2024/01.html", "Z.txt"]


def test_extensions_filter_and_hidden_files_are_the_same(tmp_path):
    root = tmp_path / "in"
    (root / "d").mkdir(parents=True)
    for name in ["d/a.html", "d/b.txt", ".git", "d.html", "e.HTML"]:
        (root / name).write_text(name)
    config = IngestConfig(extensions=[".html"])
    expected, got, streamed = both(root, config)
    assert streamed and got == expected and [i.source for i in got] == ["d.html", "d/a.html",
                                                                         "e.HTML"]


def test_a_symlink_to_a_folder_lists_the_whole_tree_sorted(tmp_path):
    """Which of two paths enters a folder first depends on the walk's order: plan decides."""
    root = tmp_path / "in"
    (root / "b" / "c").mkdir(parents=True)
    (root / "b" / "c" / "x.txt").write_text("x")
    os.symlink(root / "b" / "c", root / "b.x")
    expected, got, streamed = both(root)
    assert not streamed and got == expected


def test_names_equal_once_cleaned_list_the_whole_tree_sorted(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for raw in (b"caf\xe9", b"caf\xe8"):
        folder = os.path.join(os.fsencode(root), raw)
        os.mkdir(folder)
        for name in (b"a.txt", b"b.txt"):
            with open(os.path.join(folder, name), "wb") as handle:
                handle.write(raw + name)
    expected, got, streamed = both(root)
    assert not streamed and got == expected
    assert len({item.source for item in got}) == 4  # renamed apart, as plan names them


def test_an_unreadable_folder_named_like_a_sibling_file(tmp_path, monkeypatch):
    """An unreadable folder is one removal named ``sub``, which sorts before ``sub.txt``
    although the folder's files would sort after it."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "x.txt").write_text("x")
    (root / "sub.txt").write_text("y")
    listing = Reader._listing

    def refuse(folder, prefix, *args):
        if Path(folder).name == "sub":  # as root, permissions do not stop os.scandir
            return listing(tmp_path / "absent", prefix, *args)
        return listing(folder, prefix, *args)

    monkeypatch.setattr(Reader, "_listing", staticmethod(refuse))
    expected, got, streamed = both(root)
    assert not streamed and got == expected
    assert [(i.source, getattr(i, "reason", None)) for i in got] == [("sub", "unreadable"),
                                                                    ("sub.txt", None)]


def test_several_inputs_are_listed_as_plan_lists_them(tmp_path):
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(name)
    reader = Reader(IngestConfig())
    paths = [tmp_path / "one", tmp_path / "two"]
    assert list(reader.plan_stream(paths)) == Reader(IngestConfig()).plan(paths)


NAMES = st.text(alphabet="ab.-_ ~/é0", min_size=1, max_size=6).filter(
    lambda n: all(part not in ("", ".", "..") for part in n.split("/")))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(NAMES, min_size=1, max_size=25))
def test_any_tree_is_listed_in_plan_order(tmp_path_factory, names):
    root = tmp_path_factory.mktemp("tree")
    for name in names:
        path = root / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.write_text(name)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue  # a name that is both a file and a folder: the first one wins
    expected, got, streamed = both(root)
    assert streamed and got == expected


def test_the_walk_lists_each_folder_when_it_gets_there(tmp_path):
    """The stream is lazy: its first item comes before the last folder is listed."""
    root = tmp_path / "in"
    for i in range(30):
        (root / f"d{i:02d}").mkdir(parents=True)
        (root / f"d{i:02d}" / "f.txt").write_text(str(i))
    stream = Reader(IngestConfig()).plan_stream([root])
    assert next(stream).source == "d00/f.txt"
    (root / "d29" / "g.txt").write_text("added after the walk began")
    assert [item.source for item in stream][-1] == "d29/g.txt"
