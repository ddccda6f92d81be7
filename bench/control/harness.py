"""Processes and a tiny HTTP/1.1 client for the control-plane benchmarks.

Everything runs on 127.0.0.1 with ports picked at random below the
ephemeral range; processes are killed at exit. Standard library only.
"""

import os
import re
import random
import signal
import socket
import subprocess
import time


def free_port():
    """A port below the ephemeral range, bindable for TCP now (the kernel's
    ephemeral ports are taken by client sockets, so never pick from there)."""
    low = 20000
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except OSError:
        pass
    for _ in range(200):
        port = random.randrange(10000, max(low, 10001))
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


class Process:
    def __init__(self, argv, log_path, cpus=None):
        if cpus:
            argv = ["taskset", "-c", cpus, *argv]
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def tail(self, n=20):
        with open(self.log_path, "rb") as f:
            return b"".join(f.readlines()[-n:]).decode(errors="replace")


def _status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_kib(pid):
    """Resident set of pid now (taskset execs in place: the pid is the process)."""
    return _status_kib(pid, "VmRSS")


def hwm_kib(pid):
    """Peak resident set of pid."""
    return _status_kib(pid, "VmHWM")


def cpu_seconds(pid):
    """User + system CPU seconds of pid (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


class Client:
    """Keep-alive HTTP/1.1 GET client; reconnects after any error. get()
    returns the status code, or 0 for a connection error."""

    def __init__(self, port, timeout=5.0):
        self.port = port
        self.timeout = timeout
        self.sock = None
        self.buf = b""

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = None
        self.buf = b""

    def _read_more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        self.buf += chunk

    def get(self, host, path, headers=()):
        try:
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
            self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
            while b"\r\n\r\n" not in self.buf:
                self._read_more()
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            status = int(lines[0].split()[1])
            length = 0
            close = False
            for line in lines[1:]:
                k, _, v = line.partition(b":")
                k = k.strip().lower()
                if k == b"content-length":
                    length = int(v)
                elif k == b"connection" and v.strip().lower() == b"close":
                    close = True
                elif k == b"transfer-encoding":
                    raise ValueError("chunked responses are not expected here")
            while len(self.buf) < length:
                self._read_more()
            self.buf = self.buf[length:]
            if close:
                self.close()
            return status
        except (OSError, ValueError, IndexError):
            self.close()
            return 0


RELOAD_LINE = re.compile(r"config generation \d+ .*?applied in ([0-9.]+) ms \(load ([0-9.]+).*?translate ([0-9.]+)")


def reloads(log_path):
    """Every reload in portico's log, in order: (applied, load, translate) ms."""
    with open(log_path, errors="replace") as f:
        return [tuple(float(x) for x in m.groups()) for m in RELOAD_LINE.finditer(f.read())]


def wait_for(predicate, timeout, what, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)
