// bench_duckdb.mjs — the peer side of bench_query: the same queries on the
// same rows in DuckDB (the engine shipped by npm's @duckdb/node-api), run by
// bench_query itself so that both sides share one run on one machine.
//
//   node bench_duckdb.mjs REPEAT NAME=FILE.csv ...
//
// Each CSV (columns t,country,device,url,bytes,latency; t in epoch ms) is
// loaded into an in-memory table NAME with two threads; the queries then run
// with one thread (SET threads = 1), so their CPU time is one core's, as
// varve's engine is single threaded. Every query runs once to warm up and
// REPEAT times; the medians of the process's CPU time (process.cpuUsage, every
// thread) and of the wall time are printed with the answer, which bench_query
// checks against the answer it computed while generating the rows:
//
//   VERSION <duckdb version>
//   RESULT <table> <query> <cpu ms> <wall ms> <answer JSON>
import { DuckDBInstance } from '@duckdb/node-api';

const repeat = Number(process.argv[2]);
const tables = process.argv.slice(3).map((a) => a.split('='));
if (!(repeat >= 1) || tables.length === 0 || tables.some((t) => t.length !== 2)) {
  console.error('usage: node bench_duckdb.mjs REPEAT NAME=FILE.csv ...');
  process.exit(2);
}

const num = (v) => (typeof v === 'bigint' ? Number(v) : v);

// Each query: SQL over table T, and how its rows become the answer.
const QUERIES = [
  ['timeseries_sum', 'SELECT sum(bytes) FROM T', (r) => num(r[0][0])],
  ['timeseries_hour',
    'SELECT t // 3600000 AS h, count(*), sum(bytes), max(latency) FROM T GROUP BY h ORDER BY h',
    (r) => r.map((x) => x.map(num))],
  ['topn_url', 'SELECT url, sum(bytes) AS s FROM T GROUP BY url ORDER BY s DESC LIMIT 10',
    (r) => r.map((x) => [x[0], num(x[1])])],
  ['groupby_country',
    'SELECT country, count(*), sum(latency) FROM T GROUP BY country ORDER BY country',
    (r) => r.map((x) => [x[0], num(x[1]), x[2]])],
  ['groupby_country_device',
    'SELECT country, device, count(*) FROM T GROUP BY country, device ORDER BY country, device',
    (r) => r.map((x) => [x[0], x[1], num(x[2])])],
  ['filtered_timeseries', "SELECT sum(bytes) FROM T WHERE country IN ('C01', 'C02')",
    (r) => num(r[0][0])],
  // The first 100,000 rows in storage order, as a scan of one segment returns them.
  ['scan_100k', 'SELECT t, url, bytes FROM T LIMIT 100000',
    (r) => [r.length, r.reduce((a, x) => a + num(x[2]), 0)]],
  ['scan_latest_1k', 'SELECT t, url, bytes FROM T ORDER BY t DESC LIMIT 1000',
    (r) => [r.length, r.reduce((a, x) => a + num(x[2]), 0)]],
];

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await db.connect();
const ver = await c.runAndReadAll('SELECT version()');
console.log(`VERSION ${ver.getRows()[0][0]}`);
for (const [name, file] of tables) {
  const t0 = Date.now();
  await c.run(`CREATE TABLE ${name} AS SELECT * FROM read_csv('${file}', header = false,
    columns = {'t': 'BIGINT', 'country': 'VARCHAR', 'device': 'VARCHAR', 'url': 'VARCHAR',
               'bytes': 'BIGINT', 'latency': 'DOUBLE'})`);
  console.error(`bench_duckdb: loaded ${name} from ${file} in ${(Date.now() - t0) / 1000} s`);
}
await c.run('SET threads = 1');
for (const [name] of tables) {
  for (const [q, sql, answer] of QUERIES) {
    const text = sql.replace(/\bT\b/, name);
    let ans;
    const cpu = [], wall = [];
    for (let i = 0; i <= repeat; i++) {
      const c0 = process.cpuUsage(), w0 = process.hrtime.bigint();
      const reader = await c.runAndReadAll(text);
      const rows = reader.getRows();
      const w = Number(process.hrtime.bigint() - w0) / 1e6, cu = process.cpuUsage(c0);
      ans = answer(rows);
      if (i === 0) continue; // warm-up
      cpu.push((cu.user + cu.system) / 1000);
      wall.push(w);
    }
    console.log(`RESULT ${name} ${q} ${median(cpu).toFixed(3)} ${median(wall).toFixed(3)} ${JSON.stringify(ans)}`);
  }
}
c.closeSync();
