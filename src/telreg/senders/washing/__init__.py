"""The washing service: a sender uploads a calling list, a worker scrubs it, the results stay downloadable."""
