"""Owns the words of ``hdscan diff`` (text and HTML), in French (default) and English.

Only labels live here: ids, sites, rule ids and file names are printed as they are.
"""

from __future__ import annotations

DEFAULT_LANG = "fr"

_FR = {
    "title": "Différences entre deux collectes",
    "a": "A (avant) :", "b": "B (après) :",
    "none": "aucune différence",
    "total": "{n} différence(s)",
    "hosts": "Serveurs et postes", "services": "Services", "databases": "Bases de données",
    "endpoints": "Points de terminaison externes", "dependencies": "Dépendances",
    "classifications": "Classifications modifiées", "site_moves": "Changements de site",
    "waves": "Vagues migrées", "unclosed_flows": "Flux qui auraient dû être fermés",
    "added": "nouveau", "removed": "disparu",
    "flow": "flux", "db_link": "lien de base", "config_ref": "référence de configuration",
    "rules_added": "règles apparues", "rules_removed": "règles disparues",
    "evidence_added": "preuves apparues", "evidence_removed": "preuves disparues",
    "files": "fichiers", "observations": "observations",
    "wave": "vague", "no_wave": "hors plan", "wave_name": "« {name} »",
    "migrated": "migrée", "partial": "partiellement migrée",
    "moved_of": "{moved}/{hosts} serveurs désormais sur {sites}",
    "not_moved": "encore sur place : {hosts}",
    "unclosed": "ouvert jusqu'à la vague {until}, toujours vu ({src} → {dst})",
    "entity": "Entité", "dimension": "Dimension", "before": "Avant", "after": "Après",
    "why": "Pourquoi", "change": "Changement", "host": "Serveur", "site_before": "Site avant",
    "site_after": "Site après", "status": "État", "flow_col": "Flux", "until": "Jusqu'à la vague",
    "sites": "Sites", "target_site": "site cible",
    "null": "indéterminé",
    "inherited": "même changement sur {n} de ses services et bases",
}

_EN = {
    "title": "Differences between two collections",
    "a": "A (before):", "b": "B (after):",
    "none": "no differences",
    "total": "{n} difference(s)",
    "hosts": "Hosts", "services": "Services", "databases": "Databases",
    "endpoints": "External endpoints", "dependencies": "Dependencies",
    "classifications": "Changed classifications", "site_moves": "Site moves",
    "waves": "Migrated waves", "unclosed_flows": "Flows that should have been closed",
    "added": "new", "removed": "vanished",
    "flow": "flow", "db_link": "database link", "config_ref": "configuration reference",
    "rules_added": "rules appeared", "rules_removed": "rules gone",
    "evidence_added": "evidence appeared", "evidence_removed": "evidence gone",
    "files": "files", "observations": "observations",
    "wave": "wave", "no_wave": "not in the plan", "wave_name": "“{name}”",
    "migrated": "migrated", "partial": "partly migrated",
    "moved_of": "{moved}/{hosts} servers now at {sites}",
    "not_moved": "still on site: {hosts}",
    "unclosed": "open until wave {until}, still seen ({src} → {dst})",
    "entity": "Entity", "dimension": "Dimension", "before": "Before", "after": "After",
    "why": "Why", "change": "Change", "host": "Host", "site_before": "Site before",
    "site_after": "Site after", "status": "Status", "flow_col": "Flow", "until": "Until wave",
    "sites": "Sites", "target_site": "target site",
    "null": "undetermined",
    "inherited": "same change on {n} of its services and databases",
}

CATALOGUES = {"fr": _FR, "en": _EN}


def catalogue(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """The words of one language; an unknown language raises ``KeyError``."""
    return CATALOGUES[lang]
