"""The database: tables, engines, migrations and the statements' execution."""
