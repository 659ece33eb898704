"""Each file family's parser: keys, lines, comments."""

from __future__ import annotations

from scanner.collect.config.ini import ini_entries
from scanner.collect.config.json_file import json_entries
from scanner.collect.config.lines import line_entries
from scanner.collect.config.paths import family, owner
from scanner.collect.config.php import php_entries
from scanner.collect.config.properties import env_entries, properties_entries
from scanner.collect.config.xml_file import xml_entries
from scanner.collect.config.yaml_file import yaml_entries
from pathlib import Path


def _kv(entries):
    return [(e.key, e.value, e.line) for e in entries]


def test_owner_and_family():
    assert owner(Path("/e/inputs/configs/dpi-app01/dxcare/conf/application.properties")) == \
        ("dpi-app01", "dxcare")
    assert owner(Path("inputs/configs/dpi-app01/odbc.ini")) == ("dpi-app01", "odbc")
    assert owner(Path("/x/configs/old/inputs/configs/h1/configs/a.xml")) == ("h1", "configs")
    assert owner(Path("inputs/sql/h1/a.sql")) is None
    assert family(Path("tnsnames.ora")) == ("tnsnames", "oracle")
    assert family(Path("pg_service.conf")) == ("ini", "postgresql")
    assert family(Path("Web.Config")) == ("xml", None)
    assert family(Path("settings.inc"), "<?php\n") == ("php", None)
    assert family(Path("start.sh")) == ("lines", None)


def test_properties_comments_continuations_and_escapes():
    text = ("# a=jdbc:x\n! b=c\nurl = jdbc:postgresql://h\\\n   :5432/db\n"
            "share=\\\\\\\\nas\\\\s\nkey\\:colon=v\nfree text line\n")
    assert _kv(properties_entries(text)) == [
        ("url", "jdbc:postgresql://h:5432/db", 3), ("share", "\\\\nas\\s", 5),
        ("key:colon", "v", 6), ("free", "text line", 7)]


def test_env_quotes_export_and_inline_comments():
    text = 'export A="x # y"\nB=plain # note\n# C=z\nD=\'q\'\n'
    assert _kv(env_entries(text)) == [("A", "x # y", 1), ("B", "plain", 2), ("D", "q", 4)]


def test_ini_sections_and_comments():
    text = "top=1\n[LIS]\n; Server=old\n# x=y\nServer = lis-db01\nDriver = {A;B}\nproxy_pass http://h;\n"
    assert _kv(ini_entries(text)) == [("top", "1", 1), ("[LIS]/Server", "lis-db01", 5),
                                      ("[LIS]/Driver", "{A;B}", 6),
                                      (None, "proxy_pass http://h;", 7)]


def test_yaml_paths_lines_and_aliases():
    text = "a:\n  b: &x\n    host: h1\n  list:\n    - url: u1\n    - 5\nc: *x\n---\nd: e\n"
    assert _kv(yaml_entries(text, "f.yml")) == [("a.b.host", "h1", 3), ("a.list[0].url", "u1", 5),
                                                ("a.list[1]", "5", 6), ("d", "e", 9)]


def test_json_paths_and_lines():
    text = '{\n "a": {"b": "x",\n  "c": [1, {"d": "y"}]},\n "e": null\n}'
    assert _kv(json_entries(text, "f.json")) == [("a.b", "x", 2), ("a.c[0]", "1", 3),
                                                 ("a.c[1].d", "y", 3), ("e", "null", 4)]


def test_xml_keys_comments_and_namespaces():
    text = ('<beans xmlns="http://www.springframework.org/schema/beans" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"\n'
            ' xsi:schemaLocation="http://www.springframework.org/schema/beans b.xsd">\n'
            '<!-- <property name="url" value="jdbc:mysql://old/x"/> -->\n'
            '<bean id="ds"><property name="url" value="jdbc:mysql://my01/x"/></bean>\n'
            '<Resource name="jdbc/lis" url="jdbc:postgresql://pg/lis" password="SECRET"/>\n'
            '<datasource><host>pg02</host></datasource>\n</beans>\n')
    got = _kv(xml_entries(text, "f.xml"))
    assert ("bean/property[@name=url]", "jdbc:mysql://my01/x", 4) in got
    assert ("beans/Resource/@url", "jdbc:postgresql://pg/lis", 5) in got
    assert ("beans/datasource/host", "pg02", 6) in got
    assert not any("old" in v or "springframework" in v or "w3.org" in v for _, v, _ in got)


def test_php_forms_and_comments():
    text = ("<?php\n// define('A', 'old')\ndefine('DB_HOST', \"db01\");\n"
            "/* $x = 'old';\n*/ $db['default']['port'] = '3306';\n"
            "$cfg = ['mysql' => [\n  'host' => 'my01', # 'host' => 'old'\n]];\n"
            "$url = 'http://a//b#c';\n")
    assert _kv(php_entries(text)) == [("DB_HOST", "db01", 3), ("$db[default][port]", "3306", 5),
                                      ("$url", "http://a//b#c", 9), ("mysql.host", "my01", 7)]


def test_fallback_lines_skip_comments():
    text = "# jdbc:a\n; x\n// y\n-- z\nREM w\n:: v\nreal line\n\n"
    assert _kv(line_entries(text)) == [(None, "real line", 7)]
