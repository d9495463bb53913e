// @arbitrum/sdk, unchanged, against the interop devnet: the oracle that the devnet (and the
// flows interop starts and finishes on it) behave like Arbitrum One.
//
// Usage: node arb_peer.js <command> '<json args>'   -> one JSON object on stdout; or
//        node arb_peer.js   (no arguments): one JSON request {"cmd": ..., ...args} per stdin line,
//        one JSON answer per stdout line ({"ok": result} or {"error": text}); loading the SDK
//        once saves ~1.5 s a command.
// Every command discovers the chain from its rollup alone
// (getArbitrumNetworkInformationFromRollup) and registers it (registerCustomArbitrumNetwork),
// as a user of a new Orbit chain would. Commands:
//   network                 the discovered network
//   withdrawal-status       {txHash}            ChildToParentMessage.status()
//   withdrawal-execute      {txHash, key}       ChildToParentMessage.execute()
//   withdraw                {key, dest, value}  EthBridger.withdraw (a flow for interop to finish)
//   retryable-status        {l1TxHash}          ParentToChildMessage.status()
//   retryable-redeem        {l1TxHash, key}     redeem() + waitForRedeem()
// Common args: l1, l2 (RPC URLs), rollup.
'use strict'

const { ethers } = require('ethers')
const sdk = require('@arbitrum/sdk')

async function network(a, l1, l2) {
  const info = await sdk.getArbitrumNetworkInformationFromRollup(a.rollup, l1)
  const chainId = (await l2.getNetwork()).chainId
  const net = {
    ...info,
    chainId,
    name: 'interop-devnet-arbitrum',
    isCustom: true,
    isTestnet: true,
  }
  sdk.registerCustomArbitrumNetwork(net, { throwIfAlreadyRegistered: false })
  return net
}

async function childToParent(a, l1Signer, l2) {
  const rcpt = await l2.getTransactionReceipt(a.txHash)
  if (!rcpt) throw new Error(`no child-chain receipt for ${a.txHash}`)
  const msgs = await new sdk.ChildTransactionReceipt(rcpt).getChildToParentMessages(l1Signer)
  if (msgs.length !== 1) throw new Error(`expected 1 L2->L1 message, got ${msgs.length}`)
  return msgs[0]
}

async function parentToChild(a, l1, l2Signer) {
  const rcpt = await l1.getTransactionReceipt(a.l1TxHash)
  if (!rcpt) throw new Error(`no parent-chain receipt for ${a.l1TxHash}`)
  const msgs = await new sdk.ParentTransactionReceipt(rcpt).getParentToChildMessages(l2Signer)
  if (msgs.length !== 1) throw new Error(`expected 1 retryable, got ${msgs.length}`)
  return msgs[0]
}

const C2P = sdk.ChildToParentMessageStatus
const P2C = sdk.ParentToChildMessageStatus

let registered = null

async function run(cmd, a) {
  const l1 = new ethers.providers.StaticJsonRpcProvider(a.l1)
  const l2 = new ethers.providers.StaticJsonRpcProvider(a.l2)
  if (registered === null || registered.rollup !== a.rollup) {
    registered = { rollup: a.rollup, net: await network(a, l1, l2) }
  }
  const net = registered.net
  const dummy = ethers.Wallet.createRandom()
  switch (cmd) {
    case 'network':
      return net
    case 'withdrawal-status': {
      const msg = await childToParent(a, dummy.connect(l1), l2)
      return { status: C2P[await msg.status(l2)] }
    }
    case 'withdrawal-execute': {
      const signer = new ethers.Wallet(a.key, l1)
      const msg = await childToParent(a, signer, l2)
      const tx = await msg.execute(l2)
      const rcpt = await tx.wait()
      return { txHash: rcpt.transactionHash, txStatus: rcpt.status, status: C2P[await msg.status(l2)] }
    }
    case 'withdraw': {
      const signer = new ethers.Wallet(a.key, l2)
      const bridger = await sdk.EthBridger.fromProvider(l2)
      const tx = await bridger.withdraw({
        amount: ethers.BigNumber.from(a.value),
        destinationAddress: a.dest,
        from: signer.address,
        childSigner: signer,
      })
      const rcpt = await tx.wait()
      return { txHash: rcpt.transactionHash, txStatus: rcpt.status }
    }
    case 'retryable-status': {
      const msg = await parentToChild(a, l1, l2)
      return { status: P2C[await msg.status()], ticket: msg.retryableCreationId }
    }
    case 'retryable-redeem': {
      const signer = new ethers.Wallet(a.key, l2)
      const msg = await parentToChild(a, l1, signer)
      const before = P2C[await msg.status()]
      const redeemTx = await msg.redeem()
      const retry = await redeemTx.waitForRedeem()
      const redeemRcpt = await l2.getTransactionReceipt(redeemTx.hash)
      return {
        before,
        redeemTxHash: redeemTx.hash,
        redeemBlock: redeemRcpt.blockNumber,
        retryBlock: retry ? retry.blockNumber : null,
        retryTxHash: retry ? retry.transactionHash : null,
        retryStatus: retry ? retry.status : null,
        status: P2C[await msg.status()],
      }
    }
    default:
      throw new Error(`unknown command ${cmd}`)
  }
}

function serve() {
  const rl = require('readline').createInterface({ input: process.stdin })
  let chain = Promise.resolve()
  rl.on('line', line => {
    if (!line.trim()) return
    chain = chain.then(async () => {
      let answer
      try {
        const req = JSON.parse(line)
        answer = { ok: await run(req.cmd, req) }
      } catch (err) {
        answer = { error: String((err && err.stack) || err) }
      }
      process.stdout.write(JSON.stringify(answer) + '\n')
    })
  })
}

if (process.argv.length > 2) {
  const [cmd, raw] = process.argv.slice(2)
  run(cmd, JSON.parse(raw || '{}')).then(
    out => {
      process.stdout.write(JSON.stringify(out) + '\n')
    },
    err => {
      process.stderr.write(String((err && err.stack) || err) + '\n')
      process.exit(1)
    }
  )
} else {
  serve()
}
