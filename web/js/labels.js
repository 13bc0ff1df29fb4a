// labels.js - the words the UI shows for the codes the API uses, and small
// formatting helpers. Codes without a label here are shown readably (the
// API may grow new indicators before this file learns their names).

import { h } from './dom.js';

export const INDICATORS = {
  wage_below_minimum: 'Wage below the legal minimum',
  wage_far_below_peers: 'Wage far below peers',
  hours_over_legal: 'Week longer than 40 hours',
  hours_excessive: 'Week longer than 48 hours',
  crowded_residence: 'Crowded residence',
  residence_is_workplace: 'Lives at the workplace',
  shared_employer_address: 'Employers share an address',
  shared_phone: 'Workers share a phone',
  phone_across_employers: 'Phone across employers',
  intermediary_share: 'One agent behind most permits',
  intermediary_spike: 'Sudden surge from an agent',
  permits_over_headcount: 'Permits over headcount',
  new_employer_many_permits: 'New employer, many permits',
  occupation_sector_mismatch: 'Occupation does not fit sector',
  minor_worker: 'Worker under 18',
  young_one_sex_entertainment: 'Young, one-sex entertainment staff',
  rapid_transfers: 'Rapid transfers between employers',
  never_entered: 'Permit approved, never entered',
  exit_reentry: 'Repeated exits and re-entries',
  prior_violations: 'Prior inspection violations',
  reports_touching_employer: 'Reports name the employer',
  reports_touching_address: 'Reports name the address',
  reports_touching_phone: 'Reports name the phone',
};

// What an indicator's value and threshold are counted in, where that is
// certain; the sentence leaves the unit out otherwise.
// The watch list page (pages/watchlist.js): every sentence it shows.
export const WATCHLIST_TEXT = {
  title: 'Watch list',
  intro: 'Every entity of one kind, ranked by its score, whether an alert was raised or not: a list to plan inspections from. The strongest reasons are listed with each.',
  kind: 'Entities',
  limit: 'How many',
  formLabel: 'Choose the watch list',
  show: 'Show the list',
  loading: 'Ranking every entity; this takes a few seconds on a large register.',
  failed: 'The watch list could not be loaded:',
  summary: (n, total, kind, version) => `The ${n} highest of ${total} (${kind.toLowerCase()}), scored under configuration ${version}.`,
  caption: (kind) => `${kind} by score, highest first`,
  rank: 'Rank',
  key: 'Entity',
  score: 'Score',
  level: 'Level',
  indicators: 'Strongest reasons',
  noEvidence: 'No evidence: the base score',
};

export const INDICATOR_UNITS = {
  wage_below_minimum: 'AMD a month',
  wage_far_below_peers: 'AMD a month',
  hours_over_legal: 'hours a week',
  hours_excessive: 'hours a week',
  never_entered: 'days',
};

export const STATUSES = {
  new: 'New',
  in_review: 'In review',
  escalated: 'Escalated',
  dismissed: 'Dismissed',
  confirmed: 'Confirmed',
};
export const STATUS_ORDER = ['new', 'in_review', 'escalated', 'confirmed', 'dismissed'];

// The lifecycle (alerts.h): the moves allowed from each status.
export const MOVES = {
  new: ['in_review', 'escalated', 'dismissed', 'confirmed'],
  in_review: ['escalated', 'dismissed', 'confirmed', 'new'],
  escalated: ['in_review', 'dismissed', 'confirmed'],
  dismissed: ['in_review'],
  confirmed: ['in_review'],
};

// A move that needs a reason (the server refuses it without one).
export function moveNeedsReason(from, to) {
  return to === 'dismissed' || to === 'confirmed' || from === 'dismissed' || from === 'confirmed';
}

export const ENTITY_TYPES = {
  application: 'Application',
  worker: 'Worker',
  employer: 'Employer',
  intermediary: 'Agent / intermediary',
  address: 'Address',
  phone: 'Phone',
};

