"""Order of the gallery examples: first steps, then the paper's figures.

sphinx-gallery imports this by name (``within_subsection_order``) so that
the Sphinx configuration stays picklable.
"""

from pathlib import Path

ORDER = (
    "plot_quickstart.py",
    "plot_sampler_pipeline.py",
    "plot_mixed_table.py",
    "plot_boundary_samples.py",
    "plot_latent_space.py",
    "plot_mu_over_training.py",
    "plot_mnist_boundary.py",
    "plot_imbalance_ratio.py",
)


def example_order(filename):
    """Sort key: listed examples in ``ORDER``, then the rest by name."""
    name = Path(filename).name
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)
