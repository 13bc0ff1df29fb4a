// Import a register export: POST /api/v1/import?register=NAME with the CSV
// as the body, sent with XMLHttpRequest so its upload events drive a real
// progress bar; then the counts and the rows refused, with their reasons.

import { api, uploadCsv } from '../api.js';
import { h, add, field, table, errorBox } from '../dom.js';
import { t, label } from '../i18n.js';
import { fmtBytes, fmtNumber } from '../labels.js';

const MAX_UPLOAD = 64 * 1024 * 1024; // the server's default --max-upload

const REGISTERS = ['permits', 'border_crossings', 'inspections', 'reports', 'outcomes'];

// The columns each register's file has (shared/formats/registry.md); the
// required ones first. Their words are column.* in the catalogues.
const COLUMNS = {
  permits: {
    required: ['application_id', 'submitted_at', 'decision', 'worker_doc_no', 'worker_doc_country', 'worker_family_name',
      'worker_given_name', 'worker_sex', 'worker_birth_date', 'worker_citizenship', 'employer_tin', 'employer_name'],
    other: ['decided_at', 'permit_no', 'valid_from', 'valid_to', 'previous_application_id', 'worker_phone', 'worker_email',
      'worker_address', 'worker_region', 'employer_sector', 'employer_registered_on', 'employer_declared_employees',
      'workplace_address', 'workplace_region', 'occupation_isco', 'position_title', 'monthly_salary_amd', 'weekly_hours',
      'contract_start', 'contract_end', 'intermediary_id', 'intermediary_name', 'submitted_by'],
  },
  border_crossings: {
    required: ['crossing_id', 'crossed_at', 'direction', 'crossing_point', 'doc_no', 'doc_country', 'family_name', 'given_name',
      'birth_date', 'citizenship'],
    other: ['sex', 'purpose'],
  },
  inspections: { required: ['inspection_id', 'employer_tin', 'inspected_on'], other: ['workers_found', 'undeclared_workers', 'violations'] },
  reports: {
    required: ['report_id', 'received_at', 'channel'],
    other: ['subject_name', 'subject_birth_date', 'subject_citizenship', 'employer_tin', 'employer_name', 'address', 'phone', 'category', 'summary'],
  },
  outcomes: { required: ['entity_type', 'entity_key', 'outcome'], other: ['decided_on'] },
};

function columnsNote(reg) {
  const c = COLUMNS[reg];
  if (!c) return h('p', { class: 'hint' }, t('import.columns_any'));
  const item = (k, req) => h('li', null, h('code', null, k), ` — ${label('column', k)}`, req ? [' ', h('strong', null, t('import.required'))] : null);
  return h('details', { class: 'columns', open: true }, h('summary', null, t('import.columns_of', { register: label('register', reg) })),
    h('ul', { class: 'column-list' }, c.required.map((k) => item(k, true)), c.other.map((k) => item(k, false))));
}

