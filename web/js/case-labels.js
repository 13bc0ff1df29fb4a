// case-labels.js - the codes of the case module (src/cases/cases.h,
// docs/nrm.md): stages, services, referral and service states, data
// categories and the HTCDS v2.0 / CTDC value lists, with their words in the
// user's language (stage.*, service.*, service_status.*, referral_status.*,
// category.*, sex.*, age_group.*, exploitation.*, control.*, recruiter.*,
// sector.*, country.* in the catalogues). The codes are the API's (GET
// /api/v1/cases/codes; the browser test checks the two agree), in the
// server's order. Which stage moves are allowed is not repeated here: the
// case view's allowed_moves says it.

import { h } from './dom.js';
import { t, has, label } from './i18n.js';
import { COUNTRY_CODES, countryName } from './labels.js';

export const STAGE_CODES = ['presumed_victim', 'referred_to_commission', 'identified', 'not_identified',
  'assistance', 'reintegration', 'voluntary_return', 'onward_referral', 'closed'];

// What the button says for a move (the verb a case worker would use).
export function moveLabel(from, to) {
  if (from === 'closed' && to === 'presumed_victim') return t('move.reopen');
  if (to === 'referred_to_commission' && from === 'not_identified') return t('move.refer_again');
  return has(`move.${to}`) ? t(`move.${to}`) : t('move.other', { stage: stageLabel(to) });
}

export const SERVICE_CODES = ['shelter', 'medical', 'psychological', 'legal_aid', 'interpretation',
  'state_payment', 'vocational_training', 'return_support'];
export const SERVICE_STATUS_CODES = ['offered', 'accepted', 'declined', 'delivered'];
export const REFERRAL_STATUS_CODES = ['draft', 'pending', 'accepted', 'rejected', 'completed', 'revoked'];
export const CATEGORY_CODES = ['profile', 'identity', 'contact', 'narrative', 'services', 'attachments'];

// HTCDS v2.0 / CTDC value lists (cases_codes()), in the server's order.
export const SEX_CODES = ['Male', 'Female', 'Transgender/NonConforming', 'Unknown'];
export const AGE_GROUP_CODES = ['0--8', '09--17', '18--20', '21--23', '24--26', '27--29', '30--38', '39--47', '48+'];
export const EXPLOITATION_CODES = ['ForcedLabour', 'SexualExploitation', 'ForcedMarriage', 'ForcedMilitaryService',
  'OrganRemoval', 'ForcedBegging', 'IllicitActivities', 'IllegalAdoption', 'Surrogacy', 'Other'];
export const CONTROL_CODES = ['DebtBondage', 'TakesEarnings', 'RestrictsFinancialAccess', 'Threats',
  'PsychologicalAbuse', 'PhysicalAbuse', 'SexualAbuse', 'FalsePromises', 'PsychoactiveSubstances',
  'RestrictsMovement', 'RestrictsMedicalCare', 'ExcessiveWorkingHours', 'UsesChildren',
  'ThreatOfLawEnforcement', 'WithholdsNecessities', 'WithholdsDocuments', 'Other'];
export const RECRUITER_CODES = ['IntimatePartner', 'Friend', 'Family', 'Other', 'Unknown'];
export const SECTOR_CODES = ['Agriculture', 'Aquafarming', 'Begging', 'Construction', 'DomesticWork',
  'Hospitality', 'IllicitActivities', 'Manufacturing', 'MiningOrDrilling', 'Peddling', 'Transportation', 'Other'];
export const COUNTRIES = COUNTRY_CODES;

// {code: words} of a family, the words read when used (so in the current
// language): Object.keys() gives the codes in order, Object.entries() the
// options of a select.
function codeMap(family, codes) {
  const o = {};
  for (const c of codes) Object.defineProperty(o, c, { enumerable: true, get: () => label(family, c) });
  return Object.freeze(o);
}
export const STAGES = codeMap('stage', STAGE_CODES);
export const SERVICES = codeMap('service', SERVICE_CODES);
export const SERVICE_STATUSES = codeMap('service_status', SERVICE_STATUS_CODES);
export const REFERRAL_STATUSES = codeMap('referral_status', REFERRAL_STATUS_CODES);
export const CATEGORIES = codeMap('category', CATEGORY_CODES);
export const SEX = codeMap('sex', SEX_CODES);
export const AGE_GROUPS = codeMap('age_group', AGE_GROUP_CODES);
export const EXPLOITATION = codeMap('exploitation', EXPLOITATION_CODES);
export const MEANS_OF_CONTROL = codeMap('control', CONTROL_CODES);
export const RECRUITER = codeMap('recruiter', RECRUITER_CODES);
export const LABOUR_SECTORS = codeMap('sector', SECTOR_CODES);

const lookup = (family) => (code) => (code ? label(family, code) : '–');
export const stageLabel = lookup('stage');
export const serviceLabel = lookup('service');
export const serviceStatusLabel = lookup('service_status');
export const referralStatusLabel = lookup('referral_status');
export const categoryLabel = lookup('category');
export const countryLabel = (c) => (c ? `${countryName(c)} (${c})` : t('common.not_recorded'));

// A ';'-separated set of codes (or an array) of a family in words, joined
// by ", ".
export function codesLabel(family, value) {
  const list = Array.isArray(value) ? value : String(value || '').split(';').filter(Boolean);
  return list.length ? list.map((c) => label(family, c)).join(', ') : t('common.not_recorded');
}

export const oneLabel = (family, code) => (code ? label(family, code) : t('common.not_recorded'));

export function stageBadge(stage) {
  return h('span', { class: `badge stage stage-${STAGE_CODES.includes(stage) ? stage : 'unknown'}` }, stageLabel(stage));
}

// The overdue badge says it in words and gives the date the decision was due.
export function overdueBadge(due) {
  return h('span', { class: 'badge overdue' }, due ? t('case.overdue_due', { date: due }) : t('case.overdue'));
}

export function referralBadge(status) {
  return h('span', { class: `badge referral-${status}` }, referralStatusLabel(status));
}

export function serviceBadge(status) {
  return h('span', { class: `badge service-${status}` }, serviceStatusLabel(status));
}
