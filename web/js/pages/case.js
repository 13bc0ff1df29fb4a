// One NRM case: GET /api/v1/cases/{id} (the case view of docs/api.md; the
// read is audited). The header (stage, owner, deadlines, reflection
// period), the timeline of stages, what the caller may read of the
// profile, identity, contact and narrative, the alert's copied evidence,
// services, referrals with their consents, the suspected offenders (GET
// /cases/{id}/offenders, codes only), attachments; and the actions the
// caller may take: the owner's (stage moves the server offers in
// allowed_moves, services, referrals, consent, emergency referral,
// suspected offenders, attachments, editing) and a receiver's (its
// referral's steps, the services it provides).
//
// Stale versions: every change sends the version it was based on. A 409
// that says the case (or a service or referral) changed meanwhile redraws
// the page from the current state, says "someone else changed this case",
// and puts back whatever the user had typed into the forms
// (case-form.js: markInitial / snapshotInputs / restoreInputs).
//
// What the API could add for this page: a list of organisation names to
// refer to (the "to" and "provider" boxes suggest the organisations seen
// on the case and the caller's own; the server refuses an unknown name).

import { api } from '../api.js';
import { h, add, clear, field, table, errorBox } from '../dom.js';
import { t, tn, has, label, lower, fmtNumber, todayYerevan } from '../i18n.js';
import { fmtTime, fmtBytes, fmtScore, indicatorLabel } from '../labels.js';
import {
  SERVICE_CODES, CATEGORY_CODES, SEX_CODES, AGE_GROUP_CODES,
  stageLabel, moveLabel, serviceLabel, stageBadge, overdueBadge, referralBadge, serviceBadge,
  codesLabel, oneLabel, countryLabel,
} from '../case-labels.js';
import { caseFields, countryOptions, markInitial, snapshotInputs, restoreInputs } from '../case-form.js';
import { personSection } from '../person-panel.js';
import { loadDirectory, orgSelect, selectField } from '../directory.js';

// The Armenian calendar day, as the server counts days.
export function todayAM() {
  return todayYerevan();
}

const facts = (pairs) => h('dl', { class: 'facts' },
  pairs.filter(Boolean).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));

const kv = (caption, pairs) => table(caption, [{ label: t('entity.col_field') }, { label: t('entity.col_value') }],
  pairs.map(([k, v]) => [{ th: k }, v === null || v === undefined || v === '' ? h('span', { class: 'muted' }, t('common.not_recorded')) : v]),
  { class: 'kv', hideCaption: true });

function section(id, title, ...content) {
  return h('section', { class: 'case-section', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), content);
}

// A button that opens a small form asking for a reason (required or not)
// and sends it: for rejecting, revoking, withdrawing.
function reasonButton(text, opts, onConfirm) {
  const box = h('div', { class: 'reason-box', hidden: true });
  const reason = field(opts.reasonLabel || t('common.reason'), 'textarea', { id: `${opts.id}-reason`, rows: 2, maxlength: 2000 },
    { hint: opts.required ? t('case.reason_required') : t('case.reason_optional') });
  const errors = h('div');
  const confirm = h('button', { type: 'submit', class: 'primary' }, opts.confirm || text);
  const cancel = h('button', { type: 'button', class: 'secondary' }, t('common.cancel'));
  const form = h('form', { class: 'stack', id: opts.id }, errors, reason.wrap, h('div', { class: 'actions' }, confirm, cancel));
  box.appendChild(form);
  const open = h('button', { type: 'button', class: opts.danger ? 'secondary danger' : 'secondary', 'aria-expanded': 'false' }, text);
  open.addEventListener('click', () => {
    box.hidden = !box.hidden;
    open.setAttribute('aria-expanded', String(!box.hidden));
    if (!box.hidden) reason.input.focus();
  });
  cancel.addEventListener('click', () => {
    box.hidden = true;
    open.setAttribute('aria-expanded', 'false');
    open.focus();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    errors.replaceChildren();
    const why = reason.input.value.trim();
    if (opts.required && !why) {
      errors.appendChild(errorBox(t('case.needs_reason', { action: text })));
      reason.input.focus();
      return;
    }
    onConfirm(why, errors, confirm);
  });
  return h('div', { class: 'reason-action' }, open, box);
}

