"""Reference answers to the exercises, one file per chapter, with the check that uses each.

The checker compares a learner's answer with these (and with dlkit's own ops and layers where they
exist) on inputs it makes itself; notebooks never import this code, so the answers stay hidden.
"""
