"""`ape console --network …` extras: the network's diamonds, by name, with every facet's functions.

master.allocate(child, token, amount, sender=owner)
children.arb.setBot(bot, True, sender=owner)
facets.RiskFacet.address
"""


def ape_init_extras(project, networks):
    from keepers.diamond.console import console_namespace

    network = networks.provider.network
    return console_namespace(project, network.ecosystem.name, network.name)
