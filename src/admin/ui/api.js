// Reads the admin server's endpoints. Same origin only (the page's CSP
// forbids anything else); every path is relative to the admin address.
import { splitDocuments, parseYaml } from './yaml.js';

async function get(path) {
  // No extra request header: a fetch() must look like index.html's
  // preloads to be answered by them.
  const r = await fetch(path);
  if (!r.ok) {
    const err = new Error(`${path}: HTTP ${r.status}`);
    err.status = r.status;
    throw err;
  }
  return r;
}

export const getJson = async (path) => (await get(path)).json();
export const getText = async (path) => (await get(path)).text();

// An endpoint that may not exist in this build (404) reads as null.
async function optionalJson(path) {
  try {
    return await getJson(path);
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

export function objectKey(kind, ns, name) {
  return `${kind}/${ns || ''}/${name}`;
}

// Every object of /objects, parsed, with its own YAML text, by key.
export function indexObjects(text) {
  const out = new Map();
  for (const doc of splitDocuments(text)) {
    let obj;
    try {
      obj = parseYaml(doc);
    } catch {
      continue;
    }
    if (!obj || typeof obj !== 'object' || !obj.kind || !obj.metadata) continue;
    out.set(objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name), { obj, yaml: doc.trim() + '\n' });
  }
  return out;
}

// One read of the state the graph and the detail view need, in two parts
// so the graph is drawn before the slowest endpoint answers:
//   core: /objects, /endpoints, /config_dump, /status (the graph itself)
//   diagnose: the troubleshooter's findings (the summary, listener
//     findings on the graph, the detail's fixes), asked for last.
// The admin server answers one request at a time, in the order asked:
// /objects first (quick to serve, slow to parse: parsed while the server
// renders the others), /status (the slowest) last of the core, /diagnose
// once they have arrived, so that it never delays the graph. The generation is asked
// first: should a reload land between it and the others, the page shows
// the newer state under the older number and the next poll reads it
// again, never the reverse. On the first load index.html has preloaded
// the same URLs in the same order.
export function loadState() {
  const generation = optionalJson('/generation').then((g) => (g ? g.generation : null));
  const objects = getText('/objects').then(indexObjects);
  const endpoints = optionalJson('/endpoints');
  const config = getJson('/config_dump');
  const status = getJson('/status');
  const core = Promise.all([status, objects, config, endpoints]).then(([st, ob, cf, ep]) =>
    ({ status: st, objects: ob, config: cf, endpoints: ep, diagnose: null }));
  // Asked for once the rest has arrived: the admin server computes it
  // while the page draws, and its answer never holds the others back.
  const diagnose = core.then(() => getJson('/diagnose?o=json'));
  diagnose.catch(() => {}); // handled by whoever awaits it; not an unhandled rejection meanwhile
  return { generation, core, diagnose };
}

export function explain(url, method, headers) {
  const q = new URLSearchParams({ o: 'json', url, method });
  for (const h of headers) q.append('header', h);
  return getJson(`/explain?${q}`);
}

export const changes = () => getJson('/changes');
export const metrics = () => getText('/metrics');
export const endpoints = () => optionalJson('/endpoints');
export const traffic = () => optionalJson('/traffic');
export const generation = async () => (await getJson('/generation')).generation;
