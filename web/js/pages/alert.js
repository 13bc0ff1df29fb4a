// One alert: GET /api/v1/alerts/{id} (the read is audited). What drove the
// score in plain words, the indicator breakdown with each contribution,
// the evidence records, related entities, history and suppressions; and,
// for roles that may write, the actions: change status with a reason,
// assign, suppress an indicator; for an escalated alert and a role that may
// write cases, "Open NRM case" (#/cases/new?alert=ID).

import { api } from '../api.js';
import { h, add, field, table, errorBox } from '../dom.js';
import { loadDirectory, peopleSelect, selectField } from '../directory.js';
import { t, tn, has, label, lower, todayYerevan } from '../i18n.js';
import {
  MOVES, indicatorLabel, entityLabel, statusLabel, regionLabel, nationLabel, iloLabels, levelLabel,
  INDICATOR_UNITS, fmtScore, fmtNumber, fmtTime, levelBadge, statusBadge, entityHref, moveNeedsReason, entityName,
} from '../labels.js';

function entityLink(ctx, type, key, text) {
  const words = text || `${entityLabel(type)} ${key}`;
  return ctx.can('entity.read') ? h('a', { href: entityHref(type, key) }, words) : words;
}

function sortedIndicators(ev) {
  const list = Array.isArray(ev && ev.indicators) ? ev.indicators.slice() : [];
  return list.sort((a, b) => (a.suppressed - b.suppressed) || ((b.contribution || 0) - (a.contribution || 0)));
}

// One indicator's sentence: the catalogue's (expl.ID, filled from the
// evidence's facts) when it has one, else the engine's own text.
function indicatorText(ind) {
  return has(`expl.${ind.id}`) ? t(`expl.${ind.id}`) : ind.text || '';
}

// A value against its threshold, with the indicator's unit where known.
function valueText(id, value, threshold) {
  const unit = INDICATOR_UNITS[id] ? t(`unit.${INDICATOR_UNITS[id]}`) : '';
  return t(unit ? 'alert.value_unit' : 'alert.value', { value: fmtNumber(value), threshold: fmtNumber(threshold), unit });
}

// The facts of a carried indicator (evidence "carried", alerts.c): where it
// came from and that source's own facts, never a count shown as a wage.
function appLink(ctx, key) {
  return entityLink(ctx, 'application', key, key);
}

function carriedApps(ctx, ind, c) {
  const apps = Array.isArray(c.applications) ? c.applications : [];
  const items = apps.map((x) => h('li', null, appLink(ctx, x.key), typeof x.value === 'number' && typeof x.threshold === 'number'
    ? [': ', h('span', { class: 'carried-value' }, valueText(ind.id, x.value, x.threshold))] : null));
  const more = (c.count || 0) - apps.length;
  if (more > 0) items.push(h('li', { class: 'muted' }, t('carried.more', { n: more })));
  return items.length ? h('ul', { class: 'carried-apps' }, items) : null;
}

export function carriedText(ctx, ind) {
  const c = ind.carried;
  if (!c || !c.from) return [' ', t('alert.carried')];
  if (c.from === 'applications') {
    return [' ', h('span', { class: 'carried' }, t('carried.applications', { n: c.of, count: c.count })), carriedApps(ctx, ind, c)];
  }
  if (c.from === 'employer' && typeof c.count === 'number') {
    return [' ', h('span', { class: 'carried' }, tn('carried.employer_count', {
      employer: entityLink(ctx, 'employer', c.entity_key, c.entity_key), app: appLink(ctx, c.application), n: c.of, count: c.count,
    })), carriedApps(ctx, ind, c)];
  }
  const facts = typeof ind.value === 'number' && typeof ind.threshold === 'number' ? [' ', valueText(ind.id, ind.value, ind.threshold)] : null;
  if (c.from === 'application') {
    return [' ', h('span', { class: 'carried' }, tn('carried.application', { app: appLink(ctx, c.application) }), facts)];
  }
  const type = c.from === 'residence' ? 'address' : c.from;
  return [' ', h('span', { class: 'carried' }, tn(`carried.${c.from}`, {
    key: entityLink(ctx, type, c.entity_key, c.entity_key), app: appLink(ctx, c.application),
  }), facts)];
}

