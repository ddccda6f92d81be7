// The object detail panel: conditions, troubleshooter findings with their
// fixes, for routes the compiled rules in precedence order, and the YAML.
import { h, table } from './dom.js';
import { findingsFor, ROUTE_KINDS } from './model.js';
import { objectKey } from './api.js';

function conditionsSection(n) {
  if (!n.conditions.length) return null;
  const rows = n.conditions.map(({ scope, condition: c }) => h('tr', { class: c.status === 'False' && c.type !== 'Conflicted' ? 'bad' : (c.type === 'Conflicted' && c.status === 'True' ? 'warn' : '') },
    h('td', {}, scope || '\u2014'), h('td', {}, c.type), h('td', {}, c.status), h('td', {}, c.reason), h('td', {}, c.message || '')));
  return h('section', { 'aria-labelledby': 'd-conds' }, h('h3', { id: 'd-conds' }, 'Conditions'),
    table(['Scope', 'Type', 'Status', 'Reason', 'Message'], rows, { class: 'conditions' }));
}

function finding(f) {
  const fix = f.fix || {};
  return h('article', { class: `finding sev-${f.severity}`, 'data-code': f.code },
    h('h4', {}, h('span', { class: 'badge' }, f.severity), ' ', f.code, ': ', f.title),
    f.field ? h('p', {}, h('b', {}, 'Field '), h('code', {}, f.field)) : null,
    h('p', {}, h('b', {}, 'Symptom '), f.symptom),
    h('p', {}, h('b', {}, 'Cause '), f.cause),
    (f.evidence || []).length ? h('ul', { class: 'evidence' }, f.evidence.map((e) => h('li', {}, `${e.kind}: ${e.text}`))) : null,
    h('div', { class: 'fix' },
      h('p', {}, h('b', {}, 'Fix '), fix.summary || ''),
      fix.yaml ? h('pre', { class: 'fix-yaml' }, fix.yaml) : null,
      (fix.commands || []).length ? h('pre', { class: 'fix-commands' }, fix.commands.join('\n')) : null,
      fix.patch ? h('pre', {}, typeof fix.patch === 'string' ? fix.patch : JSON.stringify(fix.patch, null, 2)) : null),
    f.docs ? h('p', { class: 'docs' }, 'More: ', h('code', {}, f.docs)) : null);
}

function findingsSection(state, n) {
  if (!state.diagnose) {
    return h('section', { 'aria-labelledby': 'd-findings' }, h('h3', { id: 'd-findings' }, 'Findings'),
      h('p', { class: 'muted' }, 'Reading the troubleshooter\u2019s findings\u2026'));
  }
  const list = findingsFor(state.diagnose, n);
  return h('section', { 'aria-labelledby': 'd-findings' }, h('h3', { id: 'd-findings' }, `Findings (${list.length})`),
    list.length ? list.map(finding) : h('p', { class: 'muted' }, 'The troubleshooter has nothing to say about this object.'));
}

export function describeMatch(m) {
  if (!m) return 'any request';
  const parts = [];
  if (m.path) parts.push(`${m.path.type} ${m.path.value}`);
  if (m.method) parts.push(`method ${m.method}`);
  for (const x of m.headers || []) parts.push(`header ${x.name} ${x.type === 'RegularExpression' ? '~' : '='} ${x.value}`);
  for (const x of m.queryParams || []) parts.push(`query ${x.name} ${x.type === 'RegularExpression' ? '~' : '='} ${x.value}`);
  const known = new Set(['path', 'method', 'headers', 'queryParams']);
  for (const [k, v] of Object.entries(m)) if (!known.has(k)) parts.push(`${k} ${JSON.stringify(v)}`);
  return parts.join(', ') || 'any request';
}

function describeBackends(list) {
  return (list || []).map((b) => (b.cluster ? `${b.cluster} (weight ${b.weight})` : `invalid \u2192 ${b.invalidStatus || 500}`)).join(', ') || '\u2014';
}

