"""Owns the planner's sentences: one message id per sentence shape, in English and French.

Every sentence the planner writes (group, wave and stay reasons, hybrid flows, firewall
rows, checklist items, transfer and window texts, ``plan --explain`` and ``plan check``
texts) is a message id plus parameters.  plan.json keeps both: ``msg`` + ``params`` (so any
consumer re-renders in its language) and the English ``text`` (so the file stays readable
and an older reader still works).  ``render(msg_id, params, lang)`` formats the parameters
the same way everywhere:

- ``{x}``           as given (strings, port and wave numbers: no grouping);
- ``{x:n}``         an integer with thousands grouping (``12,345`` / ``12 345``), or
                    "unknown" / "inconnu" when null;
- ``{x:g}``         a decimal number, shortest form, with the language's decimal mark;
- ``{x:gb}``        a byte count in GB, one decimal (``3,100.0 GB`` / ``3 100,0 Go``);
- ``{x:dur}``       a duration in seconds, in min, h or days;
- ``{x:host}``      an entity id shortened (``host:dpi-db01`` → ``dpi-db01``);
- ``{x:hosts}``     a list of ids, shortened, joined with commas;
- ``{x:list}``      a list joined with commas;
- ``{x:and}``       a list joined with commas and a final "and" / "et";
- ``{x:data}``      a data class (health, personal, none) in words;
- ``{x:msg}``       a nested message (``{"msg", "params"}``) rendered in the same language,
                    or nothing when the value is null (optional clauses);
- ``{x:msgs}``      a list of nested messages (or plain texts) joined with "; ";
- ``{x:msglist}``   the same joined with ", ".

A parameter of the shape ``{"msg", "params"}`` is therefore a sentence fragment, itself
translated.  Parameters are canonical (keys sorted, sets sorted, tuples made lists) so plan.json
stays byte-for-byte deterministic.  tests/plan/test_plan_messages.py checks that every id has
both languages with the same placeholders and that every id is used by the planner code.

French follows the report's vocabulary (scanner/report/i18n.py): vague, groupe de
déplacement, flux inter-sites, fenêtre de maintenance, pré-charger, bascule, retour arrière,
mode dégradé.
"""

from __future__ import annotations

import re
import string

LANGS = ("en", "fr")
DEFAULT_LANG = "en"          # the language of plan.json's ``text`` fields

GB = 10 ** 9
_NBSP = "\u00a0"

