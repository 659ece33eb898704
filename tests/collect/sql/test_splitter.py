"""The statement splitter: quoting, comments, terminators, counted rows, chunk boundaries."""

from __future__ import annotations

import codecs

import pytest

from scanner.collect.sql.dialect import splitter_for
from scanner.collect.sql.splitter import (CHUNK, PLSQL_HEAD, Splitter, detect_encoding,
                                          read_text)
from scanner.errors import InputError


def split(text: str, chunk: int = 1 << 16, **options) -> list[tuple]:
    sp = Splitter("t.sql", **options)
    chunks = [text[i:i + chunk] for i in range(0, len(text), chunk)]
    return [(s.line, s.kind, s.rows, s.text) for s in sp.split(chunks)]


def split_all_chunkings(text: str, **options) -> list[tuple]:
    """The statements, checked to be the same whatever the chunk size."""
    whole = split(text, **options)
    for chunk in (1, 2, 3, 5, 17, 130, 257):
        assert split(text, chunk, **options) == whole, f"chunk size {chunk}"
    return whole


TRICKY = """-- leading comment; with a semicolon
SET x = 'a;b';
SELECT 'it''s; fine', "odd;name" FROM t; /* a ; in a comment */
CREATE FUNCTION f() RETURNS int AS $body$ SELECT ';'; $body$ LANGUAGE sql;
CREATE FUNCTION g() RETURNS int AS $$ SELECT 2; $$ LANGUAGE sql;
/* outer /* nested ; */ still comment ; */ SELECT E'\\'; still' AS e;
SELECT 1 -- trailing ; comment
  + 2;
"""


def test_semicolons_in_strings_dollar_quotes_and_comments_do_not_split():
    got = split_all_chunkings(TRICKY, nested_comments=True, go_lines=False, slash_lines=False)
    assert [g[3] for g in got] == [
        "SET x = 'a;b'",
        "SELECT 'it''s; fine', \"odd;name\" FROM t",
        "CREATE FUNCTION f() RETURNS int AS $body$ SELECT ';'; $body$ LANGUAGE sql",
        "CREATE FUNCTION g() RETURNS int AS $$ SELECT 2; $$ LANGUAGE sql",
        "SELECT E'\\'; still' AS e",
        "SELECT 1  \n  + 2",
    ]
    assert [g[0] for g in got] == [2, 3, 4, 5, 6, 7]


def test_commented_out_statements_never_reach_the_text():
    text = "-- CREATE SERVER a FOREIGN DATA WRAPPER postgres_fdw;\n/*\nCREATE SERVER b;\n*/\nSELECT 1;\n"
    got = split_all_chunkings(text)
    assert [g[3] for g in got] == ["SELECT 1"]
    assert got[0][0] == 5


def test_copy_rows_are_counted_and_never_kept():
    text = ("COPY public.patient (id, nom) FROM stdin;\n"
            "1\tDUPONT-CANARY Jeanne\n2\tO'HARA ; Paul\n3\t\\N\n\\.\n"
            "SELECT 2;\n")
    got = split_all_chunkings(text)
    assert got == [(1, "copy", 3, "COPY public.patient (id, nom) FROM stdin"),
                   (6, "sql", None, "SELECT 2")]
    assert "DUPONT" not in repr(got)


def test_long_copy_lines_across_chunks_are_counted():
    row = "x" * 5000 + "\n"
    text = "COPY t (a) FROM stdin;\n" + row * 7 + "\\.\nSELECT 1;\n"
    for chunk in (100, 999, 4096):
        got = split(text, chunk)
        assert got[0][:3] == (1, "copy", 7)
        assert got[1] == (10, "sql", None, "SELECT 1")


def test_insert_tuples_are_counted_without_their_values():
    text = ("INSERT INTO `t` (`a`, `b`) VALUES (1,'x;)'),(2,'(y'),(3, lower('Z')),"
            "(4,'O\\'NEIL (CANARY)');\n"
            "INSERT INTO t VALUES (5, 'a') ON DUPLICATE KEY UPDATE b = VALUES(b);\n")
    got = split_all_chunkings(text, backslash_escapes=True)
    assert got == [(1, "insert", 4, "INSERT INTO `t` (`a`, `b`) VALUES"),
                   (2, "insert", 1, "INSERT INTO t VALUES")]
    assert "CANARY" not in repr(got) and "NEIL" not in repr(got)


