"""Bytes to text: BOMs, UTF-8, GB18030/GBK and friends, and a clear refusal for binary files.

Quotes must stay verbatim, so decoding never guesses silently: UTF-8 is tried first, a legacy
encoding is accepted only when charset-normalizer finds one that decodes the whole file
cleanly, and a file that looks like UTF-8 with a damaged byte is refused with the byte's offset
rather than decoded into mojibake. Only line endings are normalised.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from index.loaders.errors import LoaderError

# UTF-32 BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Legacy encodings we accept when UTF-8 fails. cp1252 covers old Western "smart quote" files;
# the CJK ones cover mainland, Taiwan and Japanese sources.
_LEGACY = ["gb18030", "big5", "cp1252", "shift_jis", "euc_kr"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n?")

# Beyond this many UTF-8 multi-byte characters before the first bad byte, the file is
# treated as damaged UTF-8 instead of being offered to legacy decoders.
_UTF8_EVIDENCE = 8


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; nothing else changes."""
    return _NEWLINES.sub("\n", text)


def decode_bytes(data: bytes) -> str:
    """Decode a text file's bytes or raise :class:`LoaderError` saying why not."""
    if not data.strip():
        raise LoaderError("file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom) :], encoding, offset=len(bom))
            return _finish(text)
    if b"\x00" in data:
        raise LoaderError("binary file (not text): contains NUL bytes")
    try:
        return _finish(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        bad = err.start
    if _utf8_multibyte_count(data[:bad]) < _UTF8_EVIDENCE:
        guess = from_bytes(data, cp_isolation=_LEGACY).best()
        if guess is not None and guess.encoding:
            try:
                return _finish(data.decode(guess.encoding))
            except (UnicodeDecodeError, LookupError):
                pass
    raise LoaderError(f"invalid UTF-8 at byte {bad} and no other encoding fits")


def _strict(data: bytes, encoding: str, *, offset: int) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise LoaderError(f"invalid {encoding.upper()} at byte {offset + err.start}") from err


def _utf8_multibyte_count(prefix: bytes) -> int:
    """How many valid multi-byte UTF-8 characters a (cleanly decoding) prefix holds."""
    try:
        text = prefix.decode("utf-8")
    except UnicodeDecodeError:
        return 0
    return sum(1 for ch in text if ord(ch) > 0x7F)


def _finish(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise LoaderError("file is empty")
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 20):
        raise LoaderError("binary file (not text): too many control characters")
    return normalise_newlines(text)
