// The traffic view: per Gateway, listener, route and backend the requests
// by status class, the rate since the last read, the error share and
// p50/p99 latency; open connections per Gateway and listener port; and
// endpoint health. Read from /traffic (p50/p99 are computed there from the
// histogram buckets), /metrics (the overall figures) and /endpoints every
// few seconds while the view is open.
import { h, table, clear } from './dom.js';
import { metrics, endpoints, traffic } from './api.js';
import { parseMetrics, quantile, histograms } from './prom.js';

export const REFRESH_MS = 2000;
const CLASSES = ['2xx', '3xx', '4xx', '5xx'];

const ms = (s) => (s === null || s === undefined ? '\u2014' : `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`);
const pct = (n, d) => (d ? `${((100 * n) / d).toFixed(1)}%` : '\u2014');
const num = (text, attrs = {}) => h('td', { class: 'num', ...attrs }, String(text));

// Rows: [{ key, label?, requests: {byClass, total, errors}, latency?, extra: [cells] }].
// `prev` maps key -> total at the last read, for the rate.
function countsTable(id, title, rows, prev, seconds, opts = {}) {
  const body = [...rows].sort((a, b) => b.requests.total - a.requests.total || a.key.localeCompare(b.key)).map((r) => {
    const before = prev?.get(r.key) ?? r.requests.total;
    const rate = seconds ? ((r.requests.total - before) / seconds).toFixed(1) : '\u2014';
    const c = r.requests.byClass || {};
    const lat = r.latency;
    return h('tr', { 'data-key': r.key },
      h('th', { scope: 'row' }, r.label ?? r.key),
      (r.before || []).map((x) => (x instanceof Node ? x : num(x))),
      num(r.requests.total, { 'data-total': r.requests.total }), num(rate),
      CLASSES.map((k) => h('td', { class: `num${k === '5xx' && c[k] ? ' bad' : ''}` }, String(c[k] || 0))),
      num(pct(r.requests.errors || 0, r.requests.total)),
      opts.latency ? [num(ms(lat?.p50), { 'data-p50': lat?.p50 ?? '' }), num(ms(lat?.p99), { 'data-p99': lat?.p99 ?? '' })] : null,
      (r.after || []).map((x) => (x instanceof Node ? x : num(x))));
  });
  const headers = ['', ...(opts.before || []), 'Requests', 'req/s', ...CLASSES, 'Errors',
    ...(opts.latency ? [`${opts.latency} p50`, `${opts.latency} p99`] : []), ...(opts.after || [])];
  return h('section', { id }, h('h3', {}, title), opts.note ? h('p', { class: 'muted' }, opts.note) : null,
    body.length ? table(headers, body, { class: 'counts' }) : h('p', { class: 'muted' }, opts.empty || 'No requests yet.'));
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
        num(e.inFlight ?? 0), num(e.requests ?? 0),
        h('td', {}, h('meter', { min: 0, max: 100, value: share.toFixed(1), title: `${share.toFixed(1)}% of the cluster's requests` }), ` ${share.toFixed(0)}%`),
        num(e.sessions ?? 0), num(e.ejections ?? 0)));
    }
  }
  return h('section', { id: 'traffic-endpoints' }, h('h3', {}, 'Endpoints'),
    rows.length ? table(['Backend', 'Endpoint', 'Health', 'In flight', 'Requests', 'Share', 'Sessions', 'Ejections'], rows)
      : h('p', { class: 'muted' }, 'No endpoints.'));
}

function overview(samples, doc) {
  const get = (name) => samples.filter((x) => x.name === name).reduce((a, x) => a + x.value, 0);
  const all = histograms(samples, 'portico_http_request_duration_seconds', '').get('');
  return h('p', { class: 'overview', id: 'traffic-overview' },
    `Open connections ${doc ? doc.activeConnections : get('portico_active_connections')} \u00b7 accepted ${get('portico_connections_accepted_total')} \u00b7 `,
    `requests p50 ${ms(all && quantile(0.5, all))}, p99 ${ms(all && quantile(0.99, all))} \u00b7 `,
    `upstream connect errors ${get('portico_upstream_connect_errors_total')} \u00b7 retries ${get('portico_upstream_retries_total')}`);
}

// The tables of one /traffic document. `prev`: totals of the last read by table.
function sections(doc, prev, seconds) {
  const active = (n) => h('td', { class: 'num', 'data-active': n }, String(n));
  const gateways = doc.gateways.map((g) => ({
    key: `${g.namespace}/${g.name}`, requests: g.requests, before: [active(g.activeConnections)],
  }));
  const listeners = doc.gateways.flatMap((g) => g.listeners.map((l) => ({
    key: `${g.namespace}/${g.name}/${l.name}`,
    label: `${g.namespace}/${g.name}/${l.name}${l.listenerSet ? ` (${l.listenerSet})` : ''}`,
    requests: l.requests, before: [`${l.protocol} :${l.port}`, active(l.activeConnections)],
  })));
  const routes = doc.routes.map((r) => ({ key: r.route, requests: r.requests, latency: r.latency }));
  const backends = doc.backends.map((b) => ({ key: b.backend, requests: b.requests, latency: b.upstreamLatency, after: [b.connectErrors] }));
  const totals = (rows) => new Map(rows.map((r) => [r.key, r.requests.total]));
  const now = { gateways: totals(gateways), listeners: totals(listeners), routes: totals(routes), backends: totals(backends) };
  return {
    totals: now,
    nodes: [
      countsTable('traffic-gateways', 'Gateways', gateways, prev?.gateways, seconds,
        { before: ['Open connections'], empty: 'No Gateway is served.' }),
      countsTable('traffic-listeners', 'Listeners', listeners, prev?.listeners, seconds,
        { before: ['Port', 'Open connections'], note: 'Open connections are per port: listeners sharing a port show the same number.', empty: 'No listener is served.' }),
      countsTable('traffic-routes', 'Routes', routes, prev?.routes, seconds, {
        latency: 'Request',
        empty: doc.routeMetrics ? 'No requests yet.' : 'Per-route requests and latency are counted with `portico run --route-metrics`.',
      }),
      countsTable('traffic-backends', 'Backends', backends, prev?.backends, seconds, { latency: 'Upstream', after: ['Connect errors'] }),
    ],
  };
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
      const [text, eps, doc] = await Promise.all([metrics(), endpoints(), traffic()]);
      if (stopped) return;
      const samples = parseMetrics(text);
      const at = performance.now();
      const seconds = prev ? (at - prev.at) / 1000 : 0;
      const parts = doc ? sections(doc, prev?.totals, seconds) : { totals: null, nodes: [h('p', { class: 'muted' }, 'This build has no /traffic.')] };
      clear(body).append(h('div', {}, overview(samples, doc), parts.nodes, endpointsSection(eps)));
      prev = { at, totals: parts.totals };
      status.textContent = `Updated ${new Date().toLocaleTimeString()}, every ${REFRESH_MS / 1000} s.`;
    } catch (e) {
      status.textContent = `Could not read the traffic: ${e.message}`;
    }
    if (!stopped) timer = setTimeout(tick, REFRESH_MS);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
