// Package toy is the smallest LDAM there is: three classes of very different sizes in the
// plane, classified by angle with a cosine classifier (the normalized linear head of §3.2,
// z_j = cos∠(w_j, x)), trained with the library's losses and re-balancing rules in well under a
// second. It is the bridge from the margin bound of §3.1 to the loss of §3.2: each method's
// decision boundaries, its normalized per-class margins γ_j beside n_j^{-1/4}, and Eq. 5's
// bound evaluated with those margins.
package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/stat"

	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/losses"
)

// Method is a loss and a re-balancing rule (the official flags' names).
type Method struct {
	Name string
	// Loss is "CE", "Uniform" (one margin for every class) or "LDAM" (Δ_j ∝ n_j^{-α}).
	Loss string
	// Rule is "None", "Reweight" (class-balanced weights from the start) or "DRW" (from T0).
	Rule string
}

// Methods are the five trainings the bridge compares.
var Methods = []Method{
	{"CE", "CE", "None"},
	{"uniform margin", "Uniform", "None"},
	{"LDAM", "LDAM", "None"},
	{"re-weighting", "CE", "Reweight"},
	{"LDAM-DRW", "LDAM", "DRW"},
}

// Config is the toy: the data, the margins and the schedule. Zero fields take [Default]'s, except
// MaxMargin and Alpha, where 0 is a setting (no margin; equal margins): start from Default().
type Config struct {
	// Counts are the training examples of each class; TestPerClass the balanced test set's.
	Counts       []int
	TestPerClass int
	// Spread is the standard deviation of each class's Gaussian around its mean, a point of the
	// unit circle (class j at 90° + 120°·j).
	Spread float64
	// MaxMargin is Δ_max (the rarest class's margin; the uniform margin's value), Alpha the
	// exponent of Δ_j ∝ n_j^{-α} (1/4: LDAM, Eq. 13), Scale the s of the softmax.
	MaxMargin, Alpha, Scale float64
	// Epochs full-batch gradient steps with learning rate LR and momentum 0.9; DRW re-weights
	// from step T0 on.
	Epochs, T0 int
	LR         float64
	// Beta is the class-balanced weights' β (0.9999 as the official code).
	Beta float64
	Seed uint64
}

// Default is the bridge's toy: 1000, 100 and 10 training points, σ = 0.35 (the classes overlap a
// little, so imbalance moves the boundaries), Δ_max = 0.5,
// α = 1/4, s = 10, 300 steps of learning rate 1 with DRW from step 200.
func Default() Config {
	return Config{Counts: []int{1000, 100, 10}, TestPerClass: 1000, Spread: 0.35, MaxMargin: 0.5, Alpha: 0.25, Scale: 10,
		Epochs: 300, T0: 200, LR: 1, Beta: 0.9999, Seed: 1}
}

// withDefaults fills the zero fields of c from Default and checks the rest.
func (c Config) withDefaults() (Config, error) {
	d := Default()
	if c.Counts == nil {
		c.Counts = d.Counts
	}
	for _, f := range []struct{ v, def *float64 }{{&c.Spread, &d.Spread}, {&c.Scale, &d.Scale}, {&c.LR, &d.LR}, {&c.Beta, &d.Beta}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if c.TestPerClass == 0 {
		c.TestPerClass = d.TestPerClass
	}
	if c.Epochs == 0 {
		c.Epochs, c.T0 = d.Epochs, d.T0
	}
	switch {
	case len(c.Counts) < 2:
		return c, fmt.Errorf("toy: %d classes; the toy needs at least two", len(c.Counts))
	case c.Spread < 0 || c.MaxMargin < 0 || c.Alpha < 0 || c.Scale < 0 || c.LR < 0:
		return c, fmt.Errorf("toy: spread %g, Δ_max %g, α %g, s %g and learning rate %g must not be negative", c.Spread, c.MaxMargin, c.Alpha, c.Scale, c.LR)
	case c.T0 < 0 || c.T0 > c.Epochs:
		return c, fmt.Errorf("toy: DRW start T0 = %d lies outside the %d steps; use 0 … %d", c.T0, c.Epochs, c.Epochs)
	}
	for j, n := range c.Counts {
		if n < 1 {
			return c, fmt.Errorf("toy: class %d has %d training points; every class needs at least one", j, n)
		}
	}
	return c, nil
}

// Set is points of the plane with their classes.
type Set struct {
	X [][2]float64
	Y []int
}

// Data draws the training set (Counts) and the balanced test set (TestPerClass per class).
func Data(c Config) (train, test Set, err error) {
	if c, err = c.withDefaults(); err != nil {
		return Set{}, Set{}, err
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x746f79)) // "toy"
	draw := func(counts func(j int) int) Set {
		var s Set
		for j := range c.Counts {
			a := math.Pi/2 + 2*math.Pi*float64(j)/float64(len(c.Counts))
			for range counts(j) {
				s.X = append(s.X, [2]float64{math.Cos(a) + c.Spread*rng.NormFloat64(), math.Sin(a) + c.Spread*rng.NormFloat64()})
				s.Y = append(s.Y, j)
			}
		}
		return s
	}
	train = draw(func(j int) int { return c.Counts[j] })
	test = draw(func(int) int { return c.TestPerClass })
	return train, test, nil
}

