"""Every third-party package the service imports is declared in pyproject.toml (a package
that arrives only as another's dependency can vanish in the next lock)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from tests.packaging.image import ROOT


def _imported_modules() -> set[str]:
    modules = set()
    for path in (ROOT / "chat_service").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"chat_service"}


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        _normalized(re.split(r"[\[=<>~!; ]", requirement)[0])
        for requirement in project["dependencies"]
    }
    distributions = packages_distributions()
    undeclared = {
        module: distributions.get(module, ["?"])
        for module in _imported_modules()
        if not {_normalized(d) for d in distributions.get(module, [])} & declared
    }
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"
