// console_ui.js — the web console in a real browser (headless Chromium
// driven by playwright-core), run by console_ui.sh against a live `varve
// server` and a mock Kafka cluster holding RECORDS records on topic
// "events". It does what a user does: pastes a supervisor spec with a bad
// field and sees the error at that line, previews parsing through the
// sampler, submits, watches the supervisor reach RUNNING in the
// Supervisors view (the row is patched in place, never rebuilt), follows
// the lag down to 0, hands the task group off early (confirming the
// dialog), sees the rows in the Datasources view, queries them, and looks
// at every view. Screenshots go to the artifact directory.
//
//   node console_ui.js URL BOOTSTRAP RECORDS ARTIFACT_DIR

const path = require('path');
const { chromium } = require(path.join(__dirname, '..', 'tools', 'node_modules', 'playwright-core'));

const [url, bootstrap, records, outDir] = process.argv.slice(2);
const N = Number(records);
const t0 = Date.now();

function log(msg) {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
}

function spec(taskCount) {
  return JSON.stringify({
    type: 'kafka',
    spec: {
      dataSchema: {
        dataSource: 'events',
        timestampSpec: { column: 'time', format: 'iso' },
        dimensionsSpec: { dimensions: ['page', 'user'] },
        metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'n', fieldName: 'n' }],
        granularitySpec: { segmentGranularity: 'hour', queryGranularity: 'none', rollup: false },
      },
      ioConfig: {
        topic: 'events',
        inputFormat: { type: 'json' },
        consumerProperties: { 'bootstrap.servers': bootstrap },
        taskCount,
        replicas: 1,
        taskDuration: 'PT1H',
        useEarliestOffset: true,
        startDelay: 'PT0.5S',
        period: 'PT2S',
      },
      tuningConfig: { type: 'kafka', offsetFetchPeriod: 'PT5S' },
    },
  }, null, 2);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const errors = [];
  let page;
  try {
    page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.setDefaultTimeout(20000);
    const shot = async (name) => {
      await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
      log(`screenshot ${name}.png`);
    };

    // ---- Load data: a bad field is shown where it is --------------------------
    await page.goto(`${url}/#/load`);
    await page.waitForSelector('#spec-editor');
    const bad = spec(0);
    await page.fill('#spec-editor', bad);
    await page.click('#submit');
    const err = await page.waitForSelector('#spec-error');
    const errText = await err.innerText();
    if (!errText.includes('spec.ioConfig.taskCount')) throw new Error(`submit error does not name the field: ${errText}`);
    const wantLine = bad.split('\n').findIndex((l) => l.includes('"taskCount"')) + 1;
    if (!errText.startsWith(`Line ${wantLine},`)) throw new Error(`error not placed at line ${wantLine}: ${errText}`);
    const marked = await page.textContent('.gutter .bad');
    if (Number(marked) !== wantLine) throw new Error(`gutter marks line ${marked}, expected ${wantLine}`);
    const selected = await page.$eval('#spec-editor', (ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd));
    if (!selected.startsWith('"taskCount": 0')) throw new Error(`selection is [${selected}]`);
    log(`bad spec refused at line ${wantLine}: ${errText.split('\n')[0]}`);
    await shot('load-error');

    // ---- Load data: preview through the sampler, then submit -----------------
    await page.fill('#spec-editor', spec(1));
    if (await page.$('#spec-error')) throw new Error('the error stays after the spec changed');
    await page.click('#preview');
    await page.waitForSelector('#sample-table tbody tr');
    const summary = await page.textContent('#sample-summary');
    if (!summary.startsWith(`${N} rows read, ${N} indexed`)) throw new Error(`sampler summary: ${summary}`);
    const headers = await page.$$eval('#sample-table thead th', (ths) => ths.map((th) => th.firstChild.textContent));
    if (headers.join(',') !== '__time,page,user,count,n') throw new Error(`sampler columns: ${headers}`);
    const rows = await page.$$eval('#sample-table tbody tr', (trs) => trs.length);
    if (rows !== N) throw new Error(`sampler shows ${rows} rows, expected ${N}`);
    log(`preview: ${summary}`);
    await shot('load-preview');

    await page.click('#submit');
    await page.waitForSelector('#submitted');
    log('supervisor submitted');

    // ---- Supervisors: RUNNING, patched in place ---------------------------------
    await page.click('a.tab[data-view=supervisors]');
    const row = await page.waitForSelector('#supervisor-table tr[data-id="events"]');
    await page.waitForSelector('#supervisor-table tr[data-id="events"] [data-state="RUNNING"]', { timeout: 30000 });
    log('supervisor RUNNING');
    await page.waitForTimeout(4500); // two refreshes
    const same = await row.evaluate((el) => el.isConnected);
    if (!same) throw new Error('the supervisor row was rebuilt by a refresh (flicker)');

    await page.waitForFunction(() => {
      const td = document.querySelector('#supervisor-table tr[data-id="events"] td.lag');
      // a lag of 0 counts once offsets were fetched (before that it is 0 too)
      return td && td.dataset.updated !== '' && td.dataset.lag === '0';
    }, null, { timeout: 40000 });
    log('lag fell to 0');
    await shot('supervisors');

    // Real-time rows reach queries once published: hand the group off
    // early, through the button and its confirmation.
    await page.click('#supervisor-table tr[data-id="events"] button:has-text("Hand off")');
    await page.waitForSelector('.dialog');
    await shot('handoff-confirm');
    await page.click('.dialog button[data-confirm]');
    await page.waitForSelector('.notice');
    if (await page.$('.dialog')) throw new Error(`hand-off failed: ${await page.textContent('.dialog')}`);
    log(`hand off: ${await page.textContent('.notice')}`);
    await page.click('#supervisor-table tr[data-id="events"]');
    await page.waitForSelector('#aggregate-lag');
    await page.waitForSelector('svg.chart polyline', { state: 'attached', timeout: 10000 });
    await shot('supervisor-detail');

    // ---- Tasks and Datasources ----------------------------------------------
    await page.click('a.tab[data-view=tasks]');
    await page.waitForSelector('#task-table tbody tr');
    await shot('tasks');
    // the first task read every record: its row statistics say so
    const first = await page.$$eval('#task-table tbody tr', (trs) =>
      trs.map((tr) => [tr.children[4].textContent, tr.dataset.id]).sort()[0][1]);
    await page.click(`#task-table tr[data-id="${first}"]`);
    await page.waitForFunction((n) => {
      const td = document.querySelector('#row-stats td[data-stat="processed"]');
      return td && td.textContent === String(n);
    }, N, { timeout: 20000 });
    log(`task ${first}: processed ${N}`);
    await shot('task-detail');
    await page.click('a.tab[data-view=datasources]');
    await page.waitForSelector('#datasource-table, .empty');
    await page.waitForFunction((n) => {
      const td = document.querySelector('#datasource-table tr[data-id="events"] td[data-rows]');
      return td && td.dataset.rows === String(n);
    }, N, { timeout: 60000 });
    log(`datasource events: ${N} rows`);
    await shot('datasources');
    await page.click('#datasource-table tr[data-id="events"]');
    await page.waitForSelector('svg.timeline rect.seg', { state: 'attached' });
    const segs = await page.$$eval('#segment-table tbody tr', (trs) => trs.length);
    if (segs < 1) throw new Error('no segment listed');
    log(`datasource detail: ${segs} segment(s)`);
    await shot('datasource-detail');

    // ---- Query: SQL when the server has it, native JSON always --------------
    await page.click('a.tab[data-view=query]');
    await page.waitForSelector('#run-query');
    const sql = await page.evaluate(() => window.varveConsole.caps.sql);
    let runs = 0;
    const runQuery = async (mode, text) => {
      await page.click(`#mode-${mode}`);
      await page.fill(`#${mode}-editor`, text);
      await page.click('#run-query');
      runs++;
      await page.waitForSelector(`#query-results[data-run="${runs}"], #query-error[data-run="${runs}"]`);
      if (await page.$('#query-error')) throw new Error(`${mode} query failed: ${await page.textContent('#query-error')}`);
      const heads = await page.$$eval('#result-table thead th', (ths) => ths.map((th) => th.textContent));
      const rows = await page.$$eval('#result-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
      return rows.map((r) => Object.fromEntries(heads.map((hd, i) => [hd, r[i]])));
    };
    const total = String((N * (N + 1)) / 2);
    const counts = [];
    if (sql) counts.push(['SQL', await runQuery('sql', 'SELECT COUNT(*) AS "rows", SUM("n") AS "total" FROM "events"')]);
    counts.push(['native', await runQuery('native', JSON.stringify({
      queryType: 'timeseries', dataSource: 'events', intervals: ['2024-01-01/2025-01-01'], granularity: 'all',
      aggregations: [{ type: 'count', name: 'rows' }, { type: 'longSum', name: 'total', fieldName: 'n' }],
    }, null, 2))]);
    for (const [kind, res] of counts) {
      if (res.length !== 1 || res[0].rows !== String(N) || res[0].total !== total) {
        throw new Error(`${kind} query found ${JSON.stringify(res)}, expected rows ${N} and total ${total}`);
      }
      log(`${kind} query found ${N} rows`);
    }
    await shot('query');

    // time-bucketed results make a chart: one record a minute
    const buckets = sql
      ? await runQuery('sql', `SELECT TIME_FLOOR(__time, 'PT1M') AS "minute", COUNT(*) AS "rows" FROM "events" GROUP BY 1 ORDER BY 1`)
      : await runQuery('native', JSON.stringify({
        queryType: 'timeseries', dataSource: 'events', intervals: ['2024-01-01/2025-01-01'], granularity: 'minute',
        aggregations: [{ type: 'count', name: 'rows' }],
      }));
    if (buckets.length !== N || buckets.some((b) => b.rows !== '1')) throw new Error(`minute buckets: ${JSON.stringify(buckets.slice(0, 3))}…`);
    await page.waitForSelector('#query-results svg.chart polyline', { state: 'attached' });
    log(`${sql ? 'SQL' : 'native'} query over minutes: ${buckets.length} buckets, charted`);
    await shot('query-chart');
    if (errors.length) throw new Error(errors.join('\n'));
  } catch (e) {
    // what the page showed when it went wrong
    if (page) await page.screenshot({ path: path.join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await browser.close();
  }
}

main().then(() => {
  log('console_ui: ok');
}, (e) => {
  console.error(`console_ui: FAIL: ${e.message}`);
  process.exit(1);
});
