// Builds the resource graph from one read of the admin state: nodes for
// GatewayClasses, Gateways, ListenerSets, listeners, Routes, ReferenceGrants,
// policies, Services and endpoints; edges for attachments and references.
// Health comes from the conditions Portico wrote (/status), attachment
// from the compiled routing table (/config_dump), references from the
// objects' specs (/objects).
import { objectKey } from './api.js';

export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];
export const COLUMNS = ['GatewayClass', 'Gateway', 'ListenerSet', 'Listener', 'Route', 'Grant / Policy', 'Service', 'Endpoint'];
// Column of each node kind, left to right along the chain.
export const COL = { GatewayClass: 0, Gateway: 1, ListenerSet: 2, Listener: 3, Route: 4, Grant: 5, Service: 6, Endpoint: 7 };
const COLUMN_OF = { ...COL, ReferenceGrant: COL.Grant };
for (const k of ROUTE_KINDS) COLUMN_OF[k] = COL.Route;
const FAILING = ['Accepted', 'Programmed', 'ResolvedRefs'];

// bad (red) when Accepted, Programmed or ResolvedRefs is False, warn
// (amber) when Conflicted is True; the first such condition is the reason.
export function health(conditions) {
  const bad = conditions.find((c) => FAILING.includes(c.type) && c.status === 'False');
  if (bad) return { state: 'bad', reason: bad.reason, message: bad.message };
  const warn = conditions.find((c) => c.type === 'Conflicted' && c.status === 'True');
  if (warn) return { state: 'warn', reason: warn.reason, message: warn.message };
  return { state: conditions.length ? 'ok' : 'none', reason: '', message: '' };
}

const isPolicy = (kind) => kind.endsWith('Policy');
const asArray = (v) => (Array.isArray(v) ? v : []);

class Graph {
  constructor() {
    this.nodes = new Map();
    this.edges = [];
    this.edgeIndex = new Map();
  }

  node(id, fields) {
    let n = this.nodes.get(id);
    if (!n) {
      n = { id, conditions: [], hostnames: [], state: 'none', reason: '', ...fields };
      this.nodes.set(id, n);
    }
    return n;
  }

  // One edge per pair; it holds only while every reference it stands for holds.
  edge(from, to, ok, why = '') {
    const key = `${from}\u0000${to}`;
    const e = this.edgeIndex.get(key);
    if (e) {
      e.ok = e.ok && ok;
      if (!ok && why) e.why = why;
      return;
    }
    const n = { from, to, ok, why };
    this.edgeIndex.set(key, n);
    this.edges.push(n);
  }
}

function setHealth(n, conditions) {
  n.conditions = conditions;
  Object.assign(n, health(conditions.map((c) => c.condition)));
}

// Conditions with the scope they belong to (a route's parent, a listener).
const scoped = (scope, list) => asArray(list).map((condition) => ({ scope, condition }));

function addGateways(g, status, objects) {
  // Classes first: a Gateway's edge colour depends on its class's health.
  const rank = (item) => (item.kind === 'GatewayClass' ? 0 : 1);
  for (const item of [...status.items].sort((a, b) => rank(a) - rank(b))) {
    const { kind } = item;
    const ns = item.metadata.namespace || '';
    const { name } = item.metadata;
    if (kind !== 'Gateway' && kind !== 'ListenerSet' && kind !== 'GatewayClass') continue;
    const id = objectKey(kind, ns, name);
    const n = g.node(id, { kind, ns, name, col: COLUMN_OF[kind], label: name });
    setHealth(n, scoped('', item.status?.conditions));
    const spec = objects.get(id)?.obj.spec || {};
    if (kind === 'GatewayClass') continue;
    if (kind === 'Gateway') {
      const cls = objectKey('GatewayClass', '', spec.gatewayClassName);
      // A Gateway naming a class that does not exist hangs from a red "NotFound" class.
      const c = g.node(cls, { kind: 'GatewayClass', ns: '', name: spec.gatewayClassName, col: COL.GatewayClass, label: spec.gatewayClassName, state: 'bad', reason: 'NotFound' });
      g.edge(cls, id, c.state !== 'bad');
    } else {
      const p = spec.parentRef || {};
      const gw = objectKey('Gateway', p.namespace || ns, p.name);
      g.edge(gw, id, n.state !== 'bad');
    }
    n.sub = kind === 'ListenerSet' ? 'ListenerSet' : `${ns}`;
    const statusListeners = new Map(asArray(item.status?.listeners).map((l) => [l.name, l]));
    for (const l of asArray(spec.listeners)) {
      const lid = `Listener/${ns}/${name}/${l.name}`;
      const ln = g.node(lid, {
        kind: 'Listener', ns, name: l.name, col: COL.Listener, parent: id,
        label: `${l.name} :${l.port}`,
        sub: `${l.protocol}${l.hostname ? ' ' + l.hostname : ''}${l.tls ? ' TLS ' + (l.tls.mode || 'Terminate') : ''}`,
        hostnames: l.hostname ? [l.hostname] : [],
        attached: statusListeners.get(l.name)?.attachedRoutes,
      });
      setHealth(ln, scoped(`listener ${l.name}`, statusListeners.get(l.name)?.conditions));
      g.edge(id, lid, ln.state !== 'bad');
    }
  }
}

