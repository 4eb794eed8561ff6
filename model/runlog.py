"""What a run tells people: log.jsonl and log.csv for programs, loss.png and progress lines for eyes.

Kept apart from the loop so the loop says when to report and this says how.
"""

import csv
import json
import os

from model.meter import TimeLeft


class TrainingLog:
    """Events as log.jsonl and log.csv, and the losses as loss.png, in the out folder.

    Resuming from step N keeps the events up to N and drops later ones: the work they
    describe was lost with the killed run and is done again.
    """

    COLUMNS = ["step", "train_loss", "val_loss", "lr", "tokens_per_s", "tflops", "mfu"]

    def __init__(self, out: str, resumed_step: int | None):
        os.makedirs(out, exist_ok=True)
        self.jsonl_path, self.csv_path, self.plot_path = (os.path.abspath(os.path.join(out, name))
                                                          for name in ("log.jsonl", "log.csv", "loss.png"))
        kept = [e for e in self.read(out) if e["step"] <= resumed_step] if resumed_step is not None else []
        self.events = []
        self.jsonl = open(self.jsonl_path, "w", encoding="utf-8")
        self.csv_file = open(self.csv_path, "w", encoding="utf-8", newline="")
        self.csv = csv.DictWriter(self.csv_file, self.COLUMNS)
        self.csv.writeheader()
        for event in kept:
            self.write(event)

    @staticmethod
    def read(out: str) -> list[dict]:
        path = os.path.join(out, "log.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def write(self, event: dict) -> None:
        self.events.append(event)
        self.jsonl.write(json.dumps(event) + "\n")
        self.csv.writerow(event)
        self.jsonl.flush()
        self.csv_file.flush()

    def plot(self) -> None:
        from matplotlib.figure import Figure  # imported here: training need not pay for it

        figure = Figure(figsize=(7, 4), layout="tight")
        axes = figure.subplots()
        for key in ("train_loss", "val_loss"):
            points = [(e["step"], e[key]) for e in self.events if key in e]
            if points:
                axes.plot(*zip(*points), marker="." if key == "val_loss" else None, label=key.replace("_", " "))
        axes.set(xlabel="step", ylabel="loss")
        axes.legend()
        figure.savefig(self.plot_path, dpi=100)

    def files(self, checkpoint: str) -> list[str]:
        """Where the run's files are, as full paths: the first and last lines of a run say so."""
        return [f"checkpoint  {os.path.abspath(checkpoint)}", f"log         {self.jsonl_path}, {self.csv_path}",
                f"loss curve  {self.plot_path}"]

    def close(self) -> None:
        self.jsonl.close()
        self.csv_file.close()

    def __enter__(self) -> "TrainingLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def duration(seconds: float) -> str:
    """45s, 3m20s, 2h05m, 3d04h: the two largest units, enough to plan by."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def show(event: dict, total_steps: int, left: TimeLeft | None = None) -> str:
    """One progress line: step N/TOTAL, what the event holds, and the time left."""
    parts = [f"step {event['step']:{len(str(total_steps))}d}/{total_steps}"]
    parts += [f"loss {event['train_loss']:.4f}", f"lr {event['lr']:.2e}"] if "train_loss" in event else []
    parts += [f"val loss {event['val_loss']:.4f}"] if "val_loss" in event else []
    parts += [f"{event['tokens_per_s']:,.0f} tok/s"] if "tokens_per_s" in event else []
    parts += [f"MFU {event['mfu']:.1%}"] if "mfu" in event else []
    if left is not None:
        n = left.unmeasured_evals
        unmeasured = f" + {n} eval{'s' * (n > 1)}" if n else ""
        parts += [f"ETA {duration(left.seconds)}{unmeasured}"]
    return " | ".join(parts)
