// dom.js - building the page from data without ever parsing it as HTML.
//
// Everything the server sends (names, addresses, reasons typed by other
// users) reaches the page through text nodes and attribute values set here,
// never through innerHTML, so a hostile value cannot become markup or script.
// Styles are set through classes (the server's Content-Security-Policy
// forbids inline style attributes).

// h('a', {href: '#/x', class: 'c', onclick: fn}, 'text', child, [more]) ->
// an element. Props: `class`, `text`, `dataset` (object), `on*` functions
// (listeners), booleans (set as present/absent attributes, e.g. disabled),
// null/undefined (skipped), anything else as an attribute. Children:
// strings and numbers become text, nodes are appended, arrays are
// flattened, null/undefined/false are skipped.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (k === 'value' && (tag === 'input' || tag === 'textarea' || tag === 'select')) el.value = v;
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

// el.append() that skips null/undefined/false (the native one would
// write "null").
export function add(el, ...children) {
  return append(el, children);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// A unique id for label/for and aria-describedby pairs.
let seq = 0;
export function uid(prefix) {
  seq += 1;
  return `${prefix}-${seq}`;
}

// A labelled form field: returns {wrap, input}. kind: 'input' | 'select' |
// 'textarea'; opts.options for selects: [[value, label], ...].
export function field(label, kind, props, opts = {}) {
  const id = props.id || uid('f');
  const input = h(kind, { ...props, id });
  if (kind === 'select') {
    for (const [value, text] of opts.options || []) {
      input.appendChild(h('option', { value }, text));
    }
    if (props.value !== undefined) input.value = props.value;
  }
  const hint = opts.hint ? h('span', { class: 'hint', id: id + '-hint' }, opts.hint) : null;
  if (hint) input.setAttribute('aria-describedby', hint.id);
  const wrap = h('div', { class: 'field' + (opts.wide ? ' wide' : '') },
    h('label', { for: id }, label), input, hint);
  return { wrap, input };
}

// A table with a caption, column headers (scope=col) and rows of cells.
// cols: [{label, class}]; rows: arrays of cell contents (nodes or text); a
// cell given as {th: content} is a row header.
export function table(caption, cols, rows, opts = {}) {
  const thead = h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col', class: c.class }, c.label))));
  const tbody = h('tbody', null, rows.map((r) => h('tr', null, r.map((cell, i) => {
    if (cell && typeof cell === 'object' && 'th' in cell) {
      return h('th', { scope: 'row', class: cols[i] && cols[i].class }, cell.th);
    }
    return h('td', { class: cols[i] && cols[i].class }, cell);
  }))));
  return h('table', { class: 'data' + (opts.class ? ' ' + opts.class : '') },
    h('caption', { class: opts.hideCaption ? 'visually-hidden' : null }, caption), thead, tbody);
}

// An error box read out at once by screen readers.
export function errorBox(message) {
  return h('div', { class: 'error-box', role: 'alert' }, message);
}
