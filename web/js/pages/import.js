// Import a register export: POST /api/v1/import?register=NAME with the CSV
// as the body, sent with XMLHttpRequest so its upload events drive a real
// progress bar; then the counts and the rows refused, with their reasons.

import { uploadCsv } from '../api.js';
import { h, add, field, table, errorBox } from '../dom.js';
import { fmtBytes, fmtNumber } from '../labels.js';

const MAX_UPLOAD = 64 * 1024 * 1024; // the server's default --max-upload

const REGISTERS = [
  ['', 'Tell from the file\'s header'],
  ['permits', 'Work permits'],
  ['border_crossings', 'Border crossings'],
  ['inspections', 'Labour inspections'],
  ['reports', 'Hotline, NGO and police reports'],
  ['outcomes', 'Known outcomes'],
];

export function render(main, ctx) {
  ctx.setTitle('Import');
  const reg = field('Register', 'select', { name: 'register' }, { options: REGISTERS });
  const file = field('CSV file', 'input', { name: 'file', type: 'file', accept: '.csv,text/csv', required: true },
    { hint: `A register export in CSV, at most ${fmtBytes(MAX_UPLOAD)}. Re-importing the same rows changes nothing.` });
  const errors = h('div');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload and import');
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-labelledby': 'upload-label' });
  const barLabel = h('span', { id: 'upload-label' }, 'Upload');
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
      errors.appendChild(errorBox('Choose the CSV file to import.'));
      file.input.focus();
      return;
    }
    if (f.size > MAX_UPLOAD) {
      errors.appendChild(errorBox(`${f.name} is ${fmtBytes(f.size)}: larger than the ${fmtBytes(MAX_UPLOAD)} the server takes. Split it or import it with 'tipwatch import'.`));
      return;
    }
    if (f.size === 0) {
      errors.appendChild(errorBox(`${f.name} is empty.`));
      return;
    }
    submit.disabled = true;
    progress.hidden = false;
    bar.value = 0;
    bar.setAttribute('value', '0');
    barLabel.textContent = `Uploading ${f.name}`;
    barText.textContent = `0% of ${fmtBytes(f.size)}`;
    try {
      const answer = await uploadCsv(f, reg.input.value,
        (sent, total) => {
          const pct = total ? Math.round((sent / total) * 100) : 0;
          bar.value = pct;
          barText.textContent = `${pct}% (${fmtBytes(sent)} of ${fmtBytes(total)})`;
        },
        () => {
          bar.value = 100;
          barLabel.textContent = `Importing ${f.name}`;
          barText.textContent = '100% sent; the server is importing…';
        });
      if (!ctx.current()) return;
      bar.value = 100;
      barLabel.textContent = `Imported ${f.name}`;
      barText.textContent = 'Done.';
      showResult(result, f.name, answer);
      result.querySelector('h2').focus();
    } catch (err) {
      if (!ctx.current()) return;
      progress.hidden = true;
      errors.appendChild(errorBox(`${f.name} was not imported: ${err.message}`));
    } finally {
      submit.disabled = false;
    }
  });

  add(main, h('h1', { tabindex: '-1' }, 'Import a register'),
    h('p', { class: 'lead' }, 'Upload an export of one of the five registers. Rows that cannot be read are refused one by one, ' +
      'with the reason; the rest are imported. After an import, screening again (tipwatch screen) updates the alerts.'),
    form, progress, result);
  return null;
}

function showResult(box, name, a) {
  const c = a.counts || {};
  const counts = [
    [{ th: 'Rows read' }, fmtNumber(c.read)],
    [{ th: 'New' }, fmtNumber(c.new)],
    [{ th: 'New versions of known rows' }, fmtNumber(c.versioned)],
    [{ th: 'Unchanged' }, fmtNumber(c.unchanged)],
    [{ th: 'Refused' }, fmtNumber(c.rejected)],
    [{ th: 'Warnings' }, fmtNumber(c.warnings)],
  ];
  const rejects = (a.rejects || []).map((r) => [String(r.line), r.column ? String(r.column) : '–', r.field || '–', r.severity || '–', r.reason || '']);
  add(box, 
    h('h2', { tabindex: '-1' }, `${name}: imported into ${a.register.replace('_', ' ')} (batch ${a.batch_id})`),
    a.cancelled ? errorBox('The import was cut short because the server is stopping; import the file again.') : null,
    table('What the import did', [{ label: 'Rows' }, { label: 'Count', class: 'num' }], counts, { class: 'counts' }),
    h('h3', null, 'Rows refused and warnings'),
    rejects.length ? table(`Refused rows and warnings (${rejects.length} of ${a.rejects_total} shown)`,
      [{ label: 'Line' }, { label: 'Column' }, { label: 'Field' }, { label: 'Severity' }, { label: 'Reason' }], rejects, { class: 'rejects' })
      : h('p', null, 'None: every row was read.'));
}
