// An entity (worker, employer, agent, address, phone or application):
// GET /api/v1/entities/{type}/{key} (audited). Its alerts, an interactive
// network of its cluster drawn with Cytoscape (each kind of entity has its
// own shape and colour, the ring says the alert level; click or tap a node
// to open its page), the same network as a table for keyboard and screen
// reader users, for a worker the person's records across the registers
// (person-panel.js), and its register records.

import { api } from '../api.js';
import { h, add, table, errorBox } from '../dom.js';
import { t, label } from '../i18n.js';
import {
  entityLabel, fmtScore, fmtTime, levelBadge, statusBadge, entityHref, indicatorLabel, levelLabel,
} from '../labels.js';
import { personSection } from '../person-panel.js';

// Shape and colour per kind (colour-blind safe palette; shape carries the
// kind on its own too).
export const NODE_STYLE = {
  worker: { shape: 'ellipse', color: '#1f6fb2', legend: 'circle' },
  employer: { shape: 'round-rectangle', color: '#c25e00', legend: 'square' },
  intermediary: { shape: 'diamond', color: '#7b3fa0', legend: 'diamond' },
  address: { shape: 'triangle', color: '#2c8a4b', legend: 'triangle' },
  phone: { shape: 'hexagon', color: '#59636e', legend: 'hexagon' },
  application: { shape: 'star', color: '#9a7b00', legend: 'star' },
};
const LEVEL_RING = { high: '#c01c28', medium: '#e5a50a', low: '#62a0ea' };

// Cytoscape adds a <style> element to the page unless one with this id
// exists; the server's Content-Security-Policy refuses inline styles, so
// the rule it wants lives in css/app.css and this marker stops the attempt.
function cytoscapeMarker() {
  const id = '__________cytoscape_stylesheet';
  if (!document.getElementById(id)) document.head.appendChild(h('meta', { id, name: 'cytoscape-style', content: 'css/app.css' }));
}

