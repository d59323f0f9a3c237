"""PDF: text per page, one segment per page."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from loader_checks import assert_invariants

from index.limits import FileLimits
from index.loaders import LoaderError, load_file


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF with one line of Helvetica text per page (offsets computed)."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    font_id = 3 + 2 * len(pages)
    for i, text in enumerate(pages):
        content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    info_id = None
    if title:
        objects.append(f"<< /Title ({title}) >>".encode())
        info_id = len(objects)
    return assemble_pdf(objects, info_id)


def assemble_pdf(objects: list[bytes], info_id: int | None = None) -> bytes:
    """A PDF file of numbered ``objects`` (object 1 the catalog), with its xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R"
    trailer += f" /Info {info_id} 0 R >>" if info_id else " >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def test_pdf_pages_become_segments(tmp_path: Path) -> None:
    path = tmp_path / "deck.pdf"
    path.write_bytes(
        make_pdf(
            ["Blackwell is in full production.", "HBM supply is tight."], title="Investor deck"
        )
    )
    [doc] = load_file(path, source_id="s")
    assert_invariants([doc])
    assert doc.title == "Investor deck"
    got = [(s.section, doc.text[s.start : s.end]) for s in doc.segments]
    assert got == [
        ("page 1", "Blackwell is in full production."),
        ("page 2", "HBM supply is tight."),
    ]


def test_pdf_without_text_or_broken_is_a_loader_error(tmp_path: Path) -> None:
    empty = tmp_path / "scan.pdf"
    empty.write_bytes(make_pdf([""]))
    with pytest.raises(LoaderError, match="no extractable text"):
        load_file(empty, source_id="s")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n garbage garbage")
    with pytest.raises(LoaderError):
        load_file(broken, source_id="s")
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"hello")
    with pytest.raises(LoaderError, match="not a PDF"):
        load_file(fake, source_id="s")


def test_a_compressed_text_bomb_is_refused(tmp_path: Path) -> None:
    """A few kilobytes that expand to more text than the cap (lowered here to keep it quick)."""
    content = b"BT /F1 12 Tf 72 720 Td (" + b"A " * 150_000 + b") Tj ET"
    packed = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    path = tmp_path / "bomb.pdf"
    path.write_bytes(assemble_pdf(objects))
    assert path.stat().st_size < 5_000  # a few kilobytes on disk
    with pytest.raises(LoaderError, match="decompression bomb"):
        load_file(path, source_id="s", limits=FileLimits(max_chars=100_000))


def test_too_many_pages_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(make_pdf(["Page one text here.", "Page two text here.", "Page three."]))
    assert load_file(path, source_id="s", limits=FileLimits(max_pages=3))
    with pytest.raises(LoaderError, match="PDF has 3 pages; the limit is 2"):
        load_file(path, source_id="s", limits=FileLimits(max_pages=2))
