"""Alembic environment: always run with the connection people_api.storage.tables.upgrade hands over."""

from alembic import context

from people_api.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
