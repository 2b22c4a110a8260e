"""The gasless relayer: users sign EIP-712 requests, the relayer checks them, pays for and sends them
to the diamond's GaslessRelayFacet, and reports each one's fate.

`request` (wire format, digest, signing, recovery) → `validation` (pure checks, rate limits) →
`journal` (the store) → `submitter` (simulate, nonce, fees, resubmission, receipts) → `service`
(HTTP API and `keepers run gasless`). `contract` reads the facet; `signer` builds a user's request.
"""
