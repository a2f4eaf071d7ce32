"""Reproduction of Sec. 4 of Guo et al. (IJCAI 2019).

Run it with ``python -m benchmarks.paper.run`` (see ``README.md`` here).
"""
