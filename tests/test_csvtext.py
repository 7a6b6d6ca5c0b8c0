"""CSV text in the encodings office software writes, and nothing guessed beyond them."""

from __future__ import annotations

import pytest

from jinan_eval_gui.collect import csvtext

TEXT = "题号,满意度\n1,非常满意\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("gb18030"), "gb18030"),
])
def test_office_encodings_read_to_the_same_text(data, encoding):
    assert csvtext.decode(data) == (TEXT, encoding)


@pytest.mark.parametrize(("data", "kind"), [
    (TEXT.encode("utf-16"), csvtext.UTF16),           # Excel's "Unicode text" (with its BOM)
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", csvtext.UNKNOWN),  # binary: a NUL decodes
    (b"\xff\xff\xff\xfe\xfd", csvtext.UNKNOWN),        # neither UTF-8 nor GB18030
])
def test_anything_else_is_refused_with_its_kind(data, kind):
    with pytest.raises(csvtext.Undecodable) as caught:
        csvtext.decode(data)
    assert caught.value.kind == kind
