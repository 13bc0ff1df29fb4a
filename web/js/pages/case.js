// One NRM case: GET /api/v1/cases/{id} (the case view of docs/api.md; the
// read is audited). The header (stage, owner, deadlines, reflection
// period), the timeline of stages, what the caller may read of the
// profile, identity, contact and narrative, the alert's copied evidence,
// services, referrals with their consents, attachments; and the actions
// the caller may take: the owner's (stage moves the server offers in
// allowed_moves, services, referrals, consent, emergency referral,
// attachments, editing) and a receiver's (its referral's steps, the
// services it provides).
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
import { fmtTime, fmtBytes, fmtScore, indicatorLabel } from '../labels.js';
import {
  SERVICES, CATEGORIES, SEX, AGE_GROUPS, EXPLOITATION, MEANS_OF_CONTROL, RECRUITER, LABOUR_SECTORS,
  stageLabel, moveLabel, serviceLabel, stageBadge, overdueBadge, referralBadge, serviceBadge,
  codesLabel, oneLabel, countryLabel,
} from '../case-labels.js';
import { caseFields, markInitial, snapshotInputs, restoreInputs } from '../case-form.js';

function ymd(d) {
  return d.toISOString().slice(0, 10);
}

// The Armenian calendar day (UTC+4), as the server counts days.
export function todayAM() {
  return ymd(new Date(Date.now() + 4 * 3600 * 1000));
}

const facts = (pairs) => h('dl', { class: 'facts' },
  pairs.filter(Boolean).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))));

const kv = (caption, pairs) => table(caption, [{ label: 'Field' }, { label: 'Value' }],
  pairs.map(([k, v]) => [{ th: k }, v === null || v === undefined || v === '' ? h('span', { class: 'muted' }, 'not recorded') : v]),
  { class: 'kv', hideCaption: true });

function section(id, title, ...content) {
  return h('section', { class: 'case-section', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), content);
}

// A button that opens a small form asking for a reason (required or not)
// and sends it: for rejecting, revoking, withdrawing.
function reasonButton(label, opts, onConfirm) {
  const box = h('div', { class: 'reason-box', hidden: true });
  const reason = field(opts.reasonLabel || 'Reason', 'textarea', { id: `${opts.id}-reason`, rows: 2, maxlength: 2000 },
    { hint: opts.required ? 'Required; kept in the case history.' : 'Optional; kept in the case history.' });
  const errors = h('div');
  const confirm = h('button', { type: 'submit', class: 'primary' }, opts.confirm || label);
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h('form', { class: 'stack', id: opts.id }, errors, reason.wrap, h('div', { class: 'actions' }, confirm, cancel));
  box.appendChild(form);
  const open = h('button', { type: 'button', class: opts.danger ? 'secondary danger' : 'secondary', 'aria-expanded': 'false' }, label);
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
      errors.appendChild(errorBox(`${label} needs a reason: write why.`));
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
      return [`Opened the case at "${stageLabel(e.to_stage || 'presumed_victim')}"`,
        d.alert ? [' from ', h('a', { href: `#/alerts/${d.alert}` }, `alert ${d.alert}`)] : null,
        d.preid_due ? `; pre-identification decision due ${d.preid_due}` : null, '.'];
    case 'stage':
      return [e.from_stage === 'closed' ? 'Reopened: ' : 'Moved ', 'from ', h('strong', null, stageLabel(e.from_stage)),
        ' to ', h('strong', null, stageLabel(e.to_stage)),
        d.decision_date ? ` (commission's decision of ${d.decision_date})` : null, '.'];
    case 'update':
      return `Changed ${Array.isArray(d.fields) && d.fields.length ? d.fields.join(', ').replace(/_/g, ' ') : 'the case'}.`;
    case 'service':
      return d.from ? `${serviceLabel(d.service)}: ${d.from} → ${d.to}.` : `Offered ${serviceLabel(d.service).toLowerCase()}.`;
    case 'referral':
      if (d.emergency) return `Emergency referral ${d.referral} sent without consent (${codesLabel(SERVICES, d.services)}).`;
      if (d.from) return `Referral ${d.referral}: ${d.from} → ${d.to}.`;
      return `Referral ${d.referral} drafted (${codesLabel(SERVICES, d.services)}).`;
    case 'consent':
      if (d.withdrawn) return `Consent ${d.consent} of referral ${d.referral} withdrawn.`;
      return d.given ? `Consent ${d.consent} given for referral ${d.referral}: ${String(d.categories || '').replace(/;/g, ', ')} until ${d.until}.`
        : `Consent refused for referral ${d.referral}.`;
    case 'attachment':
      return d.size !== undefined ? `Attached a file (${d.media_type}, ${fmtBytes(d.size)}).` : `Attachment ${d.attachment} read.`;
    case 'review':
      return `Emergency referral ${d.referral} reviewed.`;
    default:
      return e.kind;
  }
}

