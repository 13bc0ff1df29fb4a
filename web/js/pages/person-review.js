// The clerical review queue: GET /api/v1/persons/review - pairs of records
// in the model's uncertain band, most uncertain first; a reviewer says same,
// not the same, or unsure (POST /api/v1/persons/review/{id}); the decision
// is audited, overrides the model and applies from the next linkage run.

import { api } from '../api.js';
import { h, add, field, errorBox } from '../dom.js';
import { REGISTERS, DECISIONS, T } from '../person-labels.js';
import { evidenceList } from './person.js';

function recordLabel(rec) {
  const [reg, ...rest] = rec.split(':');
  return `${REGISTERS[reg] || reg} ${rest.join(':')}`;
}

export async function render(main, ctx) {
  ctx.setTitle(T.reviewTitle);
  let answer;
  try {
    answer = await api('GET', '/persons/review?limit=50');
  } catch (err) {
    if (!ctx.current()) return;
    add(main, h('h1', { tabindex: '-1' }, T.reviewTitle), errorBox(T.reviewLoadFailed(err.message)));
    return;
  }
  if (!ctx.current()) return;
  const items = answer.items || [];

  function card(it) {
    const errors = h('div');
    const note = field(T.note, 'textarea', { id: `review-${it.id}-note`, rows: 2, maxlength: 1000 }, { hint: T.noteHint });
    const decide = async (decision, button) => {
      errors.replaceChildren();
      button.disabled = true;
      try {
        const body = { decision };
        const text = note.input.value.trim();
        if (text) body.note = text;
        await api('POST', `/persons/review/${it.id}`, body);
        ctx.flash(T.decidedFlash(it.id, DECISIONS[decision]), 'ok', true);
        ctx.go(location.hash);
      } catch (err) {
        if (!ctx.current()) return;
        errors.appendChild(errorBox(T.decideFailed(err.message)));
      } finally {
        button.disabled = false;
      }
    };
    const buttons = Object.entries(DECISIONS).map(([code, label]) => {
      const b = h('button', { type: 'button', class: code === 'same' ? 'primary' : 'secondary' }, label);
      b.addEventListener('click', () => decide(code, b));
      return b;
    });
    return h('li', { class: 'review-card', id: `review-${it.id}`, dataset: { id: it.id } },
      h('h2', null, T.pairTitle(it.id)),
      h('div', { class: 'side-by-side' },
        h('p', null, recordLabel(it.a)), h('p', null, recordLabel(it.b))),
      h('p', { class: 'hint' }, T.probability(it.probability)),
      h('h3', null, T.evidence), evidenceList(it.evidence),
      note.wrap, h('div', { class: 'actions' }, buttons), errors);
  }

  add(main,
    h('h1', { tabindex: '-1' }, T.reviewTitle),
    h('p', { class: 'lead' }, T.reviewLead),
    h('p', { class: 'summary' }, answer.pending ? T.pending(answer.pending) : T.noPending),
    items.length ? h('ul', { class: 'inbox', 'aria-label': T.reviewTitle }, items.map(card)) : null);
}
