// Runs the npm @openzeppelin/merkle-tree on cases read as JSON from stdin; prints one JSON answer.
// Each case: {leafEncoding, values, sortLeaves?, multiproofs?: [[valueIndex...]], dump?: string}
// (with `dump`, the tree is StandardMerkleTree.load(JSON.parse(dump)) instead of .of(values)).
// Each answer: {root, dump: JSON.stringify(tree.dump()), proofs, proofsByValue, multiproofs, render}
// or {error} when the library throws. Needs NODE_PATH=<checkout>/node_modules.
'use strict';
const { StandardMerkleTree } = require('@openzeppelin/merkle-tree');

function run(c) {
  try {
    const tree = c.dump !== undefined
      ? StandardMerkleTree.load(JSON.parse(c.dump))
      : StandardMerkleTree.of(c.values, c.leafEncoding, { sortLeaves: c.sortLeaves ?? true });
    const values = Array.from(tree.entries(), ([, value]) => value);
    return {
      root: tree.root,
      dump: JSON.stringify(tree.dump()),
      proofs: values.map((_, i) => tree.getProof(i)),
      proofsByValue: values.map(value => tree.getProof(value)),
      multiproofs: (c.multiproofs ?? []).map(indices => tree.getMultiProof(indices)),
      render: values.length <= 64 ? tree.render() : null,
    };
  } catch (error) {
    return { error: error.message };
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => (input += chunk));
process.stdin.on('end', () => process.stdout.write(JSON.stringify(JSON.parse(input).map(run))));
