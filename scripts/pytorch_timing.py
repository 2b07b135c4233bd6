"""Timing shared by the PyTorch comparison scripts, matching MindBench: two untimed warm-up calls, then every
timed call; the best is what MindBench reports, the median is printed too because this machine is shared."""
import time


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
