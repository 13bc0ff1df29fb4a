// The NRM case list: GET /api/v1/cases with the filters kept in the page's
// address (#/cases?stage=...&overdue=1&q=...), so a filtered
// list can be bookmarked and Back returns to it. The server lists overdue
// cases first (oldest deadline first), then the newest opened; the page
// keeps its order and groups nothing away. "Load more" follows the
// server's cursor, as the alert queue does.

import { api, query } from '../api.js';
import { h, add, field, errorBox } from '../dom.js';
import { t } from '../i18n.js';
import { fmtTime } from '../labels.js';
import { STAGE_CODES, stageLabel, stageBadge, overdueBadge } from '../case-labels.js';

const FILTERS = ['stage', 'overdue', 'q'];
const PAGE = 50;

export async function render(main, ctx) {
  ctx.setTitle(t('cases.title'));
  const q = ctx.query;
  const canWrite = ctx.can('case.write');
  let nextCursor = null;

  const f = {
    stage: field(t('cases.stage'), 'select', { name: 'stage', value: q.get('stage') || '' }, {
      options: [['', t('cases.any_stage')], ...STAGE_CODES.map((c) => [c, stageLabel(c)])],
    }),
    q: field(t('cases.q'), 'input', { name: 'q', type: 'search', value: q.get('q') || '', size: 26, autocomplete: 'off' },
      { hint: t('cases.q_hint') }),
  };
  const overdue = h('input', { type: 'checkbox', id: 'f-overdue', name: 'overdue', checked: q.get('overdue') === '1' });
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': t('cases.filter_label') },
    f.stage.wrap,
    h('div', { class: 'field check' }, h('label', { for: 'f-overdue' }, overdue, t('cases.overdue_only'))),
    f.q.wrap,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, t('common.apply_filters')),
      h('button', { type: 'button', class: 'secondary', onclick: () => ctx.go('#/cases') }, t('common.clear'))));
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go('#/cases' + query({
      stage: f.stage.input.value,
      overdue: overdue.checked ? '1' : '',
      q: f.q.input.value.trim(),
    }));
  });

  const tbody = h('tbody');
  const tableEl = h('table', { class: 'data queue cases', id: 'cases-table' },
    h('caption', { class: 'visually-hidden' }, t('cases.caption')),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('cases.col_case')),
      h('th', { scope: 'col' }, t('cases.col_person')),
      h('th', { scope: 'col' }, t('cases.col_stage')),
      h('th', { scope: 'col' }, t('cases.col_preid')),
      h('th', { scope: 'col' }, t('cases.col_owner')),
      h('th', { scope: 'col' }, t('cases.col_opened')),
      h('th', { scope: 'col' }, t('cases.col_changed')))),
    tbody);
  const results = h('div', { class: 'results' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('cases.load_more'));

  function row(it) {
    const deadline = it.overdue ? overdueBadge(it.preid_due)
      : it.preid_due ? t('case.due', { date: it.preid_due }) : h('span', { class: 'muted' }, t('case.decided'));
    return h('tr', { dataset: { id: it.id }, class: it.overdue ? 'is-overdue' : null },
      h('td', null, h('a', { href: `#/cases/${it.id}`, class: 'case-link' }, t('case.title', { id: it.id }))),
      h('td', null, it.name || h('span', { class: 'muted' }, it.unreadable ? t('cases.unreadable')
        : it.access === 'receiver' ? t('cases.not_shared') : t('cases.no_name'))),
      h('td', null, stageBadge(it.stage)),
      h('td', null, deadline),
      h('td', null, it.owner_org || '–', it.access === 'receiver' ? h('span', { class: 'tag' }, t('cases.referred_to_you')) : null),
      h('td', { class: 'time' }, fmtTime(it.opened_at)),
      h('td', { class: 'time' }, fmtTime(it.updated_at)));
  }

  async function load(cursor) {
    const params = {};
    for (const k of FILTERS) params[k] = q.get(k) || '';
    params.limit = PAGE;
    params.cursor = cursor || '';
    more.disabled = true;
    const page = await api('GET', '/cases' + query(params));
    if (!ctx.current()) return null;
    const rows = page.items.map(row);
    for (const r of rows) tbody.appendChild(r);
    nextCursor = page.next_cursor || null;
    more.hidden = !nextCursor;
    more.disabled = false;
    const n = tbody.children.length;
    const late = tbody.querySelectorAll('tr.is-overdue').length;
    summary.textContent = n === 0 ? t('cases.none_match')
      : t('cases.showing', { n }) + (late ? ' ' + t('cases.showing_late', { n: late }) : '') + (nextCursor ? ' ' + t('cases.more_below') : '');
    return rows;
  }

  more.addEventListener('click', async () => {
    try {
      const rows = await load(nextCursor);
      if (rows && rows[0]) rows[0].querySelector('a').focus();
    } catch (err) {
      results.appendChild(errorBox(err.message));
    }
  });

  add(main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, t('cases.title')),
      canWrite ? h('a', { href: '#/cases/new', class: 'button-link primary' }, t('cases.new')) : null),
    h('p', { class: 'lead' }, t('cases.lead')),
    filterForm,
    results);
  add(results, summary, h('div', { class: 'table-wrap' }, tableEl), h('div', { class: 'actions' }, more));
  try {
    await load(null);
  } catch (err) {
    if (!ctx.current()) return;
    results.replaceChildren(errorBox(t('cases.load_failed', { error: err.message })));
  }
}
