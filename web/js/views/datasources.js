// views/datasources.js — the Datasources view: each datasource with its
// published segments (count, size, time range, load status) and its rows
// (a count over all time, real-time rows included), and one datasource in
// detail: a picture of its segment timeline and the segment list, a page
// at a time.
//
// Calls: GET /druid/coordinator/v1/metadata/datasources,
// /druid/coordinator/v1/datasources?simple, /druid/coordinator/v1/loadstatus,
// GET /druid/v2/datasources (what the broker can query, real-time included),
// POST /druid/v2 (timeseries count and timeBoundary per datasource, at most
// MAX_COUNTED a poll), GET .../metadata/datasources/{ds}/segments?full.

import { h } from '../dom.js';
import { get, post, enc, fmtInt, fmtBytes, fmtTime, pretty } from '../api.js';
import { segmentTimeline } from '../chart.js';

const C = '/druid/coordinator/v1';
const MAX_COUNTED = 30;       // datasources whose rows are counted per poll
const COUNT_EVERY_MS = 4000;  // at most one count a poll per datasource: a query each
const SEG_PAGE = 50;
const TIMELINE_MAX = 2000;    // segments drawn; the newest ones

const ETERNITY = ['1000-01-01T00:00:00.000Z/3000-01-01T00:00:00.000Z'];

