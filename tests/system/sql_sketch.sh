#!/usr/bin/env bash
# sql_sketch.sh — Druid SQL over sketch metrics a batch task built
# (thetaSketch, HLLSketchBuild, quantilesDoublesSketch, rolled up per day and
# channel) in two daily segments of a running `varve server`: the sketch
# aggregates and functions merge the stored sketches across segments,
# GROUP BY ROLLUP adds the grand total, and STRING_AGG / ARRAY_AGG / BIT_OR
# combine their per-segment partials.
source "$(dirname "$0")/lib/server.sh"

t_start

DATA=$(printf '%s\n' \
    '{"ts":"2024-03-01T01:00:00Z","channel":"#en","page":"Apple","added":10}' \
    '{"ts":"2024-03-01T02:00:00Z","channel":"#en","page":"Banana","added":20}' \
    '{"ts":"2024-03-01T05:00:00Z","channel":"#fr","page":"Apple","added":5}' \
    '{"ts":"2024-03-02T01:00:00Z","channel":"#en","page":"Apple","added":7}' \
    '{"ts":"2024-03-02T03:00:00Z","channel":"#de","page":"Cherry","added":1}')
SPEC=$(jq -nc --arg data "$DATA" '{type: "index_parallel", spec: {
  dataSchema: {dataSource: "sketches", timestampSpec: {column: "ts", format: "iso"},
    dimensionsSpec: {dimensions: ["channel"]},
    metricsSpec: [{type: "count", name: "count"},
                  {type: "thetaSketch", name: "theta", fieldName: "page"},
                  {type: "HLLSketchBuild", name: "hll", fieldName: "page"},
                  {type: "quantilesDoublesSketch", name: "qs", fieldName: "added"}],
    granularitySpec: {segmentGranularity: "day", queryGranularity: "day", rollup: true,
                      intervals: ["2024-03-01/2024-03-03"]}},
  ioConfig: {type: "index_parallel", inputSource: {type: "inline", data: $data}, inputFormat: {type: "json"}},
  tuningConfig: {type: "index_parallel"}}}')
id=$(submit "$SPEC")
wait_task "$id" SUCCESS 120
wait_loaded sketches

sql() {
    curl -s -X POST -H 'Content-Type: application/json' "$T_URL/druid/v2/sql" --data-binary "$1"
}
expect_sql() { # expect_sql EXPECTED_JSON QUERY
    local got
    got=$(sql "{\"query\":$(printf '%s' "$2" | jq -Rs .),\"resultFormat\":\"array\"}")
    json_eq "$got" "$1"
}

# pages: day 1 #en {Apple, Banana}, #fr {Apple}; day 2 #en {Apple}, #de {Cherry};
# added per channel: #en 10 20 7, #fr 5, #de 1 (quantiles are the inclusive ones)
expect_sql '[["#de",1.0,1.0,1.0],["#en",2.0,2.0,10.0],["#fr",1.0,1.0,5.0],[null,3.0,3.0,7.0]]' \
    'SELECT channel, THETA_SKETCH_ESTIMATE(DS_THETA(theta)), HLL_SKETCH_ESTIMATE(DS_HLL(hll)),
            DS_GET_QUANTILE(DS_QUANTILES_SKETCH(qs), 0.5) FROM sketches GROUP BY ROLLUP (channel)'
expect_sql '[[1.0,3.0,3,3]]' \
    "SELECT THETA_SKETCH_ESTIMATE(THETA_SKETCH_INTERSECT(DS_THETA(theta) FILTER (WHERE __time < '2024-03-02'),
                                                         DS_THETA(theta) FILTER (WHERE __time >= '2024-03-02'))),
            HLL_SKETCH_ESTIMATE(HLL_SKETCH_UNION(DS_HLL(hll), DS_HLL(hll))),
            APPROX_COUNT_DISTINCT_DS_THETA(theta), APPROX_COUNT_DISTINCT_DS_HLL(hll) FROM sketches"
expect_sql '[["[1.0,7.0,20.0]","[2.0,3.0]"]]' \
    'SELECT DS_GET_QUANTILES(DS_QUANTILES_SKETCH(qs), 0, 0.5, 1), DS_HISTOGRAM(DS_QUANTILES_SKETCH(qs), 6) FROM sketches'
# the stored count per rolled-up row: day 1 #en 2, #fr 1; day 2 #en 1, #de 1
expect_sql '[["#de,#en,#fr","[\"#de\",\"#en\",\"#fr\"]",3,5]]' \
    "SELECT STRING_AGG(DISTINCT channel, ','), ARRAY_AGG(DISTINCT channel), BIT_OR(\"count\"), SUM(\"count\") FROM sketches"
# a sketch column comes back as its base64 text, typed COMPLEX<thetaSketch>
got=$(sql '{"query":"SELECT DS_THETA(theta) AS s FROM sketches","resultFormat":"array","header":true,"typesHeader":true,"sqlTypesHeader":true}')
json_eq "$(jq -c '.[0:3]' <<<"$got")" '[["s"],["COMPLEX<thetaSketch>"],["OTHER"]]'
[[ $(jq -r '.[3][0]' <<<"$got" | base64 -d | wc -c) -gt 8 ]] || fail "DS_THETA: not the base64 of a sketch: $got"
t_alive
echo "sql_sketch: ok"
