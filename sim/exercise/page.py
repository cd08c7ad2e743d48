"""The facilitator's page: one self-contained HTML file (inline CSS and JavaScript, maps as
data URIs, no request leaves it) that steps through the turns with buttons and the arrow
keys, shows the after-action report, and prints one briefing sheet per delegation and turn.
"""

from __future__ import annotations

from pathlib import Path

from sim.analysis.html import CSS, escape, img_tag, table
from sim.exercise.briefing import make_briefing, map_name
from sim.exercise.indicators import country_indicators, region_indicators
from sim.exercise.report import REGION, AfterAction, headline, involved, lessons

PAGE_CSS = """
body{max-width:1240px}
header.top{border-bottom:3px solid #0b6e4f;margin-bottom:10px}
nav#nav{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid #ddd;
  z-index:5;display:flex;flex-wrap:wrap;gap:6px;align-items:center}
nav#nav button{font:inherit;font-size:13.5px;padding:4px 10px;border:1px solid #b9c3cf;
  background:#f4f6f9;border-radius:4px;cursor:pointer}
nav#nav button.active{background:#0b6e4f;color:#fff;border-color:#0b6e4f}
nav#nav .hint{color:#666;font-size:12.5px;margin-left:auto}
section.view{display:none}section.view.active{display:block}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #e8cf87;background:#fff7e0;border-radius:5px;padding:8px 12px;
  flex:1 1 300px}
.card h4{margin:0 0 4px;font-size:14.5px}.card p{margin:4px 0;font-size:13.5px}
.who{color:#555;font-size:12.5px}
td.up{color:#0b6e4f}td.down{color:#a93226}
.sheet{border:1px solid #ccc;padding:14px 18px;margin:16px 0;border-radius:4px}
.sheet h3{margin-top:0}.lines{border-bottom:1px solid #999;height:26px}
.toolbar{display:flex;gap:6px;flex-wrap:wrap;margin:6px 0 12px}
.toolbar button{font:inherit;font-size:13px;padding:3px 9px}
@media print{
  nav#nav,.toolbar,.noprint{display:none!important}
  section.view{display:none!important}
  section#briefings{display:block!important}
  body[data-print] .sheet{display:none}
  .sheet{page-break-after:always;break-after:page;border:none;margin:0;padding:0}
  .sheet figure img{max-height:11cm;width:auto}
  .sheet table{font-size:11px}.sheet td,.sheet th{padding:2px 6px}
  body{max-width:none;padding:0;font-size:12px}
}
"""

SCRIPT = """
(function(){
  var views = Array.prototype.slice.call(document.querySelectorAll('section.view'));
  var tabs = Array.prototype.slice.call(document.querySelectorAll('nav#nav button[data-view]'));
  var current = 0;
  function show(k){
    current = Math.max(0, Math.min(views.length - 1, k));
    views.forEach(function(v, j){ v.classList.toggle('active', j === current); });
    tabs.forEach(function(b){
      b.classList.toggle('active', b.dataset.view === views[current].id);
    });
    document.getElementById('where').textContent = (current + 1) + ' / ' + views.length;
    try { history.replaceState(null, '', '#' + views[current].id); } catch (e) {}
    window.scrollTo(0, 0);
  }
  function byId(id){
    for (var j = 0; j < views.length; j++) { if (views[j].id === id) return j; }
    return -1;
  }
  document.getElementById('prev').addEventListener('click', function(){ show(current - 1); });
  document.getElementById('next').addEventListener('click', function(){ show(current + 1); });
  tabs.forEach(function(b){
    b.addEventListener('click', function(){ show(byId(b.dataset.view)); });
  });
  document.addEventListener('keydown', function(e){
    var tag = (e.target && e.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    if (e.key === 'ArrowRight' || e.key === 'PageDown') { show(current + 1); e.preventDefault(); }
    if (e.key === 'ArrowLeft' || e.key === 'PageUp') { show(current - 1); e.preventDefault(); }
    if (e.key === 'Home') { show(0); e.preventDefault(); }
    if (e.key === 'End') { show(views.length - 1); e.preventDefault(); }
  });
  Array.prototype.slice.call(document.querySelectorAll('button[data-print]')).forEach(function(b){
    b.addEventListener('click', function(){
      var who = b.dataset.print;
      if (who) { document.body.dataset.print = who; } else { delete document.body.dataset.print; }
      Array.prototype.slice.call(document.querySelectorAll('.sheet')).forEach(function(s){
        s.classList.toggle('chosen', !who || s.dataset.delegation === who);
      });
      window.print();
    });
  });
  var start = byId((location.hash || '').replace('#', ''));
  show(start < 0 ? 0 : start);
})();
"""
"""Stepping with buttons and keys; printing one delegation's sheets."""

