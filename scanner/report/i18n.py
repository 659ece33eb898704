"""Owns the report's words: one catalogue per language (French by default, English).

The template and the map builders only use keys; ``catalogue(lang)`` gives the texts and
``value_label(cat, dimension, value)`` the words for classification values.  A missing key
is an error (the template runs with ``StrictUndefined``), and a test keeps both languages
holding the same keys.
"""

from __future__ import annotations

DEFAULT_LANG = "fr"

_FR = {
    "lang": "fr",
    "title": "Rapport hdscan",
    "subtitle": "Audit et cartographie des dépendances avant migration HDS / SecNumCloud",
    "estate": "Établissement",
    "unnamed_estate": "Établissement sans nom",
    "generated_by": "Produit par hdscan",
    "toc": "Sommaire",
    # sections
    "s_summary": "Synthèse pour la direction",
    "s_map": "Carte des dépendances",
    "s_waves_map": "Carte des vagues de migration",
    "s_systems": "Systèmes",
    "s_findings": "Constats",
    "s_waves": "Vagues de migration",
    "s_hybrid": "Flux hybrides (matrice de pare-feu)",
    "s_inputs": "Sources et provenance",
    # summary
    "hosts_total": "Serveurs et postes identifiés",
    "by_class_tier": "Machines par classe de données et niveau de criticité",
    "data_class": "Classe de données",
    "care_tier": "Criticité",
    "total": "Total",
    "hosting_required": "Hébergement requis",
    "hosts_count": "Machines",
    "exposure_findings": "Constats d'exposition extraterritoriale",
    "waves_count": "Vagues de migration",
    "hybrid_count": "Flux hybrides à ouvrir",
    "findings_count": "Constats",
    "none_found": "Aucun.",
    # map
    "map_collapsed": "Plus de {limit} machines : la carte regroupe les machines par site et par rôle principal (et par vague).",
    "legend": "Légende",
    "legend_colour": "Couleur : classe de données (santé en rouge, personnelle en orange, aucune en bleu, inconnue en gris).",
    "legend_shape": "Forme : criticité (octogone double = vital, trait épais = niveau 2, pointillés = inconnu).",
    "legend_edges": "Traits : flux (gris), lien entre bases (bleu, tirets), référence de configuration (violet, pointillés) ; externes en rouge si exposés hors UE.",
    "legend_waves": "Une case par vague, dans l'ordre ; les machines qui restent sur site à part ; en rouge les dépendances qui traversent deux vagues.",
    "site_none": "Site inconnu",
    "external": "Hors établissement",
    "stays_cluster": "Reste sur site",
    "unplanned": "Non planifié",
    "group": "Groupe",
    "wave": "Vague",
    "hosts_word": "machines",
    # tables
    "filter": "Filtrer…",
    "host": "Machine",
    "addresses": "Adresses",
    "roles": "Rôles",
    "hosting": "Hébergement",
    "exposure": "Exposition",
    "rules": "Règles et raisons",
    "severity": "Gravité",
    "entity": "Entité",
    "finding": "Constat",
    "because": "Pourquoi",
    "rule": "Règle",
    "number": "N°",
    "name": "Nom",
    "groups": "Groupes",
    "hosts": "Machines",
    "data_volume": "Volume de données",
    "window": "Fenêtre",
    "reasons": "Raisons",
    "stays": "Machines qui restent sur site",
    "reason": "Raison",
    "external_endpoints": "Services externes (non déplacés, ouvertures à prévoir)",
    "endpoint": "Service externe",
    "source": "Source",
    "destination": "Destination",
    "port": "Port",
    "protocol": "Protocole",
    "from_wave": "À partir de la vague",
    "until_wave": "Jusqu'à la vague",
    "collector": "Collecteur",
    "observations": "Observations",
    "observation_kind": "Type d'observation",
    "hdscan_version": "Version de hdscan",
    "store_fingerprint": "Empreinte du magasin d'observations",
    "inputs": "Fichiers lus",
    "unknown": "inconnu",
    # exports (CSV headers, Markdown summary)
    "id": "Identifiant",
    "site": "Site",
    "stays_reason": "Reste sur site (raison)",
    "transport": "Transport",
    "connections": "Connexions",
    "bytes": "Octets",
    "packets": "Paquets",
    "first_seen": "Vu la première fois",
    "last_seen": "Vu la dernière fois",
    "collectors": "Collecteurs",
    "target_host": "Machine destination",
    "data_bytes": "Volume de données (octets)",
    "md_title": "Synthèse hdscan pour demande de changement",
    "md_counts": "Chiffres clés",
    "md_figure": "Indicateur",
    "md_count": "Nombre",
    "until_end": "fin de la migration",
    "colon": " :",
    "byte_units": "o Ko Mo Go To Po",
    "decimal_mark": ",",
}

