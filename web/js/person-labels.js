// person-labels.js - every sentence of the person page and of the review
// queue (tipwatch link), kept in one place so that the translation files
// can take them over whole.

export const REGISTERS = {
  permits: 'Work permit application',
  border: 'Border crossing',
  reports: 'Report',
  cases: 'NRM case',
};

export const HOW = {
  model: 'Linked by the model',
  earlier: 'Joined by an earlier linkage run',
  decision: 'A reviewer decided: same person',
};

export const DECISIONS = {
  same: 'Same person',
  not_same: 'Not the same person',
  unsure: 'Unsure',
};

export const T = {
  personTitle: (id) => `Person ${id}`,
  mergedInto: (asked, id) => `Person ${asked} was merged into person ${id}; this is person ${id}.`,
  personLead: 'The records of the registers that the linkage joined into this person, and why each link was made.',
  records: 'Records',
  recordsHint: 'Records in one group hold the same names, birth date and document.',
  group: (n) => `Group ${n}`,
  links: 'Links and their evidence',
  noLinks: 'This person has one record, or only records with identical values: there is no link to explain.',
  linkBetween: (a, b) => `${a} and ${b}`,
  probability: (p) => `Probability ${(p * 100).toFixed(1)} %`,
  prior: 'Prior',
  total: 'Total match weight',
  loadFailed: (msg) => `The person could not be loaded: ${msg}`,
  reviewTitle: 'Persons to review',
  reviewLead: 'Pairs of records the model cannot decide on, the most uncertain first. ' +
    'Your decision is kept, overrides the model and applies from the next linkage run.',
  pending: (n) => `${n} pairs wait for a decision.`,
  noPending: 'No pair waits for a decision.',
  pairTitle: (id) => `Pair ${id}`,
  note: 'Note (optional)',
  noteHint: 'What you checked: it is kept with the decision.',
  decided: (d, who) => `Decided: ${d} (${who}).`,
  decidedFlash: (id, d) => `Pair ${id}: ${d}. It applies from the next linkage run.`,
  decideFailed: (msg) => `The decision was not recorded: ${msg}`,
  reviewLoadFailed: (msg) => `The review queue could not be loaded: ${msg}`,
  evidence: 'Evidence',
};

// "birth date exact +11.6, family name ... ; prior -12.0; total +28.7 (...)"
// as items: [{text, weight}] and the prior and total.
export function splitEvidence(text) {
  const parts = (text || '').split('; ');
  const items = (parts[0] || '').split(', ').filter(Boolean).map((s) => {
    const m = s.match(/^(.*) ([-+][0-9.]+)$/);
    return m ? { text: m[1], weight: Number(m[2]) } : { text: s, weight: null };
  });
  const num = (p) => {
    const m = (p || '').match(/([-+][0-9.]+)/);
    return m ? Number(m[1]) : null;
  };
  return { items, prior: num(parts[1]), total: num(parts[2]) };
}
