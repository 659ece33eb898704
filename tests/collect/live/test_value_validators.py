"""The sampling validators against their definitions: NIR key mod 97 (Corsica 2A/2B), Luhn…"""

from __future__ import annotations

import random

import pytest

from scanner.collect.live import values
from scanner.collect.live.sampling import candidate, summarise


def _key(body: str) -> str:
    return f"{97 - int(body.replace('2A', '19').replace('2B', '18')) % 97:02d}"


def test_nir_key_is_97_minus_the_number_mod_97():
    assert values.nir("185057800608491")                 # the textbook example, key 91
    assert values.nir("1 85 05 78 006 084 91")
    assert not values.nir("185057800608492")
    rng = random.Random(5)
    for _ in range(200):
        body = f"{rng.choice('12')}{rng.randrange(100):02d}{rng.randrange(1, 13):02d}" \
               f"{rng.randrange(1, 96):02d}{rng.randrange(10**6):06d}"
        good = body + _key(body)
        assert values.nir(good) and values.ins(good)
        bad = body + f"{(int(_key(body)) % 97) + 1:02d}"
        assert not values.nir(bad)


@pytest.mark.parametrize("dept, as_number", [("2A", "19"), ("2B", "18")])
def test_corsican_departments_count_as_19_and_18(dept, as_number):
    body = f"16804{dept}123456"
    good = body + _key(body)
    assert values.nir(good)
    assert values.nir(good.lower())
    # the key computed with the letters read as 20 does not pass
    wrong = body + f"{97 - int(body.replace(dept, '20')) % 97:02d}"
    assert wrong == good or not values.nir(wrong)


def test_ins_accepts_nia_and_nir_does_not():
    body = "7991299123456"
    nia = body + _key(body)
    assert values.ins(nia) and not values.nir(nia)
    body = "3991299123456"                # provisional NIR: a NIR, not an INS
    assert values.nir(body + _key(body)) and not values.ins(body + _key(body))


def test_luhn_numbers():
    assert values.finess("750712184") and not values.finess("750712185")   # AP-HP's FINESS
    assert not values.finess("75071218") and not values.finess("７５０７１２１８４")
    body = "1000301000"
    good = next(body + str(d) for d in range(10) if values.luhn(body + str(d)))
    assert values.rpps(good) and sum(values.rpps(body + str(d)) for d in range(10)) == 1
    assert not values.rpps(good[:-1])


@pytest.mark.parametrize("value, ids", [
    ("I21.0", ["cim10"]), ("E11", ["cim10"]), ("C509", ["cim10"]), ("DZQM006", ["ccam"]),
    ("jeanne.x@chu-exemple.fr", ["email"]), ("01 23 45 67 89", ["phone_fr"]),
    ("+33 6 12 34 56 78", ["phone_fr"]), ("0033612345678", ["phone_fr"]),
    ("0612345678", ["phone_fr"]), ("12", []), ("U07.1", ["cim10"]), ("I2", []), ("hello", []), (None, []),
    ("x" * 300, []),
])
def test_shapes(value, ids):
    assert values.matches(value) == ids


def test_summary_keeps_counts_and_ids_only():
    out = summarise("NUM_SECU", ["185057800608491", None, "DUPONT-CANARY", "185057800608492"])
    assert out == ["num_secu:ins:1/3", "num_secu:nir:1/3"]
    assert not any("1850578006084" in s or "CANARY" in s for s in out)


@pytest.mark.parametrize("name, expected", [
    ("nir", True), ("num_secu", True), ("ins_matricule", True), ("code_rpps", True),
    ("finess_etab", True), ("diagnostic_cim10", True), ("mail", True), ("tel_portable", True),
    ("patient_id", True), ("nom_naissance", False), ("prenom", False), ("salaire", False),
    ("insertion_date", False), ("libelle", False),
])
def test_candidate_columns(name, expected):
    assert candidate(name) is expected
