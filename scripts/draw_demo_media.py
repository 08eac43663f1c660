"""Draw the demo catalogue's pictures: one SVG per product form factor and colour, and a
few options' own pictures (graphics cards and chips, monitors) shown in their details.

    python scripts/draw_demo_media.py   # writes configurator/demo/media/{products,options}/*.svg

The output is committed; rerun after changing a drawing. Plain SVG: no script, no
external reference, so the import's checks (configurator/interchange/images.py) pass.
"""

from __future__ import annotations

from pathlib import Path

MEDIA = Path(__file__).resolve().parents[1] / "configurator" / "demo" / "media"
OUT = MEDIA / "products"
OPTIONS_OUT = MEDIA / "options"

# colour code -> (chassis, chassis shade, deck, key, edge light)
NOTEBOOK_COLOURS = {
    "platinum": ("#d9dde3", "#b8bec8", "#c9ced6", "#eef0f3", "#9aa3b2"),
    "graphite": ("#3b4049", "#2a2e35", "#33373f", "#4b515c", "#1d2026"),
    "sage": ("#a9bca7", "#8ea48c", "#9db19b", "#c4d3c2", "#748a72"),
    "midnight": ("#1f2a44", "#151d31", "#1a2439", "#2c3a5c", "#0f1524"),
}
TOWER_COLOURS = {
    "black": ("#22262d", "#15181d", "#3a3f48"),
    "white": ("#eef0f3", "#cfd4dc", "#ffffff"),
    "glass": ("#2a2f38", "#1a1e24", "#7dd3fc"),
}


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img">\n'
        f"<title>{title}</title>\n{body}</svg>\n"
    )


def notebook(*, colour: str, inches: int, creator: bool, name: str) -> str:
    chassis, shade, deck, key, edge = NOTEBOOK_COLOURS[colour]
    wide = 1.0 if inches == 14 else 1.14
    w = round(300 * wide)
    x = (480 - w) // 2
    screen_h = round(190 * wide * 0.9)
    top = 250 - screen_h
    keys = []
    cols, rows = 14, 4
    kw = (w - 60) / cols
    for r in range(rows):
        for c in range(cols):
            kx = x + 30 + c * kw
            keys.append(
                f'<rect x="{kx + 1:.1f}" y="{262 + r * 9}" width="{kw - 3:.1f}" height="6" '
                f'rx="1.2" fill="{key}"/>'
            )
    screen = (
        # a creator's screen shows a colour-calibration card, an everyday one a landscape
        f'<rect x="{x + 26}" y="{top + 22}" width="{w - 52}" height="{screen_h - 44}" fill="#fbf7f1"/>'
        + "".join(
            f'<rect x="{x + 40 + i * ((w - 80) // 6)}" y="{top + 40}" width="{(w - 80) // 6 - 4}" '
            f'height="{screen_h - 120}" fill="{c}"/>'
            for i, c in enumerate(
                ("#ef476f", "#ffd166", "#06d6a0", "#118ab2", "#073b4c", "#8338ec")
            )
        )
        + f'<path d="M{x + 40} {top + screen_h - 50}c40-30 80-30 120 0s80 30 {w - 200} -10" '
        f'fill="none" stroke="#3a56d4" stroke-width="5" stroke-linecap="round"/>'
        if creator
        else f'<rect x="{x + 26}" y="{top + 22}" width="{w - 52}" height="{screen_h - 44}" fill="#3a56d4"/>'
        f'<path d="M{x + 26} {top + screen_h - 40} {x + w // 3} {top + screen_h // 2} '
        f"{x + w // 2} {top + screen_h - 70} {x + 2 * w // 3} {top + screen_h // 2 - 10} "
        f'{x + w - 26} {top + screen_h - 50}V{top + screen_h - 22}H{x + 26}z" fill="#7f95f0"/>'
        f'<circle cx="{x + w - 70}" cy="{top + 60}" r="14" fill="#ffd166"/>'
    )
    body = (
        f'<ellipse cx="240" cy="304" rx="{w // 2 + 40}" ry="9" fill="#dfe3ea"/>\n'
        f'<rect x="{x}" y="{top}" width="{w}" height="{screen_h}" rx="10" fill="{chassis}"/>\n'
        f'<rect x="{x + 6}" y="{top + 6}" width="{w - 12}" height="{screen_h - 12}" rx="6" fill="#11151c"/>\n'
        f"{screen}\n"
        f'<circle cx="240" cy="{top + 12}" r="2.2" fill="#4b5568"/>\n'
        f'<path d="M{x - 24} 252H{x + w + 24}L{x + w + 8} 300H{x - 8}z" fill="{deck}"/>\n'
        f'<path d="M{x - 24} 252H{x + w + 24}v6H{x - 24}z" fill="{shade}"/>\n'
        + "\n".join(keys)
        + f'\n<rect x="{240 - 40}" y="{300 - 12}" width="80" height="8" rx="3" fill="{shade}"/>\n'
        f'<path d="M{x - 8} 300H{x + w + 8}v4H{x - 8}z" fill="{edge}"/>\n'
    )
    return _svg(480, 320, f"{name}, {colour}", body)