// The timeline's words for one event.
export function eventText(e) {
  const d = e.detail && typeof e.detail === 'object' ? e.detail : {};
  switch (e.kind) {
    case 'opened':
      return [t('ev.opened', { stage: stageLabel(e.to_stage || 'presumed_victim') }),
        d.alert ? [' ', tn('ev.opened_from', { alert: h('a', { href: `#/alerts/${d.alert}` }, t('alert.ref', { id: d.alert })) })] : null,
        d.preid_due ? [' ', t('ev.preid_due', { date: d.preid_due })] : null];
    case 'stage':
      return [tn(e.from_stage === 'closed' ? 'ev.reopened' : 'ev.moved', { from: h('strong', null, stageLabel(e.from_stage)), to: h('strong', null, stageLabel(e.to_stage)) }),
        d.decision_date ? [' ', t('ev.decision_of', { date: d.decision_date })] : null];
    case 'update':
      return Array.isArray(d.fields) && d.fields.length ? t('ev.changed', { fields: d.fields.map((f) => label('field', f).toLowerCase()).join(', ') }) : t('ev.changed_case');
    case 'service':
      return d.from ? t('ev.service_step', { service: serviceLabel(d.service), from: lower(label('service_status', d.from)), to: lower(label('service_status', d.to)) })
        : t('ev.service_offered', { service: serviceLabel(d.service) });
    case 'referral':
      if (d.emergency) return t('ev.emergency', { id: d.referral, services: codesLabel('service', d.services) });
      if (d.from) return t('ev.referral_step', { id: d.referral, from: lower(label('referral_status', d.from)), to: lower(label('referral_status', d.to)) });
      return t('ev.referral_drafted', { id: d.referral, services: codesLabel('service', d.services) });
    case 'consent':
      if (d.withdrawn) return t('ev.consent_withdrawn', { consent: d.consent, id: d.referral });
      return d.given ? t('ev.consent_given', { consent: d.consent, id: d.referral, categories: codesLabel('category_short', d.categories), until: d.until })
        : t('ev.consent_refused', { id: d.referral });
    case 'attachment':
      return d.size !== undefined ? t('ev.attached', { type: d.media_type, size: fmtBytes(d.size) }) : t('ev.attachment_read', { id: d.attachment });
    case 'review':
      return t('ev.reviewed', { id: d.referral });
    case 'offender':
      return d.offender_id ? t('ev.offender', { id: d.offender_id }) : label('case_event', e.kind);
    default:
      return label('case_event', e.kind);
  }
}

function timeline(c) {
  const items = (c.timeline || []).map((e) => h('li', { class: `event event-${e.kind}` },
    h('div', { class: 'event-when' }, h('time', { datetime: e.at }, fmtTime(e.at))),
    h('div', { class: 'event-what' },
      h('p', null, eventText(e)),
      h('p', { class: 'event-who' }, t('common.by', { who: `${e.actor || '–'}${e.actor_org ? ` (${e.actor_org})` : ''}` })),
      e.reason ? h('p', { class: 'event-reason' }, h('span', { class: 'muted' }, t('case.why'), ' '), e.reason) : null)));
  if (!items.length) return h('p', null, t('case.nothing_yet'));
  return h('ol', { class: 'timeline', 'aria-label': t('case.timeline_label') }, items);
}

// Which stages the case went through, in order, for the stage strip.
function stageStrip(c) {
  const seen = [];
  for (const e of c.timeline || []) {
    if (e.to_stage && (e.kind === 'opened' || e.kind === 'stage')) seen.push({ stage: e.to_stage, at: e.at });
  }
  if (!seen.length) return null;
  return h('ol', { class: 'stage-strip', 'aria-label': t('case.stages_so_far') },
    seen.map((s, i) => h('li', { class: i === seen.length - 1 ? 'current' : null, 'aria-current': i === seen.length - 1 ? 'step' : null },
      h('span', { class: 'stage-name' }, stageLabel(s.stage)), h('span', { class: 'stage-at' }, fmtTime(s.at).slice(0, 10)))));
}

export function caseHeader(c) {
  const due = c.overdue ? overdueBadge(c.preid_due) : c.preid_due ? t('case.due', { date: c.preid_due }) : t('case.decided');
  return facts([
    [t('case.h_stage'), stageBadge(c.stage)],
    [t('case.h_owner'), c.owner_org],
    [t('case.h_opened'), t('common.at_by', { when: fmtTime(c.opened_at), who: c.opened_by })],
    [t('case.h_preid'), due],
    [t('field.presumed_on'), c.presumed_on || '–'],
    [t('case.h_reflection'), [c.reflection_until || '–', ' ', h('span', { class: 'tag' }, c.in_reflection ? t('case.in_progress') : t('case.ended'))]],
    c.decision ? [t('case.h_decision'), c.decision_date ? t('case.decision_on', { decision: stageLabel(c.decision), date: c.decision_date }) : stageLabel(c.decision)] : null,
    c.closed_at ? [t('case.h_closed'), fmtTime(c.closed_at)] : null,
    [t('case.h_changed'), fmtTime(c.updated_at)],
  ]);
}

export function profileTable(c) {
  return kv(t('caseform.profile'), [
    [t('field.sex'), c.sex ? oneLabel('sex', c.sex) : ''],
    [t('field.age_group'), c.age_group ? oneLabel('age_group', c.age_group) : ''],
    [t('field.citizenship'), c.citizenship ? countryLabel(c.citizenship) : ''],
    [t('field.country_of_exploitation'), c.country_of_exploitation ? countryLabel(c.country_of_exploitation) : ''],
    [t('field.exploitation'), (c.exploitation || []).length ? codesLabel('exploitation', c.exploitation) : ''],
    [t('field.means_of_control'), (c.means_of_control || []).length ? codesLabel('control', c.means_of_control) : ''],
    [t('field.recruiter'), (c.recruiter || []).length ? codesLabel('recruiter', c.recruiter) : ''],
    [t('field.labour_sector'), (c.labour_sector || []).length ? codesLabel('sector', c.labour_sector) : ''],
    [t('field.cooperating_with_police'), c.cooperating_with_police ? t('case.police_yes') : t('case.police_no')],
  ]);
}