MESSAGES: dict[str, dict[str, str]] = {
    # site-level constraints (sites.py, waves.py): sites of a GHT migrating together
    "sites.not-before": {
        "en": "site {site} is not touched before wave {wave} ({key})",
        "fr": "le site {site} n'est pas touché avant la vague {wave} ({key})"},
    "sites.freeze-range": {
        "en": "site {site} must not be touched in waves {first} to {last}: {why}",
        "fr": "le site {site} ne doit pas être touché des vagues {first} à {last} : {why}"},
    "sites.freeze-from": {
        "en": "site {site} must not be touched from wave {first} on: {why}",
        "fr": "le site {site} ne doit pas être touché à partir de la vague {first} : {why}"},
    "sites.freeze-later": {
        "en": "{group} moves in wave {wave}, not later: in wave {later}, {why:msg}",
        "fr": "{group} migre en vague {wave}, pas plus tard : en vague {later}, {why:msg}"},
    "sites.capacity-later": {
        "en": "{group} moves in wave {wave}, not later: wave {later} already moves {load} "
              "server(s) of site {site}; with its {servers} it would exceed {key} {limit}",
        "fr": "{group} migre en vague {wave}, pas plus tard : la vague {later} déplace déjà "
              "{load} serveur(s) du site {site} ; avec ses {servers} elle dépasserait {key} "
              "{limit}"},
    "sites.limit-later": {
        "en": "{group} moves in wave {wave}, not later: wave {later} already touches site(s) "
              "{sites:list}; with {own:list} it would touch more than {key} {limit}",
        "fr": "{group} migre en vague {wave}, pas plus tard : la vague {later} touche déjà "
              "le(s) site(s) {sites:list} ; avec {own:list} elle en toucherait plus que {key} "
              "{limit}"},
    "sites.order": {
        "en": "{group} moves after {other} (wave {other_wave}): site {after} moves after site "
              "{before}: {why} ({key})",
        "fr": "{group} migre après {other} (vague {other_wave}) : le site {after} migre après "
              "le site {before} : {why} ({key})"},
    "sites.pilot-site": {
        "en": "{group} is on site {site}: the pilot only takes groups of the pilot site ({key})",
        "fr": "{group} est sur le site {site} : le pilote ne prend que des groupes du site "
              "pilote ({key})"},
    # must-move-together links and gatherers (joins.py)
    "join.gatherer-sessions": {
        "en": "{host:host} opens database sessions to {count} database servers "
              "({servers:hosts}{more}): a gatherer (backup, monitoring, ETL, reporting) reads "
              "everything by design, its sessions glue no group",
        "fr": "{host:host} ouvre des sessions de base de données vers {count} serveurs de "
              "bases ({servers:hosts}{more}) : un collecteur (sauvegarde, supervision, ETL, "
              "décisionnel) lit tout par construction, ses sessions ne lient aucun groupe"},
    "join.gatherer-role": {
        "en": "{host:host} has role {role} and no application role: it reads other servers "
              "by design, its sessions glue no group",
        "fr": "{host:host} a le rôle {role} et aucun rôle applicatif : elle lit les autres "
              "serveurs par construction, ses sessions ne lient aucun groupe"},
    "join.db-link-default": {
        "en": "a database link",
        "fr": "un lien de base de données"},
    "join.db-link-objects": {
        "en": " ({objects:list})",
        "fr": " ({objects:list})"},
    "join.db-link": {
        "en": "{reader:host} reads {source:host} through {mech}{objects:msg}: database "
              "{reader_db} → {source_db}",
        "fr": "{reader:host} lit {source:host} par {mech}{objects:msg} : base "
              "{reader_db} → {source_db}"},
    "join.follows": {
        "en": "{link:msg}; a {role} reading an operational database moves in the same wave "
              "as {source:host} or later (it tolerates a few weeks of cross-site reads; the "
              "source never waits for it)",
        "fr": "{link:msg} ; une machine de rôle {role} qui lit une base de production migre "
              "dans la même vague que {source:host} ou plus tard (elle supporte quelques "
              "semaines de lectures inter-sites ; la source ne l'attend jamais)"},
    "join.replication": {
        "en": "{client:host} and {server:host} both run {peer} and {client:host} talks to "
              "{server:host} on it: cluster, mirror or replica peers move together",
        "fr": "{client:host} et {server:host} exécutent tous deux {peer} et {client:host} "
              "dialogue avec {server:host} par ce biais : les membres d'un cluster, d'un "
              "miroir ou d'une réplication se déplacent ensemble"},
    "join.what-database": {
        "en": "database {db}",
        "fr": "la base {db}"},
    "join.what-service": {
        "en": "the {protocol} service (port {port})",
        "fr": "le service {protocol} (port {port})"},
    "join.database-flow": {
        "en": "{client:host} talks to {what} on {server:host}: database protocols are chatty "
              "and latency-sensitive",
        "fr": "{client:host} dialogue avec {what} sur {server:host} : les protocoles de base "
              "de données sont bavards et sensibles à la latence"},
    "join.database-config": {
        "en": "{client:host}'s configuration points to {what} on {server:host}: database "
              "protocols are chatty and latency-sensitive",
        "fr": "la configuration de {client:host} pointe vers {what} sur {server:host} : les "
              "protocoles de base de données sont bavards et sensibles à la latence"},
    "join.file-share": {
        "en": "{client:host} uses the SMB file share of {server:host} (port {port}): file "
              "shares tolerate little latency",
        "fr": "{client:host} utilise le partage de fichiers SMB de {server:host} (port "
              "{port}) : les partages de fichiers tolèrent mal la latence"},
    "join.chatty": {
        "en": "{client:host} opens {rate:n} connections per hour on average to {server:host} "
              "({protocol}, port {port}; {connections:n} seen): calls at that rate cannot each "
              "cross a wide-area round trip, so the two move together",
        "fr": "{client:host} ouvre en moyenne {rate:n} connexions par heure vers {server:host} "
              "({protocol}, port {port} ; {connections:n} observées) : des appels à ce rythme ne "
              "peuvent pas chacun traverser un aller-retour longue distance, les deux migrent "
              "ensemble"},
    # move groups (groups.py)
    "group.pin": {
        "en": "pinned together by the plan configuration: {why} ({hosts:hosts})",
        "fr": "épinglées ensemble par la configuration du plan : {why} ({hosts:hosts})"},
    "group.single": {
        "en": "{host:host} has no replication, database link, database, file-share or pinned "
              "dependency on another moving host: it moves alone",
        "fr": "{host:host} n'a ni réplication, ni lien de base de données, ni base, ni partage "
              "de fichiers, ni épinglage avec une autre machine déplacée : elle se déplace "
              "seule"},
    # waves (waves.py)
    "wave.tier": {
        "en": "tier {tier}",
        "fr": "criticité {tier}"},
    "wave.tier-unknown": {
        "en": "tier unknown",
        "fr": "criticité inconnue"},
    "wave.new-servers": {
        "en": "{group} opens a new wave: wave {wave} holds {servers} of {limit} servers and "
              "the group has {size}",
        "fr": "{group} ouvre une nouvelle vague : la vague {wave} compte déjà {servers} "
              "serveurs sur {limit} et le groupe en a {size}"},
    "wave.new-bytes": {
        "en": "{group} opens a new wave: its {bytes:n} bytes would exceed the wave's "
              "{limit:n} bytes",
        "fr": "{group} ouvre une nouvelle vague : ses {bytes:n} octets dépasseraient les "
              "{limit:n} octets permis par vague"},
    "wave.new-tier1": {
        "en": "{group} opens a new wave: wave {wave} already moves {count} tier-1 group(s) "
              "(limit {limit})",
        "fr": "{group} ouvre une nouvelle vague : la vague {wave} déplace déjà {count} "
              "groupe(s) de criticité 1 (limite {limit})"},
    "wave.new-ordering": {
        "en": "{group} opens a new wave: it must move after {after:list} (plan configuration)",
        "fr": "{group} ouvre une nouvelle vague : il doit migrer après {after:list} "
              "(configuration du plan)"},
    "wave.limit-bytes": {
        "en": ", {bytes:n} bytes",
        "fr": ", {bytes:n} octets"},
    "wave.bytes": {
        "en": "{bytes:n} bytes",
        "fr": "{bytes:n} octets"},
    "wave.bytes-unknown": {
        "en": "an unknown data volume",
        "fr": "un volume de données inconnu"},
    "wave.exceeds": {
        "en": "{group} has {servers} servers and {volume:msg}, more than one wave ({limit} "
              "servers{limit_bytes:msg}): it moves alone; split it or pre-seed its data",
        "fr": "{group} compte {servers} serveurs et {volume:msg}, plus qu'une vague "
              "({limit} serveurs{limit_bytes:msg}) : il migre seul ; le scinder ou "
              "pré-charger ses données"},
    "wave.care-chain-same": {
        "en": "{group} exchanges {interface:list} with {other}, placed in this wave: the care "
              "chain is split for one wave at most",
        "fr": "{group} échange {interface:list} avec {other}, placé dans cette vague : la "
              "chaîne de soins n'est coupée que le temps d'une vague au plus"},
    "wave.care-chain-previous": {
        "en": "{group} exchanges {interface:list} with {other}, placed in the previous wave: "
              "the care chain is split for one wave at most",
        "fr": "{group} échange {interface:list} avec {other}, placé dans la vague précédente : "
              "la chaîne de soins n'est coupée que le temps d'une vague au plus"},
    "wave.later-alone-self": {
        "en": "{group} moves in wave {wave}, not later: wave {later} moves other groups and "
              "this one, bigger than a wave, moves alone",
        "fr": "{group} migre en vague {wave}, pas plus tard : la vague {later} déplace "
              "d'autres groupes et celui-ci, plus gros qu'une vague, migre seul"},
    "wave.later-alone-other": {
        "en": "{group} moves in wave {wave}, not later: wave {later} moves a group bigger "
              "than a wave, alone",
        "fr": "{group} migre en vague {wave}, pas plus tard : la vague {later} déplace seul "
              "un groupe plus gros qu'une vague"},
    "wave.capacity": {
        "en": "capacity {cap}",
        "fr": "capacité {cap}"},
    "wave.capacity-balanced": {
        "en": "capacity {cap}, load balanced to {balanced} per wave",
        "fr": "capacité {cap}, charge équilibrée à {balanced} par vague"},
    "wave.later-servers": {
        "en": "{group} moves in wave {wave}, not later: wave {later} had no room left for "
              "its {servers} server(s) ({why:msg})",
        "fr": "{group} migre en vague {wave}, pas plus tard : la vague {later} n'avait plus "
              "de place pour ses {servers} serveur(s) ({why:msg})"},
    "wave.later-bytes": {
        "en": "{group} moves in wave {wave}, not later: its {bytes:n} bytes would exceed wave "
              "{later}'s {limit:n} bytes",
        "fr": "{group} migre en vague {wave}, pas plus tard : ses {bytes:n} octets "
              "dépasseraient les {limit:n} octets de la vague {later}"},
    "wave.later-tier1": {
        "en": "{group} moves in wave {wave}, not later: wave {later} already moves {count} "
              "tier-1 group(s) (limit {limit})",
        "fr": "{group} migre en vague {wave}, pas plus tard : la vague {later} déplace déjà "
              "{count} groupe(s) de criticité 1 (limite {limit})"},
    "wave.later-cost": {
        "en": "{group} moves in wave {wave}, not {later}: there its links with "
              "{partners:list}{more} would stay cross-site longer (hybrid cost +{delta})",
        "fr": "{group} migre en vague {wave}, pas en vague {later} : ses liens avec "
              "{partners:list}{more} y resteraient plus longtemps des flux inter-sites (coût "
              "hybride +{delta})"},
    "wave.ordering": {
        "en": "{group} moves after {before} (wave {wave}): {why} (plan configuration)",
        "fr": "{group} migre après {before} (vague {wave}) : {why} (configuration du plan)"},
    "wave.follows": {
        "en": "{group} moves in wave {wave}, {source} in wave {source_wave}: {link}",
        "fr": "{group} migre en vague {wave}, {source} en vague {source_wave} : {link}"},
    "wave.foundation-replicate": {
        "en": "{group} is shared infrastructure (directory/DNS): a replica is built at the "
              "target before any move; the on-site instance keeps serving the site "
              "(shared_infrastructure: replicate-first)",
        "fr": "{group} est une infrastructure partagée (annuaire/DNS) : une réplique est "
              "construite sur la cible avant tout déplacement ; l'instance sur site continue "
              "de servir le site (shared_infrastructure: replicate-first)"},
    "wave.foundation-move": {
        "en": "{group} is shared infrastructure (directory/DNS): it moves before anything "
              "that needs it (shared_infrastructure: move-first)",
        "fr": "{group} est une infrastructure partagée (annuaire/DNS) : elle migre avant tout "
              "ce qui en dépend (shared_infrastructure: move-first)"},
    "wave.pilot": {
        "en": "{group} is low-risk ({tier}, data {data:data}, flows with {degree} other "
              "group(s)): it proves the move process first",
        "fr": "{group} est peu risqué ({tier}, données {data:data}, flux avec {degree} autre(s) "
              "groupe(s)) : il valide d'abord la démarche de migration"},
    "wave.risk-chain-leaves": {
        "en": "; its care chain ({chain:list}) moves in consecutive waves, leaves before hubs",
        "fr": " ; sa chaîne de soins ({chain:list}) migre en vagues consécutives, les "
              "extrémités avant les pivots"},
    "wave.risk-chain-hubs": {
        "en": "; its care chain ({chain:list}) moves in consecutive waves, hubs first",
        "fr": " ; sa chaîne de soins ({chain:list}) migre en vagues consécutives, les pivots "
              "d'abord"},
    "wave.risk-order": {
        "en": "{group}, {tier}: groups move from the least to the most critical{chain:msg}",
        "fr": "{group}, {tier} : les groupes migrent du moins critique au plus "
              "critique{chain:msg}"},
    # hybrid flows (hybrid.py; the firewall matrix keeps its first flow's)
    "flow.temporary": {
        "en": "{first:host} moves in wave {start} and {last:host} in wave {end}: open from "
              "wave {start} until wave {end}{latency:msg}",
        "fr": "{first:host} migre en vague {start} et {last:host} en vague {end} : ouvrir de "
              "la vague {start} à la vague {end}{latency:msg}"},
    "flow.external": {
        "en": "{mover:host} moves in wave {start}; external endpoint {other:host}: a permanent "
              "cross-site flow{latency:msg}",
        "fr": "{mover:host} migre en vague {start} ; service externe {other:host} : un flux "
              "inter-sites permanent{latency:msg}"},
    "flow.permanent": {
        "en": "{mover:host} moves in wave {start}; {other:host}, which stays on site: a "
              "permanent cross-site flow{latency:msg}",
        "fr": "{mover:host} migre en vague {start} ; {other:host} reste sur site : un flux "
              "inter-sites permanent{latency:msg}"},
    "flow.latency": {
        "en": " ({protocol} tolerates little latency)",
        "fr": " ({protocol} tolère mal la latence)"},
    # data transfer of a wave (transfer.py)
    "transfer.unknown": {
        "en": "data volume unknown: measure it (agent inventory or database sizes)",
        "fr": "volume de données inconnu : le mesurer (inventaire d'agent ou taille des "
              "bases)"},
    "transfer.took": {
        "en": "{bytes:gb} take about {seconds:dur} at {mbps:g} Mbit/s × {efficiency:g}",
        "fr": "{bytes:gb} demandent environ {seconds:dur} à {mbps:g} Mbit/s × {efficiency:g}"},
    "transfer.no-length": {
        "en": "{took:msg}; window {window} has no configured length: fit unknown",
        "fr": "{took:msg} ; la fenêtre de maintenance {window} n'a pas de durée configurée : "
              "impossible de dire si le transfert y tient"},
    "transfer.fits": {
        "en": "{took:msg}: fits {budget:dur} of the {window} window",
        "fr": "{took:msg} : tient dans les {budget:dur} de la fenêtre de maintenance {window}"},
    "transfer.preseed": {
        "en": "{took:msg}, more than the {budget:dur} of the {window} window given to data: "
              "pre-seed or replicate {preseed:gb} beforehand and move only the delta at "
              "cut-over",
        "fr": "{took:msg}, plus que les {budget:dur} de la fenêtre de maintenance {window} "
              "réservées aux données : pré-charger ou répliquer {preseed:gb} avant, puis ne "
              "transférer que le delta à la bascule"},
    # go / no-go checklist (checklist.py)
    "names.list": {
        "en": "{hosts:hosts}",
        "fr": "{hosts:hosts}"},
    "names.more": {
        "en": "{hosts:hosts} and {more} more",
        "fr": "{hosts:hosts} et {more} autres"},
    "check.replica": {
        "en": "replicas of {hosts:msg} built at the target, in sync and answering before any "
              "move; the on-site instances keep serving the site",
        "fr": "répliques de {hosts:msg} construites sur la cible, synchronisées et répondant "
              "avant tout déplacement ; les instances sur site continuent de servir le site"},
    "check.backup": {
        "en": "a restore of {hosts:msg} from {backup:host} tested, with its date, before the "
              "cut-over",
        "fr": "une restauration de {hosts:msg} depuis {backup:host} testée, et datée, avant "
              "la bascule"},
    "check.no-backup": {
        "en": "no backup host was seen talking to {hosts:msg}: confirm and test how they are "
              "backed up before the cut-over",
        "fr": "aucun serveur de sauvegarde n'a été vu en échange avec {hosts:msg} : confirmer "
              "et tester leur sauvegarde avant la bascule"},
    "check.firewall": {
        "en": "{opened} cross-site rule(s) open before the wave, {closed} closed once it is "
              "confirmed (firewall matrix)",
        "fr": "{opened} règle(s) inter-sites ouverte(s) avant la vague, {closed} fermée(s) "
              "une fois la vague confirmée (matrice de pare-feu)"},
    "check.rollback-reopen": {
        "en": "; {count} cross-site rule(s) closed by this wave re-opened on rollback",
        "fr": " ; {count} règle(s) inter-sites fermée(s) par cette vague rouverte(s) en cas "
              "de retour arrière"},
    "check.rollback": {
        "en": "rollback path: the on-site instances of {hosts:msg} kept intact (not wiped, not "
              "re-addressed) until go-live is confirmed{reopen:msg}",
        "fr": "retour arrière : les instances sur site de {hosts:msg} conservées intactes (ni "
              "effacées, ni réadressées) jusqu'à la confirmation de la mise en "
              "service{reopen:msg}"},
    "check.why-replicated": {
        "en": "replicated in this wave",
        "fr": "répliqué dans cette vague"},
    "check.why-moves": {
        "en": "moves in this wave",
        "fr": "migre dans cette vague"},
    "check.why-starts": {
        "en": "its {protocol} flow with {other:host} starts crossing sites",
        "fr": "son flux {protocol} avec {other:host} devient inter-sites"},
    "check.why-stops": {
        "en": "its {protocol} flow with {other:host} stops crossing sites",
        "fr": "son flux {protocol} avec {other:host} cesse d'être inter-sites"},
    "check.degraded-mode": {
        "en": "degraded-mode procedure of {roles:hosts} (tier 1, {group}: {why:msg}) briefed, "
              "with its on-call staff warned and the paper or standalone fallback ready",
        "fr": "procédure de mode dégradé pour {roles:hosts} (criticité 1, {group} : {why:msg}) "
              "rappelée aux équipes, astreinte prévenue et repli papier ou autonome prêt"},
    # plan --explain (explain.py): why a host is not in an earlier wave, and its lines
    "explain.foundation": {
        "en": "wave {wave} only builds replicas of shared infrastructure (directory/DNS)",
        "fr": "la vague {wave} ne construit que des répliques de l'infrastructure partagée "
              "(annuaire/DNS)"},
    "explain.pilot-tier": {
        "en": "wave {wave} is the pilot, which never takes a tier-{tier} group",
        "fr": "la vague {wave} est le pilote, qui ne prend jamais de groupe de criticité {tier}"},
    "explain.pilot-partners": {
        "en": "wave {wave} is the pilot; {group} exchanges clinical interface flows with "
              "tier-1/2 {partners:list}",
        "fr": "la vague {wave} est le pilote ; {group} échange des flux d'interface clinique "
              "avec {partners:list}, de criticité 1 ou 2"},
    "explain.pilot-size": {
        "en": "the pilot holds {servers} server(s); with {size} more it exceeds "
              "pilot.max_servers {limit}",
        "fr": "le pilote compte {servers} serveur(s) ; avec {size} de plus il dépasse "
              "pilot.max_servers {limit}"},
    "explain.capacity-servers": {
        "en": "wave {wave} holds {servers} server(s); the group's {size} would exceed "
              "wave_capacity.servers {limit}",
        "fr": "la vague {wave} compte {servers} serveur(s) ; les {size} du groupe "
              "dépasseraient wave_capacity.servers {limit}"},
    "explain.capacity-bytes": {
        "en": "wave {wave} holds {load:n} bytes; the group's {bytes:n} would exceed "
              "wave_capacity.data_bytes {limit:n}",
        "fr": "la vague {wave} compte {load:n} octets ; les {bytes:n} du groupe "
              "dépasseraient wave_capacity.data_bytes {limit:n}"},
    "explain.tier1": {
        "en": "wave {wave} already moves tier-1 {groups:list} (max_tier1_groups_per_wave "
              "{limit})",
        "fr": "la vague {wave} déplace déjà {groups:list}, de criticité 1 "
              "(max_tier1_groups_per_wave {limit})"},
    "explain.ordering": {
        "en": "orderings[{index}] ({why}): {before:host} moves first, in wave {wave}",
        "fr": "orderings[{index}] ({why}) : {before:host} migre d'abord, en vague {wave}"},
    "explain.follows": {
        "en": "{reader:host} reads {source:host} (wave {wave}) through a database link: same "
              "wave or later",
        "fr": "{reader:host} lit {source:host} (vague {wave}) par un lien de base de données : "
              "même vague ou plus tard"},
    "explain.stretched": {
        "en": "{partner} ({protocols:list}, wave {wave}: {then} waves cross-site instead of "
              "{now})",
        "fr": "{partner} ({protocols:list}, vague {wave} : {then} vagues en flux inter-sites "
              "au lieu de {now})"},
    "explain.care-chain": {
        "en": "its care chain would stay split longer: {partners:msgs}",
        "fr": "sa chaîne de soins resterait coupée plus longtemps : {partners:msgs}"},
    "explain.cost": {
        "en": "no hard constraint; {flows} cross-site flow(s) would stay open longer: split "
              "cost +{delta} (connections × waves)",
        "fr": "aucune contrainte forte ; {flows} flux inter-sites resteraient ouverts plus "
              "longtemps : coût de coupure +{delta} (connexions × vagues)"},
    "explain.risk-order": {
        "en": "no hard constraint and no extra split cost: the heuristic's choice (groups move "
              "from the least to the most critical, waves filled from the last backwards with "
              "an even load; see why its wave)",
        "fr": "aucune contrainte forte et aucun coût de coupure supplémentaire : choix de "
              "l'heuristique (les groupes migrent du moins critique au plus critique, vagues "
              "remplies de la dernière à la première avec une charge équilibrée ; voir "
              "pourquoi sa vague)"},
    "explain.stays": {
        "en": "{host:host} stays on site: {reason}",
        "fr": "{host:host} reste sur site : {reason}"},
    "explain.permanent": {
        "en": "  {count} of its flows cross sites for good once their other end moves (see the "
              "firewall matrix)",
        "fr": "  {count} de ses flux deviennent inter-sites pour de bon dès que leur autre "
              "extrémité migre (voir la matrice de pare-feu)"},
    "explain.moves": {
        "en": "{host:host} moves in wave {wave} ({name}, window {window}) with {group}: "
              "{hosts:hosts} ({tier:msg})",
        "fr": "{host:host} migre en vague {wave} ({name}, fenêtre {window}) avec {group} : "
              "{hosts:hosts} ({tier:msg})"},
    "explain.replicated": {
        "en": "{host:host} is replicated in wave {wave} ({name}, window {window}) with "
              "{group}: {hosts:hosts} ({tier:msg})",
        "fr": "{host:host} est répliquée en vague {wave} ({name}, fenêtre {window}) avec "
              "{group} : {hosts:hosts} ({tier:msg})"},
    "explain.together": {
        "en": "why these hosts move together:",
        "fr": "pourquoi ces machines migrent ensemble :"},
    "explain.why-wave": {
        "en": "why wave {wave}:",
        "fr": "pourquoi la vague {wave} :"},
    "explain.no-reason": {
        "en": "  (no recorded reason)",
        "fr": "  (aucune raison enregistrée)"},
    "explain.earlier": {
        "en": "why not an earlier wave:",
        "fr": "pourquoi pas une vague plus tôt :"},
    "explain.blocker": {
        "en": "  wave {wave}: [{kind}] {text}",
        "fr": "  vague {wave} : [{kind}] {text}"},
    # plan check (check.py): violations and warnings
    "check.wave-number": {
        "en": "wave {wave} is also at {place}",
        "fr": "la vague {wave} figure aussi en {place}"},
    "check.unknown-host": {
        "en": "{host:host} is not a host of the estate",
        "fr": "{host:host} n'est pas une machine de l'établissement"},
    "check.stays": {
        "en": "{host:host} is planned to move but stays on site: {reason}",
        "fr": "{host:host} est planifiée pour migrer mais reste sur site : {reason}"},
    "check.duplicate": {
        "en": "{host:host} is already planned in wave {wave} ({place})",
        "fr": "{host:host} est déjà planifiée en vague {wave} ({place})"},
    "check.missing": {
        "en": "{host:host} moves (it is no device, workstation or exclusion) but is in no wave",
        "fr": "{host:host} migre (ce n'est ni un dispositif, ni un poste de travail, ni une "
              "exclusion) mais n'est dans aucune vague"},
    "check.host-wave": {
        "en": "{host:host} (wave {wave})",
        "fr": "{host:host} (vague {wave})"},
    "check.split-group": {
        "en": "{host:host} (wave {wave}) and {others:msglist} are one move group {group}: "
              "{why:msgs}",
        "fr": "{host:host} (vague {wave}) et {others:msglist} forment un seul groupe de "
              "déplacement {group} : {why:msgs}"},
    "check.ordering": {
        "en": "{before:host} (wave {before_wave}) must move strictly before {after:host} (wave "
              "{after_wave}): orderings[{index}] ({why}, {where})",
        "fr": "{before:host} (vague {before_wave}) doit migrer strictement avant {after:host} "
              "(vague {after_wave}) : orderings[{index}] ({why}, {where})"},
    "check.follows": {
        "en": "{reader:host} (wave {reader_wave}) moves before {source:host} (wave "
              "{source_wave}): {link}",
        "fr": "{reader:host} (vague {reader_wave}) migre avant {source:host} (vague "
              "{source_wave}) : {link}"},
    "check.replicate": {
        "en": "{host:host} is not shared infrastructure (directory/DNS): a replicated wave "
              "never moves it",
        "fr": "{host:host} n'est pas une infrastructure partagée (annuaire/DNS) : une vague de "
              "réplication ne la déplace jamais"},
    "check.foundation-replicate": {
        "en": "{hosts:hosts}: shared_infrastructure is replicate-first, so directory and DNS "
              "are replicated in the first wave, not moved",
        "fr": "{hosts:hosts} : shared_infrastructure vaut replicate-first, donc l'annuaire et "
              "le DNS sont répliqués dans la première vague, pas déplacés"},
    "check.foundation-move": {
        "en": "{hosts:hosts}: shared_infrastructure is move-first, but wave {wave} moves "
              "other servers before",
        "fr": "{hosts:hosts} : shared_infrastructure vaut move-first, mais la vague {wave} "
              "déplace d'autres serveurs avant"},
    "check.tier1": {
        "en": "{count} tier-1 groups ({groups:list}) in one wave; max_tier1_groups_per_wave "
              "is {limit}",
        "fr": "{count} groupes de criticité 1 ({groups:list}) dans une même vague ; "
              "max_tier1_groups_per_wave vaut {limit}"},
    "check.group-tier": {
        "en": "{group} (tier {tier})",
        "fr": "{group} (criticité {tier})"},
    "check.pilot-risky": {
        "en": "the pilot holds {groups:msglist}: the pilot never moves tier-1 or tier-2 groups",
        "fr": "le pilote contient {groups:msglist} : le pilote ne déplace jamais de groupe de "
              "criticité 1 ou 2"},
    "check.pilot-size": {
        "en": "the pilot moves {servers} servers; pilot.max_servers is {limit}",
        "fr": "le pilote déplace {servers} serveurs ; pilot.max_servers vaut {limit}"},
    "check.capacity-servers": {
        "en": "{servers} servers in {groups} groups; wave_capacity.servers is {limit} (only a "
              "single oversized group may move alone)",
        "fr": "{servers} serveurs en {groups} groupes ; wave_capacity.servers vaut {limit} "
              "(seul un groupe trop gros pour une vague peut migrer seul)"},
    "check.capacity-bytes": {
        "en": "{bytes:n} bytes in {groups} groups; wave_capacity.data_bytes is {limit:n}",
        "fr": "{bytes:n} octets en {groups} groupes ; wave_capacity.data_bytes vaut {limit:n}"},
    "check.window": {
        "en": "window '{window}', but its most critical group has {tier:msg}, whose "
              "configured window is '{configured}'",
        "fr": "fenêtre « {window} », mais son groupe le plus critique est en {tier:msg}, dont "
              "la fenêtre de maintenance configurée est « {configured} »"},
    "check.transfer-unsaid": {
        "en": "{transfer} (the plan file does not say what is pre-seeded)",
        "fr": "{transfer} (le fichier de plan ne dit pas ce qui est pré-chargé)"},
    "check.transfer": {
        "en": "{transfer}; the plan pre-seeds only {preseed:n} bytes of the {needed:n} needed",
        "fr": "{transfer} ; le plan ne pré-charge que {preseed:n} octets sur les {needed:n} "
              "nécessaires"},
    # site constraints in plan --explain and plan check (explain.py, check.py)
    "explain.pilot-site": {
        "en": "wave {wave} is the pilot, which only takes groups of site {site} "
              "(sites.pilot_site)",
        "fr": "la vague {wave} est le pilote, qui ne prend que des groupes du site {site} "
              "(sites.pilot_site)"},
    "explain.site-capacity": {
        "en": "wave {wave} moves {load} server(s) of site {site}; the group's {size} would "
              "exceed sites.per_site.{site}.max_servers_per_wave {limit}",
        "fr": "la vague {wave} déplace {load} serveur(s) du site {site} ; les {size} du groupe "
              "dépasseraient sites.per_site.{site}.max_servers_per_wave {limit}"},
    "explain.site-limit": {
        "en": "wave {wave} would touch {count} sites ({sites:list}); sites.max_sites_per_wave "
              "is {limit}",
        "fr": "la vague {wave} toucherait {count} sites ({sites:list}) ; "
              "sites.max_sites_per_wave vaut {limit}"},
    "explain.site-order": {
        "en": "sites.orderings[{index}] ({why}): site {after} moves after site {before}, whose "
              "{host:host} moves in wave {wave}",
        "fr": "sites.orderings[{index}] ({why}) : le site {after} migre après le site {before}, "
              "dont {host:host} migre en vague {wave}"},
    "check.site-capacity": {
        "en": "{load} servers of site {site} from several groups in one wave; "
              "sites.per_site.{site}.max_servers_per_wave is {limit} (only a single group over "
              "it may move without other groups of the site)",
        "fr": "{load} serveurs du site {site}, de plusieurs groupes, dans une même vague ; "
              "sites.per_site.{site}.max_servers_per_wave vaut {limit} (seul un groupe qui le "
              "dépasse à lui seul peut migrer, sans autre groupe du site)"},
    "check.site-limit": {
        "en": "{count} sites ({sites:list}) in one wave of several groups; "
              "sites.max_sites_per_wave is {limit}",
        "fr": "{count} sites ({sites:list}) dans une même vague de plusieurs groupes ; "
              "sites.max_sites_per_wave vaut {limit}"},
    "check.site-freeze": {
        "en": "{hosts:hosts} ({group}) moves in wave {wave}, but {why:msg} ({where})",
        "fr": "{hosts:hosts} ({group}) migre en vague {wave}, mais {why:msg} ({where})"},
    "check.pilot-site": {
        "en": "{who} ({group}) is not on the pilot site {site} (sites.pilot_site, {where})",
        "fr": "{who} ({group}) n'est pas sur le site pilote {site} (sites.pilot_site, {where})"},
    "check.site-order": {
        "en": "{host:host} (site {after}, wave {wave}) must move after every host of site "
              "{before}, but {last_host:host} moves in wave {last}: sites.orderings[{index}] "
              "({why}, {where})",
        "fr": "{host:host} (site {after}, vague {wave}) doit migrer après toutes les machines "
              "du site {before}, mais {last_host:host} migre en vague {last} : "
              "sites.orderings[{index}] ({why}, {where})"},
    # stays (hosts.py)
    "stay.excluded": {
        "en": "{host:host} is excluded by the plan configuration",
        "fr": "{host:host} est exclue par la configuration du plan"},
    "stay.medical-device": {
        "en": "{host:host} is a medical device: a medical device stays beside its patients",
        "fr": "{host:host} est un dispositif médical : un dispositif médical reste auprès "
              "de ses patients"},
    "stay.workstation-device": {
        "en": "{host:host} is a workstation: a user workstation stays on site",
        "fr": "{host:host} est un poste de travail : un poste utilisateur reste sur site"},
    "stay.network-device": {
        "en": "{host:host} is network equipment: network equipment stays on site",
        "fr": "{host:host} est un équipement réseau : les équipements réseau restent sur site"},
    "stay.modality-role": {
        "en": "{host:host} has role modality: an imaging modality stays in its department",
        "fr": "{host:host} a le rôle modality : une modalité d'imagerie reste dans son service"},
    "stay.lab-analyzer-role": {
        "en": "{host:host} has role lab-analyzer: a lab analyser stays in the laboratory",
        "fr": "{host:host} a le rôle lab-analyzer : un automate d'analyse reste au laboratoire"},
    "stay.workstation-role": {
        "en": "{host:host} has role workstation: a user workstation stays on site",
        "fr": "{host:host} a le rôle workstation : un poste utilisateur reste sur site"},
    "stay.client-only": {
        "en": "{host:host} runs no service and has no inventory; seen only as a client, most "
              "likely a user device (assert its role or pin it to move it)",
        "fr": "{host:host} n'offre aucun service et n'a pas d'inventaire ; vue seulement comme "
              "cliente, c'est très probablement un poste utilisateur (déclarer son rôle ou "
              "l'épingler à un groupe pour la déplacer)"},
    "stay.external": {
        "en": "outside the estate: not moved; hosts that use it need an opening at the "
              "target{exposure:msg}",
        "fr": "hors établissement : non déplacé ; les machines qui l'utilisent ont besoin "
              "d'une ouverture depuis la cible{exposure:msg}"},
    "stay.external-exposure": {
        "en": " (exposure: {exposure})",
        "fr": " (exposition : {exposure})"},
    # wave names (waves.py); a wave of application roles is named by its roles (vocabulary)
    "wave.name-foundation-replicate": {
        "en": "foundation: replicate directory and DNS",
        "fr": "fondation : répliquer l'annuaire et le DNS"},
    "wave.name-foundation-move": {
        "en": "foundation: move directory and DNS",
        "fr": "fondation : déplacer l'annuaire et le DNS"},
    "wave.name-pilot": {
        "en": "pilot",
        "fr": "pilote"},
    "wave.name-servers": {
        "en": "servers",
        "fr": "serveurs"},
    # shared storage (scanner/plan/storage.py)
    "storage.mounts": {
        "en": "{client:host} mounts {volume} ({fstype}) served by {server:host}: a host moves "
              "with the network storage it mounts (network filesystems and block storage "
              "tolerate little latency)",
        "fr": "{client:host} monte {volume} ({fstype}) servi par {server:host} : une machine "
              "migre avec le stockage réseau qu'elle monte (systèmes de fichiers réseau et "
              "stockage bloc tolèrent mal la latence)"},
    "storage.co-mount": {
        "en": "{hosts:hosts} all mount {volume} ({fstype}) served by {server:host}: hosts "
              "sharing one volume move together",
        "fr": "{hosts:hosts} montent toutes {volume} ({fstype}) servi par {server:host} : les "
              "machines qui partagent un volume migrent ensemble"},
    "storage.cross-site": {
        "en": "{client:host} mounts {volume} ({fstype}) from {server:host}, {why:msg}: not "
              "glued to it; a cross-site storage path from {client:host}'s wave on (no flow "
              "was seen, so it is not among the hybrid flows: open it at the target)",
        "fr": "{client:host} monte {volume} ({fstype}) depuis {server:host}, {why:msg} : pas "
              "de lien de groupe ; un accès de stockage inter-sites dès la vague de "
              "{client:host} (aucun flux vu, il ne figure donc pas parmi les flux inter-sites : "
              "l'ouvrir vers la cible)"},
    "storage.why-stays": {
        "en": "which stays on site",
        "fr": "qui reste sur site"},
    "storage.why-external": {
        "en": "outside the estate",
        "fr": "hors du périmètre"},
    "storage.why-shared": {
        "en": "shared infrastructure",
        "fr": "une infrastructure partagée"},
    "storage.why-gatherer": {
        "en": "a gatherer whose volumes glue no group",
        "fr": "un collecteur dont les volumes ne lient aucun groupe"},
    "storage.flow": {
        "en": "{client:host} talks to {server:host} on the {what} port ({port}/{transport}) "
              "and no agent listed that mount: storage use inferred from the port alone "
              "(lower confidence); moved together",
        "fr": "{client:host} dialogue avec {server:host} sur le port {what} "
              "({port}/{transport}) et aucun agent n'a relevé ce montage : usage de stockage "
              "déduit du seul port (confiance moindre) ; migrent ensemble"},
    "storage.gatherer": {
        "en": "{host:host} mounts volumes of {count} servers ({servers:hosts}{more}): a gatherer "
              "(backup, archiving) reads everything by design, its mounts glue no group",
        "fr": "{host:host} monte des volumes de {count} serveurs ({servers:hosts}{more}) : un "
              "collecteur (sauvegarde, archivage) lit tout par construction, ses montages ne "
              "lient aucun groupe"},
}

