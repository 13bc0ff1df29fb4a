// directory.js - the organisations and people a user chooses from (GET
// /api/v1/directory), as selects grouped by organisation: an alert's
// assignee or the person it is escalated to, a referral's receiver, a
// service's provider. Loaded once per page view.

import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { roleWords } from './labels.js';

let cached = null;

export function loadDirectory() {
  if (!cached) {
    cached = api('GET', '/directory').catch((err) => {
      cached = null;
      throw err;
    });
  }
  return cached;
}

// A select of people grouped by organisation; opts.roles: only those roles;
// opts.empty: the words of an empty first choice (none when absent).
export function peopleSelect(dir, props, opts = {}) {
  const sel = h('select', props);
  if (opts.empty) sel.appendChild(h('option', { value: '' }, opts.empty));
  const people = (dir.people || []).filter((p) => !opts.roles || opts.roles.includes(p.role));
  const byOrg = new Map();
  for (const p of people) {
    if (!byOrg.has(p.org)) byOrg.set(p.org, []);
    byOrg.get(p.org).push(p);
  }
  for (const [org, list] of byOrg) {
    sel.appendChild(h('optgroup', { label: org },
      list.map((p) => h('option', { value: p.user }, t('directory.person', { user: p.user, role: roleWords(p.role), org })))));
  }
  if (props.value !== undefined) sel.value = props.value;
  return sel;
}

// A select of organisations; opts.exclude: a name left out; opts.empty as
// above.
export function orgSelect(dir, props, opts = {}) {
  const sel = h('select', props);
  if (opts.empty) sel.appendChild(h('option', { value: '' }, opts.empty));
  for (const o of dir.organisations || []) {
    if (opts.exclude && o.name.toLowerCase() === opts.exclude.toLowerCase()) continue;
    sel.appendChild(h('option', { value: o.name }, o.name));
  }
  if (props.value !== undefined) sel.value = props.value;
  return sel;
}

// A labelled field around a select made above: {wrap, input}.
export function selectField(label, sel, hint) {
  const hintEl = hint ? h('span', { class: 'hint', id: `${sel.id}-hint` }, hint) : null;
  if (hintEl) sel.setAttribute('aria-describedby', hintEl.id);
  return { wrap: h('div', { class: 'field' }, h('label', { for: sel.id }, label), sel, hintEl), input: sel };
}
