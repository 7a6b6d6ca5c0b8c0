"""Item models over the round and the results (no hand-filled widgets)."""
