"""Fleet collection for real (issue #3 item 6): ``deploy/ansible/hdscan-agent.yml`` run by
``ansible-playbook`` against three hosts — network namespaces each running a real sshd
(key-based root login with a throw-away key) — pushes the agent as a wheelhouse, runs it,
fetches the three bundles and imports them; the store then holds the three hosts. A second
run of the playbook changes nothing.

The hosts' identity (host name, machine id) comes from ``labnet.Lab.wrap``: sshd is started
in a UTS namespace of its own with the host's name and a bind-mounted machine id, and
every session it forks (so every agent Ansible starts) inherits them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

import labnet
from scanner.store import Store

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[3]
PLAYBOOK = ROOT / "deploy" / "ansible" / "hdscan-agent.yml"
HOSTS = ["hg2-node1", "hg2-node2", "hg2-node3"]
SSHD = "/usr/sbin/sshd"


def _wheelhouse(tmp: Path) -> Path:
    """hdscan and its dependencies as wheels, built from this source tree (as a release would)."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("scanner", "reports", "rules"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    wh = tmp / "wheelhouse"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check",
                        "-w", str(wh), str(src)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert any(p.name.startswith("hdscan-") for p in wh.iterdir())
    return wh


def _sshd_config(lab: labnet.Lab, host: str, tmp: Path) -> Path:
    d = lab.hosts[host]["dir"]
    key = d / "ssh_host_ed25519_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, timeout=30)
    cfg = d / "sshd_config"
    cfg.write_text("\n".join([
        f"ListenAddress {lab.ip(host)}", "Port 22", f"HostKey {key}", f"PidFile {d / 'sshd.pid'}",
        f"AuthorizedKeysFile {tmp / 'authorized_keys'}", "PermitRootLogin prohibit-password",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
        "StrictModes no", "Subsystem sftp internal-sftp", "LogLevel ERROR", ""]))
    return cfg


