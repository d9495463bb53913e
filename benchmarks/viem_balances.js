// viem side of benchmarks/balances.py: the same balances, viem's documented best way
// (`multicall` of Multicall3 `getEthBalance` and ERC-20 `balanceOf`, all chains concurrently).
// Input (stdin, JSON): {viem: path, chains: {id: url}, addresses: [...], tokens: {id: addr},
// runs, batchSizes: [...]}. Output (stdout, JSON): per batch size, per mode (native, native+token)
// median wall ms and client CPU µs per balance, HTTP requests per call (counted by viem's
// `onFetchRequest` hook in the first, untimed call), plus the balances' sums for a correctness
// check; and `peak`: this fresh process's resident memory before its first full call (after a
// 10-address warm-up call) and its peak (VmHWM, reset just before) after it: the first native read at the first
// batch size; and the growth of V8's used heap over the call, sampled every 2 ms.
const fs = require('fs');
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const viem = require(input.viem);
const MC3 = '0xcA11bde05977b3631167028862bE2a173976CA11';
const mc3Abi = viem.parseAbi(['function getEthBalance(address) view returns (uint256)']);
const erc20Abi = viem.parseAbi(['function balanceOf(address) view returns (uint256)']);

let requests = 0;

// Peak resident memory from the kernel (VmHWM), reset before the measured call: ru_maxrss
// (process.resourceUsage().maxRSS) is carried over from the parent across fork and exec.
function resetPeak() { fs.writeFileSync('/proc/self/clear_refs', '5'); }
function peakKb() {
  const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return Number(m[1]);
}

function clientFor(id, url) {
  const chain = viem.defineChain({
    id: Number(id), name: `c${id}`, nativeCurrency: {name: 'E', symbol: 'E', decimals: 18},
    rpcUrls: {default: {http: [url]}}, contracts: {multicall3: {address: MC3}},
  });
  return viem.createPublicClient({chain, transport: viem.http(url, {onFetchRequest: () => { requests += 1; }})});
}

async function once(clients, addrs, tokens, withTokens, batchSize) {
  const parts = await Promise.all(Object.entries(clients).map(async ([id, c]) => {
    const contracts = [];
    for (const a of addrs) {
      contracts.push({address: MC3, abi: mc3Abi, functionName: 'getEthBalance', args: [a]});
      if (withTokens) contracts.push({address: tokens[id], abi: erc20Abi, functionName: 'balanceOf', args: [a]});
    }
    const res = await c.multicall({contracts, batchSize});
    let sum = 0n;
    for (const r of res) { if (r.status !== 'success') throw new Error('viem sub-call failed'); sum += r.result; }
    return sum;
  }));
  return parts.reduce((x, y) => x + y, 0n);
}

(async () => {
  const clients = {};
  for (const [id, url] of Object.entries(input.chains)) clients[id] = clientFor(id, url);
  const out = {};
  let peak = null;
  // a small call first, as the Python contestants do: connections and lazy set-up are not a call's
  await once(clients, input.addresses.slice(0, 10), input.tokens, false, input.batchSizes[0]);
  for (const bs of input.batchSizes) {
    for (const withTokens of [false, true]) {
      if (withTokens && !input.tokens) continue;
      const key = `${withTokens ? 'native_token' : 'native'}_batch${bs}`;
      if (peak === null) resetPeak();
      const mem0 = process.memoryUsage();
      let heapMax = mem0.heapUsed;
      const sampler = setInterval(() => { heapMax = Math.max(heapMax, process.memoryUsage().heapUsed); }, 2);
      requests = 0;
      const sum = await once(clients, input.addresses, input.tokens, withTokens, bs); // warm
      clearInterval(sampler);
      const callRequests = requests;
      if (peak === null) {
        peak = {key: `native_batch${bs}`, rss_before_kb: Math.round(mem0.rss / 1024),
                maxrss_kb: peakKb(),
                heap_peak_kb: Math.round((heapMax - mem0.heapUsed) / 1024)};
      }
      const walls = [], cpus = [];
      for (let i = 0; i < input.runs; i++) {
        const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
        await once(clients, input.addresses, input.tokens, withTokens, bs);
        walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const c = process.cpuUsage(c0); cpus.push((c.user + c.system));
      }
      walls.sort((a, b) => a - b); cpus.sort((a, b) => a - b);
      const n = input.addresses.length * Object.keys(clients).length * (withTokens ? 2 : 1);
      out[key] = {ms: walls[walls.length >> 1], cpu_us_per_balance: cpus[cpus.length >> 1] / n,
                  balances: n, requests: callRequests, sum: sum.toString()};
    }
  }
  out.peak = peak;
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
