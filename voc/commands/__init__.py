"""The ``voc`` command's groups: one module per group, each with ``register(app)``."""
