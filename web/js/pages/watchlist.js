// The watch list: GET /api/v1/watchlist - every entity of one kind ranked by
// its score, alerted or not, for planning inspections (#/watchlist?entity=
// employer&limit=100). The kind and length are kept in the page's address so
// a list can be bookmarked. Words: the watch.* keys of the catalogues.

import { api, query } from '../api.js';
import { h, add, clear, field, table, errorBox } from '../dom.js';
import { t } from '../i18n.js';
import {
  ENTITY_CODES, options, indicatorLabel, entityLabel, entityHref, fmtScore, fmtNumber, levelBadge,
} from '../labels.js';

const LIMITS = ['50', '100', '250', '1000'];

export async function render(main, ctx) {
  ctx.setTitle(t('watch.title'));
  const q = ctx.query;
  const kind = ENTITY_CODES.includes(q.get('entity')) ? q.get('entity') : 'employer';
  const limit = LIMITS.includes(q.get('limit')) ? q.get('limit') : '100';
  const fk = field(t('watch.kind'), 'select', { name: 'entity', value: kind },
    { options: options('entity', ENTITY_CODES) });
  const fl = field(t('watch.limit'), 'select', { name: 'limit', value: limit },
    { options: LIMITS.map((n) => [n, n]) });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('watch.form') },
    fk.wrap, fl.wrap, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('watch.show'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go('#/watchlist' + query({ entity: fk.input.value, limit: fl.input.value }));
  });
  const status = h('p', { class: 'hint', 'aria-live': 'polite' }, t('watch.loading'));
  const body = h('div');
  add(main, h('h1', { tabindex: '-1' }, t('watch.title')), h('p', null, t('watch.intro')), form, status, body);

  let answer;
  try {
    answer = await api('GET', '/watchlist' + query({ entity: kind, limit }));
  } catch (err) {
    if (!ctx.current()) return;
    clear(status);
    add(body, errorBox(t('watch.failed', { error: err.message })));
    return;
  }
  if (!ctx.current()) return;
  clear(status);
  add(status, t('watch.summary', {
    shown: fmtNumber(answer.items.length), total: fmtNumber(answer.total), version: answer.config_version,
  }));
  const rows = answer.items.map((it, i) => [
    fmtNumber(i + 1),
    { th: h('a', { href: entityHref(kind, it.entity_key) }, it.entity_key) },
    fmtScore(it.score),
    levelBadge(it.level),
    it.top_indicators ? it.top_indicators.split(';').map(indicatorLabel).join(', ') : t('watch.no_evidence'),
  ]);
  add(body, table(t('watch.caption', { kind: entityLabel(kind) }), [
    { label: t('watch.rank'), class: 'num' }, { label: t('watch.entity') }, { label: t('watch.score'), class: 'num' },
    { label: t('watch.level') }, { label: t('watch.reasons') },
  ], rows));
}