function short(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function legend() {
  return h('ul', { class: 'legend', 'aria-label': t('entity.legend') },
    Object.entries(NODE_STYLE).map(([type, st]) => h('li', null, h('span', { class: `swatch shape-${st.legend} kind-${type}`, 'aria-hidden': 'true' }),
      `${entityLabel(type)} (${label('shape', st.legend)})`)),
    Object.entries(LEVEL_RING).map(([level]) => h('li', null, h('span', { class: `swatch ring ring-${level}`, 'aria-hidden': 'true' }),
      t('entity.ring', { level: levelLabel(level) }))));
}

// Positions for the preset layout: the centre at (0, 0), the nodes one step
// away on an inner ellipse, the rest on an outer one, each ring starting at
// the top and going clockwise in the order given (kinds side by side).
function ringPositions(nodes, centreId, container) {
  const aspect = Math.max(1, Math.min(3, (container.clientWidth || 900) / (container.clientHeight || 480)));
  const rings = new Map();
  for (const n of nodes) {
    if (n.id === centreId) continue;
    const k = Math.min(2, Math.max(1, n.hop));
    if (!rings.has(k)) rings.set(k, []);
    rings.get(k).push(n.id);
  }
  // each ellipse is long enough for its nodes (px of rim each: the inner
  // ring's nodes are bigger), the outer well outside the inner
  const rim = (count, px) => (count * px) / (Math.PI * (1 + aspect));
  const inner = rings.has(1) ? Math.max(90, rim(rings.get(1).length, 40)) : 0;
  const outer = rings.has(2) ? Math.max(inner * 1.8, 150, rim(rings.get(2).length, 30)) : 0;
  const pos = { [centreId]: { x: 0, y: 0 } };
  for (const [k, ids] of rings) {
    const rb = k === 1 ? inner : outer;
    const at = ellipsePoints(rb * aspect, rb, ids.length, k === 1 ? 0.5 : 0);
    ids.forEach((id, i) => { pos[id] = at[i]; });
  }
  return pos;
}

// n points evenly spaced along an ellipse (by arc length, not by angle, so
// its narrow ends are not crowded), clockwise from the top, the first one
// `shift` of a step along.
function ellipsePoints(a, b, n, shift) {
  const steps = 720;
  const len = [0];
  const point = (t) => ({ x: Math.cos(t) * a, y: Math.sin(t) * b });
  const t0 = -Math.PI / 2;
  for (let i = 1; i <= steps; i++) {
    const p = point(t0 + (2 * Math.PI * (i - 1)) / steps);
    const q = point(t0 + (2 * Math.PI * i) / steps);
    len.push(len[i - 1] + Math.hypot(q.x - p.x, q.y - p.y));
  }
  const out = [];
  let j = 0;
  for (let i = 0; i < n; i++) {
    const want = ((i + shift) / n) * len[steps];
    while (j < steps && len[j + 1] < want) j++;
    const f = len[j + 1] > len[j] ? (want - len[j]) / (len[j + 1] - len[j]) : 0;
    out.push(point(t0 + (2 * Math.PI * (j + f)) / steps));
  }
  return out;
}

function drawGraph(container, cluster, centreId, ctx) {
  cytoscapeMarker();
  const elements = [];
  // rings by steps away from the centre; within a ring, kinds side by side
  const order = Object.keys(NODE_STYLE);
  const nodes = cluster.nodes.slice().sort((a, b) => (a.hop - b.hop) || (order.indexOf(a.type) - order.indexOf(b.type)));
  const direct = nodes.filter((n) => n.hop === 1).length;
  for (const n of nodes) {
    elements.push({
      group: 'nodes',
      data: {
        id: n.id, type: n.type, key: n.key, hidden: n.hidden ? 1 : 0, level: n.level || 'none', hop: n.hop,
        label: short(n.label || n.key, 22), centre: n.id === centreId ? 1 : 0,
        // named at rest: the centre, and its direct links while they are few
        named: n.id === centreId || (n.hop <= 1 && direct <= 16) ? 1 : 0,
      },
    });
  }
  const ids = new Set(cluster.nodes.map((n) => n.id));
  cluster.edges.forEach((e, i) => {
    if (ids.has(e.source) && ids.has(e.target)) elements.push({ group: 'edges', data: { id: `e${i}`, source: e.source, target: e.target, kind: e.kind } });
  });
  const style = [
    {
      selector: 'node',
      style: {
        label: 'data(label)', 'font-size': 9, color: '#222', 'text-valign': 'bottom', 'text-margin-y': 3,
        'text-background-color': '#fff', 'text-background-opacity': 0.8, 'text-background-padding': 1,
        width: 22, height: 22, 'border-width': 2, 'border-color': '#fff',
      },
    },
    ...Object.entries(NODE_STYLE).map(([type, st]) => ({ selector: `node[type = "${type}"]`, style: { shape: st.shape, 'background-color': st.color } })),
    ...Object.entries(LEVEL_RING).map(([level, c]) => ({ selector: `node[level = "${level}"]`, style: { 'border-width': 4, 'border-color': c } })),
    { selector: 'node[hop = 1]', style: { width: 28, height: 28, 'font-size': 10 } },
    { selector: 'node[centre = 1]', style: { width: 40, height: 40, 'font-size': 11, 'font-weight': 'bold', 'z-index': 10 } },
    { selector: 'node[hop >= 2]', style: { width: 18, height: 18 } },
    // the others are named on hover (their labels would cover each other)
    { selector: 'node[named = 0]', style: { label: '' } },
    { selector: 'node.hovered', style: { label: 'data(label)', 'font-size': 10, 'z-index': 20 } },
    { selector: 'node:selected', style: { 'overlay-color': '#1a5fb4', 'overlay-opacity': 0.25 } },
    { selector: 'edge', style: { width: 1.5, 'line-color': '#a0a7ae', 'curve-style': 'haystack', opacity: 0.8 } },
    { selector: 'edge[kind = "recruited_by"], edge[kind = "uses_agent"]', style: { 'line-color': '#7b3fa0', 'line-style': 'dashed' } },
  ];
  const cy = window.cytoscape({
    container,
    elements,
    style,
    // the centre, then an ellipse per step away (wide, like the box):
    // deterministic, and no node hides another, so each stays clickable
    layout: { name: 'preset', positions: ringPositions(nodes, centreId, container), fit: true, padding: 28, animate: false },
    minZoom: 0.2,
    maxZoom: 3,
    boxSelectionEnabled: false,
    autoungrabify: false,
  });
  cy.on('tap', 'node', (evt) => {
    const d = evt.target.data();
    // the centre is this page; a node outside the caller's scope has no key
    if (d.centre || d.hidden || !d.key) return;
    ctx.go(entityHref(d.type, d.key));
  });
  cy.on('mouseover', 'node', (evt) => {
    evt.target.addClass('hovered');
    container.style.cursor = 'pointer';
  });
  cy.on('mouseout', 'node', (evt) => {
    evt.target.removeClass('hovered');
    container.style.cursor = '';
  });
  // for the browser tests and the curious: the graph behind the canvas
  container.cy = cy;
  return cy;
}

function nodeTable(cluster, centreId) {
  const rows = cluster.nodes
    .slice()
    .sort((a, b) => (a.hop - b.hop) || ((b.score || 0) - (a.score || 0)))
    .map((n) => [
      { th: n.id === centreId ? h('span', null, n.label || n.key, ' ', t('entity.this_page'))
        : (n.hidden || !n.key) ? h('span', null, n.label || t('entity.outside_scope'))
          : h('a', { href: entityHref(n.type, n.key) }, n.label || n.key) },
      entityLabel(n.type),
      h('span', { class: 'key' }, n.key || '–'),
      n.level ? levelBadge(n.level) : '–',
      n.alert_id ? h('a', { href: `#/alerts/${n.alert_id}` }, t('alert.ref', { id: n.alert_id })) : '–',
      String(n.hop),
    ]);
  return table(t('entity.nodes_caption'), [{ label: t('entity.col_entity') }, { label: t('entity.col_kind') }, { label: t('entity.col_key') }, { label: t('entity.col_open_alert') },
    { label: t('entity.col_alert') }, { label: t('entity.col_steps'), class: 'num' }], rows);
}

function records(data) {
  const out = [];
  for (const [reg, list] of Object.entries(data.records || {})) {
    if (!list || !list.length) continue;
    out.push(h('h3', null, `${label('register', reg)} (${list.length})`));
    list.forEach((rec, i) => {
      const rows = Object.entries(rec.fields || {}).filter(([, v]) => v !== null && v !== '').map(([k, v]) => [{ th: label('column', k) }, String(v)]);
      out.push(h('details', { class: 'record', open: i === 0 && list.length <= 3 },
        h('summary', null, t('entity.record_version', { key: rec.row_key, version: rec.version })),
        table(t('entity.record_caption', { register: label('register', reg), key: rec.row_key }), [{ label: t('entity.col_field') }, { label: t('entity.col_value') }], rows, { hideCaption: true, class: 'kv' })));
    });
  }
  if (data.records_truncated) out.push(h('p', { class: 'muted' }, t('entity.records_cut')));
  return out.length ? out : [h('p', null, t('entity.no_records'))];
}

export async function render(main, ctx) {
  const [type, key] = ctx.params;
  ctx.setTitle(`${entityLabel(type)} ${key}`);
  let data;
  try {
    data = await api('GET', `/entities/${encodeURIComponent(type)}/${encodeURIComponent(key)}`);
  } catch (err) {
    if (!ctx.current()) return null;
    add(main, h('h1', { tabindex: '-1' }, `${entityLabel(type)} `, h('span', { class: 'key' }, key)),
      errorBox(err.status === 404 ? t('entity.unknown', { what: entityLabel(type) }) : err.message));
    return null;
  }
  if (!ctx.current()) return null;
  const cluster = data.cluster || { nodes: [], edges: [] };
  const centreId = `${type}:${key}`;
  const centre = cluster.nodes.find((n) => n.id === centreId);
  const name = centre && centre.label && centre.label !== key ? centre.label : null;

  const alertRows = (data.alerts || []).map((a) => [
    h('a', { href: `#/alerts/${a.id}` }, t('alert.title', { id: a.id })), levelBadge(a.level), fmtScore(a.score), statusBadge(a.status),
    (a.indicators || []).map(indicatorLabel).join(', '), fmtTime(a.created_at),
  ]);
  const graphBox = h('div', { class: 'graph', id: 'graph', role: 'img',
    'aria-label': t('entity.graph_label', { n: cluster.nodes.length, what: entityLabel(type) }) });
  const fit = h('button', { type: 'button', class: 'secondary' }, t('entity.fit'));

  add(main, 
    h('p', { class: 'crumbs' }, h('a', { href: '#/alerts' }, t('common.back_queue'))),
    h('h1', { tabindex: '-1' }, `${entityLabel(type)} `, h('span', { class: 'key' }, key), name ? ` · ${name}` : ''),
    h('section', { 'aria-labelledby': 'ea-h' }, h('h2', { id: 'ea-h' }, t('entity.alerts')),
      alertRows.length ? table(t('entity.alerts_caption', { what: entityLabel(type) }), [{ label: t('queue.col_alert') }, { label: t('queue.col_level') }, { label: t('queue.col_score'), class: 'num' },
        { label: t('queue.col_status') }, { label: t('queue.col_indicators') }, { label: t('queue.col_raised') }], alertRows) : h('p', null, t('entity.no_alerts'))),
    h('section', { 'aria-labelledby': 'net-h', class: 'network' }, h('h2', { id: 'net-h' }, t('entity.network')),
      h('p', { class: 'hint' }, t('entity.network_hint', { n: cluster.nodes.length, links: cluster.edges.length })),
      cluster.truncated ? h('p', { class: 'warn' }, t('entity.truncated')) : null,
      h('div', { class: 'graph-tools' }, legend(), fit),
      graphBox,
      h('details', { class: 'node-table' }, h('summary', null, t('entity.as_table')), nodeTable(cluster, centreId))),
    // a worker is a document of a person: the person's other records
    type === 'worker' ? personSection(`/workers/${encodeURIComponent(key)}/person`, 'worker', ctx) : null,
    h('section', { 'aria-labelledby': 'rec-h' }, h('h2', { id: 'rec-h' }, t('entity.records')), records(data)),
  );
  let cy = null;
  if (cluster.nodes.length && window.cytoscape) {
    cy = drawGraph(graphBox, cluster, centreId, ctx);
    fit.addEventListener('click', () => cy.fit(undefined, 24));
  } else {
    graphBox.replaceWith(errorBox(cluster.nodes.length ? t('entity.lib_missing') : t('entity.no_network')));
  }
  return () => {
    if (cy) cy.destroy();
  };
}
