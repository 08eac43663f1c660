"""The Renault Megane model of the configuration benchmarks (../shared, beside the
repository) compiles exactly, to the smaller of the diagrams its candidate orders give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configurator.engine import compile_product, count, product_from_document
from tests.plugin_services import ci

RENAULT = (
    Path(__file__).resolve().parents[3].parent
    / "shared/benchmarks/configuration/renault/renault-megane.json"
)


@pytest.mark.slow
def test_renault_megane_compiles_exactly_to_its_smaller_diagram():
    if not RENAULT.exists():
        if ci():
            pytest.fail(f"CI runs with ../shared beside the repository: {RENAULT} is missing")
        pytest.skip(f"no Renault model at {RENAULT}")
    document = json.loads(RENAULT.read_text())["products"][0]
    compiled = compile_product(product_from_document(document, "EUR"))
    assert count(compiled) == 2_835_456_006_272  # the benchmark's published count
    # Both maximum-cardinality orders rank first and give 473,484 edges; min-fill, ranked
    # third, gives 391,715: the second order a compile tries comes from another heuristic.
    assert compiled.diagram.n_edges == 391_715
