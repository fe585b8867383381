// views/tasks.js — the Tasks view: the newest tasks (a bounded page that
// grows on demand) with state, datasource, duration and location, and one
// task in detail: its row statistics and parse exceptions from the
// ingestion report (live while it runs), the tail of its log, its payload,
// and a shutdown action.
//
// Calls: GET /druid/indexer/v1/tasks?max=N[&state=..][&datasource=..],
// GET .../task/{id}/status, /reports, /log?offset=-N, /task/{id};
// POST .../task/{id}/shutdown.

import { h } from '../dom.js';
import { get, post, enc, fmtInt, fmtTime, fmtDuration, pretty } from '../api.js';

const T = '/druid/indexer/v1';
const LOG_TAIL = 32768; // bytes of a task log shown

export function tasksView(app) {
  const st = {
    tasks: null,
    max: 100,
    state: '',
    datasource: '',
    selected: null,
    detail: null,      // {status, report, log, payload}
    showPayload: false,
  };

  async function refresh() {
    const q = [`max=${st.max}`];
    if (st.state) q.push(`state=${enc(st.state)}`);
    if (st.datasource.trim()) q.push(`datasource=${enc(st.datasource.trim())}`);
    const tasks = await get(`${T}/tasks?${q.join('&')}`);
    st.tasks = Array.isArray(tasks) ? tasks : [];
    if (st.selected) await refreshDetail(st.selected);
  }

  async function refreshDetail(id) {
    const d = st.detail && st.detail.id === id ? st.detail : { id };
    const [status, report, log] = await Promise.all([
      get(`${T}/task/${enc(id)}/status`).catch((e) => ({ error: e.message })),
      get(`${T}/task/${enc(id)}/reports`).catch((e) => ({ error: e.message })),
      get(`${T}/task/${enc(id)}/log?offset=-${LOG_TAIL}`, { text: true }).catch((e) => `(${e.message})`),
    ]);
    d.status = status;
    d.report = report;
    d.log = log;
    if (st.showPayload && !d.payload) d.payload = await get(`${T}/task/${enc(id)}`).catch((e) => ({ error: e.message }));
    if (st.selected === id) st.detail = d;
  }

  function statusOf(t) {
    const code = t.statusCode || (t.status && t.status.status) || t.status || '';
    if (code === 'RUNNING' && t.runnerStatusCode && t.runnerStatusCode !== 'RUNNING') return t.runnerStatusCode;
    return typeof code === 'string' ? code : '';
  }

  function badge(code) {
    const cls = code === 'SUCCESS' ? 'good' : code === 'FAILED' ? 'bad' : code === 'RUNNING' ? 'info' : 'muted';
    return h('span', { class: `badge ${cls}`, 'data-state': code }, code);
  }

  function duration(t) {
    if (t.duration != null && t.duration >= 0 && statusOf(t) !== 'RUNNING') return fmtDuration(t.duration);
    const c = Date.parse(t.createdTime);
    return Number.isNaN(c) ? '' : fmtDuration(Date.now() - c);
  }

  function renderList() {
    const tasks = st.tasks;
    return h('section', { key: 'list' },
      h('div', { class: 'toolbar' },
        h('h1', null, 'Tasks'),
        h('select', { value: st.state, onchange: (e) => { st.state = e.target.value; app.refreshNow(); } },
          ['', 'running', 'pending', 'waiting', 'complete'].map((s) => h('option', { key: s, value: s }, s || 'all states'))),
        h('input', { type: 'search', placeholder: 'Datasource', value: st.datasource, onchange: (e) => { st.datasource = e.target.value; app.refreshNow(); } }),
        h('span', { class: 'spacer' }),
        tasks ? h('span', { class: 'muted' }, `${tasks.length} shown`) : null),
      tasks == null ? h('p', { class: 'muted' }, 'Loading…')
        : !tasks.length ? h('p', { class: 'empty' }, 'No tasks.')
          : h('table', { class: 'grid', id: 'task-table' },
            h('thead', null, h('tr', null, ['Task', 'Type', 'Datasource', 'Status', 'Created', 'Duration', 'Location'].map((c) => h('th', { key: c }, c)))),
            h('tbody', null, tasks.map((t) => h('tr', { key: t.id, class: 'clickable', 'data-id': t.id, onclick: () => app.navigate(['tasks', t.id]) },
              h('td', { class: 'mono' }, t.id),
              h('td', null, t.type || ''),
              h('td', null, t.dataSource || ''),
              h('td', null, badge(statusOf(t)), t.errorMsg ? h('div', { class: 'err small' }, t.errorMsg) : null),
              h('td', null, fmtTime(t.createdTime)),
              h('td', null, duration(t)),
              h('td', { class: 'mono small' }, t.location && t.location.host ? `${t.location.host}:${t.location.port}` : ''))))),
      tasks && tasks.length >= st.max
        ? h('div', { class: 'pager' }, h('button', { class: 'small', onclick: () => { st.max = Math.min(st.max * 2, 5000); app.refreshNow(); } }, `Show more (up to ${Math.min(st.max * 2, 5000)})`))
        : null);
  }

  // Row stats: a completion report has rowStats.{phase}; a live one
  // rowStats.totals.{phase} plus movingAverages.
  function rowStats(payload) {
    const rs = (payload && payload.rowStats) || {};
    const totals = rs.totals || rs;
    const phases = Object.keys(totals).filter((k) => totals[k] && typeof totals[k] === 'object');
    if (!phases.length) return h('p', { class: 'muted' }, 'No row statistics yet.');
    const cols = ['processed', 'processedBytes', 'processedWithError', 'thrownAway', 'unparseable'];
    return h('table', { class: 'grid compact', id: 'row-stats' },
      h('thead', null, h('tr', null, h('th', null, 'Phase'), cols.map((c) => h('th', { key: c }, c)))),
      h('tbody', null, phases.map((p) => h('tr', { key: p }, h('td', null, p), cols.map((c) => h('td', { key: c, class: 'num', 'data-stat': c }, fmtInt(totals[p][c])))))));
  }

  function parseExceptions(payload) {
    const ue = (payload && payload.unparseableEvents) || {};
    const list = [];
    for (const [phase, events] of Object.entries(ue)) {
      if (Array.isArray(events)) events.forEach((e) => list.push({ phase, e }));
    }
    if (!list.length) return h('p', { class: 'muted' }, 'None.');
    return h('table', { class: 'grid compact' },
      h('thead', null, h('tr', null, ['Phase', 'Time', 'Error', 'Input'].map((c) => h('th', { key: c }, c)))),
      h('tbody', null, list.slice(0, 200).map(({ phase, e }, i) => h('tr', { key: i },
        h('td', null, phase),
        h('td', null, e.timeOfExceptionMillis ? fmtTime(new Date(e.timeOfExceptionMillis).toISOString()) : ''),
        h('td', { class: 'err' }, (e.details || []).join('; ') || e.errorType || ''),
        h('td', { class: 'mono small' }, typeof e.input === 'string' ? e.input : JSON.stringify(e.input))))));
  }

  function renderDetail() {
    const id = st.selected;
    const d = st.detail && st.detail.id === id ? st.detail : null;
    const status = d && d.status && d.status.status ? d.status.status : null;
    const code = status ? status.statusCode || status.status : '';
    const report = d && d.report && !d.report.error ? d.report : null;
    const ise = report && report.ingestionStatsAndErrors ? report.ingestionStatsAndErrors.payload : null;
    return h('section', { key: 'detail-' + id, class: 'detail' },
      h('div', { class: 'toolbar' },
        h('a', { href: '#/tasks' }, '‹ All tasks'),
        h('h1', { class: 'mono' }, id),
        code ? badge(code) : null,
        h('span', { class: 'spacer' }),
        code === 'RUNNING' || code === 'PENDING' || code === 'WAITING'
          ? h('button', { class: 'small danger', onclick: () => app.confirm({
            title: 'Shut down task', text: `Shut down ${id}? It stops and fails with "Shutdown request from user"; a supervisor replaces its reading tasks.`, ok: 'Shut down', danger: true,
            action: async () => { await post(`${T}/task/${enc(id)}/shutdown`); return `Shutdown sent to ${id}`; },
          }) }, 'Shut down')
          : null),
      !d ? h('p', { class: 'muted' }, 'Loading…') : [
        h('div', { class: 'cards' },
          card('Type', status ? status.type : ''),
          card('Datasource', status && status.dataSource ? h('a', { href: `#/datasources/${enc(status.dataSource)}` }, status.dataSource) : ''),
          card('Created', status ? fmtTime(status.createdTime) : ''),
          card('Duration', status && status.duration >= 0 ? fmtDuration(status.duration) : status ? fmtDuration(Date.now() - Date.parse(status.createdTime)) : ''),
          card('Ingestion state', ise ? ise.ingestionState || '' : '')),
        status && status.errorMsg ? h('div', { class: 'banner error' }, status.errorMsg) : null,
        h('h2', null, 'Row statistics'),
        ise ? rowStats(ise) : h('p', { class: 'muted' }, d.report && d.report.error ? `No report: ${d.report.error}` : 'No report yet.'),
        h('h2', null, 'Parse exceptions'),
        ise ? parseExceptions(ise) : h('p', { class: 'muted' }, '—'),
        h('h2', null, 'Log ', h('span', { class: 'muted small' }, `(last ${LOG_TAIL / 1024} KiB)`)),
        h('pre', { class: 'log', id: 'task-log' }, d.log || ''),
        h('details', { class: 'raw', open: st.showPayload, ontoggle: (e) => { if (e.target.open && !st.showPayload) { st.showPayload = true; app.refreshNow(); } } },
          h('summary', null, 'Payload'), h('pre', null, d.payload ? pretty(d.payload) : 'Loading…')),
        report ? h('details', { class: 'raw' }, h('summary', null, 'Report'), h('pre', null, pretty(report))) : null,
      ]);
  }

  function card(title, value) {
    return h('div', { key: title, class: 'card' }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value));
  }

  return {
    interval: () => (st.selected ? 2000 : 3000),
    route(parts) {
      const sel = parts[0] || null;
      if (sel !== st.selected) { st.detail = null; st.showPayload = false; }
      st.selected = sel;
    },
    refresh,
    render: () => (st.selected ? renderDetail() : renderList()),
  };
}
