#!/usr/bin/env bash
# query_wikipedia.sh — native queries through a running server over data a
# batch task ingested: the ten wikipedia edits of tests/data/query (three
# days, multi-value tags, nulls and "", long, double and float metrics, no
# rollup), one query of every type, the filters, the aggregators and
# post-aggregators, the granularities (hour with zero-filling, a period in
# a time zone, week, all), the datasource forms (union, inline, nested
# query, join), the context keys that change results, and the exact JSON
# (number types included) derived by hand in tests/data/query/README.md.
source "$(dirname "$0")/lib/server.sh"
source "$(dirname "$0")/lib/batch.sh"

DATA="$VARVE_SRC/tests/data/query"
IV='"intervals":["2024-05-01/2024-05-04"]'

t_start
spec=$(jq -cn --arg d "$DATA" '{
  type: "index_parallel",
  spec: {
    dataSchema: {
      dataSource: "wikiq",
      timestampSpec: {column: "time", format: "iso"},
      dimensionsSpec: {dimensions: ["channel", "page", "user", "tags"]},
      metricsSpec: [
        {type: "count", name: "count"},
        {type: "longSum", name: "added", fieldName: "added"},
        {type: "doubleSum", name: "delta", fieldName: "delta"},
        {type: "floatSum", name: "ratio", fieldName: "ratio"}],
      granularitySpec: {segmentGranularity: "day", queryGranularity: "none", rollup: false,
                        intervals: ["2024-05-01/2024-05-04"]}},
    ioConfig: {type: "index_parallel", inputSource: {type: "local", baseDir: $d, filter: "*.json"},
               inputFormat: {type: "json"}},
    tuningConfig: {type: "index_parallel"}}}')
id=$(submit "$spec")
wait_task "$id"
wait_loaded wikiq

# q QUERY_JSON WANT_JSON: the answer is exactly WANT (key order aside, number
# types kept: 4 and 4.0 differ).
q() { json_eq "$(query "$1")" "$2"; }

# ---- timeseries --------------------------------------------------------------
TS_AGGS='"aggregations":[{"type":"count","name":"n"},{"type":"longSum","name":"added","fieldName":"added"},
  {"type":"doubleSum","name":"delta","fieldName":"delta"},{"type":"floatSum","name":"ratio","fieldName":"ratio"},
  {"type":"longMax","name":"max","fieldName":"added"},{"type":"doubleMin","name":"dmin","fieldName":"delta"}],
  "postAggregations":[{"type":"arithmetic","name":"avg","fn":"/","fields":[
    {"type":"fieldAccess","fieldName":"added"},{"type":"fieldAccess","fieldName":"n"}]}]'
q "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"day\",$TS_AGGS}" \
  '[{"timestamp":"2024-05-01T00:00:00.000Z","result":{"n":4,"added":22,"delta":3.0,"ratio":2.25,"max":10,"dmin":-2.0,"avg":5.5}},
    {"timestamp":"2024-05-02T00:00:00.000Z","result":{"n":3,"added":24,"delta":10.25,"ratio":2.25,"max":20,"dmin":0.25,"avg":8.0}},
    {"timestamp":"2024-05-03T00:00:00.000Z","result":{"n":3,"added":14,"delta":1.0,"ratio":1.5,"max":8,"dmin":-1.0,"avg":4.666666666666667}}]'
# all: stamped with the first stored time; the float sum merged from three
# segments is a double; grandTotal on day buckets, descending
q "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",$TS_AGGS}" \
  '[{"timestamp":"2024-05-01T01:00:00.000Z","result":{"n":10,"added":60,"delta":14.25,"ratio":6.0,"max":20,"dmin":-2.0,"avg":6.0}}]'
q "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"day\",\"descending\":true,
    \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}],\"context\":{\"grandTotal\":true,\"serializeDateTimeAsLong\":true}}" \
  '[{"timestamp":1714694400000,"result":{"n":3}},{"timestamp":1714608000000,"result":{"n":3}},
    {"timestamp":1714521600000,"result":{"n":4}},{"timestamp":null,"result":{"n":10}}]'
# hour buckets: zero-filled between each segment's first and last row
BANANA_HOURLY="{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"hour\",
    \"filter\":{\"type\":\"selector\",\"dimension\":\"page\",\"value\":\"Banana\"},
    \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]"
