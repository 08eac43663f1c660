"""Pictures for tests: an isolated media storage, the demo's pictures in a folder of the
test's own, and a few small files made on the spot (a real PNG, a fake one, an SVG with
a script)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from PIL import Image

from tests.demo import DEMO

DEMO_MEDIA = DEMO.parent / "media"
SCRIPTED_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b"<script>alert(document.cookie)</script></svg>"
)


def use_media_root(settings, root: Path) -> Path:
    """Point Django's default storage at `root` (pytest-django's `settings` fixture undoes
    it after the test; the storages are reset on the change)."""
    root.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": "/media/"},
        },
    }
    return root


def png_bytes(width: int = 900, height: int = 600, colour: str = "#3a56d4") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def demo_bundle(folder: Path, document: dict | None = None) -> Path:
    """catalogue.json (the demo, or `document`) and media/ with the demo's pictures in
    `folder`; returns the JSON file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DEMO_MEDIA, folder / "media", dirs_exist_ok=True)
    target = folder / "catalogue.json"
    text = json.dumps(document, indent=2) if document is not None else DEMO.read_text()
    target.write_text(text, encoding="utf-8")
    return target


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
