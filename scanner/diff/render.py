"""Owns the three forms of a diff document: text lines, JSON text and the HTML page.

Text: one header line per section that has changes, then one line per change, in the
document's order (which is sorted), so two runs print the same bytes.  Markers: ``+``
new, ``-`` vanished, ``~`` changed classification, ``>`` site move, ``=`` wave, ``!``
flow that should have been closed.  The HTML page (``reports/diff.html.j2``) shows the
same lines, grouped the same way, with the report's CSS inlined: it opens offline.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from ..fileio import write_atomic
from ..resources import data_dir
from .i18n import DEFAULT_LANG, catalogue

TEMPLATE = "diff.html.j2"
SECTIONS = ("hosts", "services", "databases", "endpoints", "dependencies", "classifications",
            "site_moves", "waves", "unclosed_flows")


def _value(value, t) -> str:
    if value is None or value == []:
        return t["null"]
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _dependency(d: dict, t) -> str:
    text = f"{t.get(d['kind'], d['kind'])} {d['source']} → {d['target']}"
    if d["kind"] == "flow" and d.get("protocol"):
        text += f" ({d['protocol']})"
    return text


def _why(c: dict, t) -> str:
    parts = []
    if c.get("inherited"):
        parts.append(t["inherited"].format(n=len(c["inherited"])))
    for key in ("rules_added", "rules_removed"):
        if c[key]:
            parts.append(f"{t[key]}: {', '.join(c[key])}")
    for key in ("evidence_added", "evidence_removed"):
        if c[key]:
            parts.append(f"{t[key]} ({t[c['evidence']]}): {', '.join(c[key])}")
    return "; ".join(parts)


def sections(doc: dict, lang: str = DEFAULT_LANG) -> list[dict]:
    """``[{key, title, lines: [{mark, text, why}]}]`` for the sections that have changes."""
    t = catalogue(lang)
    out = []
    for key in SECTIONS:
        lines = []
        value = doc.get(key)
        if key in ("hosts", "services", "databases", "endpoints"):
            lines += [{"mark": "+", "text": f"{t['added']} {i}", "why": ""} for i in value["added"]]
            lines += [{"mark": "-", "text": f"{t['removed']} {i}", "why": ""} for i in value["removed"]]
        elif key == "dependencies":
            lines += [{"mark": "+", "text": f"{t['added']} {_dependency(d, t)}", "why": ""}
                      for d in value["added"]]
            lines += [{"mark": "-", "text": f"{t['removed']} {_dependency(d, t)}", "why": ""}
                      for d in value["removed"]]
        elif key == "classifications":
            lines += [{"mark": "~", "text": f"{c['entity']} {c['dimension']}: "
                                            f"{_value(c['before'], t)} → {_value(c['after'], t)}",
                       "why": _why(c, t)} for c in value]
        elif key == "site_moves":
            lines += [{"mark": ">", "text": f"{m['host']}: {_value(m['before'], t)} → {_value(m['after'], t)}",
                       "why": (f"{t['wave']} {m['wave']}" if m["wave"] is not None else t["no_wave"])}
                      for m in value]
        elif key == "waves":
            for w in value:
                text = (f"{t['wave']} {w['number']} {t['wave_name'].format(name=w['name'])} {t[w['status']]}: "
                        + t["moved_of"].format(moved=w["moved"], hosts=w["hosts"],
                                               sites=", ".join(w["sites"])))
                why = t["not_moved"].format(hosts=", ".join(w["not_moved"])) if w["not_moved"] else ""
                lines.append({"mark": "=", "text": text, "why": why})
        elif key == "unclosed_flows":
            lines += [{"mark": "!", "text": f"{f['source']} → {f['destination']}"
                                            + (f" ({f['protocol']})" if f.get("protocol") else ""),
                       "why": t["unclosed"].format(until=f["until_wave"], src=f["source_site"],
                                                   dst=f["destination_site"])} for f in value]
        if lines:
            out.append({"key": key, "title": t[key], "lines": lines})
    return out


def text(doc: dict, lang: str = DEFAULT_LANG) -> str:
    """The text form: sections with a title line, one line per change, a total line."""
    t = catalogue(lang)
    out = [f"--- {doc['a']['path']}", f"+++ {doc['b']['path']}"]
    for s in sections(doc, lang):
        out.append(f"## {s['title']}")
        for line in s["lines"]:
            out.append(f"{line['mark']} {line['text']}" + (f"  [{line['why']}]" if line["why"] else ""))
    out.append(t["total"].format(n=doc["differences"]) if doc["differences"] else t["none"])
    return "\n".join(out) + "\n"


def dumps(doc: dict) -> str:
    """The JSON form: keys sorted, one-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def html(doc: dict, lang: str = DEFAULT_LANG) -> str:
    """The self-contained HTML page (the report's CSS inlined)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template(TEMPLATE).render(t=catalogue(lang), lang=lang, doc=doc,
                                             sections=sections(doc, lang))


def write_json(path: Path, doc: dict) -> Path:
    return write_atomic(Path(path), dumps(doc))


def write_html(folder: Path, doc: dict, lang: str = DEFAULT_LANG) -> Path:
    """Write ``folder/diff.html`` atomically; returns its path."""
    return write_atomic(Path(folder) / "diff.html", html(doc, lang))
