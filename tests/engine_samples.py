"""Sample products in the catalogue format, for tests and benchmarks (kept out of the
engine, which ships to production; benchmarks import it as `tests.engine_samples`).

`notebook_document()` is a realistic 12-group notebook; `generated_document(seed)` is a
seeded large product (>= 40 groups, >= 150 rules of all four types) built like a real
catalogue: subsystems of related groups with dense local rules, a few long-range ones.
"""

from __future__ import annotations

import random


def _opt(code, name, price, watts=0, **extra) -> dict:
    attributes = {"watts": watts, **extra.pop("attributes", {})}
    return {
        "code": code,
        "name": name,
        "price": price,
        "bom": extra.pop("bom", {code.upper(): 1}),
        "attributes": attributes,
        **extra,
    }


def notebook_document() -> dict:
    """A 14"/16" notebook with 12 option groups, every rule type and price rules."""
    groups = [
        (
            "chassis",
            "Chassis",
            1,
            1,
            ["nb14"],
            [
                _opt("nb14", "14-inch aluminium", "0.00", attributes={"grams": 1250, "size": 14}),
                _opt("nb14g", "14-inch graphite", "30.00", attributes={"grams": 1250, "size": 14}),
                _opt("nb16", "16-inch aluminium", "150.00", attributes={"grams": 1650, "size": 16}),
            ],
        ),
        (
            "cpu",
            "Processor",
            1,
            1,
            ["u5"],
            [
                _opt("u5", "Core Ultra 5 125H", "0.00", 28),
                _opt("u7", "Core Ultra 7 155H", "180.00", 45, extra_minutes={"TEST": 10}),
                _opt("u9", "Core Ultra 9 185H", "390.00", 65, extra_minutes={"TEST": 15}),
            ],
        ),
        (
            "memory",
            "Memory",
            1,
            1,
            ["16gb"],
            [
                _opt("16gb", "16 GB LPDDR5x", "0.00", 3),
                _opt("32gb", "32 GB LPDDR5x", "160.00", 4),
                _opt("64gb", "64 GB LPDDR5x", "420.00", 6),
            ],
        ),
        (
            "storage",
            "Storage",
            1,
            1,
            ["512"],
            [
                _opt("512", "512 GB SSD", "0.00", 4),
                _opt("1tb", "1 TB SSD", "90.00", 5),
                _opt("2tb", "2 TB SSD", "220.00", 6),
                _opt("4tb", "4 TB SSD", "480.00", 7),
            ],
        ),
        (
            "display",
            "Display",
            1,
            1,
            ["fhd14"],
            [
                _opt("fhd14", '14" FHD+ IPS', "0.00", 4, attributes={"size": 14}),
                _opt(
                    "oled14",
                    '14" 2.8K OLED touch',
                    "200.00",
                    6,
                    attributes={"size": 14, "touch": True},
                ),
                _opt("qhd16", '16" QHD+ 165 Hz', "120.00", 7, attributes={"size": 16}),
                _opt(
                    "oled16",
                    '16" 3.2K OLED touch',
                    "320.00",
                    9,
                    attributes={"size": 16, "touch": True},
                ),
            ],
        ),
        (
            "gpu",
            "Graphics",
            1,
            1,
            ["igpu"],
            [
                _opt("igpu", "Integrated Arc", "0.00", 0),
                _opt("rtx4050", "GeForce RTX 4050", "250.00", 60, extra_minutes={"TEST": 15}),
                _opt("rtx4060", "GeForce RTX 4060", "400.00", 90, extra_minutes={"TEST": 20}),
            ],
        ),
        (
            "battery",
            "Battery",
            1,
            1,
            ["54wh"],
            [
                _opt("54wh", "54 Wh", "0.00", attributes={"grams": 240}),
                _opt("72wh", "72 Wh", "40.00", attributes={"grams": 300}),
                _opt("86wh", "86 Wh", "80.00", attributes={"grams": 360}),
            ],
        ),
        (
            "adapter",
            "Power adapter",
            1,
            1,
            ["65w"],
            [
                _opt("65w", "65 W USB-C", "0.00", attributes={"supply_watts": 65, "grams": 250}),
                _opt(
                    "100w", "100 W USB-C", "30.00", attributes={"supply_watts": 100, "grams": 320}
                ),
                _opt(
                    "140w", "140 W USB-C", "60.00", attributes={"supply_watts": 140, "grams": 400}
                ),
                _opt(
                    "180w", "180 W barrel", "80.00", attributes={"supply_watts": 180, "grams": 560}
                ),
            ],
        ),
        (
            "keyboard",
            "Keyboard",
            1,
            1,
            ["us"],
            [
                _opt("us", "US English backlit", "0.00"),
                _opt("uk", "UK English backlit", "0.00"),
                _opt("de", "German backlit", "0.00"),
                _opt("fr", "French backlit", "0.00"),
            ],
        ),
        (
            "wireless",
            "Wireless",
            1,
            1,
            ["wifi6e"],
            [
                _opt("wifi6e", "Wi-Fi 6E + BT 5.3", "0.00", 2),
                _opt("wifi7", "Wi-Fi 7 + BT 5.4", "40.00", 3),
                _opt("wifi7lte", "Wi-Fi 7 + 5G modem", "190.00", 5),
            ],
        ),
        (
            "accessories",
            "Accessories",
            0,
            3,
            [],
            [
                _opt("sleeve", "Sleeve", "29.00"),
                _opt("dock", "Thunderbolt dock", "249.00"),
                _opt("mouse", "Wireless mouse", "39.00"),
                _opt("pen", "Active pen", "69.00"),
                _opt("headset", "Headset", "89.00"),
            ],
        ),
        (
            "warranty",
            "Warranty",
            1,
            1,
            ["1y"],
            [
                _opt("1y", "1 year carry-in", "0.00", bom={}),
                _opt("3y", "3 years carry-in", "99.00", bom={}),
                _opt("3yo", "3 years on-site", "189.00", bom={}),
            ],
        ),
    ]
    rules = [
        {
            "id": "chassis-display",
            "type": "table",
            "groups": ["chassis", "display"],
            "allowed": [
                ["nb14", "fhd14"],
                ["nb14", "oled14"],
                ["nb14g", "fhd14"],
                ["nb14g", "oled14"],
                ["nb16", "qhd16"],
                ["nb16", "oled16"],
            ],
            "message": "The display must fit the chassis",
        },
        {
            "id": "dgpu-16",
            "type": "requires",
            "if": ["gpu.rtx4050"],
            "then": ["chassis.nb16"],
            "message": "Discrete graphics need the 16-inch chassis",
        },
        {
            "id": "dgpu60-16",
            "type": "requires",
            "if": ["gpu.rtx4060"],
            "then": ["chassis.nb16"],
            "message": "Discrete graphics need the 16-inch chassis",
        },
        {
            "id": "u9-memory",
            "type": "requires",
            "if": ["cpu.u9"],
            "then": ["memory.32gb", "memory.64gb"],
            "message": "The Core Ultra 9 comes with 32 GB or more",
        },
        {
            "id": "64gb-cpu",
            "type": "requires",
            "if": ["memory.64gb"],
            "then": ["cpu.u7", "cpu.u9"],
            "message": "64 GB needs a Core Ultra 7 or 9",
        },
        {
            "id": "power",
            "type": "sum",
            "attribute": "watts",
            "op": "<=",
            "limit_attribute": "supply_watts",
            "message": "Total power draw exceeds the adapter",
        },
        {
            "id": "oled-battery",
            "type": "excludes",
            "all": ["display.oled14", "battery.54wh"],
            "message": "The OLED display needs a larger battery",
        },
        {
            "id": "86wh-16",
            "type": "requires",
            "if": ["battery.86wh"],
            "then": ["chassis.nb16"],
            "message": "The 86 Wh battery only fits the 16-inch chassis",
        },
        {
            "id": "pen-touch",
            "type": "requires",
            "if": ["accessories.pen"],
            "then": ["display.oled14", "display.oled16"],
            "message": "The pen needs a touch display",
        },
        {
            "id": "dock-adapter",
            "type": "requires",
            "if": ["accessories.dock"],
            "then": ["adapter.100w", "adapter.140w", "adapter.180w"],
            "message": "The dock needs an adapter of 100 W or more",
        },
        {
            "id": "4tb-16",
            "type": "requires",
            "if": ["storage.4tb"],
            "then": ["chassis.nb16"],
            "message": "4 TB storage needs the 16-inch chassis",
        },
        {
            "id": "modem-14",
            "type": "excludes",
            "all": ["wireless.wifi7lte", "chassis.nb16"],
            "message": "The 5G modem is only offered in the 14-inch chassis",
        },
        {
            "id": "barrel-14",
            "type": "excludes",
            "all": ["adapter.180w", "chassis.nb14"],
            "message": "The barrel adapter does not fit the 14-inch chassis",
        },
        {
            "id": "barrel-14g",
            "type": "excludes",
            "all": ["adapter.180w", "chassis.nb14g"],
            "message": "The barrel adapter does not fit the 14-inch chassis",
        },
        {
            "id": "weight",
            "type": "sum",
            "attribute": "grams",
            "op": "<=",
            "limit": 2500,
            "message": "Travel weight above 2.5 kg",
        },
        {
            "id": "onsite-dock",
            "type": "requires",
            "if": ["warranty.3yo", "accessories.headset"],
            "then": ["keyboard.us", "keyboard.uk"],
            "message": "On-site headset service is English-only",
        },
    ]
    price_rules = [
        {
            "id": "creator",
            "when": ["cpu.u7", "memory.32gb"],
            "amount": "-60.00",
            "label": "Creator bundle",
        },
        {
            "id": "gamer",
            "when": ["gpu.rtx4060", "display.qhd16"],
            "amount": "-100.00",
            "label": "Gamer bundle",
        },
        {
            "id": "desk",
            "when": ["accessories.dock", "accessories.mouse"],
            "amount": "-20.00",
            "label": "Desk set",
        },
    ]
    return {
        "code": "nb",
        "name": "Notebook",
        "base_price": "549.00",
        "route": [{"work_centre": "ASSY", "minutes": 25}, {"work_centre": "TEST", "minutes": 40}],
        "groups": [
            {"code": c, "name": n, "min": lo, "max": hi, "default": d, "options": o}
            for c, n, lo, hi, d, o in groups
        ],
        "rules": rules,
        "price_rules": price_rules,
    }


