// views/query.js — the Query view: a SQL editor (when the server answers
// Druid SQL at /druid/v2/sql) and a native JSON query editor (always),
// results as a table and, when the rows are buckets of time, as a chart.
// Ctrl+Enter runs the query; the editors are kept across refreshes, so
// nothing typed is ever lost.
//
// Calls: POST /druid/v2/sql {"query": ...} (object results), POST /druid/v2
// with the native query as typed; DELETE /druid/v2/{queryId} to cancel.

import { h, keep } from '../dom.js';
import { request, post, fmtValue } from '../api.js';
import { lineChart } from '../chart.js';

const MAX_ROWS_SHOWN = 1000;

function nativeTemplate(ds) {
  return JSON.stringify({
    queryType: 'timeseries',
    dataSource: ds || 'wikipedia',
    intervals: ['1000-01-01/3000-01-01'],
    granularity: 'minute',
    aggregations: [{ type: 'count', name: 'rows' }],
  }, null, 2);
}

function sqlTemplate(ds) {
  return `SELECT TIME_FLOOR(__time, 'PT1M') AS "minute", COUNT(*) AS "rows"\nFROM "${ds || 'wikipedia'}"\nGROUP BY 1\nORDER BY 1`;
}

// Native results of every query type as rows of one flat object each.
export function nativeRows(query, result) {
  if (!Array.isArray(result)) return [{ result }];
  const type = query && query.queryType;
  const rows = [];
  for (const r of result) {
    if (r == null || typeof r !== 'object') { rows.push({ value: r }); continue; }
    if (type === 'scan' || (r.events && r.segmentId !== undefined)) {
      const cols = r.columns || [];
      for (const e of r.events || []) rows.push(Array.isArray(e) ? Object.fromEntries(cols.map((c, i) => [c, e[i]])) : e);
    } else if (type === 'groupBy' && r.event) {
      rows.push({ timestamp: r.timestamp, ...r.event });
    } else if (type === 'topN' || type === 'search' || Array.isArray(r.result)) {
      for (const x of r.result || []) rows.push({ timestamp: r.timestamp, ...x });
    } else if (r.result && typeof r.result === 'object') {
      rows.push({ timestamp: r.timestamp, ...r.result });
    } else {
      rows.push(r);
    }
  }
  return rows;
}

function columnsOf(rows) {
  const cols = [];
  const seen = new Set();
  for (const r of rows.slice(0, 200)) {
    for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); cols.push(k); }
  }
  return cols;
}

