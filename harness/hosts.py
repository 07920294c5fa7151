"""Separate hosts on one machine: a network namespace per app host, joined to this machine by a bridge.

Each host has its own network stack (its own loopback, ports and address on the bridge) and reaches the servers
of this machine (PostgreSQL, PgBouncer, Redis, Varnish) only through the bridge's address, as an app host in a
data centre reaches them over the network. Making namespaces needs root (CAP_NET_ADMIN) and iproute2; where the
machine does not allow it, `HostNetwork.possible()` says so and the caller runs every host on loopback ports.
"""

import os
import shutil
import subprocess


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")
    return result


class HostNetwork:
    """A bridge with this machine at `.1` and one namespace per named host at `.2`, `.3`, …

    Names are made from this process's id so that two runs on one machine do not collide; `destroy()` removes
    the namespaces, their links and the bridge.
    """

    def __init__(self, names: list[str]):
        tag = os.getpid() % 10000
        self.subnet = f"10.231.{os.getpid() % 250}"
        self.bridge = f"nrbr{tag}"
        self.gateway = f"{self.subnet}.1"
        self.hosts = {name: (f"nr{tag}{name}", f"{self.subnet}.{number + 2}") for number, name in enumerate(names)}

    @staticmethod
    def possible() -> bool:
        """True where this process may make network namespaces (root, iproute2 installed, not forbidden)."""
        if os.geteuid() != 0 or shutil.which("ip") is None:
            return False
        trial = f"nrtrial{os.getpid() % 10000}"
        if _ip("netns", "add", trial, check=False).returncode != 0:
            return False
        _ip("netns", "del", trial, check=False)
        return True

    @property
    def cidr(self) -> str:
        return f"{self.subnet}.0/24"

    def create(self) -> "HostNetwork":
        try:
            _ip("link", "add", self.bridge, "type", "bridge")
            _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
            for namespace, address in self.hosts.values():
                outside = f"{namespace}x"[-15:]  # interface names are at most 15 characters
                _ip("netns", "add", namespace)
                _ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", namespace)
                _ip("link", "set", outside, "master", self.bridge, "up")
                _ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
                _ip("-n", namespace, "link", "set", "eth0", "up")
                _ip("-n", namespace, "link", "set", "lo", "up")
                _ip("-n", namespace, "route", "add", "default", "via", self.gateway)
        except Exception:
            self.destroy()
            raise
        return self

    def address(self, name: str) -> str:
        return self.hosts[name][1]

    def run_in(self, name: str) -> list[str]:
        """The command prefix that runs a program on host `name`."""
        return ["ip", "netns", "exec", self.hosts[name][0]]

    def unplug(self, name: str) -> None:
        """Take host `name` off the network, as a failed switch port or a dead machine does."""
        _ip("-n", self.hosts[name][0], "link", "set", "eth0", "down")

    def plug(self, name: str) -> None:
        _ip("-n", self.hosts[name][0], "link", "set", "eth0", "up")
        _ip("-n", self.hosts[name][0], "route", "replace", "default", "via", self.gateway)

    def destroy(self) -> None:
        for namespace, _address in self.hosts.values():
            _ip("netns", "del", namespace, check=False)  # takes its end of the veth pair, and so the pair
        _ip("link", "del", self.bridge, check=False)
