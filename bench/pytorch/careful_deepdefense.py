"""The "careful PyTorch" reference for docs/PERFORMANCE.md: what a skilled PyTorch user writes for Deep Defense.

Same task as `./deepdefense bench --from KEY` (fine-tuning a pre-trained vanilla model on Fashion-MNIST, batch 100,
SGD momentum 0.9, lr 5e-4, weight decay 5e-4, λ=15, c=25, d=5, 5 unrolled DeepFool iterations, overshoot 0.02):
the weights come from `./deepdefense export --format npz`, so both engines start from the same model.

Careful means: the target class of each DeepFool step is chosen from a Jacobian computed without a graph (K
backward passes that record nothing), only the chosen boundary normal is recomputed with
`autograd.grad(create_graph=True)`, and finished samples leave the batch. The evaluation DeepFool (`--evaluate`)
runs without any parameter graph and drops fooled samples, 50 iterations at most.

    python bench/pytorch/careful_deepdefense.py --npz van-mlp.npz --arch mlp --steps 200 --threads 2
    python bench/pytorch/careful_deepdefense.py --npz van-lenet.npz --arch lenet --evaluate --test-images 500

Prints one JSON line.
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 500), nn.Linear(500, 150), nn.Linear(150, 10)

    def forward(self, x):
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class LeNet(nn.Module):
    """The official code's LeNet: no ReLU after the convolutions."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 20, 5), nn.Conv2d(20, 50, 5)
        self.fc1, self.fc2 = nn.Linear(800, 500), nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def load(arch, npz):
    model = {"mlp": Mlp, "lenet": LeNet}[arch]()
    weights = np.load(npz)
    model.load_state_dict({k: torch.from_numpy(weights[k].copy()) for k in model.state_dict()})
    return model, torch.from_numpy(weights["input_mean"].copy())


def jacobian_without_graph(logits, x, k):
    """∂logits/∂x row by row, recording nothing: (K, n, ...)."""
    rows = []
    for j in range(k):
        (g,) = torch.autograd.grad(logits[:, j].sum(), x, retain_graph=True)
        rows.append(g)
    return torch.stack(rows)


def deep_defense_loss(model, x0, labels, lam=15.0, c=25.0, d=5.0, iterations=5, overshoot=0.02):
    b = x0.shape[0]
    x = x0.clone().requires_grad_(True)
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    first_logits = logits
    with torch.no_grad():
        pred0 = logits.argmax(1)
    correct = pred0 == labels
    source = pred0.clone()
    max_step = 2 * x0.flatten(1).norm(dim=1)
    total = torch.zeros_like(x0)
    rows = torch.arange(b)
    scale = 1 + overshoot
    for it in range(iterations):
        if it > 0:
            x = x0[rows] + scale * total[rows]
            logits = model(x)
        with torch.no_grad():
            now = logits.argmax(1)
            active = torch.where(correct[rows], now == pred0[rows], now != labels[rows])
            wrong = ~correct[rows]
            source[rows[wrong]] = now[wrong]
        if not active.any():
            break
        keep = active.nonzero().squeeze(1)
        s = source[rows]
        t = torch.where(correct[rows], torch.full_like(s, -1), labels[rows])
        choose = (t < 0) & active
        if choose.any():
            jac = jacobian_without_graph(logits, x, logits.shape[1])
            with torch.no_grad():
                k = logits.shape[1]
                n = logits.shape[0]
                w_all = (jac - jac[s, torch.arange(n)].unsqueeze(0)).flatten(2)  # (K, n, D)
                gaps = (logits - logits.gather(1, s[:, None])).abs().t()  # (K, n)
                dist = gaps / w_all.norm(dim=2).clamp_min(1e-4)
                dist[s, torch.arange(n)] = float("inf")
                t = torch.where(choose, dist.argmin(0), t)
        # Only the chosen boundary normal, in the graph; rows that stopped are dropped first.
        x_sel, s_sel, t_sel = x, s[keep], t[keep]
        gap = logits[keep, t_sel] - logits[keep, s_sel]
        (w,) = torch.autograd.grad(gap.sum(), x, create_graph=True)
        w = w[keep]
        sq = w.flatten(1).square().sum(1)
        with torch.no_grad():
            step_norm = (gap.abs() + 1e-4) / sq.sqrt()
            usable = (sq >= 1e-8) & (step_norm <= max_step[rows[keep]])
        coef = (gap.abs() + 1e-4) / torch.where(usable, sq, torch.ones_like(sq)) * usable
        r = w * coef.view(-1, *([1] * (w.dim() - 1)))
        total = total.index_add(0, rows[keep], r)
        rows = rows[keep]
    ratio = (scale * total).flatten(1).square().sum(1).add(1e-12).sqrt() / x0.flatten(1).norm(dim=1).clamp_min(1e-12)
    ratio = ratio.clamp(max=2)
    exponent = torch.where(correct, torch.full_like(ratio, -c), torch.full_like(ratio, d))
    return loss + lam / b * torch.exp(exponent * ratio).sum(), first_logits


