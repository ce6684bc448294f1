"""Prefect flows: thin wrappers that load, call ``voc`` and store. No business logic here."""
