#!/usr/bin/env python3
"""chaos.py — varve's fault-injection suite: proves that Kafka ingestion is
exactly-once under faults (docs/reliability.md).

Every run starts its own `varve kafka-mock` (3 brokers, a 4-partition topic
replicated 3 times, driven through its --control channel) and its own
`varve server` over a temporary data dir with VARVE_FAULT_DIR set (the fault
points of src/base/fault.h). It produces uniquely numbered records (ids 1..N,
timestamps over several hours, in no time order, with unparseable and
filtered records in between) while a supervisor with taskCount 2, replicas 1
or 2 and a short taskDuration reads them, injects the faults of its scenario
on a seeded schedule, lets them heal, and checks through the query API, the
task and supervisor APIs and the metadata store:

  - count = N, sum(id) and sum(id^2) exact and no id twice;
  - the supervisor RUNNING and healthy, every partition owned, lag 0;
  - once suspended (every task published and handed off): per partition the
    committed offset = the highest offset in published segments + 1 = the end
    of the partition;
  - after every commit the run saw (the metadata store is polled while it
    goes on): per partition, the published segments hold exactly the
    ingested records below the committed offset, none at or above it;
  - every copy a replica kept of a segment another replica published (the
    keep-replica-copies setting of src/base/fault.h) has the same rows as the
    published one, read with `varve dump-segment`;
  - each task's rows close (published, stopped, failed or restored after a
    restart): processed + processedWithError + unparseable + thrownAway = the
    records between its start offsets and where it stopped reading;
  - where a scenario may lose data (retention with a reset), the loss is
    exactly the reset range, and it was reported.

    chaos.py [--seeds K] [--seed S] [--scenario NAME]... [--minutes M] [--jobs J] [--list]

prints one line per run and a table: scenario, runs, faults injected,
records, verdict. Exit status 1 if any run failed. Needs $VARVE_BIN (or
build/varve).
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

VARVE = os.environ.get("VARVE_BIN") or os.path.join(os.path.dirname(__file__), "../../build/varve")
TOPIC = "chaos"
PARTS = 4
DAY = "2026-01-01"
HOURS = 5                      # records are stamped over hours 0..4 of DAY
KEEP = os.environ.get("KEEP_DIR") == "1"
RETAIN_RECORDS = 1700 * PARTS  # of 4 KB: more than the 5 MiB a mock partition keeps

# librdkafka error codes and Kafka ApiKeys for request-error injection.
ERR_TRANSPORT = -195
ERR_NOT_LEADER = 6
ERR_REQUEST_TIMED_OUT = 7
ERR_LEADER_NOT_AVAILABLE = 5
API_FETCH = 1
API_LIST_OFFSETS = 2
API_METADATA = 3


class Failure(Exception):
    pass


def dump_segments(files):
    """The rows of segment files as varve's own reader gives them
    (`varve dump-segment --dump scan`, one line a file): {file: [row]}."""
    out = {}
    for k in range(0, len(files), 200):
        chunk = files[k:k + 200]
        r = subprocess.run([VARVE, "dump-segment", "--dump", "scan"] + chunk,
                           capture_output=True, text=True, timeout=300)
        lines = r.stdout.splitlines()
        if r.returncode != 0 or len(lines) != len(chunk):
            raise Failure(f"dump-segment: exit {r.returncode}, {len(lines)} results for {len(chunk)} "
                          f"files: {r.stderr.strip()[-500:]}")
        for f, line in zip(chunk, lines):
            out[f] = json.loads(line)["events"]
    return out


class CommitWatch:
    """Polls the metadata store while a run goes on. Each change of the
    committed offsets is recorded together with the segments published at the
    same moment (one read transaction: they change in one transaction), to be
    checked against the final data once the run is over."""

    def __init__(self, path, ds):
        self.path = path
        self.ds = ds
        self.states = []     # ({partition: committed offset}, frozenset of segment ids)
        self.files = {}      # segment id -> its published file
        self.last_sha = None
        self.db = None
        self.mu = threading.Lock()
        self.done = threading.Event()
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def poll(self):
        with self.mu:
            if self.db is None:
                if not os.path.exists(self.path):
                    return
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=2,
                                          isolation_level=None, check_same_thread=False)
            db = self.db
            db.execute("BEGIN")
            try:
                row = db.execute("SELECT commit_metadata_payload, commit_metadata_sha1 FROM druid_dataSource "
                                 "WHERE dataSource = ?", (self.ds,)).fetchone()
                sha = row[1] if row else None
                if sha == self.last_sha:
                    return
                segs = db.execute("SELECT id, payload FROM druid_segments WHERE dataSource = ? AND used = 1",
                                  (self.ds,)).fetchall()
            finally:
                db.execute("COMMIT")
            self.last_sha = sha
            if row is None:
                return
            for sid, payload in segs:
                if sid not in self.files:
                    self.files[sid] = json.loads(payload)["loadSpec"]["path"]
            parts = json.loads(row[0])["partitions"]
            offsets = {int(p): o for p, o in parts.get("partitionOffsetMap",
                                                       parts.get("partitionSequenceNumberMap", {})).items()}
            self.states.append((offsets, frozenset(sid for sid, _ in segs)))

    def loop(self):
        while not self.done.wait(0.1):
            try:
                self.poll()
            except (sqlite3.Error, OSError, ValueError, KeyError):
                pass  # the store is locked or being created: the next poll sees the change

    def stop(self):
        self.done.set()
        self.t.join()
        if self.db:
            self.db.close()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- processes ------------------------------------------------------------------------------

class Mock:
    """`varve kafka-mock --control`: 3 brokers, the topic, fault commands on stdin."""

    def __init__(self, d):
        self.bs_file = os.path.join(d, "bs.txt")
        self.err = open(os.path.join(d, "mock.err"), "w")
        self.p = subprocess.Popen(
            [VARVE, "kafka-mock", "--brokers", "3", "--topic", f"{TOPIC}:{PARTS}:3",
             "--bootstrap-file", self.bs_file, "--control"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True)
        self.bs = self.p.stdout.readline().strip()
        if not self.bs:
            raise Failure("the mock cluster did not start")
        self.lock = threading.Lock()

    def cmd(self, line):
        with self.lock:
            self.p.stdin.write(line + "\n")
            self.p.stdin.flush()
            ans = self.p.stdout.readline().strip()
        if ans != "ok":
            raise Failure(f"kafka-mock {line}: {ans}")

    def stop(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.err.close()


class Server:
    """`varve server` over a data dir that outlives it."""

    def __init__(self, d):
        self.d = d
        self.data = os.path.join(d, "data")
        self.faults = os.path.join(d, "faults")
        os.makedirs(self.faults, exist_ok=True)
        self.p = None
        self.url = None

    def start(self):
        port_file = os.path.join(self.d, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        env = dict(os.environ, VARVE_FAULT_DIR=self.faults)
        with open(os.path.join(self.d, "server.err"), "a") as err:
            self.p = subprocess.Popen(
                [VARVE, "server", "--data-dir", self.data, "--port", "0", "--port-file", port_file,
                 "--task-slots", "12"], stdout=subprocess.DEVNULL, stderr=err, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.p.poll() is not None:
                raise Failure(f"server exited at start ({self.p.returncode})")
            try:
                with open(port_file) as f:
                    port = f.read().strip()
                if port:
                    self.url = f"http://127.0.0.1:{port}"
                    with urllib.request.urlopen(self.url + "/status/health", timeout=2) as r:
                        if r.read().strip() == b"true":
                            return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        raise Failure("server did not become healthy")

    def task_pids(self):
        """Task processes of this server: the pid each task dir records, if alive."""
        pids = {}
        tdir = os.path.join(self.data, "tasks")
        for t in os.listdir(tdir) if os.path.isdir(tdir) else []:
            try:
                with open(os.path.join(tdir, t, "started")) as f:
                    pid = int(f.read().strip())
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if t.encode() in f.read():
                        pids[t] = pid
            except (OSError, ValueError):
                pass
        return pids

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(90)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.p = None

    def kill9(self):
        """Every process of the server at once, as a power cut would."""
        pids = list(self.task_pids().values())
        if self.p and self.p.poll() is None:
            pids.append(self.p.pid)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.p:
            self.p.wait()
        for pid in pids:  # tasks are not our children: wait until they are gone
            for _ in range(200):
                if not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z":
                    break
                time.sleep(0.02)
        self.p = None


# ---- one run --------------------------------------------------------------------------------

class Run:
    def __init__(self, scenario, seed):
        self.scenario = scenario
        self.seed = seed
        self.rng = random.Random(f"{scenario}/{seed}")
        self.dir = tempfile.mkdtemp(prefix=f"varve-chaos-{scenario}-")
        self.ds = "chaos"
        self.faults = 0
        self.accounted = 0        # tasks whose row accounting was checked
        self.unaccounted = 0      # tasks killed for good: no report
        self.next_id = 1
        self.good = []            # ids produced
        self.bad = 0              # unparseable records produced
        self.filtered = 0         # records the transform filter drops
        self.lost_ok = None       # {partition: (from, to)} a scenario may lose
        self.replicas = self.rng.choice([1, 2])
        self.auto_reset = False
        self.mock = Mock(self.dir)
        self.server = Server(self.dir)
        # Replicas keep their copies of segments another replica published.
        open(os.path.join(self.server.faults, "keep-replica-copies"), "w").close()
        self.server.start()
        self.watch = CommitWatch(os.path.join(self.server.data, "metadata.db"), self.ds)
        self.commits = 0          # commits checked
        self.copies = 0           # extra copies of published segments compared

    def close(self, ok):
        self.watch.stop()
        self.server.stop() if ok else self.server.kill9()
        self.mock.stop()
        if ok and not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- HTTP --
    def http(self, method, path, body=None, timeout=30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
                try:
                    return r.status, (json.loads(text) if text.strip() else None)
                except ValueError:
                    return r.status, text.decode(errors="replace")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text.decode(errors="replace")

    def ok(self, method, path, body=None):
        st, js = self.http(method, path, body)
        if st != 200:
            raise Failure(f"{method} {path}: {st} {js}")
        return js

    def query(self, q):
        q = dict({"dataSource": self.ds, "intervals": [f"{DAY}/2026-01-02"], "granularity": "all"}, **q)
        return self.ok("POST", "/druid/v2", q)

    def status(self):
        return self.ok("GET", f"/druid/indexer/v1/supervisor/{self.ds}/status")["payload"]

    # -- the supervisor --
    def spec(self, **tuning):
        t = {"type": "kafka", "maxRowsPerSegment": 150, "maxRowsInMemory": 1000,
             "intermediatePersistPeriod": "PT2S", "offsetFetchPeriod": "PT5S",
             "handoffConditionTimeout": 60000, "resetOffsetAutomatically": self.auto_reset}
        t.update(tuning)
        return {"type": "kafka", "spec": {
            "dataSchema": {
                "dataSource": self.ds,
                "timestampSpec": {"column": "time", "format": "iso"},
                "dimensionsSpec": {"dimensions": ["id", "kafka.partition"]},
                "metricsSpec": [{"type": "longSum", "name": "idsum", "fieldName": "id"},
                                {"type": "longSum", "name": "sq", "fieldName": "sq"},
                                {"type": "longMax", "name": "off", "fieldName": "kafka.offset"}],
                "granularitySpec": {"segmentGranularity": "hour", "queryGranularity": "none",
                                    "rollup": False},
                "transformSpec": {"filter": {"type": "selector", "dimension": "keep", "value": "y"}}},
            "ioConfig": {"topic": TOPIC,
                         "inputFormat": {"type": "kafka", "valueFormat": {"type": "json"}},
                         "consumerProperties": {"bootstrap.servers": self.mock.bs},
                         "taskCount": 2, "replicas": self.replicas, "useEarliestOffset": True,
                         "taskDuration": "PT6S", "startDelay": "PT0.5S", "period": "PT1S",
                         "completionTimeout": "PT60S"},
            "tuningConfig": t}}

    def submit(self, **tuning):
        js = self.ok("POST", "/druid/indexer/v1/supervisor", self.spec(**tuning))
        if js.get("id") != self.ds:
            raise Failure(f"supervisor not accepted: {js}")

    # -- records --
    def produce(self, n, bad=True, pad=0, tail_good=True):
        """n good records with the next ids, in no time order; with bad, one
        unparseable and one filtered record among every 40. The last PARTS
        lines are good, so every partition ends with a record that is
        ingested (the committed offset is then checkable against it)."""
        lines = []
        filler = "x" * pad
        for k in range(n):
            i = self.next_id
            self.next_id += 1
            self.good.append(i)
            h = self.rng.randrange(HOURS)
            rec = {"time": f"{DAY}T{h:02d}:{self.rng.randrange(60):02d}:{self.rng.randrange(60):02d}Z",
                   "id": i, "sq": i * i, "keep": "y"}
            if pad:
                rec["pad"] = filler
            lines.append(json.dumps(rec))
            if bad and k < n - PARTS and self.rng.random() < 1 / 40:
                lines.append('{"time": "%sT01:00:00Z", "id": oops' % DAY)
                self.bad += 1
            if bad and k < n - PARTS and self.rng.random() < 1 / 40:
                lines.append(json.dumps({"time": f"{DAY}T02:00:00Z", "id": 0, "sq": 0, "keep": "n"}))
                self.filtered += 1
        path = os.path.join(self.dir, "batch.json")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = subprocess.run([VARVE, "produce", "--bootstrap", self.mock.bs, "--topic", TOPIC,
                            "--file", path, "--quiet"], capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise Failure(f"produce: {r.stderr.strip()}")

    # -- waiting --
    def wait(self, what, secs, fn):
        deadline = time.time() + secs
        last = None
        while time.time() < deadline:
            try:
                last = fn()
                if last is True:
                    return
            except (Failure, OSError, ValueError, KeyError, TypeError) as e:
                last = e
            time.sleep(0.25)
        raise Failure(f"{what}: not within {secs}s (last: {last})")

    def totals(self):
        r = self.query({"queryType": "timeseries", "aggregations": [
            {"type": "count", "name": "rows"}, {"type": "longSum", "name": "idsum", "fieldName": "idsum"},
            {"type": "longSum", "name": "sq", "fieldName": "sq"}]})
        return (0, 0, 0) if not r else (r[0]["result"]["rows"], r[0]["result"]["idsum"], r[0]["result"]["sq"])

    def fired(self, point):
        return not os.path.exists(os.path.join(self.server.faults, point))

    def arm(self, point):
        open(os.path.join(self.server.faults, point), "w").close()

    def wait_fired(self, point, secs=60):
        self.wait(f"fault point {point} reached", secs, lambda: self.fired(point) or "armed")
        self.faults += 1

    def running_tasks(self):
        return [t["id"] for t in self.ok("GET", "/druid/indexer/v1/runningTasks")
                if t.get("dataSource", self.ds) == self.ds]

    def reading_task_pids(self):
        st = self.status()
        ids = [t["id"] for t in st.get("activeTasks", [])]
        pids = self.server.task_pids()
        return [(t, pids[t]) for t in ids if t in pids]

    def stored_offsets(self):
        db = sqlite3.connect(os.path.join(self.server.data, "metadata.db"), timeout=30)
        try:
            row = db.execute("SELECT commit_metadata_payload FROM druid_dataSource WHERE dataSource = ?",
                             (self.ds,)).fetchone()
        finally:
            db.close()
        if not row:
            return {}
        p = row[0]
        js = json.loads(p if isinstance(p, str) else p.decode())
        return {int(k): v for k, v in js["partitions"]["partitionOffsetMap"].items()}

    # -- the invariants --
    def expected(self):
        lost = set()
        return [i for i in self.good if i not in lost]

    def heal_and_check(self, expect_rows=None):
        n_total = len(self.good) + self.bad + self.filtered
        want = expect_rows if expect_rows is not None else len(self.good)
        self.wait("every record queryable", 150, lambda: self.totals()[0] == want or self.totals())
        self.wait("supervisor RUNNING, healthy, lag 0, every partition owned", 90, self.steady(n_total))
        # Suspended, every task publishes and hands off; then what the query
        # API answers is the content of published segments.
        self.ok("POST", f"/druid/indexer/v1/supervisor/{self.ds}/suspend")
        self.wait("tasks finished after suspend", 150,
                  lambda: not self.running_tasks() or self.running_tasks())
        self.wait("segments loaded", 60, self.loaded)
        rows, idsum, sq = self.totals()
        if self.lost_ok is None:
            ids = self.good
            if rows != len(ids) or idsum != sum(ids) or sq != sum(i * i for i in ids):
                raise Failure(f"published: rows {rows} idsum {idsum} sq {sq}, expected "
                              f"{len(ids)} {sum(ids)} {sum(i * i for i in ids)}")
        dups = self.query({"queryType": "groupBy", "dimensions": ["id"],
                           "aggregations": [{"type": "count", "name": "n"}],
                           "having": {"type": "greaterThan", "aggregation": "n", "value": 1}})
        if dups:
            raise Failure(f"{len(dups)} ids ingested more than once, e.g. {dups[:3]}")
        per = self.query({"queryType": "groupBy", "dimensions": ["kafka.partition"], "aggregations": [
            {"type": "count", "name": "n"}, {"type": "longMax", "name": "off", "fieldName": "off"}]})
        top = {int(r["event"]["kafka.partition"]): r["event"]["off"] for r in per}
        stored = self.stored_offsets()
        ends = self.status().get("latestOffsets", {})
        for p in range(PARTS):
            if stored.get(p) != top.get(p, -1) + 1:
                raise Failure(f"partition {p}: committed offset {stored.get(p)}, highest offset in "
                              f"published segments {top.get(p)}")
            if str(p) in ends and ends[str(p)] != stored[p]:
                raise Failure(f"partition {p}: committed offset {stored[p]}, end of partition {ends[str(p)]}")
        if sum(stored.values()) != n_total:
            raise Failure(f"committed offsets sum to {sum(stored.values())}, {n_total} records produced")
        self.check_lost(per, stored)
        self.check_accounting(stored)
        self.check_segments()

    def replica_claims(self):
        """(task, segment id) for each segment a task counted as published by
        another task with the same ids: a replica that lost the publish, or a
        task whose own earlier attempt went through. Its log names the
        segments of each sequence and the sequences it did not publish itself."""
        claims = []
        for t in self.ok("GET", f"/druid/indexer/v1/tasks?datasource={self.ds}&state=complete"):
            _, text = self.http("GET", f"/druid/indexer/v1/task/{t['id']}/log")
            if not isinstance(text, str):
                continue
            ids = {}
            for seq, sid in NEW_SEGMENT.findall(text):
                ids.setdefault(seq, set()).add(sid)
            for seq in set(THEIRS.findall(text)):
                claims += [(t["id"], sid) for sid in sorted(ids.get(seq, ()))]
        return claims

    def check_segments(self):
        """Every commit the watch saw against the final data, and each copy a
        task kept of a segment it counted as published by another task
        against the published one. (A task killed between its push and its
        commit leaves a copy of a range that was never committed: the
        sequence is read again, to other ends, under the same segment ids.)"""
        self.watch.poll()
        with self.watch.mu:
            states = list(self.watch.states)
            files = dict(self.watch.files)
        final = states[-1][1] if states else frozenset()
        copies = {}   # published file -> the copies tasks kept of its segment id
        for tid, sid in self.replica_claims():
            if sid not in final:
                raise Failure(f"task {tid} counted segment {sid} as published, but it is not")
            pub = files[sid]
            mine = os.path.join(os.path.dirname(os.path.dirname(pub)), tid, "index.vseg")
            if mine == pub:
                continue  # its own earlier attempt went through
            if not os.path.exists(mine):
                raise Failure(f"task {tid} kept no copy of {sid} (keep-replica-copies is set)")
            copies.setdefault(pub, []).append(mine)
        wanted = sorted(set(files.values()) | {f for fs in copies.values() for f in fs})
        rows = dump_segments(wanted)
        # The final data, per partition: (offset, id) of every ingested row.
        per = {}
        for sid in final:
            for ev in rows[files[sid]]:
                per.setdefault(int(ev["kafka.partition"]), []).append((ev["off"], int(ev["id"])))
        for offsets, ids in states:
            got = {}   # partition -> [rows, sum(id), highest offset] published at that commit
            for sid in ids:
                for ev in rows[files[sid]]:
                    g = got.setdefault(int(ev["kafka.partition"]), [0, 0, -1])
                    g[0] += 1
                    g[1] += int(ev["id"])
                    g[2] = max(g[2], ev["off"])
            for p, c in offsets.items():
                n, idsum, top = got.get(p, [0, 0, -1])
                below = [i for o, i in per.get(p, []) if o < c]
                if top >= c or n != len(below) or idsum != sum(below):
                    raise Failure(f"at a commit (committed offsets {offsets}, {len(ids)} segments): "
                                  f"partition {p}: committed offset {c}, highest offset in published "
                                  f"segments {top}; {n} rows published (sum(id) {idsum}), "
                                  f"{len(below)} ingested below the committed offset (sum(id) {sum(below)})")
            self.commits += 1
        # Replicas: the same rows in every copy of a segment id.
        key = lambda ev: json.dumps(ev, sort_keys=True)
        for pub, others in copies.items():
            mine = sorted(map(key, rows[pub]))
            for f in others:
                theirs = sorted(map(key, rows[f]))
                self.copies += 1
                if theirs != mine:
                    diff = sorted(set(mine) ^ set(theirs))[:2]
                    raise Failure(f"segment copies differ: {pub} has {len(mine)} rows, {f} {len(theirs)}; "
                                  f"e.g. {diff}")

    def steady(self, n_total):
        def check():
            st = self.status()
            owned = set()
            for t in st.get("activeTasks", []):
                owned.update(t.get("startingOffsets", {}).keys())
            latest = st.get("latestOffsets", {})
            if (st["state"] == "RUNNING" and st["healthy"] and st.get("aggregateLag") == 0
                    and sum(latest.values()) == n_total and len(owned) == PARTS):
                return True
            return (f"state {st['state']} healthy {st['healthy']} lag {st.get('aggregateLag')} "
                    f"latest {latest} owned {sorted(owned)} errors {st.get('recentErrors')}")
        return check

    def loaded(self):
        js = self.ok("GET", "/druid/coordinator/v1/loadstatus")
        return js.get(self.ds) in (100, 100.0) or js

    def check_lost(self, per, stored):
        if self.lost_ok is None:
            return
        # Rows per partition with offsets in the reset range: none; elsewhere
        # all (only good records are produced in these scenarios).
        for p, (lo, hi) in self.lost_ok.items():
            got = self.query({"queryType": "timeseries", "aggregations": [{"type": "count", "name": "n"}],
                              "filter": {"type": "and", "fields": [
                                  {"type": "selector", "dimension": "kafka.partition", "value": str(p)},
                                  {"type": "bound", "dimension": "off", "lower": str(lo), "upper": str(hi),
                                   "upperStrict": True, "ordering": "numeric"}]}})
            n = got[0]["result"]["n"] if got else 0
            if n:
                raise Failure(f"partition {p}: {n} rows from the lost range [{lo}, {hi})")
        rows = sum(r["event"]["n"] for r in per)
        lost = sum(hi - lo for lo, hi in self.lost_ok.values())
        if rows != len(self.good) - lost:
            raise Failure(f"{rows} rows after a reset of {lost} records, {len(self.good)} produced")

    def check_accounting(self, stored):
        """processed + processedWithError + unparseable + thrownAway equals the
        records a task read: per partition, from the start of its first
        sequence (the first checkpoint of its context) to where it stopped
        reading (its log's last "read up to"), less a range lost to a reset.
        Every task that ended is checked — published, stopped before it
        published, failed, or restored after a restart (its persist commit
        carries the counters over); only a task killed for good has no
        report to check."""
        for t in self.ok("GET", f"/druid/indexer/v1/tasks?datasource={self.ds}&state=complete"):
            tid = t["id"]
            st, rep = self.http("GET", f"/druid/indexer/v1/task/{tid}/reports")
            _, logtext = self.http("GET", f"/druid/indexer/v1/task/{tid}/log")
            ends = READ_UP_TO.findall(logtext) if isinstance(logtext, str) else []
            if st != 200 or not ends:
                if t.get("statusCode", t.get("status")) == "SUCCESS":
                    raise Failure(f"task {tid} succeeded without a report or its end positions")
                self.unaccounted += 1
                continue
            last = parse_offsets(ends[-1])
            task = self.ok("GET", f"/druid/indexer/v1/task/{tid}")
            cps = json.loads(task["payload"]["context"]["checkpoints"])
            first = {int(p): o for p, o in cps[min(cps, key=int)].items()}
            consumed = 0
            for p, o in last.items():
                n = o - first[p]
                if self.lost_ok and p in self.lost_ok:
                    lo, hi = self.lost_ok[p]
                    n -= max(0, min(o, hi) - max(first[p], lo))
                consumed += n
            stats = rep["ingestionStatsAndErrors"]["payload"]["rowStats"]["buildSegments"]
            counted = sum(stats.get(k, 0) for k in ("processed", "processedWithError", "unparseable", "thrownAway"))
            self.accounted += 1
            if counted != consumed:
                raise Failure(f"task {tid} ({t.get('statusCode', t.get('status'))}): rows {stats} add up "
                              f"to {counted}, it read {consumed} records (offsets {first} to {last})")


READ_UP_TO = re.compile(r"read up to \{([^}]*)\}")
NEW_SEGMENT = re.compile(r"sequence \[([^\]]*)\]: new segment \[([^\]]*)\]")
THEIRS = re.compile(r"sequence \[([^\]]*)\]: could not publish \d+ segments, but they have already been published")


def parse_offsets(text):
    """Java's toString of an offset map: "0=5, 1=7"."""
    out = {}
    for kv in filter(None, (x.strip() for x in text.split(","))):
        k, v = kv.split("=")
        out[int(k)] = int(v)
    return out


# ---- scenarios ------------------------------------------------------------------------------
# Each takes a started Run with a submitted supervisor and injects its faults;
# the common checks follow.

def produce_some(r, n=None):
    r.produce(n or r.rng.randrange(120, 240))


def wait_reading(r, secs=60):
    r.wait("a task reading", secs, lambda: bool(r.reading_task_pids()) or "no reading task")


def sc_kill_reading(r):
    produce_some(r)
    for _ in range(r.rng.randrange(1, 4)):
        wait_reading(r)
        time.sleep(r.rng.uniform(0.2, 3))
        victims = r.reading_task_pids()
        if victims:
            tid, pid = r.rng.choice(victims)
            os.kill(pid, signal.SIGKILL)
            r.faults += 1
        produce_some(r)


def sc_pause_task(r):
    """A task stops answering (SIGSTOP, as a long GC pause or a swapped-out
    process would) and comes back later, possibly after it was replaced."""
    produce_some(r)
    for _ in range(r.rng.randrange(1, 3)):
        wait_reading(r)
        time.sleep(r.rng.uniform(0.2, 3))
        victims = r.reading_task_pids()
        if not victims:
            continue
        tid, pid = r.rng.choice(victims)
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            continue
        r.faults += 1
        produce_some(r, 60)
        time.sleep(r.rng.uniform(2, 12))
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    produce_some(r)


def point_scenario(point, **tuning):
    def sc(r):
        if tuning:
            r.submit(**tuning)
        produce_some(r)
        r.arm(point)
        produce_some(r)
        r.wait_fired(point, 90)
        produce_some(r)
    return sc


def sc_server_kill9(r):
    produce_some(r)
    for _ in range(r.rng.randrange(1, 3)):
        wait_reading(r)
        time.sleep(r.rng.uniform(0.5, 5))
        r.server.kill9()
        r.faults += 1
        produce_some(r)
        r.server.start()


def sc_server_restart(r):
    produce_some(r)
    wait_reading(r)
    time.sleep(r.rng.uniform(0.5, 5))
    r.server.stop()
    r.faults += 1
    produce_some(r)
    r.server.start()
    produce_some(r)


def sc_broker_down(r):
    produce_some(r)
    wait_reading(r)
    b = r.rng.choice([-1, 1, 2, 3])
    r.mock.cmd(f"broker-down {b}")
    r.faults += 1
    time.sleep(r.rng.uniform(2, 6))
    r.mock.cmd(f"broker-up {b}")
    produce_some(r)


def sc_leader_moves(r):
    produce_some(r)
    wait_reading(r)
    for _ in range(r.rng.randrange(3, 8)):
        r.mock.cmd(f"leader {TOPIC} {r.rng.randrange(PARTS)} {r.rng.randrange(1, 4)}")
        r.faults += 1
        time.sleep(r.rng.uniform(0.2, 1.5))
    produce_some(r)


def sc_request_errors(r):
    produce_some(r)
    wait_reading(r)
    for _ in range(r.rng.randrange(2, 5)):
        api = r.rng.choice([API_FETCH, API_FETCH, API_LIST_OFFSETS, API_METADATA])
        err = r.rng.choice([ERR_NOT_LEADER, ERR_REQUEST_TIMED_OUT, ERR_LEADER_NOT_AVAILABLE, ERR_TRANSPORT])
        r.mock.cmd(f"request-errors {api} {r.rng.randrange(1, 20)} {err}")
        r.faults += 1
        time.sleep(r.rng.uniform(0.2, 1))
    r.mock.cmd(f"rtt -1 {r.rng.randrange(100, 500)}")
    r.faults += 1
    time.sleep(r.rng.uniform(1, 3))
    r.mock.cmd("rtt -1 0")
    for api in (API_FETCH, API_LIST_OFFSETS, API_METADATA):
        r.mock.cmd(f"clear-request-errors {api}")
    produce_some(r)


def sc_spec_update(r):
    produce_some(r)
    for k in range(r.rng.randrange(1, 3)):
        # At a rollover: when a group is close to the end of its duration.
        r.wait("a group near its rollover", 60, lambda: any(
            t.get("remainingSeconds") is not None and t["remainingSeconds"] <= 1
            for t in r.status().get("activeTasks", [])) or "no group near rollover")
        time.sleep(r.rng.uniform(0, 1.2))
        r.submit(maxRowsPerSegment=r.rng.choice([60, 100, 150, 200]))
        r.faults += 1
        produce_some(r)


def sc_suspend_resume(r):
    produce_some(r)
    wait_reading(r)
    for _ in range(r.rng.randrange(4, 10)):
        r.ok("POST", f"/druid/indexer/v1/supervisor/{r.ds}/suspend")
        time.sleep(r.rng.uniform(0, 1.5))
        r.ok("POST", f"/druid/indexer/v1/supervisor/{r.ds}/resume")
        r.faults += 1
        time.sleep(r.rng.uniform(0, 1.5))
        if r.rng.random() < 0.3:
            produce_some(r, 40)
    produce_some(r)


def retention(r, auto):
    """Records the supervisor has not read yet fall out of the 5 MiB a mock
    partition keeps while it is suspended."""
    produce_some(r)
    r.wait("first records", 120, lambda: r.totals()[0] == len(r.good) or r.totals())
    r.ok("POST", f"/druid/indexer/v1/supervisor/{r.ds}/suspend")
    r.wait("tasks finished after suspend", 150, lambda: not r.running_tasks() or r.running_tasks())
    stored = r.stored_offsets()
    before = len(r.good)
    # 4 KB records, ~6.8 MB per partition: the oldest unread ones go.
    r.produce(RETAIN_RECORDS, bad=False, pad=4000)
    r.faults += 1
    r.ok("POST", f"/druid/indexer/v1/supervisor/{r.ds}/resume")
    msg = "is no longer available for partition"
    r.wait("the lost offsets reported", 60, lambda: any(
        msg in e.get("message", "") for e in r.status().get("recentErrors", [])) or r.status().get("recentErrors"))
    if not auto:
        # Nothing is skipped silently: no task reads past the gap meanwhile.
        time.sleep(4)
        if r.totals()[0] != before:
            raise Failure(f"rows changed from {before} to {r.totals()[0]} without a reset")
        if r.status()["healthy"] and r.status()["state"] == "RUNNING":
            pass
        r.ok("POST", f"/druid/indexer/v1/supervisor/{r.ds}/reset")
    # The new groups start at the earliest offsets still there.
    def restarted():
        got = {}
        for t in r.status().get("activeTasks", []):
            for p, o in t.get("startingOffsets", {}).items():
                got[int(p)] = o
        return len(got) == PARTS or got
    r.wait("groups restarted after the reset", 60, restarted)
    earliest = {}
    for t in r.status().get("activeTasks", []):
        for p, o in t.get("startingOffsets", {}).items():
            earliest[int(p)] = o
    r.lost_ok = {p: (stored[p], earliest[p]) for p in range(PARTS) if earliest[p] > stored[p]}
    if not r.lost_ok:
        raise Failure(f"nothing fell out of retention: stored {stored}, earliest {earliest}")
    lost = sum(hi - lo for lo, hi in r.lost_ok.values())
    return before + RETAIN_RECORDS - lost


def sc_retention_noreset(r):
    return retention(r, False)


def sc_retention_autoreset(r):
    r.auto_reset = True
    r.submit()
    return retention(r, True)


def sc_metadata_locked(r):
    produce_some(r)
    for _ in range(r.rng.randrange(1, 3)):
        wait_reading(r)
        db = sqlite3.connect(os.path.join(r.server.data, "metadata.db"), timeout=30,
                             isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        r.faults += 1
        time.sleep(r.rng.uniform(2, 8))
        db.execute("ROLLBACK")
        db.close()
        produce_some(r)


SCENARIOS = {
    "kill-reading": sc_kill_reading,
    "kill-checkpoint": point_scenario("checkpoint", maxRowsPerSegment=20),
    "kill-publish": point_scenario("publish-pushed"),
    "kill-after-commit": point_scenario("publish-committed"),
    "kill-handoff": point_scenario("handoff"),
    "pause-task": sc_pause_task,
    "server-kill9": sc_server_kill9,
    "server-restart": sc_server_restart,
    "broker-down": sc_broker_down,
    "leader-moves": sc_leader_moves,
    "request-errors": sc_request_errors,
    "spec-update": sc_spec_update,
    "suspend-resume": sc_suspend_resume,
    "retention-noreset": sc_retention_noreset,
    "retention-autoreset": sc_retention_autoreset,
    "metadata-locked": sc_metadata_locked,
    "disk-full": point_scenario("persist-enospc"),
}


def run_one(name, seed):
    t0 = time.time()
    r = None
    ok = False
    try:
        r = Run(name, seed)
        r.submit()
        expect = SCENARIOS[name](r)
        produce_some(r, 4 * PARTS)   # every partition ends on a good record after the faults
        r.heal_and_check(expect + 4 * PARTS if expect is not None else None)
        ok = True
        return True, r.faults, len(r.good), time.time() - t0, (
            f"({r.commits} commits checked, {r.copies} replica copies compared, "
            f"{r.accounted} tasks' rows accounted, {r.unaccounted} killed)")
    except Failure as e:
        return False, r.faults if r else 0, len(r.good) if r else 0, time.time() - t0, str(e)
    finally:
        if r:
            if not ok:
                log(f"  kept {r.dir} (server log: {r.server.data}/log/server.log)")
            r.close(ok)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=1, help="runs per scenario, seeds seed..seed+K-1")
    ap.add_argument("--scenario", action="append", help="only these (repeatable)")
    ap.add_argument("--minutes", type=float, default=0, help="stop starting runs after this long")
    ap.add_argument("--jobs", type=int, default=3, help="runs side by side (default 3)")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        print("\n".join(SCENARIOS))
        return 0
    names = a.scenario or list(SCENARIOS)
    for n in names:
        if n not in SCENARIOS:
            ap.error(f"unknown scenario {n}; --list names them")
    t0 = time.time()
    table = {n: [0, 0, 0, 0] for n in names}   # runs, faults, records, failures
    todo = [(n, a.seed + k) for k in range(a.seeds) for n in names]
    mu = threading.Lock()

    # Runs are mostly waiting (for rollovers, publishes, handoffs), so a few
    # run side by side, each with its own cluster and server.
    def worker():
        while True:
            with mu:
                if not todo or (a.minutes and time.time() - t0 > a.minutes * 60):
                    return
                n, seed = todo.pop(0)
            ok, faults, records, secs, why = run_one(n, seed)
            with mu:
                row = table[n]
                row[0] += 1
                row[1] += faults
                row[2] += records
                row[3] += 0 if ok else 1
                print(f"{n:20} seed {seed:<5} {'ok  ' if ok else 'FAIL'} {faults:3} faults {records:6} "
                      f"records {secs:6.1f}s {why}", flush=True)
    threads = [threading.Thread(target=worker) for _ in range(max(1, a.jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print()
    print(f"{'scenario':20} {'runs':>5} {'faults':>7} {'records':>8}  verdict")
    bad = 0
    for n in names:
        runs, faults, records, fails = table[n]
        if not runs:
            continue
        verdict = "exactly-once" if fails == 0 else f"FAILED {fails}/{runs}"
        bad += fails
        print(f"{n:20} {runs:5} {faults:7} {records:8}  {verdict}")
    print(f"\n{sum(t[0] for t in table.values())} runs in {time.time() - t0:.0f}s, "
          f"{bad} failed", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