// One CSV row into its fields (RFC 4180 quoting).
export function csvFields(row) {
  const out = [];
  let cur = '';
  let q = false;
  const s = String(row || '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (q) {
      if (ch === '"' && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else if (ch !== '\r' && ch !== '\n') cur += ch;
  }
  out.push(cur);
  return out;
}

const csvCell = (v) => (/[",\r\n]/.test(String(v ?? '')) ? `"${String(v).replace(/"/g, '""')}"` : String(v ?? ''));

export function render(main, ctx) {
  ctx.setTitle(t('import.title'));
  const reg = field(t('field.register'), 'select', { name: 'register' },
    { options: [['', t('import.from_header')], ...REGISTERS.map((r) => [r, label('register', r)])] });
  const cols = h('div', { class: 'columns-note', id: 'import-columns' }, columnsNote(''));
  reg.input.addEventListener('change', () => cols.replaceChildren(columnsNote(reg.input.value)));
  const file = field(t('import.file'), 'input', { name: 'file', type: 'file', accept: '.csv,text/csv', required: true },
    { hint: t('import.file_hint', { max: fmtBytes(MAX_UPLOAD) }) });
  const errors = h('div');
  const submit = h('button', { type: 'submit', class: 'primary' }, t('import.submit'));
  const bar = h('progress', { id: 'upload-progress', max: 100, value: 0, 'aria-labelledby': 'upload-label' });
  const barLabel = h('span', { id: 'upload-label' }, t('import.upload'));
  const barText = h('span', { class: 'progress-text', 'aria-live': 'polite' });
  const progress = h('div', { class: 'progress', hidden: true }, barLabel, bar, barText);
  const result = h('div', { class: 'import-result' });
  const form = h('form', { class: 'stack narrow', id: 'import-form' }, errors, reg.wrap, cols, file.wrap, h('div', { class: 'actions' }, submit));

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
    ...(c.repeated ? [[{ th: t('import.rows_repeated') }, fmtNumber(c.repeated)]] : []),
    [{ th: t('import.rows_warnings') }, fmtNumber(c.warnings)],
  ];
  // a reason the API gives a code for is worded in the reader's language
  const reason = (r) => (r.code === 'key_repeated' ? t('import.reason_key_repeated', { line: r.repeated_at }) : r.reason || '');
  // the refused value and the row's id (its first field) from the row as
  // the file had it
  const rejects = (a.rejects || []).map((r) => {
    const f = r.row ? csvFields(r.row) : [];
    const value = r.column && f.length >= r.column ? f[r.column - 1] : null;
    return [String(r.line), f[0] ? h('code', null, f[0]) : '–', r.column ? String(r.column) : '–', r.field ? label('column', r.field) : '–',
      value !== null ? h('code', { class: 'refused-value' }, value === '' ? t('import.empty_value') : value) : '–',
      r.severity ? label('severity', r.severity) : '–', reason(r)];
  });
  // the refused rows as a file to correct and import again
  let download = null;
  if ((a.rejects || []).length) {
    const lines = ['line,column,field,severity,reason,row'].concat(a.rejects.map((r) => [r.line, r.column || '', r.field || '', r.severity || '',
      reason(r), r.row || ''].map(csvCell).join(',')));
    const url = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' }));
    download = h('a', { href: url, download: `${name.replace(/\.csv$/i, '')}.rejects.csv`, class: 'button-link', id: 'rejects-download' },
      t('import.download_rejects', { n: a.rejects.length }));
  }
  add(box, 
    h('h2', { tabindex: '-1' }, t('import.result_title', { name, code: a.register.replace(/_/g, ' '), register: label('register', a.register), batch: a.batch_id })),
    a.cancelled ? errorBox(t('import.cancelled')) : null,
    table(t('import.counts_caption'), [{ label: t('import.col_rows') }, { label: t('import.col_count'), class: 'num' }], counts, { class: 'counts' }),
    h('h3', null, t('import.rejects_title')),
    rejects.length ? table(t('import.rejects_caption', { shown: rejects.length, total: a.rejects_total }),
      [{ label: t('import.col_line') }, { label: t('import.col_row') }, { label: t('import.col_column') }, { label: t('import.col_field') },
        { label: t('import.col_value') }, { label: t('import.col_severity') }, { label: t('import.col_reason') }], rejects, { class: 'rejects' })
      : h('p', null, t('import.no_rejects')),
    download ? h('p', { class: 'actions' }, download) : null,
    screenBlock());
}

// After an import: "Screen now" runs POST /api/v1/screen-runs (persons
// linked, then an incremental screening with the config in force) and
// says how it goes (the seconds it has taken, in a live region) and what it
// changed, with a link to the queue.
function screenBlock() {
  const status = h('p', { class: 'screen-status', role: 'status', 'aria-live': 'polite' });
  const outcome = h('div', { class: 'screen-outcome' });
  const button = h('button', { type: 'button', class: 'primary', id: 'screen-now' }, t('import.screen_now'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    outcome.replaceChildren();
    const started = Date.now();
    const tick = () => { status.textContent = t('import.screening', { s: Math.round((Date.now() - started) / 1000) }); };
    tick();
    const timer = setInterval(tick, 1000);
    status.setAttribute('aria-busy', 'true');
    try {
      const r = await api('POST', '/screen-runs', {});
      const a = r.alerts || {};
      status.textContent = t(r.incremental ? 'import.screened_incremental' : 'import.screened_full', { s: r.seconds });
      outcome.replaceChildren(
        table(t('import.screen_caption'), [{ label: t('import.col_alerts') }, { label: t('import.col_count'), class: 'num' }], [
          [{ th: t('import.alerts_raised') }, fmtNumber(a.raised)],
          [{ th: t('import.alerts_updated') }, fmtNumber(a.updated)],
          [{ th: t('import.alerts_lowered') }, fmtNumber(a.lowered)],
          [{ th: t('import.alerts_open_high') }, fmtNumber(a.open_high)],
          [{ th: t('import.alerts_open_medium') }, fmtNumber(a.open_medium)],
          [{ th: t('import.alerts_open_low') }, fmtNumber(a.open_low)],
        ], { class: 'counts screen-counts' }),
        h('p', { class: 'actions' }, h('a', { href: '#/alerts', class: 'button-link' }, t('import.open_queue'))));
    } catch (err) {
      status.textContent = '';
      outcome.replaceChildren(errorBox(t('import.screen_failed', { error: err.message })));
    } finally {
      clearInterval(timer);
      status.removeAttribute('aria-busy');
      button.disabled = false;
    }
  });
  return h('section', { class: 'screen-after-import', 'aria-label': t('import.screen_title') },
    h('h3', null, t('import.screen_title')),
    h('p', { class: 'hint' }, t('import.screen_hint')),
    h('p', { class: 'actions' }, button), status, outcome);
}
