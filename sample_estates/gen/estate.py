"""The estate model: sites, hosts, their services and processes, the flows between them.

Owns *what* the hospital is (one list of hosts per site with their true classification,
the flows the capture and the agents both show, the database links and the external
exposures). Writers in the sibling modules turn this model into input files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DOMAIN = "ch-saint-aurelien.local"
REALM = DOMAIN.upper()
AZURE_BLOB = "chsa-backup.blob.core.windows.net"
AZURE_CNAME = "blob.par21prdstr03a.store.core.windows.net"
AZURE_IP = "20.60.62.36"            # inside 20.60.0.0/16, published for Azure Storage
INSI_NAME = "teleservices-insi.sante.fr"
INSI_IP = "203.0.113.40"            # RFC 5737 documentation range: a French public service
MSS_NAME = "smtp.espacedeconfiance.mssante.fr"
MSS_IP = "203.0.113.25"
START = "2026-03-02T08:00:00Z"
END = "2026-03-09T08:00:00Z"
START_US = 1772438400 * 1_000_000   # 2026-03-02T08:00:00Z

WIN = ("Windows Server", "2019")
WIN22 = ("Windows Server", "2022")
WIN16 = ("Windows Server", "2016")
RHEL = ("Linux", "Red Hat Enterprise Linux 9.3")
RHEL8 = ("Linux", "Red Hat Enterprise Linux 8.9")
DEB = ("Linux", "Debian 12")
UBU = ("Linux", "Ubuntu 22.04")
OL = ("Linux", "Oracle Linux 8.9")


@dataclass
class Service:
    """A listening service (what nmap sees and the agent lists)."""
    port: int
    transport: str
    nmap_name: str
    product: str
    version: str
    process: str


@dataclass
class Process:
    name: str
    exe: str
    user: str
    cmdline: str


@dataclass
class Host:
    """A machine of the estate with its true classification."""
    name: str | None
    ip: str
    mac: str
    os: tuple[str, str]
    device_class: str
    agent: bool
    roles: list[str]
    data_class: str
    care_tier: int
    application: str
    services: list[Service] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    in_nmap: bool = True
    in_dns: bool = True
    exposure: str = "none"
    cpu: int = 4
    memory_gb: int = 16
    disks: list[tuple[str, int, int]] = field(default_factory=list)  # mount, total GB, used GB
    nmap_os: tuple[str, int, str] = ("", 0, "")                      # name, accuracy, type
    site: str = "main"
    # network mounts: fstype, server (base host name), export, mount point, total GB, used GB
    mounts: list[tuple[str, str, str, str, int, int]] = field(default_factory=list)

    @property
    def hosting(self) -> str:
        return "secnumcloud" if self.data_class == "health" else "any"

    @property
    def moves(self) -> bool:
        return self.device_class == "server"

    @property
    def key(self) -> str:
        return self.name or self.ip


@dataclass
class Flow:
    """A conversation kind between a client host and a server (host or external endpoint)."""
    client: str      # host key
    server: str      # host key or "ext:<name>"
    port: int
    transport: str
    kind: str        # payload builder name in capture.py
    opts: dict = field(default_factory=dict)
    sport: int = 0   # ephemeral port used in the capture and the agents


@dataclass
class Site:
    """One hospital site: hosts, flows, database links, external exposures."""
    id: str
    name: str
    prefix: str          # host-name prefix ('' for a single-site estate)
    net: int             # second octet of 10.<net>.0.0/16
    hosts: list[Host]
    flows: list[Flow]
    links: list[dict]
    exposures: list[dict]

    def host(self, key: str) -> Host:
        return self._index()[key]

    def _index(self) -> dict:
        if not hasattr(self, "_idx"):
            self._idx = {h.key: h for h in self.hosts}
        return self._idx

    @property
    def subnet(self) -> str:
        return f"10.{self.net}.0.0/16"


# Secrets planted in command lines, configuration files and dumps: none may reach an output.
SECRETS = {
    "dpi_db": "Crw-Pg!7731-dpi", "eai": "Iris#SysAdm-4410", "eds_fdw": "Fdw-Lecture-9921",
    "gef": "Gef+Cpage-2026", "gam_sql": "Pastel$Sql-5518", "lis_ora": "Glims_Ora-6602",
    "bkp": "S3cr3t-agent-0815",
}

# Patients planted as canaries: names must never leave the collectors.
PATIENTS = [
    dict(family="QUIMBERTEAU", given="Aldegonde", dob="19840512", sex="F", ipp="900001",
         nda="260300451", nir="284057511234523"),
    dict(family="VASQUELLON", given="Zéphyrine", dob="19510223", sex="F", ipp="900002",
         nda="260300452", nir="251022A01504807"),
    dict(family="TRÉMOUILLAC", given="Anatole", dob="19670930", sex="M", ipp="900003",
         nda="260300453", nir="167093305500961"),
    dict(family="BAZOUGEARD", given="Héloïse", dob="20190704", sex="F", ipp="900004",
         nda="260300454", nir="219074512300152"),
    dict(family="ROUZAUD-FLÉCHIÈRE", given="Barnabé", dob="19420118", sex="M", ipp="900005",
         nda="260300455", nir="142012B03300288"),
]
STAFF = [
    dict(matricule="A10234", family="LANGLOIS", given="Marc", nir="178037510812345", grade="IDE"),
    dict(matricule="A10871", family="PERRIN", given="Sophie", nir="285116902301456", grade="AS"),
    dict(matricule="A11002", family="NGUYEN", given="Thierry", nir="190024512345678", grade="PH"),
]


def nir_key(nir13: str) -> int:
    """NIR control key: 97 - (NIR mod 97), Corsica 2A→19, 2B→18."""
    digits = nir13.replace("2A", "19").replace("2B", "18")
    return 97 - int(digits) % 97


def _fix_nirs() -> None:
    for person in PATIENTS + STAFF:
        base = person["nir"][:13]
        person["nir"] = f"{base}{nir_key(base):02d}"


_fix_nirs()
for _p in PATIENTS:
    _p.update(unit="URG", rpps="10001234567", address="3 rue des Tilleuls^^Saint-Aurélien^^45999^FRA")


def canaries() -> list[str]:
    """Every planted value: patient names, full names and NIRs, staff NIRs and names, secrets."""
    out = []
    for p in PATIENTS:
        out += [p["family"], f"{p['given']} {p['family']}", p["nir"]]
    out += [s["nir"] for s in STAFF] + [f"{s['given']} {s['family']}" for s in STAFF]
    return out + sorted(SECRETS.values())


# --------------------------------------------------------------------------- the base hospital

def _svc(port, name, product="", version="", process="", transport="tcp"):
    return Service(port, transport, name, product, version, process)


def _proc(name, exe, user, cmdline=None):
    return Process(name, exe, user, cmdline or exe)


WIN_BASE_SVCS = [_svc(135, "msrpc", "Microsoft Windows RPC", "", "svchost.exe"),
                 _svc(445, "microsoft-ds", "", "", "System"),
                 _svc(3389, "ms-wbt-server", "Microsoft Terminal Services", "", "svchost.exe"),
                 _svc(5985, "http", "Microsoft HTTPAPI httpd", "2.0", "System")]
LIN_BASE_SVCS = [_svc(22, "ssh", "OpenSSH", "8.7", "sshd")]
WIN_BASE_PROCS = [_proc("System", "", "SYSTEM"), _proc("lsass.exe", "C:\\Windows\\System32\\lsass.exe", "SYSTEM"),
                  _proc("svchost.exe", "C:\\Windows\\System32\\svchost.exe", "SYSTEM", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p"),
                  _proc("VeeamDeploymentSvc.exe", "C:\\Windows\\Veeam\\Backup\\VeeamDeploymentSvc.exe", "SYSTEM"),
                  _proc("zabbix_agentd.exe", "C:\\Program Files\\Zabbix Agent\\zabbix_agentd.exe", "SYSTEM")]
LIN_BASE_PROCS = [_proc("systemd", "/usr/lib/systemd/systemd", "root", "/usr/lib/systemd/systemd --switched-root --system"),
                  _proc("sshd", "/usr/sbin/sshd", "root", "sshd: /usr/sbin/sshd -D"),
                  _proc("zabbix_agentd", "/usr/sbin/zabbix_agentd", "zabbix", "/usr/sbin/zabbix_agentd -c /etc/zabbix/zabbix_agentd.conf"),
                  _proc("veeamtransport", "/opt/veeam/transport/veeamtransport", "root", "/opt/veeam/transport/veeamtransport --run-service")]
ZBX = _svc(10050, "zabbix-agent", "Zabbix agent", "6.0", "zabbix_agentd")
VEEAM_AGENT = _svc(6160, "veeam-installer", "Veeam Installer Service", "12.1", "VeeamDeploymentSvc.exe")

H = "health"
P = "personal"
N = "none"

# name, zone, octet, os, roles, data_class, tier, application, services, processes, packages, options
BASE = [
    # zone 1: clinical application servers
    ("dpi-app01", 1, 11, WIN, ["DPI"], H, 1, "DPI M-Crossway",
     [_svc(8080, "http", "Apache Tomcat", "9.0.85", "java.exe"), _svc(8443, "https", "Apache Tomcat", "9.0.85", "java.exe"),
      _svc(2575, "hl7-mllp", "", "", "java.exe")],
     [_proc("MCrosswaySrv.exe", "D:\\MCrossway\\bin\\MCrosswaySrv.exe", "svc-dpi"),
      _proc("java.exe", "D:\\MCrossway\\jre\\bin\\java.exe", "svc-dpi",
            "java.exe -Xmx12g -Dspring.config.location=D:\\MCrossway\\conf\\application.properties -jar mcrossway-server.jar"
            " --db-password=" + SECRETS["dpi_db"])],
     ["M-Crossway Server 8.4", "Eclipse Temurin JRE 17"], dict(cpu=8, mem=32, disks=[("C:", 120, 48), ("D:", 400, 231)])),
    ("dpi-app02", 1, 12, WIN, ["DPI"], H, 1, "DPI M-Crossway", "=dpi-app01", None, None, {}),
    ("gam01", 1, 15, WIN, ["GAM"], H, 3, "GAM Pastel",
     [_svc(8080, "http", "Microsoft IIS httpd", "10.0", "w3wp.exe"), _svc(443, "https", "Microsoft IIS httpd", "10.0", "w3wp.exe")],
     [_proc("PastelGam.Server.exe", "D:\\Pastel\\PastelGam.Server.exe", "svc-gam"),
      _proc("w3wp.exe", "C:\\Windows\\System32\\inetsrv\\w3wp.exe", "IIS APPPOOL\\gam", "c:\\windows\\system32\\inetsrv\\w3wp.exe -ap \"gam\"")],
     ["Pastel GAM 2025.2", "Microsoft .NET Runtime 8.0"], dict(cpu=8, mem=24)),
    ("idt01", 1, 16, WIN, ["identity"], H, 1, "Serveur d'identité (rapprochement INS)",
     [_svc(2575, "hl7-mllp", "", "", "IdtServer.exe"), _svc(8443, "https", "Kestrel", "", "IdtServer.exe")],
     [_proc("IdtServer.exe", "D:\\Identito\\IdtServer.exe", "svc-idt")], ["Identito-Vigilance Server 4.2"], {}),
    ("eai01", 1, 20, RHEL8, ["EAI"], H, 1, "EAI InterSystems IRIS for Health",
     [_svc(1972, "intersystems-iris", "InterSystems IRIS superserver", "2024.1", "irisdb"),
      _svc(52773, "http", "InterSystems IRIS Management Portal", "2024.1", "irisdb"),
      _svc(2188, "iscagent", "InterSystems ISCAgent", "", "ISCAgent")]
     + [_svc(p, "unknown", "", "", "irisdb") for p in (6661, 6662, 6663, 6664, 6665, 6666, 6667)],
     [_proc("irisdb", "/usr/irissys/bin/irisdb", "irisusr", "/usr/irissys/bin/irisdb -s/data/iris/mgr -w/data/iris/mgr -cc -B -C/data/iris/iris.cpf*IRIS"),
      _proc("ISCAgent", "/usr/local/etc/irissys/ISCAgent", "root")],
     ["iris-2024.1.0.267", "openssl-3.0.7"], dict(cpu=16, mem=64, disks=[("/", 50, 21), ("/data", 800, 412)])),
    ("eai02", 1, 21, RHEL8, ["EAI"], H, 1, "EAI InterSystems IRIS for Health",
     [_svc(1972, "intersystems-iris", "InterSystems IRIS superserver", "2024.1", "irisdb"),
      _svc(2188, "iscagent", "InterSystems ISCAgent", "", "ISCAgent")],
     [_proc("irisdb", "/usr/irissys/bin/irisdb", "irisusr", "/usr/irissys/bin/irisdb -s/data/iris/mgr -w/data/iris/mgr -cc -B"),
      _proc("ISCAgent", "/usr/local/etc/irissys/ISCAgent", "root")],
     ["iris-2024.1.0.267"], dict(cpu=16, mem=64, disks=[("/", 50, 20), ("/data", 800, 405)])),
    ("ris01", 1, 30, WIN, ["RIS"], H, 2, "RIS Xplore",
     [_svc(104, "dicom", "", "", "Xplore.Worklist.exe"), _svc(2575, "hl7-mllp", "", "", "Xplore.Server.exe"),
      _svc(443, "https", "Microsoft IIS httpd", "10.0", "w3wp.exe"), _svc(1433, "ms-sql-s", "Microsoft SQL Server 2019", "15.00.4355", "sqlservr.exe")],
     [_proc("Xplore.Server.exe", "D:\\EDL\\Xplore\\Xplore.Server.exe", "svc-ris"),
      _proc("Xplore.Worklist.exe", "D:\\EDL\\Xplore\\Xplore.Worklist.exe", "svc-ris"),
      _proc("sqlservr.exe", "C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe", "NT Service\\MSSQLSERVER", "sqlservr.exe -sMSSQLSERVER"),
      _proc("w3wp.exe", "C:\\Windows\\System32\\inetsrv\\w3wp.exe", "IIS APPPOOL\\xplore")],
     ["Xplore 2024", "Microsoft SQL Server 2019"], dict(mem=32)),
    ("lis-app01", 1, 35, RHEL8, ["LIS"], H, 1, "SGL GLIMS",
     [_svc(2576, "unknown", "", "", "java"), _svc(2580, "unknown", "", "", "java"), _svc(8443, "https", "Apache Tomcat", "9.0.85", "java")],
     [_proc("java", "/opt/glims/jre/bin/java", "glims", "java -Xmx8g -Dglims.home=/opt/glims -jar /opt/glims/lib/glims-server.jar")],
     ["glims-server-10.3", "java-17-openjdk-headless"], dict(mem=32)),
    ("lab-mw01", 1, 36, WIN, ["lab-middleware"], H, 1, "Middleware de laboratoire",
     [_svc(3001, "unknown", "", "", "LabMiddleware.exe"), _svc(2581, "unknown", "", "", "LabMiddleware.exe")],
     [_proc("LabMiddleware.exe", "D:\\LabLink\\LabMiddleware.exe", "svc-labmw")], ["LabLink Instrument Middleware 7.1"], {}),
    ("pharma01", 1, 40, WIN, ["pharmacy"], H, 1, "Pharmacie (PUI)",
     [_svc(2577, "unknown", "", "", "Pharma.Server.exe"), _svc(443, "https", "Microsoft IIS httpd", "10.0", "w3wp.exe")],
     [_proc("Pharma.Server.exe", "D:\\Pharma\\Pharma.Server.exe", "svc-pharma"),
      _proc("w3wp.exe", "C:\\Windows\\System32\\inetsrv\\w3wp.exe", "IIS APPPOOL\\pharma")], ["Pharma 2025"], {}),
    ("bloc01", 1, 45, WIN, ["OR-scheduling"], H, 2, "Bloc opératoire DIANE",
     [_svc(2575, "hl7-mllp", "", "", "DianeServer.exe"), _svc(8080, "http", "", "", "DianeServer.exe")],
     [_proc("DianeServer.exe", "D:\\BOW\\Diane\\DianeServer.exe", "svc-bloc")], ["DIANE 6.3"], {}),
    ("urg01", 1, 50, WIN, ["emergency"], H, 1, "Urgences ResUrgences",
     [_svc(80, "http", "Microsoft IIS httpd", "10.0", "w3wp.exe"), _svc(2575, "hl7-mllp", "", "", "ResUrgences.Server.exe")],
     [_proc("ResUrgences.Server.exe", "D:\\ResUrgences\\ResUrgences.Server.exe", "svc-urg"),
      _proc("w3wp.exe", "C:\\Windows\\System32\\inetsrv\\w3wp.exe", "IIS APPPOOL\\resurgences")], ["ResUrgences 5.8"], {}),
    ("trf01", 1, 55, WIN16, ["other"], H, 1, "Traçabilité des produits sanguins",
     [_svc(2575, "hl7-mllp", "", "", "TrfServer.exe")],
     [_proc("TrfServer.exe", "D:\\Hemovigilance\\TrfServer.exe", "svc-trf")], ["Hemovigilance Server 3.0"], {}),
    ("ged01", 1, 60, WIN, ["other"], H, 2, "Gestion documentaire",
     [_svc(2575, "hl7-mllp", "", "", "GedService.exe"), _svc(443, "https", "Microsoft IIS httpd", "10.0", "w3wp.exe")],
     [_proc("GedService.exe", "D:\\GED\\GedService.exe", "svc-ged"),
      _proc("powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "svc-ged",
            "powershell.exe -NoProfile -File D:\\GED\\scripts\\Reindex-Dossier.ps1 -Patient \"Aldegonde QUIMBERTEAU\" -Ipp 900001")], ["GED Santé 2.9"], dict(disks=[("C:", 120, 40), ("E:", 2000, 1312)])),
    ("pmsi01", 1, 65, WIN, ["other"], H, 3, "PMSI / DIM",
     [_svc(2575, "hl7-mllp", "", "", "PmsiServer.exe")],
     [_proc("PmsiServer.exe", "D:\\PMSI\\PmsiServer.exe", "svc-pmsi")], ["PMSI Pilot 2026"], {}),
    ("dmp-gw01", 1, 70, RHEL, ["other"], H, 3, "Connecteur services nationaux (DMP, INSi)",
     [_svc(2575, "unknown", "", "", "java")],
     [_proc("java", "/usr/bin/java", "connect", "java -jar /opt/connecteur/connecteur-sante.jar")], ["java-17-openjdk-headless"], {}),
    ("mss01", 1, 75, DEB, ["other"], H, 2, "Messagerie MSSanté",
     [_svc(25, "smtp", "Postfix smtpd", "", "master")],
     [_proc("master", "/usr/lib/postfix/sbin/master", "root", "/usr/lib/postfix/sbin/master -w")], ["postfix"], {}),
    ("rdv01", 1, 80, DEB, ["web-portal"], P, 3, "Portail de prise de rendez-vous",
     [_svc(443, "https", "nginx", "1.22.1", "nginx")],
     [_proc("nginx", "/usr/sbin/nginx", "www-data", "nginx: master process /usr/sbin/nginx"),
      _proc("node", "/usr/bin/node", "rdv", "node /srv/rdv/server.js")], ["nginx", "nodejs"],
     dict(mounts=[("nfs4", "fs01", "/exports/portails", "/srv/portails", 500, 138)])),
    ("intranet01", 1, 85, DEB, ["web-portal"], N, 4, "Intranet",
     [_svc(80, "http", "nginx", "1.22.1", "nginx"), _svc(443, "https", "nginx", "1.22.1", "nginx")],
     [_proc("nginx", "/usr/sbin/nginx", "www-data", "nginx: master process /usr/sbin/nginx"),
      _proc("php-fpm8.2", "/usr/sbin/php-fpm8.2", "www-data")], ["nginx", "php8.2-fpm"],
     dict(mounts=[("nfs4", "fs01", "/exports/portails", "/var/www/partage", 500, 138)])),
    ("eds-etl01", 1, 90, UBU, ["warehouse"], H, 4, "Entrepôt de données de santé (EDS)",
     [],
     [_proc("java", "/usr/bin/java", "etl", "java -Xmx16g -jar /opt/etl/eds-loader.jar --config /etc/eds/etl.conf"),
      _proc("cron", "/usr/sbin/cron", "root", "/usr/sbin/cron -f")], ["openjdk-17-jre-headless"], dict(mem=32)),
    ("bi01", 1, 91, WIN, ["warehouse"], H, 4, "Entrepôt de données de santé (EDS)",
     [_svc(443, "https", "Microsoft IIS httpd", "10.0", "w3wp.exe")],
     [_proc("ReportingServicesService.exe", "C:\\Program Files\\Microsoft Power BI Report Server\\PBIRS\\ReportServer\\bin\\ReportingServicesService.exe", "svc-bi")],
     ["Microsoft Power BI Report Server"], {}),
    # zone 2: databases
    ("dpi-db01", 2, 21, RHEL, ["DPI-DB"], H, 1, "DPI M-Crossway",
     [_svc(5432, "postgresql", "PostgreSQL DB", "16.2", "postgres")],
     [_proc("postgres", "/usr/pgsql-16/bin/postgres", "postgres", "/usr/pgsql-16/bin/postgres -D /var/lib/pgsql/16/data/")],
     ["postgresql16-server-16.2"], dict(cpu=16, mem=128, disks=[("/", 50, 18), ("/var/lib/pgsql", 2000, 1380)])),
    ("dpi-db02", 2, 22, RHEL, ["DPI-DB"], H, 1, "DPI M-Crossway", "=dpi-db01", None, None, {}),
    ("gam-db01", 2, 25, WIN, ["GAM"], H, 3, "GAM Pastel",
     [_svc(1433, "ms-sql-s", "Microsoft SQL Server 2019", "15.00.4355", "sqlservr.exe")],
     [_proc("sqlservr.exe", "C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe", "NT Service\\MSSQLSERVER", "sqlservr.exe -sMSSQLSERVER")],
     ["Microsoft SQL Server 2019"], dict(mem=64, disks=[("C:", 120, 44), ("E:", 1000, 520)])),
    ("lis-db01", 2, 31, OL, ["LIS"], H, 1, "SGL GLIMS",
     [_svc(1521, "oracle-tns", "Oracle TNS listener", "19.0.0.0.0", "tnslsnr")],
     [_proc("tnslsnr", "/u01/app/oracle/product/19c/bin/tnslsnr", "oracle", "/u01/app/oracle/product/19c/bin/tnslsnr LISTENER -inherit"),
      _proc("ora_pmon_SGLDB", "", "oracle", "ora_pmon_SGLDB")], ["oracle-database-ee-19c"], dict(mem=64, disks=[("/", 50, 22), ("/u02", 1000, 610)])),
    ("sql01", 2, 40, WIN, ["pharmacy", "OR-scheduling"], H, 1, "SQL Server mutualisé (pharmacie, bloc)",
     [_svc(1433, "ms-sql-s", "Microsoft SQL Server 2019", "15.00.4355", "sqlservr.exe")],
     [_proc("sqlservr.exe", "C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe", "NT Service\\MSSQLSERVER", "sqlservr.exe -sMSSQLSERVER")],
     ["Microsoft SQL Server 2019"], dict(mem=64)),
    ("eds-db01", 2, 41, UBU, ["warehouse"], H, 4, "Entrepôt de données de santé (EDS)",
     [_svc(5432, "postgresql", "PostgreSQL DB", "15.6", "postgres")],
     [_proc("postgres", "/usr/lib/postgresql/15/bin/postgres", "postgres", "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c config_file=/etc/postgresql/15/main/postgresql.conf")],
     ["postgresql-15", "postgresql-contrib"], dict(cpu=16, mem=128, disks=[("/", 50, 14), ("/var/lib/postgresql", 4000, 2210)])),
    ("gef-db01", 2, 51, DEB, ["finance"], P, 4, "Finances GEF Cpage",
     [_svc(3306, "mysql", "MariaDB", "10.11.6", "mariadbd")],
     [_proc("mariadbd", "/usr/sbin/mariadbd", "mysql", "/usr/sbin/mariadbd")], ["mariadb-server-10.11"], {}),
    ("rh-db01", 2, 52, DEB, ["HR"], P, 4, "RH et paie Agirh",
     [_svc(5432, "postgresql", "PostgreSQL DB", "15.6", "postgres")],
     [_proc("postgres", "/usr/lib/postgresql/15/bin/postgres", "postgres", "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main")],
     ["postgresql-15"], {}),
    # zone 3: infrastructure
    ("dc01", 3, 10, WIN22, ["directory", "DNS"], P, 1, "Active Directory et DNS",
     [_svc(53, "domain", "Microsoft DNS", "6.1.7601", "dns.exe"), _svc(53, "domain", "Microsoft DNS", "", "dns.exe", "udp"),
      _svc(88, "kerberos-sec", "Microsoft Windows Kerberos", "", "lsass.exe"), _svc(88, "kerberos-sec", "", "", "lsass.exe", "udp"),
      _svc(389, "ldap", "Microsoft Windows Active Directory LDAP", "", "lsass.exe"), _svc(464, "kpasswd5", "", "", "lsass.exe"),
      _svc(636, "ldapssl", "", "", "lsass.exe"), _svc(3268, "ldap", "Microsoft Windows Active Directory LDAP", "", "lsass.exe"),
      _svc(3269, "globalcatldapssl", "", "", "lsass.exe"), _svc(123, "ntp", "", "", "svchost.exe", "udp")],
     [_proc("dns.exe", "C:\\Windows\\System32\\dns.exe", "SYSTEM"), _proc("ntfrs.exe", "C:\\Windows\\System32\\ntfrs.exe", "SYSTEM")],
     [], dict(mem=16)),
    ("dc02", 3, 11, WIN22, ["directory", "DNS"], P, 1, "Active Directory et DNS", "=dc01", None, None, {}),
    ("fs01", 3, 20, WIN22, ["file-print"], P, 3, "Serveur de fichiers",
     [_svc(2049, "nfs", "", "", "System")], [_proc("dfsrs.exe", "C:\\Windows\\System32\\dfsrs.exe", "SYSTEM")], [], dict(disks=[("C:", 120, 41), ("E:", 8000, 5630)])),
    ("print01", 3, 21, WIN22, ["file-print"], P, 3, "Serveur d'impression",
     [_svc(515, "printer", "", "", "lpdsvc.exe"), _svc(631, "ipp", "Microsoft IIS httpd", "10.0", "System")],
     [_proc("spoolsv.exe", "C:\\Windows\\System32\\spoolsv.exe", "SYSTEM"), _proc("lpdsvc.exe", "C:\\Windows\\System32\\lpdsvc.exe", "SYSTEM")], [], {}),
    ("bkp01", 3, 30, WIN22, ["backup"], H, 2, "Sauvegarde Veeam",
     [_svc(9392, "veeam", "Veeam Backup Service", "12.1", "Veeam.Backup.Service.exe"),
      _svc(9401, "veeam", "Veeam Backup Service", "12.1", "Veeam.Backup.Service.exe"),
      _svc(6162, "veeam-transport", "", "", "VeeamTransportSvc.exe")],
     [_proc("Veeam.Backup.Service.exe", "C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Service.exe", "svc-veeam"),
      _proc("Veeam.Backup.Manager.exe", "C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Manager.exe", "svc-veeam",
            "Veeam.Backup.Manager.exe -JobId 3b1c9a0e --repository azure-blob-chsa --password=" + SECRETS["bkp"]),
      _proc("VeeamTransportSvc.exe", "C:\\Program Files (x86)\\Veeam\\Backup Transport\\VeeamTransportSvc.exe", "SYSTEM")],
     ["Veeam Backup & Replication 12.1"], dict(mem=32)),
    ("bkp-repo01", 3, 31, UBU, ["backup"], H, 2, "Sauvegarde Veeam",
     [_svc(6162, "veeam-transport", "", "", "veeamtransport"), _svc(2500, "veeam-data", "", "", "veeamtransport")],
     [], [], dict(disks=[("/", 50, 12), ("/backups", 60000, 41200)])),
    ("mon01", 3, 40, RHEL, ["monitoring"], N, 3, "Supervision Zabbix",
     [_svc(10051, "zabbix-trapper", "Zabbix server", "6.0", "zabbix_server"), _svc(443, "https", "Apache httpd", "2.4.57", "httpd")],
     [_proc("zabbix_server", "/usr/sbin/zabbix_server", "zabbix", "/usr/sbin/zabbix_server -c /etc/zabbix/zabbix_server.conf"),
      _proc("httpd", "/usr/sbin/httpd", "apache", "/usr/sbin/httpd -DFOREGROUND"), _proc("mariadbd", "/usr/libexec/mariadbd", "mysql")],
     ["zabbix-server-mysql-6.0", "mariadb-server"], {}),
    ("pki01", 3, 41, WIN22, ["other"], N, 2, "PKI interne (AD CS)",
     [_svc(80, "http", "Microsoft IIS httpd", "10.0", "System")], [_proc("certsrv.exe", "C:\\Windows\\System32\\certsrv.exe", "SYSTEM")], [], {}),
    ("wsus01", 3, 42, WIN22, ["other"], N, 4, "Mises à jour WSUS",
     [_svc(8530, "http", "Microsoft IIS httpd", "10.0", "w3wp.exe")], [_proc("WsusService.exe", "C:\\Program Files\\Update Services\\Services\\WsusService.exe", "NETWORK SERVICE")], [], dict(disks=[("C:", 120, 50), ("E:", 1000, 690)])),
    ("av01", 3, 43, WIN, ["other"], N, 3, "Console antivirus",
     [_svc(8443, "https", "", "", "AvMgmtServer.exe")], [_proc("AvMgmtServer.exe", "C:\\Program Files\\AvMgmt\\AvMgmtServer.exe", "SYSTEM")], [], {}),
    ("vcenter01", 3, 44, ("Linux", "VMware Photon OS 3.0"), ["other"], N, 2, "Virtualisation VMware vCenter",
     [_svc(443, "https", "VMware vCenter Server", "8.0.2", ""), _svc(902, "vmware-auth", "VMware Authentication Daemon", "1.10", "")],
     [], [], dict(agent=False, os_guess=("VMware Photon OS 3.0 (Linux 4.19)", 96, "general purpose"))),
    ("ntp01", 3, 45, DEB, ["other"], N, 2, "Heure (NTP)", [_svc(123, "ntp", "", "", "chronyd", "udp")],
     [_proc("chronyd", "/usr/sbin/chronyd", "_chrony", "/usr/sbin/chronyd -F 1")], ["chrony"], {}),
    ("smtp01", 3, 46, DEB, ["other"], P, 3, "Relais de messagerie",
     [_svc(25, "smtp", "Postfix smtpd", "", "master")], [_proc("master", "/usr/lib/postfix/sbin/master", "root", "/usr/lib/postfix/sbin/master -w")], ["postfix"], {}),
    ("proxy01", 3, 47, DEB, ["other"], N, 3, "Proxy web",
     [_svc(3128, "http-proxy", "Squid http proxy", "5.7", "squid")], [_proc("squid", "/usr/sbin/squid", "proxy", "/usr/sbin/squid --foreground -sYC")], ["squid"], {}),
    ("jump01", 3, 48, WIN22, ["other"], N, 3, "Bastion d'administration", [], [_proc("mstsc.exe", "C:\\Windows\\System32\\mstsc.exe", "adm-dsi"), _proc("rdpclip.exe", "C:\\Windows\\System32\\rdpclip.exe", "adm-dsi")], [], {}),
    ("glpi01", 3, 49, DEB, ["other"], P, 4, "Gestion de parc et assistance GLPI",
     [_svc(80, "http", "Apache httpd", "2.4.62", "apache2")],
     [_proc("apache2", "/usr/sbin/apache2", "www-data", "/usr/sbin/apache2 -k start"), _proc("mariadbd", "/usr/sbin/mariadbd", "mysql")], ["apache2", "glpi"], {}),
    ("dhcp01", 3, 50, WIN22, ["other"], N, 2, "DHCP", [_svc(67, "dhcps", "", "", "svchost.exe", "udp")], [], [], {}),
    ("sip01", 3, 51, DEB, ["other"], P, 2, "Téléphonie IP", [_svc(5060, "sip", "Asterisk PBX", "20.5", "asterisk", "udp"), _svc(5061, "sip-tls", "", "", "asterisk")],
     [_proc("asterisk", "/usr/sbin/asterisk", "asterisk", "/usr/sbin/asterisk -f")], ["asterisk"], {}),
    # zone 4: administration
    ("gef-app01", 4, 10, WIN, ["finance"], P, 4, "Finances GEF Cpage",
     [_svc(443, "https", "Microsoft IIS httpd", "10.0", "w3wp.exe")],
     [_proc("Cpage.Gef.Server.exe", "D:\\Cpage\\Cpage.Gef.Server.exe", "svc-gef"),
      _proc("w3wp.exe", "C:\\Windows\\System32\\inetsrv\\w3wp.exe", "IIS APPPOOL\\gef")], ["Cpage GEF 2025"], {}),
    ("rh-app01", 4, 20, WIN, ["HR"], P, 4, "RH et paie Agirh",
     [_svc(8443, "https", "Apache Tomcat", "9.0.85", "java.exe")],
     [_proc("AgirhServer.exe", "D:\\Agirh\\AgirhServer.exe", "svc-rh"), _proc("java.exe", "D:\\Agirh\\jre\\bin\\java.exe", "svc-rh", "java.exe -jar agirh-server.jar")],
     ["Agirh 2026.1"], {}),
    # zone 10: biomedical
    ("pacs01", 10, 10, ("Linux", "Debian 11 (vendor appliance)"), ["PACS"], H, 1, "PACS (appliance Orthanc du fournisseur)",
     [_svc(4242, "dicom", "Orthanc DICOM server", "1.12.3", ""), _svc(8042, "http", "Orthanc", "1.12.3", ""),
      _svc(22, "ssh", "OpenSSH", "8.4p1 Debian 5+deb11u3", "")],
     [], [], dict(agent=False, os_guess=("Linux 5.0 - 5.14", 95, "general purpose"), disks=[("/var/lib/orthanc", 120000, 73400)])),
    ("ct01", 10, 20, ("Windows", "10 IoT Enterprise"), ["modality"], H, 1, "Scanner (CT)",
     [_svc(104, "dicom", "", "", "")], [], [],
     dict(agent=False, device="medical_device", dns=False, os_guess=("Microsoft Windows 10 1809 - 21H2", 92, "general purpose"))),
    ("mr01", 10, 21, ("Linux", "embedded"), ["modality"], H, 1, "IRM (MR)",
     [_svc(104, "dicom", "", "", "")], [], [],
     dict(agent=False, device="medical_device", dns=False, os_guess=("Linux 3.10 - 4.11", 90, "general purpose"))),
    (None, 10, 30, ("Linux", "embedded"), ["lab-analyzer"], H, 1, "Automate de biochimie",
     [_svc(8080, "http", "lighttpd", "1.4.45", "")], [], [],
     dict(agent=False, device="medical_device", dns=False, os_guess=("Linux 2.6.32 - 3.10", 88, "specialized"))),
    # zone 20: workstations (seen in traffic only)
    (None, 20, 101, ("Windows", "11"), ["workstation"], H, 1, "Poste des urgences", [], [], [],
     dict(agent=False, device="workstation", nmap=False, dns=False)),
    (None, 20, 102, ("Windows", "11"), ["workstation"], H, 2, "Poste de radiologie", [], [], [],
     dict(agent=False, device="workstation", nmap=False, dns=False)),
    (None, 20, 103, ("Windows", "11"), ["workstation"], H, 1, "Poste du laboratoire", [], [], [],
     dict(agent=False, device="workstation", nmap=False, dns=False)),
    (None, 20, 104, ("Windows", "11"), ["workstation"], P, 4, "Poste administratif (finances)", [], [], [],
     dict(agent=False, device="workstation", nmap=False, dns=False)),
]

OS_GUESS = {
    "Windows Server": ("Microsoft Windows Server 2019", 97, "general purpose"),
    "Linux": ("Linux 4.15 - 5.19", 95, "general purpose"),
}
WIN_OS_GUESS = {"2016": "Microsoft Windows Server 2016", "2019": "Microsoft Windows Server 2019",
                "2022": "Microsoft Windows Server 2022"}


def _mac(net: int, zone: int, octet: int, vendor: str = "00:50:56") -> str:
    return f"{vendor}:{net:02x}:{zone:02x}:{octet:02x}"


def gateway_mac(net: int, zone: int) -> str:
    """VRRP virtual MAC of the zone's gateway (00:00:5e:00:01:<vrid>)."""
    return f"00:00:5e:00:01:{zone:02x}"


