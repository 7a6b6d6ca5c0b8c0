"""The JSON form of a values table: read strictly and exactly, written exactly.

```
{"format": "jinan-eval-values", "version": 1,
 "round": {"name": ..., "year": ..., "catalogue_version": ..., "catalogue_hash": ...},
 "entities": [{"entity": "济南市",
               "values": {"12": {"b1_n": 30, "total": "45.5", "note": "文字", "x": null,
                                 "hospitals": [{"name": "省立医院", "reads": 10, "visits": 20}],
                                 "has_cii": {"市公安局": "是", "市教育局": "否"}}},
               "overrides": {"30": {"score": 80, "reason": "专家组复核"}}}],
 "params": {"missing_score": 0, "12.target": 10},
 "assumptions": {"A48": "default"}}
```

Numbers are read as exact decimals (never binary floats); ``NaN``/``Infinity``, a key given twice
in one object, deep nesting and anything of the wrong shape refuse the file with a message naming
the place. A value given as an object is given per unit (its keys are unit names).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..returns import plain
from .model import (
    FORMAT,
    MAX_ENTRIES,
    MAX_NAME,
    VERSION,
    Entry,
    OverrideEntry,
    Setting,
    ValuesTable,
    indicator_id,
    refused,
    short,
)

_TOP_KEYS = ("format", "version", "round", "entities", "params", "assumptions")
_ENTITY_KEYS = ("entity", "values", "overrides")
_JSON_REASONS = {
    "Expecting value": "此处缺少值",
    "Expecting ',' delimiter": "此处缺少逗号",
    "Expecting ':' delimiter": "此处缺少冒号",
    "Expecting property name enclosed in double quotes": "键名须用英文双引号括起，且最后一项后不能有逗号",
    "Unterminated string starting at": "字符串缺少结尾的双引号",
    "Invalid control character at": "字符串中有换行或控制字符",
    "Extra data": "JSON 结束后还有多余内容",
    "Invalid \\escape": "字符串中有无效的转义符",
}


class _Duplicate(ValueError):
    pass


class _Constant(ValueError):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different (a key given twice would be a guess)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Constant(name)


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------
def read_json(path: Path, data: bytes, sha256: str) -> ValuesTable:
    """The values table in a JSON file (UTF-8, with or without BOM); ValuesFileError if not."""
    doc = _parse(path, data)
    table = ValuesTable(path, "json", sha256)
    if not isinstance(doc, dict):
        raise refused(path, "", "最外层应为对象（{…}），含“entities”列表")
    unknown = [k for k in doc if k not in _TOP_KEYS]
    if unknown:
        raise refused(path, "", f"有无法识别的项“{short(unknown[0])}”",
                      hint="最外层只能有 " + "、".join(_TOP_KEYS))
    if doc.get("format", FORMAT) != FORMAT or doc.get("version", Decimal(VERSION)) != VERSION:
        raise refused(path, "format/version", f"不是本工具的数据表格式（应为 {FORMAT}，版本 {VERSION}）")
    header = doc.get("round", {})
    if not isinstance(header, dict):
        raise refused(path, "round", "应为对象")
    table.header = {k: (plain(v) if isinstance(v, Decimal) else v) for k, v in header.items()
                    if isinstance(v, str | Decimal)}
    entities = doc.get("entities")
    if not isinstance(entities, list) or not entities:
        raise refused(path, "entities", "缺少评价对象列表（“entities”应为非空列表）")
    for n, item in enumerate(entities):
        _read_entity(table, item, f"entities[{n}]")
    _read_settings(table, doc.get("params", {}), "params", table.params)
    _read_settings(table, doc.get("assumptions", {}), "assumptions", table.choices)
    return table


def _parse(path: Path, data: bytes) -> Any:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refused(path, f"第 {exc.start + 1} 字节", "不是 UTF-8 编码的文本",
                      hint="JSON 数据表须以 UTF-8 编码保存") from exc
    try:
        return json.loads(text, parse_float=Decimal, parse_int=Decimal,
                          parse_constant=_no_constant, object_pairs_hook=_unique)
    except json.JSONDecodeError as exc:
        reason = next((zh for en, zh in _JSON_REASONS.items() if exc.msg.startswith(en)), "")
        raise refused(path, f"第 {exc.lineno} 行第 {exc.colno} 列",
                      f"不是有效的 JSON{'（' + reason + '）' if reason else ''}",
                      hint="请用文本编辑器或 JSON 校验工具检查该处") from exc
    except _Duplicate as exc:
        raise refused(path, "", f"同一对象中键“{short(exc)}”出现了两次，无法确定采用哪个值") from exc
    except _Constant as exc:
        raise refused(path, "", f"含有 {exc}，不是有效的数值", hint="请填写数字，或用 null 表示未填报") from exc
    except RecursionError as exc:
        raise refused(path, "", "嵌套层数过多，不是数据表的结构") from exc


def _name(path: Path, value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise refused(path, where, f"{what}应为非空文字")
    if len(value) > MAX_NAME:
        raise refused(path, where, f"{what}过长（{len(value)} 个字）")
    return value.strip()


def _read_entity(table: ValuesTable, item: Any, where: str) -> None:
    path = table.path
    if not isinstance(item, dict):
        raise refused(path, where, "应为对象，含“entity”和“values”")
    unknown = [k for k in item if k not in _ENTITY_KEYS]
    if unknown:
        raise refused(path, where, f"有无法识别的项“{short(unknown[0])}”",
                      hint="每个评价对象只能有 " + "、".join(_ENTITY_KEYS))
    entity = _name(path, item.get("entity"), f"{where}.entity", "评价对象名称")
    if entity in table.entities:
        raise refused(path, where, f"评价对象“{short(entity)}”出现了两次")
    table.entities.append(entity)
    values = item.get("values")
    if not isinstance(values, dict):
        raise refused(path, f"{where}.values", "应为对象：{\"指标编号\": {\"填报项\": 值}}")
    for id_text, inputs in values.items():
        here = f"{where}.values.{id_text}"
        ind_id = indicator_id(id_text)
        if ind_id is None:
            raise refused(path, here, f"“{short(id_text)}”不是指标编号（应为 1 到 88 之间的整数）")
        if not isinstance(inputs, dict):
            raise refused(path, here, "应为对象：{\"填报项\": 值}")
        for key, value in inputs.items():
            key = _name(path, key, here, "填报项")
            for entry in _entries(path, entity, ind_id, key, value, f"{here}.{key}"):
                table.entries.append(entry)
                if len(table.entries) > MAX_ENTRIES:
                    raise refused(path, "", f"填报值超过 {MAX_ENTRIES} 个，不像是一份数据表")
    overrides = item.get("overrides", {})
    if not isinstance(overrides, dict):
        raise refused(path, f"{where}.overrides", "应为对象：{\"指标编号\": {\"score\": 分值, \"reason\": 理由}}")
    for id_text, given in overrides.items():
        here = f"{where}.overrides.{id_text}"
        ind_id = indicator_id(id_text)
        if ind_id is None or not isinstance(given, dict) or set(given) - {"score", "reason"}:
            raise refused(path, here, "应为 {\"score\": 分值, \"reason\": 理由}，键为指标编号")
        reason = given.get("reason")
        table.overrides.append(OverrideEntry(entity, ind_id, given.get("score"),
                                             reason if isinstance(reason, str) else "", "", here))


def _entries(path: Path, entity: str, ind_id: int, key: str, value: Any, where: str,
             unit: str = "") -> Iterator[Entry]:
    """One input's value: a scalar, table rows, or (an object) one value per unit."""
    if isinstance(value, dict):
        if unit:
            raise refused(path, where, "按单位给出的值中不能再按单位分开")
        for name, inner in value.items():
            name = _name(path, name, where, "单位名称")
            yield from _entries(path, entity, ind_id, key, inner, f"{where}.{name}", name)
        return
    if isinstance(value, list):
        for n, row in enumerate(value):
            here = f"{where}[{n}]"
            if not isinstance(row, dict):
                raise refused(path, here, "明细表的每一行应为对象：{\"列\": 值}")
            for column, cell in row.items():
                column = _name(path, column, here, "列名")
                yield Entry(entity, ind_id, key, _scalar(path, cell, f"{here}.{column}"), "",
                            f"{here}.{column}", unit, n + 1, column)
        return
    yield Entry(entity, ind_id, key, _scalar(path, value, where), "", where, unit)


