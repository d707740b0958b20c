"""The report's page: one self-contained HTML file (`rnncli report`), its style and its one small
script inlined, its charts inline SVG (`svg.py`). It loads nothing: a Content-Security-Policy
forbids every request, so it opens the same from a disk, a share or an e-mail attachment.

Tables of many rows (a panel's series) sort by any column, filter by a search box and show a page
of rows at a time, in the page's own script; without a script every row is still there.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from rnncli import __version__
from rnncli.report.cells import fmt

PAGE_ROWS = 50  # rows of a long table shown at a time

STYLE = """
:root { --ink:#1b1f24; --muted:#57606a; --line:#d0d7de; --soft:#f6f8fa; --blue:#1f6feb;
  --good:#1a7f37; --bad:#cf222e; --even:#9a6700; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:var(--ink); background:#fff; }
header { background:var(--soft); border-bottom:1px solid var(--line); padding:20px 0 14px; }
main, header > div { max-width:1080px; margin:0 auto; padding:0 24px; }
h1 { font-size:22px; margin:0 0 4px; } h2 { font-size:17px; margin:32px 0 8px; padding-bottom:4px;
  border-bottom:1px solid var(--line); } h3 { font-size:14px; margin:18px 0 6px; }
.sub { color:var(--muted); font-size:13px; } code { font:12px ui-monospace,Menlo,Consolas,monospace; }
nav a { color:var(--blue); text-decoration:none; margin-right:14px; font-size:13px; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(190px,1fr)); gap:12px; margin:18px 0; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 14px; background:#fff; }
.card .k { color:var(--muted); font-size:12px; } .card .v { font-size:20px; font-weight:600; }
.card .n { color:var(--muted); font-size:12px; }
.verdict { border-left:4px solid var(--blue); background:var(--soft); padding:8px 14px; margin:10px 0; }
.verdict p { margin:4px 0; }
.good { color:var(--good); } .bad { color:var(--bad); } .even { color:var(--even); }
table { border-collapse:collapse; width:100%; font-size:13px; margin:6px 0; }
th, td { padding:5px 10px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:var(--soft); font-weight:600; position:sticky; top:0; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.best td { font-weight:600; } tr.served td { background:#ddf4ff; } tr.chosen td { background:#fff8c5; }
.scroll { max-height:560px; overflow:auto; border:1px solid var(--line); border-radius:6px; }
.scroll table { margin:0; } .scroll td { white-space:nowrap; }
.tools { margin:8px 0; display:flex; gap:10px; align-items:center; }
.tools input { padding:4px 8px; border:1px solid var(--line); border-radius:6px; min-width:240px; }
.tools button { padding:3px 10px; border:1px solid var(--line); border-radius:6px; background:#fff;
  cursor:pointer; }
th.sort { cursor:pointer; } th.sort:after { content:" \\2195"; color:var(--muted); }
.chart { width:100%; height:auto; display:block; }
figure { margin:8px 0 16px; } figcaption { color:var(--muted); font-size:12px; }
.mark { background:#fff8c5; border-radius:4px; padding:0 4px; font-size:12px; }
footer { color:var(--muted); font-size:12px; margin:40px 0 24px; }
"""

SCRIPT = """
document.querySelectorAll("div.long").forEach(function (box) {
  var table = box.querySelector("table"), body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows), shown = rows, page = 0, size = PAGE_ROWS;
  var info = box.querySelector(".info"), search = box.querySelector("input");
  function draw() {
    var pages = Math.max(1, Math.ceil(shown.length / size));
    page = Math.min(page, pages - 1);
    body.textContent = "";
    shown.slice(page * size, (page + 1) * size).forEach(function (r) { body.appendChild(r); });
    info.textContent = shown.length + " of " + rows.length + " rows, page " + (page + 1) + " of " + pages;
  }
  search.addEventListener("input", function () {
    var q = search.value.toLowerCase();
    shown = rows.filter(function (r) { return r.cells[0].textContent.toLowerCase().indexOf(q) >= 0; });
    page = 0; draw();
  });
  box.querySelector(".prev").addEventListener("click", function () { page = Math.max(0, page - 1); draw(); });
  box.querySelector(".next").addEventListener("click", function () { page += 1; draw(); });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.classList.add("sort");
    th.addEventListener("click", function () {
      var up = th.dataset.dir !== "up"; th.dataset.dir = up ? "up" : "down";
      function key(r) {
        var t = r.cells[i].textContent, x = parseFloat(t.replace(/,/g, ""));
        return isNaN(x) ? t : x;
      }
      shown.sort(function (a, b) {
        var x = key(a), y = key(b), c = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0)
          : (typeof x === "number" ? -1 : 1);
        return up ? c : -c;
      });
      page = 0; draw();
    });
  });
  draw();
});
""".replace("PAGE_ROWS", str(PAGE_ROWS))

POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def cell(value) -> str:
    """A table cell's text: a score as the terminal prints it, anything else as it is."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return "-" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return fmt(value)


def table(
    columns: list[str],
    rows: Iterable[list],
    classes: Iterable[str] | None = None,
    long: bool = False,
    ident: str | None = None,
) -> str:
    """A table; a column is right-aligned where its values are numbers. `classes` marks rows ("best",
    "served"); `long` gives it a search box, pages and sorting (the first column is searched)."""
    rows = list(rows)
    numeric = [
        bool(rows) and all(isinstance(r[i], int | float) or r[i] is None for r in rows)
        for i in range(len(columns))
    ]
    head = "".join(
        f'<th class="num">{esc(c)}</th>' if n else f"<th>{esc(c)}</th>" for c, n in zip(columns, numeric)
    )
    marks = list(classes or []) + [""] * len(rows)
    body = "".join(
        (f'<tr class="{marks[i]}">' if marks[i] else "<tr>")
        + "".join(
            f'<td class="num">{esc(cell(v))}</td>' if n else f"<td>{esc(cell(v))}</td>"
            for v, n in zip(row, numeric)
        )
        + "</tr>"
        for i, row in enumerate(rows)
    )
    opening = f'<table id="{esc(ident)}">' if ident else "<table>"
    markup = f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if not long:
        return markup
    return (
        '<div class="long"><div class="tools"><input type="search" placeholder="filter by name" '
        'aria-label="filter rows"><button class="prev">previous</button><button class="next">next</button>'
        f'<span class="info sub"></span></div><div class="scroll">{markup}</div></div>'
    )


def cards(items: list[tuple[str, str, str]]) -> str:
    """Headline figures: (what, value, note)."""
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="k">{esc(k)}</div><div class="v">{esc(v)}</div>'
            f'<div class="n">{esc(n)}</div></div>'
            for k, v, n in items
        )
        + "</div>"
    )


def verdict(lines: list[str]) -> str:
    return '<div class="verdict">' + "".join(f"<p>{esc(line)}</p>" for line in lines) + "</div>"


def figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def section(anchor: str, title: str, *parts: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{"".join(parts)}</section>'


def paragraph(text: str, cls: str = "sub") -> str:
    return f'<p class="{cls}">{esc(text)}</p>'


def page(title: str, subtitle: str, sections: list[tuple[str, str, str]], source: str) -> str:
    """The whole document: a header with a link to each section (anchor, title, markup)."""
    links = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t, _ in sections)
    body = "".join(section(a, t, markup) for a, t, markup in sections)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f'<header><div><h1>{esc(title)}</h1><div class="sub">{esc(subtitle)}</div>'
        f"<nav>{links}</nav></div></header>"
        f"<main>{body}<footer>made by rnncli {esc(__version__)} from {esc(source)}; "
        "every number here is read from the files named, nothing is fetched</footer></main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
