"""A host-side client of the Linux guest agent's frame protocol (apps/linux/agent_proto.h,
docs/linux-guest.md), over any connected stream socket: the QEMU virtconsole socket
in tools/linux_guest_check.py, or whatever else carries /dev/hvc0's bytes.

    client = AgentClient.connect_unix("build/linux/hvc0.sock")
    client.wait_hello()
    status, out, err = client.run("uname -a")

It keeps the credit rules and checks that the agent keeps them too: it never sends a
command more STDIN than the agent granted, and raises ProtocolError if the agent sends
more STDOUT+STDERR than this side granted, a frame of an unknown type, or output after
EXIT. By default output is granted back as it arrives (a WINDOW per 16 KiB); a Command created
with auto_grant=False is granted only by Command.grant() (a slow reader).

Over QEMU's virtconsole socket, keep each command's outstanding output credit near
the initial 64 KiB: QEMU drops console-port bytes its socket cannot take at once
(hw/char/virtio-console.c, flush_buf: console ports are never throttled, because
Linux's hvc driver transmits with a spinlock held). The auto grant keeps to that.
FTL's VMM takes every transmit into credit-bounded buffers, so it loses nothing.
"""
import collections
import select
import socket
import struct
import time

HDR = struct.Struct("<IB3xI")  # len, type, pad, id: AGENT_HDR_SIZE bytes
PAYLOAD_MAX = 4096
WINDOW_INITIAL = 64 << 10
COMMANDS_MAX = 16

HELLO, EXEC, STDIN, STDIN_EOF, SIGNAL, WINDOW, STDOUT, STDERR, EXIT = range(1, 10)
NAMES = {HELLO: "HELLO", EXEC: "EXEC", STDIN: "STDIN", STDIN_EOF: "STDIN_EOF",
         SIGNAL: "SIGNAL", WINDOW: "WINDOW", STDOUT: "STDOUT", STDERR: "STDERR", EXIT: "EXIT"}


class ProtocolError(Exception):
    """The agent broke the protocol."""


def frame(ftype, fid, payload=b""):
    """One frame's bytes."""
    return HDR.pack(len(payload), ftype, fid) + payload


class Command:
    """One EXEC: its output so far, its exit status once EXIT came, its credits."""

    def __init__(self, client, cid, auto_grant, on_output):
        self.client, self.id = client, cid
        self.auto_grant = auto_grant
        self.on_output = on_output  # (ftype, bytes) -> None; else kept in stdout/stderr
        self.stdout, self.stderr = bytearray(), bytearray()
        self.status = None          # EXIT's i32 payload
        self.in_credit = WINDOW_INITIAL   # STDIN bytes the agent lets us send
        self.out_credit = WINDOW_INITIAL  # output bytes we let the agent send
        self.out_bytes = 0
        self.ungranted = 0  # auto_grant: bytes received, not yet granted back

    @property
    def done(self):
        return self.status is not None

    def grant(self, nbytes):
        """Lets the agent send nbytes more output (WINDOW)."""
        if nbytes > 0 and not self.done:
            self.out_credit += nbytes
            self.client.send(frame(WINDOW, self.id, struct.pack("<I", nbytes)))

    def write(self, data, timeout=60):
        """Sends data as STDIN, in frames of at most PAYLOAD_MAX bytes, waiting for
        WINDOW credit as needed."""
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        while view and not self.done:
            while self.in_credit == 0 and not self.done:
                self.client.pump(deadline - time.monotonic())
            n = min(len(view), PAYLOAD_MAX, self.in_credit)
            if n == 0:
                break
            self.in_credit -= n
            self.client.send(frame(STDIN, self.id, bytes(view[:n])))
            view = view[n:]

    def close_stdin(self):
        self.client.send(frame(STDIN_EOF, self.id))

    def signal(self, sig):
        self.client.send(frame(SIGNAL, self.id, struct.pack("<I", sig)))

    def wait(self, timeout=60):
        """Pumps until EXIT; returns the status."""
        deadline = time.monotonic() + timeout
        while not self.done:
            self.client.pump(deadline - time.monotonic())
        return self.status

    def _output(self, ftype, data):
        if self.done:
            raise ProtocolError(f"{NAMES[ftype]} for id {self.id} after its EXIT")
        if len(data) > self.out_credit:
            raise ProtocolError(f"id {self.id}: {len(data)} output bytes with only "
                                f"{self.out_credit} granted")
        self.out_credit -= len(data)
        self.out_bytes += len(data)
        if self.on_output:
            self.on_output(ftype, data)
        else:
            (self.stdout if ftype == STDOUT else self.stderr).extend(data)
        if self.auto_grant:
            # Granted back in batches: one WINDOW per quarter window, not per frame.
            self.ungranted += len(data)
            if self.ungranted >= WINDOW_INITIAL // 4:
                self.grant(self.ungranted)
                self.ungranted = 0


