"""Owns ``hdscan diff``: what changed between two collections of the same estate.

``load`` reads either side (an output folder of ``hdscan run`` or an ``hdscan-export/1``
file) into one neutral snapshot; ``compare`` computes the differences as a documented,
deterministic document (schema ``hdscan-diff/1``, see docs/diff.md); ``render`` turns it
into text, JSON and a self-contained HTML page; ``i18n`` holds its words (fr, en).
"""