def test_huge_single_line_insert_keeps_only_its_head():
    tuples = ",".join(f"({i},'DUPONT-CANARY {i}','a;b(c)')" for i in range(50000))
    text = f"INSERT INTO big VALUES {tuples};\nSELECT 1;\n"
    sp = Splitter("big.sql", backslash_escapes=True)
    chunks = (text[i:i + 65536] for i in range(0, len(text), 65536))
    got = list(sp.split(chunks))
    assert len(text) > 1_000_000
    assert [(s.kind, s.rows, s.text) for s in got] == [
        ("insert", 50000, "INSERT INTO big VALUES"), ("sql", None, "SELECT 1")]


def test_tsql_inserts_without_semicolons_are_separate_statements():
    text = ("INSERT [dbo].[R] ([Id], [Nom]) VALUES (1, N'A (x)')\n"
            "INSERT [dbo].[R] ([Id], [Nom]) VALUES (2, N'B')\nGO\n")
    got = split_all_chunkings(text, **_opts("sqlserver"))
    assert got == [(1, "insert", 1, "INSERT [dbo].[R] ([Id], [Nom]) VALUES"),
                   (2, "insert", 1, "INSERT [dbo].[R] ([Id], [Nom]) VALUES")]


def _opts(engine):
    sp = splitter_for(engine, "x")
    return dict(backslash_escapes=sp.backslash, go_lines=sp.go_lines, slash_lines=sp.slash_lines,
                block_head=sp.block_head, meta_lines=sp.meta_lines,
                delimiter_lines=sp.delimiter_lines, nested_comments=sp.nested,
                sqlplus_lines=sp.sqlplus, dollar_quotes=sp.dollar_quotes)


def test_go_and_slash_lines_and_plsql_blocks():
    tsql = "USE [db]\nGO\nSELECT 'GO\n' AS x\n  go  \nCREATE PROCEDURE p AS BEGIN SELECT 1; SELECT 2; END\nGO\n"
    assert [g[3] for g in split_all_chunkings(tsql, **_opts("sqlserver"))] == [
        "USE [db]", "SELECT 'GO\n' AS x", "CREATE PROCEDURE p AS BEGIN SELECT 1; SELECT 2; END"]
    ora = ("PROMPT creating; things\nCREATE OR REPLACE PROCEDURE p IS\nBEGIN\n  NULL;\nEND;\n/\n"
           "SELECT 1 FROM dual\n/\n")
    got = split_all_chunkings(ora, **_opts("oracle"))
    assert [g[3] for g in got] == ["CREATE OR REPLACE PROCEDURE p IS\nBEGIN\n  NULL;\nEND;",
                                   "SELECT 1 FROM dual"]
    assert [g[0] for g in got] == [2, 7]


def test_mysql_delimiter_and_psql_meta_lines():
    my = "DELIMITER ;;\nCREATE TRIGGER t BEGIN SET a = 1; END ;;\nDELIMITER ;\nSELECT 2;\n"
    assert [g[3] for g in split_all_chunkings(my, **_opts("mysql"))] == [
        "CREATE TRIGGER t BEGIN SET a = 1; END", "SELECT 2"]
    pg = "\\connect dxcare\nSET a = 1;\n"
    assert split_all_chunkings(pg, **_opts("postgresql")) == [
        (1, "meta", None, "\\connect dxcare"), (2, "sql", None, "SET a = 1")]


@pytest.mark.parametrize("text, line, what", [
    ("SELECT 1;\nSELECT 'abc\n\n", 2, "string"),
    ("SELECT 1;\n\n/* open\n", 3, "comment"),
    ("SELECT $x$ body;\n", 1, "dollar"),
    ("SELECT 1;\nCOPY t (a) FROM stdin;\n1\n2\n", 2, "COPY"),
])
def test_unterminated_text_at_end_of_file_names_its_line(text, line, what):
    with pytest.raises(InputError) as err:
        split(text, 3)
    assert str(err.value).startswith(f"t.sql: line {line}: unterminated")
    assert what in str(err.value)


def test_encodings(tmp_path):
    utf8 = tmp_path / "u.sql"
    utf8.write_bytes("CREATE TABLE séjour (id int);".encode("utf-8"))
    cp = tmp_path / "c.sql"
    cp.write_bytes("CREATE TABLE séjour (âge int);".encode("cp1252"))
    u16 = tmp_path / "w.sql"
    u16.write_bytes(codecs.BOM_UTF16_LE + "CREATE TABLE séjour (id int);".encode("utf-16-le"))
    assert detect_encoding(utf8) == "utf-8-sig"
    assert detect_encoding(cp) == "cp1252"
    assert detect_encoding(u16) == "utf-16"
    for p in (utf8, cp, u16):
        assert "séjour" in "".join(read_text(p, p.name))