def _build_host(row, site_id: str, prefix: str, net: int, rows_by_name: dict) -> Host:
    name, zone, octet, os_, roles, dc, tier, app, svcs, procs, pkgs, opts = row
    if isinstance(svcs, str):          # "=other": same software as another row
        src = rows_by_name[svcs[1:]]
        svcs, procs, pkgs, src_opts = src[8], src[9], src[10], src[11]
        opts = {**src_opts, **opts}
    device = opts.get("device", "server")
    is_win = os_[0].startswith("Windows")
    agent = opts.get("agent", device == "server")
    services = list(svcs)
    processes = list(procs)
    if agent:
        base_svcs = WIN_BASE_SVCS if is_win else LIN_BASE_SVCS
        have = {(s.port, s.transport) for s in services}
        services += [s for s in base_svcs + [ZBX if not is_win else _svc(10050, "zabbix-agent", "Zabbix agent", "6.0", "zabbix_agentd.exe")]
                     if (s.port, s.transport) not in have]
        if is_win and name not in ("bkp01",):
            services.append(VEEAM_AGENT)
        processes = (WIN_BASE_PROCS if is_win else LIN_BASE_PROCS) + processes
    vendor = {"medical_device": "00:1b:a9", "workstation": "3c:52:82"}.get(device, "00:50:56")
    if device == "server" and not agent:
        vendor = "00:0c:29"
    if is_win:
        guess = (WIN_OS_GUESS.get(os_[1], "Microsoft Windows Server 2019"), 97, "general purpose")
    else:
        guess = OS_GUESS.get(os_[0], ("Linux 4.15 - 5.19", 95, "general purpose"))
    guess = opts.get("os_guess", guess)
    disks = opts.get("disks") or ([("C:", 120, 38 + octet % 40), ("D:", 300, 60 + (octet * 7) % 200)] if is_win
                                  else [("/", 80, 12 + octet % 30), ("/var", 200, 40 + (octet * 5) % 120)])
    return Host(name=(prefix + name) if name else None, ip=f"10.{net}.{zone}.{octet}", mac=_mac(net, zone, octet, vendor),
                os=os_, device_class=device, agent=agent, roles=list(roles), data_class=dc, care_tier=tier,
                application=app, services=services, processes=processes, packages=list(pkgs or []),
                in_nmap=opts.get("nmap", True), in_dns=opts.get("dns", True),
                cpu=opts.get("cpu", 4), memory_gb=opts.get("mem", 16), disks=disks, nmap_os=guess, site=site_id,
                mounts=list(opts.get("mounts", [])))


