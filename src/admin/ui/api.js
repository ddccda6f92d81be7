// Reads the admin server's endpoints. Same origin only (the page's CSP
// forbids anything else); every path is relative to the admin address.
import { splitDocuments, parseYaml } from './yaml.js';

async function get(path) {
  const r = await fetch(path, { headers: { Accept: 'application/json, text/plain, */*' } });
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

// One consistent read of the state the graph and the detail view need.
export async function loadState() {
  const [status, objectsText, config, diagnose, endpoints] = await Promise.all([
    getJson('/status'),
    getText('/objects'),
    getJson('/config_dump'),
    getJson('/diagnose?o=json'),
    optionalJson('/endpoints'),
  ]);
  return { status, objects: indexObjects(objectsText), config, diagnose, endpoints };
}

export function explain(url, method, headers) {
  const q = new URLSearchParams({ o: 'json', url, method });
  for (const h of headers) q.append('header', h);
  return getJson(`/explain?${q}`);
}

export const changes = () => getJson('/changes');
export const metrics = () => getText('/metrics');
export const endpoints = () => optionalJson('/endpoints');
