"""No import cycle between optout's modules: each module's top-level imports form a graph without loops.

(Imports inside functions, which keep heavy libraries like WeasyPrint off the CLI's start-up path, are not
edges: they run after every module is loaded.)"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "optout"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path) -> set[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if (PACKAGE.parent / (candidate.replace(".", "/") + ".py")).exists()
                          or (PACKAGE.parent / candidate.replace(".", "/")).is_dir() else target)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("optout"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("optout")}
    return {f for f in found if f != name}


def unit(name: str) -> str:
    """Modules of a subpackage (optout.render.packet) count as their subpackage (optout.render): a cycle
    between packages (render.packet -> output -> render) is a cycle too."""
    parts = name.split(".")
    return ".".join(parts[:2])


def test_no_import_cycles():
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        source = unit(module_name(path))
        graph.setdefault(source, set()).update(unit(t) for t in top_level_imports(path) if unit(t) != source)
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target):] + [target] if target in trail else [node, target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not cycles, cycles


def _modules_loaded_by(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running `code` (then printing sys.modules)."""
    import json
    import subprocess
    import sys

    script = code + "\nimport json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_help_loads_no_models_templates_or_pdf_library():
    """`optout --help` declares the commands without pydantic, Jinja2, YAML or WeasyPrint (README, Speed)."""
    loaded = _modules_loaded_by("import optout.cli")
    assert not loaded & {"pydantic", "jinja2", "yaml", "weasyprint", "pycountry", "holidays", "pypdf", "dask", "distributed"}


def test_a_text_letter_never_loads_weasyprint(tmp_path):
    profile = tmp_path / "me.yaml"
    profile.write_text(
        "full_name: Alex Rivera\nresidence_state: VA\nemails: [alex@example.org]\n"
        "addresses:\n  - {street: 12 Elm St, city: Richmond, state: VA, postal_code: '23220'}\n"
    )
    out = tmp_path / "out"
    code = (
        "import sys\nfrom optout.cli import main\n"
        f"sys.argv = ['optout', 'letter', '-p', {str(profile)!r}, '-b', 'spokeo', '-f', 'txt,eml', '-o', {str(out)!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
    )
    loaded = _modules_loaded_by(code)
    assert list(out.glob("*.txt")) and list(out.glob("*.eml"))
    assert "pydantic" in loaded  # the letter was really composed
    assert not loaded & {"weasyprint", "pypdf", "fontTools", "dask", "distributed"}


def _run_cli(arguments: list[str]) -> str:
    return (
        "import sys\nfrom optout.cli import main\n"
        f"sys.argv = ['optout', *{arguments!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
    )


def test_a_calendar_day_letter_never_loads_the_holiday_tables(tmp_path):
    """`holidays` is imported when a clock counts business days (optout/deadlines.py), not at start-up: Virginia's
    45 days are calendar days. A Texas-style business-day count still loads it (and gets its due date right)."""
    import datetime as dt

    from optout.deadlines import due_date
    from optout.models import DayKind

    profile = tmp_path / "me.yaml"
    profile.write_text(
        "full_name: Alex Rivera\nresidence_state: VA\nemails: [alex@example.org]\n"
        "addresses:\n  - {street: 12 Elm St, city: Richmond, state: VA, postal_code: '23220'}\n"
    )
    out = tmp_path / "out"
    loaded = _modules_loaded_by(_run_cli(["letter", "-p", str(profile), "-b", "spokeo", "-f", "txt", "-o", str(out)]))
    assert list(out.glob("*.txt")) and "pydantic" in loaded
    assert "holidays" not in loaded
    code = "from optout.deadlines import due_date\nimport datetime as dt\nfrom optout.models import DayKind\n" \
           "print(due_date(dt.date(2026, 11, 20), 10, DayKind.BUSINESS, 'TX'))"
    assert "holidays" in _modules_loaded_by(code)
    # From Friday Nov 20, 2026, Thanksgiving (Nov 26) and the day after (a Texas state holiday) are skipped: the 10th
    # business day is Dec 8 (Dec 4 without holidays, Dec 7 with the federal ones only).
    assert due_date(dt.date(2026, 11, 20), 10, DayKind.BUSINESS, "TX") == dt.date(2026, 12, 8)


def test_brokers_list_loads_no_templates_holidays_or_pdf_library(tmp_path):
    """`optout brokers list` prints the listing kept in the catalog cache, validating no record (the second run: the
    first writes the cache): no Jinja2, no holiday tables, no PDF library, no Dask (README, Speed)."""
    _modules_loaded_by(_run_cli(["brokers", "list"]))
    no_record_read = "\nfrom optout.catalog import default_catalog\nassert not default_catalog().brokers._read\n"
    loaded = _modules_loaded_by(_run_cli(["brokers", "list"]) + no_record_read)
    assert "optout" in loaded
    assert not loaded & {"jinja2", "weasyprint", "holidays", "pycountry", "pypdf", "dask", "distributed"}


def test_command_modules_keep_annotations_evaluated():
    """typer reads every command's annotations at each start and evaluates string ones twice: the modules that declare
    commands (cli.py, *_cli.py) do without `from __future__ import annotations` (optout/cli.py)."""
    declaring = [PACKAGE / "cli.py", *sorted(PACKAGE.glob("*_cli.py"))]
    assert len(declaring) > 5
    postponed = [
        path.name
        for path in declaring
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ImportFrom) and node.module == "__future__" and any(a.name == "annotations" for a in node.names)
    ]
    assert postponed == []