export const LEVELS = { high: 'High', medium: 'Medium', low: 'Low', none: 'None' };

// ISO 3166-2:AM.
export const REGIONS = {
  'AM-ER': 'Yerevan',
  'AM-AG': 'Aragatsotn',
  'AM-AR': 'Ararat',
  'AM-AV': 'Armavir',
  'AM-GR': 'Gegharkunik',
  'AM-KT': 'Kotayk',
  'AM-LO': 'Lori',
  'AM-SH': 'Shirak',
  'AM-SU': 'Syunik',
  'AM-TV': 'Tavush',
  'AM-VD': 'Vayots Dzor',
};

// ISO 3166-1 alpha-3 of the nationalities the register sees most.
const NATIONS = {
  RUS: 'Russia', IND: 'India', IRN: 'Iran', CHN: 'China', SYR: 'Syria', IRQ: 'Iraq',
  TJK: 'Tajikistan', UZB: 'Uzbekistan', KGZ: 'Kyrgyzstan', KAZ: 'Kazakhstan',
  TKM: 'Turkmenistan', BGD: 'Bangladesh', NPL: 'Nepal', LKA: 'Sri Lanka', PAK: 'Pakistan',
  EGY: 'Egypt', UKR: 'Ukraine', BLR: 'Belarus', GEO: 'Georgia', TUR: 'Turkey', PHL: 'Philippines',
  VNM: 'Viet Nam', NGA: 'Nigeria', ETH: 'Ethiopia', USA: 'United States', FRA: 'France',
  DEU: 'Germany', ITA: 'Italy', GBR: 'United Kingdom', ARM: 'Armenia', AZE: 'Azerbaijan',
};

export const ILO = {
  abuse_of_vulnerability: 'abuse of vulnerability',
  deception: 'deception',
  restriction_of_movement: 'restriction of movement',
  isolation: 'isolation',
  physical_and_sexual_violence: 'physical and sexual violence',
  intimidation_and_threats: 'intimidation and threats',
  retention_of_identity_documents: 'retention of identity documents',
  withholding_of_wages: 'withholding of wages',
  debt_bondage: 'debt bondage',
  abusive_working_and_living_conditions: 'abusive working and living conditions',
  excessive_overtime: 'excessive overtime',
};

function readable(code) {
  const s = String(code || '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const indicatorLabel = (id) => INDICATORS[id] || readable(id);
export const statusLabel = (s) => STATUSES[s] || readable(s);
export const entityLabel = (t) => ENTITY_TYPES[t] || readable(t);
export const regionLabel = (r) => (r ? (REGIONS[r] ? `${REGIONS[r]} (${r})` : r) : 'unknown');
export const nationLabel = (n) => (n ? (NATIONS[n] ? `${NATIONS[n]} (${n})` : n) : 'unknown');
export const iloLabels = (s) => String(s || '').split(/[,;]/).filter(Boolean).map((x) => ILO[x] || readable(x));

// 98.18 -> "98.2"; null -> "–".
export function fmtScore(s) {
  return typeof s === 'number' ? s.toFixed(1) : '–';
}

const numberFmt = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
export function fmtNumber(n) {
  return typeof n === 'number' ? numberFmt.format(n) : String(n ?? '–');
}

// "2026-11-23T19:07:20Z" -> "2026-11-23 19:07 UTC"; dates stay dates.
export function fmtTime(t) {
  if (!t) return '–';
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(t);
  return m ? `${m[1]} ${m[2]} UTC` : t;
}

export function fmtBytes(n) {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// A level badge: colour and the word (never colour alone).
export function levelBadge(level) {
  const l = LEVELS[level] ? level : 'none';
  return h('span', { class: `badge level-${l}` }, LEVELS[l]);
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, statusLabel(status));
}

// The UI's address of an entity page (the key is one URL segment).
export function entityHref(type, key) {
  return `#/entities/${encodeURIComponent(type)}/${encodeURIComponent(key)}`;
}
