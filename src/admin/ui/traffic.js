// The traffic view: requests and errors per listener, backend and route,
// latency percentiles and endpoint health, read from /metrics and
// /endpoints every few seconds while the view is open.
import { h, table, clear } from './dom.js';
import { metrics, endpoints } from './api.js';
import { parseMetrics, quantile, histograms } from './prom.js';

export const REFRESH_MS = 2000;
const CLASSES = ['2xx', '3xx', '4xx', '5xx'];

// { key -> { '2xx': n, ... , total } } from a *_requests_total family.
function byClass(samples, name, keyOf) {
  const out = new Map();
  for (const x of samples) {
    if (x.name !== name) continue;
    const key = keyOf(x.labels);
    if (!out.has(key)) out.set(key, { total: 0 });
    const row = out.get(key);
    row[x.labels.code_class] = (row[x.labels.code_class] || 0) + x.value;
    row.total += x.value;
  }
  return out;
}

const ms = (s) => (s === null || s === undefined ? '\u2014' : `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`);
const pct = (n, d) => (d ? `${((100 * n) / d).toFixed(1)}%` : '\u2014');

function countsTable(id, title, rows, prev, seconds, latency) {
  const body = [...rows.entries()].sort((a, b) => b[1].total - a[1].total).map(([key, r]) => {
    const before = prev?.get(key)?.total ?? r.total;
    const rate = seconds ? ((r.total - before) / seconds).toFixed(1) : '\u2014';
    const lat = latency?.get(key);
    return h('tr', { 'data-key': key },
      h('th', { scope: 'row' }, key), h('td', { class: 'num', 'data-total': r.total }, String(r.total)), h('td', { class: 'num' }, rate),
      CLASSES.map((c) => h('td', { class: `num${c === '5xx' && r[c] ? ' bad' : ''}` }, String(r[c] || 0))),
      h('td', { class: 'num' }, pct((r['5xx'] || 0) + (r['4xx'] || 0), r.total)),
      latency ? [h('td', { class: 'num' }, ms(lat && quantile(0.5, lat))), h('td', { class: 'num' }, ms(lat && quantile(0.99, lat)))] : null);
  });
  const headers = ['', 'Requests', 'req/s', ...CLASSES, 'Errors', ...(latency ? ['p50', 'p99'] : [])];
  return h('section', { id }, h('h3', {}, title),
    body.length ? table(headers, body, { class: 'counts' }) : h('p', { class: 'muted' }, 'No requests yet.'));
}

function endpointsSection(doc) {
  if (!doc) return h('section', { id: 'traffic-endpoints' }, h('h3', {}, 'Endpoints'), h('p', { class: 'muted' }, 'This build has no /endpoints.'));
  const rows = [];
  for (const c of doc.clusters || []) {
    const total = (c.endpoints || []).reduce((a, e) => a + (e.requests || 0), 0);
    for (const e of c.endpoints || []) {
      const share = total ? (100 * e.requests) / total : 0;
      rows.push(h('tr', { class: e.state === 'ejected' ? 'warn' : '' },
        h('th', { scope: 'row' }, c.cluster), h('td', {}, e.endpoint), h('td', {}, e.state + (e.ejected ? ` (${e.ejected.reason})` : '')),
        h('td', { class: 'num' }, String(e.inFlight ?? 0)), h('td', { class: 'num' }, String(e.requests ?? 0)),
        h('td', {}, h('meter', { min: 0, max: 100, value: share.toFixed(1), title: `${share.toFixed(1)}% of the cluster's requests` }), ` ${share.toFixed(0)}%`),
        h('td', { class: 'num' }, String(e.sessions ?? 0)), h('td', { class: 'num' }, String(e.ejections ?? 0))));
    }
  }
  return h('section', { id: 'traffic-endpoints' }, h('h3', {}, 'Endpoints'),
    rows.length ? table(['Backend', 'Endpoint', 'Health', 'In flight', 'Requests', 'Share', 'Sessions', 'Ejections'], rows)
      : h('p', { class: 'muted' }, 'No endpoints.'));
}

function overview(samples) {
  const get = (name) => samples.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0);
  const all = histograms(samples, 'portico_http_request_duration_seconds', '').get('');
  return h('p', { class: 'overview' },
    `Active connections ${get('portico_active_connections')} \u00b7 accepted ${get('portico_connections_accepted_total')} \u00b7 `,
    `requests p50 ${ms(all && quantile(0.5, all))}, p99 ${ms(all && quantile(0.99, all))} \u00b7 `,
    `upstream connect errors ${get('portico_upstream_connect_errors_total')} \u00b7 retries ${get('portico_upstream_retries_total')}`);
}

// Starts polling into root; returns the function that stops it.
export function trafficView(root) {
  let prev = null;
  let timer = 0;
  let stopped = false;
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const body = h('div');
  clear(root).append(h('section', { class: 'traffic' }, h('h2', {}, 'Traffic'), status, body));
  const tick = async () => {
    try {
      const [text, eps] = await Promise.all([metrics(), endpoints()]);
      if (stopped) return;
      const samples = parseMetrics(text);
      const now = performance.now();
      const seconds = prev ? (now - prev.at) / 1000 : 0;
      const listeners = byClass(samples, 'portico_listener_requests_total', (l) => `${l.namespace}/${l.gateway}/${l.listener}`);
      const backends = byClass(samples, 'portico_backend_requests_total', (l) => l.backend);
      const routes = byClass(samples, 'portico_route_requests_total', (l) => l.route);
      const upstream = histograms(samples, 'portico_upstream_request_duration_seconds', 'backend');
      clear(body).append(h('div', {}, overview(samples),
        countsTable('traffic-listeners', 'Listeners', listeners, prev?.listeners, seconds),
        countsTable('traffic-backends', 'Backends', backends, prev?.backends, seconds, upstream),
        routes.size ? countsTable('traffic-routes', 'Routes', routes, prev?.routes, seconds) : null,
        endpointsSection(eps)));
      prev = { at: now, listeners, backends, routes };
      status.textContent = `Updated ${new Date().toLocaleTimeString()}, every ${REFRESH_MS / 1000} s.`;
    } catch (e) {
      status.textContent = `Could not read the metrics: ${e.message}`;
    }
    if (!stopped) timer = setTimeout(tick, REFRESH_MS);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
