"""A rebuild from a recipe, where a run from dumps has its links stage and its lookups.

The recipe's rows (webtext.recipe) are the links (RecipeLinks), and each row's
capture is what the "recipe" page source reads for its link (RecipeCaptures,
joined with the links by URL as the columnar index's captures are). Dumps are
never read.
"""

import apache_beam as beam

from pipelines.counters import count
from webtext import counts, recipe
from webtext.fetch.rebuild import RecipeCapture
from webtext.records import Link


def link_of(row: dict) -> Link:
    count(counts.RECIPE_ROWS)
    count(counts.LINKS_KEPT)
    return Link(row["url"], row["original_urls"], row["karma"], row["total_karma"], row["created_utc"],
                row["subreddits"], row["post_ids"])


def capture_of(row: dict) -> tuple[str, RecipeCapture]:
    return row["url"], RecipeCapture(row["source"], row["capture"], row["capture_time"], row["payload_sha256"])


class ReadRecipe(beam.PTransform):
    """The rows of the recipe in a folder (already checked by webtext.recipe.load), as dicts."""

    def __init__(self, folder: str):
        super().__init__()
        self.path = f"{folder.rstrip('/')}/{recipe.TABLE}"

    def expand(self, pipeline):
        return pipeline | beam.io.ReadFromParquet(self.path, columns=list(recipe.SCHEMA.names))


class RecipeLinks(beam.PTransform):
    """The links a recipe's rows name."""

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def expand(self, pipeline):
        return pipeline | "ReadRows" >> ReadRecipe(self.folder) | "ToLinks" >> beam.Map(link_of).with_output_types(Link)


class RecipeCaptures(beam.PTransform):
    """(URL, RecipeCapture) of each of a recipe's rows."""

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def expand(self, pipeline):
        return pipeline | "ReadRows" >> ReadRecipe(self.folder) | "ToCaptures" >> beam.Map(capture_of)


def with_captures(links, folder: str):
    """(link, its RecipeCapture, or None) for each link."""
    captures = links.pipeline | "RecipeCaptures" >> RecipeCaptures(folder)
    keyed = links | "KeyByUrl" >> beam.Map(lambda link: (link.url, link))
    return ({"links": keyed, "captures": captures}
            | "JoinRecipe" >> beam.CoGroupByKey()
            | "Pair" >> beam.FlatMap(_pairs))


def _pairs(joined):
    _, group = joined
    captures = list(group["captures"])
    for link in group["links"]:
        yield link, captures[0] if captures else None
