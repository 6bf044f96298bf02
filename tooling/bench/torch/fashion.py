"""The W5 recipe of tooling/bench/src/fashion.ts in PyTorch: time to 88% test accuracy on Fashion-MNIST.

784-256-256-10 ReLU MLP with PyTorch's default initialization (torch.manual_seed(seed)), Adam
(lr 1e-3), shuffled batches of 128, cross-entropy, pixels scaled to [0, 1]. After
every epoch the 10,000 test images are evaluated; it stops at the first epoch whose test accuracy
reaches the target. The wall time runs from the first training step to the end of that
evaluation (test passes included); reading the gzipped IDX files is not counted.

    /usr/bin/python3 tooling/bench/torch/fashion.py [--data DIR] [--threads 1] [--target 0.88]
"""
import argparse
import gzip
import os
import struct
import time

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIRS = [os.path.join(HERE, "../../../../shared/datasets/fashion-mnist"), "/usr/share/datasets/fashion-mnist"]


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    def find(kind):
        for ext in ("-ubyte.gz", "-ubyte"):
            p = os.path.join(data_dir, f"{prefix}-{kind}-idx{3 if kind == 'images' else 1}{ext}")
            if os.path.exists(p):
                return p
        raise SystemExit(f"fashion.py: no {prefix} {kind} file in {data_dir}")
    images = read_idx(find("images")).reshape(-1, 784).float() / 255
    labels = read_idx(find("labels")).long()
    return images, labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--target", type=float, default=0.88)
    ap.add_argument("--max-epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    data_dir = args.data or next((d for d in DATA_DIRS if os.path.isdir(d)), None)
    if data_dir is None:
        raise SystemExit(f"fashion.py: Fashion-MNIST not found in {DATA_DIRS}; pass --data DIR")
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    xtr, ytr = load(data_dir, "train")
    xte, yte = load(data_dir, "test")
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s); files loaded in {time.perf_counter() - t0:.2f} s")

    torch.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    # Shuffled batches by index, as @nn's DataLoader over a TensorDataset does (one gather per
    # tensor), rather than torch's per-sample DataLoader, whose Python overhead would dominate.
    gen = torch.Generator().manual_seed(args.seed)
    bs = args.batch_size
    start = time.perf_counter()
    for epoch in range(1, args.max_epochs + 1):
        e0 = time.perf_counter()
        model.train()
        total, n = 0.0, 0
        perm = torch.randperm(len(ytr), generator=gen)
        for i in range(0, len(ytr), bs):
            idx = perm[i:i + bs]
            x, y = xtr[idx], ytr[idx]
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
            n += len(y)
        train_s = time.perf_counter() - e0
        v0 = time.perf_counter()
        model.eval()
        with torch.no_grad():
            correct = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, len(yte), 1000))
        acc = correct / len(yte)
        wall = time.perf_counter() - start
        print(f"epoch {epoch:2d}  train loss {total / n:.4f}  test accuracy {100 * acc:.2f}%  train {train_s:.1f} s  "
              f"eval {time.perf_counter() - v0:.1f} s  wall {wall:.1f} s")
        if acc >= args.target:
            print(f"reached {100 * acc:.2f}% after {epoch} epochs in {wall:.1f} s wall time")
            return
    print(f"did not reach {100 * args.target:.1f}% in {args.max_epochs} epochs")


if __name__ == "__main__":
    main()
