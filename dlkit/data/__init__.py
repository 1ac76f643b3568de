"""dlkit.data: mini-batches (``DataLoader``), toy 2-D sets, the embedded 8x8 digits, MNIST / Fashion-MNIST.

>>> (X_train, y_train), (X_test, y_test) = dlkit.data.load_digits()
>>> loader = dlkit.data.DataLoader(dlkit.data.TensorDataset(X_train, y_train), batch_size=32,
...                                shuffle=True, seed=0)
"""
from .augment import random_shift_rotate, rotate_images, shift_images
from .collate import default_collate
from .dataloader import DataLoader
from .dataset import DataError, Dataset, TensorDataset
from .digits import load_digits
from .download import DownloadError, data_home, fetch_files
from .idx import IDXFormatError, read_idx
from .mnist import FASHION_MNIST_CLASSES, load_fashion_mnist, load_idx_dataset, load_mnist
from .names import load_names
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler
from .sequences import (
    make_addition_task,
    make_copy_task,
    make_parity_task,
    make_reverse_task,
    make_sine_task,
    make_sort_task,
)
from .split import Subset, random_split
from .tokenizer import CharTokenizer
from .toy import make_blobs, make_circles, make_moons, make_spiral, make_xor

__all__ = ["FASHION_MNIST_CLASSES", "DataError", "DataLoader", "Dataset", "DownloadError", "IDXFormatError",
           "TensorDataset", "data_home", "fetch_files", "load_digits", "load_fashion_mnist",
           "load_idx_dataset", "load_mnist", "make_blobs", "make_circles", "make_moons", "make_spiral",
           "make_xor", "read_idx"]
__all__ += ["CharTokenizer", "load_names", "make_addition_task", "make_copy_task", "make_parity_task",
            "make_reverse_task", "make_sine_task", "make_sort_task"]
__all__ += ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler",
            "default_collate", "random_split"]
__all__ += ["random_shift_rotate", "rotate_images", "shift_images"]
