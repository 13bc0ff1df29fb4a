// A new NRM case: POST /api/v1/cases, by hand or from an escalated alert
// (#/cases/new?alert=17: the alert's worker is linked to the case and its
// evidence copied into it by the server). Every field may be left empty
// and filled in later from the case view; the case starts at "presumed
// victim" with its pre-identification deadline.

import { api } from '../api.js';
import { h, add, field, errorBox } from '../dom.js';
import { t, tn } from '../i18n.js';
import { entityLabel, fmtScore, levelBadge, statusLabel } from '../labels.js';
import { caseFields } from '../case-form.js';

// ISIC Rev.4 division (the register's employer_sector) -> the HTCDS sector.
function sectorOf(isic) {
  const d = Number(isic);
  if (!Number.isInteger(d) || d <= 0) return null;
  if (d === 3) return 'Aquafarming';
  if (d <= 2) return 'Agriculture';
  if (d <= 9) return 'MiningOrDrilling';
  if (d <= 33) return 'Manufacturing';
  if (d >= 41 && d <= 43) return 'Construction';
  if (d >= 49 && d <= 53) return 'Transportation';
  if (d >= 55 && d <= 56) return 'Hospitality';
  if (d === 97) return 'DomesticWork';
  return 'Other';
}

const SEXES = { F: 'Female', M: 'Male' };

// The worker's latest permit in the register, as the case form's values:
// {app, values: {name, birth_date, sex, phone, address, labour_sector}};
// null when the register cannot be read (the form is then empty).
async function fromRegister(workerKey) {
  let data;
  try {
    data = await api('GET', `/entities/worker/${encodeURIComponent(workerKey)}`);
  } catch (_) {
    return null;
  }
  const permits = ((data.records || {}).permits || []).slice()
    .sort((a, b) => String(b.fields.submitted_at || '').localeCompare(String(a.fields.submitted_at || '')));
  if (!permits.length) return null;
  const f = permits[0].fields;
  const v = {};
  const name = [f.worker_given_name, f.worker_family_name].filter(Boolean).join(' ');
  if (name) v.name = name;
  if (f.worker_birth_date) v.birth_date = f.worker_birth_date;
  if (SEXES[f.worker_sex]) v.sex = SEXES[f.worker_sex];
  if (f.worker_phone) v.phone = String(f.worker_phone);
  if (f.worker_email) v.email = f.worker_email;
  if (f.worker_address) v.address = f.worker_address;
  if (f.worker_citizenship) v.citizenship = f.worker_citizenship;
  const sector = sectorOf(f.employer_sector);
  if (sector) v.labour_sector = [sector];
  return { app: permits[0].row_key, values: v };
}

export async function render(main, ctx) {
  ctx.setTitle(t('casenew.title'));
  const alertId = /^\d+$/.test(ctx.query.get('alert') || '') ? Number(ctx.query.get('alert')) : null;
  let alert = null;
  let alertNote = null;
  if (alertId) {
    try {
      alert = await api('GET', `/alerts/${alertId}`);
    } catch (err) {
      if (!ctx.current()) return;
      add(main, h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, t('common.back_cases'))),
        h('h1', { tabindex: '-1' }, t('casenew.title')),
        errorBox(err.status === 404 ? t('casenew.no_alert', { id: alertId }) : err.message));
      return;
    }
    if (!ctx.current()) return;
    alertNote = h('div', { class: 'note-box' },
      h('p', null, tn('casenew.from_alert', {
        alert: h('a', { href: `#/alerts/${alert.id}` }, t('alert.ref', { id: alert.id })),
        what: entityLabel(alert.entity_type), key: h('span', { class: 'key' }, alert.entity_key),
        level: levelBadge(alert.level), score: fmtScore(alert.score), status: statusLabel(alert.status),
      })),
      h('p', { class: 'hint' }, alert.entity_type === 'worker' ? t('casenew.worker_hint') : t('casenew.evidence_hint')));
  }

  // a worker's key starts with the country of the document: the citizenship
  const citizenship = alert && alert.entity_type === 'worker' ? (/^([A-Z]{3}):/.exec(alert.entity_key) || [])[1] : undefined;
  // what the register says about the person, for the case worker to
  // correct rather than retype
  let prefill = citizenship ? { citizenship } : {};
  let prefillNote = null;
  if (alert && alert.entity_type === 'worker' && ctx.can('entity.read')) {
    const rec = await fromRegister(alert.entity_key);
    if (!ctx.current()) return;
    if (rec) {
      prefill = { ...prefill, ...rec.values };
      prefillNote = h('p', { class: 'hint', id: 'prefill-note' }, t('casenew.prefilled', { app: rec.app }));
    }
  }
  const form = caseFields('new', prefill, { isNew: true });
  const errors = h('div');
  // a second case for a person who has an open one needs a reason
  const dup = field(t('casenew.duplicate_reason'), 'textarea', { id: 'new-duplicate-reason', rows: 2, maxlength: 2000 },
    { hint: t('casenew.duplicate_hint') });
  dup.wrap.hidden = true;
  const submit = h('button', { type: 'submit', class: 'primary' }, t('casenew.submit'));
  const el = h('form', { class: 'case-form', id: 'new-case-form', novalidate: true },
    errors, prefillNote, form.el, dup.wrap,
    h('div', { class: 'actions' }, submit, h('a', { href: alertId ? `#/alerts/${alertId}` : '#/cases', class: 'button-link' }, t('common.cancel'))));
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    const body = form.read();
    if (alertId) body.alert_id = alertId;
    if (!dup.wrap.hidden && dup.input.value.trim()) body.duplicate_reason = dup.input.value.trim();
    submit.disabled = true;
    try {
      const c = await api('POST', '/cases', body);
      ctx.flash(t('casenew.done', { id: c.id, date: c.preid_due || '–' }), 'ok', true);
      ctx.go(`#/cases/${c.id}`);
    } catch (err) {
      if (!ctx.current()) return;
      if (err.status === 409 && err.params.reason === 'case_exists') {
        // name the open case (a link: the owner opens it, others get "no case")
        errors.appendChild(h('div', { class: 'error-box', role: 'alert' },
          tn('casenew.exists', { case: h('a', { href: `#/cases/${err.params.ref}` }, t('case.title', { id: err.params.ref })) })));
        dup.wrap.hidden = false;
        dup.input.focus();
        return;
      }
      errors.appendChild(errorBox(t('casenew.failed', { error: err.message })));
      errors.scrollIntoView({ block: 'nearest' });
    } finally {
      submit.disabled = false;
    }
  });

  add(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, t('common.back_cases'))),
    h('h1', { tabindex: '-1' }, alert ? t('casenew.title_from', { id: alert.id }) : t('casenew.title')),
    h('p', { class: 'lead' }, t('casenew.lead', { org: ctx.me.principal.org })),
    alertNote,
    el);
}
