// case-form.js - the fields of an NRM case as a form, shared by the new-case
// page and the case view's "Edit the case": identity, contact, profile
// (the HTCDS v2.0 / CTDC value lists: single codes as selects, multi-valued
// ones as groups of checkboxes, each labelled in plain words), the
// presumption date, cooperation with the police and the narrative.
//
// Every input has a stable id (prefix + member [+ code]) so a page that
// redraws itself (a stale-version answer) can put back what was typed:
// markInitial(), snapshotInputs(), restoreInputs().

import { h, field } from './dom.js';
import {
  SEX, AGE_GROUPS, EXPLOITATION, MEANS_OF_CONTROL, RECRUITER, LABOUR_SECTORS, COUNTRIES,
} from './case-labels.js';

const TEXT = ['name', 'birth_date', 'worker_key', 'phone', 'email', 'address', 'narrative', 'presumed_on'];
const SINGLE = ['sex', 'age_group', 'citizenship', 'country_of_exploitation'];
export const MULTI = {
  exploitation: ['Forms of exploitation', EXPLOITATION],
  means_of_control: ['Means of control', MEANS_OF_CONTROL],
  recruiter: ['Who recruited the person', RECRUITER],
  labour_sector: ['Sector of the exploitation', LABOUR_SECTORS],
};

function countryOptions(current) {
  const list = Object.entries(COUNTRIES).sort((a, b) => a[1].localeCompare(b[1]))
    .map(([code, name]) => [code, `${name} (${code})`]);
  if (current && !COUNTRIES[current]) list.unshift([current, current]);
  return [['', 'Not recorded'], ...list];
}

function checkGroup(prefix, member, legend, table, chosen) {
  const set = new Set(chosen || []);
  return h('fieldset', { class: 'checks', id: `${prefix}-${member}` },
    h('legend', null, legend),
    Object.entries(table).map(([code, label]) => {
      const id = `${prefix}-${member}-${code.replace(/[^A-Za-z0-9]/g, '_')}`;
      return h('label', { for: id, class: 'check' },
        h('input', { type: 'checkbox', id, name: member, value: code, checked: set.has(code) }), label);
    }));
}