def _recap(stdout: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP lines → {host: {ok: n, changed: n, …}}."""
    out = {}
    for line in stdout.split("PLAY RECAP", 1)[-1].splitlines():
        m = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if m:
            out[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
    return out


def _bundle_inventory(path: Path) -> tuple[dict, dict, list[str]]:
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        inv = json.load(tar.extractfile("inventory.json"))
        members = tar.getnames()
    return manifest, inv, members


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    labnet.require("ip", "unshare", "flock", "ssh-keygen", SSHD, "ansible-playbook")
    tmp = tmp_path_factory.mktemp("hg2fleet")
    wheelhouse = _wheelhouse(tmp)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hg2-throwaway",
                    "-f", str(tmp / "id_ed25519")], check=True, timeout=30)
    (tmp / "authorized_keys").write_text((tmp / "id_ed25519.pub").read_text())
    (tmp / "sign.key").write_text(secrets.token_hex(32) + "\n")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)   # sshd's privilege-separation dir
    with labnet.Lab("fleet", "10.250.42", HOSTS, tmp / "hosts", root_address=True) as lab:
        for host in HOSTS:
            cfg = _sshd_config(lab, host, tmp)
            with open(cfg.parent / "sshd.log", "w") as log:
                lab.spawn(host, [SSHD, "-D", "-e", "-f", str(cfg)], stderr=log)
        for host in HOSTS:
            labnet.wait_port_from_root(lab.ip(host), 22)
        python = os.path.realpath(sys.executable)
        lines = ["[hdscan_agents]"]
        lines += [f"{h} ansible_host={lab.ip(h)} hdscan_agent_home={tmp / 'hosts' / h / 'opt'}"
                  for h in HOSTS]
        lines += ["", "[hdscan_agents:vars]", "ansible_user=root",
                  f"ansible_ssh_private_key_file={tmp / 'id_ed25519'}",
                  f"ansible_python_interpreter={python}", f"hdscan_python={python}",
                  "ansible_ssh_common_args='-o StrictHostKeyChecking=no "
                  "-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o ConnectTimeout=10'"]
        (tmp / "inventory.ini").write_text("\n".join(lines) + "\n")
        extra = {"hdscan_run_id": "hg2-t1", "hdscan_duration": "3s", "hdscan_interval": "1s",
                 "hdscan_flush": "1s", "hdscan_poll": 1, "hdscan_wheelhouse": str(wheelhouse),
                 "hdscan_collect_dir": str(tmp / "collected"), "hdscan_out": str(tmp / "out"),
                 "hdscan_control_cmd": f"{python} -m scanner", "hdscan_sign_key": str(tmp / "sign.key")}
        (tmp / "vars.json").write_text(json.dumps(extra))
        cpdir = Path(f"/tmp/hg2cp{os.getpid()}")   # ssh ControlPath must stay short
        cpdir.mkdir(exist_ok=True)
        env = dict(os.environ, ANSIBLE_CONFIG=str(PLAYBOOK.parent / "ansible.cfg"),
                   ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_SSH_CONTROL_PATH_DIR=str(cpdir), ANSIBLE_LOCAL_TEMP=str(tmp / "ans-local"),
                   PYTHONPATH=str(ROOT))

        def play(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(["ansible-playbook", "-i", str(tmp / "inventory.ini"),
                                   "-e", f"@{tmp / 'vars.json'}", *args, str(PLAYBOOK)],
                                  capture_output=True, text=True, timeout=600, env=env)

        try:
            t0 = time.monotonic()
            first = play()
            t1 = time.monotonic()
            second = play()
            print(f"hg2 fleet: first run {t1 - t0:.1f} s, second {time.monotonic() - t1:.1f} s")
            yield {"tmp": tmp, "lab": lab, "first": first, "second": second, "play": play}
        finally:
            shutil.rmtree(cpdir, ignore_errors=True)


def test_playbook_reaches_the_three_hosts_and_imports_their_bundles(fleet):
    first = fleet["first"]
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    recap = _recap(first.stdout)
    assert set(recap) == set(HOSTS), first.stdout[-3000:]
    assert all(r["failed"] == 0 and r["unreachable"] == 0 and r["changed"] > 0 for r in recap.values())

    tmp, lab = fleet["tmp"], fleet["lab"]
    fetched = sorted(p.name for p in (tmp / "collected").iterdir())
    assert fetched == [f"{h}.hdscan.tar" for h in HOSTS]
    ids = set()
    for host in HOSTS:
        manifest, inv, members = _bundle_inventory(tmp / "collected" / f"{host}.hdscan.tar")
        assert "manifest.sig" in members   # signed on the host with the pushed key
        # the agent ran on that host: its name, its machine id, its network namespace
        assert manifest["host"]["hostname"] == inv["host"]["hostname"] == host
        ids.add(inv["host"]["host_id"])
        assert lab.ip(host) in json.dumps(inv["host"])   # its interface's address
        assert {"ip": lab.ip(host), "port": 22, "transport": "tcp"}.items() <= \
            next(x for x in inv["listening"] if x["port"] == 22).items()
        assert inv["samples"] >= 2
        # the control node's ssh session that started the agent, seen from the server side
        ssh_in = [c for c in inv["connections"] if c["local_role"] == "server" and c["local_port"] == 22]
        assert ssh_in and all(c["remote_ip"] == "10.250.42.254" and c["process"] == "sshd"
                              for c in ssh_in)
    assert len(ids) == 3

    with Store(tmp / "out" / "store.sqlite", create=False) as store:
        hosts = sorted(o.data["hostname"] for o in store.observations() if o.kind == "host")
    assert hosts == HOSTS


def test_second_run_changes_nothing(fleet):
    second = fleet["second"]
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-2000:]
    recap = _recap(second.stdout)
    assert set(recap) == set(HOSTS)
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in recap.values()), second.stdout[-3000:]


def test_a_bad_run_id_is_refused_before_touching_a_host(fleet):
    r = fleet["play"]("-e", "hdscan_run_id=../x")
    assert r.returncode != 0 and "set hdscan_run_id" in r.stdout
    recap = _recap(r.stdout)
    assert set(recap) == set(HOSTS)
    assert all(x["failed"] == 1 and x["changed"] == 0 for x in recap.values())
    assert not list((fleet["tmp"] / "hosts").glob("*/opt/x.hdscan.tar*"))


def test_detached_run_is_fetched_and_imported_later(fleet):
    tmp, play = fleet["tmp"], fleet["play"]
    t2 = ["-e", "hdscan_run_id=hg2-t2", "-e", "hdscan_detach=true", "-e", "hdscan_duration=4s",
          "-e", f"hdscan_collect_dir={tmp / 'collected-t2'}"]
    started = play(*t2)
    assert started.returncode == 0, started.stdout[-4000:]
    # the play returned while the agents sample: nothing finished, so nothing fetched
    assert not (tmp / "collected-t2").exists()
    done = [tmp / "hosts" / h / "opt" / "bundles" / "hg2-t2.hdscan.tar.done" for h in HOSTS]
    deadline = time.monotonic() + 120
    while not all(p.exists() for p in done):
        assert time.monotonic() < deadline, "the detached agents did not finish within 120 s"
        time.sleep(0.5)
    later = play(*t2, "--tags", "fetch,import")
    assert later.returncode == 0, later.stdout[-4000:]
    assert sorted(p.name for p in (tmp / "collected-t2").iterdir()) == [f"{h}.hdscan.tar" for h in HOSTS]
    for host in HOSTS:
        _, inv, _ = _bundle_inventory(tmp / "collected-t2" / f"{host}.hdscan.tar")
        assert inv["host"]["hostname"] == host and inv["samples"] >= 3
    with Store(tmp / "out" / "store.sqlite", create=False) as store:
        assert sorted({o.data["hostname"] for o in store.observations() if o.kind == "host"}) == HOSTS
