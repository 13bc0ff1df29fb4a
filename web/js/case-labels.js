// case-labels.js - the words the NRM case pages show for the codes of the
// case module (src/cases/cases.h, docs/nrm.md): stages, services, referral and
// service states, data categories and the HTCDS v2.0 / CTDC value lists in
// plain language. The codes are the API's (GET /api/v1/cases/codes; the
// browser test checks the two agree), only the words are the UI's, in the
// server's order. Which stage moves are allowed is not repeated here: the
// case view's allowed_moves says it.

import { h } from './dom.js';

export const STAGES = {
  presumed_victim: 'Presumed victim',
  referred_to_commission: 'Referred to the Identification Commission',
  identified: 'Identified as a victim',
  not_identified: 'Not identified',
  assistance: 'Assistance',
  reintegration: 'Reintegration',
  voluntary_return: 'Voluntary return',
  onward_referral: 'Onward referral',
  closed: 'Closed',
};

// What the button says for a move (the verb a case worker would use).
export function moveLabel(from, to) {
  if (from === 'closed' && to === 'presumed_victim') return 'Reopen the case';
  switch (to) {
    case 'referred_to_commission': return from === 'not_identified' ? 'Refer to the commission again' : 'Refer to the Identification Commission';
    case 'identified': return 'Record: identified by the commission';
    case 'not_identified': return 'Record: not identified by the commission';
    case 'assistance': return 'Start assistance';
    case 'reintegration': return 'Move to reintegration';
    case 'voluntary_return': return 'Move to voluntary return';
    case 'onward_referral': return 'Move to onward referral';
    case 'closed': return 'Close the case';
    default: return `Move to ${stageLabel(to)}`;
  }
}

export const SERVICES = {
  shelter: 'Shelter',
  medical: 'Medical assistance',
  psychological: 'Psychological assistance',
  legal_aid: 'Legal aid',
  interpretation: 'Interpretation',
  state_payment: 'One-time state payment',
  vocational_training: 'Vocational training',
  return_support: 'Support to return home',
};

export const SERVICE_STATUSES = {
  offered: 'Offered',
  accepted: 'Accepted',
  declined: 'Declined',
  delivered: 'Delivered',
};

export const REFERRAL_STATUSES = {
  draft: 'Draft (not sent)',
  pending: 'Sent, waiting for an answer',
  accepted: 'Accepted',
  rejected: 'Rejected',
  completed: 'Completed',
  revoked: 'Revoked',
};

export const CATEGORIES = {
  profile: 'Profile (sex, age group, citizenship, forms of exploitation and the other codes)',
  identity: 'Identity (name, birth date, document number, the alert evidence)',
  contact: 'Contact (phone, e-mail, address)',
  narrative: 'Narrative (the story and the written reasons)',
  services: 'Services (what is offered and by whom)',
  attachments: 'Attachments (the attached files)',
};

// HTCDS v2.0 / CTDC value lists (cases_codes()), in the server's order.
export const SEX = {
  Male: 'Male',
  Female: 'Female',
  'Transgender/NonConforming': 'Transgender or gender non-conforming',
  Unknown: 'Not known',
};

export const AGE_GROUPS = {
  '0--8': '0 to 8 years',
  '09--17': '9 to 17 years',
  '18--20': '18 to 20 years',
  '21--23': '21 to 23 years',
  '24--26': '24 to 26 years',
  '27--29': '27 to 29 years',
  '30--38': '30 to 38 years',
  '39--47': '39 to 47 years',
  '48+': '48 years or older',
};

export const EXPLOITATION = {
  ForcedLabour: 'Forced labour',
  SexualExploitation: 'Sexual exploitation',
  ForcedMarriage: 'Forced marriage',
  ForcedMilitaryService: 'Forced military service',
  OrganRemoval: 'Organ removal',
  ForcedBegging: 'Forced begging',
  IllicitActivities: 'Forced criminal activity',
  IllegalAdoption: 'Illegal adoption',
  Surrogacy: 'Forced surrogacy',
  Other: 'Other',
};

