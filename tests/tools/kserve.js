// kserve.js — kinesalite (the Kinesis API emulator) bound to 127.0.0.1, for
// varve's tests and for trying varve's Kinesis reader by hand.
//
//   node kserve.js [--port N] [--path DIR] [--verify KEY:SECRET] [--region R]
//                  [--shard-page N]
//
// --port 0 (the default) takes an ephemeral port. Once listening, the one line
// "port N" goes to standard output. kinesalite's own CLI listens on every
// interface and has no host option, hence this wrapper.
//
// What this adds to kinesalite, which accepts any signature:
//  --verify KEY:SECRET  each request must be signed (SigV4, service "kinesis")
//                       by that key pair: a different access key is AWS's
//                       UnrecognizedClientException, a wrong signature its
//                       InvalidSignatureException. The signature is recomputed
//                       with the aws4 package, an implementation independent
//                       of libcurl's.
//  --region R           the credential scope must name region R (AWS answers
//                       InvalidSignatureException otherwise).
//  --shard-page N       ListShards and DescribeStream answer at most N shards per
//                       call, with AWS's paging (NextToken, which must then come
//                       without StreamName; HasMoreShards and
//                       ExclusiveStartShardId), which kinesalite ignores.
//  fault injection      a POST with "X-Amz-Target: VarveTest.InjectFault" and a
//                       body {"Operation":"GetRecords","Error":"ExpiredIteratorException",
//                       "Count":2,"Status":400} makes the next Count calls of
//                       Operation fail with that error (AWS's JSON error shape),
//                       for the failures kinesalite never produces (throttling,
//                       expired iterators, internal errors).
'use strict'

const { Readable } = require('stream')
const http = require('http')
const path = require('path')

let port = 0, dbPath = null, verify = null, region = null, shardPage = 0
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i], v = argv[i + 1]
  if (a === '--port') port = +v, i++
  else if (a === '--path') dbPath = v, i++
  else if (a === '--verify') verify = { key: v.split(':')[0], secret: v.split(':').slice(1).join(':') }, i++
  else if (a === '--region') region = v, i++
  else if (a === '--shard-page') shardPage = +v, i++
  else if (/^\d+$/.test(a)) port = +a // the older positional form: kserve.js 4567
  else { console.error('kserve: unknown argument ' + a); process.exit(2) }
}

const here = __dirname
const kinesalite = require(path.join(here, 'node_modules', 'kinesalite'))
const aws4 = verify ? require(path.join(here, 'node_modules', 'aws4')) : null

const opts = { createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }
if (dbPath) opts.path = dbPath
const inner = kinesalite(opts)
const kinesaliteHandler = inner.listeners('request')[0]

const faults = {} // operation -> [{error, status, message}]

