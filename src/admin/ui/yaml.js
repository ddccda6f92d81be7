// Reads the YAML that /objects serves (Portico's own emitter: block maps and
// sequences, plain and quoted scalars, block scalars, empty flow
// collections). Not a general YAML parser: it reads what the graph needs
// from each object's spec; the detail view shows the document's text as is.

// The documents of a multi-document stream, as text. One regular
// expression over the whole text, not a pass per line: /objects has a
// document per object, thousands of them.
const SEPARATOR = /^---(?: .*)?$/m;
export function splitDocuments(text) {
  return text.split(SEPARATOR).filter((d) => /\S/.test(d)).map((d) => d.replace(/^\n/, '').replace(/\n$/, ''));
}

// "key: value" -> [key, rest] (rest undefined after a bare "key:"), or null
// when the line is not a map entry. A plain key runs to the first ':'
// followed by a space or the end of the line, and does not start with a
// space, a quote, '#' or "- "; quoted keys may hold anything. By hand
// rather than one regular expression: it runs once per line of /objects.
function splitKey(line) {
  const c = line[0];
  let keyEnd;
  let colon;
  if (c === '"' || c === "'") {
    let j = 1;
    while (j < line.length && line[j] !== c) j += c === '"' && line[j] === '\\' ? 2 : 1;
    if (c === "'" && line[j + 1] === "'") return null; // '' inside a quoted key: rare, not written by the emitter
    keyEnd = j + 1;
    colon = keyEnd;
    while (line[colon] === ' ') colon++;
    if (line[colon] !== ':') return null;
  } else {
    if (c === undefined || c === ' ' || c === '\t' || c === '#') return null;
    if (c === '-' && (line.length === 1 || line[1] === ' ' || line[1] === '\t' || line[1] === ':')) return null;
    colon = line.indexOf(':');
    if (colon <= 0) return null;
    keyEnd = colon;
    while (keyEnd > 0 && (line[keyEnd - 1] === ' ' || line[keyEnd - 1] === '\t')) keyEnd--;
  }
  const after = line[colon + 1];
  if (after === undefined) return [line.slice(0, keyEnd), undefined];
  if (after !== ' ' && after !== '\t') return null;
  return [line.slice(0, keyEnd), line.slice(colon + 1).trim()];
}

function unquote(s) {
  if (s.startsWith('"')) {
    try {
      return JSON.parse(s);
    } catch {
      return s.slice(1, -1);
    }
  }
  if (s.startsWith("'")) return s.slice(1, -1).replace(/''/g, "'");
  return s;
}

// A flow collection on one line ({a: 1, b: [x, y]}), as /objects keeps
// the style of the manifests it was loaded from.
function flow(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && text[i] === ' ') i++;
  };
  const quoted = () => {
    const q = text[i];
    let j = i + 1;
    while (j < text.length && text[j] !== q) j += text[j] === '\\' && q === '"' ? 2 : 1;
    const raw = text.slice(i, j + 1);
    i = j + 1;
    return unquote(raw);
  };
  const plain = (stops) => {
    const start = i;
    while (i < text.length && !stops.includes(text[i]) && !(text[i] === ':' && text[i + 1] === ' ' && stops.includes(':'))) i++;
    return text.slice(start, i).trim();
  };
  function value(stops) {
    ws();
    if (text[i] === '{') {
      i++;
      const out = {};
      for (ws(); i < text.length && text[i] !== '}'; ws()) {
        const key = text[i] === '"' || text[i] === "'" ? quoted() : plain(':,}');
        ws();
        out[key] = text[i] === ':' ? (i++, value(',}')) : null;
        ws();
        if (text[i] === ',') i++;
      }
      i++;
      return out;
    }
    if (text[i] === '[') {
      i++;
      const out = [];
      for (ws(); i < text.length && text[i] !== ']'; ws()) {
        out.push(value(',]'));
        ws();
        if (text[i] === ',') i++;
      }
      i++;
      return out;
    }
    if (text[i] === '"' || text[i] === "'") return quoted();
    return scalar(plain(stops));
  }
  return value('');
}

function scalar(raw) {
  let s = raw.trim();
  if (s.startsWith('"') || s.startsWith("'")) return unquote(s);
  const hash = s.search(/\s#/);
  if (hash >= 0) s = s.slice(0, hash).trimEnd();
  if ((s.startsWith('[') && s.endsWith(']')) || (s.startsWith('{') && s.endsWith('}'))) return flow(s);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null' || s === '~' || s === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

export function parseYaml(text) {
  const lines = text.split('\n').map((raw) => {
    const indent = raw.length - raw.trimStart().length;
    const t = raw.trim();
    return { raw, indent, text: t, skip: t === '' || t.startsWith('#') };
  });
  let i = 0;
  const next = () => {
    while (i < lines.length && lines[i].skip) i++;
    return i < lines.length ? lines[i] : null;
  };
  const isItem = (l) => l.text === '-' || l.text.startsWith('- ');

  function blockScalar(parentIndent, style) {
    const out = [];
    let base = -1;
    while (i < lines.length) {
      const l = lines[i];
      if (l.text !== '' && l.indent <= parentIndent) break;
      if (l.text !== '' && base < 0) base = l.indent;
      out.push(l.text === '' ? '' : l.raw.slice(Math.max(base, 0)));
      i++;
    }
    while (out.length && out[out.length - 1] === '') out.pop();
    return style.startsWith('>') ? out.join(' ') + '\n' : out.join('\n') + '\n';
  }

  function node(minIndent) {
    const l = next();
    if (!l || l.indent < minIndent) return null;
    if (isItem(l)) return seq(l.indent);
    if (!splitKey(l.text) || l.text.startsWith('{') || l.text.startsWith('[')) {
      i++;
      return scalar(l.text);
    }
    return map(l.indent);
  }

  function seq(indent) {
    const out = [];
    for (let l = next(); l && l.indent === indent && isItem(l); l = next()) {
      const rest = l.text.slice(1).trimStart();
      if (rest === '') {
        i++;
        out.push(node(indent + 1));
      } else {
        // "- key: v" starts a map whose keys line up with "key".
        l.indent = indent + (l.text.length - rest.length);
        l.text = rest;
        out.push(node(l.indent));
      }
    }
    return out;
  }

  function map(indent) {
    const out = {};
    for (let l = next(); l && l.indent === indent && !isItem(l); l = next()) {
      const m = splitKey(l.text);
      if (!m) break;
      i++;
      const key = unquote(m[0]);
      const rest = m[1];
      if (rest === undefined || rest === '' || rest.startsWith('#')) {
        const n = next();
        if (n && (n.indent > indent || (n.indent === indent && isItem(n)))) out[key] = node(n.indent);
        else out[key] = null;
      } else if (/^[|>][-+]?\d*$/.test(rest)) {
        out[key] = blockScalar(indent, rest);
      } else {
        out[key] = scalar(rest);
      }
    }
    return out;
  }

  return node(0);
}
