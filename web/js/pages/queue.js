// The alert queue: GET /api/v1/alerts with the filters kept in the page's
// address (#/alerts?level=high&status=...), so a filtered queue can be
// bookmarked and Back returns to it. Cursor pagination ("Load more"),
// selection with bulk assign / move, and keyboard shortcuts (j/k or the
// arrow keys move between alerts, x selects, Enter opens, / to filters).
// "Group by employer" (group=employer) lists one row per employer: its name
// and TIN, its own alert, how many of its workers are alerted, how many
// alerts match; the row opens (a button with aria-expanded) onto the
// group's alerts, fetched with the same filters and employer=TIN.

import { api, query } from '../api.js';
import { h, add, clear, field, errorBox } from '../dom.js';
import { loadDirectory, peopleSelect, selectField } from '../directory.js';
import { t, tn } from '../i18n.js';
import {
  INDICATOR_CODES, ENTITY_CODES, REGION_CODES, STATUS_ORDER, options, indicatorLabel, entityLabel,
  fmtScore, fmtTime, levelBadge, statusBadge, moveNeedsReason, statusLabel, regionName, entityName,
} from '../labels.js';

const FILTERS = ['level', 'status', 'indicator', 'entity_type', 'region', 'employer', 'assignee', 'since', 'until', 'group', 'sort'];
const GROUP_PAGE = 200; // alerts shown when a group opens; the rest through the filtered queue
const PAGE = 50;

const opts = (family, codes, first) => [['', first], ...options(family, codes)];

