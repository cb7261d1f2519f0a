package losses_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ldamlab/ldamlab/ldam/losses"
)

var backend compute.Backend

func testBackend(t testing.TB) compute.Backend {
	t.Helper()
	if backend == nil {
		b, err := gobackend.New("")
		if err != nil {
			t.Fatalf("go backend: %v", err)
		}
		backend = b
	}
	return backend
}

// lossFn is a loss under test: logits [B,C] float64, labels [B] int32, margins [C], weights [C].
type lossFn func(logits, labels, margins, weights *Node) *Node

// problem is a small random classification problem.
type problem struct {
	B, C    int
	logits  []float64
	labels  []int32
	margins []float64
	weights []float64
}

func newProblem(seed uint64, B, C int) problem {
	rng := rand.New(rand.NewPCG(seed, 7))
	p := problem{B: B, C: C}
	for range B * C {
		p.logits = append(p.logits, rng.NormFloat64())
	}
	for range B {
		p.labels = append(p.labels, int32(rng.IntN(C)))
	}
	for range C {
		p.margins = append(p.margins, 0.1+0.4*rng.Float64())
		p.weights = append(p.weights, 0.2+2*rng.Float64())
	}
	return p
}

func (p problem) tensors(logits []float64) []any {
	return []any{
		tensors.FromFlatDataAndDimensions(logits, p.B, p.C),
		tensors.FromFlatDataAndDimensions(p.labels, p.B),
		tensors.FromFlatDataAndDimensions(p.margins, p.C),
		tensors.FromFlatDataAndDimensions(p.weights, p.C),
	}
}

func evalLoss(t *testing.T, fn lossFn, p problem, logits []float64) float64 {
	t.Helper()
	exec := MustNewExec(testBackend(t), func(l, y, m, w *Node) *Node { return fn(l, y, m, w) })
	defer exec.Finalize()
	return exec.MustCall(p.tensors(logits)...)[0].Value().(float64)
}

func evalGrad(t *testing.T, fn lossFn, p problem) []float64 {
	t.Helper()
	exec := MustNewExec(testBackend(t), func(l, y, m, w *Node) *Node {
		return Gradient(fn(l, y, m, w), l)[0]
	})
	defer exec.Finalize()
	out := exec.MustCall(p.tensors(p.logits)...)[0]
	return tensors.MustCopyFlatData[float64](out)
}

var allLosses = []struct {
	name string
	fn   lossFn
}{
	{"CE", func(l, y, m, w *Node) *Node { return losses.CrossEntropy(l, y, nil) }},
	{"CE-weighted", func(l, y, m, w *Node) *Node { return losses.CrossEntropy(l, y, w) }},
	{"Focal-γ1", func(l, y, m, w *Node) *Node { return losses.Focal(l, y, nil, 1) }},
	{"Focal-γ2-weighted", func(l, y, m, w *Node) *Node { return losses.Focal(l, y, w, 2) }},
	{"LDAM", func(l, y, m, w *Node) *Node { return losses.LDAM(l, y, m, nil, 3) }},
	{"LDAM-DRW", func(l, y, m, w *Node) *Node { return losses.LDAM(l, y, m, w, 3) }},
	{"LDAM-HG", func(l, y, m, w *Node) *Node { return losses.Hinge(l, y, m, w, 2) }},
	{"LAS", func(l, y, m, w *Node) *Node { return losses.LabelAwareSmoothing(l, y, m) }},
	{"CB-softmax-BCE", func(l, y, m, w *Node) *Node { return losses.CBSoftmaxBCE(l, y, w) }},
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	p := newProblem(1, 6, 5)
	// Scale logits so that no hinge sits exactly at a kink.
	for _, tc := range allLosses {
		t.Run(tc.name, func(t *testing.T) { checkFiniteDifferences(t, tc.fn, p) })
	}
}

// checkFiniteDifferences compares a loss's autodiff gradient in the logits with central
// differences.
func checkFiniteDifferences(t *testing.T, fn lossFn, p problem) {
	t.Helper()
	grad := evalGrad(t, fn, p)
	const h = 1e-6
	for i := range p.logits {
		plus := append([]float64(nil), p.logits...)
		minus := append([]float64(nil), p.logits...)
		plus[i] += h
		minus[i] -= h
		num := (evalLoss(t, fn, p, plus) - evalLoss(t, fn, p, minus)) / (2 * h)
		if math.Abs(num-grad[i]) > 1e-5*(1+math.Abs(num)) {
			t.Errorf("d loss / d logit[%d]: autodiff %.8f, finite difference %.8f", i, grad[i], num)
		}
	}
}

