// The dashboard's entry point: one state object, hash routing between the
// views, the graph view's wiring (filters, selection, detail panel) and
// the poll that redraws the graph when the served config changes.
//   #/graph[/<node id>]  #/explain  #/changes  #/traffic
import { h, clear } from './dom.js';
import { loadState, generation } from './api.js';
import { buildGraph, applyFindings } from './model.js';
import { selectNodes, collapse, drawGraph, filterBar } from './graph.js';
import { detailPanel } from './detail.js';
import { explainView } from './explain.js';
import { changesView } from './changes.js';
import { trafficView } from './traffic.js';

// How often an open page asks /generation whether the config changed.
export const POLL_MS = 2000;

const app = {
  data: null, // one read of the admin endpoints (api.loadState)
  graph: null, // model.buildGraph(data)
  generation: null, // the config generation `data` was read at
  stale: false, // a newer generation is served: read again before showing the graph
  filters: { q: '', ns: '', hiddenColumns: new Set() },
  expanded: new Set(), // listeners whose route group is unfolded
  explainForm: { url: '', method: 'GET', headers: '' },
  stopView: null, // stops the current view's polling
  graphUi: null, // the graph view on screen: its canvas, count and layout elements
  updates: 0, // graph reads that replaced an earlier one (live updates)
  pollFailed: false, // the last /generation read failed (said in the summary)
  // ms: load = reading the graph's endpoints, build = the graph model,
  // draw = the last render, firstRender = from navigation to the first
  // graph on screen, findings = from navigation to /diagnose applied.
  timings: { load: 0, build: 0, draw: 0, firstRender: 0, findings: 0 },
};

const root = document.getElementById('view');

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [view, ...rest] = hash.split('/');
  return { view: view || 'graph', arg: rest.length ? decodeURIComponent(rest.join('/')) : '' };
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function showSummary() {
  const d = app.data.diagnose;
  const gen = app.generation ?? d?.live?.generation;
  const head = gen ? `generation ${gen} \u00b7 ` : '';
  const s = d?.summary;
  document.getElementById('summary').textContent = s
    ? `${head}${plural(s.objects ?? 0, 'object')} \u00b7 ${plural(s.errors ?? 0, 'error')} \u00b7 ${plural(s.warnings ?? 0, 'warning')}`
    : `${head}reading the troubleshooter\u2026`;
}

// Reads the admin state; the graph is built as soon as its own endpoints
// have answered, and the findings are put on it when /diagnose does.
let reading = null;
function refresh() {
  reading ??= (async () => {
    const t0 = performance.now();
    const load = loadState();
    const [data, gen] = await Promise.all([load.core, load.generation]);
    const t1 = performance.now();
    if (app.data) app.updates++;
    app.data = data;
    app.generation = gen;
    app.stale = false;
    app.graph = buildGraph(data);
    app.timings.load = t1 - t0;
    app.timings.build = performance.now() - t1;
    showSummary();
    load.diagnose.then((diagnose) => {
      if (app.data !== data) return; // a newer read took over
      data.diagnose = diagnose;
      applyFindings(app.graph, diagnose, data.objects);
      if (!app.timings.findings) app.timings.findings = performance.now();
      showSummary();
      updateGraph();
    }, (e) => {
      console.error(e);
      document.getElementById('summary').textContent = `Could not read /diagnose: ${e.message}`;
    });
  })().finally(() => {
    reading = null;
  });
  return reading;
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
  canvas.dataset.generation = String(app.generation ?? '');
  return vis;
}

function namespacesOf(g) {
  return [...new Set([...g.nodes.values()].map((n) => n.ns).filter(Boolean))].sort();
}

// The detail panel of the selected node, or nothing (the node may have
// gone with a new generation).
function showDetail(ui, vis) {
  ui.layoutEl.querySelector('aside.detail')?.remove();
  const node = app.graph.nodes.get(ui.selected) || vis.nodes.find((n) => n.id === ui.selected);
  if (!node) return null;
  const panel = detailPanel(app.data, node, {
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
  });
  ui.layoutEl.append(panel);
  return panel;
}