// The explanation in plain language, built from the stored evidence.
function explanation(ctx, a) {
  const ev = a.evidence;
  const inds = sortedIndicators(ev);
  const out = [];
  const what = `${lower(entityLabel(a.entity_type))} ${a.entity_key}`;
  out.push(h('p', { class: 'lead' }, tn('alert.lead', { what, score: fmtScore(a.score),
    level: h('strong', null, t('alert.level_words', { level: lower(levelLabel(a.level)) })) })));
  if (!inds.length) {
    out.push(h('p', null, t('alert.no_evidence')));
    return out;
  }
  const scored = inds.filter((i) => !i.suppressed && !i.vulnerability);
  const allCarried = inds.every((i) => i.rolled_up);
  out.push(h('p', null, t('alert.signs', { n: scored.length }) + ' ' + t('alert.no_single_sign') +
    (allCarried && a.entity_type !== 'application' ? ' ' + t('alert.all_carried', { what: entityLabel(a.entity_type) }) : '')));
  const items = inds.map((ind) => {
    const parts = [h('strong', null, indicatorLabel(ind.id)), ': ', indicatorText(ind)];
    if (!ind.rolled_up && typeof ind.value === 'number' && typeof ind.threshold === 'number') {
      parts.push(' ', valueText(ind.id, ind.value, ind.threshold));
    }
    if (ind.rolled_up) parts.push(carriedText(ctx, ind));
    if (ind.vulnerability) parts.push(' ', t('alert.vulnerability'));
    if (ind.suppressed) parts.push(' ', t('alert.suppressed'));
    const ilo = iloLabels(ind.ilo);
    if (ilo.length) parts.push(h('span', { class: 'ilo' }, ' ', t('alert.ilo', { n: ilo.length, list: ilo.join(', ') })));
    return h('li', null, parts);
  });
  out.push(h('ol', { class: 'explain-list' }, items));
  if (ev && typeof ev.logit === 'number') {
    const factor = ev.vulnerability_factor && ev.vulnerability_factor !== 1
      ? ' ' + t('alert.how_factor', { factor: fmtNumber(ev.vulnerability_factor) }) : '';
    out.push(h('p', { class: 'muted' }, t('alert.how', { prior: fmtNumber(ev.prior), factor, logit: fmtNumber(ev.logit), score: fmtScore(a.score),
      config: a.config_version || ev.config_version || t('common.unknown') })));
  }
  return out;
}

function breakdown(a) {
  const inds = sortedIndicators(a.evidence);
  if (!inds.length) return null;
  const max = Math.max(0.01, ...inds.map((i) => Math.abs(i.contribution || 0)));
  const rows = inds.map((ind) => [
    { th: indicatorLabel(ind.id) },
    iloLabels(ind.ilo).join(', ') || '–',
    typeof ind.value === 'number' ? fmtNumber(ind.value)
      : ind.carried && typeof ind.carried.count === 'number' ? t('carried.count_short', { count: ind.carried.count, n: ind.carried.of }) : '–',
    typeof ind.threshold === 'number' ? fmtNumber(ind.threshold) : '–',
    typeof ind.strength === 'number' ? fmtNumber(ind.strength) : '–',
    h('span', { class: 'contrib' },
      h('meter', { min: 0, max, value: Math.abs(ind.contribution || 0), 'aria-hidden': 'true' }),
      ` ${ind.contribution > 0 ? '+' : ''}${fmtNumber(ind.contribution || 0)}`),
    t(ind.suppressed ? 'alert.how_suppressed' : ind.vulnerability ? 'alert.how_vulnerability' : ind.rolled_up ? 'alert.how_carried' : 'alert.how_direct'),
  ]);
  return table(t('alert.breakdown_caption'), [
    { label: t('alert.col_indicator') }, { label: t('alert.col_ilo') }, { label: t('alert.col_value'), class: 'num' },
    { label: t('alert.col_threshold'), class: 'num' }, { label: t('alert.col_strength'), class: 'num' }, { label: t('alert.col_contribution') }, { label: t('alert.col_how') },
  ], rows, { class: 'breakdown' });
}

function evidenceRecords(ctx, a) {
  const byRecord = new Map();
  let cut = 0;
  for (const ind of sortedIndicators(a.evidence)) {
    for (const r of ind.records || []) {
      const k = `${r.register}\u0000${r.key}`;
      if (!byRecord.has(k)) byRecord.set(k, { register: r.register, key: r.key, ids: [] });
      byRecord.get(k).ids.push(indicatorLabel(ind.id));
    }
    if (ind.records_total > (ind.records || []).length) cut += ind.records_total - ind.records.length;
  }
  if (!byRecord.size) return h('p', null, t('alert.no_records'));
  const rows = [...byRecord.values()].map((r) => [
    label('register', r.register),
    r.register === 'permits' ? entityLink(ctx, 'application', r.key, r.key) : r.key,
    r.ids.join(', '),
  ]);
  return [table(t('alert.records_caption'), [{ label: t('alert.col_register') }, { label: t('alert.col_record') }, { label: t('alert.col_cited_by') }], rows),
    cut ? h('p', { class: 'muted' }, t('alert.records_cut', { n: cut })) : null];
}

