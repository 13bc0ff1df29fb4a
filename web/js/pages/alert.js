// One alert: GET /api/v1/alerts/{id} (the read is audited). What drove the
// score in plain words, the indicator breakdown with each contribution,
// the evidence records, related entities, history and suppressions; and,
// for roles that may write, the actions: change status with a reason,
// assign, suppress an indicator; for an escalated alert and a role that may
// write cases, "Open NRM case" (#/cases/new?alert=ID).

import { api } from '../api.js';
import { h, add, field, table, errorBox } from '../dom.js';
import {
  MOVES, indicatorLabel, entityLabel, statusLabel, regionLabel, nationLabel, iloLabels,
  INDICATOR_UNITS, fmtScore, fmtNumber, fmtTime, levelBadge, statusBadge, entityHref, moveNeedsReason,
} from '../labels.js';

const MOVE_WORDS = {
  new: 'New (back to the untriaged queue)',
  in_review: 'In review',
  escalated: 'Escalated (to inspectors, police or a case worker)',
  dismissed: 'Dismissed (not a case)',
  confirmed: 'Confirmed (a case)',
};

function ymd(d) {
  return d.toISOString().slice(0, 10);
}

function entityLink(ctx, type, key, text) {
  const label = text || `${entityLabel(type)} ${key}`;
  return ctx.can('entity.read') ? h('a', { href: entityHref(type, key) }, label) : label;
}

function sortedIndicators(ev) {
  const list = Array.isArray(ev && ev.indicators) ? ev.indicators.slice() : [];
  return list.sort((a, b) => (a.suppressed - b.suppressed) || ((b.contribution || 0) - (a.contribution || 0)));
}

