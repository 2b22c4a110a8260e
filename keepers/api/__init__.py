"""The operator API and dashboard: status, balances, control, journal, rewards, metrics, live events.

Reads the store and the chain; starts and stops keepers only through the `keepers up`
supervisor's rows in the store, and pauses the master with the operator key.
"""
