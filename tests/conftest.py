"""Shared pytest configuration: each area's fixtures live in a plugin module of its own."""

pytest_plugins = [
    "tests.support.fixtures_vault",
    "tests.support.fixtures_oauth",
    "tests.support.fixtures_mail",
]
