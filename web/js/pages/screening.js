// The frontline screening questionnaire (#/screening): the questions of
// GET /api/v1/screening/questions in Armenian, Russian or English
// (screening-text.js), answered yes / no / don't know; "See the result"
// asks the server for the assessment without recording anything
// (?dry_run=true); then the user chooses: record only, open an NRM case with
// the answers attached, or file a report; POST /api/v1/screenings records
// it. Built for a phone held in one hand: one column, large targets.

import { api } from '../api.js';
import { h, clear, field, errorBox } from '../dom.js';
import { LANGUAGES, TEXT } from '../screening-text.js';

function pickLanguage() {
  const stored = sessionStorage.getItem('screening-lang');
  if (stored && TEXT[stored]) return stored;
  const nav = (navigator.language || 'en').slice(0, 2);
  return TEXT[nav] ? nav : 'en';
}

export async function render(main, ctx) {
  let lang = pickLanguage();
  let questions = null;
  const answers = {};
  const root = h('div', { class: 'screening' });
  main.appendChild(root);

  const t = () => TEXT[lang];
  const qtext = (id) => (TEXT[lang].q[id] || TEXT.en.q[id] || id);
  const ilotext = (code) => (TEXT[lang].ilo[code] || TEXT.en.ilo[code] || code);

  function draw(stage = 'questions', assessed = null, done = null) {
    clear(root);
    ctx.setTitle(t().title);
    document.documentElement.lang = lang;
    const langSel = field(t().language, 'select', { id: 'screening-lang', value: lang },
      { options: LANGUAGES });
    langSel.input.value = lang;
    langSel.input.addEventListener('change', () => {
      lang = langSel.input.value;
      sessionStorage.setItem('screening-lang', lang);
      draw(stage, assessed, done);
    });
    root.appendChild(h('h1', null, t().title));
    root.appendChild(langSel.wrap);
    root.appendChild(h('p', { class: 'hint' }, t().intro));
    if (!questions) return;
    if (done) {
      drawDone(done);
      return;
    }
    const errors = h('div', { id: 'screening-errors' });
    const form = h('form', { class: 'stack screening-form', id: 'screening-form' });
    questions.forEach((q, i) => {
      const name = `q-${q.id}`;
      const opts = [['yes', t().yes], ['no', t().no], ['unknown', t().unknown]].map(([v, label]) => {
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
      const go = h('button', { type: 'submit', class: 'primary', id: 'screening-assess' }, t().assess);
      form.appendChild(h('div', { class: 'actions' }, go));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clear(errors);
        const missing = questions.filter((q) => !answers[q.id]);
        if (missing.length) {
          errors.appendChild(errorBox(t().left(missing.length)));
          const first = form.querySelector(`input[name="q-${missing[0].id}"]`);
          if (first) first.focus();
          return;
        }
        go.disabled = true;
        try {
          const r = await api('POST', '/screenings?dry_run=true', { answers, language: lang });
          if (!ctx.current()) return;
          draw('result', r);
        } catch (err) {
          go.disabled = false;
          errors.appendChild(errorBox(`${t().failed} ${err.message}`));
        }
      });
    } else {
      drawResult(assessed);
    }
  }

  function drawResult(r) {
    const box = h('section', { class: 'screening-result', id: 'screening-result', 'aria-live': 'polite' });
    box.appendChild(h('h2', null, t().result));
    box.appendChild(h('p', { class: `reco reco-${r.recommendation}`, id: 'screening-reco',
      dataset: { reco: r.recommendation } }, t().reco[r.recommendation] || r.recommendation));
    if (r.ilo.length) {
      box.appendChild(h('p', null, t().ilo_found));
      box.appendChild(h('ul', { id: 'screening-ilo' }, r.ilo.map((c) => h('li', null, ilotext(c)))));
    } else {
      box.appendChild(h('p', null, t().ilo_none));
    }
    const canCase = ctx.can('case.write');
    const choices = [['none', t().act_none], ['report', t().act_report]];
    if (canCase) choices.splice(1, 0, ['case', t().act_case]);
    const preferred = r.recommendation === 'information_only' ? 'none' : (canCase ? 'case' : 'report');
    const actionSet = h('fieldset', { class: 'group' }, h('legend', null, t().what_next),
      choices.map(([v, label]) => h('label', { class: 'choice', for: `act-${v}` },
        h('input', { type: 'radio', name: 'action', id: `act-${v}`, value: v, checked: v === preferred }),
        h('span', null, label))));
    const consent = h('input', { type: 'checkbox', id: 'screening-consent', checked: r.recommendation === 'refer_now' });
    const consentWrap = h('label', { class: 'choice', for: 'screening-consent' }, consent, h('span', null, t().consent));
    const name = field(t().name, 'input', { id: 'p-name', autocomplete: 'off' });
    const sex = field(t().sex, 'select', { id: 'p-sex' },
      { options: [['', t().sex_none], ['F', t().sex_f], ['M', t().sex_m], ['X', t().sex_x]] });
    const cit = field(t().citizenship, 'input', { id: 'p-citizenship', maxlength: 3, autocomplete: 'off' });
    const phone = field(t().phone, 'input', { id: 'p-phone', type: 'tel', autocomplete: 'off' });
    const tin = field(t().employer_tin, 'input', { id: 'p-tin', inputmode: 'numeric', maxlength: 8, autocomplete: 'off' });
    const place = field(t().place, 'input', { id: 'p-place', autocomplete: 'off' });
    const person = h('fieldset', { class: 'group' }, h('legend', null, t().person),
      name.wrap, sex.wrap, cit.wrap, phone.wrap, tin.wrap, place.wrap);
    const errors = h('div');
    const submit = h('button', { type: 'submit', class: 'primary', id: 'screening-submit' }, t().submit);
    const form = h('form', { class: 'stack', id: 'screening-decide' }, actionSet, consentWrap,
      h('p', { class: 'hint' }, t().consent_needed), person, errors, h('div', { class: 'actions' }, submit));
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
          answers, language: lang, action, consent: consent.checked, person: p,
        });
        if (!ctx.current()) return;
        draw('done', r, done);
      } catch (err) {
        submit.disabled = false;
        errors.appendChild(errorBox(`${t().failed} ${err.message}`));
      }
    });
    box.appendChild(form);
    root.appendChild(box);
    box.scrollIntoView({ block: 'start' });
  }

  function drawDone(done) {
    const msg = done.case_id ? t().done_case(done.case_id)
      : done.report_id ? t().done_report(done.report_id) : t().done_none;
    const box = h('section', { class: 'screening-result', id: 'screening-done', role: 'status' },
      h('p', { class: `reco reco-${done.recommendation}` }, t().reco[done.recommendation]),
      h('p', { id: 'screening-done-text' }, msg));
    const actions = h('div', { class: 'actions' });
    if (done.case_id && ctx.can('case.read')) {
      actions.appendChild(h('a', { href: `#/cases/${done.case_id}`, class: 'button-link primary', id: 'screening-open-case' }, t().open_case));
    }
    actions.appendChild(h('button', { type: 'button', class: 'secondary', id: 'screening-again',
      onclick: () => { for (const k of Object.keys(answers)) delete answers[k]; draw(); } }, t().again));
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
    root.appendChild(errorBox(`${t().failed} ${err.message}`));
  }
}
