// The node side of bench/http/client.sh: N GET requests with fetch from C concurrent loops.
// Usage: node node_client.mjs URL N C → prints JSON {requests, seconds, rps}
const [url, total, concurrency] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const per = Math.floor(total / concurrency);
async function loop() {
  for (let i = 0; i < per; i++) {
    const r = await fetch(url);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    await r.text();
  }
  return per;
}
const start = process.hrtime.bigint();
const counts = await Promise.all(Array.from({ length: concurrency }, loop));
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const requests = counts.reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ requests, seconds, rps: requests / seconds }));