// crossEntropyRef is a plain-Go per-example cross-entropy.
func crossEntropyRef(z []float64, y int) float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, v)
	}
	s := 0.0
	for _, v := range z {
		s += math.Exp(v - m)
	}
	return -(z[y] - m - math.Log(s))
}

func TestLossesAgainstPlainGo(t *testing.T) {
	p := newProblem(2, 8, 4)
	row := func(i int) []float64 { return p.logits[i*p.C : (i+1)*p.C] }
	const s = 3.0
	ldamRef, hingeRef, focalRef, weightedRef, wsum := 0.0, 0.0, 0.0, 0.0, 0.0
	lasRef, bceRef := 0.0, 0.0
	for i := range p.B {
		y := int(p.labels[i])
		z := append([]float64(nil), row(i)...)
		ce := crossEntropyRef(z, y)
		// MiSLAS's LAS with ε = the margins: (1 − ε_y)(−log p_y) + ε_y/K Σ_c (−log p_c).
		lasRef += (1 - p.margins[y]) * ce
		for c := range z {
			lasRef += p.margins[y] / float64(p.C) * crossEntropyRef(z, c)
		}
		// The CB "softmax" port: −(w_y/K) Σ_j [1{j=y} log p_j + 1{j≠y} log(1 − p_j)].
		for c := range z {
			pc := math.Exp(-crossEntropyRef(z, c))
			if c == y {
				bceRef -= p.weights[y] / float64(p.C) * math.Log(pc)
			} else {
				bceRef -= p.weights[y] / float64(p.C) * math.Log(1-pc)
			}
		}
		w := p.weights[y]
		weightedRef += w * ce
		wsum += w
		focalRef += (1 - math.Exp(-ce)) * (1 - math.Exp(-ce)) * ce
		other := math.Inf(-1)
		for j, v := range z {
			if j != y {
				other = max(other, v)
			}
		}
		hingeRef += s * max(other-z[y]+p.margins[y], 0)
		zm := make([]float64, len(z))
		for j := range z {
			zm[j] = s * z[j]
		}
		zm[y] = s * (z[y] - p.margins[y])
		ldamRef += crossEntropyRef(zm, y)
	}
	n := float64(p.B)
	cases := []struct {
		name string
		fn   lossFn
		want float64
	}{
		{"weighted CE = Σ w ℓ / Σ w", func(l, y, m, w *Node) *Node { return losses.CrossEntropy(l, y, w) }, weightedRef / wsum},
		{"focal γ=2", func(l, y, m, w *Node) *Node { return losses.Focal(l, y, nil, 2) }, focalRef / n},
		{"LDAM Eq. 12", func(l, y, m, w *Node) *Node { return losses.LDAM(l, y, m, nil, s) }, ldamRef / n},
		{"hinge Eq. 10", func(l, y, m, w *Node) *Node { return losses.Hinge(l, y, m, nil, s) }, hingeRef / n},
		{"MiSLAS's label-aware smoothing", func(l, y, m, w *Node) *Node { return losses.LabelAwareSmoothing(l, y, m) }, lasRef / n},
		{"class-balanced softmax BCE", func(l, y, m, w *Node) *Node { return losses.CBSoftmaxBCE(l, y, w) }, bceRef / n},
	}
	for _, tc := range cases {
		got := evalLoss(t, tc.fn, p, p.logits)
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: got %.10f, want %.10f", tc.name, got, tc.want)
		}
	}
}

func TestLDAMReducesToCrossEntropy(t *testing.T) {
	p := newProblem(3, 10, 7)
	for i := range p.margins {
		p.margins[i] = 0
	}
	ldam := evalLoss(t, func(l, y, m, w *Node) *Node { return losses.LDAM(l, y, m, w, 1) }, p, p.logits)
	ce := evalLoss(t, func(l, y, m, w *Node) *Node { return losses.CrossEntropy(l, y, w) }, p, p.logits)
	if math.Abs(ldam-ce) > 1e-12 {
		t.Fatalf("LDAM with Δ=0, s=1 = %.12f, cross-entropy = %.12f", ldam, ce)
	}
	focal0 := evalLoss(t, func(l, y, m, w *Node) *Node { return losses.Focal(l, y, w, 0) }, p, p.logits)
	if math.Abs(focal0-ce) > 1e-12 {
		t.Fatalf("focal with γ=0 = %.12f, cross-entropy = %.12f", focal0, ce)
	}
}

