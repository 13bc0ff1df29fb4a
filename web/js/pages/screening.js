// The frontline screening questionnaire (#/screening): the questions of
// GET /api/v1/screening/questions, in the UI's language (web/i18n: keys
// screening.*; the header's language menu switches it, so an officer can
// put the questions in the language of the person in front of them),
// answered yes / no / don't know; "See the result" asks the server for the
// assessment without recording anything (?dry_run=true); then the user
// chooses: record only, open an NRM case with the answers attached, or file
// a report; POST /api/v1/screenings records it with the language it was
// asked in. Built for a phone held in one hand: one column, large targets.

import { api } from '../api.js';
import { h, clear, field, errorBox } from '../dom.js';
import { t, label, currentLang } from '../i18n.js';

export async function render(main, ctx) {
  let questions = null;
  const answers = {};
  const root = h('div', { class: 'screening' });
  main.appendChild(root);

  const qtext = (id) => t(`screening.q.${id}`);
  const ilotext = (code) => {
    const s = label('ilo', code);
    return s.charAt(0).toLocaleUpperCase(currentLang()) + s.slice(1);
  };

  function draw(stage = 'questions', assessed = null, done = null) {
    clear(root);
    ctx.setTitle(t('screening.title'));
    root.appendChild(h('h1', null, t('screening.title')));
    root.appendChild(h('p', { class: 'hint' }, t('screening.intro')));
    if (!questions) return;
    if (done) {
      drawDone(done);
      return;
    }
    const errors = h('div', { id: 'screening-errors' });
    const form = h('form', { class: 'stack screening-form', id: 'screening-form' });
    questions.forEach((q, i) => {
      const name = `q-${q.id}`;
      const opts = [['yes', t('screening.yes')], ['no', t('screening.no')], ['unknown', t('screening.unknown')]].map(([v, label]) => {
        const id = `${name}-${v}`;
        return h('label', { class: 'choice', for: id },
          h('input', { type: 'radio', name, id, value: v, checked: answers[q.id] === v,
            disabled: stage !== 'questions',
            onchange: () => { answers[q.id] = v; } }),
          h('span', null, label));
      });
      form.appendChild(h('fieldset', { class: 'group question', dataset: { q: q.id } },
        h('legend', null, `${i + 1}. ${qtext(q.id)}`),
        h('div', { class: 'choices' }, opts)));
    });
    root.appendChild(errors);
    root.appendChild(form);
    if (stage === 'questions') {
      const go = h('button', { type: 'submit', class: 'primary', id: 'screening-assess' }, t('screening.assess'));
      form.appendChild(h('div', { class: 'actions' }, go));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clear(errors);
        const missing = questions.filter((q) => !answers[q.id]);
        if (missing.length) {
          errors.appendChild(errorBox(t('screening.left', { n: missing.length })));
          const first = form.querySelector(`input[name="q-${missing[0].id}"]`);
          if (first) first.focus();
          return;
        }
        go.disabled = true;
        try {
          const r = await api('POST', '/screenings?dry_run=true', { answers, language: currentLang() });
          if (!ctx.current()) return;
          draw('result', r);
        } catch (err) {
          go.disabled = false;
          errors.appendChild(errorBox(`${t('screening.failed')} ${err.message}`));
        }
      });
    } else {
      drawResult(assessed);
    }
  }

  function drawResult(r) {
    const box = h('section', { class: 'screening-result', id: 'screening-result', 'aria-live': 'polite' });
    box.appendChild(h('h2', null, t('screening.result')));
    box.appendChild(h('p', { class: `reco reco-${r.recommendation}`, id: 'screening-reco',
      dataset: { reco: r.recommendation } }, t(`screening.reco.${r.recommendation}`)));
    if (r.ilo.length) {
      box.appendChild(h('p', null, t('screening.ilo_found')));
      box.appendChild(h('ul', { id: 'screening-ilo' }, r.ilo.map((c) => h('li', null, ilotext(c)))));
    } else {
      box.appendChild(h('p', null, t('screening.ilo_none')));
    }
    const canCase = ctx.can('case.write');
    const choices = [['none', t('screening.act_none')], ['report', t('screening.act_report')]];
    if (canCase) choices.splice(1, 0, ['case', t('screening.act_case')]);
    const preferred = r.recommendation === 'information_only' ? 'none' : (canCase ? 'case' : 'report');
    const actionSet = h('fieldset', { class: 'group' }, h('legend', null, t('screening.what_next')),
      choices.map(([v, label]) => h('label', { class: 'choice', for: `act-${v}` },
        h('input', { type: 'radio', name: 'action', id: `act-${v}`, value: v, checked: v === preferred }),
        h('span', null, label))));
    const consent = h('input', { type: 'checkbox', id: 'screening-consent', checked: r.recommendation === 'refer_now' });
    const consentWrap = h('label', { class: 'choice', for: 'screening-consent' }, consent, h('span', null, t('screening.consent')));
    const name = field(t('screening.name'), 'input', { id: 'p-name', autocomplete: 'off' });
    const sex = field(t('screening.sex'), 'select', { id: 'p-sex' },
      { options: [['', t('screening.sex_none')], ['F', t('screening.sex_f')], ['M', t('screening.sex_m')], ['X', t('screening.sex_x')]] });
    const cit = field(t('screening.citizenship'), 'input', { id: 'p-citizenship', maxlength: 3, autocomplete: 'off' });
    const phone = field(t('screening.phone'), 'input', { id: 'p-phone', type: 'tel', autocomplete: 'off' });
    const tin = field(t('screening.employer_tin'), 'input', { id: 'p-tin', inputmode: 'numeric', maxlength: 8, autocomplete: 'off' });
    const place = field(t('screening.place'), 'input', { id: 'p-place', autocomplete: 'off' });
    const person = h('fieldset', { class: 'group' }, h('legend', null, t('screening.person')),
      name.wrap, sex.wrap, cit.wrap, phone.wrap, tin.wrap, place.wrap);
    const errors = h('div');
    const submit = h('button', { type: 'submit', class: 'primary', id: 'screening-submit' }, t('screening.submit'));
    const form = h('form', { class: 'stack', id: 'screening-decide' }, actionSet, consentWrap,
      h('p', { class: 'hint' }, t('screening.consent_needed')), person, errors, h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(errors);
      const action = form.querySelector('input[name="action"]:checked').value;
      const p = {};
      const put = (k, v) => { if (v && v.trim()) p[k] = v.trim(); };
      put('name', name.input.value);
      put('sex', sex.input.value);
      put('citizenship', cit.input.value.toUpperCase());
      put('phone', phone.input.value);
      put('employer_tin', tin.input.value);
      put('place', place.input.value);
      submit.disabled = true;
      try {
        const done = await api('POST', '/screenings', {
          answers, language: currentLang(), action, consent: consent.checked, person: p,
        });
        if (!ctx.current()) return;
        draw('done', r, done);
      } catch (err) {
        submit.disabled = false;
        errors.appendChild(errorBox(`${t('screening.failed')} ${err.message}`));
      }
    });
    box.appendChild(form);
    root.appendChild(box);
    box.scrollIntoView({ block: 'start' });
  }

  function drawDone(done) {
    const msg = done.case_id ? t('screening.done_case', { id: done.case_id })
      : done.report_id ? t('screening.done_report', { id: done.report_id }) : t('screening.done_none');
    const box = h('section', { class: 'screening-result', id: 'screening-done', role: 'status' },
      h('p', { class: `reco reco-${done.recommendation}` }, t(`screening.reco.${done.recommendation}`)),
      h('p', { id: 'screening-done-text' }, msg));
    const actions = h('div', { class: 'actions' });
    if (done.case_id && ctx.can('case.read')) {
      actions.appendChild(h('a', { href: `#/cases/${done.case_id}`, class: 'button-link primary', id: 'screening-open-case' }, t('screening.open_case')));
    }
    actions.appendChild(h('button', { type: 'button', class: 'secondary', id: 'screening-again',
      onclick: () => { for (const k of Object.keys(answers)) delete answers[k]; draw(); } }, t('screening.again')));
    box.appendChild(actions);
    root.appendChild(box);
  }

  draw();
  try {
    const r = await api('GET', '/screening/questions');
    if (!ctx.current()) return;
    questions = r.questions;
    draw();
  } catch (err) {
    if (!ctx.current()) return;
    root.appendChild(errorBox(`${t('screening.failed')} ${err.message}`));
  }
}
