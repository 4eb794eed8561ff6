"""GPT-2 in one file (GPT-1 as an option): transformer blocks, learned positions, tied embeddings.

Shapes: B batch, T sequence length (<= block_size), C n_embd, V vocab_size.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class GPTConfig:
    block_size: int = 1024
    # GPT-2's 50257 tokens padded up to a multiple of 64: faster matmuls; the extra
    # rows are never targets, so training pushes their logits down.
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True
    # GPT-1: LayerNorm after each residual sum (post-LN), hence no final LayerNorm, and
    # plain N(0, 0.02) init. GPT-2 moved LayerNorm before each sublayer (pre-LN).
    post_ln: bool = False


# GPT-1 keeps GPT-2's tokenizer here (its own BPE had 40,478 tokens), so it has ~124M
# parameters rather than the paper's 117M; its dropout is the paper's 0.1.
PRESETS = {
    "tiny": GPTConfig(block_size=128, n_layer=4, n_head=4, n_embd=128),  # trains on a CPU in minutes
    "tiny-gpt1": GPTConfig(block_size=128, n_layer=4, n_head=4, n_embd=128, post_ln=True),
    "gpt1": GPTConfig(block_size=512, dropout=0.1, post_ln=True),  # 117M in the paper
    "gpt2": GPTConfig(n_layer=12, n_head=12, n_embd=768),  # 124M
    "gpt2-medium": GPTConfig(n_layer=24, n_head=16, n_embd=1024),  # 350M
    "gpt2-large": GPTConfig(n_layer=36, n_head=20, n_embd=1280),  # 774M
    "gpt2-xl": GPTConfig(n_layer=48, n_head=25, n_embd=1600),  # 1558M
}


class KVCache:
    """One attention layer's keys and values for every position so far, so that generating
    a token costs one position's work instead of the whole context's."""

    def __init__(self, block_size: int):
        self.block_size = block_size
        self.keys = self.values = None  # (B, n_head, block_size, head_size), made on first use
        self.length = 0

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store k, v (B, n_head, T, head_size); return every key and value so far."""
        if self.length and k.size(2) > 1:
            # Attention masks a chunk causally against itself only, not against older entries.
            raise ValueError("several tokens at once only go into an empty cache")
        if self.keys is None:  # allocated here, in the dtype attention runs in (bf16 under autocast)
            shape = (k.size(0), k.size(1), self.block_size, k.size(3))
            self.keys, self.values = k.new_empty(shape), v.new_empty(shape)
        start, self.length = self.length, self.length + k.size(2)
        self.keys[:, :, start : self.length] = k
        self.values[:, :, start : self.length] = v
        return self.keys[:, :, : self.length], self.values[:, :, : self.length]


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.n_head = config.n_head
        self.dropout = config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)  # each (B, T, C)
        # (B, T, C) -> (B, n_head, T, head_size)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if cache is not None:
            k, v = cache.append(k, v)  # (B, n_head, cached + T, head_size)
        dropout = self.dropout if self.training else 0.0
        # Flash attention on GPUs. A single new token may see every cached one: no mask.
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=T > 1)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")  # GPT's GELU
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.post_ln = config.post_ln
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        if self.post_ln:  # GPT-1: normalise each sum, so every block's output is normalised
            x = self.ln_1(x + self.attn(x, cache))
            return self.ln_2(x + self.mlp(x))
        # GPT-2: normalise each sublayer's input, so the residual stream stays an identity path.
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList(Block(config) for _ in range(config.n_layer)),
                # Post-LN blocks already end normalised.
                ln_f=nn.Identity() if config.post_ln else nn.LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # tied: one matrix reads and writes tokens
        self.apply(self._init_weights)
        if not config.post_ln:
            # Each block adds two projections to the residual stream; scaling them keeps
            # its variance from growing with depth (GPT-2 paper, section 2.3).
            residual_std = 0.02 / math.sqrt(2 * config.n_layer)
            for name, p in self.named_parameters():
                if name.endswith("c_proj.weight"):
                    nn.init.normal_(p, mean=0.0, std=residual_std)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_params(self) -> int:
        """Every parameter, the tied embedding counted once."""
        return sum(p.numel() for p in self.parameters())

    def flops_per_token(self) -> int:
        """Training FLOPs per token (PaLM, appendix B): 6 per weight used in a matmul (2 forward,
        4 backward), every weight but the position table, a lookup; plus attention's
        scores and weighted sums, 12 * n_layer * block_size * n_embd, counted without the mask."""
        c = self.config
        matmul_params = self.num_params() - self.transformer.wpe.weight.numel()
        return 6 * matmul_params + 12 * c.n_layer * c.block_size * c.n_embd

    def hidden(self, idx: torch.Tensor, cache: list[KVCache] | None = None) -> torch.Tensor:
        """The last block's normalised output (B, T, C) for idx (B, T), which follows the
        positions already in cache (one KVCache per block) when one is given."""
        B, T = idx.size()
        start = cache[0].length if cache else 0
        if start + T > self.config.block_size:
            raise ValueError(f"sequence of {start + T} tokens, block_size is {self.config.block_size}")
        pos = torch.arange(start, start + T, device=idx.device)  # (T,)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))  # (B, T, C)
        for i, block in enumerate(self.transformer.h):
            x = block(x, cache[i] if cache else None)
        return self.transformer.ln_f(x)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        """idx, targets: (B, T) token ids. Returns logits (B, T, V) and the mean loss or None."""
        logits = self.lm_head(self.hidden(idx))  # (B, T, V)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None):
        """Extend idx (B, T) by max_new_tokens sampled tokens: (B, T + max_new_tokens).

        A KV cache makes each new token cost one position. Positions are learned, so a
        cached key belongs to its place in the window: once the window is full and slides,
        every place changes, and each further token recomputes the last block_size tokens.
        """
        block_size = self.config.block_size
        cache = None
        for _ in range(max_new_tokens):
            if cache is None or cache[0].length == block_size:
                cache = [KVCache(block_size) for _ in self.transformer.h]
                new = idx[:, -block_size:]  # positions beyond block_size were never learned
            else:
                new = idx[:, -1:]  # only the token sampled last is not cached yet
            logits = self.lm_head(self.hidden(new, cache)[:, -1])  # (B, V)
            logits = filter_logits(logits / temperature, top_k, top_p)
            next_token = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)  # (B, 1)
            idx = torch.cat((idx, next_token), dim=1)
        return idx


def filter_logits(logits: torch.Tensor, top_k=None, top_p=None) -> torch.Tensor:
    """Logits (B, V) with unlikely tokens set to -inf: outside the top_k, then outside
    the smallest set whose probability reaches top_p (nucleus sampling)."""
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, [-1]]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        probs = F.softmax(sorted_logits, dim=-1)
        # Drop a token when the more likely ones already reach top_p; the first always stays.
        drop_sorted = probs.cumsum(dim=-1) - probs >= top_p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits
