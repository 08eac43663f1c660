"""gunicorn's gthread workers answer several clicks of one product at once, in threads
sharing its compiled form and the caches it carries (reach chains, rule cores, table
revisions, resolution tables): answers must be those of one click at a time."""

from __future__ import annotations

import random
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from configurator.engine import compile_product, configure, product_from_document
from tests.engine_samples import generated_document


def _click_sequences(compiled, seed: int, clicks: int) -> list[dict[str, list[str]]]:
    rng = random.Random(seed)
    selections: dict[str, list[str]] = {}
    out = []
    for _ in range(clicks):
        out.append({g: list(o) for g, o in selections.items()})
        result = configure(compiled, selections)
        available = [
            (g, o.code) for g in result.groups for o in g.options if o.state == "available"
        ]
        if not available:
            selections = {}
            continue
        group, option = rng.choice(available)
        selections[group.code] = (
            [option] if group.max == 1 else [*selections.get(group.code, []), option]
        )
    return out


@pytest.mark.slow
def test_clicks_answered_in_threads_equal_the_same_clicks_one_at_a_time():
    document = generated_document(seed=7, subsystems=4)
    clicks = [
        s
        for seed in range(4)
        for s in _click_sequences(compile_product(product_from_document(document, "EUR")), seed, 12)
    ]
    serial = compile_product(product_from_document(document, "EUR"))
    expected = [configure(serial, s, explain_resolutions=True) for s in clicks]
    shared = compile_product(product_from_document(document, "EUR"))  # cold caches, shared
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads every few bytecodes, not every 5 ms
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(
                pool.map(lambda s: configure(shared, s, explain_resolutions=True), clicks * 3)
            )
    finally:
        sys.setswitchinterval(interval)
    for n, answer in enumerate(answers):
        assert answer == expected[n % len(clicks)], clicks[n % len(clicks)]
