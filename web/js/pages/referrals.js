// The referral inbox of the receiving organisation: GET /api/v1/referrals
// (referrals to the caller's organisation that give it access now: pending
// or accepted under a consent in force, or emergency; newest first). The
// receiver accepts or rejects (with a reason) a pending referral and marks
// an accepted one done: POST /api/v1/referrals/{id}/act with the version it
// saw (a stale one is refused and the inbox reloads with the current state).

import { api } from '../api.js';
import { h, add, field, errorBox } from '../dom.js';
import { fmtTime } from '../labels.js';
import { SERVICES, codesLabel, referralBadge } from '../case-labels.js';

export async function render(main, ctx) {
  ctx.setTitle('Referral inbox');
  const canWrite = ctx.can('case.write');
  const org = ctx.me.principal.org;
  let answer;
  try {
    answer = await api('GET', '/referrals');
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('h1', { tabindex: '-1' }, 'Referral inbox'), errorBox(`The inbox could not be loaded: ${err.message}`));
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
        reload(`Someone else changed referral ${r.id} meanwhile (${err.message}); the inbox now shows its current state.`, 'error');
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
      const accept = h('button', { type: 'button', class: 'primary' }, 'Accept');
      accept.addEventListener('click', () => act(r, 'accept', null, errors, accept,
        `Referral ${r.id} accepted: case ${r.case_id} is in your care for ${codesLabel(SERVICES, r.services).toLowerCase()}.`));
      const reason = field('Reason for rejecting', 'textarea', { id: `reject-${r.id}-reason`, rows: 2, maxlength: 2000 },
        { hint: 'Required; the sender reads it in the case history.' });
      const reject = h('button', { type: 'submit', class: 'secondary danger' }, 'Reject');
      const form = h('form', { class: 'stack reject-form', id: `reject-${r.id}` }, reason.wrap, h('div', { class: 'actions' }, reject));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const why = reason.input.value.trim();
        if (!why) {
          errors.replaceChildren(errorBox('Rejecting a referral needs a reason: write why.'));
          reason.input.focus();
          return;
        }
        act(r, 'reject', why, errors, reject, `Referral ${r.id} rejected.`);
      });
      acts.push(h('div', { class: 'actions' }, accept), h('details', { class: 'sub-form' }, h('summary', null, 'Reject with a reason'), form));
    } else if (canWrite && r.status === 'accepted') {
      const complete = h('button', { type: 'button', class: 'primary' }, 'Mark done');
      complete.addEventListener('click', () => act(r, 'complete', null, errors, complete,
        `Referral ${r.id} marked done. Your organisation's access to case ${r.case_id} has ended.`));
      acts.push(h('p', { class: 'hint' }, 'Marking it done ends your organisation\'s access to the case.'), h('div', { class: 'actions' }, complete));
    }
    return h('li', { class: 'referral-card', id: `inbox-${r.id}`, dataset: { id: r.id, case: r.case_id } },
      h('h2', null, h('a', { href: `#/cases/${r.case_id}` }, `Case ${r.case_id}`), ` from ${r.from} `, referralBadge(r.status),
        r.emergency ? h('span', { class: 'badge emergency-badge' }, 'Emergency: no consent, life at risk') : null),
      h('dl', { class: 'facts' },
        h('div', null, h('dt', null, 'Referral'), h('dd', null, String(r.id))),
        h('div', null, h('dt', null, 'For'), h('dd', null, codesLabel(SERVICES, r.services))),
        h('div', null, h('dt', null, 'Sent by'), h('dd', null, `${r.created_by}, ${fmtTime(r.created_at)}`)),
        h('div', null, h('dt', null, 'Changed'), h('dd', null, fmtTime(r.updated_at)))),
      acts, errors);
  }

  add(main,
    h('h1', { tabindex: '-1' }, 'Referral inbox'),
    h('p', { class: 'lead' }, `Cases referred to ${org} that you may read now, newest first. ` +
      'A referral leaves the inbox when it is done, rejected or revoked, or when the person\'s consent is withdrawn or ends.'),
    items.length ? h('ul', { class: 'inbox', 'aria-label': 'Referrals to your organisation' }, items.map(card))
      : h('p', { class: 'summary' }, 'No referral to your organisation gives access to a case now.'));
}
