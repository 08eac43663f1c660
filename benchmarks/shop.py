"""Server time of one configure-page click, against a trivial view in the same run.

    python benchmarks/shop.py [--rounds 3] [--orders 200]

Runs on a fresh SQLite file (DATABASE_URL is set before Django starts) with the demo
catalogue published and `--orders` orders placed and scheduled first (so the ship-date
estimate reads a plan with booked days and held parts, not an empty one). A "click" is the
htmx update POST the configure page sends when a customer changes one option: every other
option of every group of every demo product, starting from the product's default
configuration, each with a quantity (1, 2, 5, 12 or 40 in turn) that the ship-date
estimate is for, and the page's `shown` field (the digests of the regions the default
page shows), so the update answers only the regions the click changed, as the browser
gets it. Each is timed through Django's test client (middleware, form, engine,
capable-to-promise estimate on the current plan, standard-product match, template), as is
a trivial view (one row read, a few bytes out) under the same middleware. Prints the
median and p95 per product and overall, and each as a ratio to the trivial view's median.
Target: median < 15 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORK = Path(tempfile.mkdtemp(prefix="atelier-shop-bench-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["ATELIER_VAR_DIR"] = str(WORK)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atelier.settings")
os.environ.pop("DEBUG", None)
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"  # the orders placed first are scheduled inline

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from configurator import shop  # noqa: E402
from configurator.models import CatalogueVersion  # noqa: E402
from configurator.selectors import published_version  # noqa: E402
from configurator.services import import_catalogue  # noqa: E402
from orders.services import LineRequest, place_order  # noqa: E402

DEMO = ROOT / "configurator" / "demo" / "catalogue.json"
QUANTITIES = (1, 2, 5, 12, 40)


def trivial(request):
    row = CatalogueVersion.objects.values("number").order_by("pk").first()
    return HttpResponse(f"ok {row}", content_type="text/plain")


# The shop's URLs plus the baseline, without touching the project's URLconf.
urls = types.ModuleType("shop_bench_urls")
urls.urlpatterns = [path("bench/trivial/", trivial), path("", include("atelier.urls"))]
sys.modules["shop_bench_urls"] = urls


def literals(selections: dict[str, list[str]]) -> str:
    return " ".join(f"{g}.{o}" for g, picks in selections.items() for o in picks)


def clicks(version, code: str) -> list[dict]:
    """The POST of every one-option change from the default configuration."""
    compiled_groups = shop.product_for_form(code)[1].groups
    default = shop.default_selections(version, code)
    posts = []
    for group in compiled_groups:
        picked = default.get(group.code, [])
        for option in group.options:
            if option.code in picked:
                continue
            if group.max == 1:
                changed = [option.code]
            elif len(picked) < group.max:
                changed = [*picked, option.code]
            else:
                continue
            selections = {**default, group.code: changed}
            data = {f"g-{g}": picks for g, picks in selections.items()}
            data["order"] = literals(default)
            data["last_good"] = literals(default)
            data["quantity"] = str(QUANTITIES[len(posts) % len(QUANTITIES)])
            posts.append(data)
    return posts


def timed(client: Client, method: str, url: str, data=None, kinds: list | None = None) -> float:
    # Posted url-encoded, as htmx sends a form.
    body = urlencode(data or {}, doseq=True)
    start = time.perf_counter()
    if method == "post":
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(url)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    if kinds is not None:
        kinds.append("conflict" if b'id="conflict-title"' in response.content else "plain")
    return elapsed * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over all clicks")
    parser.add_argument("--orders", type=int, default=200, help="orders in the plan first")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    import_catalogue(document=json.loads(DEMO.read_text()), publish=True)
    version = published_version()
    codes = [p["code"] for p in version.document["products"]]
    for i in range(args.orders):  # default configurations, 1-3 units: a plan weeks deep
        code = codes[i % len(codes)]
        line = LineRequest(code, shop.default_selections(version, code), 1 + i % 3)
        place_order(lines=[line])

    with override_settings(ROOT_URLCONF="shop_bench_urls"):
        client = Client()
        plans = {code: clicks(version, code) for code in codes}
        for code in codes:  # what the default page shows: each click starts from it
            page = client.get(f"/p/{code}/").content.decode()
            shown = re.search(r'name="shown" value="([^"]*)"', page)
            for data in plans[code]:
                if shown:  # (a page from before regions has none)
                    data["shown"] = shown.group(1)
        for code in codes:  # warm: compiled products, templates
            timed(client, "get", f"/p/{code}/")
            timed(client, "post", f"/p/{code}/update/", plans[code][0])
        for _ in range(20):
            timed(client, "get", "/bench/trivial/")

        baseline: list[float] = []
        per_product: dict[str, list[float]] = {code: [] for code in codes}
        kinds: list[str] = []
        for _ in range(args.rounds):
            for code in codes:
                for data in plans[code]:
                    url = f"/p/{code}/update/"
                    per_product[code].append(timed(client, "post", url, data, kinds))
                    baseline.append(timed(client, "get", "/bench/trivial/"))

    base = statistics.median(baseline)
    every = [t for times in per_product.values() for t in times]
    print(f"Trivial view (one row, same middleware): median {base:.2f} ms over {len(baseline)}")
    print()
    print("| product | clicks | median ms | p95 ms | median / trivial | p95 / trivial |")
    print("|---|---|---|---|---|---|")
    by_kind = {
        kind: [t for t, k in zip(every, kinds, strict=True) if k == kind]
        for kind in ("plain", "conflict")
    }
    rows = [
        *per_product.items(),
        ("all", every),
        ("available option (all)", by_kind["plain"]),
        ("excluded option: conflict + proposed change (all)", by_kind["conflict"]),
    ]
    for code, times in rows:
        med, high = statistics.median(times), p95(times)
        print(
            f"| {code} | {len(times)} | {med:.2f} | {high:.2f} | {med / base:.1f}x | {high / base:.1f}x |"
        )
    median = statistics.median(every)
    print()
    print(f"Target median < 15 ms: {'met' if median < 15 else 'MISSED'} ({median:.2f} ms)")


if __name__ == "__main__":
    main()