def tower(*, colour: str, name: str) -> str:
    case, shade, accent = TOWER_COLOURS[colour]
    glass = colour == "glass"
    fans = "".join(
        f'<circle cx="210" cy="{90 + i * 60}" r="24" fill="none" stroke="{accent}" stroke-width="4"/>'
        f'<circle cx="210" cy="{90 + i * 60}" r="6" fill="{accent}"/>'
        for i in range(3)
    )
    side = (
        f'<rect x="174" y="44" width="132" height="224" rx="6" fill="#0b1220" opacity="0.85"/>{fans}'
        f'<rect x="236" y="150" width="58" height="18" rx="3" fill="#334155"/>'
        f'<rect x="236" y="174" width="58" height="10" rx="3" fill="{accent}"/>'
        if glass
        else f'<g fill="{shade}">'
        + "".join(
            f'<rect x="184" y="{60 + i * 12}" width="112" height="4" rx="2"/>' for i in range(8)
        )
        + "</g>"
    )
    body = (
        '<ellipse cx="240" cy="300" rx="110" ry="9" fill="#dfe3ea"/>\n'
        f'<rect x="160" y="30" width="160" height="262" rx="12" fill="{case}"/>\n'
        f'<rect x="160" y="30" width="160" height="10" rx="5" fill="{shade}"/>\n'
        f"{side}\n"
        f'<circle cx="294" cy="250" r="9" fill="none" stroke="{accent}" stroke-width="3"/>\n'
        f'<path d="M294 238v8" stroke="{accent}" stroke-width="3" stroke-linecap="round"/>\n'
        f'<rect x="176" y="282" width="24" height="10" rx="2" fill="{shade}"/>\n'
        f'<rect x="280" y="282" width="24" height="10" rx="2" fill="{shade}"/>\n'
    )
    return _svg(480, 320, f"{name}, {colour}", body)


def desktop_gpu(*, label: str, fans: int, length: int, name: str) -> str:
    """A desktop graphics card seen from its fan side: longer and with more fans as it
    gets faster."""
    x = (480 - length) // 2
    pitch = (length - 40) / fans
    radius = min(46, round(pitch / 2) - 6)
    fan_art = "".join(
        f'<circle cx="{x + 20 + pitch * (i + 0.5):.0f}" cy="150" r="{radius}" fill="#11151c"/>'
        f'<circle cx="{x + 20 + pitch * (i + 0.5):.0f}" cy="150" r="{radius - 6}" fill="none" '
        f'stroke="#4b5568" stroke-width="3" stroke-dasharray="10 6"/>'
        f'<circle cx="{x + 20 + pitch * (i + 0.5):.0f}" cy="150" r="12" fill="#76b900"/>'
        for i in range(fans)
    )
    body = (
        '<ellipse cx="240" cy="262" rx="200" ry="8" fill="#dfe3ea"/>\n'
        f'<rect x="{x}" y="78" width="{length}" height="144" rx="14" fill="#2a2f38"/>\n'
        f'<rect x="{x}" y="78" width="{length}" height="10" rx="5" fill="#3b4250"/>\n'
        f"{fan_art}\n"
        f'<rect x="{x + 40}" y="222" width="{min(260, length - 80)}" height="14" fill="#c9a227"/>\n'
        f'<rect x="{x - 14}" y="70" width="14" height="170" rx="2" fill="#9aa3b2"/>\n'
        f'<text x="{x + length - 18}" y="208" text-anchor="end" font-family="sans-serif" '
        f'font-size="15" font-weight="700" fill="#d9dde3">{label}</text>\n'
    )
    return _svg(480, 320, name, body)