export function datasourcesView(app) {
  const st = {
    names: null,
    served: new Map(),   // name -> properties.segments {count,size,minTime,maxTime}
    load: {},            // name -> percent loaded
    rows: new Map(),     // name -> {rows, min, max, at}
    counting: new Set(), // names whose count is in flight
    selected: null,
    segments: null,
    segPage: 0,
    segAt: 0,
  };

  async function countRows(ds) {
    const prev = st.rows.get(ds);
    if (prev && Date.now() - prev.at < COUNT_EVERY_MS) return;
    const [ts, tb] = await Promise.all([
      post('/druid/v2', { queryType: 'timeseries', dataSource: ds, intervals: ETERNITY, granularity: 'all', aggregations: [{ type: 'count', name: 'rows' }], context: { timeout: 10000 } }).catch(() => null),
      post('/druid/v2', { queryType: 'timeBoundary', dataSource: ds }).catch(() => null),
    ]);
    const rows = Array.isArray(ts) && ts.length ? ts[0].result.rows : ts ? 0 : null;
    const b = Array.isArray(tb) && tb.length ? tb[0].result : {};
    st.rows.set(ds, { rows, min: b.minTime, max: b.maxTime, at: Date.now() });
  }

  async function refresh() {
    const [meta, simple, load, broker] = await Promise.all([
      get(`${C}/metadata/datasources`).catch(() => []),
      get(`${C}/datasources?simple`).catch(() => []),
      get(`${C}/loadstatus`).catch(() => ({})),
      get('/druid/v2/datasources').catch(() => []),
    ]);
    const names = new Set([...(meta || []), ...(broker || [])]);
    st.served = new Map();
    for (const d of simple || []) {
      names.add(d.name);
      st.served.set(d.name, (d.properties && d.properties.segments) || {});
    }
    st.names = [...names].sort();
    st.load = load || {};
    // Counting can take a while on a busy server: the list shows at once and
    // each count fills in when it answers, one in flight per datasource.
    const counted = st.names.slice(0, MAX_COUNTED);
    if (st.selected && !counted.includes(st.selected)) counted.push(st.selected);
    for (const ds of counted) {
      if (st.counting.has(ds)) continue;
      st.counting.add(ds);
      countRows(ds).finally(() => {
        st.counting.delete(ds);
        app.update();
      });
    }
    if (st.selected && (st.segments == null || Date.now() - st.segAt > 5000)) {
      const segs = await get(`${C}/metadata/datasources/${enc(st.selected)}/segments?full`).catch(() => []);
      st.segments = (Array.isArray(segs) ? segs : []).sort((a, b) => String(a.interval).localeCompare(String(b.interval)) || ((a.shardSpec || {}).partitionNum || 0) - ((b.shardSpec || {}).partitionNum || 0));
      st.segAt = Date.now();
    }
  }

  function renderList() {
    const names = st.names;
    return h('section', { key: 'list' },
      h('div', { class: 'toolbar' }, h('h1', null, 'Datasources')),
      names == null ? h('p', { class: 'muted' }, 'Loading…')
        : !names.length ? h('p', { class: 'empty' }, 'No datasources yet: they appear when a supervisor or a task ingests rows.')
          : h('table', { class: 'grid', id: 'datasource-table' },
            h('thead', null, h('tr', null, ['Datasource', 'Rows', 'Segments', 'Size', 'Time range', 'Loaded'].map((c) => h('th', { key: c }, c)))),
            h('tbody', null, names.map((n) => {
              const s = st.served.get(n) || {};
              const r = st.rows.get(n) || {};
              const min = r.min || s.minTime, max = r.max || s.maxTime;
              return h('tr', { key: n, class: 'clickable', 'data-id': n, onclick: () => app.navigate(['datasources', n]) },
                h('td', { class: 'mono' }, n),
                h('td', { class: 'num', 'data-rows': r.rows != null ? r.rows : '' }, r.rows != null ? fmtInt(r.rows) : '…'),
                h('td', { class: 'num' }, fmtInt(s.count || 0)),
                h('td', { class: 'num' }, fmtBytes(s.size || 0)),
                h('td', null, min ? `${fmtTime(min)} — ${fmtTime(max)}` : ''),
                h('td', null, st.load[n] != null ? `${st.load[n]}%` : s.count ? '' : 'real-time only'));
            }))));
  }

  function renderDetail() {
    const ds = st.selected;
    const s = st.served.get(ds) || {};
    const r = st.rows.get(ds) || {};
    const segs = st.segments || [];
    const pages = Math.max(1, Math.ceil(segs.length / SEG_PAGE));
    if (st.segPage >= pages) st.segPage = pages - 1;
    const shown = segs.slice(st.segPage * SEG_PAGE, (st.segPage + 1) * SEG_PAGE);
    const drawn = segs.length > TIMELINE_MAX ? segs.slice(segs.length - TIMELINE_MAX) : segs;
    return h('section', { key: 'detail-' + ds, class: 'detail' },
      h('div', { class: 'toolbar' },
        h('a', { href: '#/datasources' }, '‹ All datasources'),
        h('h1', { class: 'mono' }, ds),
        h('span', { class: 'spacer' }),
        h('a', { class: 'button', href: '#/query', onclick: () => app.view('query').prefill(ds) }, 'Query')),
      h('div', { class: 'cards' },
        card('Rows', h('span', { id: 'ds-rows' }, r.rows != null ? fmtInt(r.rows) : '…')),
        card('Segments', fmtInt(segs.length || s.count || 0)),
        card('Size', fmtBytes(s.size || segs.reduce((a, x) => a + (x.size || 0), 0))),
        card('From', fmtTime(r.min || s.minTime) || '—'),
        card('To', fmtTime(r.max || s.maxTime) || '—'),
        card('Loaded', st.load[ds] != null ? `${st.load[ds]}%` : '—')),
      h('h2', null, 'Segment timeline ', h('span', { class: 'muted small' }, segs.length > TIMELINE_MAX ? `(newest ${TIMELINE_MAX} of ${segs.length})` : '(one lane per partition, one colour per version)')),
      h('div', { class: 'timeline-box' }, segmentTimeline(drawn, { width: 960 })),
      h('h2', null, 'Segments'),
      !segs.length ? h('p', { class: 'muted' }, 'No published segments yet (rows still in real-time tasks are queryable all the same).')
        : h('table', { class: 'grid compact', id: 'segment-table' },
          h('thead', null, h('tr', null, ['Segment', 'Interval', 'Version', 'Partition', 'Size', 'Dimensions', 'Metrics'].map((c) => h('th', { key: c }, c)))),
          h('tbody', null, shown.map((x) => h('tr', { key: x.identifier || `${x.interval}${x.version}${(x.shardSpec || {}).partitionNum}` },
            h('td', { class: 'mono small' }, h('details', null, h('summary', null, x.identifier || ''), h('pre', null, pretty(x)))),
            h('td', null, x.interval),
            h('td', { class: 'mono small' }, x.version),
            h('td', { class: 'num' }, (x.shardSpec || {}).partitionNum != null ? x.shardSpec.partitionNum : ''),
            h('td', { class: 'num' }, fmtBytes(x.size)),
            h('td', { class: 'small' }, Array.isArray(x.dimensions) ? x.dimensions.join(', ') : x.dimensions || ''),
            h('td', { class: 'small' }, Array.isArray(x.metrics) ? x.metrics.join(', ') : x.metrics || ''))))),
      pages > 1 ? h('div', { class: 'pager' },
        h('button', { class: 'small', disabled: st.segPage === 0, onclick: () => { st.segPage--; app.update(); } }, '‹ Prev'),
        ` page ${st.segPage + 1} of ${pages} `,
        h('button', { class: 'small', disabled: st.segPage >= pages - 1, onclick: () => { st.segPage++; app.update(); } }, 'Next ›')) : null);
  }

  function card(title, value) {
    return h('div', { key: title, class: 'card' }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value));
  }

  return {
    interval: () => 5000,
    route(parts) {
      const sel = parts[0] || null;
      if (sel !== st.selected) { st.segments = null; st.segPage = 0; }
      st.selected = sel;
    },
    refresh,
    render: () => (st.selected ? renderDetail() : renderList()),
  };
}
