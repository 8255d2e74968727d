"""Alembic environment: the engine comes from ``issuer.store.upgrade`` (config.attributes)."""

from alembic import context

from issuer.store import Base

config = context.config
engine = config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
