// person-panel.js - "the person across the registers" on the entity page of
// a worker (GET /api/v1/workers/{key}/person) and on the NRM case page (GET
// /api/v1/cases/{id}/person): the records the linkage joined into the
// person, as far as the viewer's scope reaches. The server leaves out what
// the viewer may not see (another organisation's case is not even counted);
// register records outside the scope are only counted.

import { api } from './api.js';
import { h, errorBox } from './dom.js';
import { t } from './i18n.js';
import { registerLabel } from './person-labels.js';

function recordItem(r) {
  const text = registerLabel(r.record);
  if (r.register === 'permits') return h('a', { href: `#/entities/application/${encodeURIComponent(r.id)}` }, text);
  if (r.register === 'cases') return h('a', { href: `#/cases/${encodeURIComponent(r.id)}` }, text);
  return h('span', null, text);
}

function body(answer, kind) {
  const p = answer.person;
  if (answer.withheld) return [h('p', { class: 'muted' }, t('personpanel.withheld'))];
  if (!p) return [h('p', { class: 'muted' }, t('personpanel.none'))];
  const out = [h('p', { class: 'hint' }, t(kind === 'case' ? 'personpanel.lead_case' : 'personpanel.lead_worker'))];
  const regs = ['permits', 'border', 'reports', 'cases'];
  const recs = (p.records || []).slice().sort((a, b) => (regs.indexOf(a.register) - regs.indexOf(b.register)) || a.id.localeCompare(b.id));
  out.push(recs.length
    ? h('ul', { class: 'person-records', 'aria-label': t('personpanel.list_label', { id: p.id }) },
      recs.map((r) => h('li', { dataset: { record: r.record } }, recordItem(r))))
    : h('p', { class: 'summary' }, t('personpanel.only_this')));
  if (p.hidden) out.push(h('p', { class: 'muted person-hidden' }, t('personpanel.hidden', { n: p.hidden })));
  if (p.person_page) out.push(h('p', null, h('a', { href: `#/persons/${p.id}` }, t('personpanel.open_person', { id: p.id }))));
  return out;
}

// A section whose content arrives after the page: `path` is the API route
// (without /api/v1), kind 'worker' or 'case'. ctx.current() guards a page
// left meanwhile.
export function personSection(path, kind, ctx) {
  const box = h('div', { class: 'person-panel', 'aria-busy': 'true' }, h('p', { class: 'muted' }, t('personpanel.loading')));
  const sec = h('section', { class: 'case-section', id: 'person', 'aria-labelledby': 'person-h' },
    h('h2', { id: 'person-h' }, t('personpanel.title')), box);
  api('GET', path).then((answer) => {
    if (!ctx.current()) return;
    box.replaceChildren(...body(answer, kind));
    box.setAttribute('aria-busy', 'false');
  }, (err) => {
    if (!ctx.current()) return;
    box.replaceChildren(errorBox(t('personpanel.load_failed', { error: err.message })));
    box.setAttribute('aria-busy', 'false');
  });
  return sec;
}
