"""PDF files via pypdf: the text of each page, one segment per page.

Segments carry ``section="page N"`` so a quote from a filing can be cited to its page. A PDF
with no extractable text (a scan) is refused with that reason rather than indexed empty.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from index.limits import FileLimits
from index.loaders.encoding import normalise_newlines
from index.loaders.errors import LoaderError
from index.loaders.spans import Parsed, TextBuilder

logging.getLogger("pypdf").setLevel(logging.ERROR)

_DEFAULTS = FileLimits()


def parse_pdf(
    data: bytes, *, max_pages: int = _DEFAULTS.max_pages, max_chars: int = _DEFAULTS.max_chars
) -> Parsed:
    """Text and per-page segments of a PDF, plus its title.

    More than ``max_pages`` pages, or text growing past ``max_chars`` (a few kilobytes of
    compressed streams can expand to tens of millions of characters: a decompression bomb),
    is refused as soon as it is seen. The PDF's creation date is not the document's date, so
    it is not used.
    """
    if b"%PDF-" not in data[:1024]:
        raise LoaderError("not a PDF (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoaderError("encrypted PDF")
        builder = TextBuilder()
        if len(reader.pages) > max_pages:
            raise LoaderError(f"PDF has {len(reader.pages):,} pages; the limit is {max_pages:,}")
        for number, page in enumerate(reader.pages, start=1):
            text = normalise_newlines(page.extract_text() or "")
            if len(builder) + len(text) > max_chars:
                raise LoaderError(
                    f"PDF text is larger than {max_chars:,} characters (a decompression bomb?)"
                )
            if not text.strip():
                continue
            builder.separate()
            builder.add_segment(text, section=f"page {number}")
        info = reader.metadata
    except PyPdfError as err:
        raise LoaderError(f"unreadable PDF: {err}") from err
    if not builder.text().strip():
        raise LoaderError("PDF has no extractable text (scanned images?)")
    meta: dict[str, str] = {}
    if info is not None and info.title and str(info.title).strip():
        meta["title"] = str(info.title).strip()
    return Parsed(builder.text(), builder.segments, meta)
