// api.js - the only code that talks to the server (/api/v1, docs/api.md).
//
// The session lives in an HttpOnly cookie that scripts cannot read; what
// this module keeps is the session's CSRF token (in memory only, never in
// storage), sent as X-CSRF-Token with every write. A 401 on any call but
// the sign-in itself means the session ended: onSessionEnded() is told and
// the app returns to the sign-in page.
//
// An error answer is {"error": {"code", "message", ...params}}: the code
// is stable, the message is the server's own words (for logs and the
// command line). What the screen shows is ApiError.message, the
// catalogue's sentence for the code in the user's language (i18n.js
// errorText); the server's words stay in ApiError.detail.

import { errorText } from './i18n.js';

let csrfToken = null;
let sessionEnded = () => {};

export function setCsrf(token) {
  csrfToken = token || null;
}

export function onSessionEnded(fn) {
  sessionEnded = fn;
}

// status, code and message of an error answer; `data` is the whole JSON
// answer (a stale-version 409 of a case carries the current state in it).
export class ApiError extends Error {
  constructor(status, code, detail, data, params) {
    super('');
    this.status = status;
    this.code = code;
    this.detail = detail || '';
    this.data = data || null;
    this.params = params || {};
    this.message = errorText(this);
  }
}

function errorFrom(status, data) {
  const e = data && data.error;
  if (e && e.code) {
    const params = {};
    for (const [k, v] of Object.entries(e)) if (k !== 'code' && k !== 'message') params[k] = v;
    return new ApiError(status, e.code, e.message, data, params);
  }
  return new ApiError(status, `http_${status}`, '', data, { status });
}

// method, path under /api/v1, optional JSON body. Resolves to the parsed
// JSON answer; rejects with an ApiError whose message can be shown as is.
// opts.signIn: a 401 is a wrong password, not an ended session.
// opts.raw: send `body` as it is (a File or Blob) with opts.contentType
// instead of as JSON (attachments).
export async function api(method, path, body, opts = {}) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined && opts.raw) {
    init.headers['Content-Type'] = opts.contentType || 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) init.headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch('/api/v1' + path, init);
  } catch (err) {
    throw new ApiError(0, 'network', err.message);
  }
  let data = null;
  if ((res.headers.get('Content-Type') || '').startsWith('application/json')) {
    data = await res.json().catch(() => null);
  }
  if (!res.ok) {
    const err = errorFrom(res.status, data);
    if (res.status === 401 && !opts.signIn) sessionEnded(err);
    throw err;
  }
  return data;
}

// Query string from an object, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

// Uploads a CSV file to POST /api/v1/import with XMLHttpRequest, whose
// upload events give real progress (fetch has none). onProgress(sent,
// total) during the upload, onSent() once the last byte left (the server
// is importing). Resolves to the import's JSON answer.
export function uploadCsv(file, register, onProgress, onSent) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/import' + query({ register }));
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', (e) => {
      onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    });
    xhr.upload.addEventListener('load', () => onSent());
    xhr.addEventListener('load', () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch (_) {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && data) {
        resolve(data);
        return;
      }
      const err = errorFrom(xhr.status, data);
      if (xhr.status === 401) sessionEnded(err);
      reject(err);
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'upload_cut', '')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', '')));
    xhr.send(file);
  });
}
