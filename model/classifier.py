"""GPT-1's classifier: a pretrained GPT, W_y on its last state at [extract], the LM loss on the same inputs.

Unlike the paper, W_y reads the state standardised feature by feature (`Standardize`;
`Classifier(standardize=False)` is the paper's head). Pretraining leaves the state with
a large component that every input shares: on the sample's GPT its mean over inputs has
norm 13.2 of the state's 13.4, while each feature varies across inputs by 0.23. W_y's
gradient is then mostly that shared component, scaled by the chance excess of one label
in the batch, and the head does not find the small part that tells inputs apart
(measured in docs/model.md, "Fine-tuning"). Batch statistics, not fixed ones: fine-tuning
moves the shared component by more than that spread within a few steps.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from model.finetune_data import Batch, Task
from model.gpt import GPT


class Standardize(nn.BatchNorm1d):
    """Each feature centred and scaled by its mean and spread over the batch while training,
    by running estimates in evaluation (and for a batch of one, which has no spread)."""

    def __init__(self, features: int):
        super().__init__(features, affine=False)  # W_y's weights and bias do the affine part

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and len(x) < 2:
            return F.batch_norm(x, self.running_mean, self.running_var, eps=self.eps)
        return super().forward(x)


class Classifier(nn.Module):
    """A GPT with W_y on the state at [extract], standardised first unless standardize=False."""

    def __init__(self, gpt: GPT, n_classes: int, dropout: float = 0.1, standardize: bool = True):
        super().__init__()
        self.gpt = gpt
        self.standardize = Standardize(gpt.config.n_embd) if standardize else nn.Identity()
        self.drop = nn.Dropout(dropout)  # GPT-1: dropout 0.1 on the classifier too
        self.head = nn.Linear(gpt.config.n_embd, n_classes)  # W_y
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def states(self, batches: list[Batch]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The [extract] states summed over the batches (the orders of a pair), (B, C), and each batch's hidden states."""
        hiddens = [self.gpt.hidden(batch.idx) for batch in batches]  # each (B, T, C)
        rows = torch.arange(len(batches[0].last), device=batches[0].idx.device)
        return sum(hidden[rows, batch.last] for hidden, batch in zip(hiddens, batches)), hiddens

    def forward(self, batches: list[Batch], lm: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Class logits (B, n_classes), and the LM loss over the batches (None when not lm: it costs
        a softmax over the whole vocabulary at every position)."""
        state, hiddens = self.states(batches)
        lm_loss = torch.stack([lm_loss_of(self.gpt, h, b) for h, b in zip(hiddens, batches)]).mean() if lm else None
        return self.head(self.drop(self.standardize(state))), lm_loss

    @torch.no_grad()
    def calibrate(self, task: Task, batch_size: int, device: str) -> None:
        """The running statistics of Standardize from every training example under the current weights,
        so evaluating after a few steps (or a batch of one) standardises as the batches do."""
        if not isinstance(self.standardize, Standardize):
            return
        was_training = self.training
        self.eval()  # no dropout: the states the weights give
        states = torch.cat([self.states(task.batches(rows, device))[0] for rows in task.in_order(batch_size)])
        self.standardize.running_mean.copy_(states.mean(0))
        self.standardize.running_var.copy_(states.var(0) if len(states) > 1 else torch.ones_like(states[0]))
        self.train(was_training)


def lm_loss_of(gpt: GPT, hidden: torch.Tensor, batch: Batch) -> torch.Tensor:
    """The next-token loss of a batch, from its hidden states (B, T, C)."""
    logits = gpt.lm_head(hidden)  # (B, T, V)
    return F.cross_entropy(logits.flatten(0, 1), batch.lm_targets.flatten(), ignore_index=-1)


def finetune_loss(model: Classifier, batches: list[Batch], lm_weight: float) -> tuple[torch.Tensor, float, float | None]:
    """L = L_task + lm_weight * L_LM, and its two terms (L_LM None, and not computed, when lm_weight is 0)."""
    class_logits, lm_loss = model(batches, lm=lm_weight != 0)
    task_loss = F.cross_entropy(class_logits, batches[0].labels)
    if lm_loss is None:
        return task_loss, task_loss.item(), None
    return task_loss + lm_weight * lm_loss, task_loss.item(), lm_loss.item()


@torch.no_grad()
def accuracy(model: Classifier, task: Task, batch_size: int, device: str) -> float:
    was_training = model.training
    model.eval()
    correct = 0
    for rows in task.in_order(batch_size):
        batches = task.batches(rows, device)
        correct += (model(batches, lm=False)[0].argmax(-1) == batches[0].labels).sum().item()
    model.train(was_training)
    return correct / len(task)
