// End-to-end test of the dashboard (docs/dashboard.md) in headless
// Chromium, driven by playwright-core: a real `portico run` serving the
// quickstart plus a broken HTTPRoute and an idle Gateway, then a generated
// config of 1,000 routes. Run by tests/ui/run.sh (which installs
// playwright-core and skips without Chromium); prints "N passed, N failed"
// and the 1,000-route timings (logged, never asserted: the machine's load
// decides them).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { quickstartConfig, largeConfig } from './configs.mjs';

const env = process.env;
const require = createRequire(path.join(env.PORTICO_UI_MODULES, 'x.js'));
const { chromium } = require('playwright-core');
const SOURCE = env.PORTICO_SOURCE_DIR;
const SHOTS = env.PORTICO_UI_SCREENSHOTS || '';
const BOUND_MS = 5000; // how long a wait may take before the test fails (not a performance bound)

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-ui-'));
const children = [];
const results = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts a process; resolves with it once `ready` matches its stdout.
function start(bin, args, ready, name) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(p);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 15000);
    const onData = (d) => {
      out += d;
      const m = ready && out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({ p, match: m });
      }
    };
    // portico logs on stderr, the access log (off here) goes to stdout.
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('exit', (code) => reject(new Error(`${name} exited ${code}: ${out}`)));
    if (!ready) setTimeout(() => resolve({ p }), 300);
  });
}

async function stopAll() {
  for (const p of children.splice(0)) {
    if (p.exitCode === null) {
      p.kill('SIGTERM');
      await new Promise((r) => (p.exitCode === null ? p.once('exit', r) : r()));
    }
  }
}

function httpGet(port, host, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}

async function portico(configDir, extra = []) {
  const { p, match } = await start(env.PORTICO_BIN, ['run', '-c', configDir, '--listen-address', '127.0.0.1',
    '--admin-address', '127.0.0.1:0', '--workers', '1', '--access-log', 'off', '--no-watch', ...extra],
  /admin server on 127\.0\.0\.1:(\d+)/, 'portico');
  return { admin: `http://127.0.0.1:${match[1]}`, proc: p };
}

async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

function assert(cond, what) {
  if (!cond) throw new Error(what);
}

// height: clip to the top of the page where the view is short.
async function shot(page, file, height = 0) {
  const clip = height ? { x: 0, y: 0, width: page.viewportSize().width, height } : undefined;
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, file), clip });
}

// Every request the page makes must go to the admin origin (data: aside);
// anything else is recorded and aborted.
async function newPage(browser, admin) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 760 } });
  const foreign = [];
  const errors = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === admin || url.startsWith('data:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('data:') && new URL(url).origin !== admin && !foreign.includes(url)) foreign.push(url);
  });
  return { page, context, foreign, errors };
}

