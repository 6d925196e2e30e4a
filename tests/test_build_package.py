"""optout.build stands apart: letters never load it, its extra is optional, its modules are small and acyclic."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from optout.catalog_cli import BUILD_EXTRA_MODULES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "optout"
FIXTURES = Path(__file__).parent / "fixtures"
BUILD_PREFIXES = ("optout.build", "openpyxl", "phonenumbers", "email_validator")
MAX_LINES = 500


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


LETTER_SIDE = """
    import datetime as dt
    import sys

    import optout.cli, optout.letters, optout.batch
    from typer.testing import CliRunner

    from optout.catalog import default_catalog
    from optout.examples import example_profile
    from optout.letters import compose
    from optout.models import RequestKind
    from optout.profiles import EXAMPLE_PROFILE

    catalog = default_catalog()
    letter = compose(example_profile(), catalog.broker("acxiom"), RequestKind.DELETE, dt.date(2026, 11, 27), catalog)
    assert letter.paragraphs
    open("profile.yaml", "w").write(EXAMPLE_PROFILE)
    runner = CliRunner()
    letter_args = ["letter", "--profile", "profile.yaml", "--broker", "acxiom", "--format", "txt",
                   "--out", "letters", "--date", "2026-11-27"]
    for args in (["brokers", "list"], ["laws", "list"], letter_args):
        result = runner.invoke(optout.cli.app, args)
        assert result.exit_code == 0, (args, result.output)
    loaded = sorted(m for m in sys.modules if m.startswith({prefixes!r}) and sys.modules[m] is not None)
    assert not loaded, loaded
"""


def test_letter_side_never_imports_the_build_package(tmp_path):
    result = run_python(LETTER_SIDE.format(prefixes=BUILD_PREFIXES), tmp_path)
    assert result.returncode == 0, result.stderr


def test_letters_work_without_the_build_extra_and_catalog_commands_say_what_to_install(tmp_path):
    # None in sys.modules makes `import phonenumbers` fail as if the package were not installed.
    block = f"import sys\nfor name in {BUILD_EXTRA_MODULES!r}:\n    sys.modules[name] = None\n"
    result = run_python(block + textwrap.dedent(LETTER_SIDE.format(prefixes=BUILD_PREFIXES)), tmp_path)
    assert result.returncode == 0, result.stderr
    catalog = FIXTURES / "catalog"
    registry = FIXTURES / "registries" / "california" / "2026.csv"
    for args in (
        ["validate", "--catalog", str(catalog)],
        ["import", "ca", str(registry), "--catalog", str(tmp_path), "--dry-run"],
    ):
        result = run_python(
            block + f"from optout.cli import main\nsys.argv = ['optout', 'catalog', *{args!r}]\nmain()\n", tmp_path
        )
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "pip install 'optout[build]'" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_build_extra_modules_are_the_extra_in_pyproject():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {requirement.split(">=")[0].replace("-", "_").lower() for requirement in extras["build"]}
    assert names == set(BUILD_EXTRA_MODULES)
    assert "optout[build]" in extras["test"]
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not {d.split(">=")[0].replace("-", "_").lower() for d in dependencies} & names


# ---------------------------------------------------------------------------
# Module size and import structure


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """(imported optout module, at module level?) for every import in the file; `if TYPE_CHECKING:` counts as lazy."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        for target in targets:
            if target.startswith("optout") and target in modules():
                found.append((target, id(node) in top_level))
    return found


def graph(module_level_only: bool) -> dict[str, set[str]]:
    return {
        name: {t for t, top in imports(name, path) if (top or not module_level_only) and t != name}
        for name, path in modules().items()
    }


def cycles_through_build(edges: dict[str, set[str]]) -> list[str]:
    """optout.build modules (or packages) that can reach themselves again by following imports."""

    def reachable(start: str) -> set[str]:
        seen, todo = set(), list(edges.get(start, ()))
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += edges.get(node, ())
        return seen

    return [node for node in sorted(edges) if node.startswith("optout.build") and node in reachable(node)]


def test_catalog_building_modules_are_at_most_500_lines():
    mine = [p for p in (PACKAGE / "build").rglob("*.py")] + [PACKAGE / "catalog_cli.py", ROOT / "scripts" / "build_catalog.py"]
    long = {str(p.relative_to(ROOT)): n for p in mine if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long


def test_no_import_cycle_through_build_modules():
    # Lazy imports count too: optout.catalog imports optout.build.contacts inside a function.
    assert cycles_through_build(graph(module_level_only=False)) == []


def test_no_import_cycle_between_build_and_other_packages():
    """optout.build and optout.build.importers depend on the letter side's core, never the other way at load time."""

    def package_of(module: str) -> str:
        path = modules()[module]
        return module if path.name == "__init__.py" else module.rsplit(".", 1)[0]

    edges: dict[str, set[str]] = {}
    for module, targets in graph(module_level_only=True).items():
        for target in targets:
            if package_of(target) != package_of(module):
                edges.setdefault(package_of(module), set()).add(package_of(target))
    assert cycles_through_build(edges) == [], edges


def test_only_the_catalog_commands_reach_into_build_and_only_inside_functions():
    reach = {
        (name, top)
        for name, path in modules().items()
        if not name.startswith("optout.build")
        for target, top in imports(name, path)
        if target.startswith("optout.build")
    }
    assert {name for name, _ in reach} <= {"optout.catalog_cli", "optout.catalog"}
    assert not any(top for _, top in reach)


@pytest.mark.parametrize("module", ["optout.build.merge", "optout.build.importers", "optout.build.catalog_report"])
def test_build_modules_import(module):
    __import__(module)