// values: a case view (or {} for a new case). Returns {el, read, changes}:
// read() the members to send for a new case (empty ones left out);
// changes(base) only the members that differ from `base` (for an update).
export function caseFields(prefix, values = {}, opts = {}) {
  const v = values || {};
  const f = {};
  const text = (member, label, props = {}, o = {}) => {
    f[member] = field(label, props.kind || 'input', { id: `${prefix}-${member}`, name: member, value: v[member] || '', autocomplete: 'off', ...props, kind: undefined }, o);
    return f[member].wrap;
  };
  const sel = (member, label, options, o = {}) => {
    f[member] = field(label, 'select', { id: `${prefix}-${member}`, name: member, value: v[member] || '' }, { options, ...o });
    return f[member].wrap;
  };
  const police = h('input', { type: 'checkbox', id: `${prefix}-police`, name: 'cooperating_with_police', checked: !!v.cooperating_with_police });

  const el = h('div', { class: 'case-fields' },
    h('fieldset', { class: 'group' }, h('legend', null, 'Identity'),
      h('div', { class: 'grid3' },
        text('name', 'Name', { size: 28, maxlength: 200 }),
        text('birth_date', 'Birth date', { type: 'date' }),
        text('worker_key', 'Document number', { size: 20, maxlength: 80, placeholder: 'COUNTRY:NUMBER' },
          { hint: 'As in the registers: the country code, a colon, the number (UZB:AB1234567).' }))),
    h('fieldset', { class: 'group' }, h('legend', null, 'Contact'),
      h('div', { class: 'grid3' },
        text('phone', 'Phone', { type: 'tel', size: 18, maxlength: 40 }),
        text('email', 'E-mail', { type: 'email', size: 24, maxlength: 200 }),
        text('address', 'Address', { size: 30, maxlength: 300 }))),
    h('fieldset', { class: 'group' }, h('legend', null, 'Profile'),
      h('div', { class: 'grid4' },
        sel('sex', 'Sex', [['', 'Not recorded'], ...Object.entries(SEX)]),
        sel('age_group', 'Age group', [['', 'Not recorded (worked out from the birth date)'], ...Object.entries(AGE_GROUPS)]),
        sel('citizenship', 'Citizenship', countryOptions(v.citizenship)),
        sel('country_of_exploitation', 'Country of exploitation', countryOptions(v.country_of_exploitation))),
      Object.entries(MULTI).map(([member, [legend, table]]) => checkGroup(prefix, member, legend, table, v[member])),
      h('div', { class: 'grid3' },
        text('presumed_on', 'Presumed a victim on', { type: 'date' },
          { hint: opts.isNew ? 'Starts the reflection and recovery period; empty: today.' : 'Starts the reflection and recovery period.' }),
        h('div', { class: 'field check-field' },
          h('label', { for: police.id, class: 'check' }, police, 'Cooperating with the police'),
          h('span', { class: 'hint' }, 'Recorded only: assistance never depends on it.')))),
    h('fieldset', { class: 'group' }, h('legend', null, 'Narrative'),
      text('narrative', 'What happened, in the person\'s words where possible', { kind: 'textarea', rows: 6, maxlength: 20000 }, { wide: true })));

  function multi(member) {
    return [...el.querySelectorAll(`input[name="${member}"]:checked`)].map((i) => i.value);
  }
  function current() {
    const out = {};
    for (const m of TEXT) out[m] = f[m].input.value.trim();
    for (const m of SINGLE) out[m] = f[m].input.value;
    for (const m of Object.keys(MULTI)) out[m] = multi(m);
    out.cooperating_with_police = police.checked;
    return out;
  }
  return {
    el,
    focus: () => f.name.input.focus(),
    read() {
      const out = current();
      for (const [k, val] of Object.entries(out)) {
        if (val === '' || (Array.isArray(val) && !val.length)) delete out[k];
      }
      if (!out.cooperating_with_police) delete out.cooperating_with_police;
      return out;
    },
    changes(base) {
      const out = current();
      const b = base || {};
      for (const k of Object.keys(out)) {
        const was = b[k];
        const now = out[k];
        const same = Array.isArray(now) ? JSON.stringify(now) === JSON.stringify(was || [])
          : typeof now === 'boolean' ? now === !!was : now === (was || '');
        if (same) delete out[k];
      }
      return out;
    },
  };
}

// What the user typed survives a redraw: markInitial(root) after drawing
// remembers each field's drawn value; snapshotInputs(root) takes the fields
// whose value the user changed since (by id), restoreInputs(root, snap)
// puts them back into the redrawn page. Fields the user left alone show
// the fresh state.
const valueOf = (el) => (el.type === 'checkbox' || el.type === 'radio' ? (el.checked ? '1' : '0') : el.value);
const FIELDS = 'input[id], select[id], textarea[id]';

export function markInitial(root) {
  for (const el of root.querySelectorAll(FIELDS)) {
    if (el.type !== 'file') el.dataset.initial = valueOf(el);
  }
}

export function snapshotInputs(root) {
  const snap = new Map();
  for (const el of root.querySelectorAll(FIELDS)) {
    if (el.type === 'file') continue;
    if (el.dataset.initial === undefined || valueOf(el) !== el.dataset.initial) snap.set(el.id, valueOf(el));
  }
  return snap;
}

export function restoreInputs(root, snap) {
  let n = 0;
  for (const [id, val] of snap) {
    const el = root.querySelector(`#${CSS.escape(id)}`);
    if (!el) continue;
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = val === '1';
    else el.value = val;
    n++;
    // show it: open the folded parts it is in
    for (let p = el.parentElement; p && p !== root; p = p.parentElement) {
      if (p.tagName === 'DETAILS') p.open = true;
      if (p.hidden) p.hidden = false;
    }
  }
  return n;
}