function timeline(c) {
  const items = (c.timeline || []).map((e) => h('li', { class: `event event-${e.kind}` },
    h('div', { class: 'event-when' }, h('time', { datetime: e.at }, fmtTime(e.at))),
    h('div', { class: 'event-what' },
      h('p', null, eventText(e)),
      h('p', { class: 'event-who' }, `by ${e.actor || '–'}${e.actor_org ? ` (${e.actor_org})` : ''}`),
      e.reason ? h('p', { class: 'event-reason' }, h('span', { class: 'muted' }, 'Why: '), e.reason) : null)));
  if (!items.length) return h('p', null, 'Nothing recorded yet.');
  return h('ol', { class: 'timeline', 'aria-label': 'What happened to this case, oldest first' }, items);
}

// Which stages the case went through, in order, for the stage strip.
function stageStrip(c) {
  const seen = [];
  for (const e of c.timeline || []) {
    if (e.to_stage && (e.kind === 'opened' || e.kind === 'stage')) seen.push({ stage: e.to_stage, at: e.at });
  }
  if (!seen.length) return null;
  return h('ol', { class: 'stage-strip', 'aria-label': 'Stages so far' },
    seen.map((s, i) => h('li', { class: i === seen.length - 1 ? 'current' : null, 'aria-current': i === seen.length - 1 ? 'step' : null },
      h('span', { class: 'stage-name' }, stageLabel(s.stage)), h('span', { class: 'stage-at' }, fmtTime(s.at).slice(0, 10)))));
}

export function caseHeader(c) {
  const due = c.overdue ? overdueBadge(c.preid_due) : c.preid_due ? `due ${c.preid_due}` : 'decided';
  return facts([
    ['Stage', stageBadge(c.stage)],
    ['Owner organisation', c.owner_org],
    ['Opened', `${fmtTime(c.opened_at)} by ${c.opened_by}`],
    ['Pre-identification decision', due],
    ['Presumed a victim on', c.presumed_on || '–'],
    ['Reflection period until', [c.reflection_until || '–', c.in_reflection ? h('span', { class: 'tag' }, 'in progress') : h('span', { class: 'tag' }, 'ended')]],
    c.decision ? ['Commission\'s decision', `${stageLabel(c.decision)}${c.decision_date ? ` on ${c.decision_date}` : ''}`] : null,
    c.closed_at ? ['Closed', fmtTime(c.closed_at)] : null,
    ['Last changed', fmtTime(c.updated_at)],
  ]);
}