# --------------------------------------------------------------------------- flows of the base hospital

def _base_flows(n) -> list[Flow]:
    """Every conversation of one hospital; ``n`` maps a base host name to its site key."""
    ws_urg, ws_rad, ws_lab, ws_adm = (n("ws:101"), n("ws:102"), n("ws:103"), n("ws:104"))
    f = []

    def hl7(client, server, port, types, sapp, rapp, patients=(0, 1)):
        f.append(Flow(n(client), n(server), port, "tcp", "hl7",
                      dict(types=types, sending=sapp, receiving=rapp, patients=list(patients))))

    # the EAI at the centre
    hl7("gam01", "eai01", 6661, ["ADT^A01", "ADT^A08", "ADT^A03"], ("PASTEL", "CHSA"), ("EAI", "CHSA"), (0, 1, 2))
    hl7("urg01", "eai01", 6666, ["ADT^A04"], ("RESURGENCES", "CHSA"), ("EAI", "CHSA"), (3,))
    hl7("eai01", "idt01", 2575, ["QBP^Q22"], ("EAI", "CHSA"), ("IDENTITO", "CHSA"), (1,))
    hl7("dpi-app01", "eai01", 6663, ["ORM^O01", "OML^O21"], ("CROSSWAY", "CHSA"), ("EAI", "CHSA"), (0, 4))
    hl7("dpi-app02", "eai01", 6663, ["ORM^O01"], ("CROSSWAY", "CHSA"), ("EAI", "CHSA"), (1,))
    hl7("eai01", "dpi-app01", 2575, ["ADT^A01", "ORU^R01", "MDM^T02"], ("EAI", "CHSA"), ("CROSSWAY", "CHSA"), (0, 2))
    hl7("eai01", "dpi-app02", 2575, ["ADT^A08", "ORU^R01"], ("EAI", "CHSA"), ("CROSSWAY", "CHSA"), (1,))
    hl7("eai01", "lis-app01", 2576, ["OML^O21"], ("EAI", "CHSA"), ("GLIMS", "LABO"), (0,))
    hl7("lis-app01", "eai01", 6664, ["ORU^R01", "OUL^R22"], ("GLIMS", "LABO"), ("EAI", "CHSA"), (0,))
    hl7("eai01", "ris01", 2575, ["ORM^O01", "ADT^A08"], ("EAI", "CHSA"), ("XPLORE", "RADIOLOGIE"), (2,))
    hl7("ris01", "eai01", 6665, ["ORU^R01"], ("XPLORE", "RADIOLOGIE"), ("EAI", "CHSA"), (2,))
    hl7("eai01", "pacs01", 2575, ["ORM^O01"], ("EAI", "CHSA"), ("PACS", "IMAGERIE"), (2,))
    hl7("eai01", "pharma01", 2577, ["RDE^O11"], ("EAI", "CHSA"), ("PHARMA", "PUI"), (4,))
    hl7("eai01", "bloc01", 2575, ["SIU^S12"], ("EAI", "CHSA"), ("DIANE", "BLOC"), (3,))
    hl7("eai01", "urg01", 2575, ["ADT^A01"], ("EAI", "CHSA"), ("RESURGENCES", "URGENCES"), (3,))
    hl7("eai01", "trf01", 2575, ["ADT^A01"], ("EAI", "CHSA"), ("HEMOVIGILANCE", "EFS"), (4,))
    hl7("eai01", "ged01", 2575, ["MDM^T02"], ("EAI", "CHSA"), ("GED", "CHSA"), (2,))
    hl7("eai01", "pmsi01", 2575, ["ADT^A03"], ("EAI", "CHSA"), ("PMSI", "DIM"), (0,))
    hl7("dpi-app01", "dmp-gw01", 2575, ["MDM^T02"], ("CROSSWAY", "CHSA"), ("CONNECTEUR", "DMP"), (2,))
    f.append(Flow(n("eai01"), n("eai02"), 2188, "tcp", "opaque", dict(size=6000)))
    f.append(Flow(n("eai01"), n("eai02"), 1972, "tcp", "opaque", dict(size=24000)))
    # lab chain
    f.append(Flow(n("an:30"), n("lab-mw01"), 3001, "tcp", "astm", dict(patients=[0, 4], sender="COBAS-C311")))
    hl7("lis-app01", "lab-mw01", 2581, ["OML^O21"], ("GLIMS", "LABO"), ("LABMW", "LABO"), (0,))
    hl7("lab-mw01", "lis-app01", 2580, ["OUL^R22"], ("LABMW", "LABO"), ("GLIMS", "LABO"), (0, 4))
    f.append(Flow(n("lis-app01"), n("lis-db01"), 1521, "tcp", "tns", dict(service="SGLDB", program="glims-server", user="glims")))
    f.append(Flow(ws_lab, n("lis-app01"), 8443, "tcp", "tls", dict(sni=f"{n('lis-app01')}.{DOMAIN}", alpn=["http/1.1"])))
    # imaging chain
    f.append(Flow(n("ct01"), n("ris01"), 104, "tcp", "dicom-mwl", dict(called="RIS_MWL", calling="CT01_SOMATOM", patient=2)))
    f.append(Flow(n("mr01"), n("ris01"), 104, "tcp", "dicom-mwl", dict(called="RIS_MWL", calling="MR01_AVANTO", patient=1)))
    f.append(Flow(n("ct01"), n("pacs01"), 4242, "tcp", "dicom-store", dict(called="PACS_CHSA", calling="CT01_SOMATOM", modality="CT", patient=2)))
    f.append(Flow(n("mr01"), n("pacs01"), 4242, "tcp", "dicom-store", dict(called="PACS_CHSA", calling="MR01_AVANTO", modality="MR", patient=1)))
    f.append(Flow(ws_rad, n("pacs01"), 8042, "tcp", "dicomweb", dict(patient=2)))
    f.append(Flow(ws_rad, n("ris01"), 443, "tcp", "tls", dict(sni=f"{n('ris01')}.{DOMAIN}", alpn=["h2", "http/1.1"])))
    # DPI and its database
    for app in ("dpi-app01", "dpi-app02"):
        f.append(Flow(n(app), n("dpi-db01"), 5432, "tcp", "pg", dict(user="dpi_app", database="dpi", application="MCrossway-Server")))
    f.append(Flow(n("dpi-db02"), n("dpi-db01"), 5432, "tcp", "pg", dict(user="replicator", database="replication", application="dpi-db02", replication=True)))
    f.append(Flow(n("urg01"), n("dpi-app01"), 8080, "tcp", "fhir", dict(resource="Patient", patient=1)))
    f.append(Flow(n("bloc01"), n("dpi-app02"), 8080, "tcp", "fhir", dict(resource="Encounter", patient=3)))
    f.append(Flow(n("pharma01"), n("dpi-app02"), 8080, "tcp", "fhir", dict(resource="MedicationRequest", patient=4)))
    f.append(Flow(ws_urg, n("dpi-app01"), 8443, "tcp", "tls", dict(sni=f"dpi.{DOMAIN}", alpn=["h2", "http/1.1"])))
    f.append(Flow(ws_urg, n("urg01"), 80, "tcp", "http", dict(path="/ResUrgences/tableau-de-bord", ctype="text/html; charset=utf-8")))
    # warehouse reads the DPI
    f.append(Flow(n("eds-etl01"), n("dpi-db01"), 5432, "tcp", "pg", dict(user="eds_etl", database="dpi", application="eds-loader")))
    f.append(Flow(n("eds-db01"), n("dpi-db01"), 5432, "tcp", "pg", dict(user="eds_fdw", database="dpi", application="postgres_fdw")))
    f.append(Flow(n("eds-etl01"), n("eds-db01"), 5432, "tcp", "pg", dict(user="etl", database="eds", application="eds-loader")))
    f.append(Flow(n("bi01"), n("eds-db01"), 5432, "tcp", "pg", dict(user="bi_reader", database="eds", application="PBIRS")))
    # GAM, pharmacy, bloc databases
    f.append(Flow(n("gam01"), n("gam-db01"), 1433, "tcp", "tds", {}))
    f.append(Flow(n("pharma01"), n("sql01"), 1433, "tcp", "tds", {}))
    f.append(Flow(n("bloc01"), n("sql01"), 1433, "tcp", "tds", {}))
    f.append(Flow(n("rdv01"), n("gam01"), 8080, "tcp", "http", dict(method="POST", path="/api/v2/rendez-vous", ctype="application/json")))
    # finance and HR
    f.append(Flow(n("gef-app01"), n("gef-db01"), 3306, "tcp", "mysql", dict(user="gef_app", database="gef")))
    f.append(Flow(n("rh-app01"), n("rh-db01"), 5432, "tcp", "pg", dict(user="agirh", database="paie", application="Agirh")))
    f.append(Flow(ws_adm, n("gef-app01"), 443, "tcp", "tls", dict(sni=f"gef.{DOMAIN}", alpn=["http/1.1"], tls13=False)))
    f.append(Flow(ws_adm, n("rh-app01"), 8443, "tcp", "tls", dict(sni=f"rh.{DOMAIN}", alpn=["http/1.1"], tls13=False)))
    # directory, DNS, time
    for client in ("dpi-app01", "eai01", "gam01", "fs01", "bkp01"):
        f.append(Flow(n(client), n("dc01"), 88, "udp", "kerberos", dict(principal=f"{n(client).upper()}$")))
    f.append(Flow(ws_urg, n("dc02"), 88, "udp", "kerberos", dict(principal="jdupont")))
    for client, dc in (("dpi-app01", "dc01"), ("gam01", "dc02"), ("glpi01", "dc01"), ("rh-app01", "dc01")):
        f.append(Flow(n(client), n(dc), 389, "tcp", "ldap", {}))
    f.append(Flow(n("dc02"), n("dc01"), 389, "tcp", "ldap", {}))
    f.append(Flow(n("dc01"), n("ntp01"), 123, "udp", "ntp", {}))
    f.append(Flow(n("dc02"), n("ntp01"), 123, "udp", "ntp", {}))
    # file and print
    for ws in (ws_urg, ws_rad, ws_adm):
        f.append(Flow(ws, n("fs01"), 445, "tcp", "smb", {}))
    f.append(Flow(ws_adm, n("print01"), 631, "tcp", "http", dict(method="POST", path="/printers/PRT-ADM-01", ctype="application/ipp")))
    f.append(Flow(ws_urg, n("intranet01"), 80, "tcp", "http", dict(path="/", ctype="text/html; charset=utf-8")))
    f.append(Flow(ws_adm, n("glpi01"), 80, "tcp", "http", dict(path="/front/ticket.php", ctype="text/html; charset=UTF-8")))
    f.append(Flow(ws_adm, n("pki01"), 80, "tcp", "http", dict(path="/CertEnroll/CHSA-ROOT-CA.crl", ctype="application/pkix-crl")))
    # mail
    f.append(Flow(n("dpi-app01"), n("smtp01"), 25, "tcp", "smtp", {}))
    f.append(Flow(n("mss01"), "ext:" + MSS_NAME, 465, "tcp", "tls", dict(sni=MSS_NAME, alpn=[], tls13=True, size=8000)))
    # national teleservices
    f.append(Flow(n("dmp-gw01"), "ext:" + INSI_NAME, 443, "tcp", "tls", dict(sni=INSI_NAME, alpn=["http/1.1"], tls13=True, size=6000)))
    # backup: local repository, agents, and the copy to Azure Blob storage
    for target in ("dpi-db01", "eai01", "gam-db01", "lis-db01", "fs01"):
        f.append(Flow(n("bkp01"), n(target), 6160 if target in ("gam-db01", "fs01") else 22, "tcp",
                      "opaque" if target in ("gam-db01", "fs01") else "ssh", dict(size=3000)))
    f.append(Flow(n("bkp01"), n("bkp-repo01"), 2500, "tcp", "opaque", dict(size=200_000)))
    f.append(Flow(n("bkp01"), "ext:" + AZURE_BLOB, 443, "tcp", "tls", dict(sni=AZURE_BLOB, alpn=["http/1.1"], tls13=False, size=400_000)))
    # monitoring
    for target in ("dpi-app01", "dpi-db01", "eai01", "lis-app01", "dc01", "bkp01", "gef-db01"):
        f.append(Flow(n("mon01"), n(target), 10050, "tcp", "zabbix", {}))
    # administration
    for target in ("dc01", "bkp01", "gam01"):
        f.append(Flow(n("jump01"), n(target), 3389, "tcp", "rdp", {}))
    f.append(Flow(n("jump01"), n("vcenter01"), 443, "tcp", "tls", dict(sni=f"{n('vcenter01')}.{DOMAIN}", alpn=["h2", "http/1.1"])))
    return f


