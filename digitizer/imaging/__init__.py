"""Image handling: safe input (io), and pure image-processing functions."""
