"""Download dataset files into a cache directory, checking each file's SHA-256.

The cache is ``$DLKIT_DATA`` if set, else ``~/.cache/dlkit``. A file is written to a temporary name
in the same directory and renamed only once its hash matches, so an interrupted download never
leaves a half file under the real name.
"""
import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import DlkitError


class DownloadError(DlkitError, OSError):
    """A dataset file could not be fetched or failed its checksum; the message says what to do by hand."""


def data_home(path=None):
    """The cache directory: ``path`` if given, else ``$DLKIT_DATA``, else ``~/.cache/dlkit``."""
    if path is None:
        path = os.environ.get("DLKIT_DATA") or Path.home() / ".cache" / "dlkit"
    return Path(path).expanduser()


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_files(files, directory, mirrors, download=True, timeout=30):
    """Make sure every file in ``files`` (name -> SHA-256) is in ``directory``; return their paths.

    Files already present with the right hash are used as they are. Missing ones are downloaded
    from the first mirror (base URL) that serves them with the right hash. ``timeout`` (seconds) is a
    deadline for each whole file, not only for each network read.
    """
    directory = Path(directory).expanduser()
    mirrors = [mirrors] if isinstance(mirrors, str) else list(mirrors)
    paths, problems = {}, []
    missing = []
    for name, expected in files.items():
        path = directory / name
        if path.is_file():
            actual = sha256_of(path)
            if actual == expected:
                paths[name] = path
                continue
            problems.append(f"{path} exists but its SHA-256 is {actual}, expected {expected} "
                            "(a corrupt or different file; delete it)")
            continue
        if not download:
            problems.append(f"{path} is missing (download=False)")
            continue
        missing.append(name)
    if missing:
        unusable = _unusable_folder(directory)
        if unusable:
            problems.append(unusable)
            missing = []
    for name in missing:
        errors = _download(name, files[name], directory / name, mirrors, timeout)
        if errors:
            problems.append(f"{name}: " + "; ".join(errors))
        else:
            paths[name] = directory / name
    if problems:
        by_hand = "\n".join(f"  {directory / name}   from {mirrors[0] if mirrors else '<a mirror>'}{name}"
                            f"   (SHA-256 {sha})" for name, sha in files.items() if name not in paths)
        raise DownloadError(
            "could not get the dataset files:\n  " + "\n  ".join(problems) +
            f"\nIf you are offline, download these files by hand and put them exactly here "
            f"(set DLKIT_DATA to use another directory):\n{by_hand}")
    return paths


def _unusable_folder(directory):
    """Why downloads cannot be written into ``directory`` (a file in the way, no permission), or None."""
    from_env = os.environ.get("DLKIT_DATA")
    origin = f" (the data folder comes from DLKIT_DATA={from_env!r})" if from_env else ""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=directory, prefix=".write-test.")
        os.close(handle)
        os.remove(probe)
    except (FileExistsError, NotADirectoryError):
        return (f"the data folder {directory} cannot be created: a file is in the way "
                f"(a path to a file, not a folder){origin}")
    except OSError as err:
        return f"the data folder {directory} is not writable ({err.strerror or err}){origin}"
    return None


def _download(name, expected, path, mirrors, timeout):
    """Try each mirror in turn; return the list of errors (empty on success)."""
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".part")
        try:
            digest = _fetch(url, os.fdopen(handle, "wb"), deadline=time.monotonic() + timeout, timeout=timeout)
            if digest != expected:
                errors.append(f"{url} gave a file with SHA-256 {digest}, expected {expected}")
                continue
            os.replace(temporary, path)  # atomic: the real name appears only when complete and verified
            return []
        except (urllib.error.URLError, OSError, ValueError) as err:
            errors.append(f"{url} failed ({err})")
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
    return errors


def _fetch(url, out, deadline, timeout):
    """Copy ``url`` into the open file ``out``; its SHA-256. Gives up at ``deadline`` however the bytes come."""
    digest = hashlib.sha256()
    with out, urllib.request.urlopen(url, timeout=timeout) as response:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the download took longer than the {timeout} s timeout")
            _limit_next_read(response, remaining)
            try:
                block = response.read1(1 << 20)  # whatever has arrived, up to 1 MB: never waits for a full MB
            except TimeoutError:
                raise TimeoutError(f"the download took longer than the {timeout} s timeout") from None
            if not block:
                return digest.hexdigest()
            digest.update(block)
            out.write(block)


def _limit_next_read(response, seconds):
    """Let the next network read wait at most ``seconds`` (the time left before the deadline)."""
    sock = getattr(getattr(response, "fp", None), "raw", None)
    sock = getattr(sock, "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))
