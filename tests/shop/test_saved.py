"""Saved configurations: save, share link, reopen exactly; a link saved against an older
catalogue version reopens against the current one with what changed explained."""

from __future__ import annotations

import pytest

from configurator.models import SavedConfiguration
from configurator.services import import_catalogue
from tests.shop.catalogue import catalogue
from tests.shop.conftest import DEFAULTS, form_data

pytestmark = pytest.mark.django_db

CHOSEN = {**DEFAULTS, "cpu": ["u7"], "memory": ["32gb"], "extras": ["backlight", "fingerprint"]}


def save(client, selections=CHOSEN, title="Studio laptop"):
    response = client.post("/p/nb14/", form_data(selections, action="save", title=title))
    assert response.status_code == 302
    return response["Location"]


def test_save_gives_share_link_that_restores_the_configuration_exactly(client, published):
    location = save(client)
    saved = SavedConfiguration.objects.get()
    assert location == f"/c/{saved.token}/"
    assert len(saved.token) >= 16
    assert saved.selections == CHOSEN
    assert saved.catalogue_version == published
    assert saved.title == "Studio laptop"

    from django.test import Client

    html = Client().get(location).content.decode()  # someone else opens the link
    assert "“Studio laptop”" in html
    assert f"http://testserver/c/{saved.token}/" in html
    for group, picks in CHOSEN.items():
        for option in picks:
            assert f'value="{option}" id="opt-{group}-{option}" checked' in html
    # 549 + 180 + 220 + 25 + 30 - 60
    assert '<strong id="total">€944.00</strong>' in html
    assert "no longer" not in html and "we’d change" not in html


def test_unknown_share_token_is_404(client, published):
    assert client.get("/c/not-a-token/").status_code == 404
    assert client.get("/c/" + "x" * 500 + "/").status_code == 404


def test_conflicting_configuration_is_not_saved(client, published):
    chosen = {**DEFAULTS, "display": ["oled"]}
    response = client.post("/p/nb14/", form_data(chosen, last_good=DEFAULTS, action="save"))
    assert response.status_code == 422
    assert not SavedConfiguration.objects.exists()


def test_title_with_markup_is_refused_and_nothing_saved(client, published):
    response = client.post(
        "/p/nb14/", form_data(DEFAULTS, action="save", title="<script>alert(1)</script>")
    )
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not SavedConfiguration.objects.exists()


def test_link_saved_against_older_version_shows_conflict_and_offers_resolution(client, published):
    location = save(client, {**DEFAULTS, "cpu": ["u7"], "memory": ["8gb"]}, title="")
    # Version 2: the Core Ultra 7 now needs at least 16 GB, and 8 GB costs more.
    document = catalogue()
    notebook = document["products"][0]
    notebook["rules"].append(
        {
            "id": "u7-memory",
            "type": "excludes",
            "all": ["cpu.u7", "memory.8gb"],
            "message": "The Core Ultra 7 needs at least 16 GB",
        }
    )
    notebook["groups"][1]["options"][0]["price"] = "10.00"
    import_catalogue(document=document, publish=True)

    html = client.get(location).content.decode()
    assert "Saved against catalogue version 1; prices and rules are now those of version 2." in html
    assert "To make this configuration valid, we’d change:" in html
    assert "The Core Ultra 7 needs at least 16 GB" in html
    assert 'value="resolve"' in html
    assert "The price was €729.00 when saved; it is now €739.00." in html


def test_link_whose_option_left_the_catalogue_names_what_was_dropped(client, published):
    location = save(client, {**DEFAULTS, "extras": ["lte"], "battery": ["86wh"]}, title="")
    document = catalogue()
    notebook = document["products"][0]
    notebook["groups"][4]["options"] = notebook["groups"][4]["options"][:2]
    notebook["groups"][4]["max"] = 2
    notebook["rules"] = [r for r in notebook["rules"] if r["id"] != "lte-battery"]
    import_catalogue(document=document, publish=True)

    html = client.get(location).content.decode()
    assert "“extras.lte” is no longer offered and was left out." in html
    assert 'value="86wh" id="opt-battery-86wh" checked' in html
