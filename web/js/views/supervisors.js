// views/supervisors.js — the Supervisors view: every supervisor with its
// state, health and aggregate lag (a sparkline of recent polls), and one
// supervisor in detail (partitions, offsets, lag over time, tasks, recent
// errors) with Druid's actions: suspend, resume, hand off early, reset,
// terminate — each behind a confirmation.
//
// Calls: GET /druid/indexer/v1/supervisor?state=true, GET .../{id}/status
// (for at most MAX_STATUS supervisors a poll), POST .../{id}/suspend,
// /resume, /reset, /terminate, /taskGroups/handoff.

import { h } from '../dom.js';
import { get, post, enc, fmtInt, fmtTime, pretty } from '../api.js';
import { lineChart, sparkline } from '../chart.js';

const BASE = '/druid/indexer/v1/supervisor';
const MAX_STATUS = 25;     // status calls per poll
const HISTORY = 150;       // lag samples kept per supervisor (5 min at 2 s)
const PAGE = 25;          // supervisors a page: each one's status is polled

export function supervisorsView(app) {
  const st = {
    list: null,           // [{id, state, detailedState, healthy, suspended, ...}]
    status: new Map(),    // id -> payload
    lag: new Map(),       // id -> [[timeMs, aggregateLag]]
    selected: null,
    spec: null,
    page: 0,
    filter: '',
  };

  function recordLag(id, payload) {
    const v = payload.aggregateLag != null ? payload.aggregateLag : payload.aggregateLagMillis;
    if (v == null) return;
    const h2 = st.lag.get(id) || [];
    h2.push([Date.now(), v]);
    while (h2.length > HISTORY) h2.shift();
    st.lag.set(id, h2);
  }

  async function refresh() {
    const list = await get(`${BASE}?state=true`);
    st.list = Array.isArray(list) ? list.sort((a, b) => String(a.id).localeCompare(String(b.id))) : [];
    const ids = new Set(st.list.map((s) => s.id));
    for (const k of [...st.status.keys()]) if (!ids.has(k)) { st.status.delete(k); st.lag.delete(k); }
    // the statuses of the page on screen, bounded
    const wanted = visible().slice(st.page * PAGE, (st.page + 1) * PAGE).slice(0, MAX_STATUS).map((s) => s.id);
    if (st.selected && ids.has(st.selected) && !wanted.includes(st.selected)) wanted.push(st.selected);
    await Promise.all(wanted.map(async (id) => {
      try {
        const r = await get(`${BASE}/${enc(id)}/status`);
        if (r && r.payload) {
          st.status.set(id, r.payload);
          recordLag(id, r.payload);
        }
      } catch (e) {
        st.status.set(id, { error: e.message });
      }
    }));
    if (st.selected && ids.has(st.selected) && !st.spec) {
      try { st.spec = await get(`${BASE}/${enc(st.selected)}`); } catch (e) { st.spec = null; }
    }
  }

  function visible() {
    const f = st.filter.trim().toLowerCase();
    const l = st.list || [];
    return f ? l.filter((s) => String(s.id).toLowerCase().includes(f)) : l;
  }

  function action(id, verb) {
    const texts = {
      suspend: ['Suspend supervisor', `Suspend "${id}"? Its tasks publish what they read and stop; nothing is read until it is resumed.`, 'Suspend', false],
      resume: ['Resume supervisor', `Resume "${id}"? It starts reading tasks again from the stored offsets.`, 'Resume', false],
      handoff: ['Hand off early', `Ask every reading task group of "${id}" to publish what it has read now instead of at the end of taskDuration?`, 'Hand off', false],
      reset: ['Reset supervisor', `Reset "${id}"? The stored offsets are cleared and reading tasks stopped: with useEarliestOffset the stream is read again from its start (rows may be duplicated), otherwise from its end (rows may be skipped).`, 'Reset', true],
      terminate: ['Terminate supervisor', `Terminate "${id}"? Its tasks publish and stop, and the supervisor is removed (its spec stays in the history).`, 'Terminate', true],
    };
    const [title, text, ok, danger] = texts[verb];
    app.confirm({
      title, text, ok, danger,
      action: async () => {
        if (verb === 'handoff') {
          // Groups are numbered 0..taskCount-1 (the autoscaler may go up to
          // taskCountMax); the supervisor skips groups that are not reading.
          const spec = await get(`${BASE}/${enc(id)}`);
          const io = (spec && spec.spec && spec.spec.ioConfig) || (spec && spec.ioConfig) || {};
          const auto = io.autoScalerConfig && io.autoScalerConfig.enableTaskAutoScaler ? io.autoScalerConfig.taskCountMax || 0 : 0;
          const n = Math.max(1, io.taskCount || 1, auto);
          await post(`${BASE}/${enc(id)}/taskGroups/handoff`, { taskGroupIds: [...Array(n).keys()] });
          return `Hand-off requested for ${id}`;
        }
        await post(`${BASE}/${enc(id)}/${verb}`);
        if (verb === 'terminate' && st.selected === id) app.navigate(['supervisors']);
        st.spec = null;
        return `${title.split(' ')[0]} sent to ${id}`;
      },
    });
  }

  function stateBadge(s) {
    const state = s.detailedState || s.state || '';
    const cls = /UNHEALTHY|LOST|FAILED/.test(state) ? 'bad' : /RUNNING/.test(state) ? 'good' : /SUSPENDED|IDLE|STOPPING/.test(state) ? 'muted' : 'warn';
    return h('span', { class: `badge ${cls}`, 'data-state': state }, state);
  }

  function actions(s) {
    const id = s.id;
    const suspended = s.suspended || (st.status.get(id) || {}).suspended;
    return h('span', { class: 'actions' },
      suspended
        ? h('button', { class: 'small', onclick: (e) => { e.stopPropagation(); action(id, 'resume'); } }, 'Resume')
        : h('button', { class: 'small', onclick: (e) => { e.stopPropagation(); action(id, 'suspend'); } }, 'Suspend'),
      h('button', { class: 'small', disabled: suspended, onclick: (e) => { e.stopPropagation(); action(id, 'handoff'); } }, 'Hand off'),
      h('button', { class: 'small', onclick: (e) => { e.stopPropagation(); action(id, 'reset'); } }, 'Reset'),
      h('button', { class: 'small danger', onclick: (e) => { e.stopPropagation(); action(id, 'terminate'); } }, 'Terminate'));
  }

  function lagCell(id) {
    const p = st.status.get(id);
    if (!p) return '…';
    if (p.error) return h('span', { class: 'err', title: p.error }, 'status unavailable');
    if (p.aggregateLag != null) return fmtInt(p.aggregateLag);
    if (p.aggregateLagMillis != null) return `${fmtInt(p.aggregateLagMillis)} ms`;
    return '';
  }

  function renderList() {
    const rows = visible();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    if (st.page >= pages) st.page = pages - 1;
    const shown = rows.slice(st.page * PAGE, (st.page + 1) * PAGE);
    return h('section', { key: 'list' },
      h('div', { class: 'toolbar' },
        h('h1', null, 'Supervisors'),
        h('input', { type: 'search', placeholder: 'Filter by id', value: st.filter, oninput: (e) => { st.filter = e.target.value; st.page = 0; app.update(); } }),
        h('span', { class: 'spacer' }),
        h('a', { class: 'button', href: '#/load' }, 'Submit a supervisor')),
      st.list == null ? h('p', { class: 'muted' }, 'Loading…')
        : !st.list.length ? h('p', { class: 'empty' }, 'No supervisors. Use ', h('a', { href: '#/load' }, 'Load data'), ' to submit one.')
          : h('table', { class: 'grid', id: 'supervisor-table' },
            h('thead', null, h('tr', null, ['Supervisor', 'Type', 'Stream', 'State', 'Health', 'Aggregate lag', 'Lag (recent)', 'Actions'].map((c) => h('th', { key: c }, c)))),
            h('tbody', null, shown.map((s) => {
              const p = st.status.get(s.id) || {};
              return h('tr', { key: s.id, class: st.selected === s.id ? 'selected clickable' : 'clickable', 'data-id': s.id, onclick: () => app.navigate(['supervisors', s.id]) },
                h('td', { class: 'mono' }, s.id),
                h('td', null, s.type || (s.spec && s.spec.type) || 'kafka'),
                h('td', null, p.stream || s.source || ''),
                h('td', null, stateBadge(s)),
                h('td', null, s.healthy === false || p.healthy === false ? h('span', { class: 'badge bad' }, 'unhealthy') : h('span', { class: 'badge good' }, 'healthy')),
                h('td', { class: 'num lag', 'data-lag': p.aggregateLag != null ? p.aggregateLag : '', 'data-updated': p.offsetsLastUpdated || '', title: p.offsetsLastUpdated ? `offsets updated ${fmtTime(p.offsetsLastUpdated)}` : 'offsets not fetched yet' }, lagCell(s.id)),
                h('td', null, sparkline((st.lag.get(s.id) || []).map((x) => x[1]))),
                h('td', null, actions(s)));
            }))),
      pages > 1 ? pager(pages) : null);
  }

  function pager(pages) {
    return h('div', { class: 'pager' },
      h('button', { class: 'small', disabled: st.page === 0, onclick: () => { st.page--; app.update(); } }, '‹ Prev'),
      ` page ${st.page + 1} of ${pages} `,
      h('button', { class: 'small', disabled: st.page >= pages - 1, onclick: () => { st.page++; app.update(); } }, 'Next ›'));
  }

  function offsetsTable(p) {
    const parts = new Set([...Object.keys(p.latestOffsets || {}), ...Object.keys(p.minimumLag || {}), ...Object.keys(p.minimumLagMillis || {})]);
    const current = {};
    for (const t of [...(p.publishingTasks || []), ...(p.activeTasks || [])]) {
      for (const [k, v] of Object.entries(t.currentOffsets || {})) { current[k] = v; parts.add(k); }
    }
    const sorted = [...parts].sort((a, b) => (Number(a) - Number(b)) || a.localeCompare(b));
    if (!sorted.length) return h('p', { class: 'muted' }, 'No offsets yet (the first offset refresh comes after startDelay).');
    return h('table', { class: 'grid compact' },
      h('thead', null, h('tr', null, ['Partition', 'Current offset', 'Latest offset', 'Lag'].map((c) => h('th', { key: c }, c)))),
      h('tbody', null, sorted.slice(0, 500).map((k) => h('tr', { key: k },
        h('td', null, k),
        h('td', { class: 'num' }, fmtInt(current[k])),
        h('td', { class: 'num' }, fmtInt((p.latestOffsets || {})[k])),
        h('td', { class: 'num' }, (p.minimumLag || {})[k] != null ? fmtInt(p.minimumLag[k]) : (p.minimumLagMillis || {})[k] != null ? `${fmtInt(p.minimumLagMillis[k])} ms` : '')))));
  }

  function tasksTable(p) {
    const tasks = [...(p.activeTasks || []), ...(p.publishingTasks || [])];
    if (!tasks.length) return h('p', { class: 'muted' }, 'No reading or publishing tasks.');
    return h('table', { class: 'grid compact' },
      h('thead', null, h('tr', null, ['Task', 'Type', 'Started', 'Remaining', 'Offsets'].map((c) => h('th', { key: c }, c)))),
      h('tbody', null, tasks.map((t) => h('tr', { key: t.id },
        h('td', { class: 'mono' }, h('a', { href: `#/tasks/${enc(t.id)}` }, t.id)),
        h('td', null, t.type),
        h('td', null, fmtTime(t.startTime)),
        h('td', null, t.remainingSeconds != null ? `${t.remainingSeconds}s` : ''),
        h('td', { class: 'mono small' }, JSON.stringify(t.currentOffsets || t.startingOffsets || {}))))));
  }

  function renderDetail() {
    const id = st.selected;
    const s = (st.list || []).find((x) => x.id === id);
    if (st.list && !s) return h('section', { key: 'detail-' + id }, h('p', { class: 'empty' }, `Supervisor ${id} does not exist (any more).`), h('a', { href: '#/supervisors' }, '‹ All supervisors'));
    if (!s) return h('p', { class: 'muted' }, 'Loading…');
    const p = st.status.get(id) || {};
    const lag = st.lag.get(id) || [];
    return h('section', { key: 'detail-' + id, class: 'detail' },
      h('div', { class: 'toolbar' },
        h('a', { href: '#/supervisors' }, '‹ All supervisors'),
        h('h1', { class: 'mono' }, id), stateBadge(s), h('span', { class: 'spacer' }), actions(s)),
      h('div', { class: 'cards' },
        card('Datasource', p.dataSource ? h('a', { href: `#/datasources/${enc(p.dataSource)}` }, p.dataSource) : ''),
        card('Stream', p.stream || ''),
        card('Partitions', fmtInt(p.partitions)),
        card('Replicas', fmtInt(p.replicas)),
        card('Aggregate lag', h('span', { id: 'aggregate-lag' }, lagCell(id))),
        card('Offsets updated', fmtTime(p.offsetsLastUpdated) || '—')),
      h('h2', null, 'Lag over time'),
      lineChart([{ name: p.aggregateLag != null || p.aggregateLagMillis == null ? 'aggregate lag (records)' : 'aggregate lag (ms)', points: lag }], { width: 760, height: 180, label: 'lag over time', empty: 'collecting lag samples…' }),
      h('div', { class: 'two' },
        h('div', null, h('h2', null, 'Partitions'), offsetsTable(p)),
        h('div', null, h('h2', null, 'Tasks'), tasksTable(p))),
      h('h2', null, 'Recent errors'),
      (p.recentErrors || []).length
        ? h('ul', { class: 'errors' }, p.recentErrors.map((e, i) => h('li', { key: i }, h('span', { class: 'muted' }, fmtTime(e.timestamp)), ' ', h('b', null, e.exceptionClass), ': ', e.message)))
        : h('p', { class: 'muted' }, 'None.'),
      h('details', { class: 'raw' }, h('summary', null, 'Status payload'), h('pre', null, pretty(p))),
      st.spec ? h('details', { class: 'raw' }, h('summary', null, 'Spec'), h('pre', null, pretty(st.spec))) : null);
  }

  function card(title, value) {
    return h('div', { key: title, class: 'card' }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value));
  }

  return {
    interval: () => 2000,
    route(parts) {
      const sel = parts[0] || null;
      if (sel !== st.selected) st.spec = null;
      st.selected = sel;
    },
    refresh,
    render: () => (st.selected ? renderDetail() : renderList()),
  };
}
