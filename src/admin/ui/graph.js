// The graph view: filters, the visible subset (search context, kind and
// namespace filters, collapsed route groups) and its SVG drawing.
import { h, s, clear } from './dom.js';
import { COL, COLUMNS, ROUTE_KINDS } from './model.js';
import { layout, NODE_W, NODE_H } from './layout.js';

// Beyond this many routes on screen, healthy routes are folded into one
// node per listener (broken ones stay visible): 1,000 routes stay readable
// and the page stays fast. A group expands on click.
export const ROUTE_LIMIT = 60;

function closure(g, seeds) {
  const seen = new Set(seeds);
  for (const [dir, key] of [[g.in, 'from'], [g.out, 'to']]) {
    const stack = [...seeds];
    const visited = new Set(seeds);
    while (stack.length) {
      const id = stack.pop();
      for (const e of dir.get(id) || []) {
        const next = e[key];
        if (visited.has(next)) continue;
        visited.add(next);
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

// Which nodes the filters select: search and namespace keep the matching
// objects and their whole chain (what they hang from and lead to).
export function selectNodes(g, filters) {
  const q = filters.q.trim().toLowerCase();
  let ids;
  if (q || filters.ns) {
    const seeds = [];
    for (const n of g.nodes.values()) {
      if (filters.ns && n.ns !== filters.ns) continue;
      if (q && !n.search.includes(q)) continue;
      seeds.push(n.id);
    }
    ids = closure(g, seeds);
  } else {
    ids = new Set(g.nodes.keys());
  }
  return [...ids].map((id) => g.nodes.get(id)).filter((n) => n && !filters.hiddenColumns.has(n.col));
}

const WORST = { bad: 3, warn: 2, ok: 1, none: 0 };

// Folds routes into per-listener groups when too many are on screen.
export function collapse(g, nodes, view) {
  const routes = nodes.filter((n) => ROUTE_KINDS.includes(n.kind));
  if (routes.length <= ROUTE_LIMIT) return { nodes, edges: edgesAmong(g, nodes) };
  const visible = new Set(nodes.map((n) => n.id));
  const broken = routes.filter((n) => n.state !== 'ok').length;
  const groups = new Map();
  const member = new Map();
  for (const r of routes) {
    const parent = (g.in.get(r.id) || []).map((e) => e.from).find((id) => visible.has(id)) || 'unattached';
    if (r.id === view.selected || view.expanded.has(parent)) continue;
    if (r.state !== 'ok' && broken <= ROUTE_LIMIT) continue;
    const gid = `Group/${parent}`;
    if (!groups.has(gid)) {
      const p = g.nodes.get(parent);
      groups.set(gid, {
        id: gid, kind: 'Group', col: COL.Route, ns: '', name: gid, parent, members: [], state: 'ok', reason: '',
        hostnames: [], conditions: [], order: `${COL.Route} ${parent}`, listener: p ? p.label : 'no listener',
      });
    }
    const grp = groups.get(gid);
    grp.members.push(r.id);
    if (WORST[r.state] > WORST[grp.state]) grp.state = r.state;
    member.set(r.id, gid);
  }
  for (const grp of groups.values()) {
    grp.label = `${grp.members.length} routes`;
    grp.sub = `on ${grp.listener}, expand`;
  }
  const kept = nodes.filter((n) => !member.has(n.id)).concat([...groups.values()]);
  const map = (id) => member.get(id) || id;
  const edges = new Map();
  for (const e of edgesAmong(g, nodes)) {
    const from = map(e.from);
    const to = map(e.to);
    const key = `${from}\u0000${to}`;
    const x = edges.get(key);
    if (x) x.ok = x.ok && e.ok;
    else edges.set(key, { from, to, ok: e.ok, why: e.why });
  }
  return { nodes: kept, edges: [...edges.values()] };
}

function edgesAmong(g, nodes) {
  const ids = new Set(nodes.map((n) => n.id));
  return g.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
}

const clip = (text, max) => (text.length > max ? text.slice(0, max - 1) + '\u2026' : text);

function nodeTitle(n) {
  const kind = n.kind === 'Group' ? 'routes' : n.kind;
  const where = n.ns ? `${n.ns}/` : '';
  const why = n.reason ? ` (${n.reason}${n.message ? ': ' + n.message : ''})` : '';
  const findings = (n.findings || []).map((f) => `; ${f.severity} ${f.code}: ${f.title}`).join('');
  return `${kind} ${where}${n.name}${why}${findings}`;
}

// Draws the visible graph; onPick(id) on click, Enter or Space.
export function drawGraph(container, vis, selected, onPick) {
  const byId = new Map(vis.nodes.map((n) => [n.id, n]));
  for (const n of vis.nodes) n.order = n.order || `${n.col} ${n.ns} ${n.name}`;
  const { positions, width, height, columnX } = layout(vis.nodes, vis.edges, COLUMNS.length);
  const svg = s('svg', {
    class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group',
    'aria-label': `Resource graph, ${vis.nodes.length} nodes`,
  });
  const heads = s('g', { class: 'columns' });
  columnX.forEach((x, i) => {
    if (x !== null) heads.append(s('text', { x: x + 4, y: 18, class: 'column' }, COLUMNS[i]));
  });
  const edgeLayer = s('g', { class: 'edges' });
  for (const e of vis.edges) {
    const a = positions.get(e.from);
    const b = positions.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const dx = Math.max(30, (x2 - x1) / 2);
    edgeLayer.append(s('path', {
      class: `edge ${e.ok ? 'ok' : 'bad'}`,
      d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`,
      'data-from': e.from, 'data-to': e.to,
    }, s('title', {}, `${byId.get(e.from)?.name} \u2192 ${byId.get(e.to)?.name}${e.ok ? '' : ': ' + (e.why || 'does not hold')}`)));
  }
  // One listener for every node (event delegation): expanding 1,000
  // routes then creates no closures.
  const pickFrom = (ev) => ev.target.closest?.('.node')?.dataset.id;
  const nodeLayer = s('g', {
    class: 'nodes',
    onclick: (ev) => {
      const id = pickFrom(ev);
      if (id) onPick(id);
    },
    onkeydown: (ev) => {
      const id = pickFrom(ev);
      if (id && (ev.key === 'Enter' || ev.key === ' ')) {
        ev.preventDefault();
        onPick(id);
      }
    },
  });
  for (const n of vis.nodes) {
    const p = positions.get(n.id);
    const g = s('g', {
      class: `node st-${n.state}${n.id === selected ? ' selected' : ''}${n.kind === 'Group' ? ' group' : ''}`,
      transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button',
      'aria-label': nodeTitle(n), 'data-id': n.id, 'data-kind': n.kind, 'data-state': n.state,
      'data-findings': (n.findings || []).map((f) => f.code).join(' ') || undefined,
    },
    s('title', {}, nodeTitle(n)),
    s('rect', { width: NODE_W, height: NODE_H, rx: 6 }),
    s('text', { x: 8, y: 16, class: 'label' }, clip(n.label || n.name, 23)),
    s('text', { x: 8, y: 32, class: 'sub' }, clip(n.sub || n.kind, 27)));
    nodeLayer.append(g);
  }
  svg.append(heads, edgeLayer, nodeLayer);
  clear(container).append(svg);
}

// The filter bar; onChange() after any edit (filters are edited in place).
export function filterBar(filters, namespaces, onChange) {
  const search = h('input', {
    id: 'graph-search', type: 'search', value: filters.q, placeholder: 'name or hostname', autocomplete: 'off',
    oninput: (ev) => {
      filters.q = ev.target.value;
      onChange();
    },
  });
  const ns = h('select', {
    id: 'graph-namespace',
    onchange: (ev) => {
      filters.ns = ev.target.value;
      onChange();
    },
  }, h('option', { value: '' }, 'all namespaces'),
  namespaces.map((x) => h('option', { value: x, selected: x === filters.ns }, x)));
  const kinds = h('fieldset', { class: 'kinds' }, h('legend', {}, 'Show'),
    COLUMNS.map((label, col) => h('label', {},
      h('input', {
        type: 'checkbox', checked: !filters.hiddenColumns.has(col), 'data-column': label,
        onchange: (ev) => {
          if (ev.target.checked) filters.hiddenColumns.delete(col);
          else filters.hiddenColumns.add(col);
          onChange();
        },
      }), ' ', label)));
  return h('form', { class: 'toolbar', role: 'search', onsubmit: (ev) => ev.preventDefault() },
    h('label', { for: 'graph-search' }, 'Search'), search,
    h('label', { for: 'graph-namespace' }, 'Namespace'), ns, kinds,
    h('output', { id: 'graph-count', 'aria-live': 'polite' }));
}