_WORDS = {
    "en": {"and": "and", "gb": "GB", "min": "min", "h": "h", "days": "days", "decimal": ".",
           "group": ",", "unknown": "unknown"},
    "fr": {"and": "et", "gb": "Go", "min": "min", "h": "h", "days": "jours", "decimal": ",",
           "group": _NBSP, "unknown": "inconnu"},
}
# classification values said in sentences (as scanner/report/i18n.py words them)
_DATA_CLASS = {"en": {"health": "health", "personal": "personal", "none": "none"},
               "fr": {"health": "santé", "personal": "personnelles", "none": "aucune"}}


def _short(node) -> str:
    node = str(node)
    return node.split(":", 1)[1] if ":" in node else node


_PLAIN = (str, int, float, bool, type(None))


def _canon(value):
    """A JSON-ready, deterministic copy of a parameter value."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return {str(k): _canon(value[k]) for k in sorted(value)}
    if isinstance(value, (set, frozenset)):
        return sorted(_canon(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _number(n, lang: str) -> str:
    words = _WORDS[lang]
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,}".replace(",", "\0").replace(".", words["decimal"]).replace("\0", words["group"])
    return f"{int(n):,}".replace(",", words["group"])


def _decimal(x, lang: str, spec: str) -> str:
    words = _WORDS[lang]
    text = format(float(x), spec)
    return text.replace(",", "\0").replace(".", words["decimal"]).replace("\0", words["group"])


def _duration(seconds, lang: str) -> str:
    words = _WORDS[lang]
    seconds = int(seconds)
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} {words['min']}"
    if seconds < 72 * 3600:
        return f"{_decimal(seconds / 3600, lang, '.1f')} {words['h']}"
    return f"{_decimal(seconds / 86400, lang, '.1f')} {words['days']}"


def _and(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_WORDS[lang]['and']} {items[-1]}"


def _field(value, spec: str, lang: str) -> str:
    """One placeholder's text (module docstring: the formats)."""
    if spec == "msg":
        return "" if value is None else render(value["msg"], value.get("params"), lang)
    if spec in ("msgs", "msglist"):
        return ("; " if spec == "msgs" else ", ").join(
            v if isinstance(v, str) else render(v["msg"], v.get("params"), lang)
            for v in value or [])
    if spec == "data":
        return _DATA_CLASS[lang].get(value, _WORDS[lang]["unknown"] if value is None else value)
    if value is None:
        return _WORDS[lang]["unknown"] if spec in ("n", "gb") else ""
    if spec == "n":
        return _number(value, lang)
    if spec == "g":
        return _decimal(value, lang, "g")
    if spec == "gb":
        return f"{_decimal(value / GB, lang, ',.1f')} {_WORDS[lang]['gb']}"
    if spec == "dur":
        return _duration(value, lang)
    if spec == "host":
        return _short(value)
    if spec == "hosts":
        return ", ".join(_short(v) for v in value)
    if spec == "list":
        return ", ".join(str(v) for v in value)
    if spec == "and":
        return _and([str(v) for v in value], lang)
    if isinstance(value, dict) and "msg" in value:
        return render(value["msg"], value.get("params"), lang)
    return format(value, spec)