// Margins returns the margins Δ_j of a method: Δ_max·(n_min/n_j)^α for LDAM (α = 1/4 is Eq. 13),
// Δ_max for every class with a uniform margin, none for CE.
func Margins(c Config, m Method) ([]float64, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(c.Counts))
	switch m.Loss {
	case "CE":
	case "Uniform":
		copy(out, losses.UniformMargins(len(c.Counts), c.MaxMargin))
	case "LDAM":
		least := c.Counts[0]
		for _, n := range c.Counts {
			least = min(least, n)
		}
		for j, n := range c.Counts {
			out[j] = c.MaxMargin * math.Pow(float64(least)/float64(n), c.Alpha)
		}
	default:
		return nil, fmt.Errorf("toy: unknown loss %q; use CE, Uniform or LDAM", m.Loss)
	}
	return out, nil
}

// Result is a trained toy.
type Result struct {
	Method Method
	// W holds the class vectors (only their directions matter).
	W [][2]float64
	// Delta are the margins the loss enforced (zeros for CE).
	Delta []float64
	// Gamma are the normalized training margins of Eq. 2 per class: the smallest
	// cos∠(w_y, x) − max_{j≠y} cos∠(w_j, x) over the class's training points (negative when a
	// training point is misclassified). One outlier among a head class's 1000 points sets it, so
	// GammaLow gives the MarginQuantile-quantile of the same margins.
	Gamma, GammaLow []float64
	// TrainError and TestError are per class; BalancedError is the mean of TestError.
	TrainError, TestError []float64
	BalancedError         float64
	// Loss is the training loss after each step.
	Loss []float64
}

// Train trains one method on the toy's training set and evaluates it on the test set.
func Train(c Config, m Method) (*Result, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	if m.Rule != "None" && m.Rule != "Reweight" && m.Rule != "DRW" {
		return nil, fmt.Errorf("toy: unknown rule %q; use None, Reweight or DRW", m.Rule)
	}
	delta, err := Margins(c, m)
	if err != nil {
		return nil, err
	}
	train, test, err := Data(c)
	if err != nil {
		return nil, err
	}
	cb, err := balance.ClassBalanced(c.Counts, c.Beta)
	if err != nil {
		return nil, err
	}
	backend, err := gobackend.New("")
	if err != nil {
		return nil, err
	}
	defer backend.Finalize()
	w := meanDirections(train, len(c.Counts))
	res := &Result{Method: m, Delta: delta}
	step, err := stepExec(backend, c.Scale)
	if err != nil {
		return nil, err
	}
	defer step.Finalize()
	x, y := flat(train)
	xt := tensors.FromFlatDataAndDimensions(x, len(train.Y), 2)
	yt := tensors.FromFlatDataAndDimensions(y, len(train.Y))
	dt := tensors.FromFlatDataAndDimensions(delta, len(delta))
	k := len(c.Counts)
	velocity := make([]float64, 2*k)
	for e := range c.Epochs {
		weights := balance.Uniform(k)
		if m.Rule == "Reweight" || m.Rule == "DRW" && e >= c.T0 {
			weights = cb
		}
		out, err := step.Call(tensors.FromFlatDataAndDimensions(w, k, 2), xt, yt, dt, tensors.FromFlatDataAndDimensions(weights, k))
		if err != nil {
			return nil, fmt.Errorf("toy: step %d: %w", e, err)
		}
		res.Loss = append(res.Loss, out[0].Value().(float64))
		g := tensors.MustCopyFlatData[float64](out[1])
		for i := range w {
			velocity[i] = 0.9*velocity[i] + g[i]
			w[i] -= c.LR * velocity[i]
		}
	}
	for j := range k {
		res.W = append(res.W, [2]float64{w[2*j], w[2*j+1]})
	}
	var all [][]float64
	res.Gamma, res.TrainError, all = res.evaluate(train, k)
	for _, m := range all {
		sort.Float64s(m)
		res.GammaLow = append(res.GammaLow, stat.Quantile(MarginQuantile, stat.Empirical, m, nil))
	}
	_, res.TestError, _ = res.evaluate(test, k)
	for _, e := range res.TestError {
		res.BalancedError += e / float64(k)
	}
	return res, nil
}

