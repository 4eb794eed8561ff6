"""Runner-neutral forms of a side input, of a ParDo with several outputs and of a reshuffle.

Beam's Dask runner recomputes a side input's whole upstream inside every task
that reads it (repeating its side effects: fetches, file writes), hands
every consumer of a multi-output ParDo the elements of all its outputs mixed,
and spreads a collection over workers only as far as its sources were
(Reshuffle there keeps the partitions it is given). These forms use only a ParDo with one output,
Create, Flatten and CoGroupByKey, which every runner runs as written
(docs/distributed.md).
"""

import apache_beam as beam

# Keys a broadcast value is joined on: enough groups to spread the elements over workers.
SPREAD = 256


class WithValue(beam.PTransform):
    """(element, value) for each element, value being the one element of `value` (or default).

    A side input done as a join: the value is copied to SPREAD keys, each element
    keyed by spread_key(element) % SPREAD, and the two joined with CoGroupByKey.
    """

    def __init__(self, value: beam.PCollection, spread_key, default=None):
        super().__init__()
        self.value, self.spread_key, self.default = value, spread_key, default

    def expand(self, elements):
        spread_key, default = self.spread_key, self.default
        keyed = elements | "SpreadElements" >> beam.Map(lambda e: (spread_key(e) % SPREAD, e))
        copies = self.value | "CopyValue" >> beam.FlatMap(lambda v: [(key, v) for key in range(SPREAD)])

        def pair(key_and_group):
            _, group = key_and_group
            values = list(group["value"])
            value = values[0] if values else default
            return [(element, value) for element in group["elements"]]

        return {"elements": keyed, "value": copies} | "JoinValue" >> beam.CoGroupByKey() | "Pair" >> beam.FlatMap(pair)


def only_one(values: beam.PCollection, label: str, combine_fn) -> beam.PCollection:
    """The one combined value of a PCollection, or no element when it is empty.

    without_defaults: Beam's default for an empty input is itself a side input.
    """
    return values | label >> beam.CombineGlobally(combine_fn).without_defaults()


def lanes(pipeline: beam.Pipeline) -> int:
    """How many partitions the runner spreads a collection over: Beam's Dask runner's --dask_npartitions
    (pipelines/runners/on_dask.py sets it to the cluster's worker threads), 1 on runners that spread by themselves."""
    return pipeline.options.get_all_options().get("npartitions") or 1


class Widen(beam.PTransform):
    """The elements, with room at the next GroupByKey to spread them over every lane.

    Beam's Dask runner makes partitions only in Create (a sequence cut into
    --dask_npartitions), gives a GroupByKey's output as many as its input had,
    and a Flatten the sum of its inputs': a source of one file or one table is
    one partition, one worker's, to the end of the pipeline. Flattened with a
    partition per lane (empty, from a Create of `lanes` elements), the next
    grouping hashes its keys over all of them. On one lane it is the elements
    as they are.
    """

    def expand(self, elements):
        width = lanes(elements.pipeline)
        if width <= 1:
            return elements
        empty = (
            elements.pipeline
            | "Lanes" >> beam.Create(range(width))
            | "Empty" >> beam.FlatMap(lambda _: ()).with_output_types(elements.element_type)
        )
        return (elements, empty) | "WithLanes" >> beam.Flatten()


class SpreadCreated(beam.PTransform):
    """A Create's elements (input files, subreddits), spread over the workers for the work each one starts.

    A Reshuffle where runners fuse steps (the local runner, Dataflow): else the
    Create's one bundle, and all the work its elements start, would be one
    worker's. Nothing on Beam's Dask runner, whose Create already cuts them
    into a partition per lane, each a task of its own that the scheduler
    hands to an idle worker; there a Reshuffle is a shuffle that keeps the
    partition count, and the scheduler puts each task after it where that
    task's (tiny) inputs lie: the two dump files of a run were at times both
    read by one of two workers.
    """

    def expand(self, created):
        return created if lanes(created.pipeline) > 1 else created | "Reshuffle" >> beam.Reshuffle()


class Select(beam.PTransform):
    """The values tagged `tag` of a PCollection of (tag, value) pairs: one output of a several-output step."""

    def __init__(self, tag: str, output_type=None):
        super().__init__()
        self.tag, self.output_type = tag, output_type

    def expand(self, tagged):
        tag = self.tag
        select = beam.FlatMap(lambda pair: [pair[1]] if pair[0] == tag else [])
        return tagged | (select.with_output_types(self.output_type) if self.output_type else select)


class Batch(beam.PTransform):
    """Lists of at most max_size elements, grouped by spread_key(element) % SPREAD.

    Beam's BatchElements emits its last batch from finish_bundle, whose output
    Beam's Dask runner drops; a GroupByKey batches on every runner.
    """

    def __init__(self, spread_key, max_size: int):
        super().__init__()
        self.spread_key, self.max_size = spread_key, max_size

    def expand(self, elements):
        spread_key, size = self.spread_key, self.max_size

        def batches(key_and_group):
            batch = []  # one batch at a time: a group is 1/SPREAD of everything
            for element in key_and_group[1]:
                batch.append(element)
                if len(batch) == size:
                    yield batch
                    batch = []
            if batch:
                yield batch

        return (
            elements
            | "SpreadElements" >> beam.Map(lambda e: (spread_key(e) % SPREAD, e))
            | "GroupSpread" >> beam.GroupByKey()
            | "Batches" >> beam.FlatMap(batches)
        )
