"""Starting and stopping anvil."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from web3 import Web3

from keepers.toolchain.anvil import Anvil, AnvilError


def test_anvil_listens_on_loopback_on_a_free_port_and_stops(tmp_path):
    with Anvil(chain_id=777, log_path=tmp_path / "anvil.log") as node:
        assert node.host == "127.0.0.1"
        assert node.port > 0
        assert Web3(Web3.HTTPProvider(node.url)).eth.chain_id == 777
        process = node.process
    assert process.poll() is not None


def test_two_nodes_do_not_collide(tmp_path):
    with Anvil(log_path=tmp_path / "a.log") as a, Anvil(log_path=tmp_path / "b.log") as b:
        assert a.port != b.port


def test_missing_binary_is_a_clear_error(tmp_path):
    with pytest.raises(AnvilError, match="anvil not found"):
        Anvil(executable=tmp_path / "nope").start()


def test_a_node_that_exits_at_once_reports_its_output(tmp_path):
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\necho 'error: something is wrong'\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(AnvilError, match="exited with code 3: error: something is wrong"):
        Anvil(executable=fake, log_path=tmp_path / "log").start()


def test_a_killed_node_leaves_no_evicted_states_behind(tmp_path):
    """Anvil keeps evicted states under $HOME/.foundry and removes them only on a clean exit: each
    node has a home of its own, gone once the node is stopped, even after a SIGKILL."""
    anvil = Anvil(log_path=tmp_path / "anvil.log")
    node = anvil.start()
    environ = dict(item.split("=", 1) for item in open(f"/proc/{node.pid}/environ").read().split("\0") if "=" in item)
    home = Path(environ["HOME"])
    assert home.is_dir() and home != Path.home()
    (home / ".foundry" / "anvil" / "tmp" / "anvil-state-x").mkdir(parents=True)  # as anvil leaves it
    node.process.kill()
    node.process.wait()
    anvil.stop()
    assert not home.exists()
