"""Constraints read from an indicator's checks (a part never larger than its whole, …) so that
synthetic values pass validation unless a mistake is intended.
"""

from __future__ import annotations

import ast
import random
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from jinan_eval_gui.catalogue import Indicator, InputSpec
from jinan_eval_gui.errors import EvalError, TemplateError

# ---------------------------------------------------------------------------------------
# Cross-field checks: "part <= whole" constraints read from the checks' text
# ---------------------------------------------------------------------------------------
Term = tuple[Decimal, str]  # (coefficient, name)
Constraint = tuple[list[Term], list[Term], str]  # parts <= wholes, the check's severity


def _constraints(ind: Indicator) -> list[Constraint]:
    """``parts <= wholes`` pairs read from the checks, in dependency order (wholes first)."""
    found: list[Constraint] = []
    for check in ind.checks:
        try:
            tree = ast.parse(check.rule.text, mode="eval").body
        except SyntaxError:
            continue
        found.extend((parts, wholes, check.severity)
                     for parts, wholes in _compare_constraints(tree))
    # depth of a name: 0 if it is no part; else one more than the deepest of its wholes
    depth: dict[str, int] = {}
    for _ in range(len(found) + 1):
        changed = False
        for parts, wholes, _ in found:
            level = 1 + max(depth.get(name, 0) for _, name in wholes)
            for _, name in parts:
                if depth.get(name, 0) < level <= len(found):
                    depth[name] = level
                    changed = True
        if not changed:
            break
    found.sort(key=lambda c: max(depth.get(name, 0) for _, name in c[1]))
    return found


def _compare_constraints(node: ast.expr) -> list[tuple[list[Term], list[Term]]]:
    if isinstance(node, ast.BoolOp):
        return [c for v in node.values for c in _compare_constraints(v)]
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return []
    left, right, op = node.left, node.comparators[0], node.ops[0]
    # SUM(t.a > t.b) == 0: no row where a > b
    if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and right.value == 0 and \
            isinstance(left, ast.Call) and _call_name(left) in ("SUM", "COUNT", "MAX") and \
            len(left.args) == 1 and isinstance(left.args[0], ast.Compare):
        inner = left.args[0]
        if len(inner.ops) == 1 and isinstance(inner.ops[0], ast.Gt | ast.GtE):
            left, right = inner.left, inner.comparators[0]
        elif len(inner.ops) == 1 and isinstance(inner.ops[0], ast.Lt | ast.LtE):
            left, right = inner.comparators[0], inner.left
        else:
            return []
    elif isinstance(op, ast.GtE | ast.Gt):
        left, right = right, left
    elif not isinstance(op, ast.LtE | ast.Lt):
        return []
    # ratio <= 1: MAX(a / b) <= 1, a / b <= 1, RATIO(a, b) <= 1
    if isinstance(right, ast.Constant) and right.value == 1:
        inner = left
        if isinstance(inner, ast.Call) and _call_name(inner) in ("MAX", "SUM") and inner.args:
            inner = inner.args[0]
        pair = _ratio(inner)
        return [([(Decimal(1), pair[0])], [(Decimal(1), pair[1])])] if pair else []
    parts, wholes = _terms(left), _terms(right)
    if not parts or not wholes:
        return []
    return [(parts, wholes)]


def _call_name(node: ast.Call) -> str:
    return node.func.id if isinstance(node.func, ast.Name) else ""


def _ratio(node: ast.expr) -> tuple[str, str] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        a, b = _name(node.left), _name(node.right)
        return (a, b) if a and b else None
    if isinstance(node, ast.Call) and _call_name(node) in ("RATIO", "CAPRATIO") and \
            len(node.args) >= 2:
        a, b = _name(node.args[0]), _name(node.args[1])
        return (a, b) if a and b else None
    return None


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    if isinstance(node, ast.Call) and _call_name(node) == "SUM" and len(node.args) == 1:
        return _name(node.args[0])
    return None


