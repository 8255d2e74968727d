"""The fuzz campaign uses the issuer tests' real server fixtures (uvicorn on loopback, SQLite or PostgreSQL)."""

from tests.issuer.conftest import db_url, server  # noqa: F401 - fixtures