LINKS = [  # source database → target database (true links)
    dict(source="db:postgresql://eds-db01:5432/eds", target="db:postgresql://dpi-db01:5432/dpi", mechanism="postgres_fdw",
         objects=["dpi_sejour", "dpi_patient"]),
    dict(source="db:postgresql://eds-db01:5432/eds", target="db:postgresql://dpi-db01:5432/dpi", mechanism="dblink",
         objects=["v_diagnostics_dpi"]),
]


def _pad_rows(site_index: int, count: int, rng: random.Random) -> list[tuple]:
    """Generic application servers that fill a site up to the requested server count."""
    rows = []
    for i in range(count):
        zone = 100 + i // 200
        octet = 10 + i % 200
        is_db = i % 5 == 4
        win = rng.random() < 0.55 and not is_db
        os_ = WIN if win else (RHEL if i % 2 else DEB)
        if is_db:
            svcs = [_svc(5432, "postgresql", "PostgreSQL DB", "15.6", "postgres")]
            procs = [_proc("postgres", "/usr/lib/postgresql/15/bin/postgres", "postgres", "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main")]
            pkgs = ["postgresql-15"]
            name = f"db{i + 1:04d}"
        else:
            svcs = [_svc(443, "https", "Microsoft IIS httpd" if win else "nginx", "10.0" if win else "1.22.1", "w3wp.exe" if win else "nginx")]
            procs = [_proc("w3wp.exe", "C:\\Windows\\System32\\inetsrv\\w3wp.exe", f"IIS APPPOOL\\app{i + 1:04d}")] if win else \
                [_proc("nginx", "/usr/sbin/nginx", "www-data", "nginx: master process /usr/sbin/nginx"),
                 _proc("java", "/usr/bin/java", "app", f"java -jar /opt/app{i + 1:04d}/app.jar")]
            pkgs = [] if win else ["nginx", "openjdk-17-jre-headless"]
            name = f"app{i + 1:04d}"
        dc = P if i % 3 == 0 else N
        rows.append((name, zone, octet, os_, ["other"], dc, 4 if i % 4 else 3,
                     f"Application générique {i // 5 + 1:03d}", svcs, procs, pkgs, {}))
    return rows


