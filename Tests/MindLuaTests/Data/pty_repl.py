"""Drives the mindvis REPL through a pseudo-terminal (so libedit, Ctrl-C and Tab completion are real).

usage: python3 pty_repl.py MINDVIS_BINARY HISTORY_FILE
Prints the transcript; exits 0 if every expected output appeared, 1 otherwise (with the failing step).
"""
import os
import pty
import select
import sys
import time

binary, history = sys.argv[1], sys.argv[2]
# HOME points away from the user's ~/.editrc, whose key bindings could change what the keys below do.
env = dict(os.environ, MINDVIS_HISTORY=history, HOME=os.path.dirname(history), TERM="dumb")
pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary], env)

transcript = b""
position = 0  # everything before this has been matched by an earlier expect


def expect(text, timeout=10.0):
    """Reads until `text` appears after the last match, and moves past it."""
    global transcript, position
    deadline = time.time() + timeout
    while transcript.find(text.encode(), position) < 0:
        if time.time() > deadline:
            fail("timed out waiting for %r" % text)
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                transcript += os.read(fd, 4096)
            except OSError:
                fail("mindvis exited while waiting for %r" % text)
    position = transcript.find(text.encode(), position) + len(text)


def fail(message):
    sys.stdout.write(transcript.decode(errors="replace"))
    sys.stdout.write("\nFAILED: %s\n" % message)
    try:
        os.kill(pid, 9)
    except OSError:
        pass
    sys.exit(1)


def send(data):
    os.write(fd, data.encode())


expect("mv> ")
send("1+1\r")
expect("\r\n2\r\n")
expect("mv> ")
send("while true do end\r")
time.sleep(0.5)
send("\x03")                      # Ctrl-C interrupts running Lua code
expect("interrupted!")
expect("mv> ")
send("local y = mv.randn(64, 64) while true do y = (y:matmul(y) * 0.01):tanh() end\r")
time.sleep(0.5)
send("\x03")                      # ... and a loop of tensor operations
expect("interrupted!")
expect("mv> ")
send("big = mv.randn(4e7)\r")     # one long operation (seconds in a debug build) that does not poll for Ctrl-C
time.sleep(0.3)
send("\x03")
time.sleep(0.5)
send("\x03")                      # a second Ctrl-C while it runs: the session survives, told the first is pending
expect("interrupt pending")
expect("interrupted!")
expect("mv> ")
send("2 + 2\r")
expect("\r\n4\r\n")
expect("mv> ")
time.sleep(0.3)                   # libedit prints the prompt before it switches the terminal to raw mode and
send("x = 12")                    # reads: a key sent in between is echoed by the terminal and a Ctrl-C is lost
expect("x = 12")                  # until the next key (a REPL limitation), so wait until it reads
send("\x03")                      # Ctrl-C at the prompt discards the line
expect("mv> ")
send("x == nil\r")
expect("\r\ntrue\r\n")
send("function f(a)\r")
expect("...> ")
send("return a * 2 end\r")
expect("mv> ")
send("f(21)\r")
expect("\r\n42\r\n")
send("mv.zeros_l\t")               # Tab completes a field
expect("mv.zeros_like")
send("(mv.ones(2))\r")
expect("\r\n[0., 0.]\r\n[Tensor of shape 2]\r\n")
send("c = mv.zeros(3)\r")
expect("mv> ")
send("c:unsq\t")                   # ... and a method through the metatable
expect("unsqueeze")
send("(1):dim()\r")
expect("\r\n2\r\n")
expect("mv> ")                    # special characters only once libedit reads the terminal again
time.sleep(0.3)
send("\x04")                      # Ctrl-D exits
deadline = time.time() + 10
while True:
    finished, status = os.waitpid(pid, os.WNOHANG)
    if finished:
        break
    if time.time() > deadline:
        fail("mindvis did not exit after Ctrl-D")
    time.sleep(0.05)
if status != 0:
    fail("exit status %d" % status)
sys.stdout.write(transcript.decode(errors="replace"))
sys.exit(0)
