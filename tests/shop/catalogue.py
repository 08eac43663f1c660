"""A small `atelier-catalogue/1` document for the shop's tests: one product of each
kind, rules that exclude options with reasons, a price rule and a standard product."""

from __future__ import annotations

import copy


def _option(code: str, name: str, price: str, sku: str, **extra) -> dict:
    return {"code": code, "name": name, "price": price, "bom": {sku: 1}, "attributes": {}, **extra}


NOTEBOOK = {
    "code": "nb14",
    "name": "Notebook 14",
    "description": "A light 14-inch notebook for work and travel.",
    "image": "notebook",
    "base_price": "549.00",
    "route": [{"work_centre": "ASSY", "minutes": 25}, {"work_centre": "TEST", "minutes": 40}],
    "groups": [
        {
            "code": "cpu",
            "name": "Processor",
            "min": 1,
            "max": 1,
            "default": ["u5"],
            "options": [
                _option("u5", "Core Ultra 5", "0.00", "CPU-U5"),
                _option("u7", "Core Ultra 7", "180.00", "CPU-U7", extra_minutes={"TEST": 10}),
            ],
        },
        {
            "code": "memory",
            "name": "Memory",
            "min": 1,
            "max": 1,
            "default": ["16gb"],
            "options": [
                _option("8gb", "8 GB", "0.00", "RAM-8"),
                _option("16gb", "16 GB", "80.00", "RAM-16"),
                _option("32gb", "32 GB", "220.00", "RAM-32"),
            ],
        },
        {
            "code": "display",
            "name": "Display",
            "min": 1,
            "max": 1,
            "default": ["fhd"],
            "options": [
                _option("fhd", "Full HD IPS", "0.00", "LCD-FHD"),
                _option("oled", "2.8K OLED", "150.00", "LCD-OLED"),
            ],
        },
        {
            "code": "battery",
            "name": "Battery",
            "min": 1,
            "max": 1,
            "default": ["54wh"],
            "options": [
                _option("54wh", "54 Wh", "0.00", "BAT-54"),
                _option("86wh", "86 Wh", "60.00", "BAT-86"),
            ],
        },
        {
            "code": "extras",
            "name": "Extras",
            "min": 0,
            "max": 3,
            "default": [],
            "options": [
                _option("backlight", "Backlit keyboard", "25.00", "KB-BL"),
                _option("fingerprint", "Fingerprint reader", "30.00", "FP-1"),
                _option("lte", "LTE modem", "90.00", "LTE-1"),
            ],
        },
    ],
    "rules": [
        {
            "id": "oled-battery",
            "type": "excludes",
            "all": ["display.oled", "battery.54wh"],
            "message": "The OLED display needs the 86 Wh battery",
        },
        {
            "id": "lte-battery",
            "type": "requires",
            "if": ["extras.lte"],
            "then": ["battery.86wh"],
            "message": "The LTE modem needs the 86 Wh battery",
        },
    ],
    "price_rules": [
        {
            "id": "creator",
            "when": ["cpu.u7", "memory.32gb"],
            "amount": "-60.00",
            "label": "Creator bundle",
        }
    ],
}

CREATOR = {
    "code": "cr16",
    "name": "Creator 16",
    "description": "A 16-inch studio notebook with a colour-accurate screen.",
    "image": "creator",
    "base_price": "1299.00",
    "route": [{"work_centre": "ASSY", "minutes": 40}, {"work_centre": "TEST", "minutes": 60}],
    "groups": [
        {
            "code": "gpu",
            "name": "Graphics",
            "min": 1,
            "max": 1,
            "default": ["rtx4060"],
            "options": [
                _option("rtx4060", "RTX 4060", "0.00", "GPU-4060"),
                _option("rtx4080", "RTX 4080", "600.00", "GPU-4080"),
            ],
        },
        {
            "code": "memory",
            "name": "Memory",
            "min": 1,
            "max": 1,
            "default": ["32gb"],
            "options": [
                _option("32gb", "32 GB", "0.00", "RAM-32"),
                _option("64gb", "64 GB", "240.00", "RAM-64"),
            ],
        },
    ],
    "rules": [],
    "price_rules": [],
}

TOWER = {
    "code": "tw1",
    "name": "Tower One",
    "description": "A quiet desktop tower with room to grow.",
    "image": "tower",
    "base_price": "899.00",
    "route": [{"work_centre": "ASSY", "minutes": 50}, {"work_centre": "TEST", "minutes": 30}],
    "groups": [
        {
            "code": "storage",
            "name": "Storage",
            "min": 1,
            "max": 2,
            "default": ["ssd1"],
            "options": [
                _option("ssd1", "1 TB SSD", "0.00", "SSD-1"),
                _option("ssd2", "2 TB SSD", "120.00", "SSD-2"),
                _option("hdd4", "4 TB HDD", "90.00", "HDD-4"),
            ],
        },
    ],
    "rules": [],
    "price_rules": [],
}

SKUS = sorted(
    {
        sku
        for p in (NOTEBOOK, CREATOR, TOWER)
        for g in p["groups"]
        for o in g["options"]
        for sku in o["bom"]
    }
)

CATALOGUE = {
    "format": "atelier-catalogue/1",
    "currency": "EUR",
    "components": [{"sku": sku, "name": sku, "stock": 500, "supply": []} for sku in SKUS],
    "work_centres": [
        {"code": "ASSY", "name": "Assembly", "minutes_per_day": 960, "workdays": [0, 1, 2, 3, 4]},
        {"code": "TEST", "name": "Test", "minutes_per_day": 960, "workdays": [0, 1, 2, 3, 4]},
    ],
    "products": [NOTEBOOK, CREATOR, TOWER],
    "standard_products": [
        {
            "sku": "NB14-U5-16-FHD",
            "product": "nb14",
            "selections": {
                "cpu": ["u5"],
                "memory": ["16gb"],
                "display": ["fhd"],
                "battery": ["54wh"],
            },
            "price": "599.00",
            "stock": 25,
        }
    ],
}


def catalogue(**changes) -> dict:
    """A fresh copy of the test catalogue (tests may change it before importing)."""
    document = copy.deepcopy(CATALOGUE)
    document.update(changes)
    return document