class AgentClient:
    def __init__(self, sock):
        self.sock = sock
        sock.setblocking(False)
        self.rx = bytearray()
        self.tx = bytearray()
        self.hello = None
        self.commands = {}
        self.next_id = 1
        self.frames = collections.Counter()  # frames received, by type name

    @classmethod
    def connect_unix(cls, path, timeout=30):
        """Connects to a UNIX socket, retrying until it exists (QEMU creates it)."""
        deadline = time.monotonic() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(str(path))
                return cls(s)
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no listener on {path} after {timeout} s")
                time.sleep(0.01)

    def close(self):
        self.sock.close()

    def send(self, data):
        """Queues raw bytes for the agent and writes what the socket takes now."""
        self.tx += data
        self._write()

    def _write(self):
        while self.tx:
            try:
                n = self.sock.send(self.tx)
            except BlockingIOError:
                return
            del self.tx[:n]

    def pump(self, timeout):
        """Waits up to timeout seconds for bytes from the agent (writing queued bytes
        meanwhile) and handles every whole frame; TimeoutError when nothing came."""
        if timeout <= 0:
            raise TimeoutError("the agent did not answer in time")
        r, w, _ = select.select([self.sock], [self.sock] if self.tx else [], [], timeout)
        if w:
            self._write()
        if not r:
            if not w:
                raise TimeoutError("the agent did not answer in time")
            return
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("the agent's console closed")
        self.rx += data
        pos = 0
        try:
            while len(self.rx) - pos >= HDR.size:
                length, ftype, fid = HDR.unpack_from(self.rx, pos)
                if length > PAYLOAD_MAX:
                    raise ProtocolError(f"frame of {length} bytes (type {ftype}, id {fid})")
                if len(self.rx) - pos < HDR.size + length:
                    break
                payload = bytes(self.rx[pos + HDR.size:pos + HDR.size + length])
                pos += HDR.size + length
                self._dispatch(ftype, fid, payload)
        finally:
            del self.rx[:pos]

    def _dispatch(self, ftype, fid, payload):
        self.frames[NAMES.get(ftype, str(ftype))] += 1
        if ftype == HELLO:
            self.hello = payload.decode(errors="replace")
            return
        cmd = self.commands.get(fid)
        if ftype not in (WINDOW, STDOUT, STDERR, EXIT):
            raise ProtocolError(f"frame type {ftype} from the agent")
        if cmd is None:
            raise ProtocolError(f"{NAMES[ftype]} for unknown id {fid}")
        if ftype == WINDOW:
            if len(payload) != 4:
                raise ProtocolError(f"WINDOW of {len(payload)} bytes")
            cmd.in_credit += struct.unpack("<I", payload)[0]
        elif ftype == EXIT:
            if len(payload) != 4 or cmd.done:
                raise ProtocolError(f"bad EXIT for id {fid}")
            cmd.status = struct.unpack("<i", payload)[0]
            del self.commands[fid]
        else:
            cmd._output(ftype, payload)

    def wait_hello(self, timeout=120):
        """Waits for HELLO; returns its text ("ftl-agent <version>")."""
        deadline = time.monotonic() + timeout
        while self.hello is None:
            self.pump(deadline - time.monotonic())
        return self.hello

    def start(self, command_line, auto_grant=True, on_output=None, cid=None):
        """Sends EXEC; returns the Command (its id is the next free one unless given)."""
        if cid is None:
            cid = self.next_id
            self.next_id += 1
        cmd = Command(self, cid, auto_grant, on_output)
        self.commands[cid] = cmd
        self.send(frame(EXEC, cid, command_line.encode()))
        return cmd

    def run(self, command_line, stdin=b"", timeout=60):
        """Runs a command to its end with stdin; returns (status, stdout, stderr)."""
        cmd = self.start(command_line)
        cmd.write(stdin, timeout)
        cmd.close_stdin()
        cmd.wait(timeout)
        return cmd.status, bytes(cmd.stdout), bytes(cmd.stderr)
