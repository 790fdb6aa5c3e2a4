"""Shared test helpers: paths, request building and running a worker over in-memory pipes."""
import contextlib
import io
import os
import subprocess
import sys

ADAPTERS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(ADAPTERS))
FIXTURES = os.path.join(REPO, "Tests", "Fixtures", "sit")
MODELS = os.path.join(REPO, "Models")

if ADAPTERS not in sys.path:
    sys.path.insert(0, ADAPTERS)

from sift_worker import read_message, serve, write_message  # noqa: E402


def requests(*messages):
    """A binary stream holding ``messages``, each ``(fields)`` or ``(fields, tensors)``."""
    stream = io.BytesIO()
    for message in messages:
        fields, tensors = message if isinstance(message, tuple) else (message, {})
        write_message(stream, fields, tensors)
    stream.seek(0)
    return stream


def responses(stream):
    """Every message in a binary stream, as a list of ``(fields, tensors)``."""
    stream.seek(0)
    out = []
    while True:
        message = read_message(stream)
        if message is None:
            return out
        out.append(message)


def serve_raw(describe, stdin, **functions):
    """``(exit status, responses)`` of serve() reading the binary stream ``stdin``, its log kept quiet."""
    stdout = io.BytesIO()
    with contextlib.redirect_stderr(io.StringIO()):
        status = serve(describe, stdin=stdin, stdout=stdout, **functions)
    return status, responses(stdout)


def serve_in_memory(describe, *messages, **functions):
    """``(exit status, responses)`` of serve() over in-memory pipes holding ``messages``."""
    return serve_raw(describe, requests(*messages), **functions)


def run_worker(args, *messages, timeout=60):
    """``(exit status, responses, stderr text)`` of a worker script run as a child process."""
    process = subprocess.run([sys.executable] + args, input=requests(*messages).getvalue(),
                             capture_output=True, timeout=timeout, cwd=REPO,
                             env=dict(os.environ, SIFT_WORKER_PROTOCOL="1"))
    return process.returncode, responses(io.BytesIO(process.stdout)), process.stderr.decode(errors="replace")
