// The person page: GET /api/v1/persons/{id} - a person's records across the
// registers (grouped where identical) and every link with its evidence.

import { api } from '../api.js';
import { h, add, errorBox } from '../dom.js';
import { REGISTERS, HOW, T, splitEvidence } from '../person-labels.js';

export function evidenceList(text) {
  const e = splitEvidence(text);
  const fmt = (w) => (w === null ? '' : `${w > 0 ? '+' : ''}${w.toFixed(1)}`);
  return h('ul', { class: 'evidence' },
    e.items.map((it) => h('li', { class: it.weight > 0 ? 'for' : it.weight < 0 ? 'against' : 'none' },
      `${it.text} `, h('strong', null, fmt(it.weight)))),
    h('li', { class: 'prior' }, `${T.prior} `, h('strong', null, fmt(e.prior))),
    h('li', { class: 'total' }, `${T.total} `, h('strong', null, fmt(e.total))));
}

function recordLink(rec) {
  const [reg, ...rest] = rec.split(':');
  const id = rest.join(':');
  const label = `${REGISTERS[reg] || reg} ${id}`;
  if (reg === 'permits') return h('a', { href: `#/entities/application/${encodeURIComponent(id)}` }, label);
  return h('span', null, label);
}

export async function render(main, ctx) {
  const [id] = ctx.params;
  let p;
  try {
    p = await api('GET', `/persons/${id}`);
  } catch (err) {
    if (!ctx.current()) return;
    ctx.setTitle(T.personTitle(id));
    add(main, h('h1', { tabindex: '-1' }, T.personTitle(id)), errorBox(T.loadFailed(err.message)));
    return;
  }
  if (!ctx.current()) return;
  ctx.setTitle(T.personTitle(p.id));
  const groups = new Map();
  for (const r of p.records || []) {
    if (!groups.has(r.group)) groups.set(r.group, []);
    groups.get(r.group).push(r);
  }
  let n = 0;
  add(main,
    h('h1', { tabindex: '-1' }, T.personTitle(p.id)),
    p.merged ? h('p', { class: 'flash flash-ok' }, T.mergedInto(p.asked, p.id)) : null,
    h('p', { class: 'lead' }, T.personLead),
    h('h2', null, T.records),
    h('p', { class: 'hint' }, T.recordsHint),
    h('ol', { class: 'person-groups' }, [...groups.values()].map((rs) => {
      n++;
      return h('li', null, h('span', { class: 'group-label' }, T.group(n)),
        h('ul', null, rs.map((r) => h('li', null, recordLink(r.record)))));
    })),
    h('h2', null, T.links),
    (p.links || []).length
      ? h('ol', { class: 'person-links' }, p.links.map((l) => h('li', null,
        h('h3', null, T.linkBetween(l.a, l.b)),
        h('p', { class: 'hint' }, `${HOW[l.how] || l.how} · ${T.probability(l.probability)}`),
        evidenceList(l.evidence))))
      : h('p', { class: 'summary' }, T.noLinks));
}
