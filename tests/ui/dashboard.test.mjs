// End-to-end test of the dashboard (docs/dashboard.md) in headless
// Chromium, driven by playwright-core: a real `portico run` serving the
// quickstart plus a broken HTTPRoute, then a generated config of 1,000
// routes. Run by tests/ui/run.sh (which installs playwright-core and skips
// without Chromium); prints "N passed, N failed".
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
const BOUND_MS = 5000; // generous: the real numbers are printed

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

async function portico(configDir) {
  const { p, match } = await start(env.PORTICO_BIN, ['run', '-c', configDir, '--listen-address', '127.0.0.1',
    '--admin-address', '127.0.0.1:0', '--workers', '1', '--access-log', 'off', '--no-watch'],
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
  const [gw, e1, e2] = [await freePort(), await freePort(), await freePort()];
  await start(env.PORTICO_ECHO_BIN, ['--listen', `127.0.0.1:${e1}`, '--pod', 'echo-v1', '--namespace', 'default', '--service', 'echo-v1'], null, 'echo-v1');
  await start(env.PORTICO_ECHO_BIN, ['--listen', `127.0.0.1:${e2}`, '--pod', 'echo-v2', '--namespace', 'default', '--service', 'echo-v2'], null, 'echo-v2');
  const configDir = quickstartConfig(tmp, SOURCE, gw, e1, e2);
  const { admin, proc } = await portico(configDir);
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
      `Endpoint/default/echo-v1/127.0.0.1:${e1}`, `Endpoint/default/echo-v2/127.0.0.1:${e2}`];
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

  await test('a live request shows up in the traffic view', async () => {
    await page.goto(`${admin}/ui#/traffic`);
    await page.locator('#traffic-listeners, #traffic-backends').first().waitFor({ timeout: 5000 });
    for (let i = 0; i < 5; i++) assert((await httpGet(gw, 'echo.example.com', '/api/hello')) === 200, 'proxy did not answer 200');
    const row = page.locator('#traffic-listeners tr[data-key="default/quickstart/http"] td[data-total]');
    await page.waitForFunction(() => {
      const td = document.querySelector('#traffic-listeners tr[data-key="default/quickstart/http"] td[data-total]');
      return td && Number(td.dataset.total) >= 5;
    }, null, { timeout: 8000 });
    assert(Number(await row.getAttribute('data-total')) >= 5, 'listener count');
    const backends = await page.locator('#traffic-backends tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.key));
    assert(backends.some((b) => b.startsWith('default/echo-v')), `backends: ${backends}`);
    await shot(page, 'traffic.png', 560);
  });

  await test('applying the fix: the changes view shows the flip, the graph turns green', async () => {
    // The ReferenceGrant the detail view proposed, then SIGHUP (--no-watch).
    const fix = await (await fetch(`${admin}/diagnose?o=json`)).json();
    const grant = fix.findings.find((f) => f.code === 'PD-REF-GRANT-MISSING').fix.yaml;
    fs.writeFileSync(path.join(configDir, '95-grant.yaml'), grant);
    proc.kill('SIGHUP');
    const deadline = Date.now() + 5000;
    while ((await (await fetch(`${admin}/changes`)).json()).generations.length < 2) {
      assert(Date.now() < deadline, 'no second generation after SIGHUP');
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto(`${admin}/ui#/changes`);
    const gen2 = page.locator('.generation[data-generation="2"]');
    await gen2.waitFor({ timeout: 5000 });
    const text = await gen2.textContent();
    assert(text.includes('ReferenceGrant') && text.includes('ResolvedRefs') && text.includes('HTTPRoute shop/shop'), text);
    await shot(page, 'changes.png', 560);
    await page.goto(`${admin}/ui#/graph`);
    await page.click('#reload');
    await page.waitForSelector('svg .node[data-id="HTTPRoute/shop/shop"][data-state="ok"]', { timeout: 5000 });
    assert(await page.locator('svg .node[data-kind="ReferenceGrant"]').count() === 1, 'no ReferenceGrant node');
    const edge = page.locator('svg .edge[data-from="HTTPRoute/shop/shop"][data-to="Service/default/echo-v1"]');
    assert((await edge.getAttribute('class')).includes('ok'), 'the backend edge is still broken');
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
  const { admin } = await portico(largeConfig(tmp, await freePort()));
  console.log(`     1,000 routes: portico up in ${Date.now() - t0} ms`);
  const { page, context, foreign, errors } = await newPage(browser, admin);
  const timings = {};

  await test('1,000 routes: the graph renders within the bound', async () => {
    const start = Date.now();
    await page.goto(`${admin}/ui`);
    await page.waitForSelector('svg .node', { timeout: 15000 });
    timings.firstRender = Date.now() - start;
    timings.page = await page.evaluate(() => window.porticoDashboard.timings());
    const broken = await page.locator('svg .node[data-kind="HTTPRoute"][data-state="bad"]').count();
    const groups = await page.locator('svg .node[data-kind="Group"]').count();
    assert(broken === 10, `broken routes shown: ${broken}`);
    assert(groups >= 1, 'healthy routes are not grouped');
    assert(timings.firstRender < BOUND_MS, `first render took ${timings.firstRender} ms`);
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
  console.log(`     1,000 routes: first render ${timings.firstRender} ms (in the page: ${Math.round(timings.page.firstRender)} ms from ` +
    `navigation, endpoints read in ${Math.round(timings.page.load)} ms, model ${Math.round(timings.page.build)} ms, ` +
    `drawn in ${Math.round(timings.page.draw)} ms), ` +
    `search ${timings.search} ms, namespace+search ${timings.filter} ms, expand 1,000 ${timings.expandAll} ms (bound ${BOUND_MS} ms)`);
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
