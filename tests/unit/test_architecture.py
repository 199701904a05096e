"""Dependencies point inward: each package imports only what DESIGN.md allows it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "skill/core": {
        "flask",
        "ask_sdk_core",
        "ask_sdk_model",
        "boto3",
        "botocore",
        "requests",
        "werkzeug",
        "spacy",
    },
    "catalog_adapter": {"spacy", "flask", "ask_sdk_core", "ask_sdk_model", "skill", "nlu"},
    "nlu": {
        "catalog_adapter",
        "skill",
        "flask",
        "ask_sdk_core",
        "ask_sdk_model",
        "boto3",
        "requests",
    },
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_keeps_its_dependencies_inward(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