PRINT_CHOSEN = "@media print{body[data-print] .sheet.chosen{display:block}}"


def _num(x, unit: str = "") -> str:
    if isinstance(x, float) and x != x:  # NaN
        return "–"
    text = f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.3g}"
    return f"{text} {unit}".strip()


def _change(x) -> str:
    if x is None:
        return ""
    if x == 0:
        return " (±0)"
    return f" ({'+' if x > 0 else '−'}{_num(abs(x))})"


def _units(session) -> dict:
    return {k: v.unit for k, v in session.model.config.scenario.commodities.items()}


def _injects_html(injects, names: dict) -> str:
    if not injects:
        return "<p class='na'>No inject this turn.</p>"
    cards = []
    for i in injects:
        who = ", ".join(names[a] for a in i.audience) if i.audience else "every delegation"
        where = f" — {escape(i.site)}" if i.site else ""
        cards.append(f"<div class='card inject'><h4>{escape(i.title)}{where}</h4>"
                     f"<p>{escape(i.text.strip())}</p><p class='who'>Briefed: {escape(who)}"
                     f"</p></div>")
    return f"<div class='cards'>{''.join(cards)}</div>"


def _decisions_html(session, turn: int) -> str:
    rows = []
    for d in session.ledger.decisions:
        if d.turn != turn:
            continue
        days = ("—" if d.start is None else
                f"{d.start}–{'end' if d.end is None else d.end - 1}")
        cost = "; ".join(f"{iso} USD {usd:,.0f}" for iso, usd in d.charges.items())
        rows.append([session.names[d.delegation], session.config.menu[d.option].label,
                     d.summary, days, cost])
    if not rows:
        return "<p class='na'>No decision this turn.</p>"
    return table(["delegation", "decision", "what it does", "in force (days)", "cost"],
                 rows)


def _indicator_rows(session, turn: int) -> str:
    record = session.turns[turn - 1]
    before = session.turns[turn - 2] if turn > 1 else None
    inds = country_indicators(_units(session))
    rows = []
    for ind in inds:
        row = [f"{ind.label} ({ind.unit})"]
        for iso in session.delegations:
            now = record.indicators["countries"][iso][ind.name]
            prev = before.indicators["countries"][iso][ind.name] if before else None
            row.append(_num(now) + _change(None if prev is None else now - prev))
        rows.append(row)
    head = ["indicator"] + [f"{session.names[iso]} ({iso})" for iso in session.delegations]
    out = table(head, rows, num_cols=range(1, len(head)))
    groups = {g: g for g in session.model.world.armed.names}
    reg = []
    for ind in region_indicators(_units(session), groups):
        now = record.indicators["region"][ind.name]
        prev = before.indicators["region"][ind.name] if before else None
        reg.append([f"{ind.label} ({ind.unit})",
                    _num(now) + _change(None if prev is None else now - prev)])
    return out + "<h3>The region</h3>" + table(["indicator", "over the turn"], reg,
                                              num_cols=[1])


def _turn_view(session, turn: int, folder: Path) -> str:
    record = session.turns[turn - 1]
    map_html = img_tag(folder / map_name(turn), f"map of turn {turn}")
    return (f"<section class='view turn' id='turn-{turn}' data-turn='{turn}'>"
            f"<h2>Turn {turn} of {session.config.turns} — days {record.first_day}–"
            f"{record.last_day}</h2>"
            f"<h3>Injects</h3>{_injects_html(record.injects, session.names)}"
            f"<h3>Decisions</h3>{_decisions_html(session, turn)}"
            f"<figure>{map_html}<figcaption>The region during turn {turn}: flows (log "
            f"scale), seizures (crosses), escapes (rings), injects (stars), patrol "
            f"deployments (green circles), armed-group zones at the turn's end."
            f"</figcaption></figure>"
            f"<h3>Indicators over the turn (change vs the turn before)</h3>"
            f"{_indicator_rows(session, turn)}</section>")


