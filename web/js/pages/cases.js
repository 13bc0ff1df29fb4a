// The NRM case list: GET /api/v1/cases with the filters kept in the page's
// address (#/cases?stage=...&overdue=1&q=...), so a filtered
// list can be bookmarked and Back returns to it. The server lists overdue
// cases first (oldest deadline first), then the newest opened; the page
// keeps its order and groups nothing away. "Load more" follows the
// server's cursor, as the alert queue does.

import { api, query } from '../api.js';
import { h, add, field, errorBox } from '../dom.js';
import { fmtTime } from '../labels.js';
import { STAGES, stageBadge, overdueBadge } from '../case-labels.js';

const FILTERS = ['stage', 'overdue', 'q'];
const PAGE = 50;

export async function render(main, ctx) {
  ctx.setTitle('NRM cases');
  const q = ctx.query;
  const canWrite = ctx.can('case.write');
  let nextCursor = null;

  const f = {
    stage: field('Stage', 'select', { name: 'stage', value: q.get('stage') || '' }, {
      options: [['', 'Any stage'], ...Object.entries(STAGES)],
    }),
    q: field('Name or document number', 'input', { name: 'q', type: 'search', value: q.get('q') || '', size: 26, autocomplete: 'off' },
      { hint: 'The whole name or number; spaces and capitals do not matter.' }),
  };
  const overdue = h('input', { type: 'checkbox', id: 'f-overdue', name: 'overdue', checked: q.get('overdue') === '1' });
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the cases' },
    f.stage.wrap,
    h('div', { class: 'field check' }, h('label', { for: 'f-overdue' }, overdue, 'Overdue only')),
    f.q.wrap,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('button', { type: 'button', class: 'secondary', onclick: () => ctx.go('#/cases') }, 'Clear')));
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
    h('caption', { class: 'visually-hidden' }, 'Cases matching the filters, overdue first'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Case'),
      h('th', { scope: 'col' }, 'Person'),
      h('th', { scope: 'col' }, 'Stage'),
      h('th', { scope: 'col' }, 'Pre-identification decision'),
      h('th', { scope: 'col' }, 'Owner'),
      h('th', { scope: 'col' }, 'Opened'),
      h('th', { scope: 'col' }, 'Changed'))),
    tbody);
  const results = h('div', { class: 'results' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more cases');

  function row(it) {
    const deadline = it.overdue ? overdueBadge(it.preid_due)
      : it.preid_due ? `due ${it.preid_due}` : h('span', { class: 'muted' }, 'decided');
    return h('tr', { dataset: { id: it.id }, class: it.overdue ? 'is-overdue' : null },
      h('td', null, h('a', { href: `#/cases/${it.id}`, class: 'case-link' }, `Case ${it.id}`)),
      h('td', null, it.name || h('span', { class: 'muted' }, it.unreadable ? 'The name cannot be read with this key file.'
        : it.access === 'receiver' ? 'not shared with you' : 'no name recorded')),
      h('td', null, stageBadge(it.stage)),
      h('td', null, deadline),
      h('td', null, it.owner_org || '–', it.access === 'receiver' ? h('span', { class: 'tag' }, 'referred to you') : null),
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
    summary.textContent = n === 0 ? 'No cases match these filters.'
      : `Showing ${n} case${n === 1 ? '' : 's'}${late ? `, ${late} overdue (listed first)` : ''}${nextCursor ? '; more below' : ''}.`;
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
      h('h1', { tabindex: '-1' }, 'NRM cases'),
      canWrite ? h('a', { href: '#/cases/new', class: 'button-link primary' }, 'New case') : null),
    h('p', { class: 'lead' }, 'The cases of your organisation and those referred to it with the person\'s consent. ' +
      'A case whose pre-identification decision is late is marked overdue and listed first.'),
    filterForm,
    results);
  add(results, summary, h('div', { class: 'table-wrap' }, tableEl), h('div', { class: 'actions' }, more));
  try {
    await load(null);
  } catch (err) {
    if (!ctx.current()) return;
    results.replaceChildren(errorBox(`The cases could not be loaded: ${err.message}`));
  }
}