// The explanation in plain language, built from the stored evidence.
function explanation(a) {
  const ev = a.evidence;
  const inds = sortedIndicators(ev);
  const out = [];
  const what = `${entityLabel(a.entity_type).toLowerCase()} ${a.entity_key}`;
  out.push(h('p', { class: 'lead' }, `This alert is about the ${what}. It scores ${fmtScore(a.score)} out of 100, which is `,
    h('strong', null, `${a.level || 'no'} level`), '.'));
  if (!inds.length) {
    out.push(h('p', null, 'No evidence was stored with this alert.'));
    return out;
  }
  const scored = inds.filter((i) => !i.suppressed && !i.vulnerability);
  const allCarried = inds.every((i) => i.rolled_up);
  out.push(h('p', null, `${scored.length} warning sign${scored.length === 1 ? '' : 's'} add up to this score, the strongest first. ` +
    'No single sign proves trafficking; together they say the case deserves a closer look.' +
    (allCarried && a.entity_type !== 'application' ? ` Each was found on a record linked to this ${entityLabel(a.entity_type).toLowerCase()} ` +
      '(its applications, employer, residence or phone) and carried over to this alert.' : '')));
  const items = inds.map((ind) => {
    const parts = [h('strong', null, indicatorLabel(ind.id)), ': ', ind.text || ''];
    const unit = INDICATOR_UNITS[ind.id] ? ` ${INDICATOR_UNITS[ind.id]}` : '';
    if (typeof ind.value === 'number' && typeof ind.threshold === 'number') {
      parts.push(` Here the value is ${fmtNumber(ind.value)}${unit}, against a threshold of ${fmtNumber(ind.threshold)}${unit}.`);
    }
    if (ind.rolled_up && !allCarried) parts.push(' Found on a linked record (an application, its employer, residence or phone) and carried over to this alert.');
    if (ind.vulnerability) parts.push(' A vulnerability: it adds nothing by itself but makes the other signs weigh more.');
    if (ind.suppressed) parts.push(' Suppressed by an analyst: shown here, not counted.');
    const ilo = iloLabels(ind.ilo);
    if (ilo.length) parts.push(h('span', { class: 'ilo' }, ` ILO forced-labour indicator${ilo.length === 1 ? '' : 's'}: ${ilo.join(', ')}.`));
    return h('li', null, parts);
  });
  out.push(h('ol', { class: 'explain-list' }, items));
  if (ev && typeof ev.logit === 'number') {
    const factor = ev.vulnerability_factor && ev.vulnerability_factor !== 1
      ? ` multiplied by ${fmtNumber(ev.vulnerability_factor)} for vulnerability,` : '';
    out.push(h('p', { class: 'muted' }, `How the score is made: each sign adds its contribution to a starting value of ${fmtNumber(ev.prior)};` +
      `${factor} the total ${fmtNumber(ev.logit)} (log-odds) becomes the score ${fmtScore(a.score)} out of 100. ` +
      `Configuration ${a.config_version || ev.config_version || 'unknown'}.`));
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
    typeof ind.value === 'number' ? fmtNumber(ind.value) : '–',
    typeof ind.threshold === 'number' ? fmtNumber(ind.threshold) : '–',
    typeof ind.strength === 'number' ? fmtNumber(ind.strength) : '–',
    h('span', { class: 'contrib' },
      h('meter', { min: 0, max, value: Math.abs(ind.contribution || 0), 'aria-hidden': 'true' }),
      ` ${ind.contribution > 0 ? '+' : ''}${fmtNumber(ind.contribution || 0)}`),
    ind.suppressed ? 'suppressed' : ind.vulnerability ? 'vulnerability' : ind.rolled_up ? 'carried over' : 'direct',
  ]);
  return table('How much each indicator adds to the score (log-odds)', [
    { label: 'Indicator' }, { label: 'ILO indicators' }, { label: 'Value', class: 'num' },
    { label: 'Threshold', class: 'num' }, { label: 'Strength', class: 'num' }, { label: 'Contribution' }, { label: 'How' },
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
  if (!byRecord.size) return h('p', null, 'No register records are cited.');
  const rows = [...byRecord.values()].map((r) => [
    r.register.replace('_', ' '),
    r.register === 'permits' ? entityLink(ctx, 'application', r.key, r.key) : r.key,
    r.ids.join(', '),
  ]);
  return [table('Register records the indicators cite', [{ label: 'Register' }, { label: 'Record' }, { label: 'Cited by' }], rows),
    cut ? h('p', { class: 'muted' }, `${cut} more citations are not listed (the evidence keeps the first records of each indicator).`) : null];
}

function history(a) {
  const rows = (a.history || []).map((e) => [
    fmtTime(e.at), e.actor || '–', e.kind,
    e.from_status || e.to_status ? `${e.from_status ? statusLabel(e.from_status) : '–'} → ${e.to_status ? statusLabel(e.to_status) : '–'}` : '–',
    e.level ? `${e.level}, ${fmtScore(e.score)}` : '–',
    e.reason || '–',
  ]);
  if (!rows.length) return h('p', null, 'Nothing has happened to this alert yet.');
  return table('What happened to this alert, oldest first', [{ label: 'When' }, { label: 'Who' }, { label: 'What' },
    { label: 'Status' }, { label: 'Level, score' }, { label: 'Reason' }], rows);
}

function formBlock(title, desc, ...content) {
  return h('section', { class: 'action-block', 'aria-labelledby': null }, h('h3', null, title), desc ? h('p', { class: 'hint' }, desc) : null, content);
}

function actions(ctx, a) {
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
  const to = field('Move to', 'select', { name: 'to' }, { options: moves.map((m) => [m, MOVE_WORDS[m] || statusLabel(m)]) });
  const reason = field('Reason', 'textarea', { name: 'reason', rows: 3, maxlength: 2000 },
    { hint: 'Required to dismiss, confirm or reopen; it is kept in the alert\'s history.' });
  const tErrors = h('div');
  const tButton = h('button', { type: 'submit', class: 'primary' }, 'Change status');
  const tForm = h('form', { class: 'stack', id: 'transition-form' }, tErrors, to.wrap, reason.wrap, h('div', { class: 'actions' }, tButton));
  tForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const target = to.input.value;
    const why = reason.input.value.trim();
    if (moveNeedsReason(a.status, target) && !why) {
      tErrors.replaceChildren(errorBox(`Moving this alert to "${statusLabel(target)}" needs a reason: write why, for those who read the case later.`));
      reason.input.focus();
      return;
    }
    run(tForm, tErrors, tButton, async () => {
      await api('POST', `/alerts/${id}/transition`, { to: target, reason: why || undefined });
      done(target === 'dismissed' || target === 'confirmed'
        ? `Alert ${id} ${statusLabel(target).toLowerCase()}: it has left the open queue.`
        : `Alert ${id} moved to ${statusLabel(target)}.`);
    });
  });

  // assign
  const assignee = field('Assign to', 'input', { name: 'assignee', value: a.assignee || '', autocomplete: 'off', list: 'alert-assignees' },
    { hint: 'A user name; the alert then reaches their queue.' });
  const aErrors = h('div');
  const aButton = h('button', { type: 'submit', class: 'primary' }, 'Assign');
  const meButton = h('button', { type: 'button', class: 'secondary' }, 'Assign to me');
  const unButton = h('button', { type: 'button', class: 'secondary', disabled: !a.assignee }, 'Unassign');
  const aForm = h('form', { class: 'stack', id: 'assign-form' }, aErrors, assignee.wrap,
    h('datalist', { id: 'alert-assignees' }, h('option', { value: ctx.me.principal.user })),
    h('div', { class: 'actions' }, aButton, meButton, unButton));
  const assign = (name, button) => run(aForm, aErrors, button, async () => {
    await api('POST', `/alerts/${id}/assign`, { assignee: name });
    done(name ? `Alert ${id} assigned to ${name}.` : `Alert ${id} unassigned.`);
  });
  aForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = assignee.input.value.trim();
    if (!name) {
      aErrors.replaceChildren(errorBox('Type a user name, or use Unassign.'));
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
    const today = new Date();
    const min = new Date(today.getTime() + 86400000);
    const max = new Date(today.getTime() + 180 * 86400000);
    const def = new Date(today.getTime() + 30 * 86400000);
    const ind = field('Indicator', 'select', { name: 'indicator' }, { options: inds.map((i) => [i.id, indicatorLabel(i.id)]) });
    const until = field('Until', 'input', { name: 'until', type: 'date', min: ymd(min), max: ymd(max), value: ymd(def) },
      { hint: 'At most 180 days ahead.' });
    const sReason = field('Reason', 'textarea', { name: 'reason', rows: 2, maxlength: 2000 });
    const sErrors = h('div');
    const sButton = h('button', { type: 'submit', class: 'secondary' }, 'Suppress indicator');
    sForm = h('form', { class: 'stack', id: 'suppress-form' }, sErrors, ind.wrap, until.wrap, sReason.wrap, h('div', { class: 'actions' }, sButton));
    sForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const why = sReason.input.value.trim();
      if (!why) {
        sErrors.replaceChildren(errorBox('A suppression needs a reason.'));
        sReason.input.focus();
        return;
      }
      if (!until.input.value) {
        sErrors.replaceChildren(errorBox('Choose the date until which the indicator is suppressed.'));
        until.input.focus();
        return;
      }
      run(sForm, sErrors, sButton, async () => {
        await api('POST', `/alerts/${id}/suppress`, { indicator: ind.input.value, until: until.input.value, reason: why });
        done(`${indicatorLabel(ind.input.value)} suppressed for this ${entityLabel(a.entity_type).toLowerCase()} until ${until.input.value}; the next screening leaves it out.`);
      });
    });
  }

  return h('aside', { class: 'actions-panel', 'aria-label': 'Actions on this alert' },
    h('h2', null, 'Actions'),
    formBlock('Change status', `Now: ${statusLabel(a.status)}.`, moves.length ? tForm : h('p', null, 'No move is possible from here.')),
    formBlock('Assign', a.assignee ? `Now assigned to ${a.assignee}.` : 'Now assigned to nobody.', aForm),
    sForm ? formBlock('Suppress an indicator', 'The sign stays in the evidence but is not scored for this entity until the date, from the next screening on.', sForm) : null);
}

