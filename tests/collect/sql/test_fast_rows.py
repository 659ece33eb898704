"""The splitter's fast paths for data (runs of INSERT lines, one-line statements) against
its exact state machine: the same rows per table on tricky fixtures and random dumps."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from scanner.collect.sql import dialect, dump
from scanner.collect.sql.schema import SchemaBuilder
from scanner.collect.sql.splitter import (_BARE_FLAT, _BARE_NESTED, _RUN, _RUN_LINE, Splitter,
                                          _count_bare, _count_run, _lines_alike, _unescaped,
                                          read_text)

ROWS = Path(__file__).resolve().parents[2] / "fixtures" / "sql" / "rows-db01"

# every data row of each fixture, counted by hand (commented-out rows and an INSERT
# inside a PL/SQL body are not rows; see the files)
TRICKY = {
    "mysql": ("mysql_tricky.sql", "utf-8", {"t": 25, "u": 3}),
    "sqlserver": ("sqlserver_tricky.sql", "cp1252", {"t": 10}),
    "oracle": ("oracle_tricky.sql", "latin-1", {"t": 9}),
    "postgresql": ("postgresql_tricky.sql", "utf-8", {"t": 10}),
}


def statements(text: str, engine: str, *, fast: bool, merge: bool, chunk: int) -> list:
    sp = dialect.splitter_for(engine, "t.sql", merge_rows=merge)
    sp.fast_paths = fast
    return list(sp.split([text[i:i + chunk] for i in range(0, len(text), chunk)]))


def rows(sts: list, engine: str) -> dict:
    sb = SchemaBuilder(engine, "db")
    for st in sts:
        sb.feed(st)
    return {t["name"]: t.get("rows") for _, _, tables in sb.databases() for t in tables}


@pytest.mark.parametrize("engine", sorted(TRICKY))
def test_tricky_rows_are_exact_on_every_path_and_chunking(engine):
    name, encoding, expected = TRICKY[engine]
    text = (ROWS / name).read_bytes().decode(encoding)
    exact = statements(text, engine, fast=False, merge=False, chunk=1 << 20)
    assert rows(exact, engine) == expected
    for merge in (False, True):
        for chunk in (1 << 20, 97, 13, 1):
            got = statements(text, engine, fast=True, merge=merge, chunk=chunk)
            assert rows(got, engine) == expected, (merge, chunk)
            if not merge:           # one statement per INSERT line: the same statements
                assert [(s.line, s.kind, s.rows) for s in got] == \
                       [(s.line, s.kind, s.rows) for s in exact], chunk
            # non-data statements are the same whatever the path
            assert [s for s in got if s.kind != "insert"] == [s for s in exact if s.kind != "insert"]


@pytest.mark.parametrize("engine", sorted(TRICKY))
def test_tricky_dump_end_to_end(engine):
    name, _, expected = TRICKY[engine]
    obs = list(dump.collect(ROWS / name, f"sql/rows-db01/{name}"))
    tables = {t["name"]: t.get("rows") for o in obs if o.kind == "db_schema" for t in o.data["tables"]}
    assert tables == expected
    assert not [o for o in obs if o.kind == "db_link"]


def test_run_counts_bare_and_refuses_what_it_cannot_prove():
    head = "INSERT INTO `t` VALUES"
    ok = "INSERT INTO `t` VALUES (1,'a\\'b'),(2,'c'),(3,'x');\nINSERT INTO `t` VALUES (4,'d');\n"
    assert _count_bare(ok, head, True, False) == (4, 2)   # rows, newlines
    ora = "Insert into T (A) values (to_date('1','2'));\r\nInsert into T (A) values ('x');\r\n"
    assert _count_bare(ora, "Insert into T (A) values", False, False) == (2, 2)
    for text, bs in (
        ("INSERT INTO `t` VALUES (1,'a),(b');\n", True),          # structure in a literal
        ("INSERT INTO `t` VALUES (1,'a\nb');\n", True),           # newline in a literal
        ("INSERT INTO `t` VALUES (1,'a'); -- c\n", True),         # text after the end
        ("INSERT INTO `t` VALUES (1,/*),(*/2);\n", True),         # a comment
        ("INSERT INTO `t` VALUES (1,\"a'b\");\n", True),          # a double-quoted string
        ("INSERT INTO `t` VALUES (1) x,(2);\n", True),            # not a separator
        ("INSERT INTO `t` VALUES (1,E'a\\'b');\n", False),        # E'' escapes
    ):
        assert _count_bare(text, head, bs, False) is None, text
    # the skeleton path reads some of them exactly
    assert _count_run("INSERT INTO `t` VALUES (1,'a),(b'),(2,'c');\n", head, True) == (2, 1)
    assert _count_run("INSERT INTO `t` VALUES (1,'a'); -- c\n", head, True) is None


def _literal(rng: random.Random, mysql: bool) -> str:
    alphabet = "ab é€;,()'\"`\\-/*#$\nGO"
    s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
    if mysql:
        s = s.replace("\\", "\\\\")
        s = "".join(rng.choice(("\\'", "''")) if c == "'" else c for c in s)
        if rng.random() < 0.2:
            s += "\\n"
    else:
        s = s.replace("'", "''").replace("\\", "")
    return ("N" if not mysql and rng.random() < 0.3 else "") + f"'{s}'"


def _value(rng: random.Random, mysql: bool) -> str:
    r = rng.random()
    if r < 0.5:
        return _literal(rng, mysql)
    if r < 0.6:
        return f"to_date({_literal(rng, mysql)},'DD/MM/RR')"
    return str(rng.randint(-5, 999))


def _random_dump(rng: random.Random, engine: str) -> tuple[str, Counter]:
    mysql = engine == "mysql"
    q = "`" if mysql else '"'
    lines, truth = [], Counter()
    for _ in range(rng.randint(5, 40)):
        table = rng.choice("abc")
        head = rng.choice((f"INSERT INTO {q}{table}{q} VALUES", f"Insert into {table} (X,Y) values"))
        n = rng.choice((1, 1, 1, 2, 3))
        sep = rng.choice((", ", ",", ",\n", ",\n\t"))    # MariaDB 10.11: one tuple a line
        tuples = sep.join("(" + ", ".join(_value(rng, mysql) for _ in range(2)) + ")"
                          for _ in range(n))
        if "\n" in sep and rng.random() < 0.5:
            tuples = "\n" + tuples
        end = ";" if engine != "sqlserver" or rng.random() < 0.5 else ""
        r = rng.random()
        if r < 0.05:                            # commented-out rows are not rows
            lines.append(f"-- {head} (1, 'it''s'), (2, 'x'){end}")
            continue
        if r < 0.1:
            lines.append(f"/* {head} (1, 'it''s'),\n(2, 'x'){end} */")
            continue
        truth[table] += n
        tail = rng.choice(("", "", "", " ", "\r", " -- it's"))
        lines.append(f"{head} {tuples}{end}{tail}" if end or "--" not in tail else f"{head} {tuples}")
        if rng.random() < 0.1:
            lines.append("SET x = 1;" if engine != "sqlserver" else "GO")
    return "\n".join(lines) + "\n", truth


@pytest.mark.parametrize("engine", ["mysql", "sqlserver", "oracle", "postgresql"])
def test_random_dumps_fast_paths_equal_the_exact_path(engine, monkeypatch):
    from scanner.collect.sql import splitter
    taken = Counter()
    real = splitter._count_bare

    def spy(*args):
        got = real(*args)
        taken[got is not None] += 1
        return got

    monkeypatch.setattr(splitter, "_count_bare", spy)
    rng = random.Random(f"h5-{engine}")
    checked = 0
    for _ in range(150):
        text, truth = _random_dump(rng, engine)
        exact = statements(text, engine, fast=False, merge=False, chunk=1 << 20)
        want = rows(exact, engine)
        assert want == {k: v for k, v in truth.items()}, text
        for merge, chunk in ((True, 1 << 20), (False, 1 << 20), (True, 61)):
            got = statements(text, engine, fast=True, merge=merge, chunk=chunk)
            assert rows(got, engine) == want, (merge, chunk, text)
        checked += 1
    assert checked == 150
    assert taken[True] > 50 and taken[False] > 50       # both the fast count and refusals


def test_plain_runs_take_the_fast_path(monkeypatch):
    """The fast path is really used on ordinary per-row and extended INSERT lines."""
    from scanner.collect.sql import splitter
    calls = Counter()
    real = splitter._count_bare

    def spy(*args):
        got = real(*args)
        calls["bare" if got is not None else "refused"] += 1
        return got

    monkeypatch.setattr(splitter, "_count_bare", spy)
    text = "".join(f"Insert into GAM.T (A,B) values ({i},'l''unité {i}');\n" for i in range(500))
    got = statements(text, "oracle", fast=True, merge=True, chunk=4096)
    assert sum(s.rows for s in got) == 500
    assert calls["bare"] >= 1 and calls["refused"] == 0
    assert len(got) < 100                       # runs, not one statement per row
    # mysqldump of MariaDB 10.11: VALUES, then one tuple a line
    text = "".join("INSERT INTO `t` VALUES\n" + ",\n".join(
        f"({i * 10 + j},'l\\'unité','x')" for j in range(10)) + ";\n" for i in range(50))
    calls.clear()
    got = statements(text, "mysql", fast=True, merge=True, chunk=4096)
    assert sum(s.rows for s in got) == 500
    assert calls["bare"] >= 1 and calls["refused"] == 0


def test_cp1252_dump_read_as_latin1_keeps_its_text_and_refuses_undefined_bytes(tmp_path):
    d = tmp_path / "sql" / "h1"
    d.mkdir(parents=True)
    body = "".join(f"INSERT [dbo].[t] ([a]) VALUES (N'ligne {i} €')\r\n" for i in range(40000))
    sql = ("CREATE TABLE [dbo].[séjour€] ([âge] int)\r\nGO\r\n" + body + "GO\r\n").encode("cp1252")
    f = d / "x.sql"
    f.write_bytes(b"-- " + b"a" * (1 << 21) + b"\r\n" + sql)    # not UTF-8 from 2 MB on
    obs = list(dump.collect(f, "sql/h1/x.sql"))
    tables = {t["name"]: t for o in obs if o.kind == "db_schema" for t in o.data["tables"]}
    assert tables["séjour€"]["columns"] == ["âge"]
    assert tables["t"]["rows"] == 40000
    chunks = list(read_text(f, "x", "cp1252", cp1252_as_latin1=True))
    assert "€" not in "".join(chunks) and "\x80" in "".join(chunks)
    bad = d / "bad.sql"
    bad.write_bytes(b"CREATE TABLE s\xe9jour (a int)\r\nGO\r\nSELECT '\x81'\r\n")
    from scanner.errors import InputError
    with pytest.raises(InputError, match=r"line 3: byte 0x81 is neither UTF-8 nor cp1252"):
        list(dump.collect(bad, "sql/h1/bad.sql"))


def _cut_in_two(text: str, engine: str, cut: int, fast: bool) -> list:
    sp = dialect.splitter_for(engine, "t.sql", merge_rows=fast)
    sp.fast_paths = fast
    return list(sp.split([text[:cut], text[cut:]]))


# escapes and quotes a reader can get wrong, after ~300 characters of other statements so
# that the chunk end (and the margin held back before it) falls on every byte of them
_PAD = "".join(f"DROP TABLE IF EXISTS `p{i}`;\n" for i in range(12))
_MYSQL_EDGES = (_PAD + r"INSERT INTO `t` VALUES (1,'a\\'),(2,'l\'u'),(3,'it''s'),(6,'\\\'q'),"
                r"(7,'\\\\');" "\n"
                r"INSERT INTO `t` VALUES (4,'x;y'),(5,'--z');" "\n"
                r"INSERT INTO `t` VALUES (8,'/*'),(9,'\"');" "\n"
                r"INSERT INTO `t` VALUES (10,'\'');" "\n" "INSERT INTO `t` VALUES (11,'');\n"
                "UNLOCK TABLES;\n")
_SSMS_EDGES = (_PAD.replace("`", "") + "INSERT [dbo].[t] ([a], [b]) VALUES (1, N'l''unité ; -- €')\n"
               "INSERT [dbo].[t] ([a], [b]) VALUES (2, N'''')\n"
               "INSERT [dbo].[t] ([a], [b]) VALUES (3, N'x'')'' GO')\nGO\n"
               "INSERT [dbo].[t] ([a], [b]) VALUES (4, '/* ''')\nGO\n")


@pytest.mark.parametrize("engine, text, want", [("mysql", _MYSQL_EDGES, 11),
                                                ("sqlserver", _SSMS_EDGES, 4)])
def test_escapes_and_quotes_at_every_chunk_boundary(engine, text, want):
    r"""``\\`` before a closing quote, ``\'``, ``''`` doubling, ``;`` ``--`` ``/*`` inside
    strings: the same statements and rows whichever byte a chunk ends on, fast paths on
    (one statement a run) or off (one a line)."""
    exact = statements(text, engine, fast=False, merge=False, chunk=1 << 20)
    assert rows(exact, engine) == {"t": want}
    others = [s for s in exact if s.kind != "insert"]
    assert len(others) >= 12
    first = text.index("INSERT")
    for cut in range(first - 140, len(text)):
        for fast in (True, False):
            got = _cut_in_two(text, engine, cut, fast)
            assert rows(got, engine) == {"t": want}, (cut, fast)
            assert [s for s in got if s.kind != "insert"] == others, (cut, fast)
            if not fast:
                assert got == exact, cut


def test_escape_pairs_are_read_from_the_left():
    r"""``_unescaped`` replaces exactly the pairs a left-to-right reader sees (``\\'`` is an
    escaped backslash then a closing quote), on every string of up to 7 characters."""
    pairs = re.compile(rb"\\[\\'\"]")
    for n in range(1, 8):
        for chars in itertools.product((b"\\", b"'", b'"', b"a"), repeat=n):
            raw = b"".join(chars)
            assert _unescaped(raw) == pairs.sub(b"__", raw), raw


def test_lines_alike_proves_only_what_the_counts_would():
    head = "INSERT [dbo].[t] ([a]) VALUES"
    per_row = "".join(f"{head} ({i}, N'l''x')\r\n" for i in range(5))
    assert _lines_alike(per_row.encode(), head.encode(), 5)
    assert _count_bare(per_row, head, False, False) == (5, 5)
    refused = [
        per_row.replace(")\r\n", ") \r\n", 1),                          # one line ends apart
        per_row.replace(f"{head} (2", f"{head}  (2"),                    # one starts apart
        per_row + "(9, N'x')\r\n",                                      # a line without head
        per_row[:-3] + ") x\r\n",                                       # the last ends apart
        per_row[:-2],                                                    # no last newline
    ]
    for text in refused:
        assert not _lines_alike(text.encode(), head.encode(), text.count("\n")), text
        exact = statements(text, "sqlserver", fast=False, merge=False, chunk=1 << 20)
        fast = statements(text, "sqlserver", fast=True, merge=True, chunk=1 << 20)
        assert rows(fast, "sqlserver") == rows(exact, "sqlserver"), text
    twice = "INSERT INTO INSERT_LOG VALUES"          # a head that holds INSERT twice
    text = "".join(f"{twice} ({i});\n" for i in range(3))
    assert not _lines_alike(text.encode(), twice.encode(), 3)
    assert _count_bare(text, twice, False, False) == (3, 3)        # the counts decide
    # a head hidden in a literal and a line going on without one: as many heads as lines
    hidden = "INSERT INTO t VALUES"
    text = f"{hidden} (1,'{hidden} (');\n(2);\n"
    assert not _lines_alike(text.encode(), hidden.encode(), 2)


@pytest.mark.parametrize("merge", [True, False])
def test_run_end_found_by_its_newline_is_where_the_regex_ends(merge):
    one = "INSERT INTO `t` VALUES (1,'a'),(2,'b');\n"
    after = ("", "UNLOCK TABLES;\n", one, "(3,'c');\n", "  (4,'d');\n",
             "INSERT INTO `u` VALUES (5);\n", "INSERT INTO `t` VALUES", "\t(6);\n")
    sp = Splitter("t.sql", backslash_escapes=True, merge_rows=merge)
    rx = _RUN if merge else _RUN_LINE
    for lead, tail in itertools.product(("", "\n  "), after):
        buf = lead + one + tail
        for safe in range(len(lead) + 1, len(buf) + 1):
            m = rx.match(buf, 0, safe)
            want = None if m is None else (m.start("head"), m.end(), m.group("head"))
            assert sp._run_match(buf, 0, safe) == want, (buf, safe)


def test_possessive_bare_patterns_match_what_backtracking_ones_do():
    """Every bare string of up to 7 structural characters: the possessive patterns accept
    exactly what the same patterns with backtracking accept."""
    flat = re.compile(rb"(?:\n?\(,*\)(?:,\n?\(,*\))*;?\n)*")
    nested = re.compile(rb"(?:\((?:,|\(,*\))*\);?\n)*")
    for n in range(8):
        for chars in itertools.product(b"(),;\n", repeat=n):
            bare = bytes(chars)
            assert bool(_BARE_FLAT.fullmatch(bare)) == bool(flat.fullmatch(bare)), bare
            assert bool(_BARE_NESTED.fullmatch(bare)) == bool(nested.fullmatch(bare)), bare
