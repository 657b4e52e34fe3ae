"""The GloRank network of @glorank/model written in PyTorch, for bench/train-throughput.mjs.

Same shapes and the same work per step as the tfjs trainers: a pre-norm transformer
encoder over [history | candidates] (items embedded as the sum of their level codes,
retriever score feature), a decoder over L x levels semantic-ID tokens with causal
self-attention and cross-attention, per-level tied code scores plus the candidate-evidence
term, masked log-softmax, AdamW with global-norm clipping. SFT: teacher-forced steps. RL
round: sample G slates per request token by token (incremental decoding with cached
self-attention keys/values and cross-attention memory projections, as the tfjs sampler
does), score them with the policy and the frozen reference, then
`inner` clipped-ratio + KL gradient steps. Random data of the given shapes; trie masks
are all-admissible here, so the JS trie bookkeeping of the tfjs side has no counterpart.
Prints one JSON line: requests/s for SFT and RL. --threads sets torch's intra-op threads, so
the peer uses as many cores as the tfjs side (bench --workers).
"""
import argparse
import copy
import json
import time

import torch
import torch.nn as nn

NEG = -1e9


class MHA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.dh = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def kv(self, xkv):
        b, tk, _ = xkv.shape
        k = self.k(xkv).view(b, tk, self.h, self.dh).transpose(1, 2)
        v = self.v(xkv).view(b, tk, self.h, self.dh).transpose(1, 2)
        return k, v

    def attend(self, xq, k, v, mask=None):
        b, tq, d = xq.shape
        q = self.q(xq).view(b, tq, self.h, self.dh).transpose(1, 2) / self.dh**0.5
        s = q @ k.transpose(-1, -2)
        if mask is not None:
            s = s + mask.unsqueeze(1)
        ctx = torch.softmax(s, -1) @ v
        return self.o(ctx.transpose(1, 2).reshape(b, tq, d))

    def forward(self, xq, xkv, mask=None):
        return self.attend(xq, *self.kv(xkv), mask)


