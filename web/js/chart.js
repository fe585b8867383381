// chart.js — pictures drawn as SVG vnodes (dom.js): a line chart over time
// (supervisor lag, time-bucketed query results), a sparkline, and the
// segment timeline of a datasource. Pure functions of their data, so a
// refresh patches the existing <svg> instead of redrawing it.

import { h } from './dom.js';

const COLORS = ['#2f7ed8', '#e4572e', '#29a36a', '#a05195', '#f0a202', '#5c6bc0', '#8d6e63', '#00897b'];

export function color(i) {
  return COLORS[i % COLORS.length];
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function shortNum(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

function timeLabel(t, span) {
  const d = new Date(t);
  const iso = d.toISOString();
  if (span <= 2 * 86400000) return iso.slice(11, 19);
  return iso.slice(0, 10);
}

// series: [{name, points: [[timeMs, value], ...]}]. Returns an <svg>.
export function lineChart(series, opts = {}) {
  const W = opts.width || 640;
  const H = opts.height || 200;
  const L = 56, R = 12, T = 10, B = 26;
  let t0 = Infinity, t1 = -Infinity, vmax = 0, vmin = 0;
  for (const s of series) {
    for (const [t, v] of s.points) {
      if (v == null || Number.isNaN(v)) continue;
      if (t < t0) t0 = t;
      if (t > t1) t1 = t;
      if (v > vmax) vmax = v;
      if (v < vmin) vmin = v;
    }
  }
  const kids = [];
  if (t0 === Infinity) {
    kids.push(h('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'chart-empty' }, opts.empty || 'no data yet'));
    return h('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' }, kids);
  }
  if (t1 === t0) { t0 -= 1000; t1 += 1000; }
  const top = niceMax(vmax);
  const bottom = vmin < 0 ? -niceMax(-vmin) : 0;
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - (v - bottom) / (top - bottom)) * (H - T - B);
  for (let i = 0; i <= 4; i++) {
    const v = bottom + ((top - bottom) * i) / 4;
    kids.push(h('line', { key: `g${i}`, x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'chart-grid' }));
    kids.push(h('text', { key: `gl${i}`, x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'chart-label' }, shortNum(v)));
  }
  for (let i = 0; i <= 3; i++) {
    const t = t0 + ((t1 - t0) * i) / 3;
    kids.push(h('text', { key: `tl${i}`, x: x(t), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === 3 ? 'end' : 'middle', class: 'chart-label' }, timeLabel(t, t1 - t0)));
  }
  series.forEach((s, i) => {
    const pts = s.points.filter(([, v]) => v != null && !Number.isNaN(v)).map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    if (!pts.length) return;
    kids.push(h('polyline', { key: `s${i}`, points: pts.join(' '), fill: 'none', stroke: color(i), 'stroke-width': 2, class: 'chart-line' }));
    if (pts.length === 1) {
      const [px, py] = pts[0].split(',');
      kids.push(h('circle', { key: `p${i}`, cx: px, cy: py, r: 3, fill: color(i) }));
    }
  });
  const legend = series.length > 1 || opts.legend
    ? h('div', { class: 'chart-legend' }, series.map((s, i) => h('span', { key: s.name }, h('i', { style: `background:${color(i)}` }), s.name)))
    : null;
  return h('div', { class: 'chart-box' },
    h('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': opts.label || 'chart' }, kids),
    legend);
}

// A small line without axes: the last values of one series.
export function sparkline(values, opts = {}) {
  const W = opts.width || 120, H = opts.height || 24;
  if (!values.length) return h('svg', { class: 'spark', width: W, height: H });
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? W / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(H - 2 - (v / max) * (H - 4)).toFixed(1)}`);
  return h('svg', { class: 'spark', width: W, height: H, viewBox: `0 0 ${W} ${H}` },
    h('polyline', { points: pts.join(' '), fill: 'none', stroke: '#2f7ed8', 'stroke-width': 1.5 }));
}

// Segments ({interval: "a/b", version, shardSpec: {partitionNum}}) as
// rectangles on a time axis: one lane per partition number, one colour per
// version, so overshadowing and gaps are visible at a glance.
export function segmentTimeline(segments, opts = {}) {
  const W = opts.width || 900;
  const lane = 14;
  const L = 8, R = 8, T = 8, B = 24;
  if (!segments.length) {
    return h('svg', { class: 'timeline', width: W, height: 40, viewBox: `0 0 ${W} 40` },
      h('text', { x: W / 2, y: 24, 'text-anchor': 'middle', class: 'chart-empty' }, 'no segments'));
  }
  let t0 = Infinity, t1 = -Infinity, lanes = 1;
  const parsed = segments.map((s) => {
    const [a, b] = String(s.interval).split('/');
    const start = Date.parse(a), end = Date.parse(b);
    const part = (s.shardSpec && s.shardSpec.partitionNum) || 0;
    if (start < t0) t0 = start;
    if (end > t1) t1 = end;
    if (part + 1 > lanes) lanes = part + 1;
    return { s, start, end, part };
  });
  lanes = Math.min(lanes, 16);
  const versions = [...new Set(segments.map((s) => s.version))].sort();
  const H = T + lanes * lane + B;
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const kids = parsed.filter((p) => p.part < lanes).map((p) =>
    h('rect', {
      key: p.s.identifier || `${p.s.interval}_${p.s.version}_${p.part}`,
      x: x(p.start).toFixed(1), y: T + p.part * lane, width: Math.max(1, x(p.end) - x(p.start) - 1).toFixed(1), height: lane - 2,
      fill: color(versions.indexOf(p.s.version)), class: 'seg',
    }, h('title', null, `${p.s.identifier || p.s.interval}\nversion ${p.s.version}\n${p.s.size != null ? p.s.size + ' bytes' : ''}`)));
  kids.push(h('text', { key: 'l0', x: L, y: H - 6, class: 'chart-label' }, new Date(t0).toISOString().replace('.000Z', 'Z')));
  kids.push(h('text', { key: 'l1', x: W - R, y: H - 6, 'text-anchor': 'end', class: 'chart-label' }, new Date(t1).toISOString().replace('.000Z', 'Z')));
  return h('svg', { class: 'timeline', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'segment timeline' }, kids);
}
