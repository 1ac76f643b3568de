"""Download dataset files into a cache directory, checking each file's SHA-256.

The cache is ``$DLKIT_DATA`` if set, else ``~/.cache/dlkit``. A file is written to a temporary name
in the same directory and renamed only once its hash matches, so an interrupted download never
leaves a half file under the real name.
"""
import hashlib
import os
import tempfile
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
    from the first mirror (base URL) that serves them with the right hash.
    """
    directory = Path(directory)
    mirrors = [mirrors] if isinstance(mirrors, str) else list(mirrors)
    paths, problems = {}, []
    for name, expected in files.items():
        path = directory / name
        if path.exists():
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
        errors = _download(name, expected, path, mirrors, timeout)
        if errors:
            problems.append(f"{name}: " + "; ".join(errors))
        else:
            paths[name] = path
    if problems:
        by_hand = "\n".join(f"  {directory / name}   from {mirrors[0] if mirrors else '<a mirror>'}{name}"
                            f"   (SHA-256 {sha})" for name, sha in files.items() if name not in paths)
        raise DownloadError(
            "could not get the dataset files:\n  " + "\n  ".join(problems) +
            f"\nIf you are offline, download these files by hand and put them exactly here "
            f"(set DLKIT_DATA to use another directory):\n{by_hand}")
    return paths


def _download(name, expected, path, mirrors, timeout):
    """Try each mirror in turn; return the list of errors (empty on success)."""
    errors = []
    path.parent.mkdir(parents=True, exist_ok=True)
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".part")
        try:
            digest = hashlib.sha256()
            with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                for block in iter(lambda: response.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != expected:
                errors.append(f"{url} gave a file with SHA-256 {digest.hexdigest()}, expected {expected}")
                continue
            os.replace(temporary, path)  # atomic: the real name appears only when complete and verified
            return []
        except (urllib.error.URLError, OSError, ValueError) as err:
            errors.append(f"{url} failed ({err})")
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
    return errors