class FF(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.up, self.down = nn.Linear(d, hidden), nn.Linear(hidden, d)

    def forward(self, x):
        return self.down(torch.relu(self.up(x)))


class EncBlock(nn.Module):
    def __init__(self, d, h, hidden):
        super().__init__()
        self.ln1, self.attn, self.ln2, self.ff = nn.LayerNorm(d), MHA(d, h), nn.LayerNorm(d), FF(d, hidden)

    def forward(self, x, mask):
        y = self.ln1(x)
        x = x + self.attn(y, y, mask)
        return x + self.ff(self.ln2(x))


class DecBlock(nn.Module):
    def __init__(self, d, h, hidden):
        super().__init__()
        self.ln1, self.self_attn = nn.LayerNorm(d), MHA(d, h)
        self.ln2, self.cross = nn.LayerNorm(d), MHA(d, h)
        self.ln3, self.ff = nn.LayerNorm(d), FF(d, hidden)

    def forward(self, x, causal, mem, mem_mask):
        y = self.ln1(x)
        x = x + self.self_attn(y, y, causal)
        x = x + self.cross(self.ln2(x), mem, mem_mask)
        return x + self.ff(self.ln3(x))

    def step(self, x, past, mem_kv, mem_mask):
        # Incremental decoding: the newest position over the cached keys/values of the earlier ones.
        y = self.ln1(x)
        k, v = self.self_attn.kv(y)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        x = x + self.self_attn.attend(y, k, v)
        x = x + self.cross.attend(self.ln2(x), *mem_kv, mem_mask)
        return x + self.ff(self.ln3(x)), (k, v)


class GloRank(nn.Module):
    def __init__(self, a, item_codes):
        super().__init__()
        d, V, lv = a.dim, a.codebook, a.levels
        self.a = a
        self.register_buffer("code_rows", item_codes + torch.arange(lv) * V)  # [items, levels]
        self.codes = nn.Embedding(V * lv, d)
        self.recency, self.segment, self.score = nn.Embedding(a.history, d), nn.Embedding(2, d), nn.Linear(1, d)
        self.enc = nn.ModuleList(EncBlock(d, a.heads, 2 * d) for _ in range(a.layers))
        self.enc_norm = nn.LayerNorm(d)
        self.bos = nn.Parameter(torch.zeros(1, 1, d))
        self.slot, self.level = nn.Embedding(a.slate, d), nn.Embedding(lv, d)
        self.dec = nn.ModuleList(DecBlock(d, a.heads, 2 * d) for _ in range(a.layers))
        self.dec_norm = nn.LayerNorm(d)
        self.heads = nn.ModuleList(nn.Linear(d, d) for _ in range(lv))
        self.bias = nn.Parameter(torch.zeros(lv, V))
        self.evidence = nn.ModuleList(nn.Linear(d, d, bias=False) for _ in range(lv))

    def item_emb(self, ids):
        return self.codes(self.code_rows[ids]).sum(-2)

    def encode(self, hist, cand, scores):
        b = hist.shape[0]
        h = self.item_emb(hist) + self.segment.weight[0] + self.recency.weight
        c = self.item_emb(cand) + self.segment.weight[1] + self.score(scores.unsqueeze(-1))
        x = torch.cat([h, c], 1)
        mask = torch.zeros(b, 1, x.shape[1])
        for blk in self.enc:
            x = blk(x, mask)
        return self.enc_norm(x), mask

    def hidden(self, mem, mask, tokens, positions):
        b = tokens.shape[0]
        lv, V = self.a.levels, self.a.codebook
        parts = [self.bos.expand(b, 1, -1)]
        if positions > 1:
            prev = tokens[:, : positions - 1] + (torch.arange(positions - 1) % lv) * V
            parts.append(self.codes(prev))
        t = torch.arange(positions)
        x = torch.cat(parts, 1) + self.slot(t // lv) + self.level(t % lv)
        causal = torch.triu(torch.full((positions, positions), NEG), 1).unsqueeze(0)
        for blk in self.dec:
            x = blk(x, causal, mem, mask)
        return self.dec_norm(x)

    def step_hidden(self, mem_kv, mask, prev_token, t, caches):
        # Hidden state of position t given the token at t - 1 (none at t = 0) and the caches.
        lv, V = self.a.levels, self.a.codebook
        b = mask.shape[0]
        if t == 0:
            x = self.bos.expand(b, 1, -1)
        else:
            x = self.codes(prev_token + ((t - 1) % lv) * V).unsqueeze(1)
        x = x + self.slot.weight[t // lv] + self.level.weight[t % lv]
        new = []
        for blk, kv, c in zip(self.dec, mem_kv, caches):
            x, c = blk.step(x, c, kv, mask)
            new.append(c)
        return self.dec_norm(x), new

    def logits(self, level, h, mem, cand_codes):
        V = self.a.codebook
        table = self.codes.weight[level * V : (level + 1) * V]
        g = self.heads[level](h) @ table.T + self.bias[level]
        s = self.evidence[level](h) @ mem[:, self.a.history :].transpose(1, 2)  # [b, P, N]
        top = s.max(-1, keepdim=True).values
        w = torch.exp(s - top)
        idx = cand_codes[:, level].unsqueeze(1).expand(-1, s.shape[1], -1)
        summed = torch.zeros(s.shape[0], s.shape[1], V).scatter_add(2, idx, w)
        return g + torch.log(summed + 1e-30) + top

    def token_logp(self, mem, mask, tokens, cand_codes):
        a = self.a
        h = self.hidden(mem, mask, tokens, tokens.shape[1]).view(tokens.shape[0], a.slate, a.levels, -1)
        out = []
        for l in range(a.levels):
            lp = torch.log_softmax(self.logits(l, h[:, :, l], mem, cand_codes), -1)
            out.append(lp.gather(-1, tokens.view(-1, a.slate, a.levels)[:, :, l : l + 1]).squeeze(-1))
        return torch.stack(out, -1).reshape(tokens.shape[0], -1)


def batch(a, n, gen):
    hist = torch.randint(a.items, (n, a.history), generator=gen)
    cand = torch.randint(a.items, (n, a.candidates), generator=gen)
    scores = torch.randn(n, a.candidates, generator=gen)
    tokens = torch.randint(a.codebook, (n, a.slate * a.levels), generator=gen)
    return hist, cand, scores, tokens


def main():
    p = argparse.ArgumentParser()
    for k in ["batch", "sft-steps", "rl-batch", "group", "rl-steps", "inner", "dim", "heads", "layers",
              "candidates", "history", "slate", "levels", "codebook", "items"]:
        p.add_argument(f"--{k}", type=int, required=True)
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (the tfjs side's --workers)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    item_codes = torch.randint(a.codebook, (a.items, a.levels), generator=gen)
    model = GloRank(a, item_codes)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0)

    def cand_codes_of(cand):
        return item_codes[cand].transpose(1, 2)  # [b, levels, N]

    def sft_step():
        hist, cand, scores, tokens = batch(a, a.batch, gen)
        mem, mask = model.encode(hist, cand, scores)
        loss = -model.token_logp(mem, mask, tokens, cand_codes_of(cand)).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(2):
        sft_step()
    t0 = time.perf_counter()
    for _ in range(a.sft_steps):
        sft_step()
    sft_rate = a.sft_steps * a.batch / (time.perf_counter() - t0)

    ref = copy.deepcopy(model).requires_grad_(False)
    T = a.slate * a.levels

    def rl_round():
        hist, cand, scores, _ = batch(a, a.rl_batch, gen)
        rows = torch.arange(a.rl_batch).repeat_interleave(a.group)
        cc = cand_codes_of(cand)[rows]
        with torch.no_grad():
            mem, mask = model.encode(hist, cand, scores)
            mem_r, mask_r = mem[rows], mask[rows]
            tokens = torch.zeros(len(rows), 0, dtype=torch.long)
            mem_kv = [blk.cross.kv(mem_r) for blk in model.dec]
            caches = [None] * len(model.dec)
            for t in range(T):
                prev = tokens[:, -1] if t > 0 else None
                h, caches = model.step_hidden(mem_kv, mask_r, prev, t, caches)
                lg = model.logits(t % a.levels, h, mem_r, cc)[:, 0]
                tokens = torch.cat([tokens, torch.multinomial(torch.softmax(lg, -1), 1, generator=gen)], 1)
            reward = torch.randn(a.rl_batch, a.group, generator=gen)
            adv = ((reward - reward.mean(1, keepdim=True)) / (reward.std(1, keepdim=True) + 1e-6)).reshape(-1, 1)
            old = model.token_logp(mem_r, mask_r, tokens, cc)
            rm, rmask = ref.encode(hist, cand, scores)
            ref_lp = ref.token_logp(rm[rows], rmask[rows], tokens, cc)
        for _ in range(a.inner):
            mem, mask = model.encode(hist, cand, scores)
            lp = model.token_logp(mem[rows], mask[rows], tokens, cc)
            ratio = torch.exp(lp - old)
            pg = -torch.minimum(ratio * adv, ratio.clamp(0.8, 1.2) * adv)
            d = ref_lp - lp
            loss = (pg + 0.05 * (torch.exp(d) - d - 1)).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

    rl_round()
    t0 = time.perf_counter()
    for _ in range(a.rl_steps):
        rl_round()
    rl_rate = a.rl_steps * a.rl_batch / (time.perf_counter() - t0)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in model.parameters()),
        "sft": sft_rate,
        "rl": rl_rate,
    }))


if __name__ == "__main__":
    main()