function graphView(selected) {
  const canvas = h('div', { class: 'canvas', id: 'graph-canvas' });
  let pending = 0;
  const bar = filterBar(app.filters, namespacesOf(app.graph), () => {
    // Coalesce keystrokes into one render per frame.
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      renderGraphCanvas(canvas, bar.querySelector('output'), selected);
    });
  });
  const layoutEl = h('div', { class: 'graph-layout' }, canvas);
  clear(root).append(h('section', { class: 'graph-view', 'aria-label': 'Resource graph' }, bar, layoutEl));
  const ui = { canvas, bar, layoutEl, selected };
  app.graphUi = ui;
  const vis = renderGraphCanvas(canvas, bar.querySelector('output'), selected);
  if (showDetail(ui, vis)) {
    canvas.querySelector(`[data-id="${CSS.escape(selected)}"]`)?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }
}

// Redraws the graph view on screen from app.graph (a new generation, or
// the findings arriving) in place: the filter bar (and what is typed in
// it), the selection and the scroll positions stay as they were.
function updateGraph() {
  const ui = app.graphUi;
  if (!ui || route().view !== 'graph' || !root.contains(ui.canvas)) return;
  const detailBefore = ui.layoutEl.querySelector('aside.detail');
  const scroll = [ui.canvas.scrollLeft, ui.canvas.scrollTop, detailBefore?.scrollTop ?? 0];
  const select = ui.bar.querySelector('#graph-namespace');
  const namespaces = namespacesOf(app.graph);
  const shown = [...select.options].slice(1).map((o) => o.value);
  if (shown.join('\u0000') !== namespaces.join('\u0000')) {
    select.replaceChildren(h('option', { value: '' }, 'all namespaces'),
      ...namespaces.map((x) => h('option', { value: x, selected: x === app.filters.ns }, x)));
  }
  const vis = renderGraphCanvas(ui.canvas, ui.bar.querySelector('output'), ui.selected);
  const panel = showDetail(ui, vis);
  ui.canvas.scrollLeft = scroll[0];
  ui.canvas.scrollTop = scroll[1];
  if (panel) panel.scrollTop = scroll[2];
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
  app.graphUi = null;
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
      if (!app.graph || app.stale) await refresh();
      graphView(arg);
    }
  } catch (e) {
    console.error(e); // the stack, for a bug report
    clear(root).append(h('p', { class: 'error', role: 'alert' }, `Could not show this view: ${e.message}`));
  }
}

// Live updates: a new generation (files changed, SIGHUP) is read again and
// redrawn in place when the graph is on screen; other views leave it for
// when the graph is shown. A hidden tab does not poll.
async function poll() {
  try {
    if (!document.hidden && app.data && !reading) {
      const gen = await generation();
      if (app.pollFailed) showSummary();
      app.pollFailed = false;
      if (gen !== app.generation) {
        if (route().view === 'graph') {
          await refresh();
          updateGraph();
        } else {
          app.stale = true;
        }
      }
    }
  } catch (e) {
    // The admin server restarting or gone: the next poll tries again.
    app.pollFailed = true;
    document.getElementById('summary').textContent = `Could not read /generation: ${e.message}`;
  }
  setTimeout(poll, POLL_MS);
}

document.getElementById('reload').addEventListener('click', async () => {
  await refresh();
  render();
});
window.addEventListener('hashchange', render);
// Exposed read-only for the end-to-end test.
window.porticoDashboard = {
  timings: () => ({ ...app.timings }),
  generation: () => app.generation,
  updates: () => app.updates,
};
refresh().then(render, (e) => {
  console.error(e);
  clear(root).append(h('p', { class: 'error', role: 'alert' }, `Could not read the admin server: ${e.message}`));
}).finally(() => setTimeout(poll, POLL_MS));