function history(a) {
  const rows = (a.history || []).map((e) => [
    fmtTime(e.at), e.actor || '–', label('alert_event', e.kind),
    e.from_status || e.to_status ? `${e.from_status ? statusLabel(e.from_status) : '–'} → ${e.to_status ? statusLabel(e.to_status) : '–'}` : '–',
    e.level ? `${levelLabel(e.level)}, ${fmtScore(e.score)}` : '–',
    e.reason || '–',
  ]);
  if (!rows.length) return h('p', null, t('alert.no_history'));
  return table(t('alert.history_caption'), [{ label: t('alert.col_when') }, { label: t('alert.col_who') }, { label: t('alert.col_what') },
    { label: t('alert.col_status') }, { label: t('alert.col_level_score') }, { label: t('common.reason') }], rows);
}

function formBlock(title, desc, ...content) {
  return h('section', { class: 'action-block', 'aria-labelledby': null }, h('h3', null, title), desc ? h('p', { class: 'hint' }, desc) : null, content);
}

const ALERT_ROLES = ['admin', 'analyst', 'inspector', 'case_worker'];

function actions(ctx, a, dir) {
  const id = a.id;
  const done = (msg) => {
    ctx.flash(msg, 'ok', true);
    ctx.go(location.hash);
  };
  const run = async (form, errors, button, fn) => {
    errors.replaceChildren();
    button.disabled = true;
    try {
      await fn();
    } catch (err) {
      if (ctx.current()) errors.appendChild(errorBox(err.message));
    } finally {
      button.disabled = false;
    }
  };

  // change status
  const moves = MOVES[a.status] || [];
  const to = field(t('alert.move_to'), 'select', { name: 'to' }, { options: moves.map((m) => [m, label('alert_move', m)]) });
  const reason = field(t('common.reason'), 'textarea', { name: 'reason', rows: 3, maxlength: 2000 },
    { hint: t('alert.reason_hint') });
  // escalating is the hand-off: to a person (of any organisation), who
  // then finds it in their organisation's queue
  const escSel = peopleSelect(dir, { id: 'escalate-to', name: 'escalate_to', value: a.assignee || '' }, { roles: ALERT_ROLES, empty: t('alert.choose_person') });
  // ... or to an organisation without naming a person in it: the alert
  // goes to that organisation's queue until one of its people takes it
  escSel.insertBefore(h('optgroup', { label: t('alert.escalate_orgs') },
    (dir.organisations || []).map((o) => h('option', { value: `org:${o.name}` }, t('alert.escalate_org', { org: o.name })))),
  escSel.children[1] || null);
  if (!a.assignee && a.assigned_org) escSel.value = `org:${a.assigned_org}`;
  const escTo = selectField(t('alert.escalate_to'), escSel, t('alert.escalate_hint'));
  const tErrors = h('div');
  const tButton = h('button', { type: 'submit', class: 'primary' }, t('alert.change_status'));
  const tForm = h('form', { class: 'stack', id: 'transition-form' }, tErrors, to.wrap, escTo.wrap, reason.wrap, h('div', { class: 'actions' }, tButton));
  const showEsc = () => { escTo.wrap.hidden = to.input.value !== 'escalated'; };
  to.input.addEventListener('change', showEsc);
  showEsc();
  tForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const target = to.input.value;
    const why = reason.input.value.trim();
    const person = target === 'escalated' ? escTo.input.value : '';
    if (target === 'escalated' && !person) {
      tErrors.replaceChildren(errorBox(t('alert.escalate_needs_person')));
      escTo.input.focus();
      return;
    }
    if (moveNeedsReason(a.status, target) && !why) {
      tErrors.replaceChildren(errorBox(t('alert.needs_reason', { status: statusLabel(target) })));
      reason.input.focus();
      return;
    }
    run(tForm, tErrors, tButton, async () => {
      if (person.startsWith('org:')) {
        const org = person.slice(4);
        await api('POST', `/alerts/${id}/transition`, { to: target, reason: why || undefined, org });
        done(t('alert.done_escalated_org', { id, org }));
        return;
      }
      if (person && person !== a.assignee) await api('POST', `/alerts/${id}/assign`, { assignee: person });
      await api('POST', `/alerts/${id}/transition`, { to: target, reason: why || undefined });
      if (person) {
        done(t('alert.done_escalated', { id, name: person }));
        return;
      }
      done(target === 'dismissed' || target === 'confirmed'
        ? t(`alert.done_${target}`, { id })
        : t('alert.done_moved', { id, status: statusLabel(target) }));
    });
  });

  // assign
  const assignee = selectField(t('alert.assign_to'),
    peopleSelect(dir, { id: 'assignee', name: 'assignee', value: a.assignee || '' }, { roles: ALERT_ROLES, empty: t('alert.choose_person') }),
    t('alert.assign_hint'));
  const aErrors = h('div');
  const aButton = h('button', { type: 'submit', class: 'primary' }, t('alert.assign'));
  const meButton = h('button', { type: 'button', class: 'secondary' }, t('alert.assign_me'));
  const unButton = h('button', { type: 'button', class: 'secondary', disabled: !a.assignee }, t('alert.unassign'));
  const aForm = h('form', { class: 'stack', id: 'assign-form' }, aErrors, assignee.wrap,
    h('div', { class: 'actions' }, aButton, meButton, unButton));
  const assign = (name, button) => run(aForm, aErrors, button, async () => {
    await api('POST', `/alerts/${id}/assign`, { assignee: name });
    done(name ? t('alert.done_assigned', { id, name }) : t('alert.done_unassigned', { id }));
  });
  aForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = assignee.input.value.trim();
    if (!name) {
      aErrors.replaceChildren(errorBox(t('alert.type_assignee')));
      assignee.input.focus();
      return;
    }
    assign(name, aButton);
  });
  meButton.addEventListener('click', () => assign(ctx.me.principal.user, meButton));
  unButton.addEventListener('click', () => assign(null, unButton));

  // suppress
  const inds = sortedIndicators(a.evidence).filter((i) => !i.suppressed);
  let sForm = null;
  if (inds.length) {
    const ind = field(t('field.indicator'), 'select', { name: 'indicator' }, { options: inds.map((i) => [i.id, indicatorLabel(i.id)]) });
    const until = field(t('field.until'), 'input', { name: 'until', type: 'date', min: todayYerevan(1), max: todayYerevan(180), value: todayYerevan(30) },
      { hint: t('alert.until_hint') });
    const sReason = field(t('common.reason'), 'textarea', { name: 'reason', rows: 2, maxlength: 2000 });
    const sErrors = h('div');
    const sButton = h('button', { type: 'submit', class: 'secondary' }, t('alert.suppress'));
    sForm = h('form', { class: 'stack', id: 'suppress-form' }, sErrors, ind.wrap, until.wrap, sReason.wrap, h('div', { class: 'actions' }, sButton));
    sForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const why = sReason.input.value.trim();
      if (!why) {
        sErrors.replaceChildren(errorBox(t('alert.suppress_needs_reason')));
        sReason.input.focus();
        return;
      }
      if (!until.input.value) {
        sErrors.replaceChildren(errorBox(t('alert.suppress_needs_until')));
        until.input.focus();
        return;
      }
      run(sForm, sErrors, sButton, async () => {
        await api('POST', `/alerts/${id}/suppress`, { indicator: ind.input.value, until: until.input.value, reason: why });
        done(t('alert.done_suppressed', { indicator: indicatorLabel(ind.input.value), what: entityLabel(a.entity_type), until: until.input.value }));
      });
    });
  }

  return h('aside', { class: 'actions-panel', 'aria-label': t('alert.actions_label') },
    h('h2', null, t('alert.actions')),
    formBlock(t('alert.change_status'), t('alert.now_status', { status: statusLabel(a.status) }), moves.length ? tForm : h('p', null, t('alert.no_move'))),
    formBlock(t('alert.assign'), a.assignee ? t('alert.now_assigned', { name: a.assignee }) : t('alert.now_nobody'), aForm),
    sForm ? formBlock(t('alert.suppress_title'), t('alert.suppress_desc'), sForm) : null);
}

