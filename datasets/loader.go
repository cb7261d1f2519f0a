package datasets

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
	"gonum.org/v1/gonum/stat/distuv"
)

// Augment is the training augmentation of the paper: zero-pad Pad pixels on each side, take a
// random crop of the original size, and flip horizontally with probability 1/2 (CIFAR: pad 4;
// Tiny ImageNet: pad 8).
type Augment struct {
	Pad  int
	Flip bool
}

// OrderFn returns the example indices of one epoch; the ldam library builds it from its
// sampler (instance-balanced, or re-sampling with replacement).
type OrderFn func(epoch int, rng *rand.Rand) ([]int, error)

// LoaderConfig configures a [Loader].
type LoaderConfig struct {
	BatchSize int
	// Order gives each epoch's indices; nil means all examples in order (evaluation).
	Order OrderFn
	// Augment is applied to training images; nil for none.
	Augment *Augment
	// Mean and Std normalize each channel of images scaled to [0, 1]; empty for none.
	Mean, Std []float32
	// Seed makes shuffling and augmentation deterministic: batch b of epoch e always uses the
	// same random stream, whatever the number of workers.
	Seed uint64
	// Workers decode and augment batches in parallel (default: the number of CPUs); Prefetch
	// is how many batches may wait ready ahead of the consumer (default 2·Workers).
	Workers, Prefetch int
	// DropLast drops the last, smaller batch of an epoch.
	DropLast bool
	// Mixup > 0 mixes each batch of real-valued inputs with a permutation of itself (mixup,
	// Zhang et al. 2018, as MiSLAS's first stage uses it): x̃ = λ·x + (1 − λ)·x[π], λ ~ Beta(α, α)
	// with α = Mixup, one λ and one permutation π per batch. The labels are then three tensors:
	// y and y[π] (int32 [B]) and λ (float32 [B], the same value B times, so that micro-batches
	// keep it); the loss is λ·ℓ(y) + (1 − λ)·ℓ(y[π]).
	Mixup float64
}

// Loader feeds a dataset to GoMLX training as a train.Dataset: every Iter call yields one epoch
// of batches, prepared on worker goroutines ahead of the training step. Images come out as
// float32 [B, H, W, C], points as float32 [B, d], texts as int32 tokens [B, T] plus lengths [B];
// labels as int32 [B].
type Loader struct {
	name  string
	n     int
	label func(i int) int
	fill  func(idx []int, rng *rand.Rand) ([]*tensors.Tensor, error)
	cfg   LoaderConfig
	epoch int
}

var _ train.Dataset = (*Loader)(nil)

func newLoader(name string, n int, label func(int) int, cfg LoaderConfig) (*Loader, error) {
	if cfg.BatchSize < 1 {
		return nil, fmt.Errorf("datasets: batch size %d must be ≥ 1", cfg.BatchSize)
	}
	if cfg.BatchSize > n {
		return nil, fmt.Errorf("datasets: batch size %d is larger than the %d examples of %s; use --batch-size ≤ %d", cfg.BatchSize, n, name, n)
	}
	if !(cfg.Mixup >= 0) || math.IsInf(cfg.Mixup, 0) {
		return nil, fmt.Errorf("datasets: mixup α = %g; it must be a finite number ≥ 0 (0: no mixup)", cfg.Mixup)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 2 * cfg.Workers
	}
	return &Loader{name: name, n: n, label: label, cfg: cfg}, nil
}

// NewImageLoader returns a loader of an image source. Sources with a RandomImage method
// (iNaturalist) do their own random crop when cfg.Augment is set.
func NewImageLoader(name string, src ImageSource, cfg LoaderConfig) (*Loader, error) {
	h, w, c := src.ImageShape()
	if len(cfg.Mean) != 0 && (len(cfg.Mean) != c || len(cfg.Std) != c) {
		return nil, fmt.Errorf("datasets: %d normalization means/%d stds for %d channels", len(cfg.Mean), len(cfg.Std), c)
	}
	l, err := newLoader(name, src.Len(), src.Label, cfg)
	if err != nil {
		return nil, err
	}
	type randomImager interface {
		RandomImage(i int, dst []uint8, rng *rand.Rand) error
	}
	size := h * w * c
	l.fill = func(idx []int, rng *rand.Rand) ([]*tensors.Tensor, error) {
		out := make([]float32, len(idx)*size)
		raw := make([]uint8, size)
		aug := make([]uint8, size)
		for k, i := range idx {
			var err error
			if ri, ok := src.(randomImager); ok && cfg.Augment != nil {
				err = ri.RandomImage(i, raw, rng)
			} else {
				err = src.Image(i, raw)
			}
			if err != nil {
				return nil, err
			}
			img := raw
			if cfg.Augment != nil {
				if _, ok := src.(randomImager); !ok {
					cropFlip(raw, aug, h, w, c, cfg.Augment, rng)
					img = aug
				}
			}
			toFloat(img, out[k*size:(k+1)*size], c, cfg.Mean, cfg.Std)
		}
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(out, len(idx), h, w, c)}, nil
	}
	return l, nil
}