export async function render(main, ctx) {
  const id = ctx.params[0];
  ctx.setTitle(`Alert ${id}`);
  let a;
  try {
    a = await api('GET', `/alerts/${id}`);
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('p', null, h('a', { href: '#/alerts' }, '← Back to the queue')),
      h('h1', { tabindex: '-1' }, `Alert ${id}`), errorBox(err.status === 404 ? `There is no alert ${id}.` : err.message));
    return;
  }
  if (!ctx.current()) return;
  ctx.setTitle(`Alert ${a.id}: ${entityLabel(a.entity_type)} ${a.entity_key}`);
  const facts = [
    ['Level', levelBadge(a.level)],
    ['Score', `${fmtScore(a.score)} of 100`],
    ['Status', statusBadge(a.status)],
    ['Assignee', a.assignee || 'nobody'],
    ['Region', a.region ? regionLabel(a.region) : 'unknown'],
    ['Employer', a.employer ? entityLink(ctx, 'employer', a.employer, a.employer) : 'unknown'],
    ['Nationality', a.nationality ? nationLabel(a.nationality) : 'unknown'],
    ['Raised', fmtTime(a.created_at)],
    ['Changed', fmtTime(a.updated_at)],
  ];
  // An escalated alert can become an NRM case (the person found by it is a
  // presumed victim): the new-case form, opened from this alert.
  const openCase = a.status === 'escalated' && ctx.can('case.write')
    ? h('a', { href: `#/cases/new?alert=${a.id}`, class: 'button-link primary' }, 'Open NRM case') : null;
  const related = (a.related || []).map((r) => h('li', null, entityLink(ctx, r.entity_type, r.entity_key)));
  const sup = (a.suppressions || []).map((s) => [indicatorLabel(s.indicator), s.until, s.created_by, fmtTime(s.created_at), s.reason]);

  const content = h('div', { class: 'detail-main' },
    h('section', { 'aria-labelledby': 'why-h' }, h('h2', { id: 'why-h' }, 'Why this alert'), explanation(a),
      a.explanation ? h('details', null, h('summary', null, 'The explanation as the command line prints it'), h('pre', { class: 'explain-text' }, a.explanation)) : null),
    h('section', { 'aria-labelledby': 'ind-h' }, h('h2', { id: 'ind-h' }, 'Indicator breakdown'), breakdown(a) || h('p', null, 'No indicators.')),
    h('section', { 'aria-labelledby': 'rec-h' }, h('h2', { id: 'rec-h' }, 'Evidence records'), evidenceRecords(ctx, a)),
    h('section', { 'aria-labelledby': 'rel-h' }, h('h2', { id: 'rel-h' }, 'Related entities'),
      related.length ? h('ul', { class: 'related' }, related) : h('p', null, 'None recorded.')),
    h('section', { 'aria-labelledby': 'hist-h' }, h('h2', { id: 'hist-h' }, 'History'), history(a)),
    sup.length ? h('section', { 'aria-labelledby': 'sup-h' }, h('h2', { id: 'sup-h' }, 'Suppressions'),
      table('Indicators suppressed for this entity', [{ label: 'Indicator' }, { label: 'Until' }, { label: 'By' }, { label: 'When' }, { label: 'Reason' }], sup)) : null);

  add(main, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/alerts' }, '← Back to the queue')),
    h('h1', { tabindex: '-1' }, `Alert ${a.id}: ${entityLabel(a.entity_type)} `, h('span', { class: 'key' }, a.entity_key)),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v)))),
    ctx.can('entity.read') || openCase ? h('p', { class: 'actions' },
      ctx.can('entity.read') ? h('a', { href: entityHref(a.entity_type, a.entity_key), class: 'button-link' },
        `Open the ${entityLabel(a.entity_type).toLowerCase()}'s page and network`) : null,
      openCase) : null,
    h('div', { class: 'detail-grid' + (ctx.can('alert.write') ? '' : ' single') }, content, ctx.can('alert.write') ? actions(ctx, a) : null));
}
