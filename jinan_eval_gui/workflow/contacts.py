"""The round's unit directory: whom to call at each unit about its return (for 催报 and feedback).

The office keeps it by hand (:func:`set_contact`, audited). Until it does, a unit that has sent
a file is reached through the filler its file names (填报人, 联系电话), which the import logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jinan_eval_gui.catalogue import Catalogue
from jinan_eval_gui.errors import EvalError
from jinan_eval_gui.store import AuditEntry, Round

from .rounds import round_catalogue

SOURCE_DIRECTORY, SOURCE_FILLER = "单位名录", "回传文件的填报人"


@dataclass(frozen=True)
class Contact:
    """Whom to call at a unit; ``source`` says where it comes from (empty: nobody known)."""

    person: str = ""
    phone: str = ""
    email: str = ""
    note: str = ""
    source: str = ""

    @property
    def known(self) -> bool:
        return bool(self.person or self.phone or self.email)

    @property
    def text(self) -> str:
        """One line for a list: 张三 0531-1234567 zhang@example.cn (or 未登记联系人)."""
        parts = [p for p in (self.person, self.phone, self.email) if p]
        return " ".join(parts) if parts else "未登记联系人"

    def to_json(self) -> dict[str, Any]:
        return {"person": self.person, "phone": self.phone, "email": self.email,
                "note": self.note, "source": self.source}


def directory(rnd: Round, cat: Catalogue | None = None, *,
              audit: Iterable[AuditEntry] | None = None) -> dict[tuple[str, str], Contact]:
    """Every (entity, unit) of the round with its contact (empty when nobody is known)."""
    cat = cat or round_catalogue(rnd)
    kept = rnd.unit_contacts()
    fillers = _fillers(rnd.audit_log("import") if audit is None else audit)
    out = {}
    for entity in rnd.list_entities():
        for unit in cat.unit_names:
            if not cat.indicators_for_unit(unit):
                continue
            row = kept.get((entity, unit))
            if row is not None and (row.person or row.phone or row.email):
                out[(entity, unit)] = Contact(row.person, row.phone, row.email, row.note,
                                              SOURCE_DIRECTORY)
            elif (entity, unit) in fillers:
                name, phone = fillers[(entity, unit)]
                out[(entity, unit)] = Contact(name, phone, "", row.note if row else "",
                                              SOURCE_FILLER)
            else:
                out[(entity, unit)] = Contact(note=row.note if row else "")
    return out


def _fillers(audit: Iterable[AuditEntry]) -> dict[tuple[str, str], tuple[str, str]]:
    """The filler (name, phone) each unit's latest logged file names."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for entry in audit:
        if entry.action != "import":
            continue
        for f in entry.details.get("files", []):
            filler = f.get("filler") or {}
            if f.get("entity") and f.get("unit") and (filler.get("name") or filler.get("phone")):
                out[(f["entity"], f["unit"])] = (str(filler.get("name", ""))[:100],
                                                 str(filler.get("phone", ""))[:100])
    return out


def set_contact(rnd: Round, unit: str, *, entity: str | None = None, **fields: str) -> Contact:
    """Record whom to call at ``unit`` (person, phone, email, note; audited)."""
    cat = round_catalogue(rnd)
    entity = entity or rnd.list_entities()[0]
    if entity not in rnd.list_entities():
        raise EvalError(f"本轮没有评价对象“{entity}”", hint="请检查评价对象名称")
    canonical = canonical_unit(cat, unit)
    if canonical is None or not cat.indicators_for_unit(canonical):
        raise EvalError(f"责任单位名录中没有需要填报的单位“{unit}”",
                        hint="请用“jinan-eval catalog show”查看单位名称")
    for name, value in fields.items():
        if any(ord(ch) < 32 for ch in str(value)):
            raise EvalError(f"联系人信息中含有换行等控制字符（{name}）", hint="请重新填写")
    row = rnd.set_unit_contact(entity, canonical, **fields)
    return Contact(row.person, row.phone, row.email, row.note, SOURCE_DIRECTORY)


def canonical_unit(cat: Catalogue, name: str) -> str | None:
    """A unit's canonical name from its name or an alias the catalogue lists, else None."""
    name = name.strip()
    for u in cat.units:
        if name == u.name or name in u.aliases:
            return u.name
    return None
