"""Owns finding links from one database to another in a dump's statements.

A cheap anchored pre-filter (:data:`_PREFILTER`) lets through only the few statements
that can define or use a link; those are parsed:

* PostgreSQL: ``CREATE SERVER … FOREIGN DATA WRAPPER postgres_fdw|mysql_fdw|oracle_fdw|
  tds_fdw OPTIONS (…)``, ``CREATE FOREIGN TABLE … SERVER s``, ``IMPORT FOREIGN SCHEMA``,
  ``dblink(…)`` / ``dblink_connect(…)`` in views and functions (``CREATE USER MAPPING``
  is recognised and dropped whole: it only holds credentials);
* Oracle: ``CREATE [PUBLIC] DATABASE LINK x … USING '…'``, and ``name@link`` in
  synonyms, views and PL/SQL bodies (each use reported with the using object's name);
* T-SQL: ``sp_addlinkedserver``, ``OPENQUERY(srv, …)`` and four-part names
  ``srv.db.schema.table`` in views and procedures, ``OPENROWSET`` / ``OPENDATASOURCE``
  with a connection string (``Server=host,port;Database=db``);
* MySQL / MariaDB: ``ENGINE=FEDERATED CONNECTION='…'`` (URL or ``CREATE SERVER`` name)
  and ``ENGINE=CONNECT`` tables: ``TABLE_TYPE=MYSQL CONNECTION='mysql://…'``, ``MYSQL``
  with ``OPTION_LIST='host=…,port=…'`` and ``DBNAME=…``, ``ODBC`` with
  ``CONNECTION='DSN=…;SERVER=…;PORT=…;DATABASE=…'`` or ``'Driver=…;Server=…;Database=…'``,
  ``JDBC`` with a ``jdbc:`` URL. Table options are read in order after the column list
  (``names.table_options``), so option-like text inside a ``COMMENT='…'`` is not one.

Only host, port, engine, database name and object names are kept — never users,
passwords or option values other than those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import targets
from .names import literal, name_at, paren_body, split_top, table_options, tokens, unquote
from .splitter import Statement
from .targets import Target

_PREFILTER = re.compile(r"\s*(?:CREATE|ALTER|IMPORT|EXEC|EXECUTE|SELECT|sp_addlinkedserver)\b", re.I)
_KEYWORDS = re.compile(r"\bSERVER\b|\bdblink|\bDATABASE\s+LINK\b|\bsp_addlinkedserver\b|\bOPENQUERY\b"
                       r"|\bENGINE\s*=\s*(?:FEDERATED|CONNECT)\b|\]\s*\.\s*\["
                       r"|\w\s*\.\s*\w+\s*\.\s*\w*\s*\.\s*\w"
                       r"|\bOPEN(?:ROWSET|DATASOURCE)\b|[\w\"]\s*@\s*[\"A-Za-z]", re.I)
_CREATE_SERVER = re.compile(r"\s*CREATE\s+SERVER\s+(?:IF\s+NOT\s+EXISTS\s+)?", re.I)
_FDW = re.compile(r"\bFOREIGN\s+DATA\s+WRAPPER\s+(\S+)", re.I)
_OPTIONS = re.compile(r"\bOPTIONS\s*\(", re.I)
_FOREIGN_TABLE = re.compile(r"\s*CREATE\s+FOREIGN\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?", re.I)
_SERVER_REF = re.compile(r"\bSERVER\s+", re.I)
_IMPORT = re.compile(r"\s*IMPORT\s+FOREIGN\s+SCHEMA\s+\S+.*?\bFROM\s+SERVER\s+(\S+)\s+INTO\s+(\S+)",
                     re.I | re.S)
_USER_MAPPING = re.compile(r"\s*(?:CREATE|ALTER)\s+USER\s+MAPPING\b", re.I)
_DBLINK_CALL = re.compile(r"\bdblink(?:_connect(?:_u)?|_exec|_open|_send_query)?\s*\(", re.I)
_ORA_LINK = re.compile(r"\s*CREATE\s+(?:SHARED\s+)?(?:PUBLIC\s+)?DATABASE\s+LINK\s+", re.I)
_USING = re.compile(r"\bUSING\s+('(?:[^']|'')*')", re.I)
_ADDLINKED = re.compile(r"\bsp_addlinkedserver\b", re.I)
_OPENQUERY = re.compile(r"\bOPENQUERY\s*\(\s*([^,\s)]+)", re.I)
_IDENT = r'(?:\[[^\]]+\]|"[^"]+"|[A-Za-z_][\w$#@-]*)'
_FOUR_PART = re.compile(rf"(?<![\w\].\"])({_IDENT})\s*\.\s*({_IDENT})\s*\.\s*({_IDENT})?\s*\.\s*({_IDENT})")
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_OPENROWSET = re.compile(r"\bOPEN(?:ROWSET|DATASOURCE)\s*\(", re.I)
_ORA_IDENT = r'(?:"[^"]+"|[A-Za-z_][\w$#]*)'
_AT_LINK = re.compile(rf"(?<![\w$#@\"]){_ORA_IDENT}(?:\s*\.\s*{_ORA_IDENT})?\s*@\s*"
                      rf"({_ORA_IDENT}(?:\s*\.\s*{_ORA_IDENT})*)")
_OBJECT = re.compile(r"\s*(?:CREATE|ALTER)\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?(?:MATERIALIZED\s+)?"
                     r"(?:VIEW|FUNCTION|PROCEDURE|PROC|TRIGGER|PACKAGE(?:\s+BODY)?|"
                     r"(?:PUBLIC\s+)?SYNONYM)\s+", re.I)
_CREATE_TABLE = re.compile(r"\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?", re.I)

FDW_MECHANISMS = {"postgres_fdw": "postgres_fdw", "mysql_fdw": "mysql_fdw",
                  "oracle_fdw": "oracle_fdw", "tds_fdw": "tds_fdw", "mysql": "federated"}
_FDW_ENGINES = {"postgres_fdw": "postgresql", "mysql_fdw": "mysql", "oracle_fdw": "oracle",
                "tds_fdw": "sqlserver", "mysql": "mysql"}
_PROVIDERS = (("sqlncli", "sqlserver"), ("msoledbsql", "sqlserver"), ("sqloledb", "sqlserver"),
              ("oraoledb", "oracle"), ("msdaora", "oracle"))


@dataclass(frozen=True)
class Link:
    line: int
    source_database: str
    mechanism: str
    object: str | None
    target: Target


@dataclass
class _Server:                      # a CREATE SERVER / linked server / DB link definition
    line: int
    database: str
    mechanism: str
    name: str
    target: Target | None
    used: bool = False


def _options(text: str, start: int = 0) -> dict[str, str]:
    """``OPTIONS (key 'value', …)`` as lower-case keys and literal values."""
    m = _OPTIONS.search(text, start)
    if m is None:
        return {}
    body = paren_body(text, m.end() - 1)
    out = {}
    for item in split_top(body[0]) if body else []:
        toks = [t for t in tokens(item) if t not in ("=",)]
        if len(toks) >= 2:
            value = literal(toks[1])
            out[unquote(toks[0])] = value if value is not None else toks[1]
    return out


# every alternative of _KEYWORDS needs one of these (lower case), three dots, or ``]`` and a dot
_KEYWORD_WORDS = ("server", "dblink", "database", "open", "federated", "connect", "@")


def _may_link(text: str) -> bool:
    """False only when :data:`_KEYWORDS` cannot match ``text``: an ASCII text with none of
    the words or characters its alternatives need (``str`` searches at C speed, where the
    regex tries ten alternatives at every character of a long ``CREATE TABLE``). Other
    text is left to the regex: with ``re.I`` a few non-ASCII letters match ASCII ones
    (``ſ`` an ``s``, ``ı`` an ``i``)."""
    if not text.isascii():
        return True
    low = text.lower()
    return (any(w in low for w in _KEYWORD_WORDS) or text.count(".") >= 3
            or ("]" in text and "." in text))


def _dotted(parts: list[str]) -> str:
    return ".".join(parts)


class LinkFinder:
    """Links of one dump; feed statements with the current database, then :meth:`links`."""

    def __init__(self, engine: str):
        self.engine = engine
        self.servers: dict[str, _Server] = {}        # by lower-case name
        self.pending: list[tuple] = []   # (line, db, server, how, object, dbname)
        self.found: list[Link] = []

    def feed(self, st: Statement, database: str) -> None:
        if st.kind != "sql" or not _PREFILTER.match(st.text):
            return
        text = st.text
        if _USER_MAPPING.match(text) or not _may_link(text) or not _KEYWORDS.search(text):
            return
        for handler in (self._create_server, self._foreign_table, self._import_schema,
                        self._oracle_link, self._linked_server, self._federated):
            if handler(text, st.line, database):
                return
        self._uses(text, st.line, database)

    # -- definitions ---------------------------------------------------------------

    def _create_server(self, text: str, line: int, db: str) -> bool:
        m = _CREATE_SERVER.match(text)
        if not m:
            return False
        got = name_at(text, m.end())
        fdw = _FDW.search(text)
        if not got or not fdw:
            return True
        wrapper = unquote(fdw.group(1))
        mech = FDW_MECHANISMS.get(wrapper)
        if mech is None:
            return True                        # file_fdw and friends: not a database
        opts = _options(text, fdw.end())
        engine = _FDW_ENGINES[wrapper]
        if wrapper == "oracle_fdw":
            t = targets.oracle(opts.get("dbserver", ""))
        elif wrapper == "tds_fdw":
            t = targets.sqlserver_source(opts.get("servername", ""))
            if t:
                t = Target(t.host, targets._port(opts["port"]) if "port" in opts else t.port,
                           opts.get("database"), engine)
        else:
            host = targets.clean_host(opts.get("host", "").split(",")[0])
            t = Target(host, targets._port(opts["port"]) if "port" in opts else None,
                       opts.get("dbname") or opts.get("database"), engine) if host else None
        name = _dotted(got[0])
        self.servers[name] = _Server(line, db, mech, name, t)
        return True

    def _oracle_link(self, text: str, line: int, db: str) -> bool:
        m = _ORA_LINK.match(text)
        if not m:
            return False
        got = name_at(text, m.end())
        using = _USING.search(text)
        if not got:
            return True
        name = _dotted(got[0])
        t = None
        if using:
            connect = literal(using.group(1)) or ""
            t = targets.oracle(connect)
            if t is None and targets.clean_host(connect):      # a tnsnames alias
                t = Target(targets.clean_host(connect), None, connect.strip(), "oracle")
        self.servers[name] = _Server(line, db, "oracle_dblink", name, t)
        return True

    def _linked_server(self, text: str, line: int, db: str) -> bool:
        m = _ADDLINKED.search(text)
        if not m:
            return False
        order = ["server", "srvproduct", "provider", "datasrc", "location", "provstr", "catalog"]
        args: dict[str, str] = {}
        toks = tokens(text[m.end():])
        i, position = 0, 0
        while i < len(toks):
            key = None
            if toks[i] == "@" and i + 1 < len(toks):
                key = toks[i + 1].lower()
                i += 2
                if i < len(toks) and toks[i] == "=":
                    i += 1
            if i < len(toks):
                value = literal(toks[i])
                if value is not None:
                    if key is None and position < len(order):
                        key = order[position]
                    if key:
                        args[key] = value
                i += 1
            position += 1
            while i < len(toks) and toks[i] not in (",",):
                i += 1
            i += 1
        name = args.get("server")
        if not name:
            return True
        product = args.get("srvproduct", "").lower()
        provider = args.get("provider", "").lower()
        engine = next((e for p, e in _PROVIDERS if provider.startswith(p)), None)
        if product == "sql server":
            engine = "sqlserver"
        t = None
        datasrc = args.get("datasrc") or (name if product == "sql server" else "")
        if engine == "oracle":
            t = targets.oracle(datasrc)
            if t is None and targets.clean_host(datasrc):
                t = Target(targets.clean_host(datasrc), None, datasrc, "oracle")
        elif datasrc:
            t = targets.sqlserver_source(datasrc)
            if t is not None:
                t = Target(t.host, t.port, args.get("catalog"), engine)
        if t is None and args.get("provstr"):
            t = targets.odbc(args["provstr"])
        key = name.lower()
        self.servers[key] = _Server(line, db, "linked_server", name, t)
        return True

    def _federated(self, text: str, line: int, db: str) -> bool:
        m = _CREATE_TABLE.match(text)
        if not m:
            return False
        got = name_at(text, m.end())
        if not got:
            return True
        body = paren_body(text, got[1]) if text[got[1]:].lstrip().startswith("(") else None
        opts = table_options(text, body[1] if body else got[1])
        engine = opts.get("ENGINE", "").upper()
        if engine not in ("FEDERATED", "CONNECT"):
            return True
        mech = "federated" if engine == "FEDERATED" else "connect"
        table_type = opts.get("TABLE_TYPE", "").upper()
        obj = _dotted(got[0])
        value = opts.get("CONNECTION")
        dbname = opts.get("DBNAME") or None
        if value is None:
            # CONNECT TABLE_TYPE=MYSQL without CONNECTION: OPTION_LIST='host=…,port=…'
            # and DBNAME=… (user and password in the list are passed over)
            if mech == "connect" and table_type in ("MYSQL", "MARIADB"):
                t = targets.option_list(opts.get("OPTION_LIST", ""))
                if t is not None:
                    self.found.append(Link(line, db, mech, obj, Target(
                        t.host, t.port, dbname or t.database, "mysql")))
            return True
        if "://" in value:
            t = targets.url(value)
            if t is not None:
                engine = t.engine or ("mysql" if mech == "federated" or table_type in ("MYSQL", "")
                                      else None)
                self.found.append(Link(line, db, mech, obj,
                                       Target(t.host, t.port, t.database or dbname, engine)))
            return True
        if mech == "connect" and "=" in value:
            t = targets.odbc(value)
            if t is not None:
                engine = t.engine or ("oracle" if table_type == "ORACLE" else None)
                self.found.append(Link(line, db, mech, obj,
                                       Target(t.host, t.port, t.database or dbname, engine)))
            return True
        server = value.split("/", 1)[0].strip()
        if server:
            self.pending.append((line, db, server.lower(), mech, obj, None))
        return True

    # -- uses ------------------------------------------------------------------------

    def _foreign_table(self, text: str, line: int, db: str) -> bool:
        m = _FOREIGN_TABLE.match(text)
        if not m:
            return False
        got = name_at(text, m.end())
        body = paren_body(text, got[1]) if got else None
        ref = _SERVER_REF.search(text, body[1] if body else (got[1] if got else 0))
        if got and ref:
            server = name_at(text, ref.end())
            if server:
                opts = _options(text, ref.end())
                dbname = opts.get("dbname") or opts.get("database")
                self.pending.append((line, db, _dotted(server[0]), "table", _dotted(got[0]), dbname))
        return True

    def _import_schema(self, text: str, line: int, db: str) -> bool:
        m = _IMPORT.match(text)
        if not m:
            return False
        server, local = unquote(m.group(1)), unquote(m.group(2).rstrip(";"))
        self.pending.append((line, db, server, "table", f"{local}.*", None))
        return True

    def _object_name(self, text: str) -> str | None:
        m = _OBJECT.match(text)
        if not m:
            return None
        got = name_at(text, m.end())
        return _dotted(got[0]) if got else None

    def _uses(self, text: str, line: int, db: str) -> None:
        obj = self._object_name(text)
        for m in _DBLINK_CALL.finditer(text):
            toks = tokens(text[m.end():m.end() + 4096])
            lits = []
            for t in toks:
                if t == ")":
                    break
                v = literal(t)
                if v is not None:
                    lits.append(v)
            if not lits:
                continue
            fn = m.group().lower()
            conninfo = lits[1] if fn.startswith("dblink_connect") and len(lits) > 1 else lits[0]
            if "=" in conninfo or "://" in conninfo:
                t = targets.libpq(conninfo)
                if t is not None:
                    name = obj or (lits[0] if fn.startswith("dblink_connect") and len(lits) > 1 else None)
                    self.found.append(Link(line, db, "dblink", name, t))
                    if fn.startswith("dblink_connect") and len(lits) > 1:
                        self.servers.setdefault(lits[0].lower(),
                                                _Server(line, db, "dblink", lits[0], t, used=True))
            else:
                self.pending.append((line, db, conninfo.lower(), "dblink", obj or conninfo, None))
        if self.engine == "oracle" and "@" in text:
            bare = _LITERAL.sub("''", text)              # an e-mail in a string is no link
            for m in _AT_LINK.finditer(bare):
                link = ".".join(unquote(p) for p in re.split(r"\s*\.\s*", m.group(1)))
                self.pending.append((line, db, link, "oracle", obj, None))
        blanked = (_LITERAL.sub(lambda m: "'" + " " * (len(m.group()) - 2) + "'", text)
                   if _OPENROWSET.search(text) else "")      # same offsets, literals emptied
        for m in _OPENROWSET.finditer(blanked):
            lits = [v for v in (literal(t) for t in tokens(text[m.end():m.end() + 4096])[:8])
                    if v is not None]
            t = next((odbc for v in lits if "=" in v and (odbc := targets.odbc(v))), None)
            if t is not None:
                self.found.append(Link(line, db, "openrowset", obj,
                                       Target(t.host, t.port, t.database, t.engine or "sqlserver")))
        if self.engine == "sqlserver" or _OPENQUERY.search(text):
            bare = _LITERAL.sub("''", text)              # names inside strings are not refs
            for m in _OPENQUERY.finditer(bare):
                self.pending.append((line, db, unquote(m.group(1)), "linked", obj, None))
            if obj:
                for m in _FOUR_PART.finditer(bare):
                    server = unquote(m.group(1))
                    if server in ("sys", "information_schema", "dbo"):
                        continue
                    self.pending.append((line, db, server, "linked", obj,
                                         unquote(m.group(2), lower=False)))

    # -- result ----------------------------------------------------------------------

    def links(self) -> list[Link]:
        """Every link found, server uses resolved against the definitions of the file."""
        out = list(self.found)
        for line, db, server, how, obj, dbname in self.pending:
            s = self.servers.get(server)
            if s is None:
                if how == "linked" and targets.clean_host(server):
                    # an undeclared linked server: its name is the network name
                    out.append(Link(line, db, "linked_server", obj,
                                    Target(targets.clean_host(server), None, dbname, "sqlserver")))
                continue
            s.used = True
            if s.target is None:
                continue
            t = s.target
            if dbname and (how == "linked" or not t.database):
                t = Target(t.host, t.port, dbname, t.engine)
            mech = s.mechanism if how != "dblink" else "dblink"
            if how in ("federated", "connect"):
                mech = how
            out.append(Link(line, db, mech, obj or s.name, t))
        for s in self.servers.values():
            if not s.used and s.target is not None:
                out.append(Link(s.line, s.database, s.mechanism, s.name, s.target))
        return out
