"""The front-end packages come from the npm registry at install time (package.json,
package-lock.json, `npm ci` in `make setup`) and are served under the paths the templates
name: a template naming a script no finder serves, or a package installed at another
version than the one pinned, fails here instead of in a browser."""

import json
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(settings.BASE_DIR)
STATIC_TAG = re.compile(r"""\{% static ['"](vendor/[^'"]+)['"] %\}""")


def _vendor_paths() -> set[str]:
    return {
        path
        for template in (ROOT / "templates").rglob("*.html")
        for path in STATIC_TAG.findall(template.read_text())
    }


def test_every_vendor_script_a_template_names_is_served_from_a_pinned_npm_package():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    paths = _vendor_paths()
    assert {"vendor/htmx/htmx.min.js", "vendor/idiomorph/idiomorph-ext.min.js"} <= paths
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
