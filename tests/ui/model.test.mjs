// Unit tests of the dashboard's pure modules (no browser): the YAML reader,
// the graph model, the filters and route folding, the metrics parser.
// Fixtures: the admin endpoints of the quickstart plus a broken route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { indexObjects } from '../../src/admin/ui/api.js';
import { parseYaml, splitDocuments } from '../../src/admin/ui/yaml.js';
import { buildGraph, findingsFor, applyFindings, COL } from '../../src/admin/ui/model.js';
import { selectNodes, collapse, ROUTE_LIMIT } from '../../src/admin/ui/graph.js';
import { effectiveRules } from '../../src/admin/ui/detail.js';
import { parseMetrics, quantile, histograms } from '../../src/admin/ui/prom.js';

const fixture = (f) => fs.readFileSync(new URL(`fixtures/${f}`, import.meta.url), 'utf8');
const state = () => ({
  status: JSON.parse(fixture('status.json')),
  objects: indexObjects(fixture('objects.yaml')),
  config: JSON.parse(fixture('config_dump.json')),
  diagnose: JSON.parse(fixture('diagnose.json')),
  endpoints: null,
});
const filters = (over = {}) => ({ q: '', ns: '', hiddenColumns: new Set(), ...over });

test('the YAML reader handles what the emitter writes', () => {
  const doc = parseYaml([
    'a: |', '  line 1', '  line 2', 'list:', '- x', '- name: n', '  port: 80', 'nested:', '  - k: "q: r"',
    "    v: 'it''s'", 'empty: []', 'flow: [a, b]', 'n: null', 't: true', '# comment', 'last: 1.5',
  ].join('\n'));
  assert.deepEqual(doc, {
    a: 'line 1\nline 2\n', list: ['x', { name: 'n', port: 80 }], nested: [{ k: 'q: r', v: "it's" }],
    empty: [], flow: ['a', 'b'], n: null, t: true, last: 1.5,
  });
  assert.equal(splitDocuments('---\na: 1\n---\n\n---\nb: 2\n').length, 2);
  // Flow style, as /objects keeps it from the manifests.
  assert.deepEqual(parseYaml('metadata: {name: a, labels: {x: "1, 2"}}\nl:\n  - {name: h, port: 80, k: [a, \'b\']}\n  - []'), {
    metadata: { name: 'a', labels: { x: '1, 2' } }, l: [{ name: 'h', port: 80, k: ['a', 'b'] }, []],
  });
});

test('the graph has every object of the chain, the broken route red', () => {
  const g = buildGraph(state());
  for (const id of ['GatewayClass//portico', 'Gateway/default/quickstart', 'Listener/default/quickstart/http',
    'HTTPRoute/default/echo', 'HTTPRoute/shop/shop', 'Service/default/echo-v1', 'Service/default/echo-v2',
    'Endpoint/default/echo-v1/127.0.0.1:9001']) {
    assert.ok(g.nodes.has(id), id);
  }
  const shop = g.nodes.get('HTTPRoute/shop/shop');
  assert.equal(shop.state, 'bad');
  assert.equal(shop.reason, 'RefNotPermitted');
  assert.equal(g.nodes.get('HTTPRoute/default/echo').state, 'ok');
  const edge = (from, to) => g.edges.find((e) => e.from === from && e.to === to);
  assert.equal(edge('HTTPRoute/shop/shop', 'Service/default/echo-v1').ok, false);
  assert.equal(edge('HTTPRoute/default/echo', 'Service/default/echo-v1').ok, true);
  assert.equal(edge('Listener/default/quickstart/http', 'HTTPRoute/shop/shop').ok, true);
  assert.deepEqual(findingsFor(state().diagnose, shop).map((f) => f.code), ['PD-REF-GRANT-MISSING']);
});

