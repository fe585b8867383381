// views/load.js — the Load data view: a supervisor spec to paste or edit
// (a Kafka template to start from), a preview of how its dataSchema parses
// sample records — pasted ones, or the first records of the spec's topic —
// through the sampler, and submission. Errors the server reports for a
// field (its message starts with the field's JSON path) are shown at that
// field: the line is marked and the text selected.
//
// Calls: POST /druid/indexer/v1/sampler (Druid's sampler shape: an inline
// inputSource for pasted records, the supervisor spec itself to read its
// topic from the earliest offsets), POST /druid/indexer/v1/supervisor.

import { h, keep } from '../dom.js';
import { post, fmtInt, fmtValue } from '../api.js';
import { errorPath, locate, lineCol, syntaxErrorPos } from '../jsonpath.js';

const SAMPLE_ROWS = 100;
const SAMPLE_TIMEOUT_MS = 10000;

export function kafkaTemplate() {
  return JSON.stringify({
    type: 'kafka',
    spec: {
      dataSchema: {
        dataSource: 'events',
        timestampSpec: { column: 'time', format: 'auto' },
        dimensionsSpec: { dimensions: [] },
        metricsSpec: [{ type: 'count', name: 'count' }],
        granularitySpec: { segmentGranularity: 'hour', queryGranularity: 'none', rollup: false },
      },
      ioConfig: {
        topic: 'events',
        inputFormat: { type: 'json' },
        consumerProperties: { 'bootstrap.servers': 'localhost:9092' },
        taskCount: 1,
        replicas: 1,
        taskDuration: 'PT1H',
        useEarliestOffset: true,
      },
      tuningConfig: { type: 'kafka' },
    },
  }, null, 2);
}

