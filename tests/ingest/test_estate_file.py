"""estate.yml: sites, internal domains, assertions, and located errors."""

from __future__ import annotations

import pytest

from scanner.errors import InputError
from scanner.ingest.estate_file import parse_estate_config

GOOD = """\
schema: hdscan-estate/1
name: CH test
sites:
  - id: main
    subnets: [10.20.0.0/16]
  - id: annexe
    subnets: [10.30.0.0/16]
internal_domains: [CH.Local.]
assertions:
  - entity: host:vm-0042
    set: {role: PACS}
    author: DSI
    reason: biomedical PACS VM
"""


def test_good_file():
    c = parse_estate_config(GOOD)
    assert c.name == "CH test"
    assert c.internal_domains == ("ch.local",)
    assert c.site_of("10.30.4.5") == "annexe" and c.site_of("8.8.8.8") is None
    assert c.is_internal_address("10.20.0.1") and not c.is_internal_address("192.168.1.1")
    assert c.assertions[0]["set"] == {"role": "PACS"}


def test_without_sites_private_addresses_are_internal():
    c = parse_estate_config("schema: hdscan-estate/1\n")
    assert c.is_internal_address("192.168.1.1") and not c.is_internal_address("20.60.1.5")


@pytest.mark.parametrize("text, message", [
    ("schema: hdscan-estate/9\n", "estate.yml: line 1: schema is 'hdscan-estate/9', this hdscan reads 'hdscan-estate/1'"),
    ("schema: hdscan-estate/1\nsites:\n  - id: a\n    subnets: [10.0.0.0/33]\n",
     "estate.yml: line 2: sites[0] (a): '10.0.0.0/33' is not a subnet"),
    ("schema: hdscan-estate/1\nassertions:\n  - entity: host:x\n    set: {role: PACS}\n",
     "estate.yml: line 2: assertions[0] needs entity, set, author and reason"),
    ("schema: [unclosed\n", "estate.yml: line 2: not valid YAML: expected ',' or ']', but got '<stream end>'"),
])
def test_errors_are_located(text, message):
    with pytest.raises(InputError) as exc:
        parse_estate_config(text, "estate.yml")
    assert str(exc.value) == message
