// viem, unchanged, as a peer client of the OP Stack devnet: the oracle that the devnet and
// interop behave like the real chains. No package.json: viem is required from the npm cache
// that `python -m interop.devnet.install` fills (NODE_PATH points there; see
// tests/integration/test_peer_viem.py, which runs this script).
//
// usage: node peer.cjs '<config json>' '<private key>'
// config: {l1: {id, url, multicall3}, l2: {id, url, portal, disputeGameFactory | l2OutputOracle,
//          l1StandardBridge}}
// Then one request per stdin line, {"action": ..., "args": {...}, "now": L1 clock in seconds},
// one answer per stdout line,
// {"ok": result} or {"error": message} (bigints as decimal strings); the process stays up, so
// node and viem load once per test. Every action uses only viem's public OP Stack actions
// (publicActionsL1/L2, walletActionsL1/L2) and chain definitions built from the devnet's
// addresses, as a user of a real OP chain would write them.
'use strict';
const { createPublicClient, createWalletClient, defineChain, http } = require('viem');
const { privateKeyToAccount } = require('viem/accounts');
const {
  chainConfig,
  getL2TransactionHashes,
  getWithdrawals,
  publicActionsL1,
  publicActionsL2,
  walletActionsL1,
  walletActionsL2,
} = require('viem/op-stack');

const readline = require('node:readline');

const config = JSON.parse(process.argv[2]);
const account = privateKeyToAccount(process.argv[3]);
const ether = { name: 'Ether', symbol: 'ETH', decimals: 18 };

const l1Chain = defineChain({
  id: config.l1.id,
  name: `devnet L1 ${config.l1.id}`,
  nativeCurrency: ether,
  rpcUrls: { default: { http: [config.l1.url] } },
  contracts: { multicall3: { address: config.l1.multicall3 } },
});
const on = (address) => (address ? { [config.l1.id]: { address } } : undefined);
const l2Chain = defineChain({
  ...chainConfig,
  id: config.l2.id,
  name: `devnet OP L2 ${config.l2.id}`,
  nativeCurrency: ether,
  rpcUrls: { default: { http: [config.l2.url] } },
  sourceId: config.l1.id,
  contracts: {
    ...chainConfig.contracts,
    portal: on(config.l2.portal),
    disputeGameFactory: on(config.l2.disputeGameFactory),
    l2OutputOracle: on(config.l2.l2OutputOracle),
    l1StandardBridge: on(config.l2.l1StandardBridge),
  },
});

const transport = (url) => http(url, { retryCount: 0 });
const l1 = createPublicClient({ chain: l1Chain, transport: transport(config.l1.url) }).extend(
  publicActionsL1(),
);
const l2 = createPublicClient({ chain: l2Chain, transport: transport(config.l2.url) }).extend(
  publicActionsL2(),
);
const wallet1 = () =>
  createWalletClient({ account, chain: l1Chain, transport: transport(config.l1.url) }).extend(
    walletActionsL1(),
  );
const wallet2 = () =>
  createWalletClient({ account, chain: l2Chain, transport: transport(config.l2.url) }).extend(
    walletActionsL2(),
  );

async function withdrawalOf(hash) {
  const receipt = await l2.getTransactionReceipt({ hash });
  const [withdrawal] = getWithdrawals(receipt);
  return { receipt, withdrawal };
}

const actions = {
  // an L1 -> L2 deposit started by someone else: viem derives its L2 hash and reads the result
  async readDeposit({ hash }) {
    const receipt = await l1.getTransactionReceipt({ hash });
    const [l2Hash] = getL2TransactionHashes(receipt);
    const l2Receipt = await l2.waitForTransactionReceipt({ hash: l2Hash, timeout: 20_000 });
    return { l2Hash, status: l2Receipt.status, l2Block: l2Receipt.blockNumber };
  },
  async deposit({ to, value }) {
    const request = await l2.buildDepositTransaction({ account, to, mint: BigInt(value) });
    const hash = await wallet1().depositTransaction(request);
    const receipt = await l1.waitForTransactionReceipt({ hash });
    const [l2Hash] = getL2TransactionHashes(receipt);
    return { hash, status: receipt.status, l2Hash };
  },
  async withdraw({ to, value }) {
    const request = await l1.buildInitiateWithdrawal({ account, to, value: BigInt(value) });
    const hash = await wallet2().initiateWithdrawal(request);
    const receipt = await l2.waitForTransactionReceipt({ hash });
    return { hash, status: receipt.status, l2Block: receipt.blockNumber };
  },
  async status({ hash }) {
    const { receipt } = await withdrawalOf(hash);
    return await l1.getWithdrawalStatus({ receipt, targetChain: l2Chain });
  },
  async prove({ hash }) {
    const { receipt, withdrawal } = await withdrawalOf(hash);
    const gameOrOutput = config.l2.disputeGameFactory
      ? { game: await l1.getGame({ l2BlockNumber: receipt.blockNumber, targetChain: l2Chain }) }
      : { output: await l1.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: l2Chain }) };
    const proveArgs = await l2.buildProveWithdrawal({ ...gameOrOutput, withdrawal });
    const tx = await wallet1().proveWithdrawal(proveArgs);
    const rcpt = await l1.waitForTransactionReceipt({ hash: tx });
    return { hash: tx, status: rcpt.status, l2Block: (gameOrOutput.game || gameOrOutput.output).l2BlockNumber };
  },
  async timeToFinalize({ hash }) {
    const { withdrawal } = await withdrawalOf(hash);
    return await l1.getTimeToFinalize({ withdrawalHash: withdrawal.withdrawalHash, targetChain: l2Chain });
  },
  async finalize({ hash }) {
    const { withdrawal } = await withdrawalOf(hash);
    const tx = await wallet1().finalizeWithdrawal({ targetChain: l2Chain, withdrawal });
    const rcpt = await l1.waitForTransactionReceipt({ hash: tx });
    return { hash: tx, status: rcpt.status };
  },
};

// The peer's clock is the devnet's L1 clock: viem measures some periods with the wall clock
// (getTimeToFinalize, and with it the legacy portal's getWithdrawalStatus), which on a real
// chain agrees with block time; the devnet moves block time ahead with fast_forward, so each
// request brings the L1 clock ("now", seconds) and Date.now follows it.
const realNow = Date.now;
let offsetMs = 0;
Date.now = () => realNow() + offsetMs;

const json = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    try {
      const { action, args, now } = JSON.parse(line);
      if (now !== undefined) offsetMs = now * 1000 - realNow();
      const run = actions[action];
      if (!run) throw new Error(`unknown action ${action}`);
      process.stdout.write(json({ ok: await run(args || {}) }) + '\n');
    } catch (err) {
      process.stdout.write(json({ error: String(err && err.stack ? err.stack : err) }) + '\n');
    }
  });
});