// NewPointsLoader returns a loader of real vectors.
func NewPointsLoader(name string, p *Points, cfg LoaderConfig) (*Loader, error) {
	l, err := newLoader(name, p.Len(), func(i int) int { return p.Labels[i] }, cfg)
	if err != nil {
		return nil, err
	}
	l.fill = func(idx []int, _ *rand.Rand) ([]*tensors.Tensor, error) {
		out := make([]float32, len(idx)*p.Dim)
		for k, i := range idx {
			copy(out[k*p.Dim:], p.X[i*p.Dim:(i+1)*p.Dim])
		}
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(out, len(idx), p.Dim)}, nil
	}
	return l, nil
}

// NewTextLoader returns a loader of token sequences: inputs are tokens [B, T] and lengths [B].
func NewTextLoader(name string, t *Text, cfg LoaderConfig) (*Loader, error) {
	if cfg.Mixup > 0 {
		return nil, fmt.Errorf("datasets: mixup mixes real-valued inputs; %s has tokens (use --mixup 0)", name)
	}
	l, err := newLoader(name, t.Len(), func(i int) int { return t.Labels[i] }, cfg)
	if err != nil {
		return nil, err
	}
	l.fill = func(idx []int, _ *rand.Rand) ([]*tensors.Tensor, error) {
		toks := make([]int32, len(idx)*t.MaxLen)
		lens := make([]int32, len(idx))
		for k, i := range idx {
			copy(toks[k*t.MaxLen:], t.Tokens[i*t.MaxLen:(i+1)*t.MaxLen])
			lens[k] = t.Lengths[i]
		}
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(toks, len(idx), t.MaxLen), tensors.FromFlatDataAndDimensions(lens, len(idx))}, nil
	}
	return l, nil
}

// Name implements train.Dataset.
func (l *Loader) Name() string { return l.name }

// Len is the number of examples.
func (l *Loader) Len() int { return l.n }

// SetEpoch sets the epoch the next Iter call yields (to resume a run).
func (l *Loader) SetEpoch(epoch int) { l.epoch = epoch }

// Epoch is the epoch the next Iter call yields.
func (l *Loader) Epoch() int { return l.epoch }

// rngFor is the random stream of one batch (or, with batch −1, of the epoch's order).
func (l *Loader) rngFor(epoch, batch int) *rand.Rand {
	return rand.New(rand.NewPCG(l.cfg.Seed^0x5eed, uint64(epoch)<<32|uint64(uint32(batch))))
}

// EpochBatches returns the example indices of each batch of an epoch.
func (l *Loader) EpochBatches(epoch int) ([][]int, error) {
	var order []int
	if l.cfg.Order == nil {
		order = make([]int, l.n)
		for i := range order {
			order[i] = i
		}
	} else {
		var err error
		if order, err = l.cfg.Order(epoch, l.rngFor(epoch, -1)); err != nil {
			return nil, err
		}
	}
	var batches [][]int
	for s := 0; s < len(order); s += l.cfg.BatchSize {
		e := min(s+l.cfg.BatchSize, len(order))
		if e-s < l.cfg.BatchSize && l.cfg.DropLast {
			break
		}
		batches = append(batches, order[s:e])
	}
	return batches, nil
}

// errStopped answers batches abandoned when the consumer stops an epoch early.
var errStopped = fmt.Errorf("datasets: epoch stopped early")

type prepared struct {
	batch train.Batch
	err   error
}

