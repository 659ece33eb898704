"""Owns the planner's reasons: the closed list of reason kinds and their constructor.

Every group, wave and stay carries ``{"kind", "msg", "params", "text"}`` (plus
``evidence``, the observation ids behind it, when an edge of the graph is the cause):
``msg`` is a message id of scanner/plan/messages.py, ``params`` its parameters and ``text``
the English rendering.  Call ``reason(kind, "msg.id", evidence, name=value, …)`` and add
the message's English and French templates to ``messages.MESSAGES``.  docs/planner.md
explains each kind; a test keeps that page and ``KINDS`` in step.
"""

from __future__ import annotations

from .messages import MESSAGES, text as _message_text

KINDS = {
    # groups: why hosts move together
    "replication": "cluster, mirror or replica peers: both run the service one talks to",
    "db_link": "a database reads another through a database link",
    "database": "an application talks a database protocol to another host's database",
    "file-share": "a server uses another server's SMB file share",
    "chatty": "a server calls another at a high connection rate: one WAN round trip per call",
    "shared-storage": "hosts mounting one network volume move with each other and its server, "
                      "or the plan lists the cross-site storage path",
    "pin": "the plan configuration pins hosts together",
    "single": "no must-move-together dependency: the host moves alone",
    "gatherer": "the host reads many servers by design; its sessions glue no group",
    # stays
    "exclusion": "the plan configuration excludes the host",
    "device-class": "the host's device class never moves",
    "stay-role": "the host's role never moves",
    "client-only": "a host with no service and no inventory, seen only as a client",
    # waves: why a group is placed where it is
    "foundation": "shared infrastructure (directory, DNS) placed first",
    "pilot": "a low-risk group placed in the pilot wave",
    "risk-order": "groups move from the least to the most critical",
    "care-chain": "groups coupled by clinical interface flows kept in one or consecutive waves",
    "ordering": "a configured ordering forces a later wave",
    "follows": "a warehouse moves in the wave of the database it reads, or later",
    "capacity": "a later wave was full (servers, bytes, balanced load) or moves a group alone",
    "tier1-limit": "a later wave already held its tier-1 groups",
    "exceeds-capacity": "a group larger than the wave capacity placed alone",
    "hybrid-cost": "a later wave would keep the group's cross-site links open longer",
    # waves: site-level constraints (scanner/plan/sites.py)
    "site-capacity": "a later wave already moved as many servers of a site as its team can take",
    "site-limit": "a later wave already touched as many sites as max_sites_per_wave allows",
    "site-freeze": "a site must not be touched in a wave (not_before_wave, freeze)",
    "site-order": "a configured site ordering: one site's groups move after another's",
    "pilot-site": "the pilot only takes groups of the configured pilot site",
}


def reason(kind: str, msg: str, evidence=None, **params) -> dict:
    """A reason of a known kind: message ``msg`` with ``params``; ``evidence`` is a list of
    observation ids.

    Transitional: a ``msg`` that is no message id (and no ``params``) is taken as an
    English text of the old form and kept as ``{"kind", "text"}``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown plan reason kind {kind!r}")
    if msg in MESSAGES:
        out = {"kind": kind, **_message_text(msg, **params)}
    elif params:
        raise KeyError(f"unknown planner message id {msg!r}")
    else:
        out = {"kind": kind, "text": msg}
    if evidence:
        out["evidence"] = sorted(set(evidence))
    return out
