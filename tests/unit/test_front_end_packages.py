"""The front-end code comes from registries at install time: htmx inside django-htmx
(PyPI, pinned in pyproject.toml), idiomorph from npm (package.json, package-lock.json,
`npm ci` in `make setup`). A template naming a script no finder serves, or a package
installed at another version than the one pinned, fails here instead of in a browser."""

import json
import re
from importlib import metadata
from pathlib import Path

import django_htmx
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(settings.BASE_DIR)
django_htmx_version = metadata.version("django-htmx")
STATIC_TAG = re.compile(r"""\{% static ['"]((?:vendor|django_htmx)/[^'"]+)['"] %\}""")


def _vendor_paths() -> set[str]:
    return {
        path
        for template in (ROOT / "templates").rglob("*.html")
        for path in STATIC_TAG.findall(template.read_text())
    }


def test_htmx_is_served_from_the_pinned_django_htmx_package():
    assert "django_htmx/htmx-2.min.js" in _vendor_paths()
    found = finders.find("django_htmx/htmx-2.min.js")
    assert found and Path(found).resolve().is_relative_to(Path(django_htmx.__file__).parent)
    pin = f"django-htmx=={django_htmx_version}"
    assert pin in (ROOT / "pyproject.toml").read_text()


def test_every_npm_script_a_template_names_is_served_from_its_pinned_package():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    paths = {path for path in _vendor_paths() if path.startswith("vendor/")}
    assert "vendor/idiomorph/idiomorph-ext.min.js" in paths
    for path in paths:
        found = finders.find(path)
        assert found, f"{path} is named by a template but no static finder serves it"
        package_dir = Path(found).resolve().parents[1]
        assert package_dir.parent == (ROOT / "node_modules").resolve(), found
        installed = json.loads((package_dir / "package.json").read_text())
        name = installed["name"]
        assert installed["version"] == pinned[name] == locked[f"node_modules/{name}"]["version"]


def test_no_third_party_script_is_kept_in_the_repository():
    assert not (ROOT / "static" / "vendor").exists()
