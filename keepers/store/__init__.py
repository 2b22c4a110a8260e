"""The journal: SQLAlchemy models and the Store that opens them (SQLite by default, PostgreSQL in production)."""
