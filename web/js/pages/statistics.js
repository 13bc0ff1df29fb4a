// The Statistics page: the numbers the country reports from its NRM cases
// (GET /api/v1/stats/sdg, /stats/glotip?table=victims|offenders; aggregates
// only, cells of 1 to 4 suppressed with complementary suppression, no case
// is ever shown). For every role with stats.read. SDG 16.2.2 needs the
// population table the server was started with (serve --population); when
// it has none the section says so and the GLOTIP tables still show.
// Every sentence comes from the catalogues (t('stat.*'), web/i18n/).

import { api, query } from '../api.js';
import { h, add, clear, table, errorBox, field } from '../dom.js';
import { t, label } from '../i18n.js';
import { nationLabel, fmtNumber } from '../labels.js';

function objects(tb) {
  return (tb.rows || []).map((r) => Object.fromEntries(tb.columns.map((c, i) => [c, r[i]])));
}

function csvLink(path, params, name) {
  return h('p', { class: 'no-print' },
    h('a', { href: `/api/v1/stats/${path}${query({ ...params, format: 'csv' })}`, download: name }, t('pat.download')));
}

function count(v, note) {
  return note === 'suppressed' ? h('span', { class: 'suppressed', title: t('stat.suppressed_note') }, t('stat.suppressed')) : fmtNumber(v);
}

// a breakdown's value in words
function valueLabel(dim, v) {
  if (v === '' || v === null || v === undefined || v === 'unknown') return t('common.not_recorded_cap');
  switch (dim) {
    case 'total': return t('stat.total');
    case 'sex': return v === 'all' ? t('stat.all') : label('sex', v);
    case 'age_group': return v === 'all' ? t('stat.all') : t(`stat.age_${v}`);
    case 'sex_age': return t(`stat.${v}`);
    case 'exploitation': return v === 'all' ? t('stat.all') : label('exploitation', v);
    case 'citizenship': return nationLabel(v);
    default: return v;
  }
}

function dimLabel(dim) {
  return t(`stat.dim_${dim}`);
}

function section(id, title, note, body, link) {
  return h('section', { class: 'stat-section', id: `stat-${id}` },
    h('h2', null, title), note ? h('p', { class: 'hint' }, note) : null, body, link);
}

// SDG rows: the breakdown is the one column that is not "all"
function sdgRows(rows) {
  return rows.map((r) => {
    let dim = 'total';
    let val = 'all';
    if (r.sex !== 'all') { dim = 'sex'; val = r.sex; } else if (r.age_group !== 'all') { dim = 'age_group'; val = r.age_group; } else if (r.exploitation !== 'all') { dim = 'exploitation'; val = r.exploitation; }
    return [String(r.year), dimLabel(dim), { th: valueLabel(dim, val) }, count(r.victims, r.note),
      r.population === null ? '–' : fmtNumber(r.population),
      r.per_100000 === null ? '–' : fmtNumber(r.per_100000)];
  });
}

// year, then total, sex and age, form of exploitation, citizenship (the
// API's order within each)
const DIM_ORDER = ['total', 'sex_age', 'exploitation', 'citizenship'];
function ordered(rows) {
  return rows.map((r, i) => [r, i]).sort(([a, i], [b, j]) => a.year - b.year
    || DIM_ORDER.indexOf(a.dimension) - DIM_ORDER.indexOf(b.dimension) || i - j).map(([r]) => r);
}

function glotipRows(rows, col) {
  return ordered(rows).map((r) => [String(r.year), dimLabel(r.dimension), { th: valueLabel(r.dimension, r.value) }, count(r[col], r.note)]);
}

async function sections(out, params, ctx) {
  const [sdg, vic, off] = await Promise.allSettled([
    api('GET', `/stats/sdg${query(params)}`),
    api('GET', `/stats/glotip${query({ ...params, table: 'victims' })}`),
    api('GET', `/stats/glotip${query({ ...params, table: 'offenders' })}`),
  ]);
  if (!ctx.current()) return;
  for (const r of [sdg, vic, off]) {
    if (r.status === 'rejected' && r.reason.status === 400 && r.reason.params && r.reason.params.field === 'year') throw r.reason;
  }
  // SDG 16.2.2
  let sdgBody;
  if (sdg.status === 'fulfilled') {
    const rows = objects(sdg.value);
    sdgBody = rows.length
      ? table(t('stat.sdg'), [{ label: t('stat.col_year'), class: 'num' }, { label: t('stat.col_breakdown') }, { label: t('stat.col_group') },
        { label: t('stat.col_victims'), class: 'num' }, { label: t('stat.col_population'), class: 'num' }, { label: t('stat.col_rate'), class: 'num' }],
      sdgRows(rows), { hideCaption: true })
      : h('p', { class: 'empty' }, t('stat.no_identified'));
  } else if (sdg.reason.params && sdg.reason.params.field === 'population') {
    sdgBody = h('p', { class: 'notice', id: 'sdg-no-population' }, t('stat.sdg_no_population'));
  } else {
    sdgBody = errorBox(t('stat.load_failed', { error: sdg.reason.message }));
  }
  add(out, section('sdg', t('stat.sdg'), t('stat.sdg_note'), sdgBody, sdg.status === 'fulfilled' ? csvLink('sdg', params, 'sdg_16_2_2.csv') : null));
  // GLOTIP victims and suspected offenders
  for (const [id, res, col, title, note, empty] of [
    ['victims', vic, 'victims', t('stat.glotip_victims'), t('stat.glotip_victims_note'), t('stat.no_cases')],
    ['offenders', off, 'offenders', t('stat.glotip_offenders'), t('stat.glotip_offenders_note'), t('stat.no_offenders')],
  ]) {
    let body;
    if (res.status === 'fulfilled') {
      const rows = objects(res.value);
      body = rows.length
        ? table(title, [{ label: t('stat.col_year'), class: 'num' }, { label: t('stat.col_breakdown') }, { label: t('stat.col_group') },
          { label: t(`stat.col_${col}`), class: 'num' }], glotipRows(rows, col), { hideCaption: true })
        : h('p', { class: 'empty' }, empty);
    } else {
      body = errorBox(t('stat.load_failed', { error: res.reason.message }));
    }
    add(out, section(id, title, note, body, res.status === 'fulfilled' ? csvLink('glotip', { ...params, table: col }, `glotip_${col}.csv`) : null));
  }
}

export async function render(main, ctx) {
  ctx.setTitle(t('stat.title'));
  add(main, h('h1', { tabindex: '-1' }, t('stat.title')), h('p', { class: 'hint' }, t('stat.intro')));
  const year = field(t('stat.year'), 'input', { type: 'number', name: 'year', min: '1900', max: '9999', step: '1', value: ctx.query.year || '' });
  const out = h('div', { id: 'statistics-out' });
  const load = async () => {
    const params = {};
    if (year.input.value) params.year = year.input.value;
    clear(out);
    try {
      await sections(out, params, ctx);
    } catch (err) {
      if (ctx.current()) add(out, errorBox(t(err.status === 400 ? 'stat.bad_year' : 'stat.load_failed', { error: err.message })));
    }
  };
  add(main, h('form', { class: 'filters no-print', onsubmit: (e) => { e.preventDefault(); load(); } },
    year.wrap, h('button', { type: 'submit' }, t('pat.apply')),
    h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, t('pat.print'))), out);
  await load();
  return null;
}
