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
import { t, label } from './i18n.js';
import {
  SEX_CODES, AGE_GROUP_CODES, EXPLOITATION_CODES, CONTROL_CODES, RECRUITER_CODES, SECTOR_CODES, COUNTRIES,
} from './case-labels.js';

const TEXT = ['name', 'birth_date', 'worker_key', 'phone', 'email', 'address', 'narrative', 'presumed_on'];
const SINGLE = ['sex', 'age_group', 'citizenship', 'country_of_exploitation'];
// member -> [legend key, code family, codes]
export const MULTI = {
  exploitation: ['caseform.exploitation', 'exploitation', EXPLOITATION_CODES],
  means_of_control: ['caseform.means_of_control', 'control', CONTROL_CODES],
  recruiter: ['caseform.recruiter', 'recruiter', RECRUITER_CODES],
  labour_sector: ['caseform.labour_sector', 'sector', SECTOR_CODES],
};

// The citizenship / country select's options, by name in the user's
// language, "Not recorded" first (also the case view's offenders form).
export function countryOptions(current) {
  const list = COUNTRIES.map((code) => [code, `${label('country', code)} (${code})`])
    .sort((a, b) => a[1].localeCompare(b[1]));
  if (current && !COUNTRIES.includes(current)) list.unshift([current, current]);
  return [['', t('common.not_recorded_cap')], ...list];
}

function checkGroup(prefix, member, legend, family, codes, chosen) {
  const set = new Set(chosen || []);
  return h('fieldset', { class: 'checks', id: `${prefix}-${member}` },
    h('legend', null, legend),
    codes.map((code) => {
      const id = `${prefix}-${member}-${code.replace(/[^A-Za-z0-9]/g, '_')}`;
      return h('label', { for: id, class: 'check' },
        h('input', { type: 'checkbox', id, name: member, value: code, checked: set.has(code) }), label(family, code));
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
    h('fieldset', { class: 'group' }, h('legend', null, t('caseform.identity')),
      h('div', { class: 'grid3' },
        text('name', t('field.name'), { size: 28, maxlength: 200 }),
        text('birth_date', t('field.birth_date'), { type: 'date' }),
        text('worker_key', t('field.worker_key'), { size: 20, maxlength: 80, placeholder: t('caseform.worker_key_placeholder') },
          { hint: t('caseform.worker_key_hint') }))),
    h('fieldset', { class: 'group' }, h('legend', null, t('caseform.contact')),
      h('div', { class: 'grid3' },
        text('phone', t('field.phone'), { type: 'tel', size: 18, maxlength: 40 }),
        text('email', t('field.email'), { type: 'email', size: 24, maxlength: 200 }),
        text('address', t('field.address'), { size: 30, maxlength: 300 }))),
    h('fieldset', { class: 'group' }, h('legend', null, t('caseform.profile')),
      h('div', { class: 'grid4' },
        sel('sex', t('field.sex'), [['', t('common.not_recorded_cap')], ...SEX_CODES.map((c) => [c, label('sex', c)])]),
        sel('age_group', t('field.age_group'), [['', t('caseform.age_group_none')], ...AGE_GROUP_CODES.map((c) => [c, label('age_group', c)])]),
        sel('citizenship', t('field.citizenship'), countryOptions(v.citizenship)),
        sel('country_of_exploitation', t('field.country_of_exploitation'), countryOptions(v.country_of_exploitation))),
      Object.entries(MULTI).map(([member, [legend, family, codes]]) => checkGroup(prefix, member, t(legend), family, codes, v[member])),
      h('div', { class: 'grid3' },
        text('presumed_on', t('field.presumed_on'), { type: 'date' },
          { hint: opts.isNew ? t('caseform.presumed_on_hint_new') : t('caseform.presumed_on_hint') }),
        h('div', { class: 'field check-field' },
          h('label', { for: police.id, class: 'check' }, police, t('field.cooperating_with_police')),
          h('span', { class: 'hint' }, t('caseform.police_hint'))))),
    h('fieldset', { class: 'group' }, h('legend', null, t('caseform.narrative')),
      text('narrative', t('caseform.narrative_label'), { kind: 'textarea', rows: 6, maxlength: 20000 }, { wide: true })));

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
