"""One module per schema version: ``mNNNN_<name>.py`` defining ``SQL`` (a script of statements).

Never edit a migration that has shipped; add the next number.  Discovered in number order.
"""