def build_site(index: int, sites: int, pad: int, seed: int) -> Site:
    """The hosts, flows, links and exposures of site number ``index`` (0-based)."""
    rng = random.Random(f"{seed}:site:{index}")
    multi = sites > 1
    site_id = f"s{index + 1:02d}" if multi else "main"
    prefix = f"{site_id}-" if multi else ""
    net = 20 + index
    rows_by_name = {r[0]: r for r in BASE if r[0]}
    hosts = [_build_host(r, site_id, prefix, net, rows_by_name) for r in BASE]
    pad_rows = _pad_rows(index, pad, rng)
    hosts += [_build_host(r, site_id, prefix, net, {}) for r in pad_rows]

    def n(name: str) -> str:
        if name.startswith("ws:"):
            return f"10.{net}.20.{name[3:]}"
        if name.startswith("an:"):
            return f"10.{net}.10.{name[3:]}"
        return prefix + name

    flows = _base_flows(n)
    # padding flows: each group of five is four application servers and their database
    for i, row in enumerate(pad_rows):
        name = prefix + row[0]
        if i % 5 == 4:
            continue
        group_db = prefix + f"db{(i // 5) * 5 + 5:04d}"
        if (i // 5) * 5 + 4 < len(pad_rows):
            flows.append(Flow(name, group_db, 5432, "tcp", "pg", dict(user=f"app{i + 1:04d}", database=f"app{i // 5 + 1:03d}", application=row[0])))
        flows.append(Flow(f"10.{net}.20.104", name, 443, "tcp", "tls", dict(sni=f"{name}.{DOMAIN}", alpn=["http/1.1"], size=1500)))
    # ephemeral ports, deterministic
    for fl in flows:
        fl.sport = rng.randint(49152, 65000)
    links = [dict(l, source=l["source"].replace("//", "//" + prefix, 1), target=l["target"].replace("//", "//" + prefix, 1))
             for l in LINKS]
    exposures = [
        dict(source=prefix + "bkp01", destination=AZURE_BLOB, address=AZURE_IP, port=443, protocol="tls",
             exposure="extraterritorial_cloud", provider="Microsoft Azure (Blob storage)", data_class="health"),
        dict(source=prefix + "dmp-gw01", destination=INSI_NAME, address=INSI_IP, port=443, protocol="tls",
             exposure="none", provider="French public teleservice", data_class="health"),
        dict(source=prefix + "mss01", destination=MSS_NAME, address=MSS_IP, port=465, protocol="tls",
             exposure="none", provider="MSSanté operator (France)", data_class="health"),
    ]
    for h in hosts:
        if h.name == prefix + "bkp01":
            h.exposure = "extraterritorial_cloud"
    name = "Centre hospitalier de Saint-Aurélien" if not multi else f"Centre hospitalier de Saint-Aurélien — site {index + 1:02d}"
    return Site(site_id, name if multi else "Site principal", prefix, net, hosts, flows, links, exposures)


BASE_SERVERS = sum(1 for r in BASE if r[11].get("device", "server") == "server")


def build_estate(servers: int | None, sites: int, seed: int) -> list[Site]:
    """All sites; ``servers`` (total, all sites) is reached by padding each site evenly."""
    if sites < 1:
        raise ValueError("sites must be at least 1")
    total = servers if servers is not None else BASE_SERVERS * sites
    extra = max(0, total - BASE_SERVERS * sites)
    out = []
    for k in range(sites):
        pad = extra // sites + (1 if k < extra % sites else 0)
        out.append(build_site(k, sites, pad, seed))
    return out