export async function render(main, ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('alert.title', { id }));
  let a;
  try {
    a = await api('GET', `/alerts/${id}`);
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('p', null, h('a', { href: '#/alerts' }, t('common.back_queue'))),
      h('h1', { tabindex: '-1' }, t('alert.title', { id })), errorBox(err.status === 404 ? t('alert.no_such', { id }) : err.message));
    return;
  }
  if (!ctx.current()) return;
  // the people an alert can be assigned or escalated to
  const dir = ctx.can('alert.write') ? await loadDirectory().catch(() => ({ people: [], organisations: [] })) : null;
  if (!ctx.current()) return;
  ctx.setTitle(t('alert.title_full', { id: a.id, what: entityLabel(a.entity_type), key: a.entity_key }));
  const facts = [
    [t('alert.fact_level'), levelBadge(a.level)],
    [t('alert.fact_score'), t('alert.score_of', { score: fmtScore(a.score) })],
    [t('alert.fact_status'), statusBadge(a.status)],
    [t('alert.fact_assignee'), a.assignee || (a.assigned_org ? t('alert.assigned_org', { org: a.assigned_org }) : t('common.nobody'))],
    [t('alert.fact_region'), a.region ? regionLabel(a.region) : t('common.unknown')],
    [t('alert.fact_employer'), a.employer ? entityLink(ctx, 'employer', a.employer, a.employer_name ? `${a.employer_name} · ${a.employer}` : a.employer) : t('common.unknown')],
    [t('alert.fact_nationality'), a.nationality ? nationLabel(a.nationality) : t('common.unknown')],
    [t('alert.fact_raised'), fmtTime(a.created_at)],
    [t('alert.fact_changed'), fmtTime(a.updated_at)],
  ];
  // An escalated alert can become an NRM case (the person found by it is a
  // presumed victim): the new-case form, opened from this alert.
  const openCase = a.status === 'escalated' && ctx.can('case.write')
    ? h('a', { href: `#/cases/new?alert=${a.id}`, class: 'button-link primary' }, t('alert.open_case')) : null;
  const related = (a.related || []).map((r) => h('li', null, entityLink(ctx, r.entity_type, r.entity_key)));
  const sup = (a.suppressions || []).map((s) => [indicatorLabel(s.indicator), s.until, s.created_by, fmtTime(s.created_at), s.reason]);

  const content = h('div', { class: 'detail-main' },
    h('section', { 'aria-labelledby': 'why-h' }, h('h2', { id: 'why-h' }, t('alert.why')), explanation(ctx, a),
      a.explanation ? h('details', null, h('summary', null, t('alert.cli_text')), h('pre', { class: 'explain-text' }, a.explanation)) : null),
    h('section', { 'aria-labelledby': 'ind-h' }, h('h2', { id: 'ind-h' }, t('alert.breakdown')), breakdown(a) || h('p', null, t('alert.no_indicators'))),
    h('section', { 'aria-labelledby': 'rec-h' }, h('h2', { id: 'rec-h' }, t('alert.records')), evidenceRecords(ctx, a)),
    h('section', { 'aria-labelledby': 'rel-h' }, h('h2', { id: 'rel-h' }, t('alert.related')),
      related.length ? h('ul', { class: 'related' }, related) : h('p', null, t('alert.none_recorded'))),
    h('section', { 'aria-labelledby': 'hist-h' }, h('h2', { id: 'hist-h' }, t('alert.history')), history(a)),
    sup.length ? h('section', { 'aria-labelledby': 'sup-h' }, h('h2', { id: 'sup-h' }, t('alert.suppressions')),
      table(t('alert.suppressions_caption'), [{ label: t('field.indicator') }, { label: t('field.until') }, { label: t('alert.col_by') }, { label: t('alert.col_when') }, { label: t('common.reason') }], sup)) : null);

  add(main, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/alerts' }, t('common.back_queue'))),
    h('h1', { tabindex: '-1' }, t('alert.title_what', { id: a.id, what: entityLabel(a.entity_type) }), ' ', entityName(a.name, a.entity_key)),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v)))),
    ctx.can('entity.read') || openCase ? h('p', { class: 'actions' },
      ctx.can('entity.read') ? h('a', { href: entityHref(a.entity_type, a.entity_key), class: 'button-link' },
        t('alert.open_entity', { what: lower(entityLabel(a.entity_type)) })) : null,
      openCase) : null,
    h('div', { class: 'detail-grid' + (ctx.can('alert.write') ? '' : ' single') }, content, ctx.can('alert.write') ? actions(ctx, a, dir) : null));
}
