// jsonpath.js — finding where in a JSON text a field named by an error
// message is, so the Load data view can put the error next to it. varve's
// spec errors start with the JSON path of the offending field:
//   spec.ioConfig.taskCount: must be >= 1
//   spec.dataSchema.metricsSpec[1].fieldName: ...
//   spec.ioConfig.consumerProperties['fetch.max.wait.ms']: ...

// "a.b[1]['x.y']" -> ["a", "b", 1, "x.y"]
export function parsePath(path) {
  const out = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/g;
  let m;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push((m[3] !== undefined ? m[3] : m[4]).replace(/\\(.)/g, '$1'));
  }
  return out;
}

// The path an error message starts with, or null.
export function errorPath(message) {
  const m = /^((?:[A-Za-z_$][\w$]*)(?:\.[A-Za-z_$][\w$-]*|\[\d+\]|\['(?:[^'\\]|\\.)*'\])*)\s*:\s/.exec(message || '');
  if (!m || !/[.[]/.test(m[1])) return null; // one bare word is a sentence, not a path
  return m[1];
}

// Scans text and returns a Map from path keys ("spec\u0000ioConfig\u00001")
// to {start, end, keyStart} character offsets of each value. Tolerates
// nothing: returns null for text that is not JSON.
export function locateAll(text) {
  const spans = new Map();
  let i = 0;
  const n = text.length;
  const ws = () => { while (i < n && /\s/.test(text[i])) i++; };
  function str() {
    const s = i;
    i++;
    while (i < n && text[i] !== '"') { if (text[i] === '\\') i++; i++; }
    i++;
    return JSON.parse(text.slice(s, i));
  }
  function value(path, keyStart) {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') i++;
      else {
        for (;;) {
          ws();
          const ks = i;
          const k = str();
          ws();
          if (text[i] !== ':') throw new Error('expected :');
          i++;
          value([...path, k], ks);
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === '}') { i++; break; }
          throw new Error('expected , or }');
        }
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') i++;
      else {
        for (let idx = 0; ; idx++) {
          value([...path, idx], null);
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === ']') { i++; break; }
          throw new Error('expected , or ]');
        }
      }
    } else if (c === '"') {
      str();
    } else {
      const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
      if (!m) throw new Error('bad value');
      i += m[0].length;
    }
    spans.set(path.join('\u0000'), { start, end: i, keyStart: keyStart == null ? start : keyStart });
  }
  try {
    value([], null);
    return spans;
  } catch (e) {
    return null;
  }
}

// Where the field of path is in text: its span, or the span of its nearest
// parent that exists (a missing field is reported at the object that lacks
// it). A spec written in Druid's legacy flattened form has no "spec"
// wrapper: paths starting with spec. are also looked up without it.
export function locate(text, path) {
  const spans = locateAll(text);
  if (!spans) return null;
  const segs = parsePath(path);
  const tries = [segs];
  if (segs[0] === 'spec') tries.push(segs.slice(1));
  for (const t of tries) {
    const sp = spans.get(t.join('\u0000'));
    if (sp && t.length) return { ...sp, exact: true };
  }
  for (const t of tries) {
    for (let len = t.length - 1; len >= 1; len--) {
      const sp = spans.get(t.slice(0, len).join('\u0000'));
      if (sp) return { ...sp, exact: false };
    }
  }
  return null;
}

// 1-based line and column of offset pos in text.
export function lineCol(text, pos) {
  let line = 1, col = 1;
  for (let k = 0; k < pos && k < text.length; k++) {
    if (text[k] === '\n') { line++; col = 1; } else col++;
  }
  return { line, col };
}

// The offset a JSON.parse error message points at ("... at position 57"),
// or -1.
export function syntaxErrorPos(message, text) {
  let m = /position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  m = /line (\d+) column (\d+)/.exec(message);
  if (m) {
    const lines = text.split('\n');
    let pos = 0;
    for (let k = 0; k < Number(m[1]) - 1 && k < lines.length; k++) pos += lines[k].length + 1;
    return pos + Number(m[2]) - 1;
  }
  return -1;
}
