"""The version of the compiled form's pickled layout.

Every published product's `CompiledProduct` is pickled into the database once and
unpickled by every web and worker process. A stored form whose version differs from
this one is compiled again on first use (configurator.selectors.compiled_product).

Bump COMPILED_FORMAT by hand whenever the pickled form changes: a field of
CompiledProduct, Product, Index or Diagram (or anything they hold) added, removed,
renamed, retyped or moved to another module, or an array's dtype or shape changed.
Editing comments or algorithms that read the same layout needs no bump.
tests/unit/engine/test_compiled_format.py fails when the layout changes without a bump
(it records each version's layout fingerprint).
"""

COMPILED_FORMAT = 2
