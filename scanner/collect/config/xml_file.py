"""Owns XML configuration: ``web.config``, ``app.config``, Hibernate, Spring, Tomcat.

Read with expat (the parser under ``xml.etree``) so each element keeps its line.
Refused, with the line: any DOCTYPE or ENTITY declaration (no entity expansion, no
external fetch: the defused approach) and malformed XML.  Comments are never read.

Entries:

* ``<add name="DPI" connectionString="…" providerName="…"/>`` →
  key ``connectionStrings/add[@name=DPI]``, value the string, hint the provider;
* ``<add key="K" value="V"/>`` → key ``appSettings/add[@key=K]``;
* ``<property name="hibernate.connection.url">…</property>`` or ``value=`` →
  key ``property[@name=hibernate.connection.url]``;
* any other element text → key = element path (``datasource/url``), and every other
  attribute → ``path/@attr`` (``Resource/@url`` in Tomcat's context.xml).

Namespace declarations and schema locations are skipped (they are URLs, not
dependencies).
"""

from __future__ import annotations

import re
from xml.parsers import expat

from ...errors import InputError, SourceLocation
from .entries import Entry, make

_DECL = re.compile(r"<!(DOCTYPE|ENTITY)\b", re.I)
_SKIP_ATTR = re.compile(r"(?i)^(xmlns(:.*)?|.*:?schemalocation|.*nonamespaceschemalocation)$")
_NAMED = {"add": ("name", "key"), "property": ("name",), "parameter": ("name",),
          "setting": ("name", "key"), "entry": ("key",)}
_VALUE_ATTRS = ("connectionString", "value")


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def xml_entries(text: str, source: str) -> list[Entry]:
    m = _DECL.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise InputError(f"{m.group(1).upper()} declarations are refused (entity expansion)",
                         SourceLocation(source, f"line {line}"))
    out: list[Entry] = []
    stack: list[tuple[str, int, str | None]] = []     # (path step, line, named-key)
    texts: list[list[str]] = []
    parser = expat.ParserCreate()

    def refuse(*_):
        raise InputError("DOCTYPE or ENTITY declarations are refused",
                         SourceLocation(source, f"line {parser.CurrentLineNumber}"))

    def start(name, attrs):
        line = parser.CurrentLineNumber
        tag = _local(name)
        parent = stack[-1][0] if stack else ""
        named = next((f"{tag}[@{a}={attrs[a]}]" for a in _NAMED.get(tag.lower(), ())
                      if a in attrs), None)
        step = named or tag
        path = f"{parent}/{step}" if parent else step
        if named:
            # <add name=…/>: the key path is the enclosing element + the named step
            key = f"{_local(parent.rsplit('/', 1)[-1])}/{step}" if parent else step
            for a in _VALUE_ATTRS:
                if a in attrs:
                    out.append(make(key, attrs[a], line, attrs.get("providerName")))
        for a, v in sorted(attrs.items()):
            if _SKIP_ATTR.match(a) or (named and (a in _VALUE_ATTRS or a == "providerName"
                                                  or f"@{a}=" in step)):
                continue
            out.append(make(f"{path}/@{_local(a)}", v, line))
        stack.append((path, line, named))
        texts.append([])

    def end(name):
        path, line, named = stack.pop()
        body = "".join(texts.pop()).strip()
        if body:
            key = path.rsplit("/", 1)[-1] if named else path
            if named and "/" in path:
                key = f"{path.rsplit('/', 2)[-2]}/{key}"
            out.append(make(key, body, line))

    def chars(data):
        if texts:
            texts[-1].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise InputError(f"malformed XML: {expat.errors.messages[exc.code]}",
                         SourceLocation(source, f"line {exc.lineno}")) from None
    return out