def _terms(node: ast.expr) -> list[Term] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _terms(node.left), _terms(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for coef, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(coef, ast.Constant) and isinstance(coef.value, int | float) \
                    and coef.value > 0:
                name = _name(other)
                if name:
                    return [(Decimal(str(coef.value)), name)]
        return None
    name = _name(node)
    return [(Decimal(1), name)] if name else None


def _get(values: dict[str, Any], name: str) -> list[Decimal] | Decimal | None:
    if "." in name:
        table, col = name.split(".", 1)
        rows = values.get(table)
        if not isinstance(rows, list):
            return None
        return [r[col] for r in rows]
    value = values.get(name)
    return value if isinstance(value, Decimal) else None


def _apply_constraints(constraints: list[Constraint], specs: dict[str, InputSpec],
                       values: dict[str, Any], rng: random.Random) -> None:
    """Make every ``parts <= wholes`` hold: parts become a share of the whole (row by row)."""
    capped: set[str] = set()
    for parts, wholes, _ in constraints:
        whole_values = [(coef, _get(values, name)) for coef, name in wholes]
        if any(v is None for _, v in whole_values):
            continue  # an input of another unit: not in this template
        if len(wholes) == 1 and isinstance(whole_values[0][1], list):
            # row-wise: table.a <= table.b
            if len(parts) != 1 or "." not in parts[0][1] or "." not in wholes[0][1]:
                continue
            table, col = parts[0][1].split(".", 1)
            whole_col = wholes[0][1].split(".", 1)[1]
            spec = _column(specs[table], col)
            for row in values[table]:
                row[col] = min(row[col], _share(row[whole_col], rng.uniform(0.55, 0.98), spec))
            continue
        if any(isinstance(v, list) for _, v in whole_values):
            continue
        whole_value = sum((coef * v for coef, v in whole_values), Decimal(0))  # type: ignore[misc]
        shares = [rng.uniform(0.2, 1.0) for _ in parts]
        scale = rng.uniform(0.55, 0.98) / sum(shares)
        for (coef, name), share in zip(parts, shares, strict=True):
            amount = whole_value * Decimal(str(share * scale)) / coef
            if "." in name:  # SUM(table.col) <= whole: split over the rows
                table, col = name.split(".", 1)
                rows = values.get(table) or []
                spec = _column(specs[table], col)
                for row in rows:
                    row[col] = _share(amount, 1 / max(len(rows), 1), spec)
            elif name in specs:
                value = _share(amount, 1.0, specs[name])
                values[name] = min(values[name], value) if name in capped else value
                capped.add(name)


def _share(whole: Decimal, fraction: float, spec: InputSpec) -> Decimal:
    value = whole * Decimal(str(fraction))
    if spec.kind in ("count", "rank", "level"):
        value = value.to_integral_value(rounding=ROUND_FLOOR)
    else:
        value = _round(value, 2)
    lo, hi = spec.bounds()
    return _clamp(value, lo, hi)


def _checks_hold(ind: Indicator, specs: dict[str, InputSpec], values: dict[str, Any],
                 blank: set[str]) -> bool:
    """Whether every check that can be computed on the non-blank values gives true."""
    env: dict[str, Any] = dict(ind.params)
    per_unit = ind.collect == "per_unit"
    for key, spec in specs.items():
        if key in blank:
            continue
        value = values[key]
        if spec.kind == "table":
            for col in spec.columns:
                if col.kind != "text":
                    env[f"{key}.{col.key}"] = [row[col.key] for row in value]
        elif spec.kind != "text":
            env[key] = [value] if per_unit else value
    for check in ind.checks:
        if not check.rule.names <= env.keys():
            continue
        try:
            result = check.rule.evaluate(env)
        except EvalError:
            continue
        if isinstance(result, list):
            if not all(result):
                return False
        elif not result:
            return False
    return True


def _column(spec: InputSpec, key: str) -> InputSpec:
    for col in spec.columns:
        if col.key == key:
            return col
    raise TemplateError(f"明细表“{spec.label}”中没有列“{key}”")


def _clamp(value: Decimal, lo: Decimal | None, hi: Decimal | None) -> Decimal:
    if lo is not None and value < lo:
        value = lo
    if hi is not None and value > hi:
        value = hi
    return value


def _round(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
