"""The planner core stays pure: no Django, no clock, no settings."""

import ast
import subprocess
import sys
from pathlib import Path

import production.planner

PACKAGE = Path(production.planner.__file__).parent


def test_importing_the_planner_loads_no_django():
    code = (
        "import sys, production.planner; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_planner_neither_imports_django_nor_reads_the_clock():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "django" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "django", path
            elif isinstance(node, ast.Attribute):
                assert node.attr not in {"now", "today", "utcnow", "time_ns"}, (path, node.lineno)
