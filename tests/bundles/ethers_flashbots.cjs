// A searcher on @flashbots/ethers-provider-bundle (ethers 6), used as its README shows, against a devrelay.
//
//   node ethers_flashbots.cjs RELAY_URL NODE_URL     (DEV_KEYS: a JSON list of two funded private keys)
//
// Simulates, sends a bundle of two transfers and waits for it, sends a second bundle with a
// replacementUuid and cancels it, and makes the relay refuse two requests. Prints one JSON object
// of what the library returned; tests/bundles/test_third_party_clients.py checks it against the chain.

"use strict";

const { FlashbotsBundleProvider, FlashbotsBundleResolution } = require("@flashbots/ethers-provider-bundle");
const { JsonRpcProvider, Network, Wallet, parseUnits } = require("ethers");

// How many blocks ahead bundles target: the relay mines one every quarter second.
const LEAD = 4;

async function main() {
  const [relayUrl, nodeUrl] = process.argv.slice(2);
  const keys = JSON.parse(process.env.DEV_KEYS);
  const network = Network.from(Number(process.env.CHAIN_ID || 31337));
  const provider = new JsonRpcProvider(nodeUrl, network, { staticNetwork: network });
  provider.pollingInterval = 50; // the library watches blocks through it: poll often, the relay mines fast
  const flashbots = await FlashbotsBundleProvider.create(provider, Wallet.createRandom(), relayUrl, network);
  const [alice, bob] = keys.map((key) => new Wallet(key, provider));
  const fees = {
    type: 2,
    chainId: network.chainId,
    gasLimit: 21000n,
    maxFeePerGas: parseUnits("50", "gwei"),
    maxPriorityFeePerGas: parseUnits("2", "gwei"),
  };
  const report = {};
  try {
    // Simulate, send, wait.
    const signed = await flashbots.signBundle([
      { signer: alice, transaction: { ...fees, to: bob.address, value: 1n } },
      { signer: bob, transaction: { ...fees, to: alice.address, value: 2n } },
    ]);
    const target = (await provider.getBlockNumber()) + LEAD;
    const simulation = await flashbots.simulate(signed, target);
    if ("error" in simulation) throw new Error(`eth_callBundle: ${simulation.error.message}`);
    const sent = await flashbots.sendRawBundle(signed, target);
    if ("error" in sent) throw new Error(`eth_sendBundle: ${sent.error.message}`);
    report.sent = {
      target,
      bundleHash: sent.bundleHash,
      txs: sent.bundleTransactions.map((tx) => tx.hash),
      simulation: {
        bundleHash: simulation.bundleHash,
        totalGasUsed: simulation.totalGasUsed,
        coinbaseDiff: simulation.coinbaseDiff.toString(),
        firstRevert: simulation.firstRevert ?? null,
      },
      resolution: FlashbotsBundleResolution[await sent.wait()],
      receipts: (await sent.receipts()).map((receipt) => ({ hash: receipt.hash, block: receipt.blockNumber })),
    };

    // Cancel by replacementUuid.
    const uuid = crypto.randomUUID();
    const later = await flashbots.signBundle([{ signer: alice, transaction: { ...fees, to: bob.address, value: 3n } }]);
    const laterTarget = (await provider.getBlockNumber()) + LEAD;
    const pending = await flashbots.sendRawBundle(later, laterTarget, { replacementUuid: uuid });
    if ("error" in pending) throw new Error(`eth_sendBundle: ${pending.error.message}`);
    const cancelled = await flashbots.cancelBundles(uuid);
    if ("error" in cancelled) throw new Error(`eth_cancelBundle: ${cancelled.error.message}`);
    report.cancelled = {
      target: laterTarget,
      bundleHash: pending.bundleHash,
      tx: pending.bundleTransactions[0].hash,
      bundleHashes: cancelled.bundleHashes,
      resolution: FlashbotsBundleResolution[await pending.wait()],
    };

    // Refusals come back as the library's { error } answers, with the relay's own message.
    const wrongNonce = await flashbots.signBundle([
      { signer: alice, transaction: { ...fees, nonce: 1000, to: bob.address, value: 1n } },
    ]);
    const head = await provider.getBlockNumber();
    report.refused = {
      simulate: (await flashbots.simulate(wrongNonce, head + 1)).error,
      send: (await flashbots.sendRawBundle([], head + 1)).error,
    };
  } finally {
    provider.destroy();
  }
  process.stdout.write(JSON.stringify(report) + "\n");
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
