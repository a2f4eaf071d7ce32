"""Warnings raised by skdvaan."""

__all__ = ["BoundarySamplingWarning"]


class BoundarySamplingWarning(UserWarning):
    """Too few generated samples passed the boundary test.

    Raised when :meth:`~skdvaan.DVAANClassifier.sample` or
    :class:`~skdvaan.DVAANSampler` could not meet the request with samples
    that pass the boundary test, and made up the rest so that it is still
    met. With the default ``boundary_sampling="anchored"``, the rest are the
    rejected candidates nearest to the window (those among other classes'
    rows last); with the paper's rule, draws closer to the class mean than
    the rule allows. The message says how many.
    """
