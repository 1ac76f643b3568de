"""MNIST (LeCun, Cortes & Burges) and Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 28x28 greyscale
images, 60,000 for training and 10,000 for testing, downloaded once into the cache and verified.
"""
import numpy as np

from .download import data_home, fetch_files
from .idx import read_idx

MNIST_FILES = {  # SHA-256 of the official gzipped IDX files
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/"]

FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}
FASHION_MNIST_MIRRORS = ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
                         "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"]
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                         "Sneaker", "Bag", "Ankle boot"]


def load_idx_dataset(subdirectory, files, mirrors, path=None, download=True, as_images=False,
                     dtype=np.float32):
    """Fetch (if needed) and read a four-file IDX dataset laid out like MNIST.

    Returns ``(X_train, y_train), (X_test, y_test)`` with pixels scaled to [0, 1].
    """
    paths = fetch_files(files, data_home(path) / subdirectory, mirrors, download=download)
    names = list(files)
    parts = []
    for images_name, labels_name in ((names[0], names[1]), (names[2], names[3])):
        images, labels = read_idx(paths[images_name]), read_idx(paths[labels_name])
        if len(images) != len(labels):
            from .idx import IDXFormatError
            raise IDXFormatError(f"{images_name} holds {len(images)} images but {labels_name} holds "
                                 f"{len(labels)} labels")
        X = images.astype(dtype) / 255.0
        X = X.reshape(len(X), 1, *X.shape[1:]) if as_images else X.reshape(len(X), -1)
        parts.append((X.astype(dtype, copy=False), labels.astype(np.int64)))
    return tuple(parts)


def load_mnist(path=None, download=True, as_images=False, mirrors=None, dtype=np.float32):
    """The MNIST handwritten digits: ``(X_train, y_train), (X_test, y_test)``.

    Parameters
    ----------
    path : str or Path, optional
        Cache directory (default ``$DLKIT_DATA`` or ``~/.cache/dlkit``); files go in ``<path>/mnist``.
    download : bool, default True
        Fetch missing files; if False (or offline), the error lists where to put which file by hand.
    as_images : bool, default False
        ``X`` of shape (n, 784), or (n, 1, 28, 28) when True.
    mirrors : list of str, optional
        Base URLs to try in order (default: the official mirrors).
    dtype : default float32 (60,000 × 784 float64 would take 376 MB)
    """
    return load_idx_dataset("mnist", MNIST_FILES, mirrors or MNIST_MIRRORS, path, download, as_images, dtype)


def load_fashion_mnist(path=None, download=True, as_images=False, mirrors=None, dtype=np.float32):
    """Fashion-MNIST (Zalando): 10 kinds of clothing, same sizes and format as MNIST.

    Class names are in ``dlkit.data.FASHION_MNIST_CLASSES``. Files go in ``<path>/fashion-mnist``;
    see :func:`load_mnist` for the parameters.
    """
    return load_idx_dataset("fashion-mnist", FASHION_MNIST_FILES, mirrors or FASHION_MNIST_MIRRORS, path,
                            download, as_images, dtype)
