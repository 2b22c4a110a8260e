"""Column types: token amounts are integers up to 2**256, beyond any SQL integer type."""

from __future__ import annotations

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class Wei(TypeDecorator):
    """An exact non-negative or negative integer of up to 78 digits (any uint256/int256).

    PostgreSQL stores NUMERIC(78, 0); elsewhere (SQLite) a decimal string, so nothing is
    ever rounded through a float. Python sees `int` either way.
    """

    impl = String(80)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(78, 0))
        return dialect.type_descriptor(String(80))

    def process_bind_param(self, value: int | None, dialect: Dialect):
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"amounts are ints in base units, got {type(value).__name__}")
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value, dialect: Dialect) -> int | None:
        return None if value is None else int(value)