_PARSED: dict[tuple[str, str], list] = {}


def _parts(msg_id: str, lang: str) -> list:
    """The template cut once into (literal, name or None, spec) pieces (rendering is hot:
    a large estate's plan writes tens of thousands of sentences)."""
    key = (msg_id, lang)
    parts = _PARSED.get(key)
    if parts is None:
        parts = [(lit, name, spec or "") for lit, name, spec, _ in
                 string.Formatter().parse(MESSAGES[msg_id][lang])]
        _PARSED[key] = parts
    return parts


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"no planner catalogue for language {lang!r} (have: en, fr)")
    return lang


def render(msg_id: str, params: dict | None = None, lang: str = DEFAULT_LANG) -> str:
    """The sentence ``msg_id`` with ``params``, in ``lang``.

    Raises
    ------
    KeyError
        For an unknown message id or a missing parameter.
    ValueError
        For a language without a catalogue.
    """
    if lang not in _WORDS:
        check_lang(lang)
    params = params or {}
    out = []
    for lit, name, spec in _parts(msg_id, lang):
        out.append(lit)
        if name is not None:
            out.append(_field(params[name], spec, lang))
    return "".join(out)


def message(msg_id: str, **params) -> dict:
    """``{"msg", "params"}``: a sentence (or a fragment, as another message's parameter)."""
    if msg_id not in MESSAGES:
        raise KeyError(f"unknown planner message id {msg_id!r}")
    out = {"msg": msg_id, "params": _canon(params)}
    missing = {name for _, name, _ in _parts(msg_id, DEFAULT_LANG) if name is not None} - set(params)
    if missing:                                # fails here, in the planner, not in a report
        raise KeyError(f"message {msg_id!r} needs {', '.join(sorted(missing))}")
    return out


