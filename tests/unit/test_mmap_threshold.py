import platform

import pytest

from index.engine import fix_mmap_threshold


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's mmap threshold is glibc's")
def test_the_torch_engine_can_fix_glibcs_mmap_threshold() -> None:
    assert fix_mmap_threshold()
    assert fix_mmap_threshold(4 << 20)
