"""The demo's pictures in a real browser against a live server: the configure page shows
the product's picture with its alt text, picking another colour swaps the picture in
place (htmx, no reload), and the picture's URL answers 200 with an image type and
cache headers.

The server is the project's own WSGI application (whitenoise and atelier.media_serving
included, as gunicorn runs it) on Django's live-server thread: pytest-django's
`live_server` puts Django's test media handler in front, which would answer /media/
itself and hide what `make run` and compose really send."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.media import DEMO_MEDIA, use_media_root

pytestmark = pytest.mark.e2e


@pytest.fixture
def app_server(transactional_db):
    from django.core.wsgi import get_wsgi_application
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", lambda _test_handler: get_wsgi_application())
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def demo_shop(app_server, settings, tmp_path):
    from atelier import caching
    from configurator.interchange.bundles import FolderSource
    from configurator.services import import_catalogue
    from tests.demo import demo_document

    caching.clear_all()
    use_media_root(settings, tmp_path / "storage")
    import_catalogue(document=demo_document(), publish=True, media_source=FolderSource(DEMO_MEDIA))
    return app_server


def test_picture_changes_with_the_colour_and_is_served_cacheable(page: Page, demo_shop):
    page.goto(demo_shop + "/")
    cards = page.locator(".card img.picture-img")
    expect(cards).to_have_count(3)
    page.get_by_role("link", name=re.compile("Notebook 14")).click()

    picture = page.locator("#product-picture img")
    expect(picture).to_have_attribute("alt", "Atelier Notebook 14 in platinum silver")
    expect(picture).to_have_attribute(
        "src", re.compile(r"/media/catalogue/products/nb14-platinum\.[0-9a-f]{12}\.svg$")
    )
    assert page.evaluate("document.querySelector('#product-picture img').naturalWidth") == 480
    before = picture.get_attribute("src")
    page.evaluate("window.__sameDocument = true")

    page.locator("label[for='opt-colour-sage']").click()
    expect(picture).to_have_attribute("src", re.compile(r"nb14-sage\.[0-9a-f]{12}\.svg$"))
    expect(picture).to_have_attribute("alt", "Atelier Notebook 14 in sage green")
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, no reload
    after = picture.get_attribute("src")
    assert after != before
    page.wait_for_function(
        "() => { const i = document.querySelector('#product-picture img');"
        " return i.complete && i.naturalWidth > 0; }"
    )

    for src in (before, after):
        response = page.request.get(demo_shop + src)
        assert response.status == 200
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["etag"]


GPU_ALT = "A GeForce RTX 4060 graphics card with two fans"


def test_an_option_picture_appears_when_its_details_open_and_stays_through_a_click(
    page: Page, demo_shop
):
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(demo_shop + "/p/tower/")
    details = page.locator("#opt-graphics-rtx4060-details")
    picture = details.locator(".option-picture img")
    # Nothing of the picture is in the page, or downloaded, before anyone opens the details.
    expect(page.locator(".option-picture")).to_have_count(0)
    assert not [url for url in fetched if "/pictures/" in url or "gpu-rtx4060" in url]

    details.locator("summary").click()
    expect(picture).to_be_visible()
    expect(picture).to_have_attribute("alt", GPU_ALT)
    expect(picture).to_have_attribute(
        "src", re.compile(r"/media/catalogue/options/gpu-rtx4060\.[0-9a-f]{12}\.svg$")
    )
    page.wait_for_function(
        "() => { const i = document.querySelector('#opt-graphics-rtx4060-details img');"
        " return i && i.complete && i.naturalWidth === 480; }"
    )
    expect(page.locator(".option-picture")).to_have_count(1)  # only the one opened

    # Picking it swaps the graphics group out of band: the details stay open, with the
    # picture, and without fetching its fragment again.
    fragments = len([url for url in fetched if "/pictures/" in url])
    page.evaluate("window.__sameDocument = true")
    page.locator("label[for='opt-graphics-rtx4060']").click()
    expect(page.locator("#grp-graphics .group-pick")).to_contain_text("RTX 4060")
    expect(details).to_have_attribute("open", "")
    expect(picture).to_be_visible()
    expect(picture).to_have_attribute("alt", GPU_ALT)
    assert page.evaluate("window.__sameDocument") is True
    assert len([url for url in fetched if "/pictures/" in url]) == fragments


def test_an_option_picture_opens_by_keyboard_on_a_phone(page: Page, demo_shop):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(demo_shop + "/p/tower/")
    summary = page.locator("#opt-display-27qhd-details summary")
    summary.focus()
    page.keyboard.press("Enter")
    picture = page.locator("#opt-display-27qhd-details .option-picture img")
    expect(picture).to_be_visible()
    expect(picture).to_have_attribute("alt", "A 27-inch monitor on its stand")
    box = picture.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    # Closing and opening again shows the same picture, once.
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator("#opt-display-27qhd-details .option-picture")).to_have_count(1)


def test_compared_columns_show_their_own_configurations_picture(page: Page, demo_shop):
    """A saved configuration in sage green sits beside the product as it starts (platinum):
    each column shows the picture of its own configuration, with its alt text."""
    page.goto(demo_shop + "/p/nb14/")
    page.locator("label[for='opt-colour-sage']").click()
    expect(page.locator("#product-picture img")).to_have_attribute(
        "alt", "Atelier Notebook 14 in sage green"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#share-url")).to_have_value(page.url)

    page.goto(demo_shop + "/compare/?" + urlencode({"product": "nb14", "saved": page.url}))
    pictures = page.locator("#comparison thead img.picture-img")
    expect(pictures).to_have_count(2)
    expect(pictures.nth(0)).to_have_attribute("alt", "Atelier Notebook 14 in platinum silver")
    expect(pictures.nth(0)).to_have_attribute(
        "src", re.compile(r"nb14-platinum\.[0-9a-f]{12}\.svg$")
    )
    expect(pictures.nth(1)).to_have_attribute("alt", "Atelier Notebook 14 in sage green")
    expect(pictures.nth(1)).to_have_attribute("src", re.compile(r"nb14-sage\.[0-9a-f]{12}\.svg$"))
    for index in range(2):
        page.wait_for_function(
            "i => { const img = document.querySelectorAll('#comparison thead img')[i];"
            " return img.complete && img.naturalWidth > 0; }",
            arg=index,
        )
