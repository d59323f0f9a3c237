"""Encodings and hostile bytes: decode what is text, refuse the rest with a clear reason."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.loaders import SUPPORTED_SUFFIXES, LoaderError, load_file
from index.loaders.encoding import decode_bytes

SEED_LINE = "从上次财报会议来看,elon非常不自信。Elon Musk: “a long shot” — 真的?"


def test_utf8_bom_is_stripped_and_crlf_normalised() -> None:
    assert decode_bytes(codecs.BOM_UTF8 + "a “b”\r\nc\rd".encode()) == "a “b”\nc\nd"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(codec: str) -> None:
    data = SEED_LINE.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert decode_bytes(data) == SEED_LINE


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_and_gb18030_are_detected(codec: str) -> None:
    text = "从上次财报会议来看,elon非常不自信。但最近爆火的Groq,方案和Dojo类似,都使用SRam。" * 3
    assert decode_bytes(text.encode(codec)) == text


def test_curly_quotes_and_dashes_survive_verbatim() -> None:
    text = "“It’s a long shot” — he said… ‘really’ – yes"
    assert decode_bytes(text.encode()) == text


def test_binary_and_empty_files_are_refused() -> None:
    with pytest.raises(LoaderError, match="binary file"):
        decode_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(LoaderError, match="file is empty"):
        decode_bytes(b"")
    with pytest.raises(LoaderError, match="file is empty"):
        decode_bytes(b" \n\t \r\n")
    with pytest.raises(LoaderError, match="binary file"):
        decode_bytes(bytes(range(1, 32)) * 10)


def test_damaged_utf8_names_the_byte_offset() -> None:
    good = ("中文内容" * 10).encode()
    with pytest.raises(LoaderError, match=f"invalid UTF-8 at byte {len(good)}"):
        decode_bytes(good + b"\xff\xfe\xfd" + good)


def test_load_file_reports_encoding_problems(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("黄仁勋: 我们的需求很强劲。\n黄仁勋: 供应依然紧张。\n".encode("gbk"))
    [doc] = load_file(path, source_id="s")
    assert doc.lang == "zh"
    assert [doc.text[s.start : s.end] for s in doc.segments if s.speaker == "黄仁勋"] == [
        "我们的需求很强劲。",
        "供应依然紧张。",
    ]
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(LoaderError, match="binary"):
        load_file(binary, source_id="s")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400), suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
def test_any_bytes_give_documents_or_loader_error(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        docs = load_file(path, source_id="s")
    except LoaderError as err:
        assert str(err)
        return
    for doc in docs:
        for seg in doc.segments:
            assert 0 <= seg.start < seg.end <= len(doc.text)
            assert doc.text[seg.start : seg.end].strip()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_text_transcript_keeps_segments_inside_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.md"
    path.write_text(text, encoding="utf-8")
    try:
        docs = load_file(path, source_id="s")
    except LoaderError:
        return
    for doc in docs:
        for seg in doc.segments:
            assert 0 <= seg.start < seg.end <= len(doc.text)
            assert doc.text[seg.start : seg.end].strip()
