// The alert queue: GET /api/v1/alerts with the filters kept in the page's
// address (#/alerts?level=high&status=...), so a filtered queue can be
// bookmarked and Back returns to it. Cursor pagination ("Load more"),
// selection with bulk assign / move, and keyboard shortcuts (j/k or the
// arrow keys move between alerts, x selects, Enter opens, / to filters).

import { api, query } from '../api.js';
import { h, add, clear, field, errorBox } from '../dom.js';
import {
  INDICATORS, ENTITY_TYPES, REGIONS, STATUSES, indicatorLabel, entityLabel,
  fmtScore, fmtTime, levelBadge, statusBadge, moveNeedsReason, statusLabel,
} from '../labels.js';

const FILTERS = ['level', 'status', 'indicator', 'entity_type', 'region', 'employer', 'assignee', 'since', 'until', 'sort'];
const PAGE = 50;

const opts = (obj, first) => [['', first], ...Object.entries(obj)];

export async function render(main, ctx) {
  ctx.setTitle('Alert queue');
  const q = ctx.query;
  const canWrite = ctx.can('alert.write');
  const selected = new Map(); // id -> item
  const assignees = new Set([ctx.me.principal.user]);
  let nextCursor = null;

  // ---- filters ----
  const f = {
    level: field('Level', 'select', { name: 'level', value: q.get('level') || '' }, {
      options: [['', 'Any level'], ['low', 'Low and above'], ['medium', 'Medium and above'], ['high', 'High']],
    }),
    status: field('Status', 'select', { name: 'status', value: q.get('status') || '' }, {
      options: [['', 'Open'], ...Object.entries(STATUSES), ['all', 'Any status']],
    }),
    indicator: field('Indicator', 'select', { name: 'indicator', value: q.get('indicator') || '' }, {
      options: opts(INDICATORS, 'Any indicator'),
    }),
    entity_type: field('Alert on', 'select', { name: 'entity_type', value: q.get('entity_type') || '' }, {
      options: opts(ENTITY_TYPES, 'Anything'),
    }),
    region: field('Region', 'select', { name: 'region', value: q.get('region') || '' }, {
      options: [['', 'Any region'], ...Object.entries(REGIONS).map(([k, v]) => [k, `${v} (${k})`])],
    }),
    employer: field('Employer TIN', 'input', { name: 'employer', value: q.get('employer') || '', inputmode: 'numeric', size: 10 }),
    assignee: field('Assignee', 'input', { name: 'assignee', value: q.get('assignee') || '', size: 10, list: 'assignee-list' }),
    since: field('Raised from', 'input', { name: 'since', type: 'date', value: q.get('since') || '' }),
    until: field('Raised until', 'input', { name: 'until', type: 'date', value: q.get('until') || '' }),
    sort: field('Sort by', 'select', { name: 'sort', value: q.get('sort') || '-score' }, {
      options: [['-score', 'Score, highest first'], ['score', 'Score, lowest first'], ['-created', 'Newest first'],
        ['created', 'Oldest first'], ['-updated', 'Recently changed'], ['updated', 'Least recently changed']],
    }),
  };
  const assigneeList = h('datalist', { id: 'assignee-list' });
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the alerts' },
    Object.values(f).map((x) => x.wrap), assigneeList,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('button', { type: 'button', class: 'secondary', onclick: () => ctx.go('#/alerts') }, 'Clear')));
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = {};
    for (const k of FILTERS) params[k] = f[k].input.value.trim();
    if (params.sort === '-score') delete params.sort;
    ctx.go('#/alerts' + query(params));
  });

  // ---- bulk actions ----
  const countText = h('span', { class: 'selected-count', 'aria-live': 'polite' }, 'No alert selected');
  const bulkErrors = h('div', { class: 'bulk-errors' });
  const assignTo = field('Assign to', 'input', { list: 'assignee-list', size: 12, autocomplete: 'off' });
  const moveTo = field('Move to', 'select', {}, { options: Object.entries(STATUSES) });
  moveTo.input.value = 'in_review';
  const reason = field('Reason', 'input', { size: 28, maxlength: 2000 }, { hint: 'needed to dismiss or confirm' });
  const bulkButtons = [];
  const bulkButton = (label, fn) => {
    const b = h('button', { type: 'button', class: 'secondary', disabled: true, onclick: fn }, label);
    bulkButtons.push(b);
    return b;
  };
  const bulk = canWrite ? h('section', { class: 'bulk', 'aria-label': 'Bulk actions on the selected alerts' },
    countText,
    h('div', { class: 'bulk-row' },
      assignTo.wrap, bulkButton('Assign selected', () => bulkRun('assign')),
      bulkButton('Unassign selected', () => bulkRun('unassign'))),
    h('div', { class: 'bulk-row' },
      moveTo.wrap, reason.wrap, bulkButton('Move selected', () => bulkRun('move'))),
    bulkErrors) : null;

  function updateSelection() {
    const n = selected.size;
    countText.textContent = n === 0 ? 'No alert selected' : n === 1 ? '1 alert selected' : `${n} alerts selected`;
    for (const b of bulkButtons) b.disabled = n === 0;
    const boxes = tbody.querySelectorAll('input[type=checkbox]');
    selectAll.checked = boxes.length > 0 && n === boxes.length;
    selectAll.indeterminate = n > 0 && n < boxes.length;
  }

  async function bulkRun(kind) {
    bulkErrors.replaceChildren();
    ctx.flash(null);
    const ids = [...selected.keys()];
    let path;
    let body;
    let done;
    if (kind === 'assign') {
      const name = assignTo.input.value.trim();
      if (!name) {
        bulkErrors.appendChild(errorBox('Type the user name to assign the selected alerts to.'));
        assignTo.input.focus();
        return;
      }
      path = 'assign';
      body = { assignee: name };
      done = `assigned to ${name}`;
    } else if (kind === 'unassign') {
      path = 'assign';
      body = { assignee: null };
      done = 'unassigned';
    } else {
      const to = moveTo.input.value;
      const why = reason.input.value.trim();
      const needs = [...selected.values()].some((it) => moveNeedsReason(it.status, to));
      if (needs && !why) {
        bulkErrors.appendChild(errorBox(`Moving alerts to "${statusLabel(to)}" needs a reason: write why in the Reason box.`));
        reason.input.focus();
        return;
      }
      path = 'transition';
      body = { to, reason: why || undefined };
      done = `moved to ${statusLabel(to)}`;
    }
    for (const b of bulkButtons) b.disabled = true;
    const failed = [];
    let ok = 0;
    for (let i = 0; i < ids.length; i++) {
      countText.textContent = `Working: ${i + 1} of ${ids.length}…`;
      try {
        await api('POST', `/alerts/${ids[i]}/${path}`, body);
        ok++;
      } catch (err) {
        failed.push(`alert ${ids[i]}: ${err.message}`);
      }
    }
    if (!ctx.current()) return;
    const msg = `${ok} of ${ids.length} alert${ids.length === 1 ? '' : 's'} ${done}.` +
      (failed.length ? ` Not done: ${failed.join('; ')}` : '');
    ctx.flash(msg, failed.length ? 'error' : 'ok', true);
    ctx.go(location.hash);
  }

  // ---- the table ----
  const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select all alerts shown' });
  selectAll.addEventListener('change', () => {
    for (const box of tbody.querySelectorAll('input[type=checkbox]')) {
      if (box.checked !== selectAll.checked) {
        box.checked = selectAll.checked;
        box.dispatchEvent(new Event('change'));
      }
    }
  });
  const sortKey = (q.get('sort') || '-score').replace('-', '');
  const sortDir = (q.get('sort') || '-score').startsWith('-') ? 'descending' : 'ascending';
  const byUpdated = sortKey === 'updated';
  const th = (label, key, cls) => h('th', { scope: 'col', class: cls, 'aria-sort': key && key === sortKey ? sortDir : null }, label);
  const tbody = h('tbody');
  const tableEl = h('table', { class: 'data queue', id: 'queue-table' },
    h('caption', { class: 'visually-hidden' }, 'Alerts matching the filters'),
    h('thead', null, h('tr', null,
      canWrite ? h('th', { scope: 'col', class: 'select' }, selectAll) : null,
      th('Alert'), th('Level'), th('Score', 'score', 'num'), th('Indicators'), th('Region'),
      th('Employer'), th('Assignee'), th('Status'), byUpdated ? th('Changed', 'updated') : th('Raised', 'created'))),
    tbody);
  const results = h('div', { class: 'results' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more alerts');
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });

  function row(it) {
    if (it.assignee) assignees.add(it.assignee);
    const box = canWrite ? h('input', { type: 'checkbox', 'aria-label': `Select alert ${it.id}` }) : null;
    if (box) {
      box.checked = selected.has(it.id);
      box.addEventListener('change', () => {
        if (box.checked) selected.set(it.id, it);
        else selected.delete(it.id);
        box.closest('tr').classList.toggle('is-selected', box.checked);
        updateSelection();
      });
    }
    const inds = it.indicators || [];
    const shown = inds.slice(0, 2).map((i) => h('span', { class: 'tag' }, indicatorLabel(i)));
    if (inds.length > 2) shown.push(h('span', { class: 'tag more', title: inds.slice(2).map(indicatorLabel).join(', ') }, `+${inds.length - 2}`));
    return h('tr', { dataset: { id: it.id } },
      box ? h('td', { class: 'select' }, box) : null,
      h('td', { class: 'alert-cell' }, h('a', { href: `#/alerts/${it.id}`, class: 'alert-link' },
        h('span', { class: 'muted' }, `#${it.id} `), `${entityLabel(it.entity_type)} `, h('span', { class: 'key' }, it.entity_key))),
      h('td', null, levelBadge(it.level)),
      h('td', { class: 'num' }, fmtScore(it.score)),
      h('td', { class: 'tags' }, shown),
      h('td', { title: it.region || null }, it.region ? REGIONS[it.region] || it.region : '–'),
      h('td', null, it.employer || '–'),
      h('td', null, it.assignee || h('span', { class: 'muted' }, 'nobody')),
      h('td', null, statusBadge(it.status)),
      h('td', { class: 'time' }, fmtTime(byUpdated ? it.updated_at : it.created_at)));
  }

  function refreshAssignees() {
    clear(assigneeList);
    for (const a of [...assignees].sort()) assigneeList.appendChild(h('option', { value: a }));
  }

  async function load(cursor) {
    const params = {};
    for (const k of FILTERS) params[k] = q.get(k) || '';
    params.limit = PAGE;
    params.cursor = cursor || '';
    more.disabled = true;
    const page = await api('GET', '/alerts' + query(params));
    if (!ctx.current()) return null;
    const rows = page.items.map(row);
    for (const r of rows) tbody.appendChild(r);
    nextCursor = page.next_cursor;
    more.hidden = !nextCursor;
    more.disabled = false;
    const n = tbody.children.length;
    summary.textContent = n === 0 ? 'No alerts match these filters.'
      : `Showing ${n} alert${n === 1 ? '' : 's'}${nextCursor ? '; more below' : ''}.`;
    refreshAssignees();
    updateSelection();
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

  // ---- keyboard ----
  function links() {
    return [...tbody.querySelectorAll('a.alert-link')];
  }
  function onKey(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const t = e.target;
    const typing = (t.tagName === 'INPUT' && t.type !== 'checkbox') || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA';
    if (typing) return;
    const all = links();
    const cur = t.closest && t.closest('#queue-table tbody tr');
    const i = cur ? all.indexOf(cur.querySelector('a.alert-link')) : -1;
    if (e.key === 'j' || (e.key === 'ArrowDown' && cur)) {
      e.preventDefault();
      if (all.length) all[Math.min(i + 1, all.length - 1)].focus();
    } else if (e.key === 'k' || (e.key === 'ArrowUp' && cur)) {
      e.preventDefault();
      if (all.length) all[Math.max(i - 1, 0)].focus();
    } else if (e.key === 'x' && cur && canWrite) {
      e.preventDefault();
      cur.querySelector('input[type=checkbox]').click();
    } else if (e.key === '/') {
      e.preventDefault();
      f.level.input.focus();
    }
  }
  document.addEventListener('keydown', onKey);

  const scopeNote = ctx.scope('alert.read') === 'own' ? 'You see the alerts assigned to you.'
    : ctx.scope('alert.read') === 'org' ? "You see the alerts assigned to your organisation's people." : null;

  add(main, 
    h('h1', { tabindex: '-1' }, 'Alert queue'),
    scopeNote ? h('p', { class: 'lead' }, scopeNote) : null,
    filterForm,
    bulk,
    results,
    h('details', { class: 'shortcuts' }, h('summary', null, 'Keyboard shortcuts'),
      h('ul', null,
        h('li', null, h('kbd', null, 'j'), ' or ', h('kbd', null, '↓'), ': next alert; ', h('kbd', null, 'k'), ' or ', h('kbd', null, '↑'), ': previous alert'),
        canWrite ? h('li', null, h('kbd', null, 'x'), ': select or unselect the alert in focus') : null,
        h('li', null, h('kbd', null, 'Enter'), ': open the alert in focus'),
        h('li', null, h('kbd', null, '/'), ': go to the filters'))));
  add(results, summary, h('div', { class: 'table-wrap' }, tableEl), h('div', { class: 'actions' }, more));
  try {
    await load(null);
  } catch (err) {
    if (!ctx.current()) return () => document.removeEventListener('keydown', onKey);
    results.replaceChildren(errorBox(`The alerts could not be loaded: ${err.message}`));
  }
  return () => document.removeEventListener('keydown', onKey);
}
