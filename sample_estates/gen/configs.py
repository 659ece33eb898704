"""Writes the applications' configuration files under ``inputs/configs/<host>/<application>/``.

Owns the text of each file as the product ships it: the DPI's Spring
``application.properties`` (JDBC to its database, the EAI's MLLP endpoint, a password),
the EAI's route table (YAML, one MLLP partner per application), the RIS's DICOM partners
(INI), the GAM's and the finance application's .NET ``web.config`` (SQL Server and
MariaDB connection strings), the laboratory's ``tnsnames.ora`` and the warehouse loader's
INI file. Commented-out old hosts are planted: they must not become dependencies.
"""

from __future__ import annotations

from pathlib import Path

from .estate import DOMAIN, SECRETS, Site


def _dpi_properties(pre: str, eai_port: int) -> str:
    return f"""# M-Crossway Server — configuration de production (CH Saint-Aurélien)
# Généré par l'installeur 8.4.2, modifié par la DSI le 12/01/2026
server.port=8080
server.ssl.enabled=false

spring.datasource.url=jdbc:postgresql://{pre}dpi-db01.{DOMAIN}:5432/dpi?ApplicationName=MCrossway-Server
spring.datasource.username=dpi_app
spring.datasource.password={SECRETS['dpi_db']}
spring.datasource.hikari.maximum-pool-size=40
# Ancienne base avant migration PostgreSQL 16 (ne plus utiliser)
#spring.datasource.url=jdbc:postgresql://dxcare-db-old.{DOMAIN}:5432/dxcare

# Interfaces HL7 v2 (MLLP) vers l'EAI
hl7.outbound.host={pre}eai01.{DOMAIN}
hl7.outbound.port={eai_port}
hl7.outbound.sending-application=CROSSWAY
hl7.outbound.sending-facility=CHSA
hl7.inbound.listen.port=2575

# Connecteur DMP
dmp.hl7.host={pre}dmp-gw01.{DOMAIN}
dmp.hl7.port=2575
mail.smtp.host={pre}smtp01.{DOMAIN}
mail.smtp.port=25
"""


def _eai_routes(pre: str) -> str:
    def p(name, host, port, types):
        return (f"    - name: {name}\n      mllp:\n        host: {pre}{host}.{DOMAIN}\n        port: {port}\n"
                f"      messages: [{', '.join(types)}]\n")
    return ("# InterSystems IRIS for Health — production CHSA.Interop.Production\n"
            "# Opérations métier (sorties MLLP) ; exporté de Interoperability > Configure > Production\n"
            "production: CHSA.Interop.Production\n"
            "admin:\n  user: _SYSTEM\n"
            f"  password: \"{SECRETS['eai']}\"\n"
            "services:            # entrées MLLP (ports d'écoute de l'EAI)\n"
            "  - {name: FromPastel, listen_port: 6661}\n  - {name: FromCrossway, listen_port: 6663}\n"
            "  - {name: FromGlims, listen_port: 6664}\n  - {name: FromXplore, listen_port: 6665}\n"
            "  - {name: FromResUrgences, listen_port: 6666}\n"
            "operations:\n"
            + p("ToCrossway", "dpi-app01", 2575, ["ADT^A01", "ORU^R01", "MDM^T02"])
            + p("ToCrossway2", "dpi-app02", 2575, ["ADT^A08", "ORU^R01"])
            + p("ToGlims", "lis-app01", 2576, ["OML^O21"])
            + p("ToXplore", "ris01", 2575, ["ORM^O01", "ADT^A08"])
            + p("ToPacs", "pacs01", 2575, ["ORM^O01"])
            + p("ToPharma", "pharma01", 2577, ["RDE^O11"])
            + p("ToDiane", "bloc01", 2575, ["SIU^S12"])
            + p("ToResUrgences", "urg01", 2575, ["ADT^A01"])
            + p("ToIdentito", "idt01", 2575, ["QBP^Q22"])
            + p("ToHemovigilance", "trf01", 2575, ["ADT^A01"])
            + p("ToGed", "ged01", 2575, ["MDM^T02"])
            + p("ToPmsi", "pmsi01", 2575, ["ADT^A03"])
            + "#    - name: ToOldLabo          # SGL remplacé en 2023\n"
              "#      mllp: {host: kalisil-old." + DOMAIN + ", port: 5000}\n")


