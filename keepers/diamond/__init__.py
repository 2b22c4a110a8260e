"""EIP-2535 diamonds: which facets each diamond has, deploying them idempotently, upgrading them."""
