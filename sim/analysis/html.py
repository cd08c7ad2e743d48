"""Small HTML and Markdown helpers shared by the reports (comparison, sensitivity, ...):
one stylesheet, escaped tables, images embedded as data so a page is one file."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from pathlib import Path

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:#1d1d1d;max-width:1180px;margin:0 auto;padding:24px 28px 60px;line-height:1.45;
  font-size:15px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:34px 0 10px;
  border-bottom:2px solid #e4e4e4;padding-bottom:4px}h3{font-size:16px;margin:22px 0 6px}
.meta{color:#555;font-size:13.5px;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13.5px}
th,td{border:1px solid #d6d6d6;padding:5px 8px;vertical-align:top;text-align:left}
th{background:#f2f4f7;font-weight:600}
td.num{text-align:right;white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%}
.effect{font-weight:400}.clear{font-weight:700}
.detail{display:block;color:#555;font-size:12px;font-weight:400}
.na{color:#8a8a8a}
.notes{background:#fff7e0;border:1px solid #e8cf87;padding:10px 16px;border-radius:4px}
.notes li{margin:4px 0}
figure{margin:18px 0 26px}figure img{max-width:100%;height:auto;border:1px solid #e4e4e4}
figcaption{color:#444;font-size:13.5px;margin-top:6px}
pre{background:#f5f5f5;padding:10px 12px;overflow-x:auto;font-size:13px;border-radius:4px}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
.pill{display:inline-block;background:#eef2f7;border-radius:10px;padding:0 8px;
  font-size:12px;margin-left:6px;color:#334}
"""
"""The reports' stylesheet."""


def escape(x) -> str:
    """``x`` as HTML text."""
    return html.escape(str(x), quote=True)


def table(header: list[str] | None, rows: list[list[str]], raw: bool = False,
          num_cols: Iterable[int] = ()) -> str:
    """An HTML table (no header row when ``header`` is None); cells escaped unless ``raw``."""
    num = set(num_cols)
    head = "".join(f"<th>{escape(h)}</th>" for h in header or [])
    body = []
    for row in rows:
        cells = "".join(
            f"<td{' class=\"num\"' if i in num else ''}>{c if raw else escape(c)}</td>"
            for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    thead = f"<thead><tr>{head}</tr></thead>" if header else ""
    return (f'<div class="scroll"><table>{thead}<tbody>'
            f"{''.join(body)}</tbody></table></div>")


def img_tag(path: Path, alt: str) -> str:
    """An ``<img>`` with the PNG at ``path`` embedded (no file needed next to the page)."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    def cell(x):
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
