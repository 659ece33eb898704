"""In an installed hdscan, the rule packs (``rules/``) and report templates (``reports/``) live here.

In a source checkout this folder is empty and the top-level folders are used instead
(see ``scanner.resources``).
"""