def _happened(session) -> str:
    rows = []
    units = _units(session)
    names = list(units)
    for record in session.turns:
        reg = record.indicators["region"]
        rows.append([f"{record.turn} ({record.first_day}–{record.last_day})",
                     "; ".join(i.title for i in record.injects) or "—",
                     "; ".join(d.summary for d in session.ledger.decisions
                               if d.turn == record.turn) or "—",
                     *[_num(reg[f"delivered_{c}"]) for c in names],
                     *[_num(reg[f"seized_{c}"]) for c in names]])
    head = ["turn (days)", "injects", "decisions",
            *[f"{c} delivered ({u})" for c, u in units.items()],
            *[f"{c} seized ({u})" for c, u in units.items()]]
    out = table(head, rows, num_cols=range(3, len(head)))
    totals = []
    for ind in country_indicators(units):
        if ind.kind != "count":
            continue
        totals.append([f"{ind.label} ({ind.unit})"] + [
            _num(sum(t.indicators["countries"][iso][ind.name] for t in session.turns))
            for iso in session.delegations])
    head = ["over the exercise"] + [session.names[iso] for iso in session.delegations]
    return out + "<h3>Each delegation's totals</h3>" + table(head, totals,
                                                              num_cols=range(1, len(head)))


def _effects(session, aa: AfterAction) -> str:
    parts = []
    n = len(aa.seeds)
    for i, d in enumerate(session.ledger.decisions):
        if not aa.table["decision"].eq(i + 1).any():
            continue
        rows = []
        for r in headline(aa, session, i, limit=6):
            where = "region" if r["country"] == REGION else r["country"]
            ci = "" if n < 2 else f" [{_num(r['ci_low'])}, {_num(r['ci_high'])}]"
            cls = ("up" if (r["difference"] > 0) == (r["better"] == "up") else "down") \
                if r["better"] else ""
            rows.append([where, f"{r['label']} ({r['unit']})", _num(r["without_mean"]),
                         _num(r["with_mean"]),
                         f"<span class='{cls}'>{'+' if r['difference'] > 0 else ''}"
                         f"{_num(r['difference'])}{ci}</span>"])
        concern = ", ".join(involved(session, i))
        head = f"<h3>Turn {d.turn}: {escape(d.summary)}</h3>"
        if rows:
            body = table(["where", "indicator", "without it", "with it",
                          "difference" + (" [95 % CI]" if n > 1 else "")],
                         [[escape(c) for c in r[:4]] + [r[4]] for r in rows], raw=True,
                         num_cols=[2, 3, 4])
        else:
            body = (f"<p class='na'>No difference in {escape(concern)} or the region"
                    f"{'' if n < 2 else ' whose 95 % interval excludes zero'}.</p>")
        parts.append(head + body)
    if aa.skipped:
        parts.append("<h3>Not compared</h3><ul>" + "".join(
            f"<li>{escape(s)}: {escape(why)}</li>" for _, s, why in aa.skipped) + "</ul>")
    return "".join(parts)


def _after_view(session, aa: AfterAction) -> str:
    seeds = ", ".join(str(s) for s in aa.seeds)
    n = len(aa.seeds)
    method = (f"Each decision is compared with the same exercise without it (and without the "
              f"decisions that rest on it), on seed{'s' if n > 1 else ''} {seeds}, paired by "
              f"seed. Counts are summed from the decision's turn to the end; levels are at "
              f"the end. ")
    method += ("With one seed the difference is that run's." if n < 2 else
               f"Differences are means over {n} seeds with 95 % t-intervals; only those whose "
               f"interval excludes zero are listed.")
    items = "".join(f"<li>{escape(x)}</li>" for x in lessons(session, aa))
    return (f"<section class='view' id='after'><h2>After-action report</h2>"
            f"<h3>What happened</h3>{_happened(session)}"
            f"<h2>What each decision changed</h2><p class='meta'>{escape(method)}</p>"
            f"{_effects(session, aa)}"
            f"<h2>Lessons</h2><div class='notes'><ul>{items}</ul></div></section>")


