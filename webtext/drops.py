"""Dropped: the one way every rule says "this record is not kept, because"."""


class Dropped(Exception):
    """Why a rule does not keep a record; `reason` is the name it is counted under.

    A rule's public function returns it (a reader of a stream yields it, and goes
    on to the next record) in place of what it would have made: a check that
    drops most posts must cost no more than its test. Inside a module it may be
    raised from deep in a parse and caught where the public function returns.
    """

    @property
    def reason(self) -> str:
        return self.args[0]