function reply(res, status, type, message) {
  const body = JSON.stringify({ __type: type, message: message })
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1',
                          'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

// null when the request is signed by the configured key pair, else [type, message].
function checkSignature(req, body) {
  const auth = req.headers.authorization || ''
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(auth)
  if (!m) return ['IncompleteSignatureException', 'Authorization header requires a well-formed AWS4-HMAC-SHA256 value']
  const [, key, , scopeRegion, service, signedHeaders, signature] = m
  if (key !== verify.key)
    return ['UnrecognizedClientException', 'The security token included in the request is invalid.']
  if (region && scopeRegion !== region)
    return ['InvalidSignatureException', "Credential should be scoped to a valid region, not '" + scopeRegion + "'. "]
  if (service !== 'kinesis')
    return ['InvalidSignatureException', "Credential should be scoped to correct service: 'kinesis'. "]
  const names = signedHeaders.split(';')
  for (const need of ['host', 'x-amz-date'])
    if (!names.includes(need)) return ['InvalidSignatureException', "'" + need + "' must be a signed header"]
  const headers = {}
  for (const n of names) {
    if (req.headers[n] === undefined) return ['InvalidSignatureException', 'signed header ' + n + ' is missing']
    headers[n] = req.headers[n]
  }
  const signer = new aws4.RequestSigner({ method: req.method, path: req.url, host: req.headers.host,
    service: 'kinesis', region: scopeRegion, headers: headers, body: body, doNotModifyHeaders: true },
  { accessKeyId: verify.key, secretAccessKey: verify.secret })
  signer.datetime = req.headers['x-amz-date']
  if (signer.signedHeaders() !== signedHeaders || signer.signature() !== signature)
    return ['InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.']
  return null
}

// Runs one call through kinesalite and hands back {status, body}.
function callInner(req, bodyObj) {
  return new Promise((resolve) => {
    const body = Buffer.from(JSON.stringify(bodyObj))
    const replay = Readable.from([body])
    replay.headers = Object.assign({}, req.headers, { 'content-length': String(body.length) })
    replay.method = req.method
    replay.url = req.url
    const chunks = []
    const res = { statusCode: 200, setHeader() {}, getHeader() {},
      end(b) { if (b) chunks.push(Buffer.from(b)); resolve({ status: this.statusCode, body: Buffer.concat(chunks) }) } }
    kinesaliteHandler(replay, res)
  })
}

function sendJson(res, status, obj) {
  const body = JSON.stringify(obj)
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

// AWS's paging of ListShards and DescribeStream, shardPage shards per answer.
async function pagedShards(req, res, op, data) {
  if (op === 'ListShards') {
    let stream = data.StreamName, from = 0
    if (data.NextToken) {
      if (data.StreamName) return reply(res, 400, 'InvalidArgumentException', 'NextToken and StreamName cannot be provided together.')
      try { const t = JSON.parse(Buffer.from(data.NextToken, 'base64').toString('utf8')); stream = t.s; from = t.o } catch (e) {
        return reply(res, 400, 'InvalidArgumentException', 'Invalid NextToken.')
      }
    }
    const r = await callInner(req, { StreamName: stream })
    if (r.status !== 200) { res.writeHead(r.status, { 'Content-Type': 'application/x-amz-json-1.1' }); return res.end(r.body) }
    const shards = JSON.parse(r.body.toString('utf8')).Shards
    const out = { Shards: shards.slice(from, from + shardPage) }
    if (from + shardPage < shards.length)
      out.NextToken = Buffer.from(JSON.stringify({ s: stream, o: from + shardPage })).toString('base64')
    return sendJson(res, 200, out)
  }
  const r = await callInner(req, { StreamName: data.StreamName })
  if (r.status !== 200) { res.writeHead(r.status, { 'Content-Type': 'application/x-amz-json-1.1' }); return res.end(r.body) }
  const out = JSON.parse(r.body.toString('utf8'))
  let shards = out.StreamDescription.Shards
  if (data.ExclusiveStartShardId) {
    const at = shards.findIndex((s) => s.ShardId === data.ExclusiveStartShardId)
    shards = shards.slice(at + 1)
  }
  const limit = Math.min(shardPage, data.Limit || 100)
  out.StreamDescription.HasMoreShards = shards.length > limit
  out.StreamDescription.Shards = shards.slice(0, limit)
  return sendJson(res, 200, out)
}

function handle(req, res) {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    const target = req.headers['x-amz-target'] || ''
    if (target === 'VarveTest.InjectFault') {
      let f
      try { f = JSON.parse(body.toString('utf8')) } catch (e) { return reply(res, 400, 'SerializationException', 'bad JSON') }
      const list = faults[f.Operation] = faults[f.Operation] || []
      for (let i = 0; i < (f.Count || 1); i++)
        list.push({ error: f.Error, status: f.Status || 400, message: f.Message || 'injected by kserve.js' })
      res.writeHead(200, { 'Content-Length': 0 })
      return res.end()
    }
    if (verify) {
      const bad = checkSignature(req, body)
      if (bad) return reply(res, bad[0] === 'UnrecognizedClientException' ? 400 : 403, bad[0], bad[1])
    }
    const op = target.split('.')[1]
    if (op && faults[op] && faults[op].length) {
      const f = faults[op].shift()
      return reply(res, f.status, f.error, f.message)
    }
    if (shardPage > 0 && (op === 'ListShards' || op === 'DescribeStream')) {
      let data
      try { data = JSON.parse(body.toString('utf8')) } catch (e) { return reply(res, 400, 'SerializationException', '') }
      return pagedShards(req, res, op, data)
    }
    // kinesalite reads the request as a stream: hand it the buffered body.
    const replay = Readable.from(body.length ? [body] : [])
    replay.headers = req.headers
    replay.method = req.method
    replay.url = req.url
    kinesaliteHandler(replay, res)
  })
}

const server = http.createServer(handle)
server.keepAliveTimeout = 60000
server.listen(port, '127.0.0.1', () => {
  process.stdout.write('port ' + server.address().port + '\n')
})
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
