"""A small `atelier-catalogue/1` document for the production tests: two build-to-order
work centres open every day (so tests do not depend on the weekday), a batch line, a
plentiful component, a scarce one with a supply batch to come, and one with no supply."""

from __future__ import annotations

from datetime import date, timedelta

ASSY_MINUTES = 120  # per day: two notebooks' assembly
TEST_MINUTES = 240
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def _option(code: str, sku: str, **extra) -> dict:
    return {
        "code": code,
        "name": code.upper(),
        "price": "0.00",
        "bom": {sku: 1},
        "attributes": {},
        **extra,
    }


def document(
    today: date, *, cpu_a_stock: int = 5, cpu_a_batch: int = 10, batch_in_days: int = 14
) -> dict:
    return {
        "format": "atelier-catalogue/1",
        "currency": "EUR",
        "components": [
            {
                "sku": "CPU-A",
                "name": "Processor A",
                "stock": cpu_a_stock,
                "supply": [
                    {
                        "quantity": cpu_a_batch,
                        "available_on": (today + timedelta(days=batch_in_days)).isoformat(),
                    }
                ],
            },
            {"sku": "CPU-B", "name": "Processor B", "stock": 2, "supply": []},
            {"sku": "RAM-16", "name": "Memory 16 GB", "stock": 1000, "supply": []},
        ],
        "work_centres": [
            {
                "code": "ASSY",
                "name": "Assembly",
                "minutes_per_day": ASSY_MINUTES,
                "workdays": EVERY_DAY,
            },
            {
                "code": "TEST",
                "name": "Test",
                "minutes_per_day": TEST_MINUTES,
                "workdays": EVERY_DAY,
            },
            {
                "code": "LINE",
                "name": "Batch line",
                "minutes_per_day": 480,
                "workdays": EVERY_DAY,
                "plan": "batch",
            },
        ],
        "products": [
            {
                "code": "nb",
                "name": "Notebook",
                "base_price": "500.00",
                "route": [
                    {"work_centre": "ASSY", "minutes": 60},
                    {"work_centre": "TEST", "minutes": 30},
                ],
                "groups": [
                    {
                        "code": "cpu",
                        "name": "Processor",
                        "min": 1,
                        "max": 1,
                        "default": ["a"],
                        "options": [
                            _option("a", "CPU-A"),
                            _option("b", "CPU-B", price="100.00", extra_minutes={"TEST": 30}),
                        ],
                    },
                    {
                        "code": "memory",
                        "name": "Memory",
                        "min": 1,
                        "max": 1,
                        "default": ["16gb"],
                        "options": [_option("16gb", "RAM-16")],
                    },
                ],
                "rules": [],
                "price_rules": [],
            }
        ],
        "standard_products": [
            {
                "sku": "NB-A-16",
                "product": "nb",
                "selections": {"cpu": ["a"], "memory": ["16gb"]},
                "price": "450.00",
                "stock": 0,
            }
        ],
    }


CPU_A = {"cpu": ["a"], "memory": ["16gb"]}
CPU_B = {"cpu": ["b"], "memory": ["16gb"]}
