// A new NRM case: POST /api/v1/cases, by hand or from an escalated alert
// (#/cases/new?alert=17: the alert's worker is linked to the case and its
// evidence copied into it by the server). Every field may be left empty
// and filled in later from the case view; the case starts at "presumed
// victim" with its pre-identification deadline.

import { api } from '../api.js';
import { h, add, errorBox } from '../dom.js';
import { entityLabel, fmtScore, levelBadge, statusLabel } from '../labels.js';
import { caseFields } from '../case-form.js';

export async function render(main, ctx) {
  ctx.setTitle('New NRM case');
  const alertId = /^\d+$/.test(ctx.query.get('alert') || '') ? Number(ctx.query.get('alert')) : null;
  let alert = null;
  let alertNote = null;
  if (alertId) {
    try {
      alert = await api('GET', `/alerts/${alertId}`);
    } catch (err) {
      if (!ctx.current()) return;
      add(main, h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, '← Back to the cases')),
        h('h1', { tabindex: '-1' }, 'New NRM case'),
        errorBox(err.status === 404 ? `There is no alert ${alertId} you may read, so no case can be opened from it.` : err.message));
      return;
    }
    if (!ctx.current()) return;
    alertNote = h('div', { class: 'note-box' },
      h('p', null, 'Opened from ', h('a', { href: `#/alerts/${alert.id}` }, `alert ${alert.id}`), ': ',
        `${entityLabel(alert.entity_type)} `, h('span', { class: 'key' }, alert.entity_key), ', ',
        levelBadge(alert.level), ` score ${fmtScore(alert.score)}, ${statusLabel(alert.status).toLowerCase()}.`),
      h('p', { class: 'hint' }, alert.entity_type === 'worker'
        ? 'The worker\'s document number is linked to the case unless you type another one, and the alert\'s evidence is copied into the case, so the case keeps the facts even if the alert changes.'
        : 'The alert\'s evidence is copied into the case, so the case keeps the facts even if the alert changes.'));
  }

  // a worker's key starts with the country of the document: the citizenship
  const citizenship = alert && alert.entity_type === 'worker' ? (/^([A-Z]{3}):/.exec(alert.entity_key) || [])[1] : undefined;
  const form = caseFields('new', citizenship ? { citizenship } : {}, { isNew: true });
  const errors = h('div');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Open the case');
  const el = h('form', { class: 'case-form', id: 'new-case-form', novalidate: true },
    errors, form.el,
    h('div', { class: 'actions' }, submit, h('a', { href: alertId ? `#/alerts/${alertId}` : '#/cases', class: 'button-link' }, 'Cancel')));
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    const body = form.read();
    if (alertId) body.alert_id = alertId;
    submit.disabled = true;
    try {
      const c = await api('POST', '/cases', body);
      ctx.flash(`Case ${c.id} opened. The pre-identification decision is due ${c.preid_due || 'soon'}.`, 'ok', true);
      ctx.go(`#/cases/${c.id}`);
    } catch (err) {
      if (!ctx.current()) return;
      errors.appendChild(errorBox(`The case was not opened: ${err.message}`));
      errors.scrollIntoView({ block: 'nearest' });
    } finally {
      submit.disabled = false;
    }
  });

  add(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, '← Back to the cases')),
    h('h1', { tabindex: '-1' }, alert ? `New NRM case from alert ${alert.id}` : 'New NRM case'),
    h('p', { class: 'lead' }, `The case belongs to your organisation (${ctx.me.principal.org}). ` +
      'Fill in what is known now; everything can be completed later. Names, contacts, the narrative and the document number are stored encrypted.'),
    alertNote,
    el);
}