hourly=$(query "$BANANA_HOURLY}")
[ "$(echo "$hourly" | jq length)" = 58 ] || fail "hourly buckets: $(echo "$hourly" | jq length)"
json_eq "$(echo "$hourly" | jq -c '[.[0], .[1], .[57]]')" \
  '[{"timestamp":"2024-05-01T01:00:00.000Z","result":{"n":1,"added":5}},
    {"timestamp":"2024-05-01T02:00:00.000Z","result":{"n":0,"added":null}},
    {"timestamp":"2024-05-03T22:00:00.000Z","result":{"n":1,"added":2}}]'
q "$BANANA_HOURLY,\"context\":{\"skipEmptyBuckets\":\"true\"}}" \
  '[{"timestamp":"2024-05-01T01:00:00.000Z","result":{"n":1,"added":5}},
    {"timestamp":"2024-05-02T02:00:00.000Z","result":{"n":1,"added":1}},
    {"timestamp":"2024-05-03T22:00:00.000Z","result":{"n":1,"added":2}}]'
# local days of Los Angeles (-07:00 in May), and ISO weeks (from Monday)
q "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,
    \"granularity\":{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\"},
    \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}" \
  '[{"timestamp":"2024-04-30T00:00:00.000-07:00","result":{"n":3,"added":22}},
    {"timestamp":"2024-05-01T00:00:00.000-07:00","result":{"n":3,"added":21}},
    {"timestamp":"2024-05-02T00:00:00.000-07:00","result":{"n":2,"added":7}},
    {"timestamp":"2024-05-03T00:00:00.000-07:00","result":{"n":2,"added":10}}]'
q "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"week\",
    \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}" \
  '[{"timestamp":"2024-04-29T00:00:00.000Z","result":{"n":10}}]'
# nothing there: one row of empty values with granularity all, none otherwise
q '{"queryType":"timeseries","dataSource":"wikiq","intervals":["2024-06-01/2024-06-02"],"granularity":"all",
    "aggregations":[{"type":"count","name":"n"},{"type":"longSum","name":"added","fieldName":"added"},
    {"type":"thetaSketch","name":"u","fieldName":"user"}]}' \
  '[{"timestamp":"2024-06-01T00:00:00.000Z","result":{"n":0,"added":null,"u":0.0}}]'
q '{"queryType":"timeseries","dataSource":"wikiq","intervals":["2024-06-01/2024-06-02"],"granularity":"day",
    "aggregations":[{"type":"count","name":"n"}]}' '[]'