export function loadView(app) {
  const st = {
    error: null,        // {message, line, col, where: 'spec' | 'sample' | null}
    sample: null,       // sampler response
    busy: null,         // 'preview' | 'submit'
    submitted: null,
  };

  // The editor and its line-number gutter are built once and kept.
  const wrap = document.createElement('div');
  wrap.className = 'code';
  const gutter = document.createElement('div');
  gutter.className = 'gutter';
  const ta = document.createElement('textarea');
  ta.className = 'editor';
  ta.id = 'spec-editor';
  ta.spellcheck = false;
  ta.placeholder = 'Paste a Druid supervisor spec (JSON), or start from the Kafka template.';
  ta.value = kafkaTemplate();
  wrap.append(gutter, ta);
  let gutterState = '';
  function drawGutter() {
    const lines = ta.value.split('\n').length;
    const bad = st.error && st.error.where === 'spec' ? st.error.line : 0;
    const key = `${lines}:${bad}`;
    if (key === gutterState) return;
    gutterState = key;
    const parts = [];
    for (let k = 1; k <= lines; k++) parts.push(k === bad ? `<b class="bad" title="error">${k}</b>` : `<span>${k}</span>`);
    gutter.innerHTML = parts.join('');
    gutter.scrollTop = ta.scrollTop;
  }
  ta.addEventListener('input', () => {
    if (st.error && st.error.where === 'spec') { st.error = null; app.update(); }
    drawGutter();
  });
  ta.addEventListener('scroll', () => { gutter.scrollTop = ta.scrollTop; });
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Tab') {
      e.preventDefault();
      ta.setRangeText('  ', ta.selectionStart, ta.selectionEnd, 'end');
      drawGutter();
    }
  });
  drawGutter();

  const records = document.createElement('textarea');
  records.className = 'editor small-editor';
  records.id = 'sample-records';
  records.spellcheck = false;
  records.placeholder = 'Optional: paste sample records, one per line, to preview parsing without reading the topic.';

  // Points at the field an error names, or at a JSON syntax error.
  function showError(message) {
    const text = ta.value;
    const path = errorPath(message);
    let where = null, line = 0, col = 0;
    if (path) {
      const loc = locate(text, path);
      if (loc) {
        ({ line, col } = lineCol(text, loc.keyStart));
        where = 'spec';
        ta.focus();
        ta.setSelectionRange(loc.keyStart, loc.end);
        scrollToLine(line);
      }
    }
    st.error = { message, where, line, col };
    drawGutter();
    app.update();
  }

  function scrollToLine(line) {
    const lh = parseFloat(getComputedStyle(ta).lineHeight) || 18;
    ta.scrollTop = Math.max(0, (line - 4) * lh);
    gutter.scrollTop = ta.scrollTop;
  }

  function parseSpec() {
    const text = ta.value;
    try {
      return JSON.parse(text);
    } catch (e) {
      const pos = syntaxErrorPos(e.message, text);
      if (pos >= 0) {
        const { line, col } = lineCol(text, pos);
        st.error = { message: `The spec is not valid JSON: ${e.message}`, where: 'spec', line, col };
        ta.focus();
        ta.setSelectionRange(pos, Math.min(text.length, pos + 1));
        scrollToLine(line);
      } else {
        st.error = { message: `The spec is not valid JSON: ${e.message}`, where: null };
      }
      drawGutter();
      app.update();
      return null;
    }
  }

  // The sampler request for the spec: pasted records through an inline
  // input source with the spec's dataSchema and inputFormat, or else the
  // spec itself, whose stream the sampler reads from the start.
  function samplerRequest(spec) {
    const inner = spec.spec || spec;
    const samplerConfig = { numRows: SAMPLE_ROWS, timeoutMs: SAMPLE_TIMEOUT_MS };
    const data = records.value.trim();
    if (data) {
      return {
        type: 'index_parallel',
        spec: {
          type: 'index_parallel',
          dataSchema: inner.dataSchema,
          ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: records.value }, inputFormat: (inner.ioConfig || {}).inputFormat },
        },
        samplerConfig,
      };
    }
    return { type: spec.type || 'kafka', spec: { type: spec.type || 'kafka', dataSchema: inner.dataSchema, ioConfig: inner.ioConfig, tuningConfig: inner.tuningConfig }, samplerConfig };
  }

  async function preview() {
    st.error = null;
    st.submitted = null;
    const spec = parseSpec();
    if (!spec) return;
    st.busy = 'preview';
    app.update();
    try {
      st.sample = await post('/druid/indexer/v1/sampler', samplerRequest(spec), { timeoutMs: SAMPLE_TIMEOUT_MS + 15000 });
    } catch (e) {
      st.sample = null;
      showError(e.message);
    } finally {
      st.busy = null;
      app.update();
    }
  }

  async function submit() {
    st.error = null;
    st.submitted = null;
    if (!parseSpec()) return;
    st.busy = 'submit';
    app.update();
    try {
      const res = await post('/druid/indexer/v1/supervisor', ta.value);
      st.submitted = res && res.id;
      app.notify(`Supervisor ${st.submitted} submitted`);
    } catch (e) {
      showError(e.message);
    } finally {
      st.busy = null;
      app.update();
    }
  }

  function format() {
    const spec = parseSpec();
    if (!spec) return;
    ta.value = JSON.stringify(spec, null, 2);
    st.error = null;
    drawGutter();
    app.update();
  }

  function sampleTable() {
    const s = st.sample;
    if (!s) return h('p', { class: 'muted' }, 'Preview shows how the spec\'s timestampSpec, dimensionsSpec, transforms and metrics read the first records.');
    const cols = (s.logicalSegmentSchema || []).map((c) => c.name);
    const types = Object.fromEntries((s.logicalSegmentSchema || []).map((c) => [c.name, c.type]));
    const data = s.data || [];
    return h('div', { id: 'sample-result' },
      h('p', { id: 'sample-summary' }, `${fmtInt(s.numRowsRead)} rows read, ${fmtInt(s.numRowsIndexed)} indexed`,
        data.some((r) => r.unparseable) ? h('span', { class: 'err' }, ` — ${data.filter((r) => r.unparseable).length} unparseable`) : null),
      !data.length ? h('p', { class: 'muted' }, 'No records were read (the topic is empty, or nothing arrived before the timeout).')
        : h('div', { class: 'table-scroll' }, h('table', { class: 'grid compact', id: 'sample-table' },
          h('thead', null, h('tr', null, cols.map((c) => h('th', { key: c, title: types[c] }, c, h('div', { class: 'type' }, types[c]))))),
          h('tbody', null, data.map((r, i) => r.unparseable
            ? h('tr', { key: i, class: 'unparseable' }, h('td', { colspan: Math.max(1, cols.length) }, h('b', null, 'Unparseable: '), r.error || '', r.input ? h('div', { class: 'mono small' }, JSON.stringify(r.input)) : null))
            : h('tr', { key: i }, cols.map((c) => {
              const v = r.parsed ? r.parsed[c] : undefined;
              return h('td', { key: c, class: c === '__time' ? '' : typeof v === 'number' ? 'num' : v == null ? 'null' : '' }, c === '__time' && typeof v === 'number' ? new Date(v).toISOString() : fmtValue(v));
            })))))));
  }

  return {
    interval: null,
    refresh: null,
    render() {
      const e = st.error;
      return h('section', { key: 'load' },
        h('div', { class: 'toolbar' },
          h('h1', null, 'Load data'),
          h('button', { class: 'secondary', onclick: () => { ta.value = kafkaTemplate(); st.error = null; drawGutter(); app.update(); } }, 'Kafka template'),
          h('button', { class: 'secondary', onclick: format }, 'Format'),
          h('span', { class: 'spacer' }),
          h('button', { class: 'secondary', id: 'preview', disabled: !!st.busy, onclick: preview }, st.busy === 'preview' ? 'Sampling…' : 'Preview'),
          h('button', { class: 'primary', id: 'submit', disabled: !!st.busy, onclick: submit }, st.busy === 'submit' ? 'Submitting…' : 'Submit')),
        e ? h('div', { key: 'spec-error', class: 'banner error', id: 'spec-error', role: 'alert' },
          e.where === 'spec' ? h('b', null, `Line ${e.line}, column ${e.col}: `) : null, e.message) : null,
        st.submitted ? h('div', { key: 'submitted', class: 'banner ok', id: 'submitted' }, 'Supervisor ', h('a', { href: `#/supervisors/${encodeURIComponent(st.submitted)}` }, st.submitted), ' is running. ', h('a', { href: '#/supervisors' }, 'See all supervisors')) : null,
        h('div', { key: 'grid', class: 'load-grid' },
          h('div', null, h('h2', null, 'Supervisor spec'), keep(wrap, 'spec-editor')),
          h('div', null, h('h2', null, 'Sample records'), keep(records, 'records'))),
        h('h2', null, 'Preview'),
        sampleTable());
    },
  };
}
