// Layered layout: one column per kind (the chain reads left to right),
// nodes ordered inside their column by the barycentre of their
// neighbours, a few sweeps down and up the columns to cut crossings.
export const NODE_W = 170;
export const NODE_H = 40;
const GAP_X = 48;
const GAP_Y = 10;
const TOP = 34;

// Code-point order: localeCompare is many times slower, and the sweeps
// sort every column several times.
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function sweep(columns, neighbours, pos) {
  for (const col of columns) {
    const bary = new Map();
    col.forEach((n, i) => {
      const ys = neighbours(n).map((m) => pos.get(m)).filter((p) => p !== undefined);
      bary.set(n, ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : i);
    });
    col.sort((a, b) => bary.get(a) - bary.get(b) || cmp(a, b));
    col.forEach((n, i) => pos.set(n, i));
  }
}

// nodes: [{id, col}], edges: [{from, to}] -> Map id -> {x, y}, size.
export function layout(nodes, edges, columnCount) {
  const columns = Array.from({ length: columnCount }, () => []);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const n of [...nodes].sort((a, b) => cmp(a.order, b.order))) columns[n.col].push(n.id);
  const preds = new Map(nodes.map((n) => [n.id, []]));
  const succs = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    succs.get(e.from).push(e.to);
    preds.get(e.to).push(e.from);
  }
  const pos = new Map();
  columns.forEach((c) => c.forEach((id, i) => pos.set(id, i)));
  const nonEmpty = columns.filter((c) => c.length);
  for (let k = 0; k < 2; k++) {
    sweep(nonEmpty.slice(1), (id) => preds.get(id), pos);
    sweep(nonEmpty.slice(0, -1).reverse(), (id) => succs.get(id), pos);
  }
  sweep(nonEmpty.slice(1), (id) => preds.get(id), pos);
  // Columns are centred on the tallest, which reads better than top-aligned.
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const height = TOP + tallest * (NODE_H + GAP_Y);
  const out = new Map();
  let x = 10;
  const xs = [];
  for (const c of columns) {
    xs.push(c.length ? x : null);
    if (!c.length) continue;
    const offset = TOP + ((tallest - c.length) * (NODE_H + GAP_Y)) / 2;
    c.forEach((id, i) => out.set(id, { x, y: offset + i * (NODE_H + GAP_Y) }));
    x += NODE_W + GAP_X;
  }
  return { positions: out, width: x, height: height + 10, columnX: xs };
}
