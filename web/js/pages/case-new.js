// A new NRM case: POST /api/v1/cases, by hand or from an escalated alert
// (#/cases/new?alert=17: the alert's worker is linked to the case and its
// evidence copied into it by the server). Every field may be left empty
// and filled in later from the case view; the case starts at "presumed
// victim" with its pre-identification deadline.

import { api } from '../api.js';
import { h, add, errorBox } from '../dom.js';
import { t, tn } from '../i18n.js';
import { entityLabel, fmtScore, levelBadge, statusLabel } from '../labels.js';
import { caseFields } from '../case-form.js';

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
  const form = caseFields('new', citizenship ? { citizenship } : {}, { isNew: true });
  const errors = h('div');
  const submit = h('button', { type: 'submit', class: 'primary' }, t('casenew.submit'));
  const el = h('form', { class: 'case-form', id: 'new-case-form', novalidate: true },
    errors, form.el,
    h('div', { class: 'actions' }, submit, h('a', { href: alertId ? `#/alerts/${alertId}` : '#/cases', class: 'button-link' }, t('common.cancel'))));
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    const body = form.read();
    if (alertId) body.alert_id = alertId;
    submit.disabled = true;
    try {
      const c = await api('POST', '/cases', body);
      ctx.flash(t('casenew.done', { id: c.id, date: c.preid_due || '–' }), 'ok', true);
      ctx.go(`#/cases/${c.id}`);
    } catch (err) {
      if (!ctx.current()) return;
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
