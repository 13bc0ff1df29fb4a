// person-labels.js - the words of the person page and the review queue
// from the catalogues (person.*, review.*, link.*): the evidence of a link
// arrives as codes ({"prior","total","items":[[FIELD,LEVEL,WEIGHT]]},
// docs/api.md "Persons") and is put into words here.

import { t } from './i18n.js';

// The comparison kind of each field of the persons' linkage (link/persons.c).
const FIELD_KIND = {
  given: 'name', family: 'name', date: 'date', document: 'id', citizenship: 'code',
  sex: 'code', phone: 'phone', employer: 'code', address: 'text',
};

export function registerLabel(record) {
  const [reg, ...rest] = record.split(':');
  const key = `person.register.${reg}`;
  return `${['permits', 'border', 'reports', 'cases'].includes(reg) ? t(key) : reg} ${rest.join(':')}`;
}

export function howLabel(how) {
  return ['model', 'earlier', 'decision'].includes(how) ? t(`person.how.${how}`) : how;
}

// [{text, weight}] for each compared field, and the prior and the total.
export function evidenceItems(detail) {
  const items = ((detail && detail.items) || []).map(([field, level, weight]) => {
    const kind = FIELD_KIND[field];
    const fieldText = kind ? t(`link.field.${field}`) : field;
    const levelText = !kind ? String(level) : level === 0 ? t('link.level.missing') : t(`link.level.${kind}.${level}`);
    return { text: t('link.item', { field: fieldText, level: levelText }), weight: weight };
  });
  return { items, prior: detail ? detail.prior : null, total: detail ? detail.total : null };
}

export function fmtWeight(w) {
  if (w === null || w === undefined) return '';
  return `${w > 0 ? '+' : ''}${Number(w).toFixed(1)}`;
}
