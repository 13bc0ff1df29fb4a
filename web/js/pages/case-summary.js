// The printable summary of one NRM case (#/cases/N/summary): the same case
// view (GET /api/v1/cases/{id}, audited as a read) laid out for paper:
// every section the caller may read, one after the other, with no forms;
// the suspected offenders from GET /api/v1/cases/{id}/offenders (its own
// audited read; a failure there is said in place and the rest printed).
// app.css's @media print rules drop the navigation, the buttons and the
// links' colours, and keep sections from splitting where they can.

import { api } from '../api.js';
import { h, add, table, errorBox } from '../dom.js';
import { t, fmtNumber } from '../i18n.js';
import { fmtTime, fmtBytes } from '../labels.js';
import { codesLabel, stageLabel, serviceLabel, serviceStatusLabel, referralStatusLabel } from '../case-labels.js';
import { caseHeader, profileTable, identityTable, evidenceBlock, categoriesText, eventText, offendersTable } from './case.js';

function part(title, ...content) {
  return h('section', { class: 'summary-part' }, h('h2', null, title), content);
}

export async function render(main, ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('summary.title', { id }));
  let c;
  try {
    c = await api('GET', `/cases/${id}`);
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('h1', { tabindex: '-1' }, t('summary.title', { id })),
      errorBox(err.status === 404 ? t('case.no_such', { id }) : err.message));
    return;
  }
  if (!ctx.current()) return;
  let offenders = null;
  let offendersErr = null;
  try {
    offenders = (await api('GET', `/cases/${id}/offenders`)).offenders || [];
  } catch (err) {
    offendersErr = err;
  }
  if (!ctx.current()) return;
  const cats = new Set(c.categories || []);
  const printed = fmtTime(new Date().toISOString());

  const events = (c.timeline || []).map((e) => [fmtTime(e.at), `${e.actor}${e.actor_org ? ` (${e.actor_org})` : ''}`,
    eventText(e), e.reason || '–']);
  const services = (c.services || []).map((s) => [serviceLabel(s.service), s.provider, serviceStatusLabel(s.status),
    s.amount_amd ? t('unit.amd', { v: fmtNumber(s.amount_amd) }) : '–', fmtTime(s.offered_at), fmtTime(s.updated_at)]);
  const referrals = (c.referrals || []).map((r) => [String(r.id), r.to, codesLabel('service', r.services),
    r.emergency ? t('summary.emergency_status', { status: referralStatusLabel(r.status) }) : referralStatusLabel(r.status),
    (r.consents || []).map((k) => [
      k.given ? t('summary.consent_given', { categories: codesLabel('category_short', k.categories || []), until: k.until }) : t('case.consent_refused_word'),
      k.purpose ? t('summary.consent_for', { purpose: k.purpose }) : null,
      k.withdrawn_at ? t('case.withdrawn_at', { when: fmtTime(k.withdrawn_at) }) : null,
    ].filter(Boolean).join(', ')).join('; ') || '–',
    r.reason || '–']);
  const files = (c.attachments || []).map((a) => [a.name || t('case.attachment_n', { id: a.id }), a.media_type, fmtBytes(a.size),
    t('common.at_by', { when: fmtTime(a.added_at), who: a.added_by })]);

  add(main,
    h('p', { class: 'crumbs no-print' }, h('a', { href: `#/cases/${c.id}` }, t('summary.back', { id: c.id })), ' ',
      h('button', { type: 'button', class: 'primary', onclick: () => window.print() }, t('summary.print'))),
    h('article', { class: 'case-summary' },
      h('h1', { tabindex: '-1' }, t('summary.heading', { id: c.id }), c.name ? `: ${c.name}` : '', h('span', { class: 'summary-stage' }, ` — ${stageLabel(c.stage)}`)),
      h('p', { class: 'muted' }, t('summary.printed', { when: printed, user: ctx.me.principal.user, org: ctx.me.principal.org }), ' ',
        c.access === 'owner' ? t('summary.owned', { owner: c.owner_org })
          : t('summary.owned_referred', { owner: c.owner_org, org: ctx.me.principal.org, categories: categoriesText(c.categories) }),
        ' ', t('summary.confidential')),
      part(t('cases.col_case'), caseHeader(c)),
      cats.has('profile') ? part(t('caseform.profile'), profileTable(c)) : null,
      cats.has('identity') || cats.has('contact') ? part(t('case.identity_contact'), identityTable(c, { identity: cats.has('identity'), contact: cats.has('contact') })) : null,
      cats.has('narrative') ? part(t('caseform.narrative'), h('p', { class: 'narrative' }, c.narrative || t('case.no_narrative'))) : null,
      c.evidence ? part(t('case.evidence'), evidenceBlock(c)) : null,
      part(t('case.timeline'), events.length ? table(t('summary.timeline_caption'), [{ label: t('alert.col_when') }, { label: t('alert.col_who') }, { label: t('alert.col_what') }, { label: t('summary.col_why') }], events)
        : h('p', null, t('case.nothing_yet'))),
      c.services ? part(t('field.services'), services.length ? table(t('field.services'), [{ label: t('field.service') }, { label: t('field.provider') }, { label: t('field.status') },
        { label: t('case.col_amount') }, { label: t('case.col_offered') }, { label: t('case.col_changed') }], services) : h('p', null, t('case.no_services'))) : null,
      part(t('case.offenders'), offendersErr ? errorBox(t('case.offenders_load_failed', { error: offendersErr.message }))
        : offendersTable(offenders)),
      part(t('case.referrals'), referrals.length ? table(t('case.referrals'), [{ label: t('inbox.referral') }, { label: t('summary.col_to') }, { label: t('inbox.for') },
        { label: t('field.status') }, { label: t('case.col_consent') }, { label: t('common.reason') }], referrals) : h('p', null, t('case.no_referral'))),
      c.attachments ? part(t('case.attachments'), files.length ? table(t('case.files_caption'), [{ label: t('case.file') }, { label: t('case.col_type') }, { label: t('case.col_size') }, { label: t('case.col_added') }], files)
        : h('p', null, t('case.no_files'))) : null));
}
