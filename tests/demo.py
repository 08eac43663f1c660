"""The demo catalogue as the test suites and benchmarks use it: its document, one complete
configuration to order, and a package-wide publication that cleans up after itself."""

from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "configurator" / "demo" / "catalogue.json"
_DOCUMENT = json.loads(DEMO.read_text(encoding="utf-8"))

# The demo Notebook 14's defaults with 32 GB: complete, valid, not a standard product.
NB14 = {
    "cpu": ["u5"],
    "memory": ["32gb"],
    "storage": ["512gb"],
    "display": ["fhd"],
    "graphics": ["integrated"],
    "battery": ["54wh"],
    "adapter": ["65w"],
    "keyboard": ["std-de"],
    "os": ["win11home"],
    "colour": ["platinum"],
    "warranty": ["1y"],
}


def demo_document() -> dict:
    return copy.deepcopy(_DOCUMENT)


@contextmanager
def demo_published_until_done():
    """Publish the demo for a package's (rolled back) DB tests, then delete every row
    created since, so tests elsewhere still start from an empty catalogue."""
    from django.apps import apps
    from django.db import IntegrityError, transaction
    from django.db.models import Max, ProtectedError, RestrictedError

    from configurator.services import import_catalogue

    models = [
        model
        for label in ("orders", "production", "configurator")
        for model in apps.get_app_config(label).get_models()
    ]
    tops = {model: model.objects.aggregate(top=Max("pk"))["top"] or 0 for model in models}
    import_catalogue(document=demo_document(), publish=True)
    yield
    pending = list(tops.items())
    for _ in range(len(pending)):  # PROTECTed rows go once what points at them is gone
        blocked = []
        for model, top in pending:
            try:
                with transaction.atomic():
                    model.objects.filter(pk__gt=top).delete()
            except (ProtectedError, RestrictedError, IntegrityError):
                blocked.append((model, top))
        if not blocked:
            return
        pending = blocked
