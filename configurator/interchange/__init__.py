"""The `atelier-catalogue/1` interchange format: schema, validation, canonical form.

Pure Python (no Django): the import and export services call it, and so can any tool.
"""

from configurator.interchange.canonical import canonical, canonical_text
from configurator.interchange.errors import CatalogueFormatError, CatalogueIssue
from configurator.interchange.validation import load_catalogue_text, validate_catalogue

__all__ = [
    "CatalogueIssue",
    "CatalogueFormatError",
    "canonical",
    "canonical_text",
    "load_catalogue_text",
    "validate_catalogue",
]
