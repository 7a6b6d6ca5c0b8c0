"""The zip package of a returned file: central directory checks and bounded streaming of parts."""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.parsers import expat

from jinan_eval_gui.errors import WorkbookFileError

from .model import _ASK_AGAIN, _RESAVE, _USE_TEMPLATE, Limits, _fail, _size_text
from .xmlparts import (
    _Ambiguous,
    _Forbidden,
    _new_parser,
    _OverBudget,
    _Oversize,
    _Stop,
    _TooMany,
)

_MAIN_MACRO_TYPE = "application/vnd.ms-excel.sheet.macroenabled"
_XML_DECLARATION_RE = re.compile(rb"\A\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']{0,40})[\"']")
_XML_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf16"})


def _foreign_encoding(head: bytes) -> str | None:
    """The encoding a part's XML declaration names if it is not UTF-8/UTF-16 (the only ones
    Office writes; expat cannot read GBK and would read Latin-1 differently from Excel)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 with a byte order mark
    m = _XML_DECLARATION_RE.match(head.removeprefix(b"\xef\xbb\xbf"))
    if m is None:
        return None
    name = m.group(1).decode("ascii", "replace").strip()
    return None if name.casefold() in _XML_ENCODINGS else name


def _rel_kind(rel_type: str) -> str:
    return rel_type.rsplit("/", 1)[-1].lower()


def _resolve(base_part: str, target: str) -> str | None:
    """Zip name of a relationship target relative to ``base_part``; None if it escapes."""
    if not target:
        return None
    if target.startswith("/"):
        path = posixpath.normpath(target.lstrip("/"))
    else:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))
    if path.startswith("..") or path.startswith("/") or path == ".":
        return None
    return path


def _unsafe_name(name: str) -> bool:
    if not name or "\0" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return any(seg == ".." for seg in re.split(r"[/\\]", name))


class ZipPackage:
    """The checked zip container; parts are inflated on demand, in bounded chunks."""

    def __init__(self, path: Path, data: bytes, limits: Limits) -> None:
        self.path = path
        self.name = path.name
        self.limits = limits
        self.sha256 = hashlib.sha256(data).hexdigest()
        self._data = data
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error) as exc:
            raise _fail(self.name, "不完整或已损坏（压缩包结构无法读取），可能是下载、复制或邮件附件"
                                   "传输中断。" + _ASK_AGAIN) from exc
        self._check_central_directory()
        self._names = {info.filename.casefold(): info for info in self._zip.infolist()}
        self._read_bytes = 0  # inflated and tags parsed so far, all parts together
        self._read_tags = 0

    # -- checks before anything is inflated ---------------------------------------------------

    def _check_central_directory(self) -> None:
        limits, infos = self.limits, self._zip.infolist()
        if len(infos) > limits.max_entries:
            raise _fail(self.name, f"包含 {len(infos)} 个内部部件，超过上限 {limits.max_entries} 个，"
                                   "不像是正常的填报文件，已拒绝读取。" + _USE_TEMPLATE)
        seen: set[str] = set()
        total = 0
        for info in infos:
            for entry_name in {info.filename, info.orig_filename}:
                if _unsafe_name(entry_name):
                    raise _fail(self.name, f"内部含有异常的路径名（“{entry_name[:80]}”），不是 Excel "
                                           "正常保存的文件，已拒绝读取。请在 Excel 或 WPS 中打开后"
                                           "“另存为”新的 .xlsx 文件再导入。")
            key = info.filename.casefold()
            if key in seen:
                raise _fail(self.name, f"内部含有重复的部件“{info.filename[:80]}”，不是 Excel 正常保存"
                                       "的文件，已拒绝读取。" + _RESAVE)
            seen.add(key)
            if info.flag_bits & 0x1:
                raise _fail(self.name, "的内容经过压缩包加密，无法读取。请取消密码后另存为 .xlsx 再导入。")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _fail(self.name, f"使用了 Excel 不使用的压缩方式（{info.compress_type}），"
                                       "无法读取。" + _RESAVE)
            size = info.file_size
            if size > limits.max_entry_bytes:
                raise self._bomb(f"其中“{info.filename[:80]}”声明解压后为 {_size_text(size)}，"
                                 f"超过单个部件上限 {_size_text(limits.max_entry_bytes)}")
            if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(info.compress_size, 1):
                ratio = size // max(info.compress_size, 1)
                raise self._bomb(f"其中“{info.filename[:80]}”的压缩比异常（约 {ratio}:1）")
            total += size
        if total > limits.max_total_bytes:
            raise self._bomb(f"全部内容解压后共 {_size_text(total)}，超过上限 "
                             f"{_size_text(limits.max_total_bytes)}")

    def _bomb(self, detail: str) -> WorkbookFileError:
        return _fail(self.name, f"解压后过大：{detail}。疑似恶意构造的“压缩炸弹”，已拒绝读取。"
                     + _USE_TEMPLATE)

    def _over_budget(self) -> WorkbookFileError:
        limits = self.limits
        return _fail(self.name, "内部含有大量与填报无关的内容（读取时解压超过 "
                     f"{_size_text(limits.max_read_bytes)} 或超过 {limits.max_read_tags:,} 个 XML "
                     "标记），远超正常填报文件，疑似恶意构造，已拒绝读取。" + _USE_TEMPLATE)

    # -- streaming parse of one part -----------------------------------------------------------

    def _info(self, part: str) -> zipfile.ZipInfo | None:
        return self._names.get(part.casefold())

    def _parse(
        self,
        part: str,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None] | None = None,
        chars: Callable[[str], None] | None = None,
        what: str = "",
        namespaces: bool = True,
    ) -> None:
        """Stream ``part`` through a defused expat parser with the given handlers.

        The part is inflated in 64 KiB chunks and never held whole. Declared sizes are not
        trusted: zipfile stops inflating at the declared size (and a CRC mismatch turns a lie
        into an error), and we count the bytes ourselves against the same bounds.
        """
        info = self._info(part)
        if info is None:
            raise _fail(self.name, f"缺少内部部件“{part}”，文件可能已损坏。" + _RESAVE)
        limit = min(info.file_size, self.limits.max_entry_bytes)
        parser = _new_parser(namespaces)
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if chars is not None:
            parser.CharacterDataHandler = chars
        label = what or f"内部部件“{part}”"
        limits = self.limits
        first = True
        try:
            for chunk in self._inflate(info, limit):
                if first:
                    first = False
                    encoding = _foreign_encoding(chunk[:200])
                    if encoding is not None:
                        raise self._foreign(label, encoding)
                self._read_tags += chunk.count(b"<")
                if self._read_tags > limits.max_read_tags:
                    raise _OverBudget
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Oversize:
            raise self._bomb(f"{label}实际解压后超过声明的大小或上限") from None
        except _OverBudget:
            raise self._over_budget() from None
        except _Stop:
            return
        except _Ambiguous as exc:
            raise _fail(self.name, f"的{label}中{exc.text}。Excel 保存的文件不会这样，Excel 显示的"
                                   "内容与本工具读到的可能不同，已拒绝读取。" + _RESAVE) from None
        except (ValueError, LookupError) as exc:  # expat: "multi-byte encodings are not supported"
            raise self._foreign(label, "") from exc
        except _Forbidden as exc:
            raise _fail(self.name, f"的{label}含有 DTD 或实体声明（Excel 不会生成这样的内容），"
                                   "疑似恶意构造，已拒绝读取。" + _USE_TEMPLATE) from exc
        except _TooMany as exc:
            raise _fail(self.name, f"的{label}{exc.text}，超出本工具的读取上限。请删除与填报无关的"
                                   "内容后保存，再导入。") from exc
        except expat.ExpatError as exc:
            raise _fail(self.name, f"的{label}已损坏（XML 第 {exc.lineno} 行："
                                   f"{expat.ErrorString(exc.code)}），无法读取。" + _RESAVE) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error) as exc:
            raise _fail(self.name, f"的{label}数据已损坏或不完整（{exc}）。" + _ASK_AGAIN) from exc

    def _foreign(self, label: str, encoding: str) -> WorkbookFileError:
        named = f"（{encoding[:40]}）" if encoding else ""
        return _fail(self.name, f"的{label}使用了 Excel 不使用的文字编码{named}，无法准确读取。"
                     + _RESAVE)

    # -- cells -------------------------------------------------------------------------------------

    def _part_digest(self, part: str) -> str | None:
        """SHA-256 of a part's inflated bytes, within the same bounds as :meth:`_parse`.

        None if the part cannot be read cleanly; the caller then parses it with
        :meth:`_parse`, which raises the precise error.
        """
        info = self._info(part)
        if info is None:
            return None
        limit = min(info.file_size, self.limits.max_entry_bytes)
        digest = hashlib.sha256()
        try:
            for chunk in self._inflate(info, limit):
                digest.update(chunk)
        except _OverBudget:
            raise self._over_budget() from None
        except (_Oversize, zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error):
            return None
        return digest.hexdigest()

    def _inflate(self, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
        """A part in 64 KiB chunks, counting the bytes actually inflated against ``limit``
        (declared sizes are not trusted; raises :class:`_Oversize` beyond it) and against the
        file's budget for all parts read (:class:`_OverBudget`)."""
        inflated = 0
        budget = self.limits.max_read_bytes
        with self._zip.open(info) as stream:
            while chunk := stream.read(1 << 16):
                inflated += len(chunk)
                if inflated > limit:
                    raise _Oversize
                self._read_bytes += len(chunk)
                if self._read_bytes > budget:
                    raise _OverBudget
                yield chunk