function asTime(v) {
  if (typeof v === 'number' && v > 1e11) return v;
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(v)) {
    const t = Date.parse(v.replace(' ', 'T') + (/[Zz]|[+-]\d\d:?\d\d$/.test(v) ? '' : 'Z'));
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

// The chart a result makes, or null: a time column with several buckets and
// numeric columns; with a string column and repeated times, one line per
// value of it (the six largest) for the first numeric column.
export function chartSeries(rows, cols) {
  if (rows.length < 2) return null;
  const timeCol = cols.find((c) => rows.every((r) => r[c] == null || asTime(r[c]) != null) && rows.some((r) => asTime(r[c]) != null));
  if (!timeCol) return null;
  const numCols = cols.filter((c) => c !== timeCol && rows.every((r) => r[c] == null || typeof r[c] === 'number') && rows.some((r) => typeof r[c] === 'number'));
  if (!numCols.length) return null;
  const times = new Set(rows.map((r) => asTime(r[timeCol])));
  if (times.size < 2) return null;
  const strCol = cols.find((c) => c !== timeCol && !numCols.includes(c));
  if (strCol && times.size < rows.length) {
    const metric = numCols[0];
    const totals = new Map();
    for (const r of rows) totals.set(r[strCol], (totals.get(r[strCol]) || 0) + (r[metric] || 0));
    const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map((e) => e[0]);
    return top.map((v) => ({
      name: `${metric} (${strCol}=${fmtValue(v)})`,
      points: rows.filter((r) => r[strCol] === v).map((r) => [asTime(r[timeCol]), r[metric]]).sort((a, b) => a[0] - b[0]),
    }));
  }
  return numCols.slice(0, 6).map((c) => ({
    name: c,
    points: rows.map((r) => [asTime(r[timeCol]), r[c]]).sort((a, b) => a[0] - b[0]),
  }));
}

export function queryView(app) {
  const st = {
    mode: null,        // 'sql' | 'native'; chosen once the SQL probe answered
    running: false,
    error: null,
    rows: null,
    cols: null,
    elapsed: null,
    queryId: null,
    runs: 0,           // queries answered (or failed) so far: tells one result from the next
  };
  const editors = {};
  function editor(mode) {
    if (!editors[mode]) {
      const ta = document.createElement('textarea');
      ta.className = 'editor';
      ta.id = mode === 'sql' ? 'sql-editor' : 'native-editor';
      ta.spellcheck = false;
      ta.value = mode === 'sql' ? sqlTemplate() : nativeTemplate();
      ta.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
      });
      editors[mode] = ta;
    }
    return editors[mode];
  }

  function mode() {
    if (st.mode) return st.mode;
    return app.caps.sql ? 'sql' : 'native';
  }

  async function run() {
    if (st.running) return;
    const m = mode();
    const text = editor(m).value;
    st.running = true;
    st.error = null;
    app.update();
    const t0 = performance.now();
    try {
      let rows;
      if (m === 'sql') {
        const res = await post('/druid/v2/sql', { query: text, resultFormat: 'object' }, { timeoutMs: 300000 });
        rows = Array.isArray(res) ? res : [];
      } else {
        let q;
        try {
          q = JSON.parse(text);
        } catch (e) {
          throw new Error(`The query is not valid JSON: ${e.message}`);
        }
        st.queryId = (q.context && q.context.queryId) || `console-${Date.now().toString(36)}`;
        q.context = { ...(q.context || {}), queryId: st.queryId };
        const res = await post('/druid/v2', q, { timeoutMs: 300000 });
        rows = nativeRows(q, res);
      }
      st.rows = rows;
      st.cols = columnsOf(rows);
      st.elapsed = performance.now() - t0;
    } catch (e) {
      st.error = e.message || String(e);
      st.rows = null;
    } finally {
      st.running = false;
      st.queryId = null;
      st.runs++;
      app.update();
    }
  }

  async function cancel() {
    if (st.queryId) await request('DELETE', `/druid/v2/${encodeURIComponent(st.queryId)}`).catch(() => {});
  }

  function results() {
    if (st.error) return h('div', { class: 'banner error', id: 'query-error', 'data-run': st.runs }, st.error);
    if (!st.rows) return h('p', { class: 'muted' }, 'Run a query to see its results (Ctrl+Enter).');
    const rows = st.rows;
    const series = chartSeries(rows, st.cols);
    return h('div', { id: 'query-results', 'data-run': st.runs },
      h('p', { class: 'muted', id: 'query-summary' }, `${rows.length} row${rows.length === 1 ? '' : 's'} in ${(st.elapsed / 1000).toFixed(2)} s`, rows.length > MAX_ROWS_SHOWN ? ` (first ${MAX_ROWS_SHOWN} shown)` : ''),
      series ? lineChart(series, { width: 900, height: 220, label: 'query results over time', legend: true }) : null,
      h('div', { class: 'table-scroll' },
        h('table', { class: 'grid compact', id: 'result-table' },
          h('thead', null, h('tr', null, st.cols.map((c) => h('th', { key: c }, c)))),
          h('tbody', null, rows.slice(0, MAX_ROWS_SHOWN).map((r, i) => h('tr', { key: i }, st.cols.map((c) => {
            const v = r[c];
            return h('td', { key: c, class: typeof v === 'number' ? 'num' : v == null ? 'null' : '' }, fmtValue(v));
          })))))));
  }

  return {
    interval: null,
    refresh: null,
    prefill(ds) {
      editor('sql').value = sqlTemplate(ds);
      editor('native').value = nativeTemplate(ds);
    },
    render() {
      const m = mode();
      return h('section', { key: 'query' },
        h('div', { class: 'toolbar' },
          h('h1', null, 'Query'),
          h('div', { class: 'seg-buttons' },
            h('button', { class: m === 'sql' ? 'on' : '', disabled: !app.caps.sql, title: app.caps.sql === false ? 'This server does not answer Druid SQL at /druid/v2/sql' : '', onclick: () => { st.mode = 'sql'; app.update(); }, id: 'mode-sql' }, 'SQL'),
            h('button', { class: m === 'native' ? 'on' : '', onclick: () => { st.mode = 'native'; app.update(); }, id: 'mode-native' }, 'Native JSON')),
          h('span', { class: 'spacer' }),
          st.running && st.queryId ? h('button', { class: 'secondary', onclick: cancel }, 'Cancel') : null,
          h('button', { class: 'primary', id: 'run-query', disabled: st.running, onclick: run }, st.running ? 'Running…' : 'Run')),
        keep(editor(m), `editor-${m}`),
        h('div', { key: 'results' }, results()));
    },
  };
}
