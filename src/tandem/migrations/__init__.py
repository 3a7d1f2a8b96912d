"""Alembic migrations of Tandem's database."""
