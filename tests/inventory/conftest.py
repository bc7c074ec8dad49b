"""Inventory tests use the `inventory` fixture of tests/conftest.py."""
from tests.conftest import CODE_COUNTY, CODE_SIBLING  # noqa: F401