// Iter implements train.Dataset: it yields the batches of the next epoch, prepared by
// cfg.Workers goroutines up to cfg.Prefetch batches ahead, in order.
func (l *Loader) Iter() iter.Seq2[train.Batch, error] {
	epoch := l.epoch
	l.epoch++
	return func(yield func(train.Batch, error) bool) {
		batches, err := l.EpochBatches(epoch)
		if err != nil {
			yield(train.Batch{}, err)
			return
		}
		done := make(chan struct{})
		defer close(done)
		// Each batch gets its own result channel; the queue keeps them in order.
		queue := make(chan chan prepared, l.cfg.Prefetch)
		jobs := make(chan struct {
			b   int
			out chan prepared
		})
		for range l.cfg.Workers {
			go func() {
				for j := range jobs {
					idx := batches[j.b]
					rng := l.rngFor(epoch, j.b)
					inputs, err := l.fill(idx, rng)
					var p prepared
					if err != nil {
						p.err = fmt.Errorf("datasets: %s epoch %d batch %d: %w", l.name, epoch, j.b, err)
					} else {
						labels := make([]int32, len(idx))
						for k, i := range idx {
							labels[k] = int32(l.label(i))
						}
						p.batch = train.Batch{Inputs: inputs, Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, len(idx))}}
						if l.cfg.Mixup > 0 {
							p.batch = mixup(inputs, labels, l.cfg.Mixup, rng)
						}
					}
					j.out <- p
				}
			}()
		}
		go func() {
			defer close(jobs)
			defer close(queue)
			for b := range batches {
				out := make(chan prepared, 1)
				select {
				case queue <- out:
				case <-done:
					return
				}
				select {
				case jobs <- struct {
					b   int
					out chan prepared
				}{b, out}:
				case <-done:
					// This batch is queued but will never be prepared: answer it so that
					// the drain below does not wait for it forever.
					out <- prepared{err: errStopped}
					return
				}
			}
		}()
		for out := range queue {
			p := <-out
			if !yield(p.batch, p.err) || p.err != nil {
				// Drain what is in flight so workers can exit.
				go func() {
					for o := range queue {
						if q := <-o; q.err == nil {
							_ = q.batch.Finalize()
						}
					}
				}()
				return
			}
		}
	}
}

// mixup mixes the batch's first input (float32, examples on the first axis) with a random
// permutation of itself; see LoaderConfig.Mixup.
func mixup(inputs []*tensors.Tensor, labels []int32, alpha float64, rng *rand.Rand) train.Batch {
	b := len(labels)
	lambda := distuv.Beta{Alpha: alpha, Beta: alpha, Src: rng}.Rand()
	perm := rng.Perm(b)
	x := tensors.MustCopyFlatData[float32](inputs[0]) // the unmixed batch, read while mixing in place
	size := len(x) / b
	l32 := float32(lambda)
	tensors.MustMutableFlatData(inputs[0], func(mixed []float32) {
		for k, pk := range perm {
			a, o := x[k*size:(k+1)*size], x[pk*size:(pk+1)*size]
			for t := range a {
				mixed[k*size+t] = l32*a[t] + (1-l32)*o[t]
			}
		}
	})
	other := make([]int32, b)
	lambdas := make([]float32, b)
	for k, pk := range perm {
		other[k] = labels[pk]
		lambdas[k] = l32
	}
	return train.Batch{Inputs: inputs, Labels: []*tensors.Tensor{
		tensors.FromFlatDataAndDimensions(labels, b), tensors.FromFlatDataAndDimensions(other, b),
		tensors.FromFlatDataAndDimensions(lambdas, b)}}
}

// cropFlip applies Augment to one HWC image.
func cropFlip(src, dst []uint8, h, w, c int, a *Augment, rng *rand.Rand) {
	ox, oy := 0, 0
	if a.Pad > 0 {
		ox, oy = rng.IntN(2*a.Pad+1)-a.Pad, rng.IntN(2*a.Pad+1)-a.Pad
	}
	flip := a.Flip && rng.IntN(2) == 1
	for y := range h {
		sy := y + oy
		for x := range w {
			sx := x + ox
			if flip {
				sx = w - 1 - x + ox
			}
			d := dst[(y*w+x)*c : (y*w+x+1)*c]
			if sy < 0 || sy >= h || sx < 0 || sx >= w {
				clear(d)
				continue
			}
			copy(d, src[(sy*w+sx)*c:(sy*w+sx+1)*c])
		}
	}
}

// toFloat converts HWC bytes to floats in [0, 1], normalized per channel if mean/std are given.
func toFloat(src []uint8, dst []float32, c int, mean, std []float32) {
	for i, v := range src {
		f := float32(v) / 255
		if len(mean) > 0 {
			ch := i % c
			f = (f - mean[ch]) / std[ch]
		}
		dst[i] = f
	}
}
