// Reads the Prometheus text format of /metrics into samples, and
// estimates quantiles from histogram buckets (as histogram_quantile does).
const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] || '').matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

// q in (0,1); buckets: [{le, count}] cumulative. Linear inside a bucket.
export function quantile(q, buckets) {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.length ? sorted[sorted.length - 1].count : 0;
  if (!total) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      return prevLe + (b.le - prevLe) * (inBucket ? (rank - prevCount) / inBucket : 0);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

// Histogram buckets of `name`, grouped by the value of label `by` ('' = all).
export function histograms(samples, name, by) {
  const out = new Map();
  for (const x of samples) {
    if (x.name !== `${name}_bucket`) continue;
    const key = by ? x.labels[by] : '';
    if (!out.has(key)) out.set(key, []);
    out.get(key).push({ le: x.labels.le === '+Inf' ? Infinity : Number(x.labels.le), count: x.value });
  }
  return out;
}
