"""Painters: each draws one kind of scene element onto the frame's canvas."""