export const MEANS_OF_CONTROL = {
  DebtBondage: 'Debt bondage',
  TakesEarnings: 'Takes the earnings',
  RestrictsFinancialAccess: 'Restricts access to money',
  Threats: 'Threats',
  PsychologicalAbuse: 'Psychological abuse',
  PhysicalAbuse: 'Physical abuse',
  SexualAbuse: 'Sexual abuse',
  FalsePromises: 'False promises',
  PsychoactiveSubstances: 'Alcohol or drugs',
  RestrictsMovement: 'Restricts movement',
  RestrictsMedicalCare: 'Restricts medical care',
  ExcessiveWorkingHours: 'Excessive working hours',
  UsesChildren: 'Uses the children',
  ThreatOfLawEnforcement: 'Threat of police or deportation',
  WithholdsNecessities: 'Withholds food, sleep or other necessities',
  WithholdsDocuments: 'Withholds identity documents',
  Other: 'Other',
};

export const RECRUITER = {
  IntimatePartner: 'Intimate partner',
  Friend: 'Friend',
  Family: 'Family member',
  Other: 'Someone else',
  Unknown: 'Not known',
};

export const LABOUR_SECTORS = {
  Agriculture: 'Agriculture',
  Aquafarming: 'Fishing and aquafarming',
  Begging: 'Begging',
  Construction: 'Construction',
  DomesticWork: 'Domestic work',
  Hospitality: 'Hotels and restaurants',
  IllicitActivities: 'Illicit activities',
  Manufacturing: 'Manufacturing',
  MiningOrDrilling: 'Mining or drilling',
  Peddling: 'Street selling',
  Transportation: 'Transport',
  Other: 'Other',
};

// The countries a case worker picks most (ISO 3166-1 alpha-3); a case's
// code that is not among them is added to its select (case-form.js).
export const COUNTRIES = {
  ARM: 'Armenia', RUS: 'Russia', IND: 'India', IRN: 'Iran', CHN: 'China', SYR: 'Syria',
  IRQ: 'Iraq', GEO: 'Georgia', UKR: 'Ukraine', BLR: 'Belarus', TUR: 'Turkey',
  ARE: 'United Arab Emirates', TJK: 'Tajikistan', UZB: 'Uzbekistan', KGZ: 'Kyrgyzstan',
  KAZ: 'Kazakhstan', TKM: 'Turkmenistan', BGD: 'Bangladesh', NPL: 'Nepal', LKA: 'Sri Lanka',
  PAK: 'Pakistan', EGY: 'Egypt', PHL: 'Philippines', VNM: 'Viet Nam', NGA: 'Nigeria',
  ETH: 'Ethiopia', DEU: 'Germany', FRA: 'France', ITA: 'Italy', GBR: 'United Kingdom',
  USA: 'United States', AZE: 'Azerbaijan', GRC: 'Greece', POL: 'Poland', CZE: 'Czechia',
};

function readable(code) {
  const s = String(code || '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const lookup = (table) => (code) => (code ? table[code] || readable(code) : '–');
export const stageLabel = lookup(STAGES);
export const serviceLabel = lookup(SERVICES);
export const serviceStatusLabel = lookup(SERVICE_STATUSES);
export const referralStatusLabel = lookup(REFERRAL_STATUSES);
export const countryLabel = (c) => (c ? (COUNTRIES[c] ? `${COUNTRIES[c]} (${c})` : c) : 'not recorded');

// A ';'-separated set of codes (or an array) in words, joined by ", ".
export function codesLabel(table, value) {
  const list = Array.isArray(value) ? value : String(value || '').split(';').filter(Boolean);
  return list.length ? list.map((c) => table[c] || readable(c)).join(', ') : 'not recorded';
}

export const oneLabel = (table, code) => (code ? table[code] || readable(code) : 'not recorded');

export function stageBadge(stage) {
  return h('span', { class: `badge stage stage-${STAGES[stage] ? stage : 'unknown'}` }, stageLabel(stage));
}

// The overdue badge says it in words and gives the date the decision was due.
export function overdueBadge(due) {
  return h('span', { class: 'badge overdue' }, due ? `Overdue: decision was due ${due}` : 'Overdue');
}

export function referralBadge(status) {
  return h('span', { class: `badge referral-${status}` }, referralStatusLabel(status));
}

export function serviceBadge(status) {
  return h('span', { class: `badge service-${status}` }, serviceStatusLabel(status));
}
