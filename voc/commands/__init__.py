"""The ``voc`` command's groups, one module each (each has ``register(app)``)."""