def laptop_gpu(*, label: str, memory_chips: int, name: str) -> str:
    """A laptop graphics chip on its board, with its memory chips around it."""
    chips = "".join(
        f'<rect x="{118 + i * 64}" y="{74 if i % 2 == 0 else 212}" width="50" height="34" rx="3" '
        f'fill="#22262d"/>'
        for i in range(memory_chips)
    )
    body = (
        '<rect x="80" y="50" width="320" height="220" rx="14" fill="#1f6f4a"/>\n'
        '<path d="M96 66h288M96 254h288" stroke="#2f8a5f" stroke-width="3"/>\n'
        f"{chips}\n"
        '<rect x="170" y="112" width="140" height="96" rx="8" fill="#3b4049"/>\n'
        '<rect x="186" y="126" width="108" height="68" rx="4" fill="#9aa3b2"/>\n'
        '<text x="240" y="166" text-anchor="middle" font-family="sans-serif" font-size="16" '
        f'font-weight="700" fill="#161a22">{label}</text>\n'
    )
    return _svg(480, 320, name, body)


def monitor(*, inches: int, name: str) -> str:
    """A monitor on its stand, drawn to scale against the others."""
    w = round(inches * 12.5)
    h = round(w * 9 / 16)
    x = (480 - w) // 2
    top = 262 - 44 - h
    body = (
        '<ellipse cx="240" cy="288" rx="120" ry="8" fill="#dfe3ea"/>\n'
        '<path d="M222 262h36l10 22h-56z" fill="#4b5568"/>\n'
        f'<rect x="{x}" y="{top}" width="{w}" height="{h}" rx="8" fill="#22262d"/>\n'
        f'<rect x="{x + 8}" y="{top + 8}" width="{w - 16}" height="{h - 16}" rx="3" fill="#3a56d4"/>\n'
        f'<path d="M{x + 8} {top + h - 30} {x + w // 3} {top + h // 2} {x + w // 2} {top + h - 50} '
        f'{x + 2 * w // 3} {top + h // 2 - 8} {x + w - 8} {top + h - 40}V{top + h - 8}H{x + 8}z" '
        'fill="#7f95f0"/>\n'
        f'<rect x="232" y="{top + h}" width="16" height="{262 - top - h}" fill="#4b5568"/>\n'
        f'<text x="240" y="{top + 36}" text-anchor="middle" font-family="sans-serif" '
        f'font-size="18" font-weight="700" fill="#ffffff">{inches}"</text>\n'
    )
    return _svg(480, 320, name, body)


def option_drawings() -> dict[str, str]:
    """The options' own pictures, by file name under media/options/."""
    return {
        "gpu-laptop-rtx4050.svg": laptop_gpu(
            label="RTX 4050", memory_chips=3, name="GeForce RTX 4050 Laptop GPU"
        ),
        "gpu-laptop-rtx4060.svg": laptop_gpu(
            label="RTX 4060", memory_chips=4, name="GeForce RTX 4060 Laptop GPU"
        ),
        "gpu-laptop-rtx4070.svg": laptop_gpu(
            label="RTX 4070", memory_chips=4, name="GeForce RTX 4070 Laptop GPU"
        ),
        "gpu-rtx4060.svg": desktop_gpu(
            label="RTX 4060", fans=2, length=250, name="GeForce RTX 4060 graphics card"
        ),
        "gpu-rtx4070-super.svg": desktop_gpu(
            label="RTX 4070 SUPER", fans=2, length=300, name="GeForce RTX 4070 SUPER graphics card"
        ),
        "gpu-rtx4070ti-super.svg": desktop_gpu(
            label="RTX 4070 Ti SUPER",
            fans=3,
            length=360,
            name="GeForce RTX 4070 Ti SUPER graphics card",
        ),
        "monitor-24.svg": monitor(inches=24, name='24" monitor'),
        "monitor-27.svg": monitor(inches=27, name='27" monitor'),
        "monitor-32.svg": monitor(inches=32, name='32" monitor'),
    }


def drawings() -> dict[str, str]:
    files = {}
    for colour in ("platinum", "graphite", "sage"):
        files[f"nb14-{colour}.svg"] = notebook(
            colour=colour, inches=14, creator=False, name="Atelier Notebook 14"
        )
    for colour in ("platinum", "graphite", "midnight"):
        files[f"nb16c-{colour}.svg"] = notebook(
            colour=colour, inches=16, creator=True, name="Atelier Creator 16"
        )
    for colour in TOWER_COLOURS:
        files[f"tower-{colour}.svg"] = tower(colour=colour, name="Atelier Tower")
    return files


if __name__ == "__main__":
    for folder, files in ((OUT, drawings()), (OPTIONS_OUT, option_drawings())):
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
            print(folder / name)