func TestLDAMGrowsWithMargin(t *testing.T) {
	p := newProblem(4, 6, 3)
	prev := math.Inf(-1)
	for _, delta := range []float64{0, 0.1, 0.3, 0.5, 1} {
		for i := range p.margins {
			p.margins[i] = delta
		}
		got := evalLoss(t, func(l, y, m, w *Node) *Node { return losses.LDAM(l, y, m, nil, 30) }, p, p.logits)
		if !(got > prev) {
			t.Fatalf("LDAM loss with Δ=%g is %g, not above %g at the smaller margin", delta, got, prev)
		}
		prev = got
	}
}

func TestLDAMMarginsCIFAR10(t *testing.T) {
	cases := []struct {
		name   string
		counts []int
		want   []float64
	}{
		{"LT ρ=100", []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50},
			[]float64{0.1581, 0.1797, 0.2042, 0.2321, 0.2638, 0.2998, 0.3407, 0.3872, 0.4405, 0.5000}},
		{"LT ρ=10", []int{5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500},
			[]float64{0.2812, 0.2997, 0.3196, 0.3407, 0.3632, 0.3872, 0.4127, 0.4400, 0.4692, 0.5000}},
	}
	for _, tc := range cases {
		got, err := losses.LDAMMargins(tc.counts, losses.DefaultMaxMargin)
		if err != nil {
			t.Fatal(err)
		}
		for j := range got {
			if math.Abs(got[j]-tc.want[j]) > 5e-5 {
				t.Errorf("%s: Δ_%d = %.5f, facts file says %.4f", tc.name, j, got[j], tc.want[j])
			}
		}
	}
}

func TestMarginErrors(t *testing.T) {
	if _, err := losses.LDAMMargins([]int{10, 0}, 0.5); err == nil {
		t.Error("a class with 0 examples was accepted")
	}
	if _, err := losses.LDAMMargins(nil, 0.5); err == nil {
		t.Error("no classes was accepted")
	}
	if _, err := losses.TestAwareMargins([]int{10, 5}, []int{1}, 0.5); err == nil {
		t.Error("mismatched class counts were accepted")
	}
}

func TestTestAwareMargins(t *testing.T) {
	// Eq. 15: Δ_i ∝ (n'_i/n_i)^{1/4}. With a balanced test set it reduces to Eq. 13.
	train := []int{5000, 500, 50}
	balanced, err := losses.TestAwareMargins(train, []int{1000, 1000, 1000}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	eq13, _ := losses.LDAMMargins(train, 0.5)
	for i := range train {
		if math.Abs(balanced[i]-eq13[i]) > 1e-12 {
			t.Errorf("balanced test: Δ_%d = %g, Eq. 13 gives %g", i, balanced[i], eq13[i])
		}
	}
	// A test distribution that matches the training one gives uniform margins.
	same, _ := losses.TestAwareMargins(train, []int{500, 50, 5}, 0.5)
	for i := range same {
		if math.Abs(same[i]-0.5) > 1e-12 {
			t.Errorf("matched test: Δ_%d = %g, want 0.5", i, same[i])
		}
	}
}

// TestCBSoftmaxBCEClamps: a confident example whose probabilities reach 0 and 1 gives the clamped
// loss (log at −100, as PyTorch's binary_cross_entropy) and a finite gradient, not NaN.
func TestCBSoftmaxBCEClamps(t *testing.T) {
	p := problem{B: 1, C: 3, logits: []float64{0, 500, -500}, labels: []int32{2}, margins: []float64{0, 0, 0}, weights: []float64{1, 1, 3}}
	fn := func(l, y, m, w *Node) *Node { return losses.CBSoftmaxBCE(l, y, w) }
	got := evalLoss(t, fn, p, p.logits)
	// log p_2 and log(1 − p_1) clamp at −100; log(1 − p_0) = log 1 = 0.
	if want := 3.0 / 3 * (100 + 100); math.Abs(got-want) > 1e-9 {
		t.Errorf("loss %g, want the clamped %g", got, want)
	}
	for i, g := range evalGrad(t, fn, p) {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			t.Errorf("gradient %d is %g at saturated probabilities", i, g)
		}
	}
}

// TestLabelAwareSmoothingWithoutSmoothingIsCrossEntropy: ε = 0 for every class is plain CE.
func TestLabelAwareSmoothingWithoutSmoothingIsCrossEntropy(t *testing.T) {
	p := newProblem(5, 7, 4)
	p.margins = make([]float64, p.C)
	las := evalLoss(t, func(l, y, m, w *Node) *Node { return losses.LabelAwareSmoothing(l, y, m) }, p, p.logits)
	ce := evalLoss(t, func(l, y, m, w *Node) *Node { return losses.CrossEntropy(l, y, nil) }, p, p.logits)
	if math.Abs(las-ce) > 1e-12 {
		t.Errorf("LAS with ε = 0: %.15g, cross-entropy %.15g", las, ce)
	}
}
