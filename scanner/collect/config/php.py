"""Owns PHP configuration files (``config.php``, ``database.php``, ``settings.inc.php``).

Read with patterns, never executed: ``define('DB_HOST', 'value')``,
``$db['default']['hostname'] = 'value';``, ``$dsn = 'mysql:host=…';`` and
``'host' => 'value'`` array items (keyed by the nearest ``'name' => [`` written
above them).  Comments (``//``, ``#``, ``/* */``) are blanked first, keeping line
numbers.  Only literal quoted values are read; anything computed is ignored.
"""

from __future__ import annotations

import re

from .entries import Entry, make

_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\\\w])//[^\n]*|(?<![\w$])#[^\n]*"
                      r"|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)
_STR = r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
_DEFINE = re.compile(r"(?i)\bdefine\s*\(\s*" + _STR + r"\s*,\s*" + _STR)
_ASSIGN = re.compile(r"\$(\w+)((?:\s*\[\s*(?:'[^']*'|\"[^\"]*\"|\w+)\s*\])*)\s*=\s*" + _STR)
_ARROW = re.compile(_STR + r"\s*=>\s*" + _STR)
_OPEN = re.compile(_STR + r"\s*=>\s*(?:array\s*\(|\[)")


def _blank_comments(text: str) -> str:
    def repl(m):
        s = m.group(0)
        if s[0] in "'\"":
            return s
        return re.sub(r"[^\n]", " ", s)
    return _COMMENT.sub(repl, text)


def _s(m, i: int) -> str:
    return m.group(i) if m.group(i) is not None else m.group(i + 1)


def php_entries(text: str) -> list[Entry]:
    text = _blank_comments(text)
    out: list[Entry] = []

    def line(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    for m in _DEFINE.finditer(text):
        out.append(make(_s(m, 1), _s(m, 3), line(m.start())))
    for m in _ASSIGN.finditer(text):
        subs = re.findall(r"\[\s*(?:'([^']*)'|\"([^\"]*)\"|(\w+))\s*\]", m.group(2))
        key = "$" + m.group(1) + "".join(f"[{a or b or c}]" for a, b, c in subs)
        out.append(make(key, _s(m, 3), line(m.start())))
    opens = sorted((m.start(), _s(m, 1)) for m in _OPEN.finditer(text))
    for m in _ARROW.finditer(text):
        parent = [name for pos, name in opens if pos < m.start()]
        key = f"{parent[-1]}.{_s(m, 1)}" if parent else _s(m, 1)
        out.append(make(key, _s(m, 3), line(m.start())))
    return out
