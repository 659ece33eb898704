"""The shared vocabulary of hdscan: evidence, observations, entity ids, tags.

Stdlib only; no I/O; nothing here imports the rest of ``scanner``.
"""