def _scalar(path: Path, value: Any, where: str) -> Any:
    if value is None or isinstance(value, bool | Decimal | str):
        return value
    raise refused(path, where, "应为数值、文字、是/否或 null")


def _read_settings(table: ValuesTable, given: Any, where: str, into: list[Setting]) -> None:
    if not isinstance(given, dict):
        raise refused(table.path, where, "应为对象：{\"编号\": 值}")
    for key, value in given.items():
        into.append(Setting(_name(table.path, key, where, "编号"),
                            _scalar(table.path, value, f"{where}.{key}"), "", f"{where}.{key}"))


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------
def dumps(doc: Any) -> str:
    """JSON text with Decimals written exactly as numbers (``json`` would need floats), two
    spaces of indent, and short all-scalar objects and lists (a table row) on one line."""
    return _dump(doc, 0) + "\n"


def _scalar_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _dump(value: Any, depth: int) -> str:
    if isinstance(value, dict):
        items = [(json.dumps(str(k), ensure_ascii=False), v) for k, v in value.items()]
        inner = [f"{k}: {_dump(v, depth + 1)}" for k, v in items]
        return _block("{", "}", inner, depth, value.values())
    if isinstance(value, list):
        return _block("[", "]", [_dump(v, depth + 1) for v in value], depth, value)
    return _scalar_text(value)


def _block(open_: str, close: str, inner: list[str], depth: int, values: Any) -> str:
    if not inner:
        return open_ + close
    flat = open_ + ", ".join(inner) + close
    if all(not isinstance(v, dict | list) for v in values) and len(flat) <= 100:
        return flat
    pad = "  " * (depth + 1)
    return open_ + "\n" + ",\n".join(pad + i for i in inner) + "\n" + "  " * depth + close
