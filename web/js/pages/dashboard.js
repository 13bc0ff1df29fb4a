// The dashboard: GET /api/v1/stats/summary (aggregates only, no personal
// data) drawn with Chart.js: alerts by ISO week, by indicator, by region, by
// nationality, by level, and the triage funnel. Each chart has its numbers
// as a table beside it for those who cannot see the canvas.

import { api } from '../api.js';
import { h, add, table, errorBox } from '../dom.js';
import { t, label } from '../i18n.js';
import {
  indicatorLabel, regionLabel, nationLabel, statusLabel, levelLabel, STATUS_ORDER, fmtNumber,
} from '../labels.js';

const BLUE = '#1f6fb2';
const LEVEL_COLOURS = { none: '#9aa0a6', low: '#62a0ea', medium: '#e5a50a', high: '#c01c28' };
const STATUS_COLOURS = { new: '#1f6fb2', in_review: '#7b3fa0', escalated: '#c25e00', confirmed: '#c01c28', dismissed: '#6b7280' };

function chartBlock(id, title, labels, values, opts = {}) {
  const canvas = h('canvas', { id: `chart-${id}`, role: 'img',
    'aria-label': `${title}: ${labels.slice(0, 8).map((l, i) => `${l} ${values[i]}`).join(', ')}${labels.length > 8 ? ', …' : ''}` });
  const fig = h('figure', { class: 'chart' + (opts.wide ? ' wide' : '') },
    h('figcaption', null, h('h2', null, title), opts.note ? h('p', { class: 'hint' }, opts.note) : null),
    h('div', { class: 'chart-box' + (opts.tall ? ' tall' : '') }, canvas),
    h('details', null, h('summary', null, t('dash.show_numbers')),
      table(title, [{ label: opts.what || t('dash.group') }, { label: t('dash.alerts'), class: 'num' }],
        labels.map((l, i) => [{ th: opts.hrefs && opts.hrefs[i] ? h('a', { href: opts.hrefs[i] }, l) : l }, fmtNumber(values[i])]), { hideCaption: true })));
  return { fig, canvas, labels, values, opts };
}

function draw(block) {
  const { canvas, labels, values, opts } = block;
  return new window.Chart(canvas, {
    type: opts.type || 'bar',
    data: {
      labels,
      datasets: [{
        label: t('dash.alerts'),
        data: values,
        backgroundColor: opts.colours || BLUE,
        borderWidth: opts.type === 'doughnut' ? 1 : 0,
      }],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: opts.horizontal ? 'y' : 'x',
      // a bar opens the alerts it counts
      onClick: (evt, elements) => {
        if (opts.hrefs && elements && elements.length && opts.hrefs[elements[0].index]) location.hash = opts.hrefs[elements[0].index];
      },
      onHover: (evt, elements) => {
        if (opts.hrefs && evt.native && evt.native.target) evt.native.target.classList.toggle('clickable', !!(elements && elements.length));
      },
      plugins: {
        legend: { display: opts.type === 'doughnut', position: 'right' },
        tooltip: { enabled: true },
      },
      scales: opts.type === 'doughnut' ? {} : {
        x: { ticks: { autoSkip: !opts.horizontal, precision: 0 }, beginAtZero: true },
        y: { ticks: { autoSkip: false, precision: 0 }, beginAtZero: true },
      },
    },
  });
}

// The NRM case figures for those who may see them: cases by stage (the
// suppressed statistics of GET /cases/stats) and the overdue cases of the
// user's organisation (GET /cases?overdue=1).
async function caseFigures(main, ctx) {
  const box = h('section', { class: 'case-figures', 'aria-labelledby': 'cf-h' }, h('h2', { id: 'cf-h' }, t('dash.cases')));
  let shown = false;
  if (ctx.can('case.read')) {
    try {
      const late = await api('GET', '/cases?overdue=1&limit=200');
      const n = (late.items || []).length;
      box.appendChild(h('p', { class: 'overdue-figure' }, h('a', { href: '#/cases?overdue=1' },
        t('dash.overdue', { n: late.next_cursor ? `${n}+` : n }))));
      shown = true;
    } catch (_) { /* the figure is left out */ }
  }
  try {
    const st = await api('GET', '/cases/stats');
    const rows = ((st.dimensions || {}).stage || []).map((x) => [{ th: label('stage', x.value) },
      x.shown === 'suppressed' ? t('dash.suppressed') : x.shown]);
    if (rows.length) {
      box.appendChild(table(t('dash.cases_by_stage'), [{ label: t('cases.col_stage') }, { label: t('dash.cases_count'), class: 'num' }], rows));
      shown = true;
    }
  } catch (_) { /* no statistics for this role */ }
  if (ctx.current() && shown) main.appendChild(box);
}