async function quickstartSuite(browser) {
  const [gw, e1, e2, idle] = [await freePort(), await freePort(), await freePort(), await freePort()];
  await start(env.PORTICO_ECHO_BIN, ['--listen', `127.0.0.1:${e1}`, '--pod', 'echo-v1', '--namespace', 'default', '--service', 'echo-v1'], null, 'echo-v1');
  await start(env.PORTICO_ECHO_BIN, ['--listen', `127.0.0.1:${e2}`, '--pod', 'echo-v2', '--namespace', 'default', '--service', 'echo-v2'], null, 'echo-v2');
  const configDir = quickstartConfig(tmp, SOURCE, gw, e1, e2, idle);
  // --route-metrics: the traffic view's per-route rows and latency.
  const { admin, proc } = await portico(configDir, ['--route-metrics']);
  const { page, context, foreign, errors } = await newPage(browser, admin);

  await test('/ redirects to the dashboard and /ui serves it with a same-origin CSP', async () => {
    const res = await fetch(`${admin}/`, { redirect: 'manual' });
    assert(res.status === 302 && res.headers.get('location') === '/ui', `/ answered ${res.status} ${res.headers.get('location')}`);
    const ui = await fetch(`${admin}/ui`);
    assert(ui.status === 200 && (await ui.text()).includes('<main id="view"'), '/ui is not the page');
    assert((ui.headers.get('content-security-policy') || '').includes("default-src 'none'"), 'no CSP');
  });

  await test('the graph shows every object of the chain', async () => {
    await page.goto(`${admin}/ui`);
    const expected = ['GatewayClass//portico', 'Gateway/default/quickstart', 'Listener/default/quickstart/http',
      'HTTPRoute/default/echo', 'HTTPRoute/shop/shop', 'Service/default/echo-v1', 'Service/default/echo-v2',
      `Endpoint/default/echo-v1/127.0.0.1:${e1}`, `Endpoint/default/echo-v2/127.0.0.1:${e2}`,
      'Gateway/default/idle', 'Listener/default/idle/spare'];
    await page.waitForSelector('svg .node', { timeout: 10000 });
    const ids = await page.locator('svg .node').evaluateAll((ns) => ns.map((n) => n.dataset.id));
    for (const id of expected) assert(ids.includes(id), `no node ${id} in ${ids.join(', ')}`);
    await shot(page, 'graph.png', 290);
  });

  await test('the broken route is red with RefNotPermitted, its backend edge too', async () => {
    const node = page.locator('svg .node[data-id="HTTPRoute/shop/shop"]');
    assert((await node.getAttribute('data-state')) === 'bad', 'route not marked bad');
    assert((await node.textContent()).includes('RefNotPermitted'), 'no RefNotPermitted on the node');
    const edge = page.locator('svg .edge[data-from="HTTPRoute/shop/shop"][data-to="Service/default/echo-v1"]');
    assert((await edge.getAttribute('class')).includes('bad'), 'the backend edge is not marked broken');
    const ok = await page.locator('svg .node[data-id="HTTPRoute/default/echo"]').getAttribute('data-state');
    assert(ok === 'ok', `the quickstart route is ${ok}`);
  });

  await test('the broken route\'s detail shows the troubleshooter\'s fix', async () => {
    await page.locator('svg .node[data-id="HTTPRoute/shop/shop"]').click();
    const detail = page.locator('aside.detail');
    await detail.locator('.finding[data-code="PD-REF-GRANT-MISSING"]').waitFor({ timeout: 5000 });
    const fix = await detail.locator('.finding[data-code="PD-REF-GRANT-MISSING"] .fix-yaml').textContent();
    assert(fix.includes('kind: ReferenceGrant') && fix.includes('namespace: shop'), `fix: ${fix}`);
    assert((await detail.textContent()).includes('RefNotPermitted'), 'no condition reason in the detail');
    assert((await detail.locator('pre.yaml').textContent()).includes('name: shop'), 'no YAML');
    await detail.locator('.finding .fix').first().scrollIntoViewIfNeeded();
    await shot(page, 'detail.png');
  });

  await test('a listener finding shows on the listener\'s node and in its detail', async () => {
    const node = page.locator('svg .node[data-id="Listener/default/idle/spare"]');
    // The findings arrive after the first drawing (/diagnose is read last).
    await page.waitForSelector('svg .node[data-id="Listener/default/idle/spare"][data-findings~="PD-LISTENER-NO-ROUTES"]', { timeout: 5000 });
    assert((await node.textContent()).includes('no attached routes'), `node text: ${await node.textContent()}`);
    await node.click();
    const detail = page.locator('aside.detail[data-id="Listener/default/idle/spare"]');
    await detail.locator('.finding[data-code="PD-LISTENER-NO-ROUTES"]').waitFor({ timeout: 5000 });
    const quick = await page.locator('svg .node[data-id="Listener/default/quickstart/http"]').getAttribute('data-findings');
    assert(!quick, `the quickstart listener has findings: ${quick}`);
  });

  await test('a route\'s detail lists its rules in precedence order', async () => {
    await page.locator('svg .node[data-id="HTTPRoute/default/echo"]').click();
    await page.locator('aside.detail[data-id="HTTPRoute/default/echo"] table.rules').waitFor({ timeout: 5000 });
    const rules = await page.locator('aside.detail table.rules tbody tr td:nth-child(4)').allTextContents();
    assert(rules.join('|') === 'rule 1 match 0|rule 0 match 0|rule 2 match 0', `order: ${rules.join('|')}`);
  });

  await test('the explain form returns the matching rule', async () => {
    await page.goto(`${admin}/ui#/explain`);
    await page.fill('#explain-url', `http://echo.example.com:${gw}/api/hello`);
    await page.selectOption('#explain-method', 'GET');
    await page.fill('#explain-headers', 'X-Test: 1');
    await page.click('#explain-run');
    const chosen = page.locator('table.candidates tr[data-verdict="chosen"]');
    await chosen.waitFor({ timeout: 5000 });
    const text = await chosen.textContent();
    assert(text.includes('HTTPRoute default/echo') && text.includes('rule 0') && text.includes('PathPrefix /api'), text);
    assert((await page.locator('#explain-outcome').textContent()).includes('default/echo-v1:80'), 'outcome');
    await shot(page, 'explain.png');
  });

  await test('a live request shows up in the traffic view, with its route\'s latency and open connections', async () => {
    await page.goto(`${admin}/ui#/traffic`);
    await page.locator('#traffic-listeners, #traffic-backends').first().waitFor({ timeout: 5000 });
    for (let i = 0; i < 5; i++) assert((await httpGet(gw, 'echo.example.com', '/api/hello')) === 200, 'proxy did not answer 200');
    // An open connection that sends nothing: counted from accept to close.
    const idleConn = net.connect(gw, '127.0.0.1');
    await new Promise((r, j) => idleConn.once('connect', r).once('error', j));
    const row = page.locator('#traffic-listeners tr[data-key="default/quickstart/http"] td[data-total]');
    await page.waitForFunction(() => {
      const td = document.querySelector('#traffic-listeners tr[data-key="default/quickstart/http"] td[data-total]');
      return td && Number(td.dataset.total) >= 5;
    }, null, { timeout: 8000 });
    assert(Number(await row.getAttribute('data-total')) >= 5, 'listener count');
    const backends = await page.locator('#traffic-backends tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.key));
    assert(backends.some((b) => b.startsWith('default/echo-v')), `backends: ${backends}`);
    // Per-route requests and latency (--route-metrics), from /traffic.
    await page.waitForFunction(() => {
      const tr = document.querySelector('#traffic-routes tr[data-key="default/echo"]');
      return tr && Number(tr.querySelector('td[data-total]').dataset.total) >= 5 && Number(tr.querySelector('td[data-p50]').dataset.p50) > 0;
    }, null, { timeout: 8000 });
    const p99 = Number(await page.locator('#traffic-routes tr[data-key="default/echo"] td[data-p99]').getAttribute('data-p99'));
    assert(p99 > 0 && p99 < 5, `route p99: ${p99} s`);
    assert(/\d+(\.\d+)? ms/.test(await page.locator('#traffic-routes tr[data-key="default/echo"] td[data-p50]').textContent()), 'p50 not shown in ms');
    // Open connections on the Gateway and on its listener's port.
    await page.waitForFunction(() => {
      const td = document.querySelector('#traffic-gateways tr[data-key="default/quickstart"] td[data-active]');
      return td && Number(td.dataset.active) >= 1;
    }, null, { timeout: 8000 });
    const onListener = Number(await page.locator('#traffic-listeners tr[data-key="default/quickstart/http"] td[data-active]').getAttribute('data-active'));
    assert(onListener >= 1, `open connections on the listener: ${onListener}`);
    const idleGw = Number(await page.locator('#traffic-gateways tr[data-key="default/idle"] td[data-active]').getAttribute('data-active'));
    assert(idleGw === 0, `open connections on the idle Gateway: ${idleGw}`);
    await shot(page, 'traffic.png', 700);
    idleConn.destroy();
  });

  await test('applying the fix: the graph turns green by itself, keeping the selection and the search', async () => {
    // The graph open on the broken route, with a search typed and the
    // canvas scrolled; nothing is clicked after the change.
    await page.goto(`${admin}/ui#/graph/${encodeURIComponent('HTTPRoute/shop/shop')}`);
    await page.locator('aside.detail[data-id="HTTPRoute/shop/shop"]').waitFor({ timeout: 5000 });
    await page.fill('#graph-search', 'example.com');
    await page.waitForFunction(() => document.querySelector('#graph-canvas')?.dataset.generation === '1', null, { timeout: 5000 });
    const before = await page.evaluate(() => window.porticoDashboard.updates());
    // The ReferenceGrant the detail view proposed, then SIGHUP (--no-watch).
    const fix = await (await fetch(`${admin}/diagnose?o=json`)).json();
    const grant = fix.findings.find((f) => f.code === 'PD-REF-GRANT-MISSING').fix.yaml;
    fs.writeFileSync(path.join(configDir, '95-grant.yaml'), grant);
    proc.kill('SIGHUP');
    // The page polls /generation every 2 s: bounded by a few polls.
    await page.waitForSelector('svg .node[data-id="HTTPRoute/shop/shop"][data-state="ok"]', { timeout: 8000 });
    assert(await page.evaluate(() => window.porticoDashboard.updates()) > before, 'not a live update');
    assert((await page.locator('#graph-canvas').getAttribute('data-generation')) === '2', 'not generation 2');
    assert((await page.inputValue('#graph-search')) === 'example.com', 'the search was reset');
    assert(await page.locator('aside.detail[data-id="HTTPRoute/shop/shop"]').count() === 1, 'the selection was lost');
    assert(page.url().endsWith(encodeURIComponent('HTTPRoute/shop/shop')), `url: ${page.url()}`);
    const edge = page.locator('svg .edge[data-from="HTTPRoute/shop/shop"][data-to="Service/default/echo-v1"]');
    assert((await edge.getAttribute('class')).includes('ok'), 'the backend edge is still broken');
    await page.waitForSelector('aside.detail[data-id="HTTPRoute/shop/shop"] .reason', { state: 'detached', timeout: 5000 });
    // The new ReferenceGrant (beside the Service, outside the search's chain).
    await page.fill('#graph-search', '');
    await page.waitForSelector('svg .node[data-kind="ReferenceGrant"]', { timeout: 5000 });
  });

  await test('the changes view shows generation 2 with the flip', async () => {
    await page.goto(`${admin}/ui#/changes`);
    const gen2 = page.locator('.generation[data-generation="2"]');
    await gen2.waitFor({ timeout: 5000 });
    const text = await gen2.textContent();
    assert(text.includes('ReferenceGrant') && text.includes('ResolvedRefs') && text.includes('HTTPRoute shop/shop'), text);
    await shot(page, 'changes.png', 560);
  });

  await test('the page made no request to any other host, and no script error', async () => {
    assert(foreign.length === 0, `foreign requests: ${foreign.join(', ')}`);
    assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
  });
  await context.close();
  await stopAll();
}

async function largeSuite(browser) {
  const t0 = Date.now();
  const { admin, proc } = await portico(largeConfig(tmp, await freePort()));
  console.log(`     1,000 routes: portico up in ${Date.now() - t0} ms`);
  const { page, context, foreign, errors } = await newPage(browser, admin);
  const timings = {};

  await test('1,000 routes: the graph renders, broken routes apart, healthy ones grouped', async () => {
    // Five first loads in fresh tabs: the numbers are logged (the machine's
    // load decides them), never asserted.
    timings.runs = [];
    for (let i = 0; i < 5; i++) {
      const tab = i === 4 ? page : await context.newPage();
      const start = Date.now();
      await tab.goto(`${admin}/ui`);
      await tab.waitForSelector('svg .node', { timeout: 15000 });
      const wall = Date.now() - start;
      timings.runs.push({ wall, ...(await tab.evaluate(() => window.porticoDashboard.timings())) });
      if (tab !== page) await tab.close();
    }
    timings.firstRender = timings.runs[4].wall;
    timings.page = timings.runs[4];
    const broken = await page.locator('svg .node[data-kind="HTTPRoute"][data-state="bad"]').count();
    const groups = await page.locator('svg .node[data-kind="Group"]').count();
    assert(broken === 10, `broken routes shown: ${broken}`);
    assert(groups >= 1, 'healthy routes are not grouped');
    await shot(page, 'graph-1000.png');
  });

  await test('1,000 routes: search by hostname narrows the graph within the bound', async () => {
    const start = Date.now();
    await page.fill('#graph-search', 'r0777.example');
    await page.waitForFunction(() => {
      const ids = [...document.querySelectorAll('svg .node')].map((n) => n.dataset.id);
      return ids.includes('HTTPRoute/ns-7/route-0777') && ids.filter((i) => i.startsWith('HTTPRoute/')).length === 1;
    }, null, { timeout: BOUND_MS });
    timings.search = Date.now() - start;
  });

  await test('1,000 routes: namespace filter and search by name within the bound', async () => {
    await page.fill('#graph-search', '');
    const start = Date.now();
    await page.selectOption('#graph-namespace', 'ns-3');
    await page.fill('#graph-search', 'route-03');
    await page.waitForFunction(() => {
      const ids = [...document.querySelectorAll('svg .node')].map((n) => n.dataset.id);
      const routes = ids.filter((i) => i.startsWith('HTTPRoute/'));
      return routes.length === 10 && routes.every((r) => r.startsWith('HTTPRoute/ns-3/route-03'));
    }, null, { timeout: BOUND_MS });
    timings.filter = Date.now() - start;
  });

  await test('1,000 routes: a route group expands', async () => {
    await page.fill('#graph-search', '');
    await page.selectOption('#graph-namespace', '');
    await page.locator('svg .node[data-kind="Group"]').first().click();
    const start = Date.now();
    await page.locator('aside.detail button', { hasText: 'Expand all' }).click();
    await page.waitForFunction(() => document.querySelectorAll('svg .node[data-kind="HTTPRoute"]').length === 1000, null, { timeout: BOUND_MS });
    timings.expandAll = Date.now() - start;
    assert(foreign.length === 0 && errors.length === 0, `foreign: ${foreign}; errors: ${errors}`);
  });

  await test('1,000 routes: a new generation redraws in place, keeping the scroll', async () => {
    await page.evaluate(() => {
      const c = document.querySelector('#graph-canvas');
      c.scrollTop = 4000;
    });
    const scrolled = await page.evaluate(() => document.querySelector('#graph-canvas').scrollTop);
    assert(scrolled > 0, 'the expanded graph does not scroll');
    const gen = await page.evaluate(() => window.porticoDashboard.generation());
    const start = Date.now();
    proc.kill('SIGHUP'); // the same files: a new generation all the same
    await page.waitForFunction((g) => document.querySelector('#graph-canvas')?.dataset.generation === String(g + 1), gen, { timeout: 8000 });
    timings.liveUpdate = Date.now() - start;
    const after = await page.evaluate(() => document.querySelector('#graph-canvas').scrollTop);
    assert(after === scrolled, `scrollTop ${scrolled} -> ${after}`);
    assert(await page.locator('svg .node[data-kind="HTTPRoute"]').count() === 1000, 'the expanded group folded again');
  });
  const r = Math.round;
  for (const [i, t] of (timings.runs || []).entries()) {
    console.log(`     1,000 routes, load ${i + 1}: first graph ${t.wall} ms after goto (in the page: ${r(t.firstRender)} ms from ` +
      `navigation; graph endpoints read and parsed in ${r(t.load)} ms, model ${r(t.build)} ms, drawn in ${r(t.draw)} ms; ` +
      `${t.findings ? `findings on it at ${r(t.findings)} ms` : 'findings not read yet'})`);
  }
  console.log(`     1,000 routes: search ${timings.search} ms, namespace+search ${timings.filter} ms, ` +
    `expand 1,000 ${timings.expandAll} ms, SIGHUP to redrawn ${timings.liveUpdate} ms (polled every 2 s)`);
  await context.close();
  await stopAll();
}

let browser;
const t0 = Date.now();
try {
  if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: env.PORTICO_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  await quickstartSuite(browser);
  await largeSuite(browser);
} catch (e) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL setup: ${e.stack || e}`);
} finally {
  await browser?.close();
  await stopAll();
  fs.rmSync(tmp, { recursive: true, force: true });
}
const failed = results.filter((r) => !r.ok).length;
console.log(`dashboard e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
