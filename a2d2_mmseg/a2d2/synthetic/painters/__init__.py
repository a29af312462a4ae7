"""Painters: each draws one kind of scene element into a frame.

A painter takes the :class:`~..context.FrameContext` and the element (and
its depth ``z`` ahead of the camera where it has one) and fills polygons on
the frame's canvas, label and image together. Painters are called back to
front by :func:`..render.render`; later ones cover earlier ones.
"""
