#!/usr/bin/python3
"""The official LDAM-DRW recipe (kaidic/LDAM-DRW, cifar_train.py) in PyTorch, run under LDAM Lab's
presets and data, so that only the implementation differs from ours.

Written here from a reading of the official repository (models/resnet_cifar.py, losses.py,
imbalance_cifar.py, cifar_train.py); it follows the code where code and paper differ:

- ResNet-32 with option-A shortcuts (x[:, :, ::2, ::2] zero-padded by planes//4 channels on each
  side), convolutions without bias, BatchNorm2d with PyTorch's defaults, Kaiming-normal
  initialisation (fan-in, gain sqrt 2) of every Conv2d and nn.Linear weight; the nn.Linear bias
  keeps PyTorch's default uniform(+-1/sqrt(fan_in)).
- LDAM uses NormedLinear: a (64, C) weight drawn uniform(-1, 1), each column renormed to norm
  1e-5 then times 1e5 (unit columns), output = normalize(x) @ normalize(W, dim 0): cosines.
- LDAMLoss(max_m 0.5, s 30): Delta_j = n_j^-1/4 scaled so that its largest is max_m, subtracted
  from the true class's cosine, then cross-entropy of s * logits with the class weights.
- DRW: per-class weights (1 - beta) / (1 - beta^n_j), normalised to sum C, with beta = 0 before
  T0 (all weights 1) and 0.9999 from T0 on (the code's `epoch // 160`).
- The imbalanced subset: counts int(img_max * imb_factor^(i / (C - 1))), and per class
  numpy.random.seed(rand_number) then numpy.random.shuffle of the class's indices (in data
  order), keeping the first n_i.
- Augmentation: 4-pixel zero padding, random 32x32 crop, horizontal flip with probability 1/2,
  then ToTensor and Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)); the padded
  border is black before normalisation, as torchvision's RandomCrop pads the PIL image.
- SGD(momentum 0.9, weight decay on every parameter), batch 128, shuffled every epoch; the
  learning rate set at the start of each epoch by the code's rule: warm-up lr * (e+1) / W for
  e+1 <= W, then x0.01 from each decay epoch (the code's 160 and 180).
- Evaluation on the balanced test set in eval mode, batch 100, every epoch: the top-1 accuracy
  (the code's Prec@1; on a balanced test set the mean per-class accuracy), the best epoch
  tracked as the code's best_acc1.

The schedule (epochs, warm-up, decays, T0) and data scale come from LDAM Lab's preset, given
by the `ldam reference` command as --preset_json, so that the protocol is ours. Results go to
<out>/results.json in LDAM Lab's registry schema, with the engine "pytorch-official-recipe".
A run writes checkpoint.pt after every epoch (atomically) and stage1.pt at T0; --resume
continues from checkpoint.pt, --branch_from DIR starts at T0 from DIR/stage1.pt (the same
training up to T0, as a run that changes only from T0 on is the same run until then).
"""

import argparse
import io
import json
import math
import os
import re
import sys
import tarfile
import time

import numpy as np

ENGINE = "pytorch-official-recipe"
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2023, 0.1994, 0.2010)
MANY_SHOT_ABOVE, FEW_SHOT_BELOW = 100, 20


# ---- the data -------------------------------------------------------------------------------

def load_jpeg_split(archive, split):
    """Reads <split>/<class>/<file>.jpg from a tar(.gz) into uint8 NCHW, sorted by class then
    path (LDAM Lab's order: the file counter within a class)."""
    from PIL import Image
    items = []
    index = {c: i for i, c in enumerate(CIFAR10_CLASSES)}
    with tarfile.open(archive) as tf:
        for m in tf:
            if not m.isfile():
                continue
            parts = m.name.split("/")
            if len(parts) < 3 or parts[-3] != split or not m.name.lower().endswith((".jpg", ".jpeg", ".png")):
                continue
            cls = parts[-2]
            if cls not in index:
                raise SystemExit(f"{archive}: image {m.name} is in class folder {cls!r}, not a CIFAR-10 class")
            img = Image.open(io.BytesIO(tf.extractfile(m).read())).convert("RGB")
            if img.size != (32, 32):
                raise SystemExit(f"{archive}: image {m.name} is {img.size[0]}x{img.size[1]}, want 32x32")
            items.append((index[cls], m.name, np.asarray(img, dtype=np.uint8)))
    if not items:
        raise SystemExit(f"{archive}: no {split} images found")
    items.sort(key=lambda t: (t[0], t[1]))
    x = np.stack([t[2] for t in items]).transpose(0, 3, 1, 2).copy()
    y = np.array([t[0] for t in items], dtype=np.int64)
    return x, y