// Which listeners each route was compiled into: the attachment that holds.
function attachments(config) {
  const out = new Map();
  for (const b of asArray(config.binds)) {
    for (const l of asArray(b.listeners)) {
      const lid = `Listener/${l.listenerSet || l.gateway}/${l.name}`;
      for (const vh of asArray(l.virtualHosts)) {
        for (const r of [...asArray(vh.routes), ...asArray(vh.grpcRoutes)]) {
          const s = r.source || {};
          const key = objectKey(s.kind, s.namespace, s.name);
          if (!out.has(key)) out.set(key, new Set());
          out.get(key).add(lid);
        }
      }
      for (const r of asArray(l.l4Routes)) {
        const s = r.source || {};
        const key = objectKey(s.kind, s.namespace, s.name);
        if (!out.has(key)) out.set(key, new Set());
        out.get(key).add(lid);
      }
    }
  }
  return out;
}

const BAD_REF = /spec\.rules\[(\d+)\]\.backendRefs\[(\d+)\]/g;

function addRoutes(g, status, objects, config) {
  const attached = attachments(config);
  for (const item of status.items) {
    const { kind } = item;
    if (!ROUTE_KINDS.includes(kind)) continue;
    const ns = item.metadata.namespace || '';
    const { name } = item.metadata;
    const id = objectKey(kind, ns, name);
    const spec = objects.get(id)?.obj.spec || {};
    const n = g.node(id, { kind, ns, name, col: COL.Route, label: name, hostnames: asArray(spec.hostnames) });
    const parents = asArray(item.status?.parents);
    const conds = [];
    const badRefs = new Set();
    for (const p of parents) {
      const pr = p.parentRef || {};
      const pns = pr.namespace || ns;
      const pkind = pr.kind || 'Gateway';
      conds.push(...scoped(`parent ${pns}/${pr.name}${pr.sectionName ? '/' + pr.sectionName : ''}`, p.conditions));
      for (const c of asArray(p.conditions)) {
        if (c.type === 'ResolvedRefs' && c.status === 'False') {
          for (const m of String(c.message || '').matchAll(BAD_REF)) badRefs.add(`${m[1]}/${m[2]}`);
        }
      }
      const accepted = asArray(p.conditions).find((c) => c.type === 'Accepted')?.status === 'True';
      const prefix = `Listener/${pns}/${pr.name}/`;
      const via = [...(attached.get(id) || [])].filter((l) => l.startsWith(prefix));
      if (accepted && via.length) {
        for (const l of via) g.edge(l, id, true);
        continue;
      }
      // Not compiled in: draw the refused (or pending) attachment to what it names.
      const parentId = objectKey(pkind, pns, pr.name);
      let targets = [...g.nodes.values()].filter((x) => x.kind === 'Listener' && x.parent === parentId &&
        (!pr.sectionName || x.name === pr.sectionName)).map((x) => x.id);
      if (!targets.length) {
        g.node(parentId, { kind: pkind, ns: pns, name: pr.name, col: COLUMN_OF[pkind] ?? COL.Gateway, label: pr.name, state: 'bad', reason: 'NotFound' });
        targets = [parentId];
      }
      for (const t of targets) g.edge(t, id, accepted, accepted ? '' : 'not attached');
    }
    setHealth(n, conds);
    n.sub = n.state === 'bad' || n.state === 'warn' ? n.reason : `${kind} ${ns}`;
    asArray(spec.rules).forEach((rule, ri) => {
      asArray(rule.backendRefs).forEach((ref, bi) => {
        if ((ref.kind || 'Service') !== 'Service' || (ref.group || '') !== '') return;
        const sid = objectKey('Service', ref.namespace || ns, ref.name);
        g.node(sid, { kind: 'Service', ns: ref.namespace || ns, name: ref.name, col: COL.Service, label: ref.name, sub: 'not found', state: 'bad', reason: 'BackendNotFound' });
        g.edge(id, sid, !badRefs.has(`${ri}/${bi}`), 'unresolved reference');
      });
    });
  }
}