export function identityTable(c, show) {
  const rows = [];
  // a field that does not open with the server's key file says so, rather
  // than "not recorded"
  const bad = new Set(c.unreadable || []);
  const v = (f, x) => (bad.has(f) ? h('span', { class: 'muted unreadable' }, t('case.field_unreadable')) : x);
  if (show.identity) {
    rows.push([t('field.name'), v('name', c.name)], [t('field.birth_date'), v('birth_date', c.birth_date)],
      [t('field.worker_key'), v('worker_key', c.worker_key ? h('span', { class: 'key' }, c.worker_key) : '')]);
  }
  if (show.contact) rows.push([t('field.phone'), v('phone', c.phone)], [t('field.email'), v('email', c.email)], [t('field.address'), v('address', c.address)]);
  return kv(t('case.identity_contact'), rows);
}

export function evidenceBlock(c) {
  const ev = c.evidence;
  if (!ev) return null;
  const inds = Array.isArray(ev.indicators) ? ev.indicators : [];
  return h('div', { class: 'evidence' },
    h('p', null, c.alert_id ? tn('case.evidence_from', { alert: h('a', { href: `#/alerts/${c.alert_id}` }, t('alert.ref', { id: c.alert_id })) }) : t('case.evidence_copied'),
      typeof ev.score === 'number' ? [' ', t('case.evidence_score', { score: fmtScore(ev.score) })] : null),
    inds.length ? h('ul', null, inds.map((i) => h('li', null, h('strong', null, indicatorLabel(i.id)), ': ', has(`expl.${i.id}`) ? t(`expl.${i.id}`) : i.text || ''))) : null);
}

// What a receiving organisation is told about its access to a case: what
// the person consented to share, or (an emergency referral, no consent)
// that it was sent because a life is at risk and why.
export function receiverText(c, org) {
  const mine = (c.referrals || []).filter((r) => r.to === org && r.in_force);
  const emergency = mine.length > 0 && mine.every((r) => r.emergency);
  if (emergency) {
    const why = mine.map((r) => r.reason).filter(Boolean).join('; ');
    return t('case.receiver_emergency', { owner: c.owner_org, categories: categoriesText(c.categories), reason: why || t('common.not_recorded') });
  }
  return t('case.receiver_note', { owner: c.owner_org, categories: categoriesText(c.categories) });
}

// The suspected offenders of a case in words (never the codes), or the
// sentence that there are none: the case page and its printable summary.
export function offendersTable(offenders) {
  const unknown = t('common.not_recorded_cap');
  const rows = offenders.map((o) => [{ th: o.sex ? label('sex', o.sex) : unknown },
    o.age_group ? label('age_group', o.age_group) : unknown, o.citizenship ? countryLabel(o.citizenship) : unknown,
    t('common.at_by', { when: fmtTime(o.recorded_at), who: o.recorded_by })]);
  return rows.length ? table(t('case.offenders_caption'), [{ label: t('field.sex') }, { label: t('field.age_group') },
    { label: t('field.citizenship') }, { label: t('case.col_recorded') }], rows, { class: 'offenders' })
    : h('p', { id: 'no-offenders' }, t('case.no_offenders'));
}

export function categoriesText(cats) {
  return (cats || []).map((k) => label('category_short', k)).join(', ') || t('common.none');
}

