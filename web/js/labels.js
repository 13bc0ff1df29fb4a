// labels.js - the codes the API uses and their words in the user's
// language (the catalogues of i18n.js: indicator.*, status.*, entity.*,
// level.*, region.*, nation.*, ilo.*, unit.*), and small formatting
// helpers. Codes without words in the catalogue are shown readably (the
// API may grow new indicators before the catalogues learn their names).

import { h } from './dom.js';
import { t, label, fmtNumber as num, fmtTime as time } from './i18n.js';

// The codes, in the order the UI lists them.
export const INDICATOR_CODES = [
  'wage_below_minimum', 'wage_far_below_peers', 'hours_over_legal', 'hours_excessive',
  'crowded_residence', 'residence_is_workplace', 'shared_employer_address', 'shared_phone',
  'phone_across_employers', 'intermediary_share', 'intermediary_spike', 'permits_over_headcount',
  'new_employer_many_permits', 'occupation_sector_mismatch', 'minor_worker',
  'young_one_sex_entertainment', 'rapid_transfers', 'never_entered', 'exit_reentry',
  'prior_violations', 'reports_touching_employer', 'reports_touching_address', 'reports_touching_phone',
  'reports_touching_worker',
];

// The indicators whose value and threshold have a unit (unit.* in the
// catalogues); the sentence leaves the unit out otherwise.
export const INDICATOR_UNITS = {
  wage_below_minimum: 'amd_month',
  wage_far_below_peers: 'amd_month',
  hours_over_legal: 'hours_week',
  hours_excessive: 'hours_week',
  never_entered: 'days',
};

export const STATUS_ORDER = ['new', 'in_review', 'escalated', 'confirmed', 'dismissed'];
export const ENTITY_CODES = ['application', 'worker', 'employer', 'intermediary', 'address', 'phone'];
export const LEVEL_CODES = ['high', 'medium', 'low', 'none'];

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
  return to === 'dismissed' || to === 'confirmed' || to === 'escalated' || from === 'dismissed' || from === 'confirmed';
}

// ISO 3166-2:AM.
export const REGION_CODES = ['AM-ER', 'AM-AG', 'AM-AR', 'AM-AV', 'AM-GR', 'AM-KT', 'AM-LO', 'AM-SH', 'AM-SU', 'AM-TV', 'AM-VD'];

// ISO 3166-1 alpha-3 of the countries the registers and the cases see
// most (country.* in the catalogues).
export const COUNTRY_CODES = [
  'ARM', 'RUS', 'IND', 'IRN', 'CHN', 'SYR', 'IRQ', 'GEO', 'UKR', 'BLR', 'TUR', 'ARE', 'TJK', 'UZB',
  'KGZ', 'KAZ', 'TKM', 'BGD', 'NPL', 'LKA', 'PAK', 'EGY', 'PHL', 'VNM', 'NGA', 'ETH', 'DEU', 'FRA',
  'ITA', 'GBR', 'USA', 'AZE', 'GRC', 'POL', 'CZE',
];

export const indicatorLabel = (id) => label('indicator', id);
export const roleWords = (r) => label('role', r);
export const statusLabel = (s) => label('status', s);
export const entityLabel = (tp) => label('entity', tp);
export const levelLabel = (l) => label('level', l || 'none');
export const regionName = (r) => label('region', r);
export const countryName = (c) => label('country', c);
export const regionLabel = (r) => (r ? `${regionName(r)} (${r})` : t('common.unknown'));
export const nationLabel = (n) => (n ? `${countryName(n)} (${n})` : t('common.unknown'));
export const iloLabels = (s) => String(s || '').split(/[,;]/).filter(Boolean).map((x) => label('ilo', x));

// [[code, words], ...] for a select.
export const options = (family, codes) => codes.map((c) => [c, label(family, c)]);

// 98.18 -> "98.2"; null -> "–".
export function fmtScore(s) {
  return typeof s === 'number' ? num(s, 1, 1) : '–';
}

export const fmtNumber = (n) => num(n);
export const fmtTime = (s) => time(s);

export function fmtBytes(n) {
  if (n < 1024) return t('unit.bytes', { n, v: num(n) });
  if (n < 1024 * 1024) return t('unit.kib', { v: num(n / 1024, 1) });
  return t('unit.mib', { v: num(n / 1024 / 1024, 1) });
}

// A level badge: colour and the word (never colour alone).
export function levelBadge(level) {
  const l = LEVEL_CODES.includes(level) ? level : 'none';
  return h('span', { class: `badge level-${l}` }, levelLabel(l));
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, statusLabel(status));
}

// The UI's address of an entity page (the key is one URL segment).
export function entityHref(type, key) {
  return `#/entities/${encodeURIComponent(type)}/${encodeURIComponent(key)}`;
}

// An entity as people know it: its name (when the API gives one) beside
// its key, e.g. "Rahul Sharma · IND:Q7722758".
export function entityName(name, key) {
  const k = h('span', { class: 'key' }, key || '–');
  return name && name !== key ? [h('span', { class: 'entity-name' }, name), ' · ', k] : [k];
}
