// The explain form: one request traced through listener choice, route
// precedence, filters and backends (GET /explain?o=json).
import { h, table, clear } from './dom.js';
import { explain } from './api.js';

function trace(e) {
  const cands = (e.candidates || []).map((c) => h('tr', { class: `verdict-${c.verdict}`, 'data-verdict': c.verdict },
    h('td', {}, `${c.route.kind} ${c.route.namespace}/${c.route.name}`), h('td', {}, `rule ${c.rule} match ${c.match}`),
    h('td', {}, c.host), h('td', {}, c.matchText), h('td', {}, c.verdict), h('td', {}, c.reason)));
  const ok = e.status === 0 || (e.status >= 200 && e.status < 400);
  return [
    h('p', { class: `outcome ${ok ? 'ok' : 'bad'}`, id: 'explain-outcome' }, e.outcome),
    h('p', { class: 'muted' }, `${e.request.method} ${e.request.scheme}://${e.request.host}:${e.request.port}${e.request.path}${e.request.query ? '?' + e.request.query : ''}`),
    (e.steps || []).length ? h('ol', { class: 'steps' }, e.steps.map((x) => h('li', {}, x))) : null,
    h('h3', {}, 'Listeners'),
    table(['Listener', 'Chosen', 'Why'], (e.listeners || []).map((l) => [l.listener, l.chosen ? 'yes' : 'no', l.reason])),
    h('h3', {}, 'Rules, in precedence order'),
    cands.length ? table(['Route', 'Rule', 'Host', 'Match', 'Verdict', 'Why'], cands, { class: 'candidates' }) : h('p', { class: 'muted' }, 'No rule is a candidate.'),
    (e.filters || []).length ? [h('h3', {}, 'Filters'), table(['Filter', 'Effect'], e.filters.map((f) => [f.filter, f.effect]))] : null,
    (e.backends || []).length ? [h('h3', {}, 'Backends'), table(['Backend', 'Share', 'Endpoints', 'Note'],
      e.backends.map((b) => [b.cluster || '(invalid)', `${b.percent}%`, String(b.endpoints), b.note]))] : null,
    e.response ? [h('h3', {}, 'Portico answers'), h('pre', {}, e.response)] : null,
    (e.hints || []).length ? [h('h3', {}, 'Hints'), h('ul', {}, e.hints.map((x) => h('li', {}, typeof x === 'string' ? x : JSON.stringify(x))))] : null,
  ];
}

export function explainView(root, form) {
  const out = h('div', { id: 'explain-result', 'aria-live': 'polite' });
  const url = h('input', { id: 'explain-url', type: 'url', required: true, value: form.url, placeholder: 'http://echo.example.com:8080/api', size: 50 });
  const method = h('select', { id: 'explain-method' },
    ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => h('option', { selected: m === form.method }, m)));
  const headers = h('textarea', { id: 'explain-headers', rows: 3, cols: 50, placeholder: 'Name: value, one a line' }, form.headers);
  const run = async (ev) => {
    ev.preventDefault();
    Object.assign(form, { url: url.value, method: method.value, headers: headers.value });
    const list = headers.value.split('\n').map((x) => x.trim()).filter(Boolean);
    clear(out).append(h('p', { class: 'muted' }, 'Tracing\u2026'));
    try {
      clear(out).append(...trace(await explain(url.value, method.value, list)).flat().filter(Boolean));
    } catch (e) {
      clear(out).append(h('p', { class: 'outcome bad' }, String(e.message)));
    }
  };
  clear(root).append(h('section', { class: 'explain' },
    h('h2', {}, 'Explain a request'),
    h('form', { onsubmit: run },
      h('div', { class: 'field' }, h('label', { for: 'explain-url' }, 'URL'), url),
      h('div', { class: 'field' }, h('label', { for: 'explain-method' }, 'Method'), method),
      h('div', { class: 'field' }, h('label', { for: 'explain-headers' }, 'Headers'), headers),
      h('button', { type: 'submit', id: 'explain-run' }, 'Explain')),
    out));
  url.focus();
}