def test_a_byte_undefined_in_cp1252_is_refused_with_its_line(tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_bytes(b"SELECT 1;\nSELECT 2;\nCREATE TABLE s\x81jour (id int);\n")
    with pytest.raises(InputError) as err:
        list(read_text(bad, "bad.sql"))
    assert str(err.value).startswith("bad.sql: line 3: byte 0x81")


@pytest.mark.parametrize("latin", [True, False])
def test_a_bad_byte_blocks_into_the_file_names_its_line(tmp_path, latin):
    """The lines before the block holding the bad byte are counted only then (reading
    counts no newlines): still the right line, two blocks in."""
    rows = "".join(f"INSERT INTO t VALUES ({i}, 'é');\n" for i in range(70000)).encode("cp1252")
    assert len(rows) > 2 * CHUNK
    bad = tmp_path / "big.sql"
    bad.write_bytes(rows + b"SELECT 1;\r\nSELECT '\x81';\n")
    with pytest.raises(InputError) as err:
        list(read_text(bad, "big.sql", "cp1252", cp1252_as_latin1=latin))
    assert str(err.value).startswith("big.sql: line 70002: byte 0x81")


def test_dollar_signs_in_oracle_names_are_not_quotes():
    text = "SELECT * FROM v$a$b;\nSELECT 'x' FROM sys.v_$session;\n"
    assert [g[3] for g in split_all_chunkings(text, **_opts("oracle"))] == [
        "SELECT * FROM v$a$b", "SELECT 'x' FROM sys.v_$session"]
    assert [g[3] for g in split_all_chunkings("SELECT a$b$c; SELECT 1;\n")] == [
        "SELECT a$b$c", "SELECT 1"]


def test_oracle_block_head_matches_blocks_only():
    assert PLSQL_HEAD.match("CREATE OR REPLACE EDITIONABLE PACKAGE BODY x")
    assert not PLSQL_HEAD.match("CREATE TABLE x (a int)")


def test_copy_with_a_long_column_list_is_still_a_data_block():
    cols = ", ".join(f"colonne_{i}" for i in range(60))
    text = f"COPY public.t ({cols}) FROM stdin;\nDUPONT-CANARY;'x\n\\.\nSELECT 1;\n"
    got = split_all_chunkings(text)
    assert [(g[1], g[2]) for g in got] == [("copy", 1), ("sql", None)]
    assert "CANARY" not in repr(got)


def test_copy_end_finder_agrees_with_the_line_anchored_definition():
    """``_copy_end`` is a fast form of ``^\\.[ \\t]*\\r?$`` (multi-line) searched from pos."""
    import random
    import re

    from scanner.collect.sql.splitter import _copy_end

    definition = re.compile(r"^\\\.[ \t]*\r?$", re.M)
    rnd = random.Random(7)
    alphabet = ["\\", ".", "\n", " ", "\t", "\r", "a"]
    for _ in range(20000):
        buf = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        pos = rnd.randint(0, len(buf))
        m = definition.search(buf, pos)
        assert _copy_end(buf, pos) == ((m.start(), m.end()) if m else None), (buf, pos)


def test_one_row_insert_lines_are_one_statement_each_whatever_the_chunking():
    """The per-row fast path (SQL Developer, SSMS, --skip-extended-insert dumps)."""
    ora = ("Insert into GAM.P (ID,NOM) values ('1','a;b');\n"
           "Insert into GAM.P (ID,NOM) values ('2','multi\nline; text');\n"
           "\n"
           "Insert into GAM.P (ID,NOM) values ('3',to_date('2020','YYYY'));\n"
           "Insert into GAM.Q (ID) values ('4'); -- trailing comment\n"
           "CREATE SYNONYM s FOR t@l;\n")
    assert split_all_chunkings(ora, **_opts("oracle")) == [
        (1, "insert", 1, "Insert into GAM.P (ID,NOM) values"),
        (2, "insert", 1, "Insert into GAM.P (ID,NOM) values"),
        (5, "insert", 1, "Insert into GAM.P (ID,NOM) values"),
        (6, "insert", 1, "Insert into GAM.Q (ID) values"),
        (7, "sql", None, "CREATE SYNONYM s FOR t@l"),
    ]
    my = "INSERT INTO `t` VALUES (1,'it\\'s (x)');\nINSERT INTO `t` VALUES (2,'b'),(3,'c');\n"
    assert [(g[1], g[2]) for g in split_all_chunkings(my, **_opts("mysql"))] == \
        [("insert", 1), ("insert", 2)]

