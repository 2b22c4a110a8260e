"""`ape console --network …` extras: the network's diamonds, by name, with every facet's functions.

    master.allocate(child, token, amount, sender=owner)
    children.arb.setBot(bot, True, sender=owner)
    facets.RiskFacet.address

Reads deployments/<ecosystem>-<network>.json, or the file named by
LAPIDARY_DEPLOYMENTS_FILE (what `ape run deploy --out FILE` wrote).
"""


def ape_init_extras(project, networks):
    import os
    from pathlib import Path

    from keepers.diamond.console import console_namespace

    network = networks.provider.network
    override = os.environ.get("LAPIDARY_DEPLOYMENTS_FILE")
    return console_namespace(project, network.ecosystem.name, network.name, Path(override) if override else None)
