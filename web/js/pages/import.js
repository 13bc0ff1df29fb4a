// Import a register export: POST /api/v1/import?register=NAME with the CSV
// as the body, sent with XMLHttpRequest so its upload events drive a real
// progress bar; then the counts and the rows refused, with their reasons.

import { uploadCsv } from '../api.js';
import { h, add, field, table, errorBox } from '../dom.js';
import { t, label } from '../i18n.js';
import { fmtBytes, fmtNumber } from '../labels.js';

const MAX_UPLOAD = 64 * 1024 * 1024; // the server's default --max-upload

const REGISTERS = ['permits', 'border_crossings', 'inspections', 'reports', 'outcomes'];

export function render(main, ctx) {
  ctx.setTitle(t('import.title'));
  const reg = field(t('field.register'), 'select', { name: 'register' },
    { options: [['', t('import.from_header')], ...REGISTERS.map((r) => [r, label('register', r)])] });
  const file = field(t('import.file'), 'input', { name: 'file', type: 'file', accept: '.csv,text/csv', required: true },
    { hint: t('import.file_hint', { max: fmtBytes(MAX_UPLOAD) }) });
  const errors = h('div');
  const submit = h('button', { type: 'submit', class: 'primary' }, t('import.submit'));
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-labelledby': 'upload-label' });
  const barLabel = h('span', { id: 'upload-label' }, t('import.upload'));
  const barText = h('span', { class: 'progress-text', 'aria-live': 'polite' });
  const progress = h('div', { class: 'progress', hidden: true }, barLabel, bar, barText);
  const result = h('div', { class: 'import-result' });
  const form = h('form', { class: 'stack narrow', id: 'import-form' }, errors, reg.wrap, file.wrap, h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    result.replaceChildren();
    const f = file.input.files && file.input.files[0];
    if (!f) {
      errors.appendChild(errorBox(t('import.choose_file')));
      file.input.focus();
      return;
    }
    if (f.size > MAX_UPLOAD) {
      errors.appendChild(errorBox(t('import.too_big', { name: f.name, size: fmtBytes(f.size), max: fmtBytes(MAX_UPLOAD) })));
      return;
    }
    if (f.size === 0) {
      errors.appendChild(errorBox(t('import.empty', { name: f.name })));
      return;
    }
    submit.disabled = true;
    progress.hidden = false;
    bar.value = 0;
    bar.setAttribute('value', '0');
    barLabel.textContent = t('import.uploading', { name: f.name });
    barText.textContent = t('import.pct_of', { pct: 0, total: fmtBytes(f.size) });
    try {
      const answer = await uploadCsv(f, reg.input.value,
        (sent, total) => {
          const pct = total ? Math.round((sent / total) * 100) : 0;
          bar.value = pct;
          barText.textContent = t('import.pct_sent', { pct, sent: fmtBytes(sent), total: fmtBytes(total) });
        },
        () => {
          bar.value = 100;
          barLabel.textContent = t('import.importing', { name: f.name });
          barText.textContent = t('import.all_sent');
        });
      if (!ctx.current()) return;
      bar.value = 100;
      barLabel.textContent = t('import.imported', { name: f.name });
      barText.textContent = t('import.done');
      showResult(result, f.name, answer);
      result.querySelector('h2').focus();
    } catch (err) {
      if (!ctx.current()) return;
      progress.hidden = true;
      errors.appendChild(errorBox(t('import.failed', { name: f.name, error: err.message })));
    } finally {
      submit.disabled = false;
    }
  });

  add(main, h('h1', { tabindex: '-1' }, t('import.heading')),
    h('p', { class: 'lead' }, t('import.lead')),
    form, progress, result);
  return null;
}

function showResult(box, name, a) {
  const c = a.counts || {};
  const counts = [
    [{ th: t('import.rows_read') }, fmtNumber(c.read)],
    [{ th: t('import.rows_new') }, fmtNumber(c.new)],
    [{ th: t('import.rows_versioned') }, fmtNumber(c.versioned)],
    [{ th: t('import.rows_unchanged') }, fmtNumber(c.unchanged)],
    [{ th: t('import.rows_refused') }, fmtNumber(c.rejected)],
    [{ th: t('import.rows_warnings') }, fmtNumber(c.warnings)],
  ];
  const rejects = (a.rejects || []).map((r) => [String(r.line), r.column ? String(r.column) : '–', r.field ? label('column', r.field) : '–',
    r.severity ? label('severity', r.severity) : '–', r.reason || '']);
  add(box, 
    h('h2', { tabindex: '-1' }, t('import.result_title', { name, code: a.register.replace(/_/g, ' '), register: label('register', a.register), batch: a.batch_id })),
    a.cancelled ? errorBox(t('import.cancelled')) : null,
    table(t('import.counts_caption'), [{ label: t('import.col_rows') }, { label: t('import.col_count'), class: 'num' }], counts, { class: 'counts' }),
    h('h3', null, t('import.rejects_title')),
    rejects.length ? table(t('import.rejects_caption', { shown: rejects.length, total: a.rejects_total }),
      [{ label: t('import.col_line') }, { label: t('import.col_column') }, { label: t('import.col_field') }, { label: t('import.col_severity') }, { label: t('import.col_reason') }], rejects, { class: 'rejects' })
      : h('p', null, t('import.no_rejects')));
}
