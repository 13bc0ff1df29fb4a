// The Patterns page: the pattern tables of the registers
// (GET /api/v1/stats/patterns, /stats/quality; aggregates only, no personal
// data) drawn as a tile map of Armenia's regions, corridors, monthly flows,
// wages of women and men, recruiters and trends, each with the numbers
// behind it, a period filter and a printable report (the browser's print).
// Every sentence comes from PATTERNS_TEXT (labels.js).

import { api, query } from '../api.js';
import { h, add, clear, table, errorBox, field } from '../dom.js';
import { PATTERNS_TEXT as T, REGIONS, regionLabel, nationLabel, fmtNumber } from '../labels.js';

const BLUE = '#1f6fb2';
const COLOURS = ['#1f6fb2', '#c25e00', '#2e7d32', '#7b3fa0'];

// Armenia's 11 regions placed roughly where they lie (column, row).
const TILES = {
  'AM-SH': [0, 0], 'AM-LO': [1, 0], 'AM-TV': [2, 0],
  'AM-AG': [0, 1], 'AM-KT': [1, 1], 'AM-GR': [2, 1],
  'AM-AV': [0, 2], 'AM-ER': [1, 2],
  'AM-AR': [1, 3], 'AM-VD': [2, 3],
  'AM-SU': [2, 4],
};

// {columns, rows} -> array of objects keyed by column name.
function objects(t) {
  return (t.rows || []).map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
}

function numbers(caption, cols, rows) {
  return h('details', null, h('summary', null, T.showNumbers),
    table(caption, cols, rows, { hideCaption: true }));
}

function figure(id, title, note, body, nums, link) {
  return h('figure', { class: 'chart', id: `fig-${id}` },
    h('figcaption', null, h('h2', null, title), note ? h('p', { class: 'hint' }, note) : null),
    body, nums, link ? h('p', { class: 'no-print' }, link) : null);
}

function csvLink(table, period) {
  return h('a', { href: `/api/v1/stats/patterns${query({ table, format: 'csv', ...period })}`, download: `${table}.csv` }, T.download);
}

function canvas(id, label) {
  return h('div', { class: 'chart-box' }, h('canvas', { id: `chart-${id}`, role: 'img', 'aria-label': label }));
}

function chart(el, type, labels, datasets, opts = {}) {
  return new window.Chart(el, {
    type,
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: opts.horizontal ? 'y' : 'x',
      plugins: { legend: { display: datasets.length > 1 } },
      scales: { x: { beginAtZero: true, ticks: { autoSkip: !opts.horizontal } }, y: { beginAtZero: true, ticks: { autoSkip: false } } },
    },
  });
}