def _ris_dicom(pre: str) -> str:
    return f"""; Xplore — partenaires DICOM
[Worklist]
; SCP de worklist local (écoute)
ListenPort=104
AETitle=RIS_MWL

[PACS]
AETitle=PACS_CHSA
Host={pre}pacs01.{DOMAIN}
Port=4242

[HL7]
Host={pre}eai01.{DOMAIN}
Port=6665

; [PACS_ANCIEN]
; AETitle=OLDPACS
; Host=pacs-old.{DOMAIN}
; Port=104
"""


def _web_config(conn_name: str, conn: str, provider: str, extra: str = "", old: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <connectionStrings>
    <add name="{conn_name}" connectionString="{conn}" providerName="{provider}" />
    <!-- {old} -->
  </connectionStrings>
  <appSettings>
    <add key="Culture" value="fr-FR" />{extra}
  </appSettings>
  <system.web>
    <compilation targetFramework="4.8" />
    <customErrors mode="RemoteOnly" />
  </system.web>
</configuration>
"""


def _tnsnames(pre: str) -> str:
    return f"""# tnsnames.ora Network Configuration File: /opt/glims/oracle/network/admin/tnsnames.ora
SGLDB =
  (DESCRIPTION =
    (ADDRESS = (PROTOCOL = TCP)(HOST = {pre}lis-db01.{DOMAIN})(PORT = 1521))
    (CONNECT_DATA =
      (SERVER = DEDICATED)
      (SERVICE_NAME = SGLDB)
    )
  )

# Base de test retirée
#SGLTEST =
#  (DESCRIPTION = (ADDRESS = (PROTOCOL = TCP)(HOST = sgl-test-old.{DOMAIN})(PORT = 1521))
#    (CONNECT_DATA = (SERVICE_NAME = SGLTEST)))
"""


def _glims_properties(pre: str) -> str:
    return f"""# GLIMS server
glims.db.url=jdbc:oracle:thin:@//{pre}lis-db01.{DOMAIN}:1521/SGLDB
glims.db.user=glims
glims.db.password={SECRETS['lis_ora']}
hl7.results.host={pre}eai01.{DOMAIN}
hl7.results.port=6664
middleware.hl7.host={pre}lab-mw01.{DOMAIN}
middleware.hl7.port=2581
"""


def _etl_conf(pre: str) -> str:
    return f"""# eds-loader — chargement nocturne de l'entrepôt
[source]
host = {pre}dpi-db01.{DOMAIN}
port = 5432
dbname = dpi
user = eds_etl

[target]
host = {pre}eds-db01.{DOMAIN}
port = 5432
dbname = eds
user = etl

[schedule]
cron = 0 2 * * *
"""


def write_configs(site: Site, folder: Path) -> list[Path]:
    """Write the site's configuration files under ``folder``; returns the paths written."""
    pre = site.prefix
    gam = (f"Data Source={pre}gam-db01.{DOMAIN},1433;Initial Catalog=PASTEL;User ID=pastel_app;"
           f"Password={SECRETS['gam_sql']};Encrypt=False")
    gef = (f"Server={pre}gef-db01.{DOMAIN};Port=3306;Database=gef;Uid=gef_app;Pwd={SECRETS['gef']};SslMode=None")
    files = {
        f"{pre}dpi-app01/mcrossway/application.properties": _dpi_properties(pre, 6663),
        f"{pre}dpi-app02/mcrossway/application.properties": _dpi_properties(pre, 6663),
        f"{pre}eai01/iris/production-routes.yml": _eai_routes(pre),
        f"{pre}ris01/xplore/dicom-partners.ini": _ris_dicom(pre),
        f"{pre}gam01/pastel/web.config": _web_config(
            "PastelGam", gam, "System.Data.SqlClient",
            f'\n    <add key="Hl7AdtHost" value="{pre}eai01.{DOMAIN}" />\n    <add key="Hl7AdtPort" value="6661" />',
            f'ancien serveur : <add name="PastelGamOld" connectionString="Data Source=gam-sql-old.{DOMAIN};'
            'Initial Catalog=PASTEL" providerName="System.Data.SqlClient" />'),
        f"{pre}gef-app01/cpage/web.config": _web_config(
            "CpageGef", gef, "MySql.Data.MySqlClient", "",
            f"migration 2025 : Server=gef-mysql-old.{DOMAIN};Database=gef"),
        f"{pre}lis-app01/glims/tnsnames.ora": _tnsnames(pre),
        f"{pre}lis-app01/glims/glims-server.properties": _glims_properties(pre),
        f"{pre}eds-etl01/eds-loader/etl.conf": _etl_conf(pre),
    }
    out = []
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out
