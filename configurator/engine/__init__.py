"""Atelier's configuration engine: pure Python (numpy, no Django).

Compile a product once per catalogue version (`compile_product`), then answer each click
from the compiled form (`configure`): exact option states with reasons, price, conflicts
and a proposed resolution. See DESIGN.md, "The configurator's promise".
"""

from configurator.engine.compile import compile_product, warm_up
from configurator.engine.compiled import CompiledProduct
from configurator.engine.configure import configure
from configurator.engine.diagram import Budget
from configurator.engine.errors import (
    CatalogueError,
    DiagramTooLarge,
    EngineError,
    InvalidSelection,
    UnknownCode,
)
from configurator.engine.lint import lint
from configurator.engine.model import (
    Group,
    Option,
    PriceRule,
    Product,
    RouteStep,
    Rule,
    product_from_document,
)
from configurator.engine.pricing import bill_of_materials, build_minutes, price
from configurator.engine.queries import (
    cheapest_completion,
    count,
    default_completion,
    proposed_resolution,
)
from configurator.engine.results import (
    Configuration,
    Conflict,
    GroupState,
    LintReport,
    OptionState,
    Price,
    PriceLine,
    Reason,
)

__all__ = [
    "Budget",
    "CatalogueError",
    "DiagramTooLarge",
    "CompiledProduct",
    "Configuration",
    "Conflict",
    "EngineError",
    "Group",
    "GroupState",
    "InvalidSelection",
    "LintReport",
    "Option",
    "OptionState",
    "Price",
    "PriceLine",
    "PriceRule",
    "Product",
    "Reason",
    "RouteStep",
    "Rule",
    "UnknownCode",
    "bill_of_materials",
    "build_minutes",
    "cheapest_completion",
    "compile_product",
    "configure",
    "count",
    "default_completion",
    "lint",
    "price",
    "product_from_document",
    "proposed_resolution",
    "warm_up",
]