# ---- aggregators and post-aggregators -------------------------------------------
q "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",\"aggregations\":[
    {\"type\":\"count\",\"name\":\"n\"},
    {\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"},
    {\"type\":\"cardinality\",\"name\":\"users\",\"fields\":[\"user\"],\"round\":true},
    {\"type\":\"thetaSketch\",\"name\":\"theta\",\"fieldName\":\"user\"},
    {\"type\":\"HLLSketchBuild\",\"name\":\"hll\",\"fieldName\":\"user\",\"round\":true},
    {\"type\":\"quantilesDoublesSketch\",\"name\":\"q\",\"fieldName\":\"delta\"},
    {\"type\":\"stringFirst\",\"name\":\"firstPage\",\"fieldName\":\"page\"},
    {\"type\":\"stringLast\",\"name\":\"lastPage\",\"fieldName\":\"page\"},
    {\"type\":\"longFirst\",\"name\":\"firstAdded\",\"fieldName\":\"added\"},
    {\"type\":\"doubleLast\",\"name\":\"lastDelta\",\"fieldName\":\"delta\"},
    {\"type\":\"doubleMean\",\"name\":\"mean\",\"fieldName\":\"delta\"},
    {\"type\":\"floatMax\",\"name\":\"fmax\",\"fieldName\":\"ratio\"},
    {\"type\":\"longMin\",\"name\":\"lmin\",\"fieldName\":\"added\"},
    {\"type\":\"filtered\",\"filter\":{\"type\":\"equals\",\"column\":\"channel\",\"matchValueType\":\"STRING\",\"matchValue\":\"#fr\"},
     \"aggregator\":{\"type\":\"count\",\"name\":\"fr\"}},
    {\"type\":\"filtered\",\"filter\":{\"type\":\"equals\",\"column\":\"channel\",\"matchValueType\":\"STRING\",\"matchValue\":\"#it\"},
     \"aggregator\":{\"type\":\"longSum\",\"name\":\"it\",\"fieldName\":\"added\"}}],
  \"postAggregations\":[
    {\"type\":\"quantilesDoublesSketchToQuantile\",\"name\":\"median\",\"field\":{\"type\":\"fieldAccess\",\"fieldName\":\"q\"},\"fraction\":0.5},
    {\"type\":\"thetaSketchEstimate\",\"name\":\"thetaEst\",\"field\":{\"type\":\"fieldAccess\",\"fieldName\":\"theta\"}},
    {\"type\":\"expression\",\"name\":\"perRow\",\"expression\":\"added / n\"},
    {\"type\":\"arithmetic\",\"name\":\"byZero\",\"fn\":\"/\",\"fields\":[{\"type\":\"fieldAccess\",\"fieldName\":\"added\"},{\"type\":\"constant\",\"value\":0}]},
    {\"type\":\"arithmetic\",\"name\":\"quot\",\"fn\":\"quotient\",\"fields\":[{\"type\":\"fieldAccess\",\"fieldName\":\"added\"},{\"type\":\"constant\",\"value\":0}]},
    {\"type\":\"longGreatest\",\"name\":\"greatest\",\"fields\":[{\"type\":\"fieldAccess\",\"fieldName\":\"n\"},{\"type\":\"fieldAccess\",\"fieldName\":\"lmin\"}]},
    {\"type\":\"constant\",\"name\":\"c\",\"value\":7}]}" \
  '[{"timestamp":"2024-05-01T01:00:00.000Z","result":{"n":10,"added":60,"users":4,"theta":3.0,"hll":3,"q":9,
     "firstPage":"Apple","lastPage":"Banana","firstAdded":10,"lastDelta":0.0,"mean":1.5833333333333333,
     "fmax":2.0,"lmin":1,"fr":3,"it":null,"median":0.5,"thetaEst":3.0,"perRow":6,"byZero":0.0,
     "quot":"Infinity","greatest":10,"c":7}}]'

# ---- filters (count of matching rows) ------------------------------------------------
count_where() {
    q "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",\"filter\":$1,
        \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}" \
      "[{\"timestamp\":\"2024-05-01T01:00:00.000Z\",\"result\":{\"n\":$2}}]"
}
count_where '{"type":"bound","dimension":"added","lower":"5","ordering":"numeric"}' 5
count_where '{"type":"in","dimension":"user","values":["alice",null]}' 5
count_where '{"type":"null","column":"user"}' 2
count_where '{"type":"equals","column":"user","matchValueType":"STRING","matchValue":""}' 1
count_where '{"type":"not","field":{"type":"equals","column":"user","matchValueType":"STRING","matchValue":"alice"}}' 5
count_where '{"type":"range","column":"delta","matchValueType":"DOUBLE","lower":0,"lowerOpen":true}' 6
count_where '{"type":"not","field":{"type":"range","column":"delta","matchValueType":"DOUBLE","lower":0,"lowerOpen":true}}' 3
count_where '{"type":"like","dimension":"page","pattern":"%an%"}' 4
count_where '{"type":"regex","dimension":"channel","pattern":"^#(en|de)$"}' 7
count_where '{"type":"interval","dimension":"__time","intervals":["2024-05-02/2024-05-03"]}' 3
count_where '{"type":"expression","expression":"added * 2 > delta * 10"}' 6
count_where '{"type":"or","fields":[{"type":"selector","dimension":"tags","value":"c"},{"type":"null","column":"tags"}]}' 6
count_where '{"type":"not","field":{"type":"in","dimension":"tags","values":["a"]}}' 3
count_where '{"type":"search","dimension":"page","query":{"type":"insensitive_contains","value":"ERR"}}' 2
count_where '{"type":"columnComparison","dimensions":["page","channel"]}' 0
count_where '{"type":"inType","column":"added","matchValueType":"LONG","values":[1,2,3]}' 3
count_where '{"type":"istrue","field":{"type":"not","field":{"type":"selector","dimension":"user","value":"bob"}}}' 6
count_where '{"type":"arrayContainsElement","column":"tags","elementMatchValueType":"STRING","elementMatchValue":"c"}' 3

# ---- topN --------------------------------------------------------------------------
q "{\"queryType\":\"topN\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",\"dimension\":\"page\",
    \"threshold\":2,\"metric\":\"added\",\"aggregations\":[{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"},
    {\"type\":\"count\",\"name\":\"n\"}]}" \
  '[{"timestamp":"2024-05-01T01:00:00.000Z","result":[{"page":"Apple","added":41,"n":4},{"page":"Banana","added":8,"n":3}]}]'
# a multi-value dimension by day: ties go to the smaller value, null first
q "{\"queryType\":\"topN\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"day\",\"dimension\":\"tags\",
    \"threshold\":2,\"metric\":\"n\",\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}" \
  '[{"timestamp":"2024-05-01T00:00:00.000Z","result":[{"tags":null,"n":2},{"tags":"a","n":2}]},
    {"timestamp":"2024-05-02T00:00:00.000Z","result":[{"tags":"c","n":3},{"tags":"a","n":1}]},
    {"timestamp":"2024-05-03T00:00:00.000Z","result":[{"tags":null,"n":1},{"tags":"a","n":1}]}]'
q "{\"queryType\":\"topN\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",\"dimension\":\"channel\",
    \"threshold\":5,\"metric\":{\"type\":\"dimension\",\"ordering\":\"lexicographic\",\"previousStop\":\"#de\"},
    \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}" \
  '[{"timestamp":"2024-05-01T01:00:00.000Z","result":[{"channel":"#en","n":5},{"channel":"#fr","n":3}]}]'

# ---- groupBy -------------------------------------------------------------------------
EV() { echo "{\"version\":\"v1\",\"timestamp\":\"${2:-2024-05-01T00:00:00.000Z}\",\"event\":$1}"; }
GB_NOT_ALICE="{\"queryType\":\"groupBy\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",\"dimensions\":[\"channel\"],
    \"filter\":{\"type\":\"not\",\"field\":{\"type\":\"equals\",\"column\":\"user\",\"matchValueType\":\"STRING\",\"matchValue\":\"alice\"}},
    \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]"
q "$GB_NOT_ALICE}" "[$(EV '{"channel":"#de","n":2,"added":5}'),$(EV '{"channel":"#en","n":2,"added":8}'),$(EV '{"channel":"#fr","n":1,"added":null}')]"
q "$GB_NOT_ALICE,\"having\":{\"type\":\"greaterThan\",\"aggregation\":\"n\",\"value\":1},
    \"limitSpec\":{\"type\":\"default\",\"limit\":5,\"columns\":[{\"dimension\":\"added\",\"direction\":\"descending\"}]}}" \
  "[$(EV '{"channel":"#en","n":2,"added":8}'),$(EV '{"channel":"#de","n":2,"added":5}')]"
q "{\"queryType\":\"groupBy\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"day\",\"dimensions\":[\"channel\"],
    \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}" \
  "[$(EV '{"channel":"#en","n":2}' 2024-05-01T00:00:00.000Z),$(EV '{"channel":"#fr","n":2}' 2024-05-01T00:00:00.000Z),
    $(EV '{"channel":"#de","n":1}' 2024-05-02T00:00:00.000Z),$(EV '{"channel":"#en","n":2}' 2024-05-02T00:00:00.000Z),
    $(EV '{"channel":"#de","n":1}' 2024-05-03T00:00:00.000Z),$(EV '{"channel":"#en","n":1}' 2024-05-03T00:00:00.000Z),
    $(EV '{"channel":"#fr","n":1}' 2024-05-03T00:00:00.000Z)]"
q "{\"queryType\":\"groupBy\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",\"dimensions\":[\"channel\",\"page\"],
    \"subtotalsSpec\":[[\"channel\"],[]],\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"},
    {\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"}]}" \
  "[$(EV '{"channel":"#de","page":null,"n":2,"added":5}'),$(EV '{"channel":"#en","page":null,"n":5,"added":46}'),
    $(EV '{"channel":"#fr","page":null,"n":3,"added":9}'),$(EV '{"channel":null,"page":null,"n":10,"added":60}')]"
q "{\"queryType\":\"groupBy\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",
    \"virtualColumns\":[{\"type\":\"expression\",\"name\":\"v\",\"expression\":\"upper(substring(page, 0, 1))\",\"outputType\":\"STRING\"}],
    \"dimensions\":[{\"type\":\"default\",\"dimension\":\"v\",\"outputName\":\"initial\"}],\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}],
    \"context\":{\"resultAsArray\":true}}" \
  '[["A",4],["B",3],["C",2],["D",1]]'

# ---- scan --------------------------------------------------------------------------
q "{\"queryType\":\"scan\",\"dataSource\":\"wikiq\",$IV,\"columns\":[\"__time\",\"page\",\"tags\",\"user\",\"added\",\"delta\"],
    \"order\":\"descending\",\"limit\":3,\"resultFormat\":\"compactedList\"}" \
  '[{"segmentId":null,"columns":["__time","page","tags","user","added","delta"],
     "events":[[1714777199999,"Banana","b",null,2,0.0],[1714730400000,"Cherry",null,"alice",8,2.0],[1714694400000,"Apple","a","carol",4,-1.0]],
     "rowSignature":[{"name":"__time","type":"LONG"},{"name":"page","type":"STRING"},{"name":"tags","type":"STRING"},
       {"name":"user","type":"STRING"},{"name":"added","type":"LONG"},{"name":"delta","type":"DOUBLE"}]}]'
scan=$(query "{\"queryType\":\"scan\",\"dataSource\":\"wikiq\",$IV,\"columns\":[\"page\",\"tags\",\"ratio\",\"nope\"],
    \"filter\":{\"type\":\"selector\",\"dimension\":\"tags\",\"value\":\"c\"},\"offset\":1}")
echo "$scan" | jq -r '.[0].segmentId' | grep -q '^wikiq_2024-05-02T00:00:00.000Z_2024-05-03T00:00:00.000Z_' ||
    fail "scan segmentId: $scan"
json_eq "$(echo "$scan" | jq -c 'map(del(.segmentId))')" \
  '[{"columns":["page","tags","ratio","nope"],
     "events":[{"page":"Banana","tags":"c","ratio":0.25,"nope":null},{"page":"Durian","tags":["a","c"],"ratio":null,"nope":null}],
     "rowSignature":[{"name":"page","type":"STRING"},{"name":"tags","type":"STRING"},{"name":"ratio","type":"FLOAT"},{"name":"nope"}]}]'

# ---- timeBoundary, dataSourceMetadata, search ------------------------------------------------
q '{"queryType":"timeBoundary","dataSource":"wikiq"}' \
  '[{"timestamp":"2024-05-01T01:00:00.000Z","result":{"minTime":"2024-05-01T01:00:00.000Z","maxTime":"2024-05-03T22:59:59.999Z"}}]'
q '{"queryType":"timeBoundary","dataSource":"wikiq","bound":"maxTime","filter":{"type":"selector","dimension":"channel","value":"#de"}}' \
  '[{"timestamp":"2024-05-03T00:00:00.000Z","result":{"maxTime":"2024-05-03T00:00:00.000Z"}}]'
q '{"queryType":"dataSourceMetadata","dataSource":"wikiq"}' \
  '[{"timestamp":"2024-05-03T22:59:59.999Z","result":{"maxIngestedEventTime":"2024-05-03T22:59:59.999Z"}}]'
q "{\"queryType\":\"search\",\"dataSource\":\"wikiq\",$IV,\"searchDimensions\":[\"page\",\"user\"],
    \"query\":{\"type\":\"insensitive_contains\",\"value\":\"AN\"}}" \
  '[{"timestamp":"2024-05-01T00:00:00.000Z","result":[{"dimension":"page","value":"Banana","count":3},{"dimension":"page","value":"Durian","count":1}]}]'

# ---- segmentMetadata ---------------------------------------------------------------------
meta=$(query "{\"queryType\":\"segmentMetadata\",\"dataSource\":\"wikiq\",$IV,\"merge\":true,
    \"analysisTypes\":[\"cardinality\",\"minmax\",\"interval\",\"rollup\",\"queryGranularity\"]}")
echo "$meta" | jq -r '.[0].id' | grep -q '^wikiq_2024-05-03T00:00:00.000Z_2024-05-04T00:00:00.000Z_merged$' ||
    fail "merged id: $meta"
col() { echo "{\"typeSignature\":\"$1\",\"type\":\"$1\",\"hasMultipleValues\":$2,\"hasNulls\":$3,\"size\":0,\"cardinality\":$4,\"minValue\":$5,\"maxValue\":$6,\"errorMessage\":null}"; }
json_eq "$(echo "$meta" | jq -c '.[0] | del(.id)')" \
  "{\"intervals\":[\"2024-05-01T00:00:00.000Z/2024-05-01T23:00:00.001Z\",\"2024-05-02T00:00:00.000Z/2024-05-02T13:00:00.001Z\",
     \"2024-05-03T00:00:00.000Z/2024-05-03T23:00:00.000Z\"],
    \"columns\":{\"__time\":$(col LONG false false null null null),
      \"channel\":$(col STRING false false 3 '"#de"' '"#fr"'),
      \"page\":$(col STRING false false 3 '"Apple"' '"Durian"'),
      \"user\":$(col STRING false true 4 null '"carol"'),
      \"tags\":$(col STRING true true 3 null '"c"'),
      \"count\":$(col LONG false false null null null),
      \"added\":$(col LONG false true null null null),
      \"delta\":$(col DOUBLE false true null null null),
      \"ratio\":$(col FLOAT false true null null null)},
    \"size\":0,\"numRows\":10,\"aggregators\":null,\"projections\":null,\"timestampSpec\":null,
    \"queryGranularity\":{\"type\":\"none\"},\"rollup\":false}"

# ---- datasources -------------------------------------------------------------------------
q "{\"queryType\":\"timeseries\",\"dataSource\":{\"type\":\"union\",\"dataSources\":[\"wikiq\",\"nope\"]},$IV,
    \"granularity\":\"all\",\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}" \
  '[{"timestamp":"2024-05-01T01:00:00.000Z","result":{"n":10}}]'
q "{\"queryType\":\"groupBy\",\"dataSource\":{\"type\":\"query\",\"query\":{\"queryType\":\"groupBy\",\"dataSource\":\"wikiq\",$IV,
      \"granularity\":\"day\",\"dimensions\":[\"page\"],\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}},$IV,
    \"granularity\":\"all\",\"dimensions\":[],\"aggregations\":[{\"type\":\"count\",\"name\":\"pageDays\"},
    {\"type\":\"longMax\",\"name\":\"most\",\"fieldName\":\"n\"},{\"type\":\"longSum\",\"name\":\"total\",\"fieldName\":\"n\"}]}" \
  "[$(EV '{"pageDays":9,"most":2,"total":10}')]"
q "{\"queryType\":\"groupBy\",\"dataSource\":{\"type\":\"join\",\"left\":\"wikiq\",\"right\":{\"type\":\"inline\",
      \"columnNames\":[\"ch\",\"lang\"],\"rows\":[[\"#en\",\"English\"],[\"#fr\",\"French\"]]},\"rightPrefix\":\"j.\",
      \"condition\":\"channel == \\\"j.ch\\\"\",\"joinType\":\"LEFT\"},$IV,\"granularity\":\"all\",
    \"dimensions\":[\"j.lang\"],\"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}]}" \
  "[$(EV '{"j.lang":null,"n":2}'),$(EV '{"j.lang":"English","n":5}'),$(EV '{"j.lang":"French","n":3}')]"
q '{"queryType":"groupBy","dataSource":{"type":"inline","columnNames":["k","v"],"columnTypes":["STRING","DOUBLE"],
    "rows":[["x",1.5],["y",2],["x",0.25]]},"intervals":["1970/1971"],"granularity":"all","dimensions":["k"],
    "aggregations":[{"type":"doubleSum","name":"v","fieldName":"v"}]}' \
  '[{"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"k":"x","v":1.75}},
    {"version":"v1","timestamp":"1970-01-01T00:00:00.000Z","event":{"k":"y","v":2.0}}]'

# ---- bySegment, errors -------------------------------------------------------------------
bys=$(query "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",
    \"aggregations\":[{\"type\":\"count\",\"name\":\"n\"}],\"context\":{\"bySegment\":true}}")
json_eq "$(echo "$bys" | jq -c 'map({timestamp, results: .result.results, interval: .result.interval})')" \
  '[{"timestamp":"2024-05-01T00:00:00.000Z","results":[{"timestamp":"2024-05-01T01:00:00.000Z","result":{"n":4}}],
     "interval":"2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z"},
    {"timestamp":"2024-05-02T00:00:00.000Z","results":[{"timestamp":"2024-05-02T02:00:00.000Z","result":{"n":3}}],
     "interval":"2024-05-02T00:00:00.000Z/2024-05-03T00:00:00.000Z"},
    {"timestamp":"2024-05-03T00:00:00.000Z","results":[{"timestamp":"2024-05-03T00:00:00.000Z","result":{"n":3}}],
     "interval":"2024-05-03T00:00:00.000Z/2024-05-04T00:00:00.000Z"}]'
expect_req 400 "{\"error\":\"Json parse failed\",\"errorMessage\":\"Invalid native query: filter.type: unknown filter type 'nope'\",\"errorClass\":\"com.fasterxml.jackson.databind.exc.ValueInstantiationException\",\"host\":null}" \
    POST /druid/v2 -H 'Content-Type: application/json' \
    --data-binary "{\"queryType\":\"timeseries\",\"dataSource\":\"wikiq\",$IV,\"granularity\":\"all\",\"filter\":{\"type\":\"nope\"}}"
echo "query_wikipedia: ok"
