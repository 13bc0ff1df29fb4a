// The person page: GET /api/v1/persons/{id} - a person's records across the
// registers (grouped where identical) and every link with its evidence. A
// reviewer (person.review) can send a link to the review queue (POST
// /api/v1/persons/review) to answer "not the same person" there.

import { api } from '../api.js';
import { h, add, errorBox } from '../dom.js';
import { t } from '../i18n.js';
import { registerLabel, howLabel, evidenceItems, fmtWeight } from '../person-labels.js';

export function evidenceList(detail) {
  const e = evidenceItems(detail);
  return h('ul', { class: 'evidence' },
    e.items.map((it) => h('li', { class: it.weight > 0 ? 'for' : it.weight < 0 ? 'against' : 'none' },
      `${it.text} `, h('strong', null, fmtWeight(it.weight)))),
    h('li', { class: 'prior' }, `${t('person.prior')} `, h('strong', null, fmtWeight(e.prior))),
    h('li', { class: 'total' }, `${t('person.total')} `, h('strong', null, fmtWeight(e.total))));
}

export function probabilityText(p) {
  return t('person.probability', { p: (p * 100).toFixed(1) });
}

function recordLink(rec) {
  const [reg, ...rest] = rec.split(':');
  const id = rest.join(':');
  if (reg === 'permits') return h('a', { href: `#/entities/application/${encodeURIComponent(id)}` }, registerLabel(rec));
  return h('span', null, registerLabel(rec));
}

function disputeButton(l, ctx) {
  const errors = h('div');
  const button = h('button', {
    type: 'button', class: 'secondary dispute',
    onclick: async () => {
      button.disabled = true;
      errors.replaceChildren();
      try {
        const r = await api('POST', '/persons/review', { a: l.a, b: l.b });
        ctx.flash(t(r.reopened ? 'person.reopened_flash' : 'person.disputed_flash', { id: r.id }), 'ok', true);
        ctx.go('#/persons/review');
      } catch (err) {
        errors.appendChild(errorBox(t('person.dispute_failed', { error: err.message })));
        button.disabled = false;
      }
    },
  }, t('person.dispute'));
  return h('div', { class: 'dispute-box' }, button, errors);
}

export async function render(main, ctx) {
  const [id] = ctx.params;
  let p;
  try {
    p = await api('GET', `/persons/${id}`);
  } catch (err) {
    if (!ctx.current()) return;
    ctx.setTitle(t('person.title', { id }));
    add(main, h('h1', { tabindex: '-1' }, t('person.title', { id })), errorBox(t('person.load_failed', { error: err.message })));
    return;
  }
  if (!ctx.current()) return;
  ctx.setTitle(t('person.title', { id: p.id }));
  const groups = new Map();
  for (const r of p.records || []) {
    if (!groups.has(r.group)) groups.set(r.group, []);
    groups.get(r.group).push(r);
  }
  let n = 0;
  add(main,
    h('h1', { tabindex: '-1' }, t('person.title', { id: p.id })),
    p.merged ? h('p', { class: 'flash flash-ok' }, t('person.merged_into', { asked: p.asked, id: p.id })) : null,
    h('p', { class: 'lead' }, t('person.lead')),
    h('h2', null, t('person.records')),
    h('p', { class: 'hint' }, t('person.records_hint')),
    h('ol', { class: 'person-groups' }, [...groups.values()].map((rs) => {
      n++;
      return h('li', null, h('span', { class: 'group-label' }, t('person.group', { n })),
        h('ul', null, rs.map((r) => h('li', null, recordLink(r.record)))));
    })),
    h('h2', null, t('person.links')),
    (p.links || []).length
      ? h('ol', { class: 'person-links' }, p.links.map((l) => h('li', null,
        h('h3', null, t('person.link_between', { a: registerLabel(l.a), b: registerLabel(l.b) })),
        h('p', { class: 'hint' }, `${howLabel(l.how)} · ${probabilityText(l.probability)}`),
        evidenceList(l.detail),
        ctx.can('person.review') ? disputeButton(l, ctx) : null)))
      : h('p', { class: 'summary' }, t('person.no_links')));
}
