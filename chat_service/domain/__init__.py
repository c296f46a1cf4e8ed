"""Types, errors, ids and cursors shared by every layer; imports nothing from the others."""
