"""The cores plan; they never touch the clock, the network, a database or chance.

import-linter guards Tandem's own layers; this scan also catches the standard library's
ways out (asyncio, time, socket, random, uuid4, datetime.now/utcnow, date.today).
"""

from __future__ import annotations

import ast
from pathlib import Path

import tandem

CORES = ("sync", "erp")
BANNED_MODULES = frozenset({"asyncio", "time", "socket", "sqlalchemy", "httpx", "random", "threading", "subprocess"})
BANNED_NAMES = frozenset({"uuid4", "uuid1"})
CLOCK_CALLS = frozenset({"now", "utcnow", "today"})
CLOCK_OWNERS = frozenset({"datetime", "date"})


def _owner(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _reads_clock(func: ast.expr) -> bool:
    """`datetime.now`, `dt.datetime.utcnow`, `date.today` and the like."""
    return isinstance(func, ast.Attribute) and func.attr in CLOCK_CALLS and _owner(func.value) in CLOCK_OWNERS


def impurities(source: str, filename: str = "<source>") -> list[str]:
    """Every import or call in `source` that a pure core must not make."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names if a.name.split(".")[0] in BANNED_MODULES]
        elif isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".")[0]
            if module in BANNED_MODULES:
                found.append(f"{where} imports from {node.module}")
            found += [f"{where} imports {a.name}" for a in node.names if a.name in BANNED_NAMES]
        elif isinstance(node, ast.Attribute) and node.attr in BANNED_NAMES:
            found.append(f"{where} uses {node.attr}")
        elif isinstance(node, ast.Name) and node.id in BANNED_NAMES:
            found.append(f"{where} uses {node.id}")
        elif isinstance(node, ast.Call) and _reads_clock(node.func):
            found.append(f"{where} reads the clock ({ast.unparse(node.func)})")
    return found


def test_cores_are_pure() -> None:
    root = Path(tandem.__file__).parent
    files = [f for core in CORES for f in sorted((root / core).rglob("*.py"))]
    assert any(f.parent.name == "sync" for f in files), "the sync core was not found"
    problems = [p for f in files for p in impurities(f.read_text(encoding="utf-8"), str(f.relative_to(root)))]
    assert problems == []


def test_the_purity_scan_catches_each_way_out() -> None:
    dirty = """
import asyncio
import time as clock
from random import choice
from uuid import uuid4
import datetime as dt
from datetime import date, datetime, time
x = uuid.uuid4()
y = datetime.now()
z = dt.datetime.utcnow()
w = date.today()
"""
    problems = impurities(dirty)
    flagged_lines = sorted({int(p.split(":")[1].split()[0]) for p in problems})
    assert flagged_lines == [2, 3, 4, 5, 8, 9, 10, 11], problems
    assert impurities("from datetime import time, timedelta\nfrom uuid import uuid5\nnow = make(now)\n") == []