def _sheet(session, iso: str, turn: int, folder: Path) -> str:
    b = make_briefing(session, iso, turn)
    agencies = ", ".join(session.config.delegations[iso].agencies)
    rows = [[f"{ind.label} ({ind.unit})", _num(v) + _change(ch)] for ind, v, ch in
            b.indicators]
    ind_html = (table([f"over turn {turn - 1}", "value (change)"], rows, num_cols=[1])
                if rows else "<p class='na'>No indicators yet: this is the first turn.</p>")
    extra = "".join(f"<li>{escape(x)}</li>" for x in [*b.proposals, *b.in_force])
    return (f"<article class='sheet' data-delegation='{iso}' data-turn='{turn}'>"
            f"<h3>Briefing — {escape(b.name)} ({iso}) — turn {turn} of "
            f"{session.config.turns} (days {b.first_day}–{b.last_day})</h3>"
            f"<p class='meta'>{escape(agencies)}. Budget USD {b.budget_usd:,.0f}; spent USD "
            f"{b.spent_usd:,.0f}; <b>left USD {b.left_usd:,.0f}</b>.</p>"
            f"<h4>Injects</h4>{_injects_html(b.injects, session.names)}"
            f"<h4>Your indicators</h4>{ind_html}"
            + (f"<h4>Open proposals and what is in force</h4><ul>{extra}</ul>" if extra
               else "")
            + f"<figure>{img_tag(folder / b.map_name, f'{iso} briefing map, turn {turn}')}"
              f"</figure><h4>Your decisions this turn</h4>"
              f"<div class='lines'></div><div class='lines'></div><div class='lines'></div>"
              f"</article>")


def _briefings_view(session, folder: Path) -> str:
    buttons = "".join(f"<button data-print='{iso}'>Print {escape(session.names[iso])}'s "
                      f"sheets</button>" for iso in session.delegations)
    sheets = "".join(_sheet(session, iso, turn, folder) for iso in session.delegations
                     for turn in range(1, session.config.turns + 1))
    menu = table(["entry", "decision", "cost (USD)", "lead time (days)",
                  "duration (days)", "cost basis"],
                 [[name, o.label, f"{o.cost_usd:,.0f}", str(o.lead_time_days),
                   "to the end" if o.duration_days is None else str(o.duration_days),
                   o.cost_basis] for name, o in session.config.menu.items()])
    return (f"<section class='view' id='briefings'><h2>Briefing sheets</h2>"
            f"<div class='toolbar noprint'>{buttons}<button data-print=''>Print all"
            f"</button></div><details class='noprint'><summary>The decision menu</summary>"
            f"{menu}</details>{sheets}</section>")


def render_page(session, aa: AfterAction, folder: Path) -> str:
    """The facilitator's page of a finished play (maps read from ``folder``)."""
    c = session.config
    views = [_turn_view(session, t, folder) for t in range(1, c.turns + 1)]
    views.append(_after_view(session, aa))
    views.append(_briefings_view(session, folder))
    tabs = "".join(f"<button data-view='turn-{t}'>Turn {t}</button>"
                   for t in range(1, c.turns + 1))
    tabs += "<button data-view='after'>After-action</button>"
    tabs += "<button data-view='briefings'>Briefing sheets</button>"
    delegations = ", ".join(f"{d.name} ({iso})" for iso, d in c.delegations.items())
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(c.title)}</title><style>{CSS}{PAGE_CSS}{PRINT_CHOSEN}</style>"
            f"<noscript><style>section.view{{display:block}}</style></noscript></head><body>"
            f"<header class='top'><h1>{escape(c.title)}</h1><p class='meta'>"
            f"{escape(c.description.strip())}</p><p class='meta'>Scenario "
            f"<b>{escape(c.scenario)}</b>, seed {session.seed}, {c.turns} turns of "
            f"{c.turn_days} days; delegations: {escape(delegations)}. Exercise file sha256 "
            f"<code>{session.exercise.sha256}</code>.</p></header>"
            f"<nav id='nav'><button id='prev' title='previous (left arrow)'>&#9664; Previous"
            f"</button>{tabs}<button id='next' title='next (right arrow)'>Next &#9654;"
            f"</button><span class='hint'><span id='where'></span> · keys &larr; &rarr;"
            f"</span></nav><main>{''.join(views)}</main>"
            f"<script>{SCRIPT}</script></body></html>")
