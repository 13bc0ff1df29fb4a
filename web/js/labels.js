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

// The Patterns page (pages/patterns.js): every sentence it shows. Kept here
// until the translation catalogues take them over.
export const PATTERNS_TEXT = {
  title: 'Patterns of labour migration and recruitment',
  intro: 'Where workers come from, into which sectors and regions, through which recruiters, at what wages, and what changed. Counts of applications from the permit register (current version of each); definitions in the statistics guide.',
  from: 'From',
  to: 'To',
  apply: 'Show',
  print: 'Print the report',
  periodAll: 'Every record',
  period: (f, t) => `Period: ${f || 'the first record'} to ${t || 'the last record'}`,
  badPeriod: 'The period could not be used',
  loadFailed: (m) => `The patterns could not be loaded: ${m}`,
  noChartLib: 'The chart library did not load (vendor/chart.umd.min.js): run scripts/web-deps.sh.',
  empty: 'No applications in this period.',
  showNumbers: 'Show the numbers',
  download: 'Download as CSV',
  mapTitle: 'Applications by workplace region',
  mapNote: 'Each square is one region of Armenia, placed roughly where it lies; the darker, the more applications.',
  corridorsTitle: 'Largest corridors',
  corridorsNote: 'Citizenship, then the employer\'s sector (ISIC division), then the workplace region; the 15 largest.',
  flowsTitle: 'Flows by month',
  flowsNote: 'Entries and exits are border crossings of people holding an approved permit.',
  wagesTitle: 'Median wage of women and men in the same occupation',
  wagesNote: 'Sector and ISCO occupation group with at least 5 salaries of each sex; monthly AMD, gross.',
  recruitmentTitle: 'Largest recruiters',
  recruitmentNote: 'Applications through each intermediary; HHI is the concentration of its main sector\'s market (0 to 10,000).',
  trendsTitle: 'What changed most',
  trendsNote: 'Against the period of the same length just before; ranked by the size of the change against its chance variation.',
  qualityTitle: 'Data quality of the registers',
  regionUnknown: 'Region not stated',
  col: {
    region: 'Region', applications: 'Applications', corridor: 'Corridor', month: 'Month',
    approvals: 'Approvals', entries: 'Entries', exits: 'Exits', renewals: 'Renewals', transfers: 'Transfers',
    permits_never_used: 'Never used', overstays: 'Overstays', occupation: 'Sector / occupation',
    women: 'Women (median AMD)', men: 'Men (median AMD)', gap: 'Gap %', intermediary: 'Intermediary',
    employers: 'Employers', share: 'Share of their employers\' applications', hhi: 'HHI', rank: 'Rank',
    kind: 'Kind', item: 'What', previous: 'Before', current: 'Now', change: 'Change', note: 'Note',
    register: 'Register', rows: 'Records', rejected: 'Rejected', completeness: 'Completeness',
    duplicates: 'Duplicates', lag: 'Median days to import', inconsistent: 'Inconsistent',
  },
  kinds: { corridor: 'Corridor', intermediary: 'Intermediary', sector: 'Sector', citizenship: 'Citizenship', region: 'Region' },
  notes: { new: 'new', gone: 'gone', growth: 'growth', decline: 'decline' },
  registers: { permits: 'Work permits', border_crossings: 'Border crossings', inspections: 'Inspections', reports: 'Reports', outcomes: 'Outcomes' },
};