test('listener findings go on the listener node: error red, warning amber, info a note', () => {
  const st = state();
  const lid = 'Listener/default/quickstart/http';
  const finding = (severity, code, field, subject = '') => ({
    code, severity, title: `${code} title`, symptom: `${code} symptom`, field, subject,
    object: { kind: 'Gateway', namespace: 'default', name: 'quickstart' },
  });
  st.diagnose.findings.push(finding('info', 'PD-LISTENER-NO-ROUTES', 'spec.listeners[0]'));
  const g = buildGraph(st);
  const l = g.nodes.get(lid);
  assert.equal(l.state, 'ok', 'an info finding keeps the colour');
  assert.equal(l.sub, 'PD-LISTENER-NO-ROUTES title');
  assert.deepEqual(findingsFor(st.diagnose, l).map((f) => f.code), ['PD-LISTENER-NO-ROUTES']);
  // By subject (the listener's name), and the worst one wins.
  st.diagnose.findings.push(finding('warning', 'PD-LISTENER-TLS-OVERLAP', '', 'http'));
  applyFindings(g, st.diagnose, st.objects);
  assert.equal(l.state, 'warn');
  assert.equal(l.reason, 'PD-LISTENER-TLS-OVERLAP');
  st.diagnose.findings.push(finding('error', 'PD-LISTENER-PORT-IN-USE', 'spec.listeners[0].port'));
  applyFindings(g, st.diagnose, st.objects);
  assert.equal(l.state, 'bad');
  assert.equal(l.reason, 'PD-LISTENER-PORT-IN-USE');
  assert.equal(l.findings.length, 3);
  // Applied again without them: back to the conditions' colour.
  applyFindings(g, { findings: [] }, st.objects);
  assert.equal(l.state, 'ok');
  assert.equal(l.reason, '');
  assert.equal(l.findings.length, 0);
  // A listener index that does not exist names no node.
  st.diagnose.findings = [finding('error', 'PD-LISTENER-INVALID', 'spec.listeners[7]')];
  applyFindings(g, st.diagnose, st.objects);
  assert.equal(l.state, 'ok');
});

test('search keeps the matches and their chain', () => {
  const g = buildGraph(state());
  const ids = selectNodes(g, filters({ q: 'shop.example' })).map((n) => n.id).sort();
  assert.deepEqual(ids, ['Endpoint/default/echo-v1/127.0.0.1:9001', 'Gateway/default/quickstart', 'GatewayClass//portico',
    'HTTPRoute/shop/shop', 'Listener/default/quickstart/http', 'Service/default/echo-v1']);
  const hidden = selectNodes(g, filters({ hiddenColumns: new Set([COL.Endpoint]) }));
  assert.ok(hidden.every((n) => n.kind !== 'Endpoint'));
});

test('routes beyond the limit fold per listener, broken ones stay', () => {
  const g = buildGraph(state());
  const listener = 'Listener/default/quickstart/http';
  for (let i = 0; i < ROUTE_LIMIT + 10; i++) {
    const id = `HTTPRoute/default/r${i}`;
    g.nodes.set(id, { id, kind: 'HTTPRoute', ns: 'default', name: `r${i}`, col: COL.Route, state: 'ok', hostnames: [], search: `r${i}` });
    const e = { from: listener, to: id, ok: true };
    g.edges.push(e);
    g.out.get(listener).push(e);
    g.in.set(id, [e]);
    g.out.set(id, []);
  }
  const vis = collapse(g, selectNodes(g, filters()), { selected: '', expanded: new Set() });
  const group = vis.nodes.find((n) => n.kind === 'Group');
  assert.equal(group.members.length, ROUTE_LIMIT + 11);
  assert.ok(vis.nodes.some((n) => n.id === 'HTTPRoute/shop/shop'));
  assert.ok(vis.edges.some((e) => e.from === listener && e.to === group.id));
  const open = collapse(g, selectNodes(g, filters()), { selected: '', expanded: new Set([listener]) });
  assert.ok(!open.nodes.some((n) => n.kind === 'Group'));
});

test('a route\'s rules come in the router\'s precedence order', () => {
  const rows = effectiveRules(state().config, { kind: 'HTTPRoute', ns: 'default', name: 'echo' });
  assert.deepEqual(rows.map((r) => r[3]), ['rule 1 match 0', 'rule 0 match 0', 'rule 2 match 0']);
});

test('metrics: labels, and quantiles from histogram buckets', () => {
  const samples = parseMetrics([
    '# HELP x', 'portico_backend_requests_total{backend="default/a:80",code_class="2xx"} 7',
    'd_bucket{le="0.1"} 50', 'd_bucket{le="0.2"} 100', 'd_bucket{le="+Inf"} 100',
  ].join('\n'));
  assert.deepEqual(samples[0], { name: 'portico_backend_requests_total', labels: { backend: 'default/a:80', code_class: '2xx' }, value: 7 });
  const b = histograms(samples, 'd', '').get('');
  assert.equal(quantile(0.5, b), 0.1);
  assert.ok(Math.abs(quantile(0.99, b) - 0.198) < 1e-9);
});
