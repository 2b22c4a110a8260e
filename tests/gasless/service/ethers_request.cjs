// A dapp's gasless request with ethers 6: the user's wallet signs EIP-712 typed data, the dapp posts it.
//
//   node ethers_request.cjs RELAYER_URL NODE_URL DIAMOND CALLDATA    (USER_KEY: the user's key)
//
// Reads the domain from the diamond (ERC-5267 eip712Domain) and the user's nonce, sets `gas` as
// docs/gasless.md says (the inner call estimated as a direct call, plus a quarter), signs with
// Wallet.signTypedData, posts the body of docs/gasless.md to the relayer and polls the request until
// it is mined or failed. Prints one JSON object: the request as posted and the relayer's last answer.

"use strict";

const { Contract, JsonRpcProvider, Wallet } = require("ethers");

const ABI = [
  "function nonces(address signer) view returns (uint256)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
];
const TYPES = {
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
};
const VALID_FOR = 3600; // seconds past the chain's latest block, as dapps set swap deadlines
const POLL_MS = 50;
const GIVE_UP_MS = 20000;

async function main() {
  const [relayerUrl, nodeUrl, diamondAddress, data] = process.argv.slice(2);
  const provider = new JsonRpcProvider(nodeUrl);
  const user = new Wallet(process.env.USER_KEY, provider);
  const diamond = new Contract(diamondAddress, ABI, provider);
  try {
    const [, name, version, chainId, verifyingContract] = await diamond.eip712Domain();
    const head = await provider.getBlock("latest");
    const direct = await provider.estimateGas({ from: user.address, to: diamondAddress, data });
    const request = {
      from: user.address,
      to: diamondAddress,
      value: 0n,
      gas: (direct * 5n) / 4n,
      nonce: await diamond.nonces(user.address),
      deadline: head.timestamp + VALID_FOR,
      data,
    };
    const signature = await user.signTypedData({ name, version, chainId, verifyingContract }, TYPES, request);
    // uint256 fields as decimal strings: JSON numbers lose precision past 2^53.
    const body = {
      request: { ...request, value: request.value.toString(), gas: request.gas.toString(), nonce: request.nonce.toString() },
      signature,
    };
    const posted = await fetch(`${relayerUrl}/v1/requests`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const accepted = await posted.json();
    if (posted.status !== 202) throw new Error(`refused with ${posted.status}: ${JSON.stringify(accepted)}`);
    const status = await untilFinal(`${relayerUrl}/v1/requests/${accepted.id}`);
    process.stdout.write(JSON.stringify({ body, id: accepted.id, status }) + "\n");
  } finally {
    provider.destroy();
  }
}

async function untilFinal(url) {
  const giveUp = Date.now() + GIVE_UP_MS;
  for (;;) {
    const status = await (await fetch(url)).json();
    if (status.status === "mined" || status.status === "failed") return status;
    if (Date.now() > giveUp) throw new Error(`still ${status.status} after ${GIVE_UP_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
