"""The text of a CSV file as survey platforms and spreadsheets write it.

Office files come as UTF-8 with a BOM (Excel's "CSV UTF-8"), plain UTF-8 (most platforms) or
GB18030 (Excel and WPS on a Chinese Windows saving "CSV"). Nothing else is guessed: a wrong
guess would import garbled names without a word, so the caller refuses the file instead,
saying how to save it again.
"""

from __future__ import annotations

#: Why a file could not be read as text (the caller words the refusal for its own file kind).
UTF16 = "utf16"
UNKNOWN = "unknown"


class Undecodable(ValueError):
    """The bytes are not CSV text in an encoding we accept; ``kind`` is UTF16 or UNKNOWN."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def decode(data: bytes) -> tuple[str, str]:
    """The text and the Python name of its encoding: UTF-8 with BOM, UTF-8 or GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Undecodable(UTF16)
    encodings = ("utf-8-sig",) if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:  # binary content that happens to decode
            break
        return text, encoding
    raise Undecodable(UNKNOWN)
