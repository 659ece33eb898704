"""The agent's versioned bundle: written by a real agent run, verified on import, refused
whole when tampered, truncated, padded or from a newer agent; version 1 upgraded."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.collect import registry
from scanner.collect.agent import bundle, inventory, loop
from scanner.errors import InputError
from scanner.pipeline import import_inputs
from scanner.store import Store

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "agent"


@pytest.fixture(scope="module")
def agent_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hg-bundle") / "this.hdscan.tar"
    loop.run(out, 0, 1, 1)                                  # a real one-shot agent run
    return out


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def _repack(path: Path, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())


def test_the_agent_writes_a_manifest_with_the_hash_of_every_file(agent_bundle):
    members = _members(agent_bundle)
    assert list(members) == ["manifest.json", "inventory.json"]
    manifest = json.loads(members["manifest.json"])
    doc = json.loads(members["inventory.json"])
    assert manifest["schema"] == "hdscan-agent-bundle/2"
    assert manifest["host"] == {"hostname": doc["host"]["hostname"], "host_id": doc["host"]["host_id"]}
    assert (manifest["collected_from"], manifest["collected_to"]) == (
        doc["collected_from"], doc["collected_to"])
    assert manifest["files"] == [{"name": "inventory.json", "bytes": len(members["inventory.json"]),
                                  "sha256": hashlib.sha256(members["inventory.json"]).hexdigest()}]
    assert registry.collector_for(agent_bundle) is bundle
    got = bundle.read(agent_bundle, "b.tar")
    assert got.version_read == 2 and got.inventory == doc


def test_a_bundle_imports_and_a_restart_resumes_it(agent_bundle, tmp_path):
    out = tmp_path / "again.hdscan.tar"
    out.write_bytes(agent_bundle.read_bytes())
    result = loop.run(out, 0, 1, 1)
    assert result.resumed and result.samples == 2
    summary = import_inputs([out], tmp_path / "o")
    assert not summary.errors and [r.collector for r in summary.results] == ["agent-bundle"]
    with Store(tmp_path / "o" / "store.sqlite") as store:
        assert store.counts()["host"] == 1


def _refused(path: Path, source: str = "agents/x.tar") -> str:
    with pytest.raises(InputError) as err:
        list(bundle.collect(path, source))
    line = str(err.value)
    assert line.startswith(source + ": ") and "\n" not in line
    return line


def test_a_tampered_inventory_is_refused_naming_the_member(agent_bundle, tmp_path):
    raw = bytearray(agent_bundle.read_bytes())
    at = raw.index(b'"collected_from"', 1024)          # inside inventory.json, same length
    raw[at + 20] = ord("1") if raw[at + 20] != ord("1") else ord("2")
    bad = tmp_path / "x.tar"
    bad.write_bytes(bytes(raw))
    line = _refused(bad)
    assert "inventory.json: size or sha256 differs from the manifest" in line


@pytest.mark.parametrize("cut", [600, 1500, -1024, -1])
def test_a_truncated_bundle_is_refused_and_the_store_keeps_what_it_had(agent_bundle, tmp_path, cut):
    inputs = tmp_path / "in"
    inputs.mkdir()
    good = inputs / "a-good.hdscan.tar"
    good.write_bytes(agent_bundle.read_bytes())
    assert not import_inputs([inputs], tmp_path / "o").errors
    with Store(tmp_path / "o" / "store.sqlite") as store:
        before = store.counts()
    raw = agent_bundle.read_bytes()
    cut_file = inputs / "b-cut.hdscan.tar"
    if cut > 0:                                        # inside the manifest / the inventory
        cut_file.write_bytes(raw[:cut])
    else:                                              # into the two end-of-archive blocks
        end = len(raw.rstrip(b"\0"))
        end += -end % 512 + 1024                       # (tarfile pads after them to 10 KiB)
        cut_file.write_bytes(raw[:end + cut])
    line = _refused(cut_file)
    assert "refused whole" in line
    summary = import_inputs([inputs], tmp_path / "o")
    assert [str(e).split(":")[0] for e in summary.errors] == ["b-cut.hdscan.tar"]
    with Store(tmp_path / "o" / "store.sqlite") as store:
        assert store.counts() == before


def test_a_future_version_an_extra_member_and_a_foreign_manifest_are_refused(agent_bundle, tmp_path):
    members = _members(agent_bundle)
    manifest = json.loads(members["manifest.json"])
    path = tmp_path / "x.tar"

    _repack(path, {**members, "manifest.json": json.dumps({**manifest, "schema": "hdscan-agent-bundle/3"}).encode()})
    assert registry.collector_for(path) is bundle
    assert "manifest.json schema: bundle version 3 (hdscan-agent-bundle/3) from a newer agent" in _refused(path)

    _repack(path, {**members, "notes.txt": b"added later"})
    assert "notes.txt: not listed in the manifest" in _refused(path)

    _repack(path, {"manifest.json": members["manifest.json"]})
    assert "inventory.json: listed in the manifest but missing" in _refused(path)

    other = {**manifest, "host": {**manifest["host"], "hostname": "someone-else"}}
    _repack(path, {**members, "manifest.json": json.dumps(other).encode()})
    assert "manifest.json host.hostname: 'someone-else' is not the inventory's" in _refused(path)


def test_version_1_is_upgraded_explicitly_and_reads_the_same(tmp_path):
    v1 = FIX / "dpi-app01.json"
    raw = v1.read_bytes()
    up = bundle.upgrade_v1(inventory.parse(raw, "v1"), raw)
    assert up.version_read == 1 and up.manifest["upgraded_from"] == 1
    assert up.manifest["host"]["hostname"] == "DPI-APP01"
    v2 = tmp_path / "dpi-app01.hdscan.tar"
    v2.write_bytes(bundle.pack(up.inventory, {"upgraded_from": 1}))
    direct = [(o.kind, o.data, o.evidence.location) for o in inventory.collect(v1, "s")]
    packed = [(o.kind, o.data, o.evidence.location) for o in bundle.collect(v2, "s")]
    assert direct == packed and len(direct) > 5


def test_import_on_the_command_line_names_the_tampered_file(agent_bundle, tmp_path):
    raw = bytearray(agent_bundle.read_bytes())
    at = raw.index(b'"hostname"', 1024)
    raw[at + 1] = ord("H")
    bad = tmp_path / "in" / "dpi-x.hdscan.tar"
    bad.parent.mkdir()
    bad.write_bytes(bytes(raw))
    result = CliRunner().invoke(main, ["import", str(bad.parent), "-o", str(tmp_path / "o"), "-q"])
    assert result.exit_code != 0
    errors = [line for line in result.output.splitlines() if line.startswith("hdscan: error")]
    assert errors == ["hdscan: error: dpi-x.hdscan.tar: inventory.json: size or sha256 differs from "
                      "the manifest (tampered or damaged); the bundle is refused whole"]


def test_signed_bundles_and_an_import_that_requires_them(tmp_path, monkeypatch):
    key, other = tmp_path / "fleet.key", tmp_path / "other.key"
    key.write_text("7f" * 32 + "\n")
    other.write_text("a1" * 32)
    signed = tmp_path / "in" / "signed.hdscan.tar"
    signed.parent.mkdir()
    result = CliRunner().invoke(main, ["agent", "-q", "--sign-key", str(key), "-o", str(signed)])
    assert result.exit_code == 0, result.output
    members = _members(signed)
    assert list(members) == ["manifest.json", "manifest.sig", "inventory.json"]
    assert bundle.read(signed, "s").inventory                  # no key asked: hashes only

    # a forger without the key: inventory and manifest rewritten consistently
    doc = json.loads(members["inventory.json"])
    doc["host"]["hostname"] = "forged-host"
    forged = tmp_path / "in" / "forged.hdscan.tar"
    forged.write_bytes(bundle.pack(doc))
    forged_members = _members(forged)
    _repack(forged, {"manifest.json": forged_members["manifest.json"],
                     "manifest.sig": members["manifest.sig"],
                     "inventory.json": forged_members["inventory.json"]})
    legacy = tmp_path / "in" / "old.json"
    legacy.write_bytes((FIX / "dpi-db01.json").read_bytes())
    unsigned = tmp_path / "in" / "unsigned.hdscan.tar"
    unsigned.write_bytes(bundle.pack(json.loads(members["inventory.json"])))

    monkeypatch.setenv("HDSCAN_BUNDLE_KEY_FILE", str(key))
    summary = import_inputs([signed.parent], tmp_path / "o")
    assert [r.source for r in summary.results] == ["signed.hdscan.tar"]
    assert sorted(str(e) for e in summary.errors) == [
        "forged.hdscan.tar: manifest.sig: does not match the manifest under the key of "
        "HDSCAN_BUNDLE_KEY_FILE (forged, or signed with another key); the bundle is refused whole",
        "old.json: a version-1 inventory carries no signature, and this import requires signed "
        "bundles (HDSCAN_BUNDLE_KEY_FILE)",
        "unsigned.hdscan.tar: manifest.sig: missing: this import requires bundles signed with "
        "the key of HDSCAN_BUNDLE_KEY_FILE; the bundle is refused whole"]
    monkeypatch.setenv("HDSCAN_BUNDLE_KEY_FILE", str(other))
    with pytest.raises(InputError, match="does not match"):
        list(bundle.collect(signed, "signed.hdscan.tar"))

    short = tmp_path / "short.key"
    short.write_text("too short")
    bad = CliRunner().invoke(main, ["agent", "-q", "--sign-key", str(short), "-o",
                                    str(tmp_path / "x.hdscan.tar")])
    assert bad.exit_code == 1 and "short.key: signing key shorter than 32 bytes" in bad.output
    usage = CliRunner().invoke(main, ["agent", "--sign-key", str(key), "-o", str(tmp_path / "x.json")])
    assert usage.exit_code == 2 and "cannot be signed" in usage.output