// The route's entries in each virtual host, in the order the router tries them.
export function effectiveRules(config, n) {
  const rows = [];
  for (const b of config.binds || []) {
    for (const l of b.listeners || []) {
      for (const vh of l.virtualHosts || []) {
        (vh.routes || []).concat(vh.grpcRoutes || []).forEach((r, i) => {
          const src = r.source || {};
          if (src.kind !== n.kind || (src.namespace || '') !== n.ns || src.name !== n.name) return;
          rows.push([`${l.gateway}/${l.name} :${b.port}`, vh.hostname || '*', `#${i + 1} of ${(vh.routes || []).length + (vh.grpcRoutes || []).length}`,
            `rule ${src.rule}${src.match !== undefined ? ' match ' + src.match : ''}`, describeMatch(r.match),
            Object.keys(r.filters || {}).join(', ') || '\u2014', describeBackends(r.backends)]);
        });
      }
      (l.l4Routes || []).forEach((r, i) => {
        const src = r.source || {};
        if (src.kind !== n.kind || (src.namespace || '') !== n.ns || src.name !== n.name) return;
        rows.push([`${l.gateway}/${l.name} :${b.port}`, (r.hostnames || []).join(', ') || '*', `#${i + 1} of ${l.l4Routes.length}`,
          'all rules', 'SNI or port', '\u2014', describeBackends(r.backends)]);
      });
    }
  }
  return rows;
}

function rulesSection(state, n) {
  if (!ROUTE_KINDS.includes(n.kind)) return null;
  const rows = effectiveRules(state.config, n);
  return h('section', { 'aria-labelledby': 'd-rules' }, h('h3', { id: 'd-rules' }, 'Effective rules (precedence order)'),
    rows.length ? table(['Listener', 'Host', 'Position', 'Rule', 'Match', 'Filters', 'Backends'], rows, { class: 'rules' })
      : h('p', { class: 'muted' }, 'Not compiled into any listener: the route serves no traffic.'));
}

function yamlSection(state, n) {
  const key = n.kind === 'Listener' ? n.parent : objectKey(n.kind, n.ns, n.name);
  const o = state.objects.get(key);
  if (!o) return null;
  return h('section', { 'aria-labelledby': 'd-yaml' },
    h('details', { open: n.kind !== 'Listener' }, h('summary', { id: 'd-yaml' }, n.kind === 'Listener' ? 'YAML of the Gateway' : 'YAML'),
      h('pre', { class: 'yaml' }, o.yaml)));
}

function groupSection(n, nodes, onPick, onExpand) {
  return h('section', {},
    h('p', {}, h('button', { type: 'button', onclick: () => onExpand(n.parent) }, `Expand all ${n.members.length} routes`)),
    h('ul', { class: 'members' }, n.members.slice(0, 300).map((id) => {
      const m = nodes.get(id);
      return h('li', {}, h('button', { type: 'button', class: `link st-${m.state}`, onclick: () => onPick(id) }, `${m.ns}/${m.name}`));
    })),
    n.members.length > 300 ? h('p', { class: 'muted' }, `and ${n.members.length - 300} more: search to narrow`) : null);
}

// Renders the detail of node n into an <aside>.
export function detailPanel(state, n, { nodes, onPick, onExpand, onClose }) {
  const where = n.ns ? `${n.ns}/` : '';
  return h('aside', { class: 'detail', 'aria-label': 'Object detail', 'data-id': n.id },
    h('header', {},
      h('h2', {}, h('span', { class: `badge st-${n.state}` }, n.kind === 'Group' ? 'routes' : n.kind), ' ', n.kind === 'Group' ? n.label : `${where}${n.name}`),
      h('button', { type: 'button', class: 'close', 'aria-label': 'Close detail', onclick: onClose }, '\u00d7')),
    n.reason ? h('p', { class: `reason st-${n.state}` }, n.reason, n.message ? `: ${n.message}` : '') : null,
    n.kind === 'Group' ? groupSection(n, nodes, onPick, onExpand) : [
      conditionsSection(n), findingsSection(state, n), rulesSection(state, n),
      n.live ? h('section', {}, h('h3', {}, 'Endpoint'), h('pre', {}, JSON.stringify(n.live, null, 2))) : null,
      yamlSection(state, n)]);
}
