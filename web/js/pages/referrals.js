// The referral inbox of the receiving organisation: GET /api/v1/referrals
// (referrals to the caller's organisation that give it access now: pending
// or accepted under a consent in force, or emergency; newest first). The
// receiver accepts or rejects (with a reason) a pending referral and marks
// an accepted one done: POST /api/v1/referrals/{id}/act with the version it
// saw (a stale one is refused and the inbox reloads with the current state).

import { api } from '../api.js';
import { h, add, field, errorBox } from '../dom.js';
import { t } from '../i18n.js';
import { fmtTime } from '../labels.js';
import { codesLabel, referralBadge } from '../case-labels.js';

export async function render(main, ctx) {
  ctx.setTitle(t('inbox.title'));
  const canWrite = ctx.can('case.write');
  const org = ctx.me.principal.org;
  let answer;
  try {
    answer = await api('GET', '/referrals');
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('h1', { tabindex: '-1' }, t('inbox.title')), errorBox(t('inbox.load_failed', { error: err.message })));
    return;
  }
  if (!ctx.current()) return;
  const items = answer.items || [];

  const reload = (msg, kind = 'ok') => {
    ctx.flash(msg, kind, true);
    ctx.go(location.hash);
  };
  const act = async (r, op, reason, errors, button, doneText) => {
    errors.replaceChildren();
    button.disabled = true;
    try {
      const body = { op, version: r.version };
      if (reason) body.reason = reason;
      await api('POST', `/referrals/${r.id}/act`, body);
      reload(doneText);
    } catch (err) {
      if (!ctx.current()) return;
      if (err.status === 409 && err.data && err.data.current_version !== undefined) {
        reload(t('inbox.stale', { id: r.id }), 'error');
        return;
      }
      errors.appendChild(errorBox(err.message));
    } finally {
      button.disabled = false;
    }
  };

  function card(r) {
    const errors = h('div');
    const acts = [];
    if (canWrite && r.status === 'pending') {
      const accept = h('button', { type: 'button', class: 'primary' }, t('inbox.accept'));
      accept.addEventListener('click', () => act(r, 'accept', null, errors, accept,
        t('inbox.done_accepted', { id: r.id, case: r.case_id, services: codesLabel('service', r.services) })));
      const reason = field(t('inbox.reject_reason'), 'textarea', { id: `reject-${r.id}-reason`, rows: 2, maxlength: 2000 },
        { hint: t('inbox.reject_hint') });
      const reject = h('button', { type: 'submit', class: 'secondary danger' }, t('inbox.reject'));
      const form = h('form', { class: 'stack reject-form', id: `reject-${r.id}` }, reason.wrap, h('div', { class: 'actions' }, reject));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const why = reason.input.value.trim();
        if (!why) {
          errors.replaceChildren(errorBox(t('inbox.reject_needs_reason')));
          reason.input.focus();
          return;
        }
        act(r, 'reject', why, errors, reject, t('inbox.done_rejected', { id: r.id }));
      });
      acts.push(h('div', { class: 'actions' }, accept), h('details', { class: 'sub-form' }, h('summary', null, t('inbox.reject_with_reason')), form));
    } else if (canWrite && r.status === 'accepted') {
      const complete = h('button', { type: 'button', class: 'primary' }, t('inbox.mark_done'));
      complete.addEventListener('click', () => act(r, 'complete', null, errors, complete,
        t('inbox.done_completed', { id: r.id, case: r.case_id })));
      acts.push(h('p', { class: 'hint' }, t('inbox.mark_done_hint')), h('div', { class: 'actions' }, complete));
    }
    return h('li', { class: 'referral-card', id: `inbox-${r.id}`, dataset: { id: r.id, case: r.case_id } },
      h('h2', null, h('a', { href: `#/cases/${r.case_id}` }, t('case.title', { id: r.case_id })), ' ', t('inbox.from', { org: r.from }), ' ', referralBadge(r.status),
        r.emergency ? h('span', { class: 'badge emergency-badge' }, t('inbox.emergency')) : null),
      h('dl', { class: 'facts' },
        h('div', null, h('dt', null, t('inbox.referral')), h('dd', null, String(r.id))),
        h('div', null, h('dt', null, t('inbox.for')), h('dd', null, codesLabel('service', r.services))),
        h('div', null, h('dt', null, t('inbox.sent')), h('dd', { class: 'sent-at' }, fmtTime(r.sent_at || r.created_at))),
        h('div', null, h('dt', null, t('inbox.created_by')), h('dd', null, r.created_by)),
        h('div', null, h('dt', null, t('inbox.changed')), h('dd', null, fmtTime(r.updated_at))),
        // an emergency referral comes without consent: the receiver reads why
        r.emergency ? h('div', { class: 'urgent' }, h('dt', null, t('inbox.why_urgent')), h('dd', null, r.reason || t('common.not_recorded'))) : null),
      acts, errors);
  }

  add(main,
    h('h1', { tabindex: '-1' }, t('inbox.title')),
    h('p', { class: 'lead' }, t('inbox.lead', { org })),
    items.length ? h('ul', { class: 'inbox', 'aria-label': t('inbox.list_label') }, items.map(card))
      : h('p', { class: 'summary' }, t('inbox.empty')));
}
