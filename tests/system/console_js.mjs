// console_js.mjs — the console's pure modules under Node, with exact
// expectations: where an error's JSON path points in a spec text
// (jsonpath.js), native results of each query type as rows and which
// results make a chart (views/query.js), and the formatting helpers.
//
//   node console_js.mjs <repo>

import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.argv[2];
const load = (rel) => import(pathToFileURL(path.join(root, 'web', 'js', rel)).href);
const jp = await load('jsonpath.js');
const q = await load('views/query.js');
const api = await load('api.js');

let n = 0;
function test(name, fn) {
  fn();
  n++;
  console.log(`ok   ${name}`);
}

const SPEC = `{
  "type": "kafka",
  "spec": {
    "ioConfig": {"taskCount": 0, "consumerProperties": {"fetch.max.wait.ms": "x"}},
    "dataSchema": {"metricsSpec": [{"type": "count"}, {"type": "longSum", "fieldName": "n"}]}
  }
}`;

test('error paths', () => {
  assert.equal(jp.errorPath('spec.ioConfig.taskCount: must be >= 1'), 'spec.ioConfig.taskCount');
  assert.equal(jp.errorPath("spec.ioConfig.consumerProperties['fetch.max.wait.ms']: bad value"),
    "spec.ioConfig.consumerProperties['fetch.max.wait.ms']");
  assert.equal(jp.errorPath('spec.dataSchema.metricsSpec[1].fieldName: required'), 'spec.dataSchema.metricsSpec[1].fieldName');
  assert.equal(jp.errorPath('Max parse exceptions: 3'), null); // a sentence, not a path
  assert.equal(jp.errorPath('[wiki] already exists'), null);
  assert.deepEqual(jp.parsePath("a.b[2]['x.y'].c"), ['a', 'b', 2, 'x.y', 'c']);
});

test('locate fields in the spec text', () => {
  const at = (p) => {
    const l = jp.locate(SPEC, p);
    return l && [jp.lineCol(SPEC, l.keyStart).line, SPEC.slice(l.keyStart, l.end), l.exact];
  };
  assert.deepEqual(at('spec.ioConfig.taskCount'), [4, '"taskCount": 0', true]);
  assert.deepEqual(at("spec.ioConfig.consumerProperties['fetch.max.wait.ms']"), [4, '"fetch.max.wait.ms": "x"', true]);
  assert.deepEqual(at('spec.dataSchema.metricsSpec[1].fieldName'), [5, '"fieldName": "n"', true]);
  // a missing field is shown at the object that lacks it
  assert.deepEqual(at('spec.ioConfig.topic').slice(0, 1), [4]);
  assert.equal(at('spec.ioConfig.topic')[2], false);
  // the legacy flattened form has no "spec" wrapper
  const flat = '{"type": "kafka",\n "ioConfig": {"taskCount": 0}}';
  const l = jp.locate(flat, 'spec.ioConfig.taskCount');
  assert.equal(flat.slice(l.keyStart, l.end), '"taskCount": 0');
  assert.equal(jp.locate('{not json', 'a.b'), null);
});

test('JSON syntax error positions', () => {
  const text = '{\n  "a": 1,\n  "b" 2\n}';
  let msg;
  try { JSON.parse(text); } catch (e) { msg = e.message; }
  const pos = jp.syntaxErrorPos(msg, text);
  assert.deepEqual(jp.lineCol(text, pos), { line: 3, col: 7 });
  assert.equal(jp.syntaxErrorPos('Unexpected end of JSON input', text), -1);
});