def class_counts(imb_type, img_max, classes, imb_factor):
    """get_img_num_per_cls of imbalance_cifar.py, with img_max the preset's cap."""
    if imb_type == "exp":
        return [int(img_max * (imb_factor ** (i / (classes - 1.0)))) for i in range(classes)]
    if imb_type == "step":
        return [int(img_max)] * (classes // 2) + [int(img_max * imb_factor)] * (classes // 2)
    return [int(img_max)] * classes


# How select() chooses the images, in the words LDAM Lab's results use (datasets.Selection).
SELECTION = "numpy RandomState(seed), one shuffle per class in class order (the official imbalance_cifar.py)"


def select(y, counts, rand_number):
    """gen_imbalanced_data of imbalance_cifar.py: numpy's generator seeded once, each class's
    indices shuffled in class order, the first n_i kept."""
    np.random.seed(rand_number)
    keep = []
    for c, n in enumerate(counts):
        idx = np.where(y == c)[0]
        if n > len(idx):
            raise SystemExit(f"class {c} needs {n} images but has {len(idx)}")
        np.random.shuffle(idx)
        keep.append(idx[:n])
    return np.concatenate(keep)


# ---- the model (models/resnet_cifar.py) -----------------------------------------------------

def build_model(num_classes, use_norm, width=1.0):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class NormedLinear(nn.Module):
        def __init__(self, d_in, d_out):
            super().__init__()
            self.weight = nn.Parameter(torch.Tensor(d_in, d_out))
            self.weight.data.uniform_(-1, 1).renorm_(2, 1, 1e-5).mul_(1e5)

        def forward(self, x):
            return F.normalize(x, dim=1).mm(F.normalize(self.weight, dim=0))

    class Block(nn.Module):
        def __init__(self, cin, planes, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.pad = planes // 4 if (stride != 1 or cin != planes) else None

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.pad is None:
                short = x
            else:  # option A
                short = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)
            return F.relu(out + short)

    class ResNet32(nn.Module):
        def __init__(self):
            super().__init__()
            w = [max(1, int(round(c * width))) for c in (16, 32, 64)]
            self.conv1 = nn.Conv2d(3, w[0], 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(w[0])
            layers, cin = [], w[0]
            for planes, stride in zip(w, (1, 2, 2)):
                for s in [stride] + [1] * 4:
                    layers.append(Block(cin, planes, s))
                    cin = planes
            self.layers = nn.Sequential(*layers)
            self.linear = NormedLinear(cin, num_classes) if use_norm else nn.Linear(cin, num_classes)
            for m in self.modules():  # _weights_init
                if isinstance(m, (nn.Linear, nn.Conv2d)):
                    nn.init.kaiming_normal_(m.weight)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.layers(out)
            out = F.avg_pool2d(out, out.size()[3])
            return self.linear(out.view(out.size(0), -1))

    return ResNet32()


# ---- the loss and the weights (losses.py, cifar_train.py) -----------------------------------

def ldam_margins(counts, max_m=0.5):
    m = 1.0 / np.sqrt(np.sqrt(np.asarray(counts, dtype=np.float64)))
    return m * (max_m / np.max(m))


def drw_weights(counts, epoch, defer_epoch, beta=0.9999):
    """The DRW branch of cifar_train.py: betas [0, beta][epoch // T0] (index capped at 1)."""
    b = [0.0, beta][min(epoch // defer_epoch, 1)] if defer_epoch > 0 else beta
    eff = 1.0 - np.power(b, np.asarray(counts, dtype=np.float64))
    w = (1.0 - b) / eff
    return w / np.sum(w) * len(counts)


def reweight_weights(counts, beta=0.9999):
    eff = 1.0 - np.power(beta, np.asarray(counts, dtype=np.float64))
    w = (1.0 - beta) / eff
    return w / np.sum(w) * len(counts)


def make_criterion(loss_type, counts, weight, max_m=0.5, s=30.0, dtype=None):
    import torch
    import torch.nn.functional as F
    dtype = dtype or torch.float32
    w = None if weight is None else torch.tensor(weight, dtype=dtype)
    if loss_type == "CE":
        return lambda x, y: F.cross_entropy(x, y, weight=w)
    m = torch.tensor(ldam_margins(counts, max_m), dtype=dtype)

    def ldam(x, y):
        index = torch.zeros_like(x, dtype=torch.bool)
        index.scatter_(1, y.view(-1, 1), True)
        batch_m = torch.matmul(m[None, :], index.to(m.dtype).t()).view(-1, 1)
        return F.cross_entropy(s * torch.where(index, x - batch_m, x), y, weight=w)
    return ldam


def lr_at(preset, epoch):
    """adjust_learning_rate of cifar_train.py on the preset's warm-up and decay epochs."""
    warm = preset["WarmupEpochs"]
    if epoch + 1 <= warm:
        return preset["BaseLR"] * (epoch + 1) / warm
    lr = preset["BaseLR"]
    for d in preset["DecayEpochs"] or []:
        if epoch >= d:
            lr *= preset["DecayFactor"]
    return lr


# ---- metrics (LDAM Lab's schema) ------------------------------------------------------------

def summarize(conf, top5_hit, train_counts, keep_confusion):
    conf = np.asarray(conf)
    n = conf.sum(axis=1)
    per = [float(1 - conf[c, c] / n[c]) if n[c] else 0.0 for c in range(len(n))]
    present = [c for c in range(len(n)) if n[c]]
    res = {
        "Top1Error": float(np.mean([per[c] for c in present])),
        "Top5Error": float(np.mean([1 - top5_hit[c] / n[c] for c in present])),
        "OverallError": float(1 - np.trace(conf) / n.sum()),
        "PerClassError": per,
        "Confusion": conf.astype(int).tolist() if keep_confusion else None,
        "Count": n.astype(int).tolist(),
    }
    for key, pick in (("ManyShotError", lambda k: k > MANY_SHOT_ABOVE),
                      ("MediumShotError", lambda k: FEW_SHOT_BELOW <= k <= MANY_SHOT_ABOVE),
                      ("FewShotError", lambda k: k < FEW_SHOT_BELOW)):
        group = [per[c] for c in present if pick(train_counts[c])]
        if group:
            res[key] = float(np.mean(group))
    return res


def evaluate(model, x, y, classes, train_counts, keep_confusion=False):
    import torch
    model.eval()
    conf = np.zeros((classes, classes), dtype=np.int64)
    top5 = np.zeros(classes, dtype=np.int64)
    k = min(5, classes)
    with torch.no_grad():
        for i in range(0, len(y), 100):
            out = model(normalize(torch.from_numpy(x[i:i + 100]).float().div_(255)))
            t = y[i:i + 100]
            np.add.at(conf, (t, out.argmax(1).numpy()), 1)
            np.add.at(top5, t, (out.topk(k, 1).indices.numpy() == t[:, None]).any(1))
    return summarize(conf, top5, train_counts, keep_confusion)


_MEAN_STD = None


def normalize(xb):
    """Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)) of a [B, 3, H, W] batch in [0, 1]."""
    global _MEAN_STD
    if _MEAN_STD is None:
        import torch
        _MEAN_STD = (torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1))
    return (xb - _MEAN_STD[0]) / _MEAN_STD[1]


def augment(xb_uint8, gen):
    """RandomCrop(32, padding=4) + RandomHorizontalFlip + ToTensor + Normalize on a batch: each image's crop
    offsets and flip drawn from gen (offsets first, then flips), gathered in one indexing."""
    import torch
    import torch.nn.functional as F
    n = xb_uint8.shape[0]
    xb = F.pad(xb_uint8.float().div_(255), (4, 4, 4, 4))
    off = torch.randint(0, 9, (n, 2), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    r = torch.arange(32)
    rows = off[:, 0:1] + r                                                  # [n, 32]
    cols = torch.where(flip[:, None], off[:, 1:2] + 31 - r, off[:, 1:2] + r)  # [n, 32], reversed when flipped
    out = xb[torch.arange(n)[:, None, None, None], torch.arange(3)[None, :, None, None], rows[:, None, :, None], cols[:, None, None, :]]
    return normalize(out)


# ---- the run --------------------------------------------------------------------------------

def atomic_save(obj, path):
    import torch
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_json(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def selftest(args):
    """Prints the recipe's arithmetic as JSON, for the Go tests to compare with the library."""
    counts = class_counts(args.imb_type, args.img_max, args.classes, args.imb_factor)
    print(json.dumps({
        "counts": counts,
        "margins": ldam_margins(counts).tolist(),
        "drw_before": drw_weights(counts, 0, 16).tolist(),
        "drw_after": drw_weights(counts, 16, 16).tolist(),
        "reweight": reweight_weights(counts).tolist(),
        "lr": [lr_at(json.loads(args.preset_json), e) for e in range(json.loads(args.preset_json)["Epochs"])],
        "selection": SELECTION,
    }))


def torch_name(path, blocks_per_stage=5):
    """The official model's parameter or buffer name of an LDAM Lab ResNet-32 variable path
    (".../backbone/stage1_block2/bn1/gamma" is layers.7.bn1.weight), and whether its layout is
    transposed: conv kernels are [kh, kw, in, out] in LDAM Lab and [out, in, kh, kw] in PyTorch,
    nn.Linear's weight is [out, in] against LDAM Lab's [in, out] (NormedLinear's is [in, out])."""
    parts = path.strip("/").split("/")
    i = parts.index("backbone") if "backbone" in parts else parts.index("classifier")
    parts = parts[i:]
    bn = {"gamma": "weight", "beta": "bias", "running_mean": "running_mean", "running_var": "running_var"}
    if parts[0] == "classifier":
        return "linear." + {"weights": "weight", "biases": "bias"}[parts[1]], parts[1] == "weights"
    layer = parts[1]
    if layer == "stem":
        return "conv1.weight", True
    if layer == "stem_bn":
        return "bn1." + bn[parts[2]], False
    m = re.fullmatch(r"stage(\d+)_block(\d+)", layer)
    if not m:
        raise ValueError(f"unknown variable {path}")
    k = int(m.group(1)) * blocks_per_stage + int(m.group(2))
    if parts[2].startswith("conv"):
        return f"layers.{k}.{parts[2]}.weight", True
    return f"layers.{k}.{parts[2]}.{bn[parts[3]]}", False


def read_request(path_in):
    """A request of the Go tests (--one_step, --steps): JSON, run on one thread (deterministic)."""
    import torch
    torch.set_num_threads(1)
    with open(path_in) as f:
        return json.load(f)


def decode_f4(v):
    """An array as the Go tests write it: little-endian float32, base64, with its shape."""
    import base64
    return np.frombuffer(base64.b64decode(v["data"]), dtype="<f4").reshape(v["shape"]).copy()


def one_step(path_in, path_out):
    """One training step's forward and backward pass of the official model (train mode) on the
    weights and batch LDAM Lab wrote to path_in; writes the loss, the logits, every parameter's
    gradient and the batch norms' running statistics after the step to path_out, in LDAM Lab's
    names and layouts (for the Go test that compares the two implementations step for step)."""
    import base64
    import torch
    d = read_request(path_in)
    arr = decode_f4

    def enc(a):
        if a.dtype == np.float64:
            a = np.ascontiguousarray(a, dtype="<f8")
            return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode(), "dtype": "f8"}
        a = np.ascontiguousarray(a, dtype="<f4")
        return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode()}

    res = run_step(d, arr, enc, torch.float32)
    # The same step in float64: the yardstick for both implementations' float32 rounding.
    res["float64"] = run_step(d, arr, enc, torch.float64)
    with open(path_out, "w") as f:
        json.dump(res, f)


def load_ours(d, arr, dtype):
    """The official model with the weights LDAM Lab wrote in d["variables"] (its names and
    layouts); returns the model, its parameters and buffers by name, and each path's (name,
    transposed)."""
    import torch
    use_norm = d["loss_type"] == "LDAM"
    model = build_model(d["classes"], use_norm, d.get("width", 1.0)).to(dtype)
    named = dict(model.named_parameters())
    named.update(dict(model.named_buffers()))
    layout = {}
    with torch.no_grad():
        for path, v in d["variables"].items():
            name, transposed = torch_name(path)
            a = arr(v)
            if transposed and a.ndim == 4:
                a = a.transpose(3, 2, 0, 1)
            elif transposed and not use_norm:
                a = a.T
            if tuple(named[name].shape) != a.shape:
                raise SystemExit(f"{path} -> {name}: shape {a.shape}, the model's {tuple(named[name].shape)}")
            named[name].copy_(torch.from_numpy(np.ascontiguousarray(a)).to(dtype))
            layout[path] = (name, transposed)
    return model, named, layout


def train_steps(path_in, path_out):
    """Training steps of the official recipe (train mode, SGD with the given lr, momentum and
    weight decay on every parameter, the loss with the given class weights) from the weights
    LDAM Lab wrote to path_in, on its batches in order; writes each step's loss to path_out (for
    the Go test that trains both implementations in lockstep)."""
    import torch
    d = read_request(path_in)
    arr = decode_f4

    def steps(dtype):
        model, _, _ = load_ours(d, arr, dtype)
        model.train()
        opt = torch.optim.SGD(model.parameters(), d["lr"], momentum=d["momentum"], weight_decay=d["weight_decay"])
        crit = make_criterion(d["loss_type"], d["counts"], d.get("weights"), dtype=dtype)
        losses = []
        for b in d["batches"]:
            x = torch.from_numpy(arr(b["images"]).transpose(0, 3, 1, 2).copy()).to(dtype)
            loss = crit(model(x), torch.tensor(b["labels"], dtype=torch.long))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    # float64: the yardstick of both implementations' float32 rounding, which training amplifies.
    with open(path_out, "w") as f:
        json.dump({"losses": steps(torch.float32), "float64": steps(torch.float64)}, f)


def run_step(d, arr, enc, dtype):
    import torch
    use_norm = d["loss_type"] == "LDAM"
    model, named, layout = load_ours(d, arr, dtype)
    model.train()
    x = torch.from_numpy(arr(d["images"]).transpose(0, 3, 1, 2).copy()).to(dtype)
    y = torch.tensor(d["labels"], dtype=torch.long)
    out = model(x)
    loss = make_criterion(d["loss_type"], d["counts"], d.get("weights"), dtype=dtype)(out, y)
    loss.backward()
    res = {"loss": float(loss), "logits": enc(out.detach().numpy()), "gradients": {}, "after": {}}
    for path, (name, transposed) in layout.items():
        t = named[name]
        back = lambda a: a.transpose(2, 3, 1, 0) if (transposed and a.ndim == 4) else (a.T if transposed and not use_norm else a)
        if isinstance(t, torch.nn.Parameter):
            res["gradients"][path] = enc(back(t.grad.numpy()))
        else:
            res["after"][path] = enc(t.numpy())
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=False)
    p.add_argument("--datasets", default=os.environ.get("LDAMLAB_DATASETS", ""))
    p.add_argument("--preset_json", default="", help="LDAM Lab's preset (schedule.Preset as JSON); required but for --one_step")
    p.add_argument("--loss_type", default="CE", choices=["CE", "LDAM"])
    p.add_argument("--train_rule", default="None", choices=["None", "DRW", "Reweight"])
    p.add_argument("--imb_type", default="exp", choices=["exp", "step"])
    p.add_argument("--imb_factor", type=float, default=0.01)
    p.add_argument("--rand_number", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--branch_from", default="")
    p.add_argument("--stop_after", type=int, default=0, help="stop after this many epochs of this call (for tests)")
    p.add_argument("--selftest", action="store_true")
    p.add_argument("--img_max", type=int, default=5000)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--one_step", default="", help="a JSON of weights and a batch from LDAM Lab: write one step's loss, logits and gradients to --one_step_out (a test)")
    p.add_argument("--one_step_out", default="")
    p.add_argument("--steps", default="", help="a JSON of weights, batches and SGD settings from LDAM Lab: write each training step's loss to --steps_out (a test)")
    p.add_argument("--steps_out", default="")
    p.add_argument("--print_selection", action="store_true", help="print the indices of the training and test images the official selection keeps (JSON) and stop")
    args = p.parse_args(argv)
    if args.one_step:
        return one_step(args.one_step, args.one_step_out)
    if args.steps:
        return train_steps(args.steps, args.steps_out)
    if not args.preset_json:
        raise SystemExit("--preset_json is required")
    if args.selftest:
        return selftest(args)

    import torch
    torch.set_num_threads(args.threads)
    preset = json.loads(args.preset_json)
    if not args.out and not args.print_selection:
        raise SystemExit("--out is required")
    if not (0 < args.imb_factor <= 1):
        raise SystemExit(f"--imb_factor {args.imb_factor} is outside (0, 1]; it is 1/rho, e.g. 0.01 for rho = 100")
    ckpt_file = os.path.join(args.out or ".", "checkpoint.pt")
    results_file = os.path.join(args.out or ".", "results.json")

    archive = lambda s: os.path.join(args.datasets, f"cifar10-jpeg-{s}.tar.gz")
    for s in ("train", "test"):
        if not os.path.isfile(archive(s)):
            raise SystemExit(f"{archive(s)} not found: set LDAMLAB_DATASETS (or --datasets) to the folder holding the CIFAR-10 JPEG archives")
    t_load = time.time()
    xtr, ytr = load_jpeg_split(archive("train"), "train")
    xte, yte = load_jpeg_split(archive("test"), "test")
    classes = len(CIFAR10_CLASSES)
    img_max = int(np.bincount(ytr).max())
    if preset.get("MaxPerClass"):
        img_max = min(img_max, preset["MaxPerClass"])
    counts = class_counts(args.imb_type, img_max, classes, args.imb_factor)
    keep = select(ytr, counts, args.rand_number)
    tkeep = np.arange(len(yte))
    if preset.get("TestPerClass"):
        tcounts = [min(preset["TestPerClass"], int(k)) for k in np.bincount(yte, minlength=classes)]
        tkeep = select(yte, tcounts, args.rand_number)
    if args.print_selection:
        print(json.dumps({"train": keep.tolist(), "test": tkeep.tolist()}))
        return
    xtr, ytr = xtr[keep], ytr[keep]
    xte, yte = xte[tkeep], yte[tkeep]
    os.makedirs(args.out, exist_ok=True)
    test_counts = np.bincount(yte, minlength=classes).astype(int).tolist()
    print(f"data: {len(ytr)} training images {counts}, {len(yte)} test images ({time.time() - t_load:.0f} s to load)", flush=True)

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    model = build_model(classes, args.loss_type == "LDAM", preset.get("Width") or 1.0)
    opt = torch.optim.SGD(model.parameters(), preset["BaseLR"], momentum=preset["Momentum"], weight_decay=preset["WeightDecay"])
    gen = torch.Generator()
    gen.manual_seed(args.seed)

    config = {"Engine": ENGINE, "Dataset": "cifar10", "ImbType": args.imb_type, "ImbFactor": args.imb_factor,
              "DataSeed": args.rand_number, "LossType": args.loss_type, "TrainRule": args.train_rule,
              "Beta": 0.9999, "MaxMargin": 0.5, "Scale": 30, "Preset": preset["Name"], "Seed": args.seed,
              "Threads": args.threads}
    result = {"config": config, "preset": preset, "backend": ENGINE,
              "data": {"name": "cifar10", "source": "offline CIFAR-10 JPEG re-encode (q75, 4:2:0), not the original pixels",
                       "classes": CIFAR10_CLASSES, "train_counts": counts, "test_counts": test_counts,
                       "selection": SELECTION},
              "margins": ldam_margins(counts).tolist() if args.loss_type == "LDAM" else None,
              "params": sum(p.numel() for p in model.parameters()),
              "history": [], "best_epoch": 0, "done": False, "wall_seconds": 0.0}
    start, best_err = 0, math.inf
    source = None
    if args.resume and os.path.isfile(ckpt_file):
        source = ckpt_file
    elif args.branch_from:
        source = os.path.join(args.branch_from, "stage1.pt")
        if not os.path.isfile(source):
            raise SystemExit(f"{source} not found: the run to branch from has not reached T0 = {preset['DeferEpoch']} yet")
    if source:
        st = torch.load(source)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["optimizer"])
        gen.set_state(st["generator"])
        old = st["result"]
        if source == ckpt_file and old["config"] != config:
            raise SystemExit(f"{ckpt_file} was written by a run with a different configuration; use another --out")
        if source != ckpt_file and {k: v for k, v in old["config"].items() if k != "TrainRule"} != \
                {k: v for k, v in config.items() if k != "TrainRule"}:
            raise SystemExit(f"{source}: the run differs from this one in more than the train rule; it cannot be branched from")
        result["history"] = old["history"]
        result["best_epoch"], result["best"] = old.get("best_epoch", 0), old.get("best")
        result["wall_seconds"] = old.get("wall_seconds", 0.0)
        if source != ckpt_file:
            result["branched_from"] = os.path.relpath(args.branch_from, args.out)
        start = st["epoch"]
        best_err = min((h["test"]["Top1Error"] for h in result["history"]), default=math.inf)
        print(f"resumed at epoch {start} from {source}", flush=True)

    n = len(ytr)
    xtr_t, ytr_t = torch.from_numpy(xtr), torch.from_numpy(ytr)
    ran = 0
    for epoch in range(start, preset["Epochs"]):
        if args.stop_after and ran >= args.stop_after:
            break
        if epoch == preset["DeferEpoch"] and not args.branch_from and not os.path.isfile(os.path.join(args.out, "stage1.pt")):
            atomic_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "generator": gen.get_state(),
                         "epoch": epoch, "result": result}, os.path.join(args.out, "stage1.pt"))
        t0 = time.time()
        lr = lr_at(preset, epoch)
        for g in opt.param_groups:
            g["lr"] = lr
        weight = None
        if args.train_rule == "DRW":
            weight = drw_weights(counts, epoch, preset["DeferEpoch"])
        elif args.train_rule == "Reweight":
            weight = reweight_weights(counts)
        crit = make_criterion(args.loss_type, counts, weight)
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum, wrong, seen = 0.0, 0, 0
        for i in range(0, n, preset["BatchSize"]):
            idx = perm[i:i + preset["BatchSize"]]
            xb, yb = augment(xtr_t[idx], gen), ytr_t[idx]
            out = model(xb)
            loss = crit(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            wrong += int((out.argmax(1) != yb).sum())
            seen += len(idx)
        train_s = time.time() - t0
        last = epoch == preset["Epochs"] - 1
        test = evaluate(model, xte, yte, classes, counts, keep_confusion=last)
        secs = time.time() - t0
        rw = weight is not None and not np.allclose(weight, 1.0)
        hist = {"epoch": epoch, "lr": lr, "reweighted": bool(rw), "resampled": False,
                "train_loss": loss_sum / seen, "train_error": wrong / seen,
                "test": dict(test, Confusion=None), "seconds": secs, "images_per_second": seen / train_s}
        result["history"].append(hist)
        result["wall_seconds"] += secs
        if test["Top1Error"] < best_err:
            best_err, result["best_epoch"] = test["Top1Error"], epoch
            result["best"] = dict(test, Confusion=None)
        ran += 1
        if last:
            result["final"] = test
            result["done"] = True
        atomic_json(result, results_file)
        atomic_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "generator": gen.get_state(),
                     "epoch": epoch + 1, "result": result}, ckpt_file)
        print(f"epoch {epoch + 1}/{preset['Epochs']}: lr {lr:.5f}, loss {hist['train_loss']:.4f}, balanced test error "
              f"{100 * test['Top1Error']:.2f} %, {hist['images_per_second']:.0f} img/s, {secs:.0f} s", flush=True)
    if result["done"]:
        print(f"final balanced error {100 * result['final']['Top1Error']:.2f} %", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
