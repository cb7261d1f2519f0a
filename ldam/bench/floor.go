package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

// ConvProduct is the matrix product an im2col convolution performs: outputs [O, N] from a kernel
// [O, K] and N columns of K values (N = batch·height·width of the output, K = k·k·inChannels).
type ConvProduct struct{ O, K, N int }

// ResNet32Products lists the convolution products of CIFAR ResNet-32 at a batch size: the stem,
// 10 convolutions per stage at 32×32, 16×16 and 8×8 (16, 32, 64 channels; the first of the last
// two stages has stride 2 and half the input channels).
func ResNet32Products(batch int) []ConvProduct {
	p := []ConvProduct{{16, 27, batch * 32 * 32}}
	for s, c := range []int{16, 32, 64} {
		side := 32 >> s
		for i := range 10 {
			in := c
			if s > 0 && i == 0 {
				in = c / 2
			}
			p = append(p, ConvProduct{c, 9 * in, batch * side * side})
		}
	}
	return p
}

// FloorTimes are the durations of the convolution products alone (see MatMulFloor).
type FloorTimes struct {
	Forward, Train time.Duration
}

// MatMulFloor times, on a backend, only the matrix products of a network's convolutions, in the
// layouts the backend multiplies fastest (both operands with the contracted axis where its
// kernels want it, no transposes): the forward product out = w·colsᵀ, and for training also the
// two gradient products dw = dout·cols and dcolsᵀ = wᵀ·dout. No data movement, no
// normalization, no loss: a lower bound of the step time any graph formulation of the same
// convolutions can reach on that backend. It returns the medians of `runs` runs after a warm-up.
func MatMulFloor(backendName string, products []ConvProduct, runs int) (FloorTimes, error) {
	b, err := backend.New(spec.Sequential(backendName))
	if err != nil {
		return FloorTimes{}, err
	}
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(7, 7))
	random := func(dims ...int) *tensors.Tensor {
		v := make([]float32, shapes.Make(0, dims...).Size())
		for i := range v {
			v[i] = rng.Float32() - 0.5
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	// One set of operands per distinct shape; each product scales its kernel by a different
	// factor so that no two products are the same expression (the backend de-duplicates those).
	type operands struct{ w, cols, dout *tensors.Tensor }
	byShape := map[ConvProduct]operands{}
	var args []any
	index := map[ConvProduct]int{}
	for _, p := range products {
		if _, ok := byShape[p]; ok {
			continue
		}
		ops := operands{random(p.O, p.K), random(p.N, p.K), random(p.O, p.N)}
		byShape[p] = ops
		index[p] = len(args)
		args = append(args, ops.w, ops.cols, ops.dout)
	}
	measure := func(train bool) (time.Duration, error) {
		exec, err := NewExec(b, func(inputs []*Node) []*Node {
			var outs []*Node
			for i, p := range products {
				j := index[p]
				w := MulScalar(inputs[j], 1+float64(i)/64)
				cols, dout := inputs[j+1], inputs[j+2]
				outs = append(outs, DotGeneral(w, []int{1}, nil, cols, []int{1}, nil)) // [O, N]
				if train {
					outs = append(outs,
						DotGeneral(dout, []int{1}, nil, cols, []int{0}, nil),               // dw [O, K]
						DotGeneral(Transpose(w, 0, 1), []int{1}, nil, dout, []int{0}, nil)) // dcolsᵀ [K, N]
				}
			}
			return outs
		})
		if err != nil {
			return 0, err
		}
		defer exec.Finalize()
		var ts []time.Duration
		for i := range runs + 1 {
			t0 := time.Now()
			outs, err := exec.Call(args...)
			if err != nil {
				return 0, fmt.Errorf("matrix-product floor: %w", err)
			}
			if i > 0 {
				ts = append(ts, time.Since(t0))
			}
			for _, o := range outs {
				o.MustFinalizeAll()
			}
		}
		return median(ts), nil
	}
	var ft FloorTimes
	if ft.Forward, err = measure(false); err != nil {
		return ft, err
	}
	ft.Train, err = measure(true)
	return ft, err
}
