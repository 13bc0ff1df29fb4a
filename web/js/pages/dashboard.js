// The dashboard: GET /api/v1/stats/summary (aggregates only, no personal
// data) drawn with Chart.js: alerts by ISO week, by indicator, by region, by
// nationality, by level, and the triage funnel. Each chart has its numbers
// as a table beside it for those who cannot see the canvas.

import { api } from '../api.js';
import { h, add, table, errorBox } from '../dom.js';
import {
  indicatorLabel, regionLabel, nationLabel, statusLabel, STATUS_ORDER, LEVELS, fmtNumber,
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
    h('details', null, h('summary', null, 'Show the numbers'),
      table(title, [{ label: opts.what || 'Group' }, { label: 'Alerts', class: 'num' }], labels.map((l, i) => [{ th: l }, fmtNumber(values[i])]), { hideCaption: true })));
  return { fig, canvas, labels, values, opts };
}

function draw(block) {
  const { canvas, labels, values, opts } = block;
  return new window.Chart(canvas, {
    type: opts.type || 'bar',
    data: {
      labels,
      datasets: [{
        label: 'Alerts',
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

export async function render(main, ctx) {
  ctx.setTitle('Dashboard');
  add(main, h('h1', { tabindex: '-1' }, 'Dashboard'));
  let s;
  try {
    s = await api('GET', '/stats/summary');
  } catch (err) {
    if (ctx.current()) add(main, errorBox(`The statistics could not be loaded: ${err.message}`));
    return null;
  }
  if (!ctx.current()) return null;
  if (!window.Chart) {
    add(main, errorBox('The chart library did not load (vendor/chart.umd.min.js): run scripts/web-deps.sh.'));
    return null;
  }
  const funnel = s.funnel || {};
  const open = (funnel.new || 0) + (funnel.in_review || 0) + (funnel.escalated || 0);
  const level = s.by_level || {};
  add(main, h('ul', { class: 'headline', 'aria-label': 'In numbers' },
    h('li', null, h('span', { class: 'big' }, fmtNumber(s.alerts_total || 0)), ' alerts in all'),
    h('li', null, h('span', { class: 'big' }, fmtNumber(open)), ' open'),
    h('li', null, h('span', { class: 'big' }, fmtNumber(level.high || 0)), ' high level'),
    h('li', null, h('span', { class: 'big' }, fmtNumber(funnel.confirmed || 0)), ' confirmed')));

  const byWeek = s.by_week || [];
  const byInd = s.by_indicator || [];
  const byRegion = s.by_region || [];
  const byNat = (s.by_nationality || []).slice(0, 15);
  const levels = ['high', 'medium', 'low', 'none'].filter((l) => level[l]);
  const blocks = [
    chartBlock('week', 'Alerts by week raised', byWeek.map((x) => x.week), byWeek.map((x) => x.count), { what: 'ISO week' }),
    chartBlock('funnel', 'Triage funnel', STATUS_ORDER.map(statusLabel), STATUS_ORDER.map((k) => funnel[k] || 0),
      { horizontal: true, what: 'Status', colours: STATUS_ORDER.map((k) => STATUS_COLOURS[k]),
        note: 'Alerts by where they are now in triage: new, in review, escalated, then closed as confirmed or dismissed.' }),
    chartBlock('indicator', 'Alerts by indicator', byInd.map((x) => indicatorLabel(x.indicator)), byInd.map((x) => x.count),
      { horizontal: true, tall: true, wide: true, what: 'Indicator', note: 'An alert counts once for each indicator it carries.' }),
    chartBlock('region', 'Alerts by region', byRegion.map((x) => regionLabel(x.region)), byRegion.map((x) => x.count), { what: 'Region' }),
    chartBlock('nationality', 'Alerts by nationality', byNat.map((x) => nationLabel(x.nationality)), byNat.map((x) => x.count),
      { what: 'Nationality', note: 'Alerts on workers and applications; the 15 largest groups.' }),
    chartBlock('level', 'Alerts by level', levels.map((l) => LEVELS[l]), levels.map((l) => level[l]),
      { type: 'doughnut', what: 'Level', colours: levels.map((l) => LEVEL_COLOURS[l]) }),
  ];
  add(main, h('div', { class: 'charts' }, blocks.map((b) => b.fig)));
  const charts = blocks.map(draw);
  return () => charts.forEach((c) => c.destroy());
}
