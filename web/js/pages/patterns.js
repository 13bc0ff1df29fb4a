// The Patterns page: the pattern tables of the registers
// (GET /api/v1/stats/patterns, /stats/quality; aggregates only, no personal
// data) drawn as a tile map of Armenia's regions, corridors, monthly flows,
// wages of women and men, recruiters and trends, each with the numbers
// behind it, a period filter and a printable report (the browser's print).
// Every sentence comes from the catalogues (t('pat.*'), web/i18n/).

import { api, query } from '../api.js';
import { h, add, clear, table, errorBox, field } from '../dom.js';
import { t, label } from '../i18n.js';
import { regionName, regionLabel, nationLabel, fmtNumber } from '../labels.js';

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
  return h('details', null, h('summary', null, t('dash.show_numbers')),
    table(caption, cols, rows, { hideCaption: true }));
}

function figure(id, title, note, body, nums, link) {
  return h('figure', { class: 'chart', id: `fig-${id}` },
    h('figcaption', null, h('h2', null, title), note ? h('p', { class: 'hint' }, note) : null),
    body, nums, link ? h('p', { class: 'no-print' }, link) : null);
}

function csvLink(table, period) {
  return h('a', { href: `/api/v1/stats/patterns${query({ table, format: 'csv', ...period })}`, download: `${table}.csv` }, t('pat.download'));
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
  svg.setAttribute('aria-label', `${t('pat.map')}: ${Object.keys(TILES).map((r) => `${regionName(r)} ${byRegion[r] || 0}`).join(', ')}`);
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
    for (const [dy, text] of [[40, regionName(code)], [64, fmtNumber(n)]]) {
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
  if (!corridors.length) add(out, h('p', { class: 'empty', id: 'patterns-empty' }, t('pat.empty')));

  // map of regions
  const byRegion = {};
  let unknownRegion = 0;
  for (const c of corridors) {
    if (c.region) byRegion[c.region] = (byRegion[c.region] || 0) + c.applications;
    else unknownRegion += c.applications;
  }
  const regionRows = Object.keys(TILES).map((r) => [{ th: regionLabel(r) }, fmtNumber(byRegion[r] || 0)]);
  regionRows.push([{ th: t('pat.region_unknown') }, fmtNumber(unknownRegion)]);
  add(out, figure('map', t('pat.map'), t('pat.map_note'), tileMap(byRegion),
    numbers(t('pat.map'), [{ label: t('pat.col_region') }, { label: t('pat.col_applications'), class: 'num' }], regionRows),
    csvLink('corridors', period)));

  // corridors
  const agg = new Map();
  for (const c of corridors) {
    const k = `${nationLabel(c.citizenship)} → ${c.sector || '?'} → ${regionLabel(c.region)}`;
    agg.set(k, (agg.get(k) || 0) + c.applications);
  }
  const top = [...agg.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 15);
  const corCanvas = canvas('corridors', `${t('pat.corridors')}: ${top.slice(0, 5).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  add(out, figure('corridors', t('pat.corridors'), t('pat.corridors_note'), corCanvas,
    numbers(t('pat.corridors'), [{ label: t('pat.col_corridor') }, { label: t('pat.col_applications'), class: 'num' }], top.map(([k, v]) => [{ th: k }, fmtNumber(v)])),
    csvLink('corridors', period)));
  charts.push(() => chart(corCanvas.firstChild, 'bar', top.map((x) => x[0]), [{ label: t('pat.col_applications'), data: top.map((x) => x[1]), backgroundColor: BLUE }], { horizontal: true }));

  // flows
  const flows = objects(flo);
  const FCOLS = [['applications', 'pat.col_applications'], ['approvals', 'pat.col_approvals'], ['entries', 'pat.col_entries'],
    ['exits', 'pat.col_exits'], ['renewals', 'pat.col_renewals'], ['transfers', 'pat.col_transfers'],
    ['permits_never_used', 'pat.col_never_used'], ['overstays', 'pat.col_overstays']];
  const floCanvas = canvas('flows', `${t('pat.flows')}: ${flows.map((f) => `${f.month} ${f.applications}`).slice(-6).join(', ')}`);
  add(out, figure('flows', t('pat.flows'), t('pat.flows_note'), floCanvas,
    numbers(t('pat.flows'), [{ label: t('pat.col_month') }, ...FCOLS.map(([, k]) => ({ label: t(k), class: 'num' }))],
      flows.map((f) => [{ th: f.month }, ...FCOLS.map(([c]) => fmtNumber(f[c]))])),
    csvLink('flows', period)));
  charts.push(() => chart(floCanvas.firstChild, 'line', flows.map((f) => f.month),
    FCOLS.slice(0, 4).map(([c, k], i) => ({ label: t(k), data: flows.map((f) => f[c]), borderColor: COLOURS[i], backgroundColor: COLOURS[i], pointRadius: 0 }))));

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
  const wagCanvas = canvas('wages', `${t('pat.wages')}: ${occTop.slice(0, 5).map(([k, o]) => `${k} ${o.f} ${o.m}`).join(', ')}`);
  add(out, figure('wages', t('pat.wages'), t('pat.wages_note'), wagCanvas,
    numbers(t('pat.wages'), [{ label: t('pat.col_occupation') }, { label: t('pat.col_women'), class: 'num' }, { label: t('pat.col_men'), class: 'num' }, { label: t('pat.col_gap'), class: 'num' }],
      occTop.map(([k, o]) => [{ th: k }, fmtNumber(o.f), fmtNumber(o.m), fmtNumber(o.gap)])),
    csvLink('wages', period)));
  charts.push(() => chart(wagCanvas.firstChild, 'bar', occTop.map((x) => x[0]), [
    { label: t('pat.col_women'), data: occTop.map((x) => x[1].f), backgroundColor: COLOURS[1] },
    { label: t('pat.col_men'), data: occTop.map((x) => x[1].m), backgroundColor: COLOURS[0] }]));

  // recruiters
  const recs = objects(rec).sort((a, b) => b.applications - a.applications).slice(0, 10);
  const recName = (r) => `${r.year} · ${r.intermediary_name || r.intermediary_id}`;
  const recCanvas = canvas('recruitment', `${t('pat.recruiters')}: ${recs.slice(0, 5).map((r) => `${recName(r)} ${r.applications}`).join(', ')}`);
  add(out, figure('recruitment', t('pat.recruiters'), t('pat.recruiters_note'), recCanvas,
    numbers(t('pat.recruiters'), [{ label: t('pat.col_intermediary') }, { label: t('pat.col_applications'), class: 'num' }, { label: t('pat.col_employers'), class: 'num' }, { label: t('pat.col_share'), class: 'num' }, { label: t('pat.col_hhi'), class: 'num' }],
      recs.map((r) => [{ th: recName(r) }, fmtNumber(r.applications), fmtNumber(r.employers), fmtNumber(r.share_of_employer_applications), fmtNumber(r.main_sector_hhi)])),
    csvLink('recruitment', period)));
  charts.push(() => chart(recCanvas.firstChild, 'bar', recs.map(recName),
    [{ label: t('pat.col_applications'), data: recs.map((r) => r.applications), backgroundColor: BLUE }], { horizontal: true }));

  // trends: a ranked table
  const KINDS = { corridor: 'pat.kind_corridor', intermediary: 'pat.kind_intermediary', sector: 'pat.kind_sector', citizenship: 'pat.kind_citizenship', region: 'pat.kind_region' };
  const NOTES = { new: 'pat.note_new', gone: 'pat.note_gone', growth: 'pat.note_growth', decline: 'pat.note_decline' };
  const trends = objects(tre).slice(0, 20);
  const before = trends.length ? `${trends[0].previous_from} – ${trends[0].previous_to}` : '–';
  add(out, figure('trends', t('pat.trends'), t('pat.trends_note', { before }),
    table(t('pat.trends'), [{ label: t('pat.col_rank'), class: 'num' }, { label: t('pat.col_kind') }, { label: t('pat.col_item') }, { label: t('pat.col_before'), class: 'num' }, { label: t('pat.col_now'), class: 'num' }, { label: t('pat.col_change'), class: 'num' }, { label: t('pat.col_note') }],
      trends.map((r) => [fmtNumber(r.rank), KINDS[r.kind] ? t(KINDS[r.kind]) : r.kind,
        r.kind === 'citizenship' ? nationLabel(r.item) : r.kind === 'region' ? regionLabel(r.item) : r.item,
        fmtNumber(r.previous), fmtNumber(r.current), fmtNumber(r.change), NOTES[r.note] ? t(NOTES[r.note]) : r.note]), { hideCaption: true }),
    null, csvLink('trends', period)));

  // data quality
  const q = objects(qua);
  add(out, figure('quality', t('pat.quality'), null,
    table(t('pat.quality'), [{ label: t('pat.col_register') }, { label: t('pat.col_records'), class: 'num' }, { label: t('pat.col_rejected'), class: 'num' }, { label: t('pat.col_completeness'), class: 'num' }, { label: t('pat.col_duplicates'), class: 'num' }, { label: t('pat.col_lag'), class: 'num' }, { label: t('pat.col_inconsistent'), class: 'num' }],
      q.map((r) => [{ th: label('register', r.register) }, fmtNumber(r.rows), fmtNumber(r.rejected), fmtNumber(r.completeness), fmtNumber(r.duplicates), fmtNumber(r.median_lag_days), fmtNumber(r.inconsistent)]), { hideCaption: true }),
    null, null));
  return charts.map((f) => f());
}

export async function render(main, ctx) {
  ctx.setTitle(t('pat.title'));
  add(main, h('h1', { tabindex: '-1' }, t('pat.title')), h('p', { class: 'hint' }, t('pat.intro')));
  if (!window.Chart) {
    add(main, errorBox(t('dash.lib_missing')));
    return null;
  }
  const from = field(t('pat.from'), 'input', { type: 'date', name: 'from', value: ctx.query.from || '' });
  const to = field(t('pat.to'), 'input', { type: 'date', name: 'to', value: ctx.query.to || '' });
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
    periodLine.textContent = t('pat.period', { from: period.from || t('pat.first_record'), to: period.to || t('pat.last_record') });
    try {
      charts = await sections(out, period, ctx);
    } catch (err) {
      if (ctx.current()) add(out, errorBox(t(err.status === 400 ? 'pat.bad_period' : 'pat.load_failed', { error: err.message })));
    }
  };
  const form = h('form', { class: 'filters no-print', onsubmit: (e) => { e.preventDefault(); load(); } },
    from.wrap, to.wrap, h('button', { type: 'submit' }, t('pat.apply')),
    h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, t('pat.print')));
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
