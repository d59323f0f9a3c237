"""Uploads are checked for type and size and saved under CHIPQUOTE_HOME/uploads only."""

from pathlib import Path

import pytest

from bot import errors
from bot.chat.uploads import check_upload, safe_name, upload_path
from bot.settings import Settings


def test_supported_small_files_pass() -> None:
    check_upload("call.VTT", 1000, 20_000_000)
    check_upload("thread.html", 1000, 20_000_000)


def test_unsupported_type_is_refused_with_the_allowed_list() -> None:
    with pytest.raises(errors.SourceError, match=r"\.pdf"):
        check_upload("virus.exe", 10, 20_000_000)


def test_oversized_file_is_refused_with_the_limit() -> None:
    with pytest.raises(errors.SourceError, match="limit is 2 MB"):
        check_upload("big.txt", 3_000_000, max_bytes=2_000_000)


def test_names_cannot_escape_the_uploads_folder(tmp_path: Path) -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\x\\evil name;rm.txt") == "evil_name_rm.txt"
    assert safe_name("...") == "upload"
    settings = Settings(_env_file=None, chipquote_home=tmp_path)  # type: ignore[call-arg]
    path = upload_path(settings, "../../Q4 call.txt")
    assert path.parent == tmp_path / "uploads" and path.parent.is_dir()
    assert path.name.endswith("-Q4_call.txt")