export async function render(main, ctx) {
  ctx.setTitle(t('dash.title'));
  add(main, h('h1', { tabindex: '-1' }, t('dash.title')));
  let s;
  try {
    s = await api('GET', '/stats/summary');
  } catch (err) {
    if (ctx.current()) add(main, errorBox(t('dash.load_failed', { error: err.message })));
    return null;
  }
  if (!ctx.current()) return null;
  if (!window.Chart) {
    add(main, errorBox(t('dash.lib_missing')));
    return null;
  }
  const funnel = s.funnel || {};
  const open = (funnel.new || 0) + (funnel.in_review || 0) + (funnel.escalated || 0);
  const level = s.by_level || {};
  add(main, h('ul', { class: 'headline', 'aria-label': t('dash.in_numbers') },
    h('li', null, h('span', { class: 'big' }, fmtNumber(s.alerts_total || 0)), ' ', t('dash.total')),
    h('li', null, h('span', { class: 'big' }, fmtNumber(open)), ' ', t('dash.open')),
    h('li', null, h('span', { class: 'big' }, fmtNumber(level.high || 0)), ' ', t('dash.high')),
    h('li', null, h('span', { class: 'big' }, fmtNumber(funnel.confirmed || 0)), ' ', t('dash.confirmed'))));

  const byWeek = s.by_week || [];
  const byInd = s.by_indicator || [];
  const byRegion = s.by_region || [];
  const byNat = (s.by_nationality || []).slice(0, 15);
  const levels = ['high', 'medium', 'low', 'none'].filter((l) => level[l]);
  const blocks = [
    chartBlock('week', t('dash.by_week'), byWeek.map((x) => x.week), byWeek.map((x) => x.count), { what: t('dash.iso_week') }),
    chartBlock('funnel', t('dash.funnel'), STATUS_ORDER.map(statusLabel), STATUS_ORDER.map((k) => funnel[k] || 0),
      { horizontal: true, what: t('queue.col_status'), colours: STATUS_ORDER.map((k) => STATUS_COLOURS[k]),
        hrefs: STATUS_ORDER.map((k) => `#/alerts?status=${k}`),
        note: t('dash.funnel_note') }),
    chartBlock('indicator', t('dash.by_indicator'), byInd.map((x) => indicatorLabel(x.indicator)), byInd.map((x) => x.count),
      { horizontal: true, tall: true, wide: true, what: t('field.indicator'), note: t('dash.by_indicator_note'),
        hrefs: byInd.map((x) => `#/alerts?status=all&indicator=${encodeURIComponent(x.indicator)}`) }),
    chartBlock('region', t('dash.by_region'), byRegion.map((x) => regionLabel(x.region)), byRegion.map((x) => x.count),
      { what: t('queue.col_region'), hrefs: byRegion.map((x) => (x.region && x.region !== 'unknown' ? `#/alerts?status=all&region=${encodeURIComponent(x.region)}` : null)) }),
    chartBlock('nationality', t('dash.by_nationality'), byNat.map((x) => nationLabel(x.nationality)), byNat.map((x) => x.count),
      { what: t('alert.fact_nationality'), note: t('dash.by_nationality_note') }),
    chartBlock('level', t('dash.by_level'), levels.map((l) => levelLabel(l)), levels.map((l) => level[l]),
      { type: 'doughnut', what: t('queue.col_level'), colours: levels.map((l) => LEVEL_COLOURS[l]) }),
  ];
  add(main, h('div', { class: 'charts' }, blocks.map((b) => b.fig)));
  await caseFigures(main, ctx);
  if (!ctx.current()) return null;
  const charts = blocks.map(draw);
  return () => charts.forEach((c) => c.destroy());
}
