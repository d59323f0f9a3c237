"""Walking source folders and reading files safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.limits import FileLimits
from index.loaders import LoaderError, iter_source_files, load_file
from index.loaders import files as files_module


def _tree(root: Path) -> None:
    (root / "b").mkdir()
    (root / "a.txt").write_text("A", encoding="utf-8")
    (root / "a.txt.meta.json").write_text("{}", encoding="utf-8")
    (root / "b" / "c.md").write_text("C", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.txt").write_text("X", encoding="utf-8")
    (root / ".dot.txt").write_text("D", encoding="utf-8")
    (root / "LICENSE").write_text("L", encoding="utf-8")


def test_walk_is_sorted_and_skips_hidden_sidecars_and_unsupported(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in iter_source_files(tmp_path)] == [
        "a.txt",
        "b/c.md",
    ]


def test_a_file_root_yields_itself(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert list(iter_source_files(tmp_path / "a.txt")) == [tmp_path / "a.txt"]
    assert list(iter_source_files(tmp_path / "missing")) == []


def test_symlink_loops_end_and_max_files_caps(tmp_path: Path) -> None:
    _tree(tmp_path)
    os.symlink(tmp_path, tmp_path / "b" / "loop")
    os.symlink(tmp_path / "b", tmp_path / "b2")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_source_files(tmp_path)]
    assert found == ["a.txt", "b/c.md"]
    assert len(list(iter_source_files(tmp_path, max_files=1))) == 1


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 5000, encoding="utf-8")
    with pytest.raises(LoaderError, match=r"file too large \(5 kB > 1 kB limit\)"):
        load_file(path, source_id="s", limits=FileLimits(max_bytes=1000))


def test_missing_directory_and_unsupported_inputs(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="file not found"):
        load_file(tmp_path / "nope.txt", source_id="s")
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(LoaderError, match="directory"):
        load_file(tmp_path / "dir.txt", source_id="s")
    (tmp_path / "x.docx").write_bytes(b"PK")
    with pytest.raises(LoaderError, match="unsupported file type"):
        load_file(tmp_path / "x.docx", source_id="s")


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(LoaderError, match="not a regular file"):
        load_file(fifo, source_id="s")


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("text", encoding="utf-8")
    path.chmod(0)
    try:
        if os.geteuid() != 0:  # root reads anything, so only check the real refusal as a user
            with pytest.raises(LoaderError, match="permission denied"):
                load_file(path, source_id="s")
    finally:
        path.chmod(0o644)

    def deny(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files_module.Path, "open", deny)
    with pytest.raises(LoaderError, match="permission denied"):
        load_file(path, source_id="s")


def test_linked_folders_outside_the_root_are_not_entered(tmp_path: Path) -> None:
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    (root / "inner").mkdir(parents=True)
    elsewhere.mkdir()
    (root / "a.txt").write_text("a", encoding="utf-8")
    (elsewhere / "secret.txt").write_text("s", encoding="utf-8")
    os.symlink(elsewhere, root / "out")
    os.symlink(root / "inner", root / "in")
    (root / "inner" / "b.txt").write_text("b", encoding="utf-8")
    found = [p.relative_to(root).as_posix() for p in iter_source_files(root)]
    assert found == ["a.txt", "in/b.txt"]
    followed = [p.relative_to(root).as_posix() for p in iter_source_files(root, follow_links=True)]
    assert "out/secret.txt" in followed


def test_html_nested_too_deep_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = tmp_path / "deep.html"
    bomb.write_text("<div>" * 200_000 + "text" + "</div>" * 200_000, encoding="utf-8")
    with pytest.raises(LoaderError, match="nested more than"):
        load_file(bomb, source_id="s")
    fine = tmp_path / "fine.html"
    fine.write_text(
        "<html><body>"
        + "<div>" * 50
        + "<p>Blackwell demand is strong this year for us.</p>"
        + "</div>" * 50
        + "<br><img src=x></body></html>",
        encoding="utf-8",
    )
    assert "Blackwell" in load_file(fine, source_id="s")[0].text


@pytest.mark.parametrize(
    "bomb",
    [
        "<div></b>" * 5000,  # stray end tags the parser ignores must not lower the count
        '<div a="<">' * 5000,  # a "<" inside an attribute must not hide the tag
        "<" + "a" * 40 + ">" + "<div>" * 5000,  # long tag names
    ],
)
def test_html_depth_check_is_not_fooled(tmp_path: Path, bomb: str) -> None:
    path = tmp_path / "bomb.html"
    path.write_text(bomb, encoding="utf-8")
    with pytest.raises(LoaderError, match="nested more than"):
        load_file(path, source_id="s", limits=FileLimits(max_html_depth=1000))


def test_html_depth_check_keeps_real_pages(tmp_path: Path) -> None:
    page = tmp_path / "list.html"
    items = "".join(f"<li>Blackwell item {n} ships this year" for n in range(3000))
    script = "<script>" + '"<li>"' * 1500 + "</script>"
    page.write_text(f"<html><head>{script}</head><body><ul>{items}</ul></body></html>")
    assert load_file(page, source_id="s", limits=FileLimits(max_html_depth=1000))