export async function render(main, ctx) {
  ctx.setTitle(t('queue.title'));
  const q = ctx.query;
  const grouped = q.get('group') === 'employer';
  const canWrite = ctx.can('alert.write');
  const selected = new Map(); // id -> item
  const assignees = new Set([ctx.me.principal.user]);
  let nextCursor = null;

  // ---- filters ----
  const f = {
    level: field(t('queue.level'), 'select', { name: 'level', value: q.get('level') || '' }, {
      options: [['', t('queue.any_level')], ['low', t('queue.low_up')], ['medium', t('queue.medium_up')], ['high', t('level.high')]],
    }),
    status: field(t('queue.status'), 'select', { name: 'status', value: q.get('status') || '' }, {
      options: [['', t('queue.open')], ...options('status', STATUS_ORDER), ['all', t('queue.any_status')]],
    }),
    indicator: field(t('queue.indicator'), 'select', { name: 'indicator', value: q.get('indicator') || '' }, {
      options: opts('indicator', INDICATOR_CODES, t('queue.any_indicator')),
    }),
    entity_type: field(t('queue.alert_on'), 'select', { name: 'entity_type', value: q.get('entity_type') || '' }, {
      options: opts('entity', ENTITY_CODES, t('queue.anything')),
    }),
    region: field(t('queue.region'), 'select', { name: 'region', value: q.get('region') || '' }, {
      options: [['', t('queue.any_region')], ...REGION_CODES.map((k) => [k, `${regionName(k)} (${k})`])],
    }),
    employer: field(t('queue.employer_tin'), 'input', { name: 'employer', value: q.get('employer') || '', inputmode: 'numeric', size: 10 }),
    assignee: field(t('queue.assignee'), 'input', { name: 'assignee', value: q.get('assignee') || '', size: 10, list: 'assignee-list' }),
    since: field(t('queue.since'), 'input', { name: 'since', type: 'date', value: q.get('since') || '' }),
    until: field(t('queue.until'), 'input', { name: 'until', type: 'date', value: q.get('until') || '' }),
    group: field(t('queue.group_by'), 'select', { name: 'group', value: grouped ? 'employer' : '' }, {
      options: [['', t('queue.group_none')], ['employer', t('queue.group_employer')]],
      hint: t('queue.group_hint'),
    }),
    sort: field(t('queue.sort'), 'select', { name: 'sort', value: q.get('sort') || '-score' }, {
      options: [['-score', t('queue.sort_score_desc')], ['score', t('queue.sort_score_asc')], ['-created', t('queue.sort_created_desc')],
        ['created', t('queue.sort_created_asc')], ['-updated', t('queue.sort_updated_desc')], ['updated', t('queue.sort_updated_asc')]],
    }),
  };
  const assigneeList = h('datalist', { id: 'assignee-list' });
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': t('queue.filter_label') },
    Object.values(f).map((x) => x.wrap), assigneeList,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, t('common.apply_filters')),
      h('button', { type: 'button', class: 'secondary', onclick: () => ctx.go('#/alerts') }, t('common.clear'))));
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = {};
    for (const k of FILTERS) params[k] = f[k].input.value.trim();
    // groups are listed by their highest score only
    if (params.sort === '-score' || params.group) delete params.sort;
    ctx.go('#/alerts' + query(params));
  });

  // ---- bulk actions ----
  const countText = h('span', { class: 'selected-count', 'aria-live': 'polite' }, t('queue.selected', { n: 0 }));
  const bulkErrors = h('div', { class: 'bulk-errors' });
  const dir = canWrite ? await loadDirectory().catch(() => ({ people: [], organisations: [] })) : { people: [] };
  const assignTo = selectField(t('queue.assign_to'), peopleSelect(dir, { id: 'bulk-assignee' },
    { roles: ['admin', 'analyst', 'inspector', 'case_worker'], empty: t('alert.choose_person') }));
  const moveTo = field(t('queue.move_to'), 'select', {}, { options: options('status', STATUS_ORDER) });
  moveTo.input.value = 'in_review';
  const reason = field(t('common.reason'), 'input', { size: 28, maxlength: 2000 }, { hint: t('queue.reason_hint') });
  const bulkButtons = [];
  const bulkButton = (label, fn) => {
    const b = h('button', { type: 'button', class: 'secondary', disabled: true, onclick: fn }, label);
    bulkButtons.push(b);
    return b;
  };
  const bulk = canWrite ? h('section', { class: 'bulk', 'aria-label': t('queue.bulk_label') },
    countText,
    h('div', { class: 'bulk-row' },
      assignTo.wrap, bulkButton(t('queue.assign_selected'), () => bulkRun('assign')),
      bulkButton(t('queue.unassign_selected'), () => bulkRun('unassign'))),
    h('div', { class: 'bulk-row' },
      moveTo.wrap, reason.wrap, bulkButton(t('queue.move_selected'), () => bulkRun('move'))),
    bulkErrors) : null;

  function updateSelection() {
    const n = selected.size;
    countText.textContent = t('queue.selected', { n });
    for (const b of bulkButtons) b.disabled = n === 0;
    // the bulk actions show when something is selected
    if (bulk) bulk.hidden = n === 0;
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
        bulkErrors.appendChild(errorBox(t('queue.type_assignee')));
        assignTo.input.focus();
        return;
      }
      path = 'assign';
      body = { assignee: name };
      done = (ok, n) => t('queue.done_assigned', { ok, n, name });
    } else if (kind === 'unassign') {
      path = 'assign';
      body = { assignee: null };
      done = (ok, n) => t('queue.done_unassigned', { ok, n });
    } else {
      const to = moveTo.input.value;
      const why = reason.input.value.trim();
      const needs = [...selected.values()].some((it) => moveNeedsReason(it.status, to));
      if (needs && !why) {
        bulkErrors.appendChild(errorBox(t('queue.needs_reason', { status: statusLabel(to) })));
        reason.input.focus();
        return;
      }
      path = 'transition';
      body = { to, reason: why || undefined };
      done = (ok, n) => t('queue.done_moved', { ok, n, status: statusLabel(to) });
    }
    for (const b of bulkButtons) b.disabled = true;
    const failed = [];
    let ok = 0;
    for (let i = 0; i < ids.length; i++) {
      countText.textContent = t('queue.working', { i: i + 1, n: ids.length });
      try {
        await api('POST', `/alerts/${ids[i]}/${path}`, body);
        ok++;
      } catch (err) {
        failed.push(t('queue.failed_one', { id: ids[i], error: err.message }));
      }
    }
    if (!ctx.current()) return;
    const msg = done(ok, ids.length) + (failed.length ? ' ' + t('queue.not_done', { list: failed.join('; ') }) : '');
    ctx.flash(msg, failed.length ? 'error' : 'ok', true);
    ctx.go(location.hash);
  }

  // ---- the table ----
  const selectAll = h('input', { type: 'checkbox', 'aria-label': t('queue.select_all') });
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
  // a sortable column's header is a link to the queue sorted by it (again:
  // the other way round)
  const sortHref = (key) => {
    const params = {};
    for (const k of FILTERS) params[k] = q.get(k) || '';
    params.sort = key === sortKey && sortDir === 'descending' ? key : `-${key}`;
    if (params.sort === '-score') delete params.sort;
    return '#/alerts' + query(params);
  };
  const th = (label, key, cls) => grouped ? h('th', { scope: 'col', class: cls }, label) : h('th', { scope: 'col', class: cls, 'aria-sort': key && key === sortKey ? sortDir : null },
    key ? h('a', { href: sortHref(key), class: 'sort-link', title: t('queue.sort_by', { column: label }) }, label,
      key === sortKey ? (sortDir === 'descending' ? ' ▼' : ' ▲') : '') : label);
  const tbody = h('tbody');
  const alertHead = () => h('thead', null, h('tr', null,
    canWrite ? h('th', { scope: 'col', class: 'select' }, grouped ? null : selectAll) : null,
    th(t('queue.col_alert')), th(t('queue.col_level')), th(t('queue.col_score'), 'score', 'num'), th(t('queue.col_indicators')), th(t('queue.col_region')),
    th(t('queue.col_employer')), th(t('queue.col_assignee')), th(t('queue.col_status')), byUpdated ? th(t('queue.col_changed'), 'updated') : th(t('queue.col_raised'), 'created')));
  const tableEl = grouped
    ? h('table', { class: 'data queue grouped', id: 'queue-table' },
      h('caption', { class: 'visually-hidden' }, t('queue.group_caption')),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col', class: 'select' }, h('span', { class: 'visually-hidden' }, t('queue.col_open'))),
        th(t('queue.col_group_employer')), th(t('queue.col_employer_alert')), th(t('queue.col_workers'), null, 'num'),
        th(t('queue.col_alerts'), null, 'num'), th(t('queue.col_top')))),
      tbody)
    : h('table', { class: 'data queue', id: 'queue-table' },
      h('caption', { class: 'visually-hidden' }, t('queue.caption')),
      alertHead(),
      tbody);
  const results = h('div', { class: 'results' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('queue.load_more'));
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });

  function row(it) {
    if (it.assignee) assignees.add(it.assignee);
    const box = canWrite ? h('input', { type: 'checkbox', 'aria-label': t('queue.select_one', { id: it.id }) }) : null;
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
        h('span', { class: 'muted' }, `#${it.id} `), `${entityLabel(it.entity_type)} `, entityName(it.name, it.entity_key))),
      h('td', null, levelBadge(it.level)),
      h('td', { class: 'num' }, fmtScore(it.score)),
      h('td', { class: 'tags' }, shown),
      h('td', { title: it.region || null }, it.region ? regionName(it.region) : '–'),
      h('td', { class: 'employer-cell' }, it.employer ? entityName(it.employer_name, it.employer) : '–'),
      h('td', null, it.assignee || h('span', { class: 'muted' }, t('common.nobody'))),
      h('td', null, statusBadge(it.status)),
      h('td', { class: 'time' }, fmtTime(byUpdated ? it.updated_at : it.created_at)));
  }

  // the alert's link as the alert column shows it
  const alertLink = (it) => h('a', { href: `#/alerts/${it.id}`, class: 'alert-link' },
    h('span', { class: 'muted' }, `#${it.id} `), `${entityLabel(it.entity_type)} `, entityName(it.name, it.entity_key));

  // One group: the employer (name and TIN) or, for an alert under no
  // employer, that alert; the employer's own alert; counts; the top alert.
  // The toggle fetches the group's alerts into a nested table below it.
  function groupRow(g) {
    const cells = [];
    const plainName = g.employer_name && g.employer_name !== g.employer ? `${g.employer_name} (${g.employer})` : g.employer;
    const nested = h('tbody');
    const membersRow = h('tr', { class: 'group-members', hidden: true },
      h('td', { colspan: 6 },
        h('table', { class: 'data queue' },
          h('caption', { class: 'visually-hidden' }, g.employer
            ? t('queue.group_members_caption', { name: plainName }) : t('queue.caption')),
          alertHead(), nested),
        h('p', { class: 'group-members-note' })));
    let loaded = false;
    const toggle = g.employer ? h('button', {
      type: 'button', class: 'secondary group-toggle', 'aria-expanded': 'false',
      'aria-label': t('queue.group_open', { n: g.alerts, name: plainName }),
    }, '▸') : null;
    if (toggle) {
      toggle.addEventListener('click', async () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
        toggle.textContent = open ? '▾' : '▸';
        membersRow.hidden = !open;
        if (!open || loaded) return;
        loaded = true;
        const note = membersRow.querySelector('.group-members-note');
        note.textContent = t('common.loading');
        try {
          const params = {};
          for (const k of FILTERS) if (k !== 'group' && k !== 'sort') params[k] = q.get(k) || '';
          params.employer = g.employer;
          params.limit = GROUP_PAGE;
          const page = await api('GET', '/alerts' + query(params));
          if (!ctx.current()) return;
          for (const it of page.items) nested.appendChild(row(it));
          const filtered = {};
          for (const k of FILTERS) if (k !== 'group' && k !== 'sort') filtered[k] = q.get(k) || '';
          filtered.employer = g.employer;
          note.replaceChildren(page.next_cursor
            ? h('a', { href: '#/alerts' + query(filtered) }, t('queue.group_rest', { n: page.total - page.items.length }))
            : '');
          refreshAssignees();
        } catch (err) {
          loaded = false;
          note.replaceChildren(errorBox(t('queue.load_failed', { error: err.message })));
        }
      });
    }
    cells.push(h('td', { class: 'select' }, toggle));
    cells.push(h('td', { class: 'group-cell' }, g.employer
      ? h('a', { href: `#/entities/employer/${encodeURIComponent(g.employer)}`, class: 'group-employer' }, entityName(g.employer_name, g.employer))
      : h('span', { class: 'muted' }, t('queue.group_alone'))));
    const own = g.employer_alert;
    cells.push(h('td', { class: 'group-own' }, own
      ? [alertLink(own), ' ', levelBadge(own.level), ' ', h('span', { class: 'num' }, fmtScore(own.score))]
      : h('span', { class: 'muted' }, g.employer ? t('queue.group_no_own') : '–')));
    cells.push(h('td', { class: 'num group-workers' }, String(g.workers)));
    cells.push(h('td', { class: 'num group-alerts' }, String(g.alerts)));
    cells.push(h('td', { class: 'group-top' }, alertLink(g.top), ' ', levelBadge(g.top.level), ' ',
      h('span', { class: 'num' }, fmtScore(g.top.score))));
    const tr = h('tr', { class: 'group-row', dataset: { employer: g.employer || '' } }, cells);
    return [tr, membersRow];
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
    // a loading state while the server answers
    results.setAttribute('aria-busy', 'true');
    if (!cursor) summary.textContent = t('common.loading');
    let page;
    try {
      page = await api('GET', '/alerts' + query(params));
    } finally {
      results.removeAttribute('aria-busy');
    }
    if (!ctx.current()) return null;
    let rows;
    if (grouped) {
      rows = [];
      for (const g of page.groups) {
        const [gr, members] = groupRow(g);
        tbody.appendChild(gr);
        tbody.appendChild(members);
        rows.push(gr);
      }
    } else {
      rows = page.items.map(row);
      for (const r of rows) tbody.appendChild(r);
    }
    nextCursor = page.next_cursor;
    more.hidden = !nextCursor;
    more.disabled = false;
    const n = grouped ? tbody.querySelectorAll(':scope > tr.group-row').length : tbody.children.length;
    summary.textContent = n === 0 ? t('queue.none_match')
      : grouped ? t('queue.showing_groups', { shown: n, groups: page.total_groups, n: page.total })
        : t('queue.showing_total', { shown: n, n: page.total });
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
      // a group's row has no box of its own: its alerts have, once opened
      const box = cur.querySelector(':scope > td > input[type=checkbox]');
      if (box) box.click();
    } else if (e.key === '/') {
      e.preventDefault();
      const fold = main.querySelector('.filters-fold');
      if (fold) fold.open = true;
      f.level.input.focus();
    }
  }
  document.addEventListener('keydown', onKey);

  const scopeNote = ctx.scope('alert.read') === 'own' ? t('queue.scope_own')
    : ctx.scope('alert.read') === 'org' ? t('queue.scope_org') : null;

  add(main, 
    h('h1', { tabindex: '-1' }, t('queue.title')),
    scopeNote ? h('p', { class: 'lead' }, scopeNote) : null,
    h('details', { class: 'filters-fold', open: FILTERS.some((k) => k !== 'sort' && q.get(k)) },
      h('summary', null, t('queue.filters_summary', { n: FILTERS.filter((k) => k !== 'sort' && q.get(k)).length })), filterForm),
    bulk,
    results,
    h('details', { class: 'shortcuts' }, h('summary', null, t('queue.shortcuts')),
      h('ul', null,
        h('li', null, tn('queue.key_next', { j: h('kbd', null, 'j'), down: h('kbd', null, '↓'), k: h('kbd', null, 'k'), up: h('kbd', null, '↑') })),
        canWrite ? h('li', null, tn('queue.key_select', { x: h('kbd', null, 'x') })) : null,
        h('li', null, tn('queue.key_open', { enter: h('kbd', null, 'Enter') })),
        h('li', null, tn('queue.key_filters', { slash: h('kbd', null, '/') })))));
  add(results, summary, h('div', { class: 'table-wrap' }, tableEl), h('div', { class: 'actions' }, more));
  try {
    await load(null);
  } catch (err) {
    if (!ctx.current()) return () => document.removeEventListener('keydown', onKey);
    results.replaceChildren(errorBox(t('queue.load_failed', { error: err.message })));
  }
  return () => document.removeEventListener('keydown', onKey);
}
