// The dashboard's entry point: one state object, hash routing between the
// views, and the graph view's wiring (filters, selection, detail panel).
//   #/graph[/<node id>]  #/explain  #/changes  #/traffic
import { h, clear } from './dom.js';
import { loadState } from './api.js';
import { buildGraph } from './model.js';
import { selectNodes, collapse, drawGraph, filterBar } from './graph.js';
import { detailPanel } from './detail.js';
import { explainView } from './explain.js';
import { changesView } from './changes.js';
import { trafficView } from './traffic.js';

const app = {
  data: null, // one read of the admin endpoints (api.loadState)
  graph: null, // model.buildGraph(data)
  filters: { q: '', ns: '', hiddenColumns: new Set() },
  expanded: new Set(), // listeners whose route group is unfolded
  explainForm: { url: '', method: 'GET', headers: '' },
  stopView: null, // stops the current view's polling
  // ms: load = reading the endpoints, build = the graph model, draw = the
  // last render, firstRender = from navigation to the first graph on screen.
  timings: { load: 0, build: 0, draw: 0, firstRender: 0 },
};

const root = document.getElementById('view');

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [view, ...rest] = hash.split('/');
  return { view: view || 'graph', arg: rest.length ? decodeURIComponent(rest.join('/')) : '' };
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function showSummary() {
  const d = app.data;
  const s = d.diagnose.summary || {};
  const gen = d.diagnose.live?.generation;
  document.getElementById('summary').textContent =
    `${gen ? `generation ${gen} \u00b7 ` : ''}${plural(s.objects ?? 0, 'object')} \u00b7 ` +
    `${plural(s.errors ?? 0, 'error')} \u00b7 ${plural(s.warnings ?? 0, 'warning')}`;
}

async function refresh() {
  const t0 = performance.now();
  app.data = await loadState();
  const t1 = performance.now();
  app.graph = buildGraph(app.data);
  app.timings.load = t1 - t0;
  app.timings.build = performance.now() - t1;
  showSummary();
}

function renderGraphCanvas(canvas, count, selected) {
  const t0 = performance.now();
  const nodes = selectNodes(app.graph, app.filters);
  const vis = collapse(app.graph, nodes, { selected, expanded: app.expanded });
  drawGraph(canvas, vis, selected, (id) => {
    location.hash = `#/graph/${encodeURIComponent(id)}`;
  });
  app.timings.draw = performance.now() - t0;
  if (!app.timings.firstRender) app.timings.firstRender = performance.now();
  count.value = `${nodes.length} of ${app.graph.nodes.size} objects shown \u00b7 ${vis.nodes.length} nodes \u00b7 drawn in ${app.timings.draw.toFixed(0)} ms`;
  canvas.dataset.rendered = String(Date.now());
  return vis;
}

function graphView(selected) {
  const namespaces = [...new Set([...app.graph.nodes.values()].map((n) => n.ns).filter(Boolean))].sort();
  const canvas = h('div', { class: 'canvas', id: 'graph-canvas' });
  let vis = null;
  let pending = 0;
  const bar = filterBar(app.filters, namespaces, () => {
    // Coalesce keystrokes into one render per frame.
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      vis = renderGraphCanvas(canvas, bar.querySelector('output'), selected);
    });
  });
  const layoutEl = h('div', { class: 'graph-layout' }, canvas);
  clear(root).append(h('section', { class: 'graph-view', 'aria-label': 'Resource graph' }, bar, layoutEl));
  vis = renderGraphCanvas(canvas, bar.querySelector('output'), selected);
  const node = app.graph.nodes.get(selected) || vis.nodes.find((n) => n.id === selected);
  if (!node) return;
  layoutEl.append(detailPanel(app.data, node, {
    nodes: app.graph.nodes,
    onPick: (id) => {
      location.hash = `#/graph/${encodeURIComponent(id)}`;
    },
    onExpand: (listener) => {
      app.expanded.add(listener);
      location.hash = '#/graph';
    },
    onClose: () => {
      location.hash = '#/graph';
    },
  }));
  canvas.querySelector(`[data-id="${CSS.escape(selected)}"]`)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

// A URL the served config answers, to start the explain form from.
function exampleUrl(config) {
  const bind = (config.binds || []).find((b) => b.protocol === 'HTTP' || b.protocol === 'HTTPS');
  if (!bind) return '';
  const vh = (bind.listeners || []).flatMap((l) => l.virtualHosts || [])[0];
  const host = vh && vh.hostname && vh.hostname !== '*' ? vh.hostname.replace(/^\*\./, 'www.') : 'example.com';
  return `${bind.protocol.toLowerCase()}://${host}:${bind.port}/`;
}

async function render() {
  app.stopView?.();
  app.stopView = null;
  const { view, arg } = route();
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (view === 'explain') {
      if (!app.explainForm.url && app.data) app.explainForm.url = exampleUrl(app.data.config);
      explainView(root, app.explainForm);
    }
    else if (view === 'changes') await changesView(root);
    else if (view === 'traffic') app.stopView = trafficView(root);
    else {
      if (!app.graph) await refresh();
      graphView(arg);
    }
  } catch (e) {
    console.error(e); // the stack, for a bug report
    clear(root).append(h('p', { class: 'error', role: 'alert' }, `Could not show this view: ${e.message}`));
  }
}

document.getElementById('reload').addEventListener('click', async () => {
  await refresh();
  render();
});
window.addEventListener('hashchange', render);
// Exposed read-only for the end-to-end test's timing assertions.
window.porticoDashboard = { timings: () => ({ ...app.timings }) };
refresh().then(render, (e) => {
  console.error(e);
  clear(root).append(h('p', { class: 'error', role: 'alert' }, `Could not read the admin server: ${e.message}`));
});