test('native results as rows', () => {
  assert.deepEqual(q.nativeRows({ queryType: 'timeseries' }, [
    { timestamp: '2024-01-01T00:00:00.000Z', result: { rows: 3, n: 7 } },
  ]), [{ timestamp: '2024-01-01T00:00:00.000Z', rows: 3, n: 7 }]);
  assert.deepEqual(q.nativeRows({ queryType: 'topN' }, [
    { timestamp: 't', result: [{ page: 'a', c: 2 }, { page: 'b', c: 1 }] },
  ]), [{ timestamp: 't', page: 'a', c: 2 }, { timestamp: 't', page: 'b', c: 1 }]);
  assert.deepEqual(q.nativeRows({ queryType: 'groupBy' }, [
    { version: 'v1', timestamp: 't', event: { page: 'a', c: 2 } },
  ]), [{ timestamp: 't', page: 'a', c: 2 }]);
  assert.deepEqual(q.nativeRows({ queryType: 'scan', resultFormat: 'compactedList' }, [
    { segmentId: 's', columns: ['__time', 'page'], events: [[1, 'a'], [2, 'b']] },
  ]), [{ __time: 1, page: 'a' }, { __time: 2, page: 'b' }]);
  assert.deepEqual(q.nativeRows({ queryType: 'scan' }, [
    { segmentId: 's', columns: ['page'], events: [{ page: 'a' }] },
  ]), [{ page: 'a' }]);
  assert.deepEqual(q.nativeRows({ queryType: 'timeBoundary' }, [
    { timestamp: 't', result: { minTime: 'a', maxTime: 'b' } },
  ]), [{ timestamp: 't', minTime: 'a', maxTime: 'b' }]);
  assert.deepEqual(q.nativeRows({ queryType: 'segmentMetadata' }, { x: 1 }), [{ result: { x: 1 } }]);
});

test('charts of time-bucketed results', () => {
  const ts = [
    { timestamp: '2024-01-01T00:00:00.000Z', rows: 3, avg: 1.5 },
    { timestamp: '2024-01-01T00:01:00.000Z', rows: 5, avg: null },
  ];
  assert.deepEqual(q.chartSeries(ts, ['timestamp', 'rows', 'avg']), [
    { name: 'rows', points: [[1704067200000, 3], [1704067260000, 5]] },
    { name: 'avg', points: [[1704067200000, 1.5], [1704067260000, null]] },
  ]);
  // a string column with repeated times: one line per value, largest first
  const gb = [
    { t: '2024-01-01 00:00:00', page: 'a', c: 1 },
    { t: '2024-01-01 00:00:00', page: 'b', c: 5 },
    { t: '2024-01-01 00:01:00', page: 'a', c: 2 },
  ];
  assert.deepEqual(q.chartSeries(gb, ['t', 'page', 'c']).map((s) => [s.name, s.points.length]),
    [['c (page=b)', 1], ['c (page=a)', 2]]);
  assert.equal(q.chartSeries([ts[0]], ['timestamp', 'rows']), null);          // one bucket
  assert.equal(q.chartSeries([{ page: 'a', c: 1 }, { page: 'b', c: 2 }], ['page', 'c']), null); // no time
  assert.equal(q.chartSeries([{ t: '2024-01-01T00:00:00Z', s: 'x' }, { t: '2024-01-02T00:00:00Z', s: 'y' }], ['t', 's']), null);
});

test('formatting', () => {
  assert.equal(api.fmtInt(1234567), '1,234,567');
  assert.equal(api.fmtBytes(2372), '2.32 KiB');
  assert.equal(api.fmtBytes(512), '512 B');
  assert.equal(api.fmtDuration(59000), '59s');
  assert.equal(api.fmtDuration(3723000), '1h 2m');
  assert.equal(api.fmtTime('2024-06-01T00:39:00.000Z'), '2024-06-01 00:39:00');
  assert.equal(api.errorMessage(400, { error: 'spec.x: bad' }), 'spec.x: bad');
  assert.equal(api.errorMessage(500, { error: 'druidException', errorMessage: 'boom' }), 'boom');
  assert.equal(api.errorMessage(502, ''), 'HTTP 502');
});

console.log(`${n} passed, 0 failed`);
