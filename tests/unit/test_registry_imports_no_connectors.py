"""The registry sits below connectors: it reaches them only through ``registry.hooks``, never by importing them."""

import ast
from pathlib import Path

import registry

ROOT = Path(registry.__file__).parent


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_no_registry_module_imports_connectors():
    offenders = {
        str(path.relative_to(ROOT.parent)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "connectors")
        for path in ROOT.rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}
