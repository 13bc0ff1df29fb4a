// The printable summary of one NRM case (#/cases/N/summary): the same case
// view (GET /api/v1/cases/{id}, audited as a read) laid out for paper:
// every section the caller may read, one after the other, with no forms.
// app.css's @media print rules drop the navigation, the buttons and the
// links' colours, and keep sections from splitting where they can.

import { api } from '../api.js';
import { h, add, table, errorBox } from '../dom.js';
import { fmtTime, fmtBytes } from '../labels.js';
import { SERVICES, codesLabel, stageLabel, serviceLabel, serviceStatusLabel, referralStatusLabel } from '../case-labels.js';
import { caseHeader, profileTable, identityTable, evidenceBlock, categoriesText, eventText } from './case.js';

function part(title, ...content) {
  return h('section', { class: 'summary-part' }, h('h2', null, title), content);
}

export async function render(main, ctx) {
  const id = ctx.params[0];
  ctx.setTitle(`Case ${id}: summary`);
  let c;
  try {
    c = await api('GET', `/cases/${id}`);
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('h1', { tabindex: '-1' }, `Case ${id}: summary`),
      errorBox(err.status === 404 ? `There is no case ${id} that your organisation may see.` : err.message));
    return;
  }
  if (!ctx.current()) return;
  const cats = new Set(c.categories || []);
  const printed = new Date().toISOString().slice(0, 16).replace('T', ' ');

  const events = (c.timeline || []).map((e) => [fmtTime(e.at), `${e.actor}${e.actor_org ? ` (${e.actor_org})` : ''}`,
    eventText(e), e.reason || '–']);
  const services = (c.services || []).map((s) => [serviceLabel(s.service), s.provider, serviceStatusLabel(s.status),
    s.amount_amd ? `AMD ${s.amount_amd.toLocaleString('en-GB')}` : '–', fmtTime(s.offered_at), fmtTime(s.updated_at)]);
  const referrals = (c.referrals || []).map((r) => [String(r.id), r.to, codesLabel(SERVICES, r.services),
    `${referralStatusLabel(r.status)}${r.emergency ? ' (emergency)' : ''}`,
    (r.consents || []).map((k) => `${k.given ? 'given' : 'refused'}${k.given ? `: ${(k.categories || []).join(', ')} until ${k.until}` : ''}` +
      `${k.purpose ? `, for ${k.purpose}` : ''}${k.withdrawn_at ? `, withdrawn ${fmtTime(k.withdrawn_at)}` : ''}`).join('; ') || '–',
    r.reason || '–']);
  const files = (c.attachments || []).map((a) => [a.name || `attachment ${a.id}`, a.media_type, fmtBytes(a.size), `${fmtTime(a.added_at)} by ${a.added_by}`]);

  add(main,
    h('p', { class: 'crumbs no-print' }, h('a', { href: `#/cases/${c.id}` }, `← Back to case ${c.id}`), ' ',
      h('button', { type: 'button', class: 'primary', onclick: () => window.print() }, 'Print')),
    h('article', { class: 'case-summary' },
      h('h1', { tabindex: '-1' }, `NRM case ${c.id}`, c.name ? `: ${c.name}` : '', h('span', { class: 'summary-stage' }, ` — ${stageLabel(c.stage)}`)),
      h('p', { class: 'muted' }, `Summary printed ${printed} UTC by ${ctx.me.principal.user} (${ctx.me.principal.org}). ` +
        (c.access === 'owner' ? `Owned by ${c.owner_org}.` : `Owned by ${c.owner_org}; referred to ${ctx.me.principal.org}, who may read: ${categoriesText(c.categories)}.`) +
        ' Confidential: personal data of a presumed victim of trafficking.'),
      part('Case', caseHeader(c)),
      cats.has('profile') ? part('Profile', profileTable(c)) : null,
      cats.has('identity') || cats.has('contact') ? part('Identity and contact', identityTable(c, { identity: cats.has('identity'), contact: cats.has('contact') })) : null,
      cats.has('narrative') ? part('Narrative', h('p', { class: 'narrative' }, c.narrative || 'No narrative written.')) : null,
      c.evidence ? part('Evidence from the alert', evidenceBlock(c)) : null,
      part('Timeline', events.length ? table('Stages and changes, oldest first', [{ label: 'When' }, { label: 'Who' }, { label: 'What' }, { label: 'Why' }], events)
        : h('p', null, 'Nothing recorded.')),
      c.services ? part('Services', services.length ? table('Services', [{ label: 'Service' }, { label: 'Provided by' }, { label: 'Status' },
        { label: 'Amount' }, { label: 'Offered' }, { label: 'Changed' }], services) : h('p', null, 'No service offered.')) : null,
      part('Referrals and consent', referrals.length ? table('Referrals', [{ label: 'Referral' }, { label: 'To' }, { label: 'For' },
        { label: 'Status' }, { label: 'Consent' }, { label: 'Reason' }], referrals) : h('p', null, 'No referral.')),
      c.attachments ? part('Attachments', files.length ? table('Files attached', [{ label: 'File' }, { label: 'Type' }, { label: 'Size' }, { label: 'Added' }], files)
        : h('p', null, 'No files attached.')) : null));
}