SUBSYSTEMS = (
    "compute",
    "memory",
    "storage",
    "display",
    "power",
    "cooling",
    "network",
    "chassis",
    "audio",
)


def generated_document(seed: int = 7, subsystems: int = 9, groups_per: int = 5) -> dict:
    """A large realistic product: `subsystems` x `groups_per` groups (3-5 options, some
    multi-choice), local requires/excludes/tables/sums within each subsystem, and
    long-range requires/excludes/sums between subsystems."""
    rng = random.Random(seed)
    groups: list[dict] = []
    by_sub: list[list[dict]] = []
    for s in range(subsystems):
        name = SUBSYSTEMS[s % len(SUBSYSTEMS)] + ("" if s < len(SUBSYSTEMS) else str(s))
        members = []
        for k in range(groups_per):
            multi = k == groups_per - 1 and s % 3 == 0
            n_opts = rng.randint(4, 5) if multi else rng.randint(3, 5)
            options = [
                {
                    "code": f"v{j}",
                    "name": f"{name.title()} part {k}.{j}",
                    "price": f"{rng.choice([0, 0, 15, 30, 45, 80, 120])}.{rng.choice(['00', '50', '99'])}",
                    "bom": {f"{name[:3].upper()}-{k}-{j}": 1},
                    "attributes": {f"{name}_watts": rng.randint(0, 4), f"{name}_tier": j},
                }
                for j in range(n_opts)
            ]
            group = {
                "code": f"{name}{k}",
                "name": f"{name.title()} {k}",
                "min": 0 if multi or rng.random() < 0.15 else 1,
                "max": 2 if multi else 1,
                "default": [],
                "options": options,
            }
            members.append(group)
            groups.append(group)
        by_sub.append(members)

    def lit(group: dict) -> str:
        return f"{group['code']}.{rng.choice(group['options'])['code']}"

    rules: list[dict] = []

    def add(rule: dict) -> None:
        rule["id"] = f"r{len(rules) + 1}"
        rules.append(rule)

    for s, members in enumerate(by_sub):
        for _ in range(7):
            a, b = rng.sample(members, 2)
            add(
                {
                    "type": "excludes",
                    "all": [lit(a), lit(b)],
                    "message": f"{a['name']} and {b['name']} do not fit together",
                }
            )
        for _ in range(6):
            a, b = rng.sample(members, 2)
            then = sorted({lit(b) for _ in range(rng.randint(2, 3))})
            add(
                {
                    "type": "requires",
                    "if": [lit(a)],
                    "then": then,
                    "message": f"This {a['name']} needs a matching {b['name']}",
                }
            )
        singles = [g for g in members if g["max"] == 1]
        a, b = rng.sample(singles, 2)
        rows = []
        for x in a["options"] + ([None] if a["min"] == 0 else []):
            for y in b["options"] + ([None] if b["min"] == 0 else []):
                if rng.random() < 0.65:
                    rows.append([x and x["code"], y and y["code"]])
        add(
            {
                "type": "table",
                "groups": [a["code"], b["code"]],
                "allowed": rows,
                "message": f"{a['name']} and {b['name']} must be a supported pair",
            }
        )
        name = members[0]["code"][:-1]
        if s % 3 == 1:  # load against a capacity that one of the groups supplies
            supplier = rng.choice(singles)
            for o in supplier["options"]:
                o["attributes"][f"{name}_capacity"] = 6 + 2 * int(o["code"][1:])
            add(
                {
                    "type": "sum",
                    "attribute": f"{name}_watts",
                    "op": "<=",
                    "limit_attribute": f"{name}_capacity",
                    "message": f"The {supplier['name']} cannot carry the {name} load",
                }
            )
        else:  # about the average draw: binds in roughly half the cases
            add(
                {
                    "type": "sum",
                    "attribute": f"{name}_watts",
                    "op": "<=",
                    "limit": 2 * len(members) + 1,
                    "message": f"The {name} subsystem draws too much power",
                }
            )
        if s % 2 == 0:
            add(
                {
                    "type": "sum",
                    "attribute": f"{name}_tier",
                    "op": ">=",
                    "limit": 3,
                    "message": f"The {name} subsystem is below the entry tier",
                }
            )
    for s in range(subsystems - 1):  # neighbouring subsystems interact
        for _ in range(3):
            a, b = rng.choice(by_sub[s]), rng.choice(by_sub[s + 1])
            if rng.random() < 0.5:
                add(
                    {
                        "type": "excludes",
                        "all": [lit(a), lit(b)],
                        "message": f"{a['name']} clashes with {b['name']}",
                    }
                )
            else:
                add(
                    {
                        "type": "requires",
                        "if": [lit(a)],
                        "then": sorted({lit(b), lit(b)}),
                        "message": f"{a['name']} needs a compatible {b['name']}",
                    }
                )
    for _ in range(4):  # a few long-range rules
        s, t = rng.sample(range(subsystems), 2)
        a, b = rng.choice(by_sub[s]), rng.choice(by_sub[t])
        add(
            {
                "type": "excludes",
                "all": [lit(a), lit(b)],
                "message": f"{a['name']} is not offered with {b['name']}",
            }
        )
    heavy = [rng.choice(by_sub[s]) for s in (0, subsystems // 2, subsystems - 1)]
    for g in heavy:
        for o in g["options"]:
            o["attributes"]["mass"] = rng.randint(0, 2)
    add(
        {
            "type": "sum",
            "attribute": "mass",
            "op": "<=",
            "limit": 4,
            "message": "The heavy parts together exceed the shipping class",
        }
    )
    price_rules = []
    for s, members in enumerate(by_sub):
        a, b = rng.sample(members, 2)
        price_rules.append(
            {
                "id": f"bundle{s}",
                "when": [lit(a), lit(b)],
                "amount": f"-{rng.choice([10, 20, 35])}.00",
                "label": f"Bundle {s}",
            }
        )
    return {
        "code": "gen",
        "name": "Generated workstation",
        "base_price": "999.00",
        "route": [{"work_centre": "ASSY", "minutes": 60}],
        "groups": groups,
        "rules": rules,
        "price_rules": price_rules,
    }


def industrial_document(seed: int = 11, subsystems: int = 20, groups_per: int = 5) -> dict:
    """An industrial-size product (~100 groups): single-choice groups of 4-40 options
    (variant codes, as in automotive models), each subsystem constrained by one large
    table over 3-4 of its groups (a few thousand of the allowed combinations), tables
    linking neighbouring subsystems, requires/excludes across them, a power sum per
    subsystem and bundle price rules. ~10^40 configurations at the default size."""
    rng = random.Random(seed)
    groups: list[dict] = []
    by_sub: list[list[dict]] = []
    for s in range(subsystems):
        members = []
        for k in range(groups_per):
            n_opts = rng.choice([4, 6, 8, 12, 20, 30, 40])
            group = {
                "code": f"s{s}g{k}",
                "name": f"Subsystem {s} feature {k}",
                "min": 1,
                "max": 1,
                "default": [],
                "options": [
                    {
                        "code": f"c{j}",
                        "name": f"Variant {s}.{k}.{j}",
                        "price": f"{rng.choice([0, 0, 0, 25, 60, 140, 310])}.00",
                        "attributes": {"watts": rng.randint(0, 3)},
                    }
                    for j in range(n_opts)
                ],
            }
            members.append(group)
            groups.append(group)
        by_sub.append(members)

    def lit(group: dict) -> str:
        return f"{group['code']}.{rng.choice(group['options'])['code']}"

    rules: list[dict] = []

    def add(rule: dict) -> None:
        rule["id"] = f"r{len(rules) + 1}"
        rules.append(rule)

    def table(members: list[dict], n_rows: int, message: str) -> None:
        """A table of `n_rows` distinct random combinations: most share a few popular
        variants of the first group, as real option codes do."""
        rows: set[tuple[str, ...]] = set()
        sizes = [len(g["options"]) for g in members]
        limit = 1
        for size in sizes:
            limit *= size
        while len(rows) < min(n_rows, limit // 2):
            rows.add(
                tuple(
                    f"c{min(int(rng.expovariate(3 / size)), size - 1)}"
                    if j == 0
                    else f"c{rng.randrange(size)}"
                    for j, size in enumerate(sizes)
                )
            )
        add(
            {
                "type": "table",
                "groups": [g["code"] for g in members],
                "allowed": [list(r) for r in sorted(rows)],
                "message": message,
            }
        )

    for s, members in enumerate(by_sub):
        chosen = rng.sample(members, rng.choice([3, 4]))
        table(chosen, rng.choice([800, 1500, 3000]), f"Subsystem {s}: unsupported variant mix")
        for _ in range(3):
            a, b = rng.sample(members, 2)
            add({"type": "excludes", "all": [lit(a), lit(b)], "message": "Not offered together"})
        add(
            {
                "type": "sum",
                "attribute": "watts",
                "op": "<=",
                "limit": 11,
                "message": f"Subsystem {s} draws too much power",
            }
        )
        # Sums read every group holding the attribute: give each subsystem its own.
        for g in members:
            for o in g["options"]:
                o["attributes"][f"watts{s}"] = o["attributes"]["watts"]
        rules[-1]["attribute"] = f"watts{s}"
    for s in range(subsystems - 1):  # neighbours: a linking table and a few implications
        a, b = rng.choice(by_sub[s]), rng.choice(by_sub[s + 1])
        table([a, b], 400, f"Subsystems {s} and {s + 1}: unsupported combination")
        for _ in range(2):
            a, b = rng.choice(by_sub[s]), rng.choice(by_sub[s + 1])
            then = sorted({lit(b) for _ in range(rng.randint(3, 6))})
            add({"type": "requires", "if": [lit(a)], "then": then, "message": "Needs a match"})
    for _ in range(4):
        s, t = rng.sample(range(subsystems), 2)
        a, b = rng.choice(by_sub[s]), rng.choice(by_sub[t])
        add({"type": "excludes", "all": [lit(a), lit(b)], "message": "Not offered together"})
    for g in groups:
        for o in g["options"]:
            del o["attributes"]["watts"]
    price_rules = []
    for s, members in enumerate(by_sub):
        a, b = rng.sample(members, 2)
        price_rules.append(
            {"id": f"pack{s}", "when": [lit(a), lit(b)], "amount": "-50.00", "label": f"Pack {s}"}
        )
    return {
        "code": "ind",
        "name": "Industrial vehicle line",
        "base_price": "24990.00",
        "route": [{"work_centre": "ASSY", "minutes": 240}],
        "groups": groups,
        "rules": rules,
        "price_rules": price_rules,
    }