_EN = {
    "lang": "en",
    "title": "hdscan report",
    "subtitle": "Audit and dependency map before moving to HDS / SecNumCloud hosting",
    "estate": "Estate",
    "unnamed_estate": "Unnamed estate",
    "generated_by": "Produced by hdscan",
    "toc": "Contents",
    "s_summary": "Summary for decision makers",
    "s_map": "Dependency map",
    "s_waves_map": "Migration waves map",
    "s_systems": "Systems",
    "s_findings": "Findings",
    "s_waves": "Migration waves",
    "s_hybrid": "Hybrid flows (firewall matrix)",
    "s_inputs": "Inputs and provenance",
    "hosts_total": "Hosts identified",
    "by_class_tier": "Hosts by data class and care tier",
    "data_class": "Data class",
    "care_tier": "Care tier",
    "total": "Total",
    "hosting_required": "Required hosting",
    "hosts_count": "Hosts",
    "exposure_findings": "Extraterritorial exposure findings",
    "waves_count": "Migration waves",
    "hybrid_count": "Hybrid flows to open",
    "findings_count": "Findings",
    "none_found": "None.",
    "map_collapsed": "More than {limit} hosts: the map shows each site's hosts by main role (and by wave) instead of hosts.",
    "legend": "Legend",
    "legend_colour": "Colour: data class (health red, personal orange, none blue, unknown grey).",
    "legend_shape": "Shape: care tier (double octagon = vital, thick border = tier 2, dotted = unknown).",
    "legend_edges": "Lines: flows (grey), database links (blue, dashed), configuration references (purple, dotted); external endpoints red when exposed outside the EU.",
    "legend_waves": "One box per wave, in order; staying hosts apart; dependencies crossing two waves in red.",
    "site_none": "Unknown site",
    "external": "Outside the estate",
    "stays_cluster": "Stays on site",
    "unplanned": "Not planned",
    "group": "Group",
    "wave": "Wave",
    "hosts_word": "hosts",
    "filter": "Filter…",
    "host": "Host",
    "addresses": "Addresses",
    "roles": "Roles",
    "hosting": "Hosting",
    "exposure": "Exposure",
    "rules": "Rules and reasons",
    "severity": "Severity",
    "entity": "Entity",
    "finding": "Finding",
    "because": "Because",
    "rule": "Rule",
    "number": "No.",
    "name": "Name",
    "groups": "Groups",
    "hosts": "Hosts",
    "data_volume": "Data volume",
    "window": "Window",
    "reasons": "Reasons",
    "stays": "Hosts staying on site",
    "reason": "Reason",
    "external_endpoints": "External endpoints (not moved, openings needed)",
    "endpoint": "External endpoint",
    "source": "Source",
    "destination": "Destination",
    "port": "Port",
    "protocol": "Protocol",
    "from_wave": "From wave",
    "until_wave": "Until wave",
    "collector": "Collector",
    "observations": "Observations",
    "observation_kind": "Observation kind",
    "hdscan_version": "hdscan version",
    "store_fingerprint": "Observation store fingerprint",
    "inputs": "Files read",
    "unknown": "unknown",
    "id": "Id",
    "site": "Site",
    "stays_reason": "Stays on site (reason)",
    "transport": "Transport",
    "connections": "Connections",
    "bytes": "Bytes",
    "packets": "Packets",
    "first_seen": "First seen",
    "last_seen": "Last seen",
    "collectors": "Collectors",
    "target_host": "Destination host",
    "data_bytes": "Data volume (bytes)",
    "md_title": "hdscan summary for change request",
    "md_counts": "Key figures",
    "md_figure": "Figure",
    "md_count": "Count",
    "until_end": "end of the migration",
    "colon": ":",
    "byte_units": "B KB MB GB TB PB",
    "decimal_mark": ".",
}

# words for classification values, per dimension
_VALUES = {
    "fr": {
        "data_class": {"health": "santé", "personal": "personnelle", "none": "aucune"},
        "hosting": {"secnumcloud": "SecNumCloud", "hds": "HDS", "any": "libre"},
        "exposure": {"extraterritorial_cloud": "cloud extraterritorial", "none": "aucune"},
        "severity": {"critical": "critique", "high": "haute", "medium": "moyenne", "low": "basse",
                     "info": "information"},
        "care_tier": {"1": "1 (vital)", "2": "2", "3": "3", "4": "4"},
    },
    "en": {
        "data_class": {"health": "health", "personal": "personal", "none": "none"},
        "hosting": {"secnumcloud": "SecNumCloud", "hds": "HDS", "any": "any"},
        "exposure": {"extraterritorial_cloud": "extraterritorial cloud", "none": "none"},
        "severity": {"critical": "critical", "high": "high", "medium": "medium", "low": "low",
                     "info": "info"},
        "care_tier": {"1": "1 (vital)", "2": "2", "3": "3", "4": "4"},
    },
}

CATALOGUES = {"fr": _FR, "en": _EN}


def catalogue(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """The texts of ``lang`` (``fr`` or ``en``).

    Raises
    ------
    ValueError
        For a language hdscan has no catalogue for.
    """
    if lang not in CATALOGUES:
        raise ValueError(f"no report catalogue for language {lang!r} (have: fr, en)")
    return CATALOGUES[lang]


def value_label(lang: str, dimension: str, value) -> str:
    """The word for a classification value; ``None`` reads as "unknown", others pass through."""
    if value is None:
        return CATALOGUES[lang]["unknown"]
    return _VALUES[lang].get(dimension, {}).get(str(value), str(value))


def value_keys() -> dict[str, dict[str, set[str]]]:
    """Per language, per dimension, the values with a word (for the consistency test)."""
    return {lang: {dim: set(words) for dim, words in dims.items()} for lang, dims in _VALUES.items()}