function addServices(g, objects, config, endpoints) {
  for (const { obj } of objects.values()) {
    if (obj.kind !== 'Service') continue;
    const ns = obj.metadata.namespace || '';
    const id = objectKey('Service', ns, obj.metadata.name);
    const n = g.node(id, { kind: 'Service', ns, name: obj.metadata.name, col: COL.Service, label: obj.metadata.name });
    Object.assign(n, { state: 'ok', reason: '', sub: `Service ${ns}` });
  }
  // Endpoint health (ejections) from /endpoints, when this build has it.
  const epState = new Map();
  for (const c of asArray(endpoints?.clusters)) {
    for (const e of asArray(c.endpoints)) epState.set(`${c.cluster}|${e.endpoint}`, e);
  }
  for (const [cluster, c] of Object.entries(config.clusters || {})) {
    const sid = `Service/${c.service}`;
    if (!g.nodes.has(sid)) continue;
    for (const e of asArray(c.endpoints)) {
      const addr = `${e.address}:${e.port}`;
      const id = `Endpoint/${c.service}/${addr}`;
      const live = epState.get(`${cluster}|${addr}`);
      const ejected = live?.state === 'ejected';
      g.node(id, {
        kind: 'Endpoint', ns: g.nodes.get(sid).ns, name: addr, col: COL.Endpoint, label: addr,
        sub: ejected ? `ejected: ${live.ejected?.reason || ''}` : 'ready',
        state: ejected ? 'warn' : 'ok', reason: ejected ? 'Ejected' : '', live,
      });
      g.edge(sid, id, !ejected);
    }
  }
}

function addGrantsAndPolicies(g, status, objects) {
  const statusOf = new Map(status.items.map((i) => [objectKey(i.kind, i.metadata.namespace, i.metadata.name), i]));
  for (const [id, { obj }] of objects) {
    const { kind } = obj;
    if (kind !== 'ReferenceGrant' && !isPolicy(kind)) continue;
    const ns = obj.metadata.namespace || '';
    const n = g.node(id, { kind, ns, name: obj.metadata.name, col: COL.Grant, label: obj.metadata.name, sub: kind });
    const conds = [];
    for (const a of asArray(statusOf.get(id)?.status?.ancestors)) {
      conds.push(...scoped(`ancestor ${a.ancestorRef?.name || ''}`, a.conditions));
    }
    conds.push(...scoped('', statusOf.get(id)?.status?.conditions));
    setHealth(n, conds);
    if (n.state === 'none') n.state = 'ok';
    if (n.state === 'bad') n.sub = n.reason;
    if (kind === 'ReferenceGrant') {
      const from = asArray(obj.spec?.from).map((f) => `${f.kind} from ${f.namespace}`).join(', ');
      n.sub = `grant: ${from}`;
      for (const to of asArray(obj.spec?.to)) {
        if (to.kind !== 'Service') continue;
        for (const s of g.nodes.values()) {
          if (s.kind === 'Service' && s.ns === ns && (!to.name || s.name === to.name)) g.edge(id, s.id, true);
        }
      }
      continue;
    }
    const refs = obj.spec?.targetRefs || (obj.spec?.targetRef ? [obj.spec.targetRef] : []);
    for (const t of asArray(refs)) {
      if (t.kind !== 'Service') continue;
      const sid = objectKey('Service', ns, t.name);
      if (g.nodes.has(sid)) g.edge(id, sid, n.state !== 'bad');
    }
  }
}