def text(msg_id: str, **params) -> dict:
    """``{"msg", "params", "text"}`` where ``text`` is the English rendering."""
    out = message(msg_id, **params)
    out["text"] = render(msg_id, out["params"])
    return out


def localized(obj, field: str = "text", lang: str = DEFAULT_LANG) -> str:
    """``obj``'s text ``field`` in ``lang``.

    A planner object carries its sentence as ``msg`` + ``params`` next to ``text`` (reasons,
    checklist items, transfer facts) or as ``<field>_msg`` next to another field (a stay's or
    a hybrid flow's ``reason``).  A plan.json written before the catalogue has only the text:
    it is returned as it is.  A plain string passes through.
    """
    if isinstance(obj, str) or obj is None:
        return obj or ""
    if not isinstance(obj, dict):
        return str(obj)
    ref = obj if field == "text" else obj.get(f"{field}_msg")
    if isinstance(ref, dict) and ref.get("msg") in MESSAGES:
        try:
            return render(ref["msg"], ref.get("params"), lang)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            pass                               # a plan from another hdscan: keep its text
    value = obj.get(field)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def placeholders(template: str) -> set[tuple[str, str]]:
    """The ``(name, spec)`` placeholders of a template (for the catalogue test)."""
    return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name}


def fixed_words(msg_id: str, lang: str) -> list[str]:
    """The template's own words (placeholders removed), for the language-leak test."""
    bare = re.sub(r"\{[^{}]*\}", " ", MESSAGES[msg_id][lang])
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", bare)


def _localize(value, lang: str):
    if isinstance(value, list):
        return [_localize(v, lang) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        if key in ("params",) or key.endswith("_msg"):
            out[key] = v                       # the sentence's parameters: data, kept as they are
        elif isinstance(v, str) and (key == "text" and "msg" in value or f"{key}_msg" in value):
            out[key] = localized(value, key, lang)
        else:
            out[key] = _localize(v, lang)
    return out


def localize_plan(plan: dict, lang: str) -> dict:
    """A copy of ``plan`` whose planner sentences (every ``text`` beside a ``msg``, every
    ``<field>`` beside a ``<field>_msg``) read in ``lang``; English returns ``plan`` itself
    (its texts are the English rendering).  Texts of an older plan.json, without ``msg``,
    stay as they are."""
    if check_lang(lang) == DEFAULT_LANG or not isinstance(plan, dict):
        return plan
    return _localize(plan, lang)