export function profileTable(c) {
  return kv('Profile', [
    ['Sex', c.sex ? oneLabel(SEX, c.sex) : ''],
    ['Age group', c.age_group ? oneLabel(AGE_GROUPS, c.age_group) : ''],
    ['Citizenship', c.citizenship ? countryLabel(c.citizenship) : ''],
    ['Country of exploitation', c.country_of_exploitation ? countryLabel(c.country_of_exploitation) : ''],
    ['Forms of exploitation', (c.exploitation || []).length ? codesLabel(EXPLOITATION, c.exploitation) : ''],
    ['Means of control', (c.means_of_control || []).length ? codesLabel(MEANS_OF_CONTROL, c.means_of_control) : ''],
    ['Who recruited the person', (c.recruiter || []).length ? codesLabel(RECRUITER, c.recruiter) : ''],
    ['Sector', (c.labour_sector || []).length ? codesLabel(LABOUR_SECTORS, c.labour_sector) : ''],
    ['Cooperating with the police', c.cooperating_with_police ? 'yes (recorded only; nothing depends on it)' : 'no (nothing depends on it)'],
  ]);
}

export function identityTable(c, show) {
  const rows = [];
  if (show.identity) {
    rows.push(['Name', c.name], ['Birth date', c.birth_date], ['Document number', c.worker_key ? h('span', { class: 'key' }, c.worker_key) : '']);
  }
  if (show.contact) rows.push(['Phone', c.phone], ['E-mail', c.email], ['Address', c.address]);
  return kv('Identity and contact', rows);
}

export function evidenceBlock(c) {
  const ev = c.evidence;
  if (!ev) return null;
  const inds = Array.isArray(ev.indicators) ? ev.indicators : [];
  return h('div', { class: 'evidence' },
    h('p', null, c.alert_id ? ['Copied from ', h('a', { href: `#/alerts/${c.alert_id}` }, `alert ${c.alert_id}`), ' when the case was opened'] : 'Copied from the alert when the case was opened',
      typeof ev.score === 'number' ? `; it scored ${fmtScore(ev.score)} out of 100.` : '.'),
    inds.length ? h('ul', null, inds.map((i) => h('li', null, h('strong', null, indicatorLabel(i.id)), i.text ? `: ${i.text}` : ''))) : null);
}

export function categoriesText(cats) {
  return (cats || []).map((k) => k).join(', ') || 'none';
}

