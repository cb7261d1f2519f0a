package losses

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// The losses of two classes as functions of the logit gap g = z_y − z_other (Section 3.2 of the
// paper, 03-ldam-loss.ipynb), computed with this package's losses and GoMLX's autodiff.

// Gaps returns n evenly spaced logit gaps g = z_y − z_other over [lo, hi].
func Gaps(lo, hi float64, n int) []float64 {
	g := make([]float64, n)
	for i := range g {
		g[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return g
}

// TwoClass evaluates a loss of this package on two-class cosine logits
// z = (g/2, −g/2) with true class 0, for every gap g, and returns the per-example loss and its
// derivative in g (GoMLX autodiff). kind is "ce" (cross-entropy on s·z), "ldam" (Eq. 12–13 with
// margin delta) or "hinge" (Eq. 10–11, scaled by s); weight multiplies the loss (re-weighting).
func TwoClass(kind string, gaps []float64, delta, scale, weight float64) (loss, grad []float64, err error) {
	backend, err := gobackend.New("")
	if err != nil {
		return nil, nil, err
	}
	defer backend.Finalize()
	n := len(gaps)
	g32 := make([]float32, n)
	for i, v := range gaps {
		g32[i] = float32(v)
	}
	var call error
	exec, err := NewExec(backend, func(g *Node) []*Node {
		half := MulScalar(ExpandAxes(g, -1), 0.5)
		logits := Concatenate([]*Node{half, Neg(half)}, -1) // [n, 2]
		labels := Zeros(g.Graph(), shapes.Make(dtypes.Int32, n))
		margins := Const(g.Graph(), []float32{float32(delta), 0})
		var per *Node
		switch kind {
		case "ce":
			per = PerExampleCrossEntropy(MulScalar(logits, scale), labels)
		case "ldam":
			per = PerExampleCrossEntropy(MarginLogits(logits, labels, margins, scale), labels)
		case "hinge":
			per = PerExampleHinge(logits, labels, margins, scale)
		default:
			call = fmt.Errorf("losses: unknown two-class loss %q; use ce, ldam or hinge", kind)
			return []*Node{g, g}
		}
		per = MulScalar(per, weight)
		return []*Node{per, Gradient(ReduceAllSum(per), g)[0]}
	})
	if err != nil {
		return nil, nil, err
	}
	out, err := exec.Call(g32)
	if err != nil {
		return nil, nil, err
	}
	if call != nil {
		return nil, nil, call
	}
	for i, t := range out {
		v := tensors.MustCopyFlatData[float32](t)
		f := make([]float64, len(v))
		for k, x := range v {
			f[k] = float64(x)
		}
		if i == 0 {
			loss = f
		} else {
			grad = f
		}
	}
	return loss, grad, nil
}

// GradientFactors returns, over the gaps, the factor by which re-weighting (weight w) and LDAM
// (margin Δ) multiply the cross-entropy's gradient in the logit gap: re-weighting's is w at
// every gap, LDAM's σ(−s(g−Δ))/σ(−s·g) depends on the model's output (the binary remark of
// §3.2). Both are computed from autodiff gradients.
func GradientFactors(gaps []float64, weight, delta, scale float64) (reweight, ldam []float64, err error) {
	_, ce, err := TwoClass("ce", gaps, 0, scale, 1)
	if err != nil {
		return nil, nil, err
	}
	_, rw, err := TwoClass("ce", gaps, 0, scale, weight)
	if err != nil {
		return nil, nil, err
	}
	_, ld, err := TwoClass("ldam", gaps, delta, scale, 1)
	if err != nil {
		return nil, nil, err
	}
	for i := range gaps {
		reweight = append(reweight, rw[i]/ce[i])
		ldam = append(ldam, ld[i]/ce[i])
	}
	return reweight, ldam, nil
}
