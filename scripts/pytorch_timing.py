"""Timing and the opening line shared by the PyTorch comparison scripts, matching MindBench: two untimed warm-up
calls, then every timed call; the best is what MindBench reports, the median is printed too because this machine
is shared."""
import time

import torch


def best_and_median(body, repeats):
    """Seconds of the fastest and the median of `repeats` calls of `body` after two warm-up calls."""
    for _ in range(2):
        body()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    return seconds[0], seconds[len(seconds) // 2]


def report(name, body, repeats):
    """Times `body` and prints one line in MindBench's units."""
    best, median = best_and_median(body, repeats)
    print(f"{name} (PyTorch)  best {best * 1e3:.2f} ms  median {median * 1e3:.2f} ms", flush=True)


def print_setup(label, model):
    """The line the VQ and UNet comparisons open with: PyTorch's build, threads and backends, and the model's size
    (MindBench names its own parameter count, so the two can be checked to be the same model)."""
    parameters = sum(p.numel() for p in model.parameters())
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, MKL {torch.backends.mkl.is_available()}, "
          f"oneDNN {torch.backends.mkldnn.is_available()}; {label}: {parameters} parameters", flush=True)