def deepfool_eval(model, x0, max_iter=50, overshoot=0.02):
    """Untargeted DeepFool without any parameter graph; fooled samples leave the batch. Returns ρ₂ per sample."""
    b = x0.shape[0]
    total = torch.zeros_like(x0)
    with torch.no_grad():
        pred0 = model(x0).argmax(1)
    rows = torch.arange(b)
    for _ in range(max_iter + 1):
        x = (x0[rows] + (1 + overshoot) * total[rows]).requires_grad_(True)
        logits = model(x)
        with torch.no_grad():
            active = logits.argmax(1) == pred0[rows]
        if not active.any() or _ == max_iter:
            break
        keep = active.nonzero().squeeze(1)
        jac = jacobian_without_graph(logits, x, logits.shape[1])
        with torch.no_grad():
            n = logits.shape[0]
            s = pred0[rows]
            w_all = (jac - jac[s, torch.arange(n)].unsqueeze(0)).flatten(2)
            gaps = (logits - logits.gather(1, s[:, None])).abs().t()
            dist = (gaps + 1e-4) / w_all.norm(dim=2).clamp_min(1e-4)
            dist[s, torch.arange(n)] = float("inf")
            t = dist.argmin(0)
            w = w_all[t, torch.arange(n)][keep]
            step = ((gaps[t, torch.arange(n)][keep] + 1e-4) / w.square().sum(1).clamp_min(1e-8)).unsqueeze(1) * w
            total[rows[keep]] += step.view(-1, *x0.shape[1:])
        rows = rows[keep]
    dx = (1 + overshoot) * total
    return dx.flatten(1).norm(dim=1) / x0.flatten(1).norm(dim=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--npz", required=True)
    p.add_argument("--arch", choices=["mlp", "lenet"], required=True)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--evaluate", action="store_true")
    p.add_argument("--test-images", type=int, default=500)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model, mean = load(a.arch, a.npz)
    if a.evaluate:
        images = torch.from_numpy(idx(f"{DATA}/t10k-images-idx3-ubyte.gz")[: a.test_images].astype(np.float32))
        x = (images.unsqueeze(1) - mean)
        for q in model.parameters():
            q.requires_grad_(False)
        begun = time.perf_counter()
        rho = torch.cat([deepfool_eval(model, x[i:i + 100]) for i in range(0, len(x), 100)])
        seconds = time.perf_counter() - begun
        print(json.dumps({"task": "evaluate", "engine": "pytorch-careful", "torch": torch.__version__,
                          "arch": a.arch, "threads": a.threads, "test_images": len(x), "seconds": round(seconds, 2),
                          "img_s": round(len(x) / seconds, 1), "rho2": round(rho.mean().item(), 6)}))
        return
    images = idx(f"{DATA}/train-images-idx3-ubyte.gz").astype(np.float32)
    labels = torch.from_numpy(idx(f"{DATA}/train-labels-idx1-ubyte.gz").astype(np.int64))
    x_all = torch.from_numpy(images).unsqueeze(1) - mean
    order = torch.randperm(len(x_all))

    def run(objective, steps):
        m, _ = load(a.arch, a.npz)
        opt = torch.optim.SGD(m.parameters(), lr=5e-4, momentum=0.9, weight_decay=5e-4)
        begun = None
        for step in range(a.warmup + steps):
            if step == a.warmup:
                begun = time.perf_counter()
            batch = order[(step * 100) % len(order):][:100]
            opt.zero_grad(set_to_none=True)
            objective(m, x_all[batch], labels[batch]).backward()
            opt.step()
        return steps * 100 / (time.perf_counter() - begun)

    vanilla = run(lambda m, x, y: F.cross_entropy(m(x), y), a.steps)
    dd = run(lambda m, x, y: deep_defense_loss(m, x, y)[0], a.steps)
    print(json.dumps({"task": "fine-tune", "engine": "pytorch-careful", "torch": torch.__version__, "arch": a.arch,
                      "method": "deepdefense", "threads": a.threads, "batch_size": 100, "steps": a.steps,
                      "img_s": round(dd, 1), "vanilla_img_s": round(vanilla, 1),
                      "vanilla_step_ratio": round(vanilla / dd, 2)}))


if __name__ == "__main__":
    main()