export function buildGraph(state) {
  const g = new Graph();
  addGateways(g, state.status, state.objects);
  addRoutes(g, state.status, state.objects, state.config);
  addServices(g, state.objects, state.config, state.endpoints);
  addGrantsAndPolicies(g, state.status, state.objects);
  g.out = new Map();
  g.in = new Map();
  for (const n of g.nodes.values()) {
    g.out.set(n.id, []);
    g.in.set(n.id, []);
  }
  for (const e of g.edges) {
    g.out.get(e.from)?.push(e);
    g.in.get(e.to)?.push(e);
  }
  for (const n of g.nodes.values()) n.search = [n.name, ...n.hostnames].join(' ').toLowerCase();
  if (state.diagnose) applyFindings(g, state.diagnose, state.objects);
  return g;
}

// The listener node a finding is about: findings on a listener name its
// Gateway or ListenerSet as object and the listener by field
// (spec.listeners[i]...), some by subject (the listener's name).
const LISTENER_FIELD = /^spec\.listeners\[(\d+)\]/;
export function listenerOfFinding(g, objects, f) {
  const o = f.object;
  if (!o || (o.kind !== 'Gateway' && o.kind !== 'ListenerSet')) return null;
  const prefix = `Listener/${o.namespace || ''}/${o.name}/`;
  const m = LISTENER_FIELD.exec(f.field || '');
  const spec = objects.get(objectKey(o.kind, o.namespace, o.name))?.obj.spec;
  const name = m ? asArray(spec?.listeners)[Number(m[1])]?.name : f.subject;
  return name !== undefined && g.nodes.has(prefix + name) ? prefix + name : null;
}

const SEVERITY_STATE = { error: 'bad', warning: 'warn' };
const SEVERITY_RANK = { error: 3, warning: 2, info: 1 };
const RANK = { bad: 3, warn: 2, ok: 1, none: 0 };

// Puts the troubleshooter's findings on the listener nodes they are about:
// an error turns the node red, a warning amber (when its conditions say
// no worse), and the worst finding's title becomes the node's second line
// (an info finding too, without a colour). Idempotent: a new /diagnose
// read starts again from the conditions' colours.
export function applyFindings(g, diagnose, objects) {
  for (const n of g.nodes.values()) {
    if (n.kind !== 'Listener') continue;
    if (n.base) Object.assign(n, n.base);
    n.base = { state: n.state, reason: n.reason, message: n.message, sub: n.sub };
    n.findings = [];
  }
  for (const f of asArray(diagnose?.findings)) {
    const id = listenerOfFinding(g, objects, f);
    if (id) g.nodes.get(id).findings.push(f);
  }
  for (const n of g.nodes.values()) {
    if (n.kind !== 'Listener' || !n.findings.length) continue;
    const worst = n.findings.reduce((a, f) => ((SEVERITY_RANK[f.severity] || 0) > (SEVERITY_RANK[a.severity] || 0) ? f : a));
    const state = SEVERITY_STATE[worst.severity];
    if (state && RANK[state] > RANK[n.state]) {
      n.state = state;
      n.reason = worst.code;
      n.message = worst.symptom || worst.title;
    }
    n.sub = worst.title || worst.code;
  }
}

// Findings of /diagnose about this object (as subject or related object);
// a listener's are those applyFindings put on it.
export function findingsFor(diagnose, n) {
  if (n.kind === 'Listener') return n.findings || [];
  return asArray(diagnose?.findings).filter((f) => f.object && f.object.kind === n.kind &&
    (f.object.namespace || '') === (n.ns || '') && f.object.name === n.name);
}
