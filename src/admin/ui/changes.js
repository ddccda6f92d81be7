// The recent config generations (GET /changes): what changed and which
// conditions flipped, newest first.
import { h, table, clear } from './dom.js';
import { changes } from './api.js';

function generation(g) {
  return h('article', { class: 'generation', 'data-generation': g.generation },
    h('h3', {}, `Generation ${g.generation}`, h('span', { class: 'muted' }, ` ${g.time} \u00b7 ${g.trigger} \u00b7 ${g.objects} objects${g.rejected ? ` \u00b7 ${g.rejected} rejected` : ''}${g.carried ? ` \u00b7 ${g.carried} carried` : ''}`)),
    (g.diagnostics || []).length ? h('ul', { class: 'diagnostics' }, g.diagnostics.map((d) => h('li', { class: 'bad' }, d))) : null,
    (g.changes || []).length ? table(['Change', 'Kind', 'Object', 'Diff'], g.changes.map((c) => [c.op, c.kind,
      c.namespace ? `${c.namespace}/${c.name}` : c.name,
      (c.diff || []).length ? h('details', {}, h('summary', {}, `${c.diff.length} lines`), h('pre', { class: 'diff' }, c.diff.join('\n'))) : '\u2014']))
      : h('p', { class: 'muted' }, 'No object changed.'),
    (g.conditions || []).length ? [h('h4', {}, 'Conditions that flipped'),
      table(['Object', 'Scope', 'Type', 'Before', 'After'], g.conditions.map((f) => [f.object, f.scope || '\u2014', f.type, f.before || '\u2014', f.after || '\u2014']))] : null);
}

export async function changesView(root) {
  clear(root).append(h('p', { class: 'muted' }, 'Loading\u2026'));
  const doc = await changes();
  const gens = doc.generations || []; // newest first, as /changes sends them
  clear(root).append(h('section', { class: 'changes' },
    h('h2', {}, 'Recent generations'),
    h('p', { class: 'muted' }, `The last ${doc.kept} generations are kept.`),
    gens.map(generation)));
}