// The tile map: an SVG made here (no download), a square per region shaded
// by its applications.
function tileMap(byRegion) {
  const max = Math.max(1, ...Object.values(byRegion));
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 330 550');
  svg.setAttribute('role', 'img');
  svg.setAttribute('id', 'region-map');
  svg.setAttribute('aria-label', `${T.mapTitle}: ${Object.keys(TILES).map((r) => `${REGIONS[r]} ${byRegion[r] || 0}`).join(', ')}`);
  for (const [code, [c, r]] of Object.entries(TILES)) {
    const n = byRegion[code] || 0;
    const g = document.createElementNS(ns, 'g');
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', String(c * 108 + 4));
    rect.setAttribute('y', String(r * 108 + 4));
    rect.setAttribute('width', '100');
    rect.setAttribute('height', '100');
    rect.setAttribute('rx', '6');
    const shade = 0.08 + 0.92 * (n / max);
    rect.setAttribute('fill', BLUE);
    rect.setAttribute('fill-opacity', shade.toFixed(2));
    rect.setAttribute('stroke', '#333');
    rect.setAttribute('data-region', code);
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${regionLabel(code)}: ${fmtNumber(n)}`;
    rect.appendChild(title);
    g.appendChild(rect);
    for (const [dy, text] of [[40, REGIONS[code]], [64, fmtNumber(n)]]) {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', String(c * 108 + 54));
      t.setAttribute('y', String(r * 108 + 4 + dy));
      t.setAttribute('text-anchor', 'middle');
      t.setAttribute('font-size', '13');
      t.setAttribute('fill', shade > 0.55 ? '#fff' : '#111');
      t.textContent = text;
      g.appendChild(t);
    }
    svg.appendChild(g);
  }
  return h('div', { class: 'map-box' }, svg);
}

async function sections(out, period, ctx) {
  const [cor, flo, wag, rec, tre, qua] = await Promise.all([
    api('GET', `/stats/patterns${query({ table: 'corridors', ...period })}`),
    api('GET', `/stats/patterns${query({ table: 'flows', ...period })}`),
    api('GET', `/stats/patterns${query({ table: 'wages', ...period })}`),
    api('GET', `/stats/patterns${query({ table: 'recruitment', ...period })}`),
    api('GET', `/stats/patterns${query({ table: 'trends', ...period })}`),
    api('GET', `/stats/quality${query(period)}`),
  ]);
  if (!ctx.current()) return [];
  const charts = [];
  const corridors = objects(cor);
  if (!corridors.length) add(out, h('p', { class: 'empty', id: 'patterns-empty' }, T.empty));

  // map of regions
  const byRegion = {};
  let unknownRegion = 0;
  for (const c of corridors) {
    if (c.region) byRegion[c.region] = (byRegion[c.region] || 0) + c.applications;
    else unknownRegion += c.applications;
  }
  const regionRows = Object.keys(TILES).map((r) => [{ th: regionLabel(r) }, fmtNumber(byRegion[r] || 0)]);
  regionRows.push([{ th: T.regionUnknown }, fmtNumber(unknownRegion)]);
  add(out, figure('map', T.mapTitle, T.mapNote, tileMap(byRegion),
    numbers(T.mapTitle, [{ label: T.col.region }, { label: T.col.applications, class: 'num' }], regionRows),
    csvLink('corridors', period)));

  // corridors
  const agg = new Map();
  for (const c of corridors) {
    const k = `${nationLabel(c.citizenship)} → ${c.sector || '?'} → ${regionLabel(c.region)}`;
    agg.set(k, (agg.get(k) || 0) + c.applications);
  }
  const top = [...agg.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 15);
  const corCanvas = canvas('corridors', `${T.corridorsTitle}: ${top.slice(0, 5).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  add(out, figure('corridors', T.corridorsTitle, T.corridorsNote, corCanvas,
    numbers(T.corridorsTitle, [{ label: T.col.corridor }, { label: T.col.applications, class: 'num' }], top.map(([k, v]) => [{ th: k }, fmtNumber(v)])),
    csvLink('corridors', period)));
  charts.push(() => chart(corCanvas.firstChild, 'bar', top.map((x) => x[0]), [{ label: T.col.applications, data: top.map((x) => x[1]), backgroundColor: BLUE }], { horizontal: true }));

  // flows
  const flows = objects(flo);
  const fl = ['applications', 'approvals', 'entries', 'exits'];
  const floCanvas = canvas('flows', `${T.flowsTitle}: ${flows.length} months`);
  add(out, figure('flows', T.flowsTitle, T.flowsNote, floCanvas,
    numbers(T.flowsTitle, [{ label: T.col.month }, ...['applications', 'approvals', 'entries', 'exits', 'renewals', 'transfers', 'permits_never_used', 'overstays'].map((c) => ({ label: T.col[c], class: 'num' }))],
      flows.map((f) => [{ th: f.month }, ...['applications', 'approvals', 'entries', 'exits', 'renewals', 'transfers', 'permits_never_used', 'overstays'].map((c) => fmtNumber(f[c]))])),
    csvLink('flows', period)));
  charts.push(() => chart(floCanvas.firstChild, 'line', flows.map((f) => f.month),
    fl.map((c, i) => ({ label: T.col[c], data: flows.map((f) => f[c]), borderColor: COLOURS[i], backgroundColor: COLOURS[i], pointRadius: 0 }))));

  // wages: women and men in the same occupation
  const occ = new Map();
  for (const w of objects(wag)) {
    if (w.women_median_amd_in_occupation == null || w.men_median_amd_in_occupation == null) continue;
    const k = `${w.year} · ${w.sector || '?'} / ${w.isco_group || '?'}`;
    const o = occ.get(k) || { n: 0, f: w.women_median_amd_in_occupation, m: w.men_median_amd_in_occupation, gap: w.gender_gap_pct_in_occupation };
    o.n += w.applications;
    occ.set(k, o);
  }
  const occTop = [...occ.entries()].sort((a, b) => b[1].n - a[1].n).slice(0, 12);
  const wagCanvas = canvas('wages', `${T.wagesTitle}: ${occTop.length}`);
  add(out, figure('wages', T.wagesTitle, T.wagesNote, wagCanvas,
    numbers(T.wagesTitle, [{ label: T.col.occupation }, { label: T.col.women, class: 'num' }, { label: T.col.men, class: 'num' }, { label: T.col.gap, class: 'num' }],
      occTop.map(([k, o]) => [{ th: k }, fmtNumber(o.f), fmtNumber(o.m), fmtNumber(o.gap)])),
    csvLink('wages', period)));
  charts.push(() => chart(wagCanvas.firstChild, 'bar', occTop.map((x) => x[0]), [
    { label: T.col.women, data: occTop.map((x) => x[1].f), backgroundColor: COLOURS[1] },
    { label: T.col.men, data: occTop.map((x) => x[1].m), backgroundColor: COLOURS[0] }]));

  // recruiters
  const recs = objects(rec).sort((a, b) => b.applications - a.applications).slice(0, 10);
  const recCanvas = canvas('recruitment', `${T.recruitmentTitle}: ${recs.slice(0, 5).map((r) => `${r.intermediary_name || r.intermediary_id} ${r.applications}`).join(', ')}`);
  add(out, figure('recruitment', T.recruitmentTitle, T.recruitmentNote, recCanvas,
    numbers(T.recruitmentTitle, [{ label: T.col.intermediary }, { label: T.col.applications, class: 'num' }, { label: T.col.employers, class: 'num' }, { label: T.col.share, class: 'num' }, { label: T.col.hhi, class: 'num' }],
      recs.map((r) => [{ th: `${r.year} · ${r.intermediary_name || r.intermediary_id}` }, fmtNumber(r.applications), fmtNumber(r.employers), fmtNumber(r.share_of_employer_applications), fmtNumber(r.main_sector_hhi)])),
    csvLink('recruitment', period)));
  charts.push(() => chart(recCanvas.firstChild, 'bar', recs.map((r) => `${r.year} · ${r.intermediary_name || r.intermediary_id}`),
    [{ label: T.col.applications, data: recs.map((r) => r.applications), backgroundColor: BLUE }], { horizontal: true }));

  // trends: a ranked table
  const trends = objects(tre).slice(0, 20);
  add(out, figure('trends', T.trendsTitle, trends.length ? `${T.trendsNote} ${trends[0].previous_from} – ${trends[0].previous_to} / ${trends[0].current_from} – ${trends[0].current_to}` : T.trendsNote,
    table(T.trendsTitle, [{ label: T.col.rank, class: 'num' }, { label: T.col.kind }, { label: T.col.item }, { label: T.col.previous, class: 'num' }, { label: T.col.current, class: 'num' }, { label: T.col.change, class: 'num' }, { label: T.col.note }],
      trends.map((t) => [fmtNumber(t.rank), T.kinds[t.kind] || t.kind, t.kind === 'citizenship' ? nationLabel(t.item) : t.kind === 'region' ? regionLabel(t.item) : t.item,
        fmtNumber(t.previous), fmtNumber(t.current), fmtNumber(t.change), T.notes[t.note] || t.note]), { hideCaption: true }),
    null, csvLink('trends', period)));

  // data quality
  const q = objects(qua);
  add(out, figure('quality', T.qualityTitle, null,
    table(T.qualityTitle, [{ label: T.col.register }, { label: T.col.rows, class: 'num' }, { label: T.col.rejected, class: 'num' }, { label: T.col.completeness, class: 'num' }, { label: T.col.duplicates, class: 'num' }, { label: T.col.lag, class: 'num' }, { label: T.col.inconsistent, class: 'num' }],
      q.map((r) => [{ th: T.registers[r.register] || r.register }, fmtNumber(r.rows), fmtNumber(r.rejected), fmtNumber(r.completeness), fmtNumber(r.duplicates), fmtNumber(r.median_lag_days), fmtNumber(r.inconsistent)]), { hideCaption: true }),
    null, null));
  return charts.map((f) => f());
}

export async function render(main, ctx) {
  ctx.setTitle(T.title);
  add(main, h('h1', { tabindex: '-1' }, T.title), h('p', { class: 'hint' }, T.intro));
  if (!window.Chart) {
    add(main, errorBox(T.noChartLib));
    return null;
  }
  const from = field(T.from, 'input', { type: 'date', name: 'from', value: ctx.query.from || '' });
  const to = field(T.to, 'input', { type: 'date', name: 'to', value: ctx.query.to || '' });
  const periodLine = h('p', { class: 'period', id: 'patterns-period' });
  const out = h('div', { class: 'charts', id: 'patterns-out' });
  let charts = [];
  const destroy = () => { charts.forEach((c) => c.destroy()); charts = []; };
  const load = async () => {
    const period = {};
    if (from.input.value) period.from = from.input.value;
    if (to.input.value) period.to = to.input.value;
    destroy();
    clear(out);
    periodLine.textContent = T.period(period.from, period.to);
    try {
      charts = await sections(out, period, ctx);
    } catch (err) {
      if (ctx.current()) add(out, errorBox(err.status === 400 ? `${T.badPeriod}: ${err.message}` : T.loadFailed(err.message)));
    }
  };
  const form = h('form', { class: 'filters no-print', onsubmit: (e) => { e.preventDefault(); load(); } },
    from.wrap, to.wrap, h('button', { type: 'submit' }, T.apply),
    h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, T.print));
  add(main, form, periodLine, out);
  // the printed report shows the numbers behind every chart
  const opened = [];
  const beforePrint = () => out.querySelectorAll('details:not([open])').forEach((d) => { d.open = true; opened.push(d); });
  const afterPrint = () => { opened.splice(0).forEach((d) => { d.open = false; }); };
  window.addEventListener('beforeprint', beforePrint);
  window.addEventListener('afterprint', afterPrint);
  await load();
  return () => {
    destroy();
    window.removeEventListener('beforeprint', beforePrint);
    window.removeEventListener('afterprint', afterPrint);
  };
}
