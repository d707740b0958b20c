"""An epoch far slower than those before it is said, with what to do; noise is not."""

from rnncli.training.slowdown import check as slowdown


def test_an_epoch_many_times_slower_than_the_fastest_is_named_with_the_threads_advice():
    line = slowdown([6.0, 5.5, 6.2, 105.0], "cpu", 2)
    assert line.startswith(
        "epoch 4 took 105s, 19 times the fastest before it (5.5s): another program is likely using the CPU "
        "cores"
    )
    assert "torch's 2 threads" in line and "OMP_NUM_THREADS=N" in line
    assert "GPU" in slowdown([6.0, 30.0], "cuda", 8)


def test_steady_epochs_a_first_epoch_and_short_epochs_say_nothing():
    assert slowdown([6.0, 7.0, 9.0, 17.0], "cpu", 2) is None  # under three times the fastest
    assert slowdown([60.0], "cpu", 2) is None
    assert slowdown([0.1, 0.1, 4.0], "cpu", 2) is None  # a few seconds: not worth a line
