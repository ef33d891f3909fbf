"""Command modules of the ``sbbatch`` CLI; each has ``register(commands)``."""
