"""Time a training step and an evaluation pass in PyTorch on CPU, as `ldam bench` does for GoMLX:
the CIFAR ResNet-32 (option-A shortcut, models/resnet_cifar.py of LDAM-DRW) on 32x32 images, a
torchvision-style ResNet-18 with a 3x3 stride-1 stem and no max pooling on 64x64 images with 200
classes (Tiny ImageNet), or a 2-layer bidirectional LSTM (128-d embeddings, 128 units) over 256
tokens of a 20,000-word vocabulary (IMDB).

Run with Debian's python: /usr/bin/python3 torch_bench.py --arch resnet32 --batch 128 --steps 5 --threads 2
Prints one line: RESULT train_s=<median step seconds> eval_s=<median eval seconds> peak_gb=<max RSS> ...
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Shortcut(nn.Module):
    def __init__(self, pad):
        super().__init__()
        self.pad = pad

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm; the shortcut changes shape with option A (the CIFAR
    ResNets: subsample and zero-pad the channels) or B (a 1x1 convolution and batch norm)."""

    def __init__(self, in_planes, planes, stride=1, option="A"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            if option == "A":
                self.shortcut = Shortcut(planes // 4)
            else:
                self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """A 3x3 stride-1 stem, stages of basic blocks (stride 2 at the start of all but the first),
    global average pooling and a linear classifier."""

    def __init__(self, stages, blocks, num_classes, option):
        super().__init__()
        self.conv1 = nn.Conv2d(3, stages[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stages[0])
        layers, in_planes = [], stages[0]
        for s, planes in enumerate(stages):
            for i in range(blocks):
                layers.append(BasicBlock(in_planes, planes, 2 if s > 0 and i == 0 else 1, option))
                in_planes = planes
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(stages[-1], num_classes)

    def forward(self, x):
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(F.adaptive_avg_pool2d(out, 1).flatten(1))


def ResNet32():
    return ResNet((16, 32, 64), 5, 10, "A")


def ResNet18():
    return ResNet((64, 128, 256, 512), 2, 200, "B")


class BiLSTM(nn.Module):
    def __init__(self, vocab=20000, emb=128, hidden=128, num_classes=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.linear = nn.Linear(2 * hidden, num_classes)

    def forward(self, tokens):
        out, _ = self.lstm(self.emb(tokens))
        return self.linear(out.mean(1))


def peak_rss_gb():
    """Peak resident memory of this process (VmHWM). Not getrusage: Linux carries a parent's
    ru_maxrss over fork and exec, so a child started by a larger process reports the parent's."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e9
    return float("nan")


def inputs(arch, batch):
    if arch == "resnet32":
        return ResNet32(), torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,))
    if arch == "resnet18":
        return ResNet18(), torch.randn(batch, 3, 64, 64), torch.randint(0, 200, (batch,))
    if arch == "bilstm":
        return BiLSTM(), torch.randint(2, 20000, (batch, 256)), torch.randint(0, 2, (batch,))
    raise SystemExit(f"unknown --arch {arch}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="resnet32")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, x, y = inputs(args.arch, args.batch)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=2e-4)
    model.train()
    times = []
    for i in range(args.steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        if i > 0:
            times.append(time.perf_counter() - t0)
    train_s = statistics.median(times)
    model.eval()
    times = []
    with torch.no_grad():
        for i in range(args.steps + 1):
            t0 = time.perf_counter()
            model(x)
            if i > 0:
                times.append(time.perf_counter() - t0)
    peak_gb = peak_rss_gb()
    print(f"RESULT train_s={train_s:.6f} eval_s={statistics.median(times):.6f} peak_gb={peak_gb:.3f} torch={torch.__version__} threads={torch.get_num_threads()}")


if __name__ == "__main__":
    main()