export async function render(main, ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('case.title', { id }));
  const me = ctx.me.principal;
  const canWrite = ctx.can('case.write');
  let c;
  try {
    c = await api('GET', `/cases/${id}`);
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, t('common.back_cases'))),
      h('h1', { tabindex: '-1' }, t('case.title', { id })),
      errorBox(err.status === 404 ? t('case.no_such', { id }) : err.message));
    return;
  }
  if (!ctx.current()) return;
  // the suspected offenders (any access to the case may read them; the read
  // is audited): a failure is said in their section, the rest of the case
  // is still shown
  let offenders = null;
  let offendersErr = null;
  try {
    offenders = (await api('GET', `/cases/${id}/offenders`)).offenders || [];
  } catch (err) {
    offendersErr = err;
  }
  if (!ctx.current()) return;
  // the organisations a referral or a service can name
  const dir = canWrite ? await loadDirectory().catch(() => ({ people: [], organisations: [] })) : { organisations: [] };
  if (!ctx.current()) return;

  // ---- after a change: reload; after a stale answer: redraw, keep what was typed ----
  const done = (msg) => {
    ctx.flash(msg, 'ok', true);
    ctx.go(location.hash);
  };
  let openMoveTo = null; // the stage move whose form is open
  async function stale(err, where) {
    const snap = snapshotInputs(main);
    const moving = openMoveTo;
    let fresh = err.data && err.data.current && err.data.current.id ? err.data.current : null;
    if (!fresh) {
      try {
        fresh = await api('GET', `/cases/${id}`);
      } catch (e2) {
        if (ctx.current()) where.replaceChildren(errorBox(t('case.reload_failed', { error: e2.message })));
        return;
      }
    }
    if (!ctx.current()) return;
    c = fresh;
    draw();
    // the move form the user was filling in, if that move is still allowed
    const again = moving && main.querySelector(`.move-buttons button[data-to="${moving}"]`);
    if (again) again.click();
    const kept = restoreInputs(main, snap);
    const banner = h('div', { class: 'error-box conflict', role: 'alert', tabindex: '-1', id: 'conflict' },
      h('strong', null, t('case.stale_title')), ' ', t(kept ? 'case.stale_kept' : 'case.stale'));
    main.insertBefore(banner, main.querySelector('.detail-grid'));
    banner.focus();
  }
  // Runs one change; errors go to `errors`, a stale answer to stale().
  async function run(errors, button, fn) {
    errors.replaceChildren();
    if (button) button.disabled = true;
    try {
      await fn();
    } catch (err) {
      if (!ctx.current()) return;
      const d = err.data || {};
      if (err.status === 409 && (d.current || d.current_version !== undefined)) await stale(err, errors);
      else errors.appendChild(errorBox(err.message));
    } finally {
      if (button) button.disabled = false;
    }
  }

  function draw() {
    clear(main);
    openMoveTo = null;
    const owner = c.access === 'owner';
    const ownerWrite = owner && canWrite;
    const cats = new Set(c.categories || []);
    const orgs = new Set([me.org]);
    for (const r of c.referrals || []) orgs.add(r.to).add(r.from);
    for (const s of c.services || []) orgs.add(s.provider);
    const orgList = h('datalist', { id: 'case-orgs' }, [...orgs].filter(Boolean).sort().map((o) => h('option', { value: o })));

    ctx.setTitle(t('case.title', { id: c.id }) + (c.name ? `: ${c.name}` : ''));
    const receiverNote = owner ? null : h('p', { class: 'note-box' }, receiverText(c, me.org));

    const content = h('div', { class: 'detail-main' },
      section('timeline', t('case.timeline'), stageStrip(c), timeline(c)),
      cats.has('profile') ? section('profile', t('caseform.profile'), profileTable(c)) : null,
      cats.has('identity') || cats.has('contact') ? section('identity', t('case.identity_contact'),
        identityTable(c, { identity: cats.has('identity'), contact: cats.has('contact') })) : null,
      cats.has('narrative') ? section('narrative', t('caseform.narrative'),
        c.narrative ? h('p', { class: 'narrative' }, c.narrative)
          : h('p', { class: 'muted' }, t((c.unreadable || []).includes('narrative') ? 'case.field_unreadable' : 'case.no_narrative'))) : null,
      c.evidence ? section('evidence', t('case.evidence'), evidenceBlock(c)) : null,
      // the person's records across the registers, within the viewer's scope
      cats.has('identity') ? personSection(`/cases/${c.id}/person`, 'case', ctx) : null,
      servicesSection(ownerWrite, cats, orgList),
      referralsSection(owner, ownerWrite),
      offendersSection(ownerWrite),
      c.attachments ? attachmentsSection(ownerWrite) : null,
      ownerWrite ? editSection() : null);

    add(main,
      h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, t('common.back_cases')), ' · ',
        h('a', { href: `#/cases/${c.id}/summary` }, t('case.printable'))),
      h('h1', { tabindex: '-1' }, t('case.title', { id: c.id }), c.name ? `: ${c.name}` : ''),
      caseHeader(c),
      receiverNote,
      orgList,
      h('div', { class: 'detail-grid' + (ownerWrite ? '' : ' single') }, content, ownerWrite ? actionsPanel() : null));
    markInitial(main);
  }

  // ---- the actions panel: stage moves, emergency referral ----
  function actionsPanel() {
    const moves = c.allowed_moves || [];
    const errors = h('div');
    const moveForm = h('div', { id: 'move-box' });
    const buttons = moves.map((m) => h('button', {
      type: 'button', class: m.to === 'closed' ? 'secondary' : 'primary', 'aria-controls': 'move-box',
      dataset: { to: m.to }, onclick: () => openMove(m),
    }, moveLabel(c.stage, m.to)));

    function openMove(m) {
      errors.replaceChildren();
      openMoveTo = m.to;
      const reason = field(m.needs_reason ? t('case.reason_req') : t('case.reason_opt'), 'textarea',
        { id: `move-${m.to}-reason`, rows: 3, maxlength: 2000 },
        { hint: m.to === 'identified' || m.to === 'not_identified' ? t('case.decision_reasons') : t('case.kept_history') });
      const date = m.needs_date ? field(t('case.decision_date'), 'input',
        { id: `move-${m.to}-date`, type: 'date', max: todayAM() }, { hint: t('case.not_future') }) : null;
      const confirm = h('button', { type: 'submit', class: 'primary' }, t('case.confirm_move', { move: moveLabel(c.stage, m.to) }));
      const cancel = h('button', {
        type: 'button', class: 'secondary',
        onclick: () => {
          moveForm.replaceChildren();
          openMoveTo = null;
        },
      }, t('common.cancel'));
      const form = h('form', { class: 'stack', id: 'move-form' },
        h('p', null, t('case.from_to', { from: stageLabel(c.stage), to: stageLabel(m.to) })), reason.wrap, date ? date.wrap : null,
        h('div', { class: 'actions' }, confirm, cancel));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        errors.replaceChildren();
        const why = reason.input.value.trim();
        if (m.needs_reason && !why) {
          errors.appendChild(errorBox(t('case.move_needs_reason', { stage: stageLabel(m.to) })));
          reason.input.focus();
          return;
        }
        if (date && !date.input.value) {
          errors.appendChild(errorBox(t('case.move_needs_date')));
          date.input.focus();
          return;
        }
        const body = { to: m.to, version: c.version };
        if (why) body.reason = why;
        if (date) body.decision_date = date.input.value;
        run(errors, confirm, async () => {
          const n = await api('POST', `/cases/${c.id}/transition`, body);
          done(t('case.done_moved', { id: c.id, stage: stageLabel(n.stage) }));
        });
      });
      moveForm.replaceChildren(form);
      reason.input.focus();
    }

    let emergency = null;
    if (ctx.can('case.emergency')) {
      const eErrors = h('div');
      const to = selectField(t('field.to'), orgSelect(dir, { id: 'emg-to' }, { exclude: me.org, empty: t('case.choose_org') }));
      const svc = h('fieldset', { class: 'checks' }, h('legend', null, t('case.services_needed')),
        SERVICE_CODES.filter((k) => k !== 'state_payment').map((k) =>
          h('label', { class: 'check', for: `emg-svc-${k}` }, h('input', { type: 'checkbox', id: `emg-svc-${k}`, name: 'emg-services', value: k }), serviceLabel(k))));
      const reason = field(t('case.emg_reason'), 'textarea', { id: 'emg-reason', rows: 3, maxlength: 2000 });
      const send = h('button', { type: 'submit', class: 'primary danger' }, t('case.emg_send'));
      const form = h('form', { class: 'stack', id: 'emergency-form' }, eErrors, to.wrap, svc, reason.wrap, h('div', { class: 'actions' }, send));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        eErrors.replaceChildren();
        const services = [...form.querySelectorAll('input[name="emg-services"]:checked')].map((i) => i.value);
        const why = reason.input.value.trim();
        const org = to.input.value.trim();
        if (!org || !services.length || !why) {
          eErrors.appendChild(errorBox(t('case.emg_needs')));
          (!org ? to.input : !why ? reason.input : form.querySelector('input[name="emg-services"]')).focus();
          return;
        }
        run(eErrors, send, async () => {
          const r = await api('POST', `/cases/${c.id}/emergency`, { to: org, services, reason: why });
          done(t('case.emg_done', { id: r.id, org }));
        });
      });
      emergency = h('details', { class: 'action-block emergency' },
        h('summary', null, t('case.emg_title')),
        h('p', { class: 'hint' }, t('case.emg_hint')),
        form);
    }

    return h('aside', { class: 'actions-panel', 'aria-label': t('case.actions_label') },
      h('h2', null, t('alert.actions')),
      h('section', { class: 'action-block' }, h('h3', null, t('case.move_title')),
        h('p', { class: 'hint' }, t('alert.now_status', { status: stageLabel(c.stage) })),
        errors,
        moves.length ? h('div', { class: 'move-buttons' }, buttons) : h('p', null, t('alert.no_move')),
        moveForm),
      emergency);
  }

  // ---- services ----
  function servicesSection(ownerWrite, cats, orgList) {
    const list = c.services;
    if (!list && !ownerWrite) return null;
    const errors = h('div');
    const rows = (list || []).map((s) => {
      const mine = canWrite && (ownerWrite || s.provider === me.org);
      const step = (to, text) => h('button', {
        type: 'button', class: 'secondary small',
        onclick: (e) => run(errors, e.currentTarget, async () => {
          await api('POST', `/services/${s.id}`, { status: to, version: s.version });
          done(t('case.service_done', { service: serviceLabel(s.service), status: lower(label('service_status', to)) }));
        }),
      }, text);
      const acts = !mine ? [] : s.status === 'offered' ? [step('accepted', t('service_status.accepted')), step('declined', t('service_status.declined'))]
        : s.status === 'accepted' ? [step('delivered', t('service_status.delivered'))] : [];
      return [{ th: serviceLabel(s.service) }, s.provider, serviceBadge(s.status),
        s.amount_amd ? t('unit.amd', { v: fmtNumber(s.amount_amd) }) : '–', fmtTime(s.offered_at), fmtTime(s.updated_at),
        acts.length ? h('div', { class: 'row-actions', 'aria-label': t('case.record_for', { service: serviceLabel(s.service) }) }, acts) : '–'];
    });
    const tableEl = rows.length ? table(t('case.services_caption'), [{ label: t('field.service') }, { label: t('field.provider') },
      { label: t('field.status') }, { label: t('case.col_amount') }, { label: t('case.col_offered') }, { label: t('case.col_changed') }, { label: t('case.col_record') }], rows, { class: 'services' })
      : h('p', null, t('case.no_services'));
    let offer = null;
    if (ownerWrite) {
      const oErrors = h('div');
      const svc = field(t('field.service'), 'select', { id: 'offer-service' }, { options: SERVICE_CODES.map((k) => [k, serviceLabel(k)]) });
      const prov = selectField(t('field.provider'), orgSelect(dir, { id: 'offer-provider', value: me.org }),
        t('case.provider_hint', { org: me.org }));
      const b = h('button', { type: 'submit', class: 'primary' }, t('case.offer'));
      offer = h('form', { class: 'inline-form', id: 'offer-form' }, svc.wrap, prov.wrap, h('div', { class: 'actions' }, b), oErrors);
      offer.addEventListener('submit', (e) => {
        e.preventDefault();
        const body = { service: svc.input.value };
        if (prov.input.value && prov.input.value !== me.org) body.provider = prov.input.value;
        run(oErrors, b, async () => {
          await api('POST', `/cases/${c.id}/services`, body);
          done(body.provider ? t('case.offered_by', { service: serviceLabel(body.service), org: body.provider }) : t('case.offered', { service: serviceLabel(body.service) }));
        });
      });
    }
    return section('services', t('field.services'), errors, tableEl,
      !cats.has('services') && !ownerWrite ? h('p', { class: 'hint' }, t('case.only_own_services')) : null,
      offer ? h('h3', null, t('case.offer_title')) : null, offer);
  }

  // ---- referrals and consent ----
  function consentForm(r) {
    const pre = `consent-${r.id}`;
    const errors = h('div');
    const given = h('input', { type: 'radio', name: `${pre}-given`, id: `${pre}-given`, value: 'given', checked: true });
    const refused = h('input', { type: 'radio', name: `${pre}-given`, id: `${pre}-refused`, value: 'refused' });
    const cats = h('fieldset', { class: 'checks', id: `${pre}-cats` }, h('legend', null, t('case.consent_what', { org: r.to })),
      CATEGORY_CODES.map((k) => h('label', { class: 'check', for: `${pre}-cat-${k}` },
        h('input', { type: 'checkbox', id: `${pre}-cat-${k}`, name: `${pre}-cats`, value: k }), label('category', k))));
    const purpose = field(t('case.consent_purpose'), 'input', { id: `${pre}-purpose`, maxlength: 500, size: 40 });
    const until = field(t('case.consent_until'), 'input', { id: `${pre}-until`, type: 'date', min: todayAM() });
    const b = h('button', { type: 'submit', class: 'primary' }, t('case.consent_record'));
    const form = h('form', { class: 'stack consent-form', id: `${pre}-form` },
      h('fieldset', { class: 'checks inline' }, h('legend', null, t('case.consent_person')),
        h('label', { class: 'check', for: given.id }, given, t('case.consent_gave')),
        h('label', { class: 'check', for: refused.id }, refused, t('case.consent_refused'))),
      cats, purpose.wrap, until.wrap, h('div', { class: 'actions' }, b), errors);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      errors.replaceChildren();
      let body;
      if (refused.checked) {
        body = { given: false };
        if (purpose.input.value.trim()) body.purpose = purpose.input.value.trim();
      } else {
        const categories = [...form.querySelectorAll(`input[name="${pre}-cats"]:checked`)].map((i) => i.value);
        const missing = !categories.length ? 'case.consent_needs_categories' : !purpose.input.value.trim() ? 'case.consent_needs_purpose' : !until.input.value ? 'case.consent_needs_until' : null;
        if (missing) {
          errors.appendChild(errorBox(t(missing)));
          (!categories.length ? form.querySelector(`input[name="${pre}-cats"]`) : !purpose.input.value.trim() ? purpose.input : until.input).focus();
          return;
        }
        body = { given: true, categories, purpose: purpose.input.value.trim(), until: until.input.value };
      }
      run(errors, b, async () => {
        await api('POST', `/referrals/${r.id}/consent`, body);
        done(body.given ? t('case.consent_done', { id: r.id, org: r.to }) : t('case.refusal_done', { id: r.id }));
      });
    });
    return h('details', { class: 'sub-form', open: r.status === 'draft' }, h('summary', null, t('case.consent_title')), form);
  }

  function referralCard(r, owner, ownerWrite) {
    const errors = h('div');
    const receiver = !owner && r.to === me.org;
    const acts = [];
    const op = (o, text, doneKey, cls = 'primary') => h('button', {
      type: 'button', class: cls,
      onclick: (e) => run(errors, e.currentTarget, async () => {
        await api('POST', `/referrals/${r.id}/act`, { op: o, version: r.version });
        done(t(doneKey, { id: r.id, case: c.id }));
      }),
    }, text);
    const consents = r.consents || [];
    const inForce = consents.find((k) => k.in_force);
    if (ownerWrite) {
      if (r.status === 'draft') {
        acts.push(h('button', {
          type: 'button', class: 'primary', disabled: !inForce,
          title: inForce ? null : t('case.send_needs_consent'),
          onclick: (e) => run(errors, e.currentTarget, async () => {
            await api('POST', `/referrals/${r.id}/send`, { version: r.version });
            done(t('case.sent_done', { id: r.id, org: r.to }));
          }),
        }, t('case.send')));
      }
      if (['draft', 'pending', 'accepted'].includes(r.status)) {
        acts.push(reasonButton(t('case.revoke'), { id: `revoke-${r.id}`, required: true, danger: true }, (why, errs, b) =>
          run(errs, b, async () => {
            await api('POST', `/referrals/${r.id}/act`, { op: 'revoke', version: r.version, reason: why });
            done(t('case.revoked_done', { id: r.id, org: r.to }));
          })));
      }
    } else if (receiver && canWrite) {
      if (r.status === 'pending') {
        acts.push(op('accept', t('inbox.accept'), 'case.accepted_done'));
        acts.push(reasonButton(t('inbox.reject'), { id: `reject-${r.id}`, required: true }, (why, errs, b) =>
          run(errs, b, async () => {
            await api('POST', `/referrals/${r.id}/act`, { op: 'reject', version: r.version, reason: why });
            done(t('inbox.done_rejected', { id: r.id }));
          })));
      }
      if (r.status === 'accepted') acts.push(op('complete', t('inbox.mark_done'), 'case.completed_done'));
    }
    const consentRows = consents.map((k) => [
      k.given ? t('case.consent_given') : t('case.consent_refused_word'),
      k.given ? codesLabel('category_short', k.categories || []) : '–',
      k.purpose === null || k.purpose === undefined ? h('span', { class: 'muted' }, t('case.not_shown')) : k.purpose || '–',
      k.until || '–', t('common.at_by', { when: fmtTime(k.recorded_at), who: k.recorded_by }),
      k.withdrawn_at ? t('case.withdrawn_at', { when: fmtTime(k.withdrawn_at) }) : k.in_force ? h('strong', null, t('case.in_force')) : t('case.not_in_force'),
      ownerWrite && k.given && !k.withdrawn_at && ['draft', 'pending', 'accepted'].includes(r.status) ? reasonButton(t('case.withdraw'), { id: `withdraw-${k.id}`, required: false, danger: true }, (why, errs, b) =>
        run(errs, b, async () => {
          await api('POST', `/consents/${k.id}/withdraw`, why ? { reason: why } : {});
          done(t('case.withdrawn_done', { org: r.to }));
        })) : '–',
    ]);
    return h('article', { class: 'referral-card', id: `referral-${r.id}`, 'aria-labelledby': `referral-${r.id}-h` },
      h('h3', { id: `referral-${r.id}-h` }, t('case.referral_to', { id: r.id, org: r.to }), ' ', referralBadge(r.status),
        r.emergency ? h('span', { class: 'badge emergency-badge' }, r.reviewed ? t('case.emergency_reviewed') : t('case.emergency')) : null),
      facts([
        [t('case.ref_from'), r.from],
        [t('inbox.for'), codesLabel('service', r.services)],
        [t('case.ref_created'), t('common.at_by', { when: fmtTime(r.created_at), who: r.created_by })],
        [t('case.col_changed'), fmtTime(r.updated_at)],
        [t('case.access_now'), r.in_force ? t('case.can_read', { org: r.to }) : t('common.none')],
        r.reason ? [t('common.reason'), r.reason] : null,
      ]),
      consentRows.length ? table(t('case.consent_caption', { id: r.id }), [{ label: t('case.col_consent') }, { label: t('field.categories') }, { label: t('field.purpose') },
        { label: t('field.until') }, { label: t('case.col_recorded') }, { label: t('case.col_now') }, { label: t('case.withdraw') }], consentRows, { class: 'consents' })
        : r.emergency ? null : h('p', { class: 'muted' }, t('case.no_consent')),
      ownerWrite && !inForce && ['draft', 'pending', 'accepted'].includes(r.status) && !r.emergency ? consentForm(r) : null,
      acts.length ? h('div', { class: 'actions' }, acts) : null,
      errors);
  }

  function referralsSection(owner, ownerWrite) {
    const list = c.referrals || [];
    let create = null;
    if (ownerWrite) {
      const errors = h('div');
      const to = selectField(t('field.to'), orgSelect(dir, { id: 'ref-to' }, { exclude: me.org, empty: t('case.choose_org') }),
        t('case.ref_to_hint'));
      const svc = h('fieldset', { class: 'checks' }, h('legend', null, t('case.for_services')),
        SERVICE_CODES.map((k) => h('label', { class: 'check', for: `ref-svc-${k}` },
          h('input', { type: 'checkbox', id: `ref-svc-${k}`, name: 'ref-services', value: k }), serviceLabel(k))));
      const b = h('button', { type: 'submit', class: 'primary' }, t('case.ref_create'));
      create = h('form', { class: 'stack', id: 'referral-form' }, errors, to.wrap, svc, h('div', { class: 'actions' }, b));
      create.addEventListener('submit', (e) => {
        e.preventDefault();
        errors.replaceChildren();
        const services = [...create.querySelectorAll('input[name="ref-services"]:checked')].map((i) => i.value);
        const org = to.input.value.trim();
        if (!org || !services.length) {
          errors.appendChild(errorBox(t('case.ref_needs')));
          (!org ? to.input : create.querySelector('input[name="ref-services"]')).focus();
          return;
        }
        run(errors, b, async () => {
          const r = await api('POST', `/cases/${c.id}/referrals`, { to: org, services });
          done(t('case.ref_done', { id: r.id, org }));
        });
      });
    }
    if (!list.length && !create) return null;
    return section('referrals', t('case.referrals'),
      ownerWrite ? h('p', { class: 'hint' }, t('case.referrals_hint')) : null,
      list.length ? list.map((r) => referralCard(r, owner, ownerWrite)) : h('p', null, t('case.no_referral')),
      create ? h('details', { class: 'sub-form' }, h('summary', null, t('case.new_referral')), create) : null);
  }

  // ---- suspected offenders (GLOTIP; POST /cases/{id}/offenders) ----
  // The list in words (never the codes); the owner's form offers only the
  // codes the server accepts (the case's sex and CTDC age lists, ISO 3166-1
  // alpha-3), each may stay "not recorded": an offender of whom nothing is
  // known is still counted.
  function offendersSection(ownerWrite) {
    const list = offendersErr ? errorBox(t('case.offenders_load_failed', { error: offendersErr.message }))
      : offendersTable(offenders || []);
    let form = null;
    if (ownerWrite) {
      const errors = h('div');
      const none = ['', t('common.not_recorded_cap')];
      const sex = field(t('field.sex'), 'select', { id: 'offender-sex' }, { options: [none, ...SEX_CODES.map((k) => [k, label('sex', k)])] });
      const age = field(t('field.age_group'), 'select', { id: 'offender-age_group' },
        { options: [none, ...AGE_GROUP_CODES.map((k) => [k, label('age_group', k)])] });
      const cit = field(t('field.citizenship'), 'select', { id: 'offender-citizenship' }, { options: countryOptions('') });
      const b = h('button', { type: 'submit', class: 'primary' }, t('case.offender_add'));
      form = h('form', { class: 'inline-form', id: 'offender-form' }, sex.wrap, age.wrap, cit.wrap, h('div', { class: 'actions' }, b), errors);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const body = {};
        for (const [k, f] of [['sex', sex], ['age_group', age], ['citizenship', cit]]) if (f.input.value) body[k] = f.input.value;
        run(errors, b, async () => {
          const r = await api('POST', `/cases/${c.id}/offenders`, body);
          done(t('case.offender_done', { id: r.id, case: c.id }));
        });
      });
    }
    return section('offenders', t('case.offenders'),
      h('p', { class: 'hint' }, t('case.offenders_hint')),
      list,
      ownerWrite ? [h('h3', null, t('case.offender_add_title')), h('p', { class: 'hint' }, t('case.offender_form_hint')), form]
        : c.access !== 'owner' ? h('p', { class: 'hint', id: 'offenders-owner-only' }, t('case.offenders_owner_only')) : null);
  }

  // ---- attachments ----
  function attachmentsSection(ownerWrite) {
    const rows = (c.attachments || []).map((a) => [
      { th: h('a', { href: `/api/v1/attachments/${a.id}`, download: a.name || `attachment-${a.id}` }, a.name || t('case.attachment_n', { id: a.id })) },
      a.media_type, fmtBytes(a.size), t('common.at_by', { when: fmtTime(a.added_at), who: a.added_by })]);
    let upload = null;
    if (ownerWrite) {
      const errors = h('div');
      const file = field(t('case.file'), 'input', { id: 'att-file', type: 'file' }, { hint: t('case.file_hint') });
      const b = h('button', { type: 'submit', class: 'primary' }, t('import.upload'));
      upload = h('form', { class: 'inline-form', id: 'attachment-form' }, file.wrap, h('div', { class: 'actions' }, b), errors);
      upload.addEventListener('submit', (e) => {
        e.preventDefault();
        errors.replaceChildren();
        const f = file.input.files && file.input.files[0];
        if (!f) {
          errors.appendChild(errorBox(t('case.choose_file')));
          file.input.focus();
          return;
        }
        run(errors, b, async () => {
          await api('POST', `/cases/${c.id}/attachments?name=${encodeURIComponent(f.name)}`, f,
            { raw: true, contentType: f.type || 'application/octet-stream' });
          done(t('case.attached_done', { name: f.name, id: c.id }));
        });
      });
    }
    return section('attachments', t('case.attachments'),
      rows.length ? table(t('case.files_caption'), [{ label: t('case.file') }, { label: t('case.col_type') }, { label: t('case.col_size'), class: 'num' }, { label: t('case.col_added') }], rows)
        : h('p', null, t('case.no_files')),
      upload);
  }

  // ---- editing the case's fields ----
  function editSection() {
    const form = caseFields('edit', c);
    const errors = h('div');
    const b = h('button', { type: 'submit', class: 'primary' }, t('case.save'));
    const el = h('form', { class: 'case-form', id: 'edit-form', novalidate: true }, errors, form.el, h('div', { class: 'actions' }, b));
    el.addEventListener('submit', (e) => {
      e.preventDefault();
      errors.replaceChildren();
      const body = form.changes(c);
      if (!Object.keys(body).length) {
        errors.appendChild(errorBox(t('case.nothing_changed')));
        return;
      }
      body.version = c.version;
      run(errors, b, async () => {
        await api('POST', `/cases/${c.id}`, body);
        done(t('case.saved', { id: c.id, fields: Object.keys(body).filter((k) => k !== 'version').map((k) => label('field', k).toLowerCase()).join(', ') }));
      });
    });
    return section('edit', t('case.edit'), h('details', { class: 'sub-form', id: 'edit-details' },
      h('summary', null, t('case.edit_summary')), el));
  }

  draw();
}
