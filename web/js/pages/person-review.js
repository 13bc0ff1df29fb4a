// The clerical review queue: GET /api/v1/persons/review - pairs of records
// in the model's uncertain band, most uncertain first; a reviewer says same,
// not the same, or unsure (POST /api/v1/persons/review/{id}); the decision
// is audited, overrides the model and applies from the next linkage run.

import { api } from '../api.js';
import { h, add, field, errorBox } from '../dom.js';
import { t } from '../i18n.js';
import { registerLabel } from '../person-labels.js';
import { evidenceList, probabilityText } from './person.js';

const DECISIONS = ['same', 'not_same', 'unsure'];

export async function render(main, ctx) {
  ctx.setTitle(t('review.title'));
  let answer;
  try {
    answer = await api('GET', '/persons/review?limit=50');
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('h1', { tabindex: '-1' }, t('review.title')), errorBox(t('review.load_failed', { error: err.message })));
    return;
  }
  if (!ctx.current()) return;
  const items = answer.items || [];

  function card(it) {
    const errors = h('div');
    const note = field(t('review.note'), 'textarea', { id: `review-${it.id}-note`, rows: 2, maxlength: 1000 },
      { hint: t('review.note_hint') });
    const decide = async (decision, button) => {
      errors.replaceChildren();
      button.disabled = true;
      try {
        const body = { decision };
        const text = note.input.value.trim();
        if (text) body.note = text;
        await api('POST', `/persons/review/${it.id}`, body);
        ctx.flash(t('review.decided_flash', { id: it.id, decision: t(`person.decision.${decision}`) }), 'ok', true);
        ctx.go(location.hash);
      } catch (err) {
        if (!ctx.current()) return;
        errors.appendChild(errorBox(t('review.decide_failed', { error: err.message })));
      } finally {
        button.disabled = false;
      }
    };
    const buttons = DECISIONS.map((code) => {
      const b = h('button', { type: 'button', class: code === 'same' ? 'primary' : 'secondary' }, t(`person.decision.${code}`));
      b.addEventListener('click', () => decide(code, b));
      return b;
    });
    return h('li', { class: 'review-card', id: `review-${it.id}`, dataset: { id: it.id } },
      h('h2', null, t('review.pair', { id: it.id })),
      h('div', { class: 'side-by-side' }, h('p', null, registerLabel(it.a)), h('p', null, registerLabel(it.b))),
      h('p', { class: 'hint' }, probabilityText(it.probability)),
      h('h3', null, t('review.evidence')), evidenceList(it.detail),
      note.wrap, h('div', { class: 'actions' }, buttons), errors);
  }

  add(main,
    h('h1', { tabindex: '-1' }, t('review.title')),
    h('p', { class: 'lead' }, t('review.lead')),
    h('p', { class: 'summary' }, answer.pending ? t('review.pending', { n: answer.pending }) : t('review.no_pending')),
    items.length ? h('ul', { class: 'inbox', 'aria-label': t('review.title') }, items.map(card)) : null);
}
