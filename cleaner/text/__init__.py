"""Pure text helpers shared by the stages: no state, no I/O, nothing else of cleaner imported.

A helper lives here when more than one stage needs the same meaning (one date parser, one
repair function, one definition of "a CJK character"), so that stages never import each
other.
"""
