"""Warnings raised by skdvaan."""

__all__ = ["BoundarySamplingWarning"]


class BoundarySamplingWarning(UserWarning):
    """Too few generated samples passed the boundary test.

    Raised when :meth:`~skdvaan.DVAANClassifier.sample` or
    :class:`~skdvaan.DVAANSampler` had to draw part of the requested samples
    closer to the class mean than the paper's boundary rule allows, so the
    request could still be met.
    """
