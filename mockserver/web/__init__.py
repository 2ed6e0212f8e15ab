"""The HTTP layer: the Starlette app, admin routes, serving, connection faults."""