// TrainAll trains every method of Methods on the same data.
func TrainAll(c Config) ([]*Result, error) {
	var out []*Result
	for _, m := range Methods {
		r, err := Train(c, m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// stepExec compiles one step: the loss of cosine logits (LDAM with the given margins and class
// weights — CE when the margins are 0) and its gradient in W.
func stepExec(backend compute.Backend, scale float64) (*Exec, error) {
	return NewExec(backend, func(w, x, y, delta, weights *Node) []*Node {
		loss := losses.LDAM(Cosines(w, x), y, delta, weights, scale)
		return []*Node{loss, Gradient(loss, w)[0]}
	})
}

// Cosines are the cosine logits z_ij = cos∠(w_j, x_i) of points x [n, 2] and class vectors
// w [k, 2]: the normalized linear head.
func Cosines(w, x *Node) *Node {
	unit := func(v *Node) *Node { return Div(v, Sqrt(ReduceAndKeep(Square(v), ReduceSum, -1))) }
	return MatMul(unit(x), Transpose(unit(w), 0, 1))
}

// meanDirections starts every method alike: class vector j at the direction of class j's mean
// training point (the nearest-class-mean classifier).
func meanDirections(s Set, k int) []float64 {
	w := make([]float64, 2*k)
	for i, x := range s.X {
		w[2*s.Y[i]] += x[0]
		w[2*s.Y[i]+1] += x[1]
	}
	for j := range k {
		n := math.Hypot(w[2*j], w[2*j+1])
		w[2*j], w[2*j+1] = w[2*j]/n, w[2*j+1]/n
	}
	return w
}

func flat(s Set) ([]float64, []int32) {
	x := make([]float64, 0, 2*len(s.X))
	y := make([]int32, len(s.Y))
	for i, p := range s.X {
		x = append(x, p[0], p[1])
		y[i] = int32(s.Y[i])
	}
	return x, y
}

// Cosine returns cos∠(w, x).
func Cosine(w, x [2]float64) float64 {
	return (w[0]*x[0] + w[1]*x[1]) / (math.Hypot(w[0], w[1]) * math.Hypot(x[0], x[1]))
}

// Predict returns the class of the largest cosine.
func (r *Result) Predict(x [2]float64) int {
	best := 0
	for j := range r.W {
		if Cosine(r.W[j], x) > Cosine(r.W[best], x) {
			best = j
		}
	}
	return best
}

// MarginQuantile is the quantile of a class's margins that Result.GammaLow reports.
const MarginQuantile = 0.05

// evaluate returns the per-class smallest normalized margin, error, and every example's margin
// on s.
func (r *Result) evaluate(s Set, k int) (gamma, errs []float64, all [][]float64) {
	gamma, errs, all = make([]float64, k), make([]float64, k), make([][]float64, k)
	count := make([]float64, k)
	for j := range gamma {
		gamma[j] = math.Inf(1)
	}
	for i, x := range s.X {
		y := s.Y[i]
		other := math.Inf(-1)
		for j := range r.W {
			if j != y {
				other = max(other, Cosine(r.W[j], x))
			}
		}
		m := Cosine(r.W[y], x) - other
		gamma[y] = min(gamma[y], m)
		all[y] = append(all[y], m)
		count[y]++
		if r.Predict(x) != y {
			errs[y]++
		}
	}
	for j := range errs {
		errs[j] /= max(1, count[j])
	}
	return gamma, errs, all
}

// MarginTerm is the part of Eq. 5 that the margins control, (1/k) Σ_j (1/γ_j)·√(1/n_j) (+Inf
// when a margin is ≤ 0): Eq. 8 minimizes it at a fixed Σ γ_j with γ_j ∝ n_j^{-1/4}.
func MarginTerm(gamma []float64, counts []int) float64 {
	t := 0.0
	for j, g := range gamma {
		if g <= 0 {
			return math.Inf(1)
		}
		t += (1 / g) * math.Sqrt(1/float64(counts[j]))
	}
	return t / float64(len(gamma))
}

// Bound evaluates the class-balanced margin bound of Eq. 5 with normalized margins γ_j (unit
// class vectors on unit inputs: the complexity C(F) of the cosine head is taken as 1):
//
//	(1/k) Σ_j [ (1/γ_j)·√(1/n_j) + log(n)/√n_j ],  n = Σ_j n_j.
//
// It is +Inf when a margin is ≤ 0 (the bound says nothing), and above 1 it is vacuous too.
func Bound(gamma []float64, counts []int) float64 {
	n := 0
	for _, c := range counts {
		n += c
	}
	b := 0.0
	for j, g := range gamma {
		if g <= 0 {
			return math.Inf(1)
		}
		b += (1/g)*math.Sqrt(1/float64(counts[j])) + math.Log(float64(n))/math.Sqrt(float64(counts[j]))
	}
	return b / float64(len(gamma))
}
