// The watch list: GET /api/v1/watchlist - every entity of one kind ranked by
// its score, alerted or not, for planning inspections (#/watchlist?entity=
// employer&limit=100). The kind and length are kept in the page's address so
// a list can be bookmarked. Words come from labels.js (WATCHLIST_TEXT).

import { api, query } from '../api.js';
import { h, add, clear, field, table, errorBox } from '../dom.js';
import {
  ENTITY_TYPES, WATCHLIST_TEXT as T, indicatorLabel, entityLabel, entityHref, fmtScore,
  fmtNumber, levelBadge,
} from '../labels.js';

const KINDS = ['employer', 'intermediary', 'worker', 'application', 'address', 'phone'];
const LIMITS = ['50', '100', '250', '1000'];

export async function render(main, ctx) {
  ctx.setTitle(T.title);
  const q = ctx.query;
  const kind = KINDS.includes(q.get('entity')) ? q.get('entity') : 'employer';
  const limit = LIMITS.includes(q.get('limit')) ? q.get('limit') : '100';
  const fk = field(T.kind, 'select', { name: 'entity', value: kind },
    { options: KINDS.map((k) => [k, ENTITY_TYPES[k] || entityLabel(k)]) });
  const fl = field(T.limit, 'select', { name: 'limit', value: limit },
    { options: LIMITS.map((n) => [n, n]) });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': T.formLabel },
    fk.wrap, fl.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, T.show)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go('#/watchlist' + query({ entity: fk.input.value, limit: fl.input.value }));
  });
  const status = h('p', { class: 'hint', 'aria-live': 'polite' }, T.loading);
  const body = h('div');
  add(main, h('h1', null, T.title), h('p', null, T.intro), form, status, body);

  let answer;
  try {
    answer = await api('GET', '/watchlist' + query({ entity: kind, limit }));
  } catch (err) {
    if (!ctx.current()) return;
    clear(status);
    add(body, errorBox(`${T.failed} ${err.message}`));
    return;
  }
  if (!ctx.current()) return;
  clear(status);
  add(status, T.summary(answer.items.length, fmtNumber(answer.total), entityLabel(kind), answer.config_version));
  const linkable = ['worker', 'employer', 'intermediary', 'address', 'phone', 'application'].includes(kind);
  const rows = answer.items.map((it, i) => [
    String(i + 1),
    { th: linkable ? h('a', { href: entityHref(kind, it.entity_key) }, it.entity_key) : it.entity_key },
    fmtScore(it.score),
    levelBadge(it.level),
    it.top_indicators ? it.top_indicators.split(';').map(indicatorLabel).join(', ') : T.noEvidence,
  ]);
  add(body, table(T.caption(entityLabel(kind)), [
    { label: T.rank, class: 'num' }, { label: T.key }, { label: T.score, class: 'num' },
    { label: T.level }, { label: T.indicators },
  ], rows));
}
