"""A process-wide allocator setting for CPU training, apart because it is about glibc, not the model."""

import ctypes


def keep_freed_memory_in_heap() -> None:
    """On CPU, stop glibc from unmapping every freed block over 32 MiB.

    Each step allocates the (B, T, V) logits and their gradient afresh; unmapped
    after use, they are page-faulted back in the next step, which cost the tiny
    preset a third of its speed (measured: 2,300 against 3,500 tokens/s).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to tune
    m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
    libc.mallopt(m_mmap_threshold, 1 << 30)
    libc.mallopt(m_trim_threshold, (1 << 31) - 1)