export async function render(main, ctx) {
  const id = ctx.params[0];
  ctx.setTitle(`Case ${id}`);
  const me = ctx.me.principal;
  const canWrite = ctx.can('case.write');
  let c;
  try {
    c = await api('GET', `/cases/${id}`);
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, '← Back to the cases')),
      h('h1', { tabindex: '-1' }, `Case ${id}`),
      errorBox(err.status === 404 ? `There is no case ${id} that your organisation may see.` : err.message));
    return;
  }
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
        if (ctx.current()) where.replaceChildren(errorBox(`${err.message} The case could not be reloaded: ${e2.message}`));
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
      h('strong', null, 'Someone else changed this case'), ` while you were working on it (${err.message}). ` +
      'The page now shows the current state' + (kept ? '; what you typed is still in the forms: check it against the changes and send it again.' : '.'));
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

    ctx.setTitle(`Case ${c.id}${c.name ? `: ${c.name}` : ''}`);
    const receiverNote = owner ? null : h('p', { class: 'note-box' },
      `This case belongs to ${c.owner_org} and was referred to your organisation. You see what the person consented to share: ${categoriesText(c.categories)}. ` +
      'Access ends when the consent is withdrawn or ends, or the referral is completed, rejected or revoked.');

    const content = h('div', { class: 'detail-main' },
      section('timeline', 'Timeline', stageStrip(c), timeline(c)),
      cats.has('profile') ? section('profile', 'Profile', profileTable(c)) : null,
      cats.has('identity') || cats.has('contact') ? section('identity', 'Identity and contact',
        identityTable(c, { identity: cats.has('identity'), contact: cats.has('contact') })) : null,
      cats.has('narrative') ? section('narrative', 'Narrative',
        c.narrative ? h('p', { class: 'narrative' }, c.narrative) : h('p', { class: 'muted' }, 'No narrative written yet.')) : null,
      c.evidence ? section('evidence', 'Evidence from the alert', evidenceBlock(c)) : null,
      servicesSection(ownerWrite, cats, orgList),
      referralsSection(owner, ownerWrite),
      c.attachments ? attachmentsSection(ownerWrite) : null,
      ownerWrite ? editSection() : null);

    add(main,
      h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, '← Back to the cases'), ' · ',
        h('a', { href: `#/cases/${c.id}/summary` }, 'Printable summary')),
      h('h1', { tabindex: '-1' }, `Case ${c.id}`, c.name ? `: ${c.name}` : ''),
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
      const reason = field(m.needs_reason ? 'Reason (required)' : 'Reason (optional)', 'textarea',
        { id: `move-${m.to}-reason`, rows: 3, maxlength: 2000 },
        { hint: m.to === 'identified' || m.to === 'not_identified' ? 'The reasons of the commission\'s decision.' : 'Kept in the case history.' });
      const date = m.needs_date ? field('Date of the commission\'s decision', 'input',
        { id: `move-${m.to}-date`, type: 'date', max: todayAM() }, { hint: 'Not in the future.' }) : null;
      const confirm = h('button', { type: 'submit', class: 'primary' }, `Confirm: ${moveLabel(c.stage, m.to).toLowerCase()}`);
      const cancel = h('button', {
        type: 'button', class: 'secondary',
        onclick: () => {
          moveForm.replaceChildren();
          openMoveTo = null;
        },
      }, 'Cancel');
      const form = h('form', { class: 'stack', id: 'move-form' },
        h('p', null, `From "${stageLabel(c.stage)}" to "${stageLabel(m.to)}".`), reason.wrap, date ? date.wrap : null,
        h('div', { class: 'actions' }, confirm, cancel));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        errors.replaceChildren();
        const why = reason.input.value.trim();
        if (m.needs_reason && !why) {
          errors.appendChild(errorBox(`Moving the case to "${stageLabel(m.to)}" needs a written reason.`));
          reason.input.focus();
          return;
        }
        if (date && !date.input.value) {
          errors.appendChild(errorBox('Give the date of the commission\'s decision.'));
          date.input.focus();
          return;
        }
        const body = { to: m.to, version: c.version };
        if (why) body.reason = why;
        if (date) body.decision_date = date.input.value;
        run(errors, confirm, async () => {
          const n = await api('POST', `/cases/${c.id}/transition`, body);
          done(`Case ${c.id} moved to "${stageLabel(n.stage)}".`);
        });
      });
      moveForm.replaceChildren(form);
      reason.input.focus();
    }

    let emergency = null;
    if (ctx.can('case.emergency')) {
      const eErrors = h('div');
      const to = field('To organisation', 'input', { id: 'emg-to', list: 'case-orgs', autocomplete: 'off' });
      const svc = h('fieldset', { class: 'checks' }, h('legend', null, 'Services needed'),
        Object.entries(SERVICES).filter(([k]) => k !== 'state_payment').map(([k, label]) =>
          h('label', { class: 'check', for: `emg-svc-${k}` }, h('input', { type: 'checkbox', id: `emg-svc-${k}`, name: 'emg-services', value: k }), label)));
      const reason = field('Why a life is at risk (required)', 'textarea', { id: 'emg-reason', rows: 3, maxlength: 2000 });
      const send = h('button', { type: 'submit', class: 'primary danger' }, 'Send emergency referral');
      const form = h('form', { class: 'stack', id: 'emergency-form' }, eErrors, to.wrap, svc, reason.wrap, h('div', { class: 'actions' }, send));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        eErrors.replaceChildren();
        const services = [...form.querySelectorAll('input[name="emg-services"]:checked')].map((i) => i.value);
        const why = reason.input.value.trim();
        const org = to.input.value.trim();
        if (!org || !services.length || !why) {
          eErrors.appendChild(errorBox('An emergency referral needs the organisation, at least one service and a written reason.'));
          (!org ? to.input : !why ? reason.input : form.querySelector('input[name="emg-services"]')).focus();
          return;
        }
        run(eErrors, send, async () => {
          const r = await api('POST', `/cases/${c.id}/emergency`, { to: org, services, reason: why });
          done(`Emergency referral ${r.id} sent to ${org}: they see the profile, identity and contact now. It is listed for review.`);
        });
      });
      emergency = h('details', { class: 'action-block emergency' },
        h('summary', null, 'Emergency referral (life at risk)'),
        h('p', { class: 'hint' }, 'Only when a life is at risk and consent cannot be had: sent at once, without consent, with the profile, identity and contact; an administrator or auditor reviews it afterwards.'),
        form);
    }

    return h('aside', { class: 'actions-panel', 'aria-label': 'Actions on this case' },
      h('h2', null, 'Actions'),
      h('section', { class: 'action-block' }, h('h3', null, 'Move the case'),
        h('p', { class: 'hint' }, `Now: ${stageLabel(c.stage)}.`),
        errors,
        moves.length ? h('div', { class: 'move-buttons' }, buttons) : h('p', null, 'No move is possible from here.'),
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
      const step = (to, label) => h('button', {
        type: 'button', class: 'secondary small',
        onclick: (e) => run(errors, e.currentTarget, async () => {
          await api('POST', `/services/${s.id}`, { status: to, version: s.version });
          done(`${serviceLabel(s.service)}: ${label.toLowerCase()}.`);
        }),
      }, label);
      const acts = !mine ? [] : s.status === 'offered' ? [step('accepted', 'Accepted'), step('declined', 'Declined')]
        : s.status === 'accepted' ? [step('delivered', 'Delivered')] : [];
      return [{ th: serviceLabel(s.service) }, s.provider, serviceBadge(s.status),
        s.amount_amd ? `AMD ${s.amount_amd.toLocaleString('en-GB')}` : '–', fmtTime(s.offered_at), fmtTime(s.updated_at),
        acts.length ? h('div', { class: 'row-actions', 'aria-label': `Record for ${serviceLabel(s.service)}` }, acts) : '–'];
    });
    const tableEl = rows.length ? table('Services offered to the person', [{ label: 'Service' }, { label: 'Provided by' },
      { label: 'Status' }, { label: 'Amount' }, { label: 'Offered' }, { label: 'Changed' }, { label: 'Record' }], rows, { class: 'services' })
      : h('p', null, 'No service offered yet.');
    let offer = null;
    if (ownerWrite) {
      const oErrors = h('div');
      const svc = field('Service', 'select', { id: 'offer-service' }, { options: Object.entries(SERVICES) });
      const prov = field('Provided by', 'input', { id: 'offer-provider', list: orgList.id, autocomplete: 'off', placeholder: me.org },
        { hint: `An organisation's name; empty: ${me.org}.` });
      const b = h('button', { type: 'submit', class: 'primary' }, 'Offer the service');
      offer = h('form', { class: 'inline-form', id: 'offer-form' }, svc.wrap, prov.wrap, h('div', { class: 'actions' }, b), oErrors);
      offer.addEventListener('submit', (e) => {
        e.preventDefault();
        const body = { service: svc.input.value };
        if (prov.input.value.trim()) body.provider = prov.input.value.trim();
        run(oErrors, b, async () => {
          await api('POST', `/cases/${c.id}/services`, body);
          done(`${serviceLabel(body.service)} offered${body.provider ? ` by ${body.provider}` : ''}.`);
        });
      });
    }
    return section('services', 'Services', errors, tableEl,
      !cats.has('services') && !ownerWrite ? h('p', { class: 'hint' }, 'Only the services your organisation provides are shown.') : null,
      offer ? h('h3', null, 'Offer a service') : null, offer);
  }

  // ---- referrals and consent ----
  function consentForm(r) {
    const pre = `consent-${r.id}`;
    const errors = h('div');
    const given = h('input', { type: 'radio', name: `${pre}-given`, id: `${pre}-given`, value: 'given', checked: true });
    const refused = h('input', { type: 'radio', name: `${pre}-given`, id: `${pre}-refused`, value: 'refused' });
    const cats = h('fieldset', { class: 'checks', id: `${pre}-cats` }, h('legend', null, 'What may be shared with ' + r.to),
      Object.entries(CATEGORIES).map(([k, label]) => h('label', { class: 'check', for: `${pre}-cat-${k}` },
        h('input', { type: 'checkbox', id: `${pre}-cat-${k}`, name: `${pre}-cats`, value: k }), label)));
    const purpose = field('Purpose: why the data goes to them', 'input', { id: `${pre}-purpose`, maxlength: 500, size: 40 });
    const until = field('Until (last day)', 'input', { id: `${pre}-until`, type: 'date', min: todayAM() });
    const b = h('button', { type: 'submit', class: 'primary' }, 'Record consent');
    const form = h('form', { class: 'stack consent-form', id: `${pre}-form` },
      h('fieldset', { class: 'checks inline' }, h('legend', null, 'The person'),
        h('label', { class: 'check', for: given.id }, given, 'gave consent'),
        h('label', { class: 'check', for: refused.id }, refused, 'refused')),
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
        const missing = !categories.length ? 'the data categories' : !purpose.input.value.trim() ? 'the purpose' : !until.input.value ? 'the date until which it holds' : null;
        if (missing) {
          errors.appendChild(errorBox(`A consent that is given needs ${missing}.`));
          (!categories.length ? form.querySelector(`input[name="${pre}-cats"]`) : !purpose.input.value.trim() ? purpose.input : until.input).focus();
          return;
        }
        body = { given: true, categories, purpose: purpose.input.value.trim(), until: until.input.value };
      }
      run(errors, b, async () => {
        await api('POST', `/referrals/${r.id}/consent`, body);
        done(body.given ? `Consent recorded for referral ${r.id} to ${r.to}.` : `Refusal recorded for referral ${r.id}: nothing is shared.`);
      });
    });
    return h('details', { class: 'sub-form', open: r.status === 'draft' }, h('summary', null, 'Record the person\'s consent'), form);
  }

  function referralCard(r, owner, ownerWrite) {
    const errors = h('div');
    const receiver = !owner && r.to === me.org;
    const acts = [];
    const op = (o, label, cls = 'primary') => h('button', {
      type: 'button', class: cls,
      onclick: (e) => run(errors, e.currentTarget, async () => {
        await api('POST', `/referrals/${r.id}/act`, { op: o, version: r.version });
        done(`Referral ${r.id}: ${label.toLowerCase()}.`);
      }),
    }, label);
    const consents = r.consents || [];
    const inForce = consents.find((k) => k.in_force);
    if (ownerWrite) {
      if (r.status === 'draft') {
        acts.push(h('button', {
          type: 'button', class: 'primary', disabled: !inForce,
          title: inForce ? null : 'Record a consent that is given first',
          onclick: (e) => run(errors, e.currentTarget, async () => {
            await api('POST', `/referrals/${r.id}/send`, { version: r.version });
            done(`Referral ${r.id} sent to ${r.to}: they can see the consented parts of the case now.`);
          }),
        }, 'Send the referral'));
      }
      if (['draft', 'pending', 'accepted'].includes(r.status)) {
        acts.push(reasonButton('Revoke the referral', { id: `revoke-${r.id}`, required: true, danger: true }, (why, errs, b) =>
          run(errs, b, async () => {
            await api('POST', `/referrals/${r.id}/act`, { op: 'revoke', version: r.version, reason: why });
            done(`Referral ${r.id} revoked: ${r.to} no longer sees the case.`);
          })));
      }
    } else if (receiver && canWrite) {
      if (r.status === 'pending') {
        acts.push(op('accept', 'Accept'));
        acts.push(reasonButton('Reject', { id: `reject-${r.id}`, required: true }, (why, errs, b) =>
          run(errs, b, async () => {
            await api('POST', `/referrals/${r.id}/act`, { op: 'reject', version: r.version, reason: why });
            done(`Referral ${r.id} rejected.`);
          })));
      }
      if (r.status === 'accepted') acts.push(op('complete', 'Mark done'));
    }
    const consentRows = consents.map((k) => [
      k.given ? 'given' : 'refused',
      k.given ? (k.categories || []).join(', ') : '–',
      k.purpose === null || k.purpose === undefined ? h('span', { class: 'muted' }, 'not shown') : k.purpose || '–',
      k.until || '–', `${fmtTime(k.recorded_at)} by ${k.recorded_by}`,
      k.withdrawn_at ? `withdrawn ${fmtTime(k.withdrawn_at)}` : k.in_force ? h('strong', null, 'in force') : 'not in force',
      ownerWrite && k.given && !k.withdrawn_at && ['draft', 'pending', 'accepted'].includes(r.status) ? reasonButton('Withdraw', { id: `withdraw-${k.id}`, required: false, danger: true }, (why, errs, b) =>
        run(errs, b, async () => {
          await api('POST', `/consents/${k.id}/withdraw`, why ? { reason: why } : {});
          done(`Consent withdrawn: ${r.to} no longer sees the case.`);
        })) : '–',
    ]);
    return h('article', { class: 'referral-card', id: `referral-${r.id}`, 'aria-labelledby': `referral-${r.id}-h` },
      h('h3', { id: `referral-${r.id}-h` }, `Referral ${r.id} to ${r.to} `, referralBadge(r.status),
        r.emergency ? h('span', { class: 'badge emergency-badge' }, r.reviewed ? 'Emergency (reviewed)' : 'Emergency') : null),
      facts([
        ['From', r.from],
        ['For', codesLabel(SERVICES, r.services)],
        ['Created', `${fmtTime(r.created_at)} by ${r.created_by}`],
        ['Changed', fmtTime(r.updated_at)],
        ['Access now', r.in_force ? `${r.to} can read the case` : 'none'],
        r.reason ? ['Reason', r.reason] : null,
      ]),
      consentRows.length ? table(`Consent for referral ${r.id}`, [{ label: 'Consent' }, { label: 'Data shared' }, { label: 'Purpose' },
        { label: 'Until' }, { label: 'Recorded' }, { label: 'Now' }, { label: 'Withdraw' }], consentRows, { class: 'consents' })
        : r.emergency ? null : h('p', { class: 'muted' }, 'No consent recorded yet: the referral cannot be sent.'),
      ownerWrite && !inForce && ['draft', 'pending', 'accepted'].includes(r.status) && !r.emergency ? consentForm(r) : null,
      acts.length ? h('div', { class: 'actions' }, acts) : null,
      errors);
  }

  function referralsSection(owner, ownerWrite) {
    const list = c.referrals || [];
    let create = null;
    if (ownerWrite) {
      const errors = h('div');
      const to = field('To organisation', 'input', { id: 'ref-to', list: 'case-orgs', autocomplete: 'off' },
        { hint: 'The receiving organisation\'s name, e.g. a shelter NGO.' });
      const svc = h('fieldset', { class: 'checks' }, h('legend', null, 'For the services'),
        Object.entries(SERVICES).map(([k, label]) => h('label', { class: 'check', for: `ref-svc-${k}` },
          h('input', { type: 'checkbox', id: `ref-svc-${k}`, name: 'ref-services', value: k }), label)));
      const b = h('button', { type: 'submit', class: 'primary' }, 'Create the referral');
      create = h('form', { class: 'stack', id: 'referral-form' }, errors, to.wrap, svc, h('div', { class: 'actions' }, b));
      create.addEventListener('submit', (e) => {
        e.preventDefault();
        errors.replaceChildren();
        const services = [...create.querySelectorAll('input[name="ref-services"]:checked')].map((i) => i.value);
        const org = to.input.value.trim();
        if (!org || !services.length) {
          errors.appendChild(errorBox('A referral needs the receiving organisation and at least one service.'));
          (!org ? to.input : create.querySelector('input[name="ref-services"]')).focus();
          return;
        }
        run(errors, b, async () => {
          const r = await api('POST', `/cases/${c.id}/referrals`, { to: org, services });
          done(`Referral ${r.id} to ${org} drafted. Record the person's consent, then send it.`);
        });
      });
    }
    if (!list.length && !create) return null;
    return section('referrals', 'Referrals and consent',
      ownerWrite ? h('p', { class: 'hint' }, 'A referral is drafted, the person\'s consent recorded (what is shared, with whom, why, until when), then sent. Nothing is visible to the receiver before.') : null,
      list.length ? list.map((r) => referralCard(r, owner, ownerWrite)) : h('p', null, 'No referral yet.'),
      create ? h('details', { class: 'sub-form' }, h('summary', null, 'New referral'), create) : null);
  }

  // ---- attachments ----
  function attachmentsSection(ownerWrite) {
    const rows = (c.attachments || []).map((a) => [
      { th: h('a', { href: `/api/v1/attachments/${a.id}`, download: a.name || `attachment-${a.id}` }, a.name || `attachment ${a.id}`) },
      a.media_type, fmtBytes(a.size), `${fmtTime(a.added_at)} by ${a.added_by}`]);
    let upload = null;
    if (ownerWrite) {
      const errors = h('div');
      const file = field('File', 'input', { id: 'att-file', type: 'file' }, { hint: 'A scan or a report, at most 10 MiB. Stored encrypted.' });
      const b = h('button', { type: 'submit', class: 'primary' }, 'Upload');
      upload = h('form', { class: 'inline-form', id: 'attachment-form' }, file.wrap, h('div', { class: 'actions' }, b), errors);
      upload.addEventListener('submit', (e) => {
        e.preventDefault();
        errors.replaceChildren();
        const f = file.input.files && file.input.files[0];
        if (!f) {
          errors.appendChild(errorBox('Choose the file to attach.'));
          file.input.focus();
          return;
        }
        run(errors, b, async () => {
          await api('POST', `/cases/${c.id}/attachments?name=${encodeURIComponent(f.name)}`, f,
            { raw: true, contentType: f.type || 'application/octet-stream' });
          done(`${f.name} attached to case ${c.id}.`);
        });
      });
    }
    return section('attachments', 'Attachments',
      rows.length ? table('Files attached to the case', [{ label: 'File' }, { label: 'Type' }, { label: 'Size', class: 'num' }, { label: 'Added' }], rows)
        : h('p', null, 'No files attached.'),
      upload);
  }

  // ---- editing the case's fields ----
  function editSection() {
    const form = caseFields('edit', c);
    const errors = h('div');
    const b = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
    const el = h('form', { class: 'case-form', id: 'edit-form', novalidate: true }, errors, form.el, h('div', { class: 'actions' }, b));
    el.addEventListener('submit', (e) => {
      e.preventDefault();
      errors.replaceChildren();
      const body = form.changes(c);
      if (!Object.keys(body).length) {
        errors.appendChild(errorBox('Nothing was changed.'));
        return;
      }
      body.version = c.version;
      run(errors, b, async () => {
        await api('POST', `/cases/${c.id}`, body);
        done(`Case ${c.id} saved (${Object.keys(body).filter((k) => k !== 'version').join(', ').replace(/_/g, ' ')}).`);
      });
    });
    return section('edit', 'Edit the case', h('details', { class: 'sub-form', id: 'edit-details' },
      h('summary', null, 'Change the profile, identity, contact or narrative'), el));
  }

  draw();
}
